"""The network view: the seed's 3-4-1 network as the article draws it, read back from SVG."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import nn
from autodiff import Value, draw_network

SVG = "{http://www.w3.org/2000/svg}"
X = [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]
Y = [0, 1, 1, 0]


def seed_weights() -> list[np.ndarray]:
    np.random.seed(1)
    return [2 * np.random.random((3, 4)) - 1, 2 * np.random.random((4, 1)) - 1]


def seed_loss(samples=(1,)) -> Value:
    model = nn.MLP.from_weights(seed_weights())
    outputs = [model([float(v) for v in X[t]]) for t in samples]
    loss = nn.half_squared_error(outputs, [float(Y[t]) for t in samples])
    loss.label = "E"
    return loss


def texts(root: ET.Element) -> list[tuple[ET.Element, str]]:
    return [(t, "".join(t.itertext())) for t in root.iter(f"{SVG}text")]


def number(text: str) -> float:
    return float(text.replace("−", "-"))


@pytest.mark.parametrize("samples", [(1,), (0, 1, 2, 3)])
def test_every_value_and_gradient_is_the_seeds_closed_form(samples):
    root = ET.fromstring(draw_network(seed_loss(samples)).svg())
    d = nn.delta_backprop(seed_weights(), [X[t] for t in samples], [Y[t] for t in samples])
    thetas = seed_weights()
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g") if g.get("id")}
    for k, theta in enumerate(thetas):
        for i, j in np.ndindex(theta.shape):
            row = "".join(groups[f"e{k}_{i}_{j}"].find(f"{SVG}text").itertext())
            match = re.fullmatch(rf"θ{k}\[{i},{j}\] = (\S+)∂E/∂θ = (\S+)", row)
            assert match, row
            assert number(match[1]) == pytest.approx(theta[i, j], abs=6e-3)
            assert number(match[2]) == pytest.approx(d.weight_grads[k][i, j], rel=6e-3,
                                                     abs=1e-5)
    for layer, delta in enumerate(d.deltas, start=1):
        for j in range(delta.shape[1]):
            unit = dict((text, t) for t, text in texts(groups[f"u{layer}_{j}"]))
            line = next(text for text in unit if text.startswith("δ = ∂E/∂z = "))
            values = re.findall(r"[−\d.e]+", line.removeprefix("δ = ∂E/∂z = "))
            assert [number(v) for v in values] == pytest.approx(delta[:, j], rel=6e-3)
    loss = " ".join(text for _, text in texts(groups["loss"]))
    assert ("E = ½(a2[0] − y)²" if len(samples) == 1 else "E = Σ ½(a − y)²") in loss
    assert f"E = {d.loss:.3g}" in loss


def test_the_seed_network_fits_1400_by_900_at_12_px_text_in_index_order():
    root = ET.fromstring(draw_network(seed_loss()).svg())
    width, height = (float(v) for v in root.get("viewBox").split()[2:])
    assert width <= 1400 and height <= 900
    assert root.get("width") == f"{width:g}px"  # 1 viewBox unit = 1 CSS px at 100 %
    assert min(float(t.get("font-size")) for t, _ in texts(root)) >= 12
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g") if g.get("id")}

    def top(group: str) -> float:
        return float(groups[group].find(f"{SVG}rect").get("y"))

    for layer, size in enumerate([3, 4, 1]):  # units top to bottom in index order
        ys = [top(f"u{layer}_{j}") for j in range(size)]
        assert ys == sorted(ys)
    for j in range(4):  # each edge ends on its own row, rows in the sending units' order
        ends = [float(groups[f"e0_{i}_{j}"].find(f"{SVG}line").get("y2")) for i in range(3)]
        assert ends == sorted(ends) and len(set(ends)) == 3
    # columns left to right: inputs, layer 1, layer 2, the loss
    xs = [float(groups[g].find(f"{SVG}rect").get("x")) for g in ("u0_0", "u1_0", "u2_0", "loss")]
    assert xs == sorted(xs)
    assert not any(re.search(r"#\d", text) for _, text in texts(root))


def test_a_graph_that_is_not_an_nn_network_is_refused_with_a_pointer_to_draw():
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    with pytest.raises(ValueError, match=r"autodiff\.draw"):
        draw_network(a * b + a.sigmoid())
    with pytest.raises(TypeError):
        draw_network(3.0)


def test_biases_other_activations_and_other_losses_are_drawn_too():
    model = nn.MLP(2, [3, 2], activation=["tanh", "linear"], seed=0)
    loss = nn.mse(model([0.5, -1.0]), [0.0, 1.0])
    root = ET.fromstring(draw_network(loss).svg())
    shown = " ".join(text for _, text in texts(root))
    assert "b1[2] = " in shown and "∂E/∂b = " in shown and "a = tanh(z)" in shown
    assert not any(re.search(r"#\d", text) for _, text in texts(root))
