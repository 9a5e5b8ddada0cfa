"""The eager workloads, written once against the duck-typed `Engine` interface.

The same code drives every scalar engine: only the Value class behind ``engine.leaf``
(and its activations) changes, so a ratio between two engines measures the engines.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

from engines import Engine

MLP_SIZES = (2, 16, 16, 1)  # micrograd's demo network MLP(2, [16, 16, 1])
SEED_X = ((0.0, 0.0, 1.0), (0.0, 1.0, 1.0), (1.0, 0.0, 1.0), (1.0, 1.0, 1.0))
SEED_Y = (0.0, 1.0, 1.0, 0.0)
SEED_EPOCHS = 60000


def neuron(weights: list, bias: Any, x: Any) -> Any:
    """Σ w_i x_i (+ bias), one op at a time, as a scalar engine's user writes it."""
    z = weights[0] * x[0]
    for i in range(1, len(weights)):
        z = z + weights[i] * x[i]
    return z if bias is None else z + bias


def step(params: list) -> None:
    """One gradient-descent step with learning rate 1, then zero the gradients."""
    for p in params:
        p.data -= p.grad
        p.grad = 0.0


# --- MLP(2, [16, 16, 1]): ReLU hidden layers, linear output, squared error -----------

def mlp_init(sizes: tuple[int, ...] = MLP_SIZES, seed: int = 0) -> list[list[tuple]]:
    """Initial weights as floats: layers of neurons, each neuron ``(weights, bias)``."""
    rng = random.Random(seed)
    return [[([rng.uniform(-1.0, 1.0) for _ in range(nin)], 0.0) for _ in range(nout)]
            for nin, nout in itertools.pairwise(sizes)]


def mlp_build(engine: Engine, init: list[list[tuple]]) -> tuple[list, list]:
    """The model's leaves for ``engine``: (layers of (weights, bias), flat parameter list)."""
    layers = [[([engine.leaf(w) for w in ws], engine.leaf(b)) for ws, b in layer]
              for layer in init]
    params = [p for layer in layers for ws, b in layer for p in (*ws, b)]
    return layers, params


def mlp_forward(engine: Engine, layers: list, x: Any) -> Any:
    relu = engine.relu
    last = len(layers) - 1
    for k, layer in enumerate(layers):
        x = [neuron(ws, b, x) if k == last else relu(neuron(ws, b, x)) for ws, b in layer]
    return x[0]


def mlp_samples(count: int, seed: int = 1) -> list[tuple[tuple[float, float], float]]:
    rng = random.Random(seed)
    return [((rng.uniform(-2, 2), rng.uniform(-2, 2)), rng.choice((-1.0, 1.0)))
            for _ in range(count)]


def mlp_train_samples(engine: Engine, model: tuple[list, list], samples: list) -> float:
    """Forward + backward of (out − y)² per sample, then the gradients are zeroed."""
    layers, params = model
    backward, zero_grad = engine.backward, engine.zero_grad
    loss = None
    for x, y in samples:
        d = mlp_forward(engine, layers, x) - y
        loss = d * d
        backward(loss)
        for p in params:
            zero_grad(p)
    return engine.data_of(loss)


# --- the seed's 3-4-1 sigmoid network, full batch, E = Σ ½(a − y)², learning rate 1 ---

def seed_init() -> tuple[list[list[float]], list[float]]:
    """Θ0 (3×4) and Θ1 (4×1, flattened) exactly as the seed draws them (numpy seed 1)."""
    import numpy as np
    np.random.seed(1)
    theta0 = 2 * np.random.random((3, 4)) - 1
    theta1 = 2 * np.random.random((4, 1)) - 1
    return theta0.tolist(), theta1[:, 0].tolist()


def seed_build(engine: Engine, init: tuple) -> tuple[list, list, list]:
    """(weights into each hidden unit, weights into the output unit, all parameters)."""
    theta0, theta1 = init
    hidden = [[engine.leaf(row[j]) for row in theta0] for j in range(len(theta1))]
    output = [engine.leaf(w) for w in theta1]
    return hidden, output, [p for ws in hidden for p in ws] + output


def seed_epochs(engine: Engine, model: tuple[list, list, list], epochs: int) -> float:
    """``epochs`` full-batch gradient steps of the seed's network. Returns the last E."""
    hidden_weights, output_weights, params = model
    sigmoid, backward, update = engine.sigmoid, engine.backward, engine.step
    error = None
    for _ in range(epochs):
        error = None
        for x, y in zip(SEED_X, SEED_Y, strict=True):
            hidden = [sigmoid(neuron(ws, None, x)) for ws in hidden_weights]
            d = sigmoid(neuron(output_weights, None, hidden)) - y
            e = d * d * 0.5
            error = e if error is None else error + e
        backward(error)
        update(params)
    return engine.data_of(error)


def seed_weights(engine: Engine, model: tuple[list, list, list]) -> list[float]:
    """The 16 weights in the seed's order: Θ0 row by row, then Θ1."""
    hidden_weights, output_weights, _ = model
    rows = len(hidden_weights[0])
    return ([engine.data_of(ws[i]) for i in range(rows) for ws in hidden_weights]
            + [engine.data_of(w) for w in output_weights])


# --- a long chain: n op nodes, each an op on two Values (no constants) ---------------

def chain_forward(engine: Engine, n: int) -> tuple[Any, Any]:
    """y = ((x + w) · w + w) · w ...: n nodes alternating add and mul. Returns (y, x)."""
    x = engine.leaf(0.5)
    w = engine.leaf(1.0)
    y = x
    for i in range(n):
        y = y * w if i & 1 else y + w
    return y, x
