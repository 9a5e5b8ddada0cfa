"""The pictures in docs/ tell the truth: every gradient they show is recomputed here, from the
backward pass their caption names (one sample, or the batch), without the engine."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import nn
from autodiff import draw

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SVG = "{http://www.w3.org/2000/svg}"
X = [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]
Y = [0, 1, 1, 0]
PASSES = {  # what a caption says → the samples of that pass
    "the sample x = [0, 1, 1], y = 1 alone": ([[0, 1, 1]], [1]),
    "the batch of all 4 XOR samples": (X, Y),
}


def seed_weights() -> list[np.ndarray]:
    np.random.seed(1)
    return [2 * np.random.random((3, 4)) - 1, 2 * np.random.random((4, 1)) - 1]


def shown(x: float, precision: int = 3) -> str:
    return f"{x + 0.0:.{precision}g}"


def expected_grads(xs, ys) -> dict[str, float]:
    """∂E/∂(labelled node) for one pass, from the seed's closed-form recursion (numpy)."""
    thetas = seed_weights()
    d = nn.delta_backprop(thetas, xs, ys)
    grads = {"E": 1.0}
    if len(xs) == 1:  # node labels of a single forward call
        for layer, delta in enumerate(d.deltas, start=1):
            for j, v in enumerate(delta[0]):
                grads[f"z{layer}[{j}]"] = v
                grads[f"a{layer}[{j}]"] = d.error_grads[layer - 1][0, j]
        for i, v in enumerate((d.deltas[0] @ thetas[0].T)[0]):
            grads[f"a0[{i}]"] = v
    for k, g in enumerate(d.weight_grads):  # weights: summed over the pass's samples
        for i, j in np.ndindex(g.shape):
            grads[f"θ{k}[{i},{j}]"] = g[i, j]
    return grads


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def the_pass(root: ET.Element) -> tuple[list, list]:
    caption = " ".join(t for t in texts(root) if t.startswith("One backward pass:"))
    named = [samples for words, samples in PASSES.items() if words in caption]
    assert len(named) == 1, f"the caption must name one pass, got {caption!r}"
    return named[0]


def mismatches(root: ET.Element, xs, ys) -> tuple[int, list[str]]:
    """(how many gradients were checked, the ones that disagree) for a graph picture."""
    expected = expected_grads(xs, ys)
    checked, wrong = 0, []
    for g in root.iter(f"{SVG}g"):
        if g.get("class") != "node":
            continue
        cells = texts(g)
        grads = [c for c in cells if c.startswith("grad ")]
        label = cells[0].split(" = ")[0] if cells else ""
        if label in expected and grads:
            checked += 1
            if grads[0] != f"grad {shown(expected[label])}":
                wrong.append(f"{label}: shows {grads[0]!r}, the pass gives "
                             f"{shown(expected[label])}")
    return checked, wrong


def delta_mismatches(root: ET.Element, xs, ys) -> tuple[int, list[str]]:
    d = nn.delta_backprop(seed_weights(), xs, ys)
    cells, checked, wrong = texts(root), 0, []
    for layer, delta in enumerate(d.deltas, start=1):
        at = cells.index(f"δ({layer}) engine = z({layer}).grad")
        for t, row in enumerate(delta):
            want = "[" + ", ".join(shown(v) for v in row) + "]"
            checked += len(row)
            if cells[at + 1 + t] != want:
                wrong.append(f"δ({layer}) sample {t}: shows {cells[at + 1 + t]}, the pass "
                             f"gives {want}")
    return checked, wrong


