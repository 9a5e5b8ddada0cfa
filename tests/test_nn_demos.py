"""The nn demos run as scripts (with small settings, through their environment variables)."""

import runpy
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import nn

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = nn.seed_reference()


def test_xor_demo_prints_the_seeds_figures_and_writes_the_graph(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XOR_EPOCHS", "11")
    monkeypatch.setenv("XOR_REPORT_EVERY", "5")
    monkeypatch.setenv("DEMO_OUT", str(tmp_path))
    runpy.run_path(str(ROOT / "demos" / "xor.py"), run_name="__main__")
    out = capsys.readouterr().out
    errors = [line for line in out.splitlines() if line.startswith("Error:")]
    assert len(errors) == 3  # epochs 0, 5, 10
    first = float(errors[0].removeprefix("Error:"))
    assert first == pytest.approx(REFERENCE["error_trace"][0]["mean_abs_error"], rel=1e-12)
    assert "output after training:" in out
    assert "error trace: matches the seed" in out
    assert "δ(1)" in out and "δ(2)" in out and "closed form: delta_backprop" in out
    assert "-1.726822e-02" in out  # δ(1) of sample 0, unit 0, from the reference
    network = (tmp_path / "xor_sample0_network.svg").read_text(encoding="utf-8")
    assert "θ0[0,0] = " in network and "δ = ∂E/∂z = " in network  # the network view
    assert "Σ½(a−y)²" in out and "mean |a − y|" in out  # the two numbers are told apart
    page = tmp_path / "xor_frames" / "index.html"
    assert page.exists() and out.rstrip().splitlines()[-2].endswith(str(page))
    assert "unit a1[2]: δ(1)[2]" in page.read_text(encoding="utf-8")  # network-level steps


def test_moons_demo_trains_and_writes_both_pictures(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MOONS_SAMPLES", "20")
    monkeypatch.setenv("MOONS_EPOCHS", "2")
    monkeypatch.setenv("MOONS_GRID", "6")
    monkeypatch.setenv("DEMO_OUT", str(tmp_path))
    runpy.run_path(str(ROOT / "demos" / "moons.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "trained 2 epochs" in out and "accuracy" in out
    svg = "{http://www.w3.org/2000/svg}"
    boundary = ET.parse(tmp_path / "moons_boundary.svg")
    groups = {g.get("id"): g for g in boundary.iter(f"{svg}g") if g.get("id")}
    assert len(list(groups["points"].iter(f"{svg}use"))) == 20  # one marker per point
    assert list(groups["probability"].iter(f"{svg}path"))  # the shaded probabilities
    texts = " ".join("".join(t.itertext()) for t in boundary.iter(f"{svg}text"))
    assert "decision boundary" in texts and "accuracy" in texts
    loss = ET.parse(tmp_path / "moons_loss.svg")
    line = next(g for g in loss.iter(f"{svg}g") if g.get("id") == "loss")
    assert line.find(f".//{svg}path").get("d").count("L") == 1  # 2 epochs: one segment
