"""Smoke tests: the package imports, a small graph differentiates, demos run."""

import math
import runpy
import shutil
from pathlib import Path

import pytest

import autodiff as ad
from autodiff import Value

DEMOS = Path(__file__).resolve().parent.parent / "demos"


def test_small_graph_gradients():
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    c = a * b + a.sigmoid()
    c.backward()
    s = 1 / (1 + math.exp(-2.0))
    assert c.data == pytest.approx(-6.0 + s, rel=1e-15)
    assert a.grad == pytest.approx(-3.0 + s * (1 - s), rel=1e-15)
    assert b.grad == 2.0


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")
def test_tour_demo_runs(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # it draws out/tour.svg
    runpy.run_path(str(DEMOS / "tour.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "dc/da" in out and "all agree" in out


def test_gradcheck_agrees_on_tour_function():
    assert ad.gradcheck(lambda a, b: a * b + a.sigmoid(), 2.0, -3.0)
