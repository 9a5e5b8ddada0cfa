"""The playground's Python entry point and its Graphviz shim, run in CPython.

In the page, ``dot`` is Graphviz built for WebAssembly; here the same shim is pointed at
the ``dot`` program, and every drawing must come out as the usual route draws it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from graphviz.backend import execute

from autodiff import Value, draw

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "playground"))
from autodiff_playground import page
from autodiff_playground.dot import use_renderer

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")


def _dot(source: str, engine: str, format: str) -> str:
    return subprocess.run(["dot", f"-K{engine}", f"-T{format}"], input=source, text=True,
                          capture_output=True, check=True).stdout


@needs_dot
def test_the_shim_draws_what_dot_draws(monkeypatch):
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    c = a * b + a.sigmoid()
    c.backward()
    usual = draw(c).svg()
    monkeypatch.setattr(execute, "run_check", execute.run_check)  # restored afterwards
    calls = []
    use_renderer(lambda *args: calls.append(args[1:]) or _dot(*args))
    assert draw(c).svg() == usual
    assert calls == [("dot", "svg")]
    assert draw(c).pipe(format="svg") == usual.encode()
    with pytest.raises(RuntimeError, match="SVG only"):
        draw(c).pipe(format="png")


def test_call_answers_json_and_refuses_unknown_views():
    assert json.loads(page.call("check", json.dumps(["a*b"]))) == {"inputs": ["a", "b"]}
    assert "unknown view" in json.loads(page.call("__import__", "[]"))["error"]
    assert "abs" in json.loads(page.call("ops", "[]"))
    refused = json.loads(page.call("expression_view", json.dumps(["a.__class__", {}])))
    assert "without a call" in refused["error"]
    assert "TypeError" in json.loads(page.call("check", json.dumps([1, 2, 3])))["error"]
