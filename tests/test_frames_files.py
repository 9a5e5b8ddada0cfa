"""save_frames: one layout for every frame, grouped steps that add up, and files never lost."""

from __future__ import annotations

import math
import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import nn
from autodiff import DotNotFoundError, Value, explain, group_steps, save_frames
from autodiff.render import frames as frames_module

SVG = "{http://www.w3.org/2000/svg}"
HIGHLIGHT = "#e8710a"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")


def seed_pass() -> tuple[Value, list[np.ndarray]]:
    """The seed's 3-4-1 network (np.random.seed(1) weights) on sample x = [0, 1, 1], y = 1."""
    np.random.seed(1)
    thetas = [2 * np.random.random((3, 4)) - 1, 2 * np.random.random((4, 1)) - 1]
    model = nn.MLP.from_weights(thetas)
    loss = nn.half_squared_error(model([0.0, 1.0, 1.0]), 1.0)
    loss.label = "E"
    return loss, thetas


def five_steps() -> Value:
    x, w = Value(0.5, "x"), Value(-1.5, "w")
    return ((x * w + 0.25).sigmoid() - 1.0) ** 2 * 0.5


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def node_geometry(svg: ET.Element) -> dict[str, list[tuple[str, str]]]:
    """Every node's and edge's shapes (points, centres, paths) by SVG id."""
    found = {}
    for g in svg.iter(f"{SVG}g"):
        if g.get("class") in ("node", "edge", "cluster"):
            found[g.get("id")] = [(s.tag, s.get("points") or s.get("d") or
                                   f"{s.get('cx')},{s.get('cy')}")
                                  for s in g.iter() if s.tag in (f"{SVG}polygon", f"{SVG}path",
                                                                 f"{SVG}ellipse")]
    return found


def highlighted_ops(svg: ET.Element) -> set[str]:
    return {g.get("id") for g in svg.iter(f"{SVG}g") if g.get("class") == "node"
            and (g.get("id") or "").startswith("o")
            and any(s.get("stroke") == HIGHLIGHT for s in g.iter(f"{SVG}ellipse"))}


@needs_dot
def test_no_node_moves_between_frames(tmp_path):
    loss, _ = seed_pass()
    e = explain(loss)
    save_frames(e, tmp_path, group="neuron", precision=3, step_by="op")
    svgs = sorted(tmp_path.glob("step-*.svg"))
    assert len(svgs) == len(e.steps)
    roots = [ET.parse(p).getroot() for p in svgs]
    first = node_geometry(roots[0])
    assert len([k for k in first if k.startswith("v")]) == len(e.order)
    for root in roots[1:]:
        assert node_geometry(root) == first
        assert root.get("viewBox") == roots[0].get("viewBox")


def network_geometry(svg: ET.Element) -> dict[str, list[tuple[str | None, ...]]]:
    """Every unit's boxes and every edge's line, by SVG id."""
    return {g.get("id"): [(s.get("x"), s.get("y"), s.get("x1"), s.get("y2"))
                          for s in g.iter() if s.tag in (f"{SVG}rect", f"{SVG}line")]
            for g in svg.iter(f"{SVG}g") if g.get("class") in ("node", "edge")}


