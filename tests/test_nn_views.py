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


@settings(max_examples=30, deadline=None)
@given(network_cases(max_depth=3, max_width=4, max_batch=3,
                     activations=("sigmoid", "tanh", "relu", "linear")))
def test_any_network_delta_per_layer_equals_the_closed_form(case):
    model = nn.MLP.from_weights(case.weights, case.biases, list(case.activations))
    d = nn.layer_deltas(model, case.X, case.Y)
    scale = max(float(np.max(np.abs(c))) for c in d.closed.deltas) or 1.0
    for engine, closed in zip(d.deltas, d.closed.deltas, strict=True):
        np.testing.assert_allclose(engine, closed, rtol=1e-12, atol=1e-14 * scale)


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
