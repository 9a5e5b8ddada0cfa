"""compile_graph, nn.fit(compiled=True) and the seed's training compiled (benchmarks/)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_codegen import assert_close, assert_same_results, eager
from test_codegen_training import load_benchmark

import nn
from autodiff import Value, compile_grad, compile_graph

# --- the seed, compiled ----------------------------------------------------------------------

def load_seed_benchmark():
    """benchmarks/seed_compiled.py, with benchmarks/ on the path for its own imports (so
    this file runs alone too)."""
    return load_benchmark("seed_compiled")


@pytest.mark.slow
def test_seed_training_compiled_lands_on_the_seeds_final_weights():
    seed = load_seed_benchmark()
    reference = nn.seed_reference()
    theta, _ = seed.train_seed_compiled(60000)
    assert seed.max_relative_difference(theta, reference["final_theta"]) < 1e-9
    initial, _ = seed.train_seed_compiled(0)
    assert seed.max_relative_difference(initial, reference["initial_theta"]) == 0.0


def test_seed_compiled_gradient_equals_the_eager_engine():
    seed = load_seed_benchmark()
    theta = seed.seed_initial_theta()
    g = compile_grad(seed.seed_error, 16, example=theta)
    assert_same_results(g(*theta), eager(seed.seed_error, theta))


# --- compile_graph and nn.fit(compiled=True) --------------------------------------------------

def test_compile_graph_of_a_built_graph_with_aux_outputs():
    a, b = Value(0.3, "a"), Value(-1.2, "b")
    hidden = (a * b).tanh()
    out = hidden * a + b.exp()
    g = compile_graph(out, [a, b], aux=[hidden, 2.5, a])
    value, grads, aux = g(0.7, 0.4)
    assert_same_results((value, grads), eager(lambda x, y: (x * y).tanh() * x + y.exp(),
                                              (0.7, 0.4)))
    assert aux == (math.tanh(0.7 * 0.4), 2.5, 0.7)
    assert g.nargs == 2 and "aux" not in g.source


def test_compile_graph_checks_its_arguments():
    a = Value(1.0)
    with pytest.raises(TypeError, match=r"inputs\[0\] must be a leaf Value"):
        compile_graph(a * 2.0, [a * 2.0])
    with pytest.raises(TypeError, match=r"inputs\[1\] must be a leaf Value.*float"):
        compile_graph(a * 2.0, [a, 1.0])
    with pytest.raises(ValueError, match="distinct"):
        compile_graph(a * 2.0, [a, a])
    with pytest.raises(TypeError, match=r"aux\[0\] must be a Value or a number"):
        compile_graph(a * 2.0, [a], aux=["x"])


@pytest.mark.parametrize(("nouts", "activation", "bias", "loss"), [
    ([3, 1], "sigmoid", False, nn.half_squared_error),
    ([4, 2], ["tanh", "sigmoid"], True, nn.mse),
    ([3, 3, 1], ["relu", "tanh", "linear"], True, nn.half_squared_error),
    ([2, 1], "sigmoid", True, nn.binary_cross_entropy),
])
def test_fit_compiled_takes_the_same_steps_as_eager_fit(nouts, activation, bias, loss):
    X = [[0.0, 0.5], [1.0, -0.5], [0.3, 0.9], [-1.2, 0.1], [0.7, 0.7]]
    Y = [[float(i % 2)] * nouts[-1] for i in range(len(X))]
    runs = []
    for compiled in (False, True):
        model = nn.MLP(2, nouts, activation, bias=bias, seed=3)
        seen = []
        history = nn.fit(model, X, Y, 5, lr=0.5, loss=loss, momentum=0.5, progress=False,
                         compiled=compiled, on_epoch=lambda e, v, out, seen=seen: seen.append(out))
        runs.append((history.losses, [p.data for p in model.parameters()], seen))
    for eager_run, compiled_run in zip(*runs, strict=True):
        for x, y in zip(np.ravel(eager_run), np.ravel(compiled_run), strict=True):
            assert_close(float(y), float(x))


def test_fit_compiled_needs_the_full_batch():
    model = nn.MLP(2, [2, 1], seed=0)
    with pytest.raises(ValueError, match="compiled=True needs batch_size=None"):
        nn.fit(model, [[0.0, 1.0], [1.0, 0.0]], [0.0, 1.0], 1, batch_size=1, compiled=True,
               progress=False)


@pytest.mark.slow
def test_fit_compiled_reproduces_the_seed():
    reference = nn.seed_reference()
    model = nn.MLP.from_weights(reference["initial_theta"])
    history = nn.fit(model, reference["X"], reference["y"], reference["epochs"], lr=1.0,
                     progress=False, compiled=True)
    for weights, expected in zip(model.weights(), reference["final_theta"], strict=True):
        np.testing.assert_allclose(weights, expected, rtol=1e-9, atol=0)
    assert all(d.size == 0 for d in model.deltas())  # no graph kept: nothing to read
    assert history.epochs == reference["epochs"]