@pytest.mark.parametrize("step_by", [None, "network", "layer", "neuron"])
def test_an_nn_loss_steps_through_its_network_by_default_on_one_layout(tmp_path, step_by):
    loss, _ = seed_pass()
    page = save_frames(explain(loss), tmp_path, precision=3, step_by=step_by)
    count = {None: 7, "network": 7, "layer": 2, "neuron": 5}[step_by]
    svgs = sorted(tmp_path.glob("step-*.svg"))
    assert len(svgs) == count
    roots = [ET.parse(p).getroot() for p in svgs]
    assert all(network_geometry(r) == network_geometry(roots[0]) for r in roots)
    assert all(r.get("viewBox") == roots[0].get("viewBox") for r in roots)
    text = page.read_text(encoding="utf-8")
    if step_by in (None, "network", "layer"):  # each layer's step: its recursion, in numbers
        assert "δ(2) = (a(2) − y) ⊙ a(2)(1 − a(2))" in text
        assert "δ(1) = δ(2) Θ(1)ᵀ ⊙ a(1)(1 − a(1))" in text
        assert "δ(1)[2] = (δ(2)[0]·θ1[2,0]) · a1[2]·(1 − a1[2]) = ((−0.128) × (−0.945)) × " \
               "0.312·(1 − 0.312) = 0.0259" in text
    order = re.findall(r"unit a(\d)\[(\d)\]: δ", text)  # units in index order, backwards
    if step_by != "layer":
        assert order == [("2", "0"), ("1", "0"), ("1", "1"), ("1", "2"), ("1", "3")]
        assert "∂E/∂θ0[1,2] = a0[1]·δ(1)[2] = 1 × 0.0259 = 0.0259" in text
    for layer, j in [(1, 0), (1, 3), (2, 0)]:  # each unit's op-level page
        unit_page = tmp_path / f"unit-{layer}-{j}" / "index.html"
        assert unit_page.is_file() and f"unit-{layer}-{j}/index.html" in text
        data = re.search(r'id="frames">(.*?)</script>', unit_page.read_text(encoding="utf-8"))[1]
        shown = [data] + ["".join(t.itertext()) for svg in unit_page.parent.glob("*.svg")
                          for t in ET.parse(svg).getroot().iter(f"{SVG}text")]
        assert not any(re.search(r"#\d+\b", text) for text in shown)


@needs_dot
@pytest.mark.parametrize("step_by", ["op"])
def test_each_frame_highlights_exactly_the_nodes_whose_contributions_it_sums(tmp_path, step_by):
    loss, _ = five_steps(), None
    e = explain(loss)
    save_frames(e, tmp_path, group="neuron", step_by=step_by)
    index = {id(v): i for i, v in enumerate(e.order)}
    groups = group_steps(e, step_by)
    for group, path in zip(groups, sorted(tmp_path.glob("step-*.svg")), strict=True):
        assert highlighted_ops(ET.parse(path).getroot()) == {f"o{index[id(n)]}"
                                                             for n in group.nodes}


@pytest.mark.parametrize("step_by", ["neuron", "layer"])
def test_grouped_numbers_are_the_sums_of_the_per_op_steps(step_by):
    loss, _ = seed_pass()
    e = explain(loss)
    groups = group_steps(e, step_by)
    assert [s for g in groups for s in g.steps] == list(e.steps)  # each step in one group
    assert len(groups) < len(e.steps)
    for group in groups:
        indices = [s.index for s in group.steps]
        assert indices == list(range(group.first, group.last + 1))  # consecutive
        after = e.gradients_after(group.last)
        for summed in group.contributions:
            parts = [c.contribution for s in group.steps for c in s.contributions
                     if c.input is summed.input]
            assert summed.count == len(parts)
            assert math.isclose(summed.contribution, math.fsum(parts), rel_tol=1e-12,
                                abs_tol=1e-300)
            assert summed.running_sum == after[id(summed.input)]


def test_per_layer_steps_end_with_the_seeds_delta():
    loss, thetas = seed_pass()
    closed = nn.delta_backprop(thetas, [[0, 1, 1]], [1])
    groups = [g for g in group_steps(explain(loss), "layer") if g.key is not None]
    assert [g.key for g in groups] == [(2,), (1,)]  # δ(2) first: it propagates backwards
    for group in groups:
        layer = group.key[0]
        engine = {z.label: d for z, d in group.deltas}
        expected = closed.deltas[layer - 1][0]
        assert sorted(engine) == [f"z{layer}[{j}]" for j in range(len(expected))]
        np.testing.assert_allclose([engine[f"z{layer}[{j}]"] for j in range(len(expected))],
                                   expected, rtol=1e-12, atol=0)


