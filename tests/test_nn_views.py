"""nn.draw_deltas / nn.layer_deltas: δ per layer from the engine, equal to the seed's recursion."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import given, settings
from strategies import network_cases

import nn

X = [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]
Y = [0, 1, 1, 0]
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")


def seed_model() -> nn.MLP:
    np.random.seed(1)
    return nn.MLP.from_weights([2 * np.random.random((3, 4)) - 1,
                                2 * np.random.random((4, 1)) - 1])


def test_the_seeds_delta_per_layer_equals_the_closed_form():
    d = nn.layer_deltas(seed_model(), X, Y)
    assert [x.shape for x in d.deltas] == [(4, 4), (4, 1)]
    for engine, closed in zip(d.deltas, d.closed.deltas, strict=True):
        np.testing.assert_allclose(engine, closed, rtol=1e-12, atol=0)
    for engine, closed in zip(d.activations, d.closed.activations, strict=True):
        np.testing.assert_allclose(engine, closed, rtol=1e-12, atol=0)
    for k, (errors, slopes) in enumerate(zip(d.closed.error_grads, d.closed.slopes,
                                             strict=True)):
        np.testing.assert_allclose(errors * slopes, d.closed.deltas[k], rtol=1e-15)
    assert d.loss == pytest.approx(d.closed.loss, rel=1e-12)


U = 2.0 ** -53  # the unit roundoff of a float
TINY = 2.0 ** -1074  # the most an underflowing operation loses


def gamma(n: int) -> float:
    """γₙ = nu / (1 − nu): a sum or dot product of n terms, in any order, is within
    γₙ Σ|terms| of the exact one (Higham, Accuracy and Stability of Numerical Algorithms,
    §3.1)."""
    return n * U / (1 - n * U)


def delta_error_bounds(weights, biases, names, closed):
    """A first-order bound, per entry, on how far a float computation of the δ recursion
    (forward pass, E = Σ ½(a − y)², δ(l) = δ(l+1) Θ(l)ᵀ ⊙ f'(z(l))) can be from the exact
    δ: each dot product within γₙ Σ|terms| (plus what it inherits from its inputs'
    errors), each activation and product within a few units of roundoff, f' moved by at
    most its slope times the error of a, and a ReLU's f' unknown (0 or 1) where z is
    within its error of 0. The engine and the closed form each keep within it, so they
    differ by at most twice the bound."""
    thetas = [np.abs(np.asarray(w, dtype=float)) for w in weights]
    lipschitz = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0, "linear": 1.0}
    a_errors, z_errors = [np.zeros_like(closed.activations[0])], []
    for k, theta in enumerate(thetas):
        n = theta.shape[0] + (biases is not None)
        terms = np.abs(closed.activations[k]) @ theta + (
            0.0 if biases is None else np.abs(np.asarray(biases[k], dtype=float)))
        z_errors.append(gamma(n) * terms + a_errors[k] @ theta + n * TINY)
        a_errors.append(lipschitz[names[k]] * z_errors[k] +
                        4 * U * np.abs(closed.activations[k + 1]) + TINY)
    error = np.abs(closed.error_grads[-1])  # |a(L) − y|
    error_bound = a_errors[-1] + 3 * U * error + TINY
    bounds = [np.empty(0)] * len(thetas)
    for k in range(len(thetas) - 1, -1, -1):
        a, e_a = np.abs(closed.activations[k + 1]), a_errors[k + 1]
        slope = np.abs(closed.slopes[k])
        slope_bound = {"sigmoid": e_a + e_a * e_a + 3 * U * (a + a * a),
                       "tanh": 2 * a * e_a + e_a * e_a + 3 * U * (1 + a * a),
                       "relu": np.where(np.abs(closed.pre_activations[k]) <= z_errors[k],
                                        1.0, 0.0),
                       "linear": np.zeros_like(a)}[names[k]]
        bounds[k] = (error * slope_bound + slope * error_bound + error_bound * slope_bound +
                     4 * U * error * slope + TINY)
        m = thetas[k].shape[1]
        error = np.abs(closed.error_grads[k - 1]) if k else None
        delta = np.abs(closed.deltas[k])
        error_bound = gamma(m) * (delta @ thetas[k].T) + bounds[k] @ thetas[k].T + m * TINY
    return bounds


def deltas_beyond_rounding(deltas, closed, bounds):
    """The layers where the engine's δ and the closed form's differ by more than
    rounding can explain (twice the bound: each is within it of the exact δ)."""
    return [k for k, (engine, exact, bound) in enumerate(zip(deltas, closed.deltas, bounds,
                                                             strict=True))
            if not np.all(np.abs(engine - exact) <= 2 * bound)]


# Found by hypothesis: z is nearly cancelled and tanh' = 1 − a² is taken where a ≈ ±1, so
# the two δ differ by 56 times the old fixed tolerance (1e-12 relative), yet by less than
# rounding can explain.
NEAR_CANCELLED = (
    [[[4.1683472883723425e-193, 1.0477547038537736e-223, 1.1754943508222875e-38,
       -0.37989097809205896],
      [-1.8727735790402074, -1.9778895446894804, -1.9465467793668036, 4.711355301873234e-17]],
     [[-2.0], [0.9798791998010841], [0.7394167065192865], [1.8994806091004666]]],
    [[1.3302666275130512, -1.9999999999999998, -1.9089902662527445, 6.05719331190845e-215],
     [-0.3256103674377848]],
    ["linear", "tanh"],
    [[-1.7948477370412955e-270, -1.5730408049919369], [1.6341523409526895, 0.37260897281412797],
     [-0.02933593124574463, 4.851374102760937e-219]],
    [[0.05388251348398733], [0.8047762091346584], [0.5905088411331464]])


def engine_and_closed_deltas_agree(weights, biases, activations, X, Y):
    model = nn.MLP.from_weights(weights, biases, list(activations))
    d = nn.layer_deltas(model, X, Y)
    bounds = delta_error_bounds(weights, biases, list(activations), d.closed)
    assert deltas_beyond_rounding(d.deltas, d.closed, bounds) == []


@settings(max_examples=30, deadline=None)
@given(network_cases(max_depth=3, max_width=4, max_batch=3,
                     activations=("sigmoid", "tanh", "relu", "linear")))
def test_any_network_delta_per_layer_equals_the_closed_form_within_rounding(case):
    engine_and_closed_deltas_agree(case.weights, case.biases, case.activations, case.X,
                                   case.Y)


def test_a_nearly_cancelled_tanh_layer_agrees_within_rounding():
    engine_and_closed_deltas_agree(*NEAR_CANCELLED)


def test_the_rounding_check_can_fail():
    d = nn.layer_deltas(seed_model(), X, Y)
    names = ["sigmoid", "sigmoid"]
    bounds = delta_error_bounds(seed_model().weights(), None, names, d.closed)
    assert deltas_beyond_rounding(d.deltas, d.closed, bounds) == []
    assert max(float(np.max(b / np.abs(c))) for b, c in zip(bounds, d.closed.deltas,
                                                            strict=True)) < 1e-13
    nudged = [d.deltas[0], d.deltas[1] * (1 + 1e-12)]
    assert deltas_beyond_rounding(nudged, d.closed, bounds) == [1]


def test_the_parameters_gradients_are_left_as_they_were():
    model = seed_model()
    for k, p in enumerate(model.parameters()):
        p.grad = float(k)
    nn.layer_deltas(model, X, Y)
    assert [p.grad for p in model.parameters()] == [float(k) for k in
                                                    range(len(model.parameters()))]


def test_bad_arguments():
    with pytest.raises(TypeError, match="MLP"):
        nn.layer_deltas("model", X, Y)
    with pytest.raises(ValueError, match="samples"):
        nn.layer_deltas(seed_model(), X, [0, 1])
    with pytest.raises(ValueError, match="precision"):
        nn.draw_deltas(seed_model(), X, Y, precision=0)


@needs_dot
def test_the_drawing_shows_the_engines_delta_beside_the_closed_form():
    drawing = nn.draw_deltas(seed_model(), X, Y, precision=6)
    root = ET.fromstring(drawing.svg())
    texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    joined = " ".join(texts)
    for name in ("a(0)", "Θ(0)", "z(1)", "δ(1) engine", "δ(1) closed form", "Θ(1)", "δ(2) engine",
                 "δ(1) = δ(2) Θ(1)ᵀ ⊙ a(1)(1 − a(1))"):
        assert name in joined, name
    d = nn.layer_deltas(seed_model(), X, Y)
    for layer in (1, 2):
        engine = texts[texts.index(f"δ({layer}) engine = z({layer}).grad") + 1:][:4]
        closed = texts[texts.index(f"δ({layer}) closed form = ∂E/∂a ⊙ f'") + 1:][:4]
        assert engine == closed  # equal at the shown precision
        shown = [float(v) for v in re.findall(r"-?\d[\d.e-]*", " ".join(engine))]
        np.testing.assert_allclose(shown, d.deltas[layer - 1].ravel(), rtol=1e-5)


def test_a_folded_neuron_shows_its_delta_and_its_inputs_flow():
    from autodiff import draw

    model = seed_model()
    loss = nn.half_squared_error(model([0.0, 1.0, 1.0]), 1.0)
    loss.label = "E"
    loss.backward()
    closed = nn.delta_backprop(model.weights(), [[0, 1, 1]], [1])
    source = draw(loss, group="neuron", collapse=True, flow=True, precision=6).source
    for layer, delta in enumerate(closed.deltas, start=1):
        for j, value in enumerate(delta[0]):
            assert f"δ = ∂E/∂z{layer}[{j}] = {value + 0.0:.6g}" in source
    folded_edges = [line for line in source.splitlines() if re.search(r"v\d+ -> v\d+", line)]
    assert folded_edges and all("penwidth" in line and "color=" in line
                                for line in folded_edges)
