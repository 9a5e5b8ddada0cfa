"""The seed's 60000-epoch XOR training two ways: its own numpy code, and `compile_grad`.

Run as a script to time both in one process (median and range of several runs):

    .venv/bin/python benchmarks/seed_compiled.py [--epochs N] [--repeat R]

`train_seed_numpy` is the seed's code ported faithfully from Python 2 (``xrange`` →
``range``; the ``print`` of the error every 10000 epochs keeps its computation but
collects the line instead of writing it, so the terminal is not part of the timing).
`train_seed_compiled` traces the whole batch error E = Σ ½(a − y)² once as a function of
the 16 weights (inputs and targets are constants, so they fold away), compiles its
gradient, and runs the same gradient steps (learning rate 1) in a plain Python loop.
Both return ``(final_theta, seconds)``, ``final_theta`` as ``[Θ0 (3×4), Θ1 (4×1)]``.
"""

from __future__ import annotations

import argparse
import operator
import statistics
import sys
import time
from typing import Any

import numpy as np
from seed_by_hand import train_seed_by_hand

import nn
from autodiff import Value, compile_grad

SEED_X = ((0.0, 0.0, 1.0), (0.0, 1.0, 1.0), (1.0, 0.0, 1.0), (1.0, 1.0, 1.0))
SEED_Y = (0.0, 1.0, 1.0, 0.0)
HIDDEN = 4


def seed_initial_theta() -> list[float]:
    """The 16 initial weights as the seed draws them: Θ0 row by row, then Θ1."""
    np.random.seed(1)
    theta0 = 2 * np.random.random((3, 4)) - 1
    theta1 = 2 * np.random.random((4, 1)) - 1
    return theta0.ravel().tolist() + theta1.ravel().tolist()


def unflatten(theta: list[float]) -> list[list[list[float]]]:
    """16 weights → ``[Θ0, Θ1]`` in the seed's shapes (3×4 and 4×1)."""
    return [[list(theta[4 * i:4 * i + 4]) for i in range(3)], [[w] for w in theta[12:]]]


def seed_error(*theta: Value) -> Value:
    """E = Σ over the 4 samples of ½(a2 − y)², a2 = σ(σ(x Θ0) Θ1): the seed's network."""
    theta0 = [theta[HIDDEN * i:HIDDEN * i + HIDDEN] for i in range(3)]
    theta1 = theta[3 * HIDDEN:]
    error: Any = 0.0
    for x, y in zip(SEED_X, SEED_Y, strict=True):
        hidden = [(x[0] * theta0[0][j] + x[1] * theta0[1][j] + x[2] * theta0[2][j]).sigmoid()
                  for j in range(HIDDEN)]
        z = hidden[0] * theta1[0]
        for j in range(1, HIDDEN):
            z = z + hidden[j] * theta1[j]
        error = error + 0.5 * (z.sigmoid() - y) ** 2
    return error


def train_seed_compiled(epochs: int = 60000) -> tuple[list[list[list[float]]], float]:
    """The seed's training with compile_grad gradients; the time includes compiling."""
    start = time.perf_counter()
    theta = seed_initial_theta()
    gradient = compile_grad(seed_error, len(theta), example=theta)
    for _ in range(epochs):
        _, grads = gradient(*theta)
        theta = list(map(operator.sub, theta, grads))  # θ ← θ − 1 · ∂E/∂θ
    seconds = time.perf_counter() - start
    return unflatten(theta), seconds


def train_seed_fit(epochs: int = 60000) -> tuple[list[list[list[float]]], float]:
    """The call users make: ``nn.fit(..., compiled=True)`` on ``MLP.from_weights`` of the
    seed's initial Θ (its trace, compiling and checks included in the time)."""
    start = time.perf_counter()
    model = nn.MLP.from_weights(unflatten(seed_initial_theta()))
    nn.fit(model, [list(x) for x in SEED_X], list(SEED_Y), epochs, lr=1.0, compiled=True,
           progress=False, shuffle=False)
    seconds = time.perf_counter() - start
    return [w.tolist() for w in model.weights()], seconds


def train_seed_limit(epochs: int = 60000) -> tuple[list[list[list[float]]], float]:
    """The hand-written straight-line code (benchmarks/seed_by_hand.py): the limit."""
    start = time.perf_counter()
    theta, _ = train_seed_by_hand(seed_initial_theta(), epochs)
    seconds = time.perf_counter() - start
    return unflatten(theta), seconds


def train_seed_numpy(epochs: int = 60000) -> tuple[list[list[list[float]]], float]:
    """The seed's own numpy code (Python 3 port), timed from the seeding of the weights."""
    start = time.perf_counter()

    def nonlin(x: Any, deriv: bool = False) -> Any:
        if deriv:
            return x * (1 - x)
        return 1 / (1 + np.exp(-x))

    X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
    y = np.array([[0, 1, 1, 0]]).T
    np.random.seed(1)
    theta0 = 2 * np.random.random((3, 4)) - 1
    theta1 = 2 * np.random.random((4, 1)) - 1
    log = []
    for j in range(epochs):
        a0 = X
        a1 = nonlin(np.dot(a0, theta0))
        a2 = nonlin(np.dot(a1, theta1))
        E = y - a2
        if (j % 10000) == 0:
            log.append("Error:" + str(np.mean(np.abs(E))))
        a2_delta = E * nonlin(a2, deriv=True)
        a1_error = a2_delta.dot(theta1.T)
        a1_delta = a1_error * nonlin(a1, deriv=True)
        theta1 = theta1 + a1.T.dot(a2_delta)
        theta0 = theta0 + a0.T.dot(a1_delta)
    seconds = time.perf_counter() - start
    return [theta0.tolist(), theta1.tolist()], seconds


def max_relative_difference(a: list, b: list) -> float:
    """Largest |a − b| / |b| over the weights of two ``[Θ0, Θ1]``."""
    flat_a = np.concatenate([np.ravel(a[0]), np.ravel(a[1])])
    flat_b = np.concatenate([np.ravel(b[0]), np.ravel(b[1])])
    return float(np.max(np.abs(flat_a - flat_b) / np.abs(flat_b)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=60000)
    parser.add_argument("--repeat", type=int, default=5, help="paired runs (default 5)")
    args = parser.parse_args(argv)
    compiled_times, numpy_times, ratios = [], [], []
    for r in range(args.repeat):  # paired, in one process, alternating which runs first
        if r % 2:
            compiled_theta, compiled_seconds = train_seed_compiled(args.epochs)
        numpy_theta, numpy_seconds = train_seed_numpy(args.epochs)
        if not r % 2:
            compiled_theta, compiled_seconds = train_seed_compiled(args.epochs)
        numpy_times.append(numpy_seconds)
        compiled_times.append(compiled_seconds)
        ratios.append(compiled_seconds / numpy_seconds)
    difference = max_relative_difference(compiled_theta, numpy_theta)

    def show(times: list[float]) -> str:
        return (f"median {statistics.median(times):.3f} s "
                f"(range {min(times):.3f}–{max(times):.3f}, {len(times)} runs)")

    print(f"seed training, {args.epochs} epochs, Python {sys.version.split()[0]}")
    print(f"  numpy (the seed's code)  {show(numpy_times)}")
    print(f"  compile_grad             {show(compiled_times)}")
    print(f"  compiled / numpy time    median {statistics.median(ratios):.3f} "
          f"(range {min(ratios):.3f}–{max(ratios):.3f}); goal ≤ 0.5")
    print(f"  final weights, max relative difference compiled vs numpy: {difference:.2e}")


if __name__ == "__main__":
    main()