def test_step_by_is_checked():
    e = explain(five_steps())
    with pytest.raises(ValueError, match="step_by"):
        group_steps(e, "neurons")
    with pytest.raises(TypeError, match="step_by"):
        group_steps(e, 1)


def test_a_pass_longer_than_max_steps_writes_nothing(tmp_path):
    x = Value(0.5, "x")
    out = x
    for _ in range(501):
        out = out * 1.0001
    folder = tmp_path / "frames"
    with pytest.raises(ValueError, match="max_steps=500"):
        save_frames(explain(out), folder)
    assert not folder.exists()
    with pytest.raises(ValueError, match="max_steps=3"):
        save_frames(explain(five_steps()), folder, max_steps=3)
    with pytest.raises(TypeError, match="max_steps"):
        save_frames(explain(five_steps()), folder, max_steps=2.5)
    assert not folder.exists()


@needs_dot
def test_a_missing_dot_leaves_the_earlier_set_as_it_was(tmp_path, monkeypatch):
    folder = tmp_path / "frames"
    save_frames(explain(five_steps()), folder)
    before = snapshot(folder)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(DotNotFoundError):
        save_frames(explain(five_steps() * 3.0), folder)
    assert snapshot(folder) == before


@needs_dot
def test_a_failure_part_way_leaves_the_earlier_set_and_no_temporaries(tmp_path, monkeypatch):
    folder = tmp_path / "frames"
    save_frames(explain(five_steps()), folder)
    before = snapshot(folder)
    real = frames_module.FrameSheet.frame
    calls = []

    def failing(self, group, title):
        calls.append(group.index)
        if len(calls) == 3:
            raise OSError("disk full")
        return real(self, group, title)

    monkeypatch.setattr(frames_module.FrameSheet, "frame", failing)
    with pytest.raises(OSError, match="disk full"):
        save_frames(explain(five_steps() * 3.0), folder)
    assert snapshot(folder) == before  # no temporary left either


@needs_dot
def test_only_files_of_its_own_earlier_run_are_removed(tmp_path, monkeypatch):
    folder = tmp_path / "frames"
    save_frames(explain(five_steps()), folder)
    (folder / "step-7.svg").write_text("mine")
    (folder / "notes.txt").write_text("mine")
    replaced = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace",
                        lambda a, b: (replaced.append(Path(b).name), real_replace(a, b)))
    save_frames(explain(Value(1.0, "x") * 2.0), folder)  # a shorter pass
    assert replaced[-1] == "index.html"  # the page goes into place last
    assert sorted(p.name for p in folder.glob("step-*.svg")) == ["step-000.svg", "step-7.svg"]
    assert (folder / "step-7.svg").read_text() == "mine"
    assert (folder / "notes.txt").read_text() == "mine"
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


@needs_dot
def test_files_it_did_not_write_are_never_overwritten(tmp_path):
    (tmp_path / "step-000.svg").write_text("mine")
    with pytest.raises(FileExistsError, match=r"step-000\.svg"):
        save_frames(explain(five_steps()), tmp_path)
    assert snapshot(tmp_path) == {"step-000.svg": b"mine"}
    other = tmp_path / "other"
    other.mkdir()
    (other / "frames-manifest.json").write_text("{}")
    with pytest.raises(FileExistsError, match="manifest"):
        save_frames(explain(five_steps()), other)


@needs_dot
def test_titles_count_steps_as_the_page_does(tmp_path):
    e = explain(five_steps())
    text = save_frames(e, tmp_path).read_text(encoding="utf-8")
    titles = re.findall(r'"title": "(step \d+ of \d+)', text)
    n = len(e.steps)
    assert titles == [f"step {k} of {n}" for k in range(1, n + 1)]
    assert "⏮" not in text and "⏭" not in text  # glyphs a stock font lacks