def network_mismatches(root: ET.Element, xs, ys) -> tuple[int, list[str]]:
    """The network view: each edge's ∂E/∂θ and each unit's δ (one per sample)."""
    d = nn.delta_backprop(seed_weights(), xs, ys)
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g") if g.get("id")}
    checked, wrong = 0, []
    for k, grads in enumerate(d.weight_grads):
        for i, j in np.ndindex(grads.shape):
            row = "".join(groups[f"e{k}_{i}_{j}"].find(f"{SVG}text").itertext())
            want = f"∂E/∂θ = {shown(grads[i, j])}".replace("-", "−")
            checked += 1
            if not row.endswith(want):
                wrong.append(f"θ{k}[{i},{j}]: shows {row!r}, the pass gives {want}")
    for layer, delta in enumerate(d.deltas, start=1):
        for j in range(delta.shape[1]):
            values = [shown(v).replace("-", "−") for v in delta[:, j]]
            want = "δ = ∂E/∂z = " + (values[0] if len(values) == 1
                                     else "[" + ", ".join(values) + "]")
            checked += 1
            if want not in texts(groups[f"u{layer}_{j}"]):
                wrong.append(f"δ({layer})[{j}]: the pass gives {want}")
    return checked, wrong


def check(path: Path, passes: tuple | None = None) -> tuple[int, list[str]]:
    root = ET.parse(path).getroot()
    xs, ys = passes or the_pass(root)
    if "δ layer by layer" in " ".join(texts(root)):
        return delta_mismatches(root, xs, ys)
    if any(g.get("id") == "loss" for g in root.iter(f"{SVG}g")):
        return network_mismatches(root, xs, ys)
    return mismatches(root, xs, ys)


# Plots of measurements, not of a backward pass (checked by their demo's own tests).
PLOTS = {"why_backwards_cost.svg"}
PICTURES = sorted(p for p in DOCS.glob("*.svg") if p.name not in PLOTS)


def test_there_are_pictures_and_a_make_target_draws_them():
    assert {p.name for p in PICTURES} >= {"seed_network.svg", "seed_network_batch.svg",
                                          "chain_rule_graph.svg", "deltas_batch.svg"}
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^pictures:.*\n\t.*demos/chain_rule\.py --update-docs", makefile, re.M)
    for plot in PLOTS:  # every picture in docs/ is made by the pictures target
        assert (DOCS / plot).exists() and "DEMO_OUT=docs" in makefile


@pytest.mark.parametrize("path", PICTURES, ids=[p.name for p in PICTURES])
def test_every_gradient_a_picture_shows_is_its_captions_pass(path):
    checked, wrong = check(path)
    assert checked >= 5, f"{path.name}: too few gradients found to check"
    assert not wrong, wrong


@pytest.mark.parametrize("name", ["chain_rule_graph.svg", "deltas_batch.svg", "seed_network.svg",
                                  "seed_network_batch.svg"])
def test_checking_against_the_other_pass_fails(name):
    """The sample's and the batch's gradients differ, so a mixed-up caption is caught."""
    path = DOCS / name
    other = next(samples for samples in PASSES.values()
                 if samples != the_pass(ET.parse(path).getroot()))
    assert check(path, other)[1]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")
def test_a_picture_drawn_after_the_batch_on_the_same_weights_is_caught(tmp_path):
    """The old bug: the sample's graph drawn after batch_E.backward() showed the batch's
    gradients on the weights and the sample's on every other node."""
    model = nn.MLP.from_weights(seed_weights())
    loss = nn.half_squared_error(model([0.0, 1.0, 1.0]), 1.0)
    loss.label = "E"
    loss.backward()
    good = tmp_path / "good.svg"
    good.write_text(draw(loss, precision=3).svg(), encoding="utf-8")
    nn.half_squared_error([model([float(v) for v in x]) for x in X],
                          [float(y) for y in Y]).backward()
    mixed = tmp_path / "mixed.svg"
    mixed.write_text(draw(loss, precision=3).svg(), encoding="utf-8")
    sample = PASSES["the sample x = [0, 1, 1], y = 1 alone"]
    assert check(good, sample)[0] > 20 and not check(good, sample)[1]
    wrong = check(mixed, sample)[1]
    assert wrong and all(w.startswith("θ") for w in wrong)
