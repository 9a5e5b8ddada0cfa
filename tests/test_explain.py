"""explain(): chain-rule steps whose contributions sum to .grad exactly; tables; the demo."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff import DomainError, Value, creation_order, explain, explain_forward
from autodiff.core.graph import local_partials
from autodiff.text import markdown_cell, one_line
from tests.strategies import expressions

ROOT = Path(__file__).resolve().parent.parent


def build(case) -> tuple[Value, list[Value]]:
    fn, args = case
    leaves = [Value(x, f"x{i}") for i, x in enumerate(args)]
    return fn(*leaves), leaves


@settings(max_examples=150)
@given(expressions(kinks=True))
def test_contributions_to_each_node_sum_to_its_grad_exactly(case):
    out, leaves = build(case)
    e = explain(out)  # before backward: the same order, the same additions
    out.backward()
    order = creation_order(out)
    if out.op:  # else the output is a leaf: nothing to send
        assert e.steps[0].node is out and e.steps[0].upstream == 1.0
    assert len(e.steps) == sum(1 for v in order if v.op)
    received: dict[int, list[float]] = {}
    for step in e.steps:
        assert step.upstream == step.node.grad  # every gradient is final when it is sent
        for c in step.contributions:
            if step.upstream != 0.0:
                assert c.contribution == c.local_derivative * step.upstream
            received.setdefault(id(c.input), []).append(c.contribution)
            total = 0.0
            for part in received[id(c.input)]:
                total += part
            assert c.running_sum == total
    for leaf in leaves:
        if leaf is out:  # its gradient is the seed
            continue
        total = 0.0
        for part in received.get(id(leaf), []):
            total += part
        assert total == leaf.grad
        assert e.gradient(leaf) == leaf.grad


@settings(max_examples=40)
@given(expressions())
def test_explaining_after_backward_agrees_and_touches_no_grad(case):
    out, leaves = build(case)
    out.backward()
    before = [v.grad for v in creation_order(out)]
    e = explain(out)
    assert [v.grad for v in creation_order(out)] == before
    for leaf in leaves:
        assert math.isclose(e.gradient(leaf), leaf.grad, rel_tol=1e-12, abs_tol=1e-12)


def test_local_derivatives_and_formulas_come_from_the_op_table():
    x, y = Value(1.5, "x"), Value(-2.0, "y")
    out = (x * y).sigmoid() + 3.0 / x - 2.0 ** y
    for step in explain(out).steps:
        locals_ = [d for _, d in local_partials(step.node)]
        assert [c.local_derivative for c in step.contributions] == locals_
        for c in step.contributions:
            rule = step.op.derivative_formulas[0 if c.operand == "u" else 1]
            assert c.formula is rule  # the table's own string, not a copy
    steps = {s.node.op: s for s in explain(out).steps}
    assert steps["sigmoid"].contributions[0].formula.startswith("out·(1 − out)")
    assert steps["div"].contributions[0].operand == "v"  # 3.0 / x: x is the right operand


def test_fan_out_shows_the_running_sum():
    a = Value(3.0, "a")
    out = a * a + a
    e = explain(out)
    sums = [c.running_sum for s in e.steps for c in s.contributions if c.input is a]
    assert sums == [1.0, 4.0, 7.0]
    assert e.gradient(a) == 7.0


def test_a_step_without_gradient_sends_nothing():
    x, y = Value(0.25, "x"), Value(-1.0, "y")
    out = x.sqrt() * 0.0 + y.relu() * 2.0  # nothing flows through sqrt
    e = explain(out)
    sqrt_step = next(s for s in e.steps if s.node.op == "sqrt")
    assert sqrt_step.upstream == 0.0 and sqrt_step.contributions[0].local_derivative == 1.0
    assert sqrt_step.contributions[0].contribution == 0.0
    with pytest.raises(DomainError, match="sqrt"):  # sqrt'(0) is infinite: the
        explain(Value(0.0).sqrt() * 0.0)  # edge-point rule raises, as every mode does
    relu_step = next(s for s in e.steps if s.node.op == "relu")
    assert relu_step.upstream == 2.0 and relu_step.contributions[0].local_derivative == 0.0
    out.backward()
    assert e.gradient(x) == x.grad == 0.0 and e.gradient(y) == y.grad == 0.0


def test_seed_leaf_and_bad_arguments():
    x = Value(2.0, "x")
    assert explain(x * 3.0, seed=2.0).gradient(x) == 6.0
    assert explain(x).steps == () and "No leaves" not in str(explain(x))
    with pytest.raises(TypeError, match="Value"):
        explain(2.0)
    with pytest.raises(TypeError, match="seed"):
        explain(x, seed="1")
    with pytest.raises(ValueError, match="out of range"):
        explain(x * 2.0).gradients_after(5)


def test_text_and_markdown_tables():
    a, b = Value(2.0, "a"), Value(-3.0, "b|c")
    out = (a * b).tanh()
    out.label = "L"
    e = explain(out)
    text = str(e)
    assert text.splitlines()[0].startswith("Backward pass of L = ")
    assert "∂/∂u = 1 − out² = 1 − tanh²u" in text and "a × b|c" in text
    assert f"b|c = {e.gradient(b):.6g}" in text.splitlines()[-1]
    md = e.to_markdown()
    rows = [line for line in md.splitlines() if line.startswith("|")]
    assert len(rows) == 2 + sum(len(s.contributions) for s in e.steps)
    assert all(row.count(" | ") == 8 for row in rows if "---" not in row)  # `b\|c` escaped
    assert "b\\|c" in md


def test_chain_rule_demo_runs_and_writes_the_frames(tmp_path):
    if shutil.which("dot") is None:
        pytest.skip("Graphviz `dot` not installed")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, str(ROOT / "demos" / "chain_rule.py"), "--out",
                          str(tmp_path)], capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "∂E/∂θ1[" in run.stdout and "∂E/∂θ0[" in run.stdout and "MISMATCH" not in run.stdout
    frames = sorted((tmp_path / "frames").glob("step-*.svg"))  # 2 layers and 5 units
    assert (tmp_path / "frames" / "index.html").exists() and len(frames) == 7
    assert len(list((tmp_path / "frames").glob("unit-*/index.html"))) == 5
    assert (tmp_path / "graph.svg").read_text().lstrip().startswith("<?xml")
    assert "θ0[1,2] = " in (tmp_path / "network.svg").read_text(encoding="utf-8")


def test_chain_rule_demo_runs_without_dot_printing_the_text_and_writing_dot(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PATH": str(tmp_path / "no-dot-here")}
    run = subprocess.run([sys.executable, str(ROOT / "demos" / "chain_rule.py"), "--out",
                          str(tmp_path / "out")], capture_output=True, text=True, env=env,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    assert "∂E/∂θ0[" in run.stdout and "MISMATCH" not in run.stdout
    assert "dot was not found" in run.stdout
    assert (tmp_path / "out" / "graph.dot").read_text(encoding="utf-8").startswith("digraph")
    # the network picture and its step-through need no dot; the op-level pages do
    assert (tmp_path / "out" / "network.svg").exists()
    assert (tmp_path / "out" / "frames" / "index.html").exists()
    assert not list((tmp_path / "out" / "frames").glob("unit-*"))


def test_control_characters_in_labels_stay_out_of_the_text_table():
    x = Value(1.0, "x\x1b[31m\x07\x00\u202e")
    text = explain(x * 2.0).to_text()
    assert "\x1b" not in text and "\x07" not in text and "\x00" not in text
    assert "\\x1b[31m\\x07\\x00" in text
    assert all(c.isprintable() or c == "\n" for c in text)


def _markdown_shown(text):
    """What a Markdown renderer shows for text that markdown_cell wrote: backslash escapes
    and the three entities undone (and nothing else, since nothing else is live)."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")):
            if text.startswith(entity, i):
                out.append(char)
                i += len(entity)
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


HOSTILE_LABELS = ["<img src=x onerror=alert(1)>", "<script>alert(1)</script>",
                  "[x](javascript:alert(1))", "![i](javascript:alert(1))",
                  "<javascript:alert(1)>", "a|b", "`code`", "*em* _em_", "$\\href{x}{y}$",
                  "&lt;b&gt;", "\\<b>", "~~s~~"]


@pytest.mark.parametrize("label", HOSTILE_LABELS)
def test_markdown_shows_labels_inert(label):
    x, y = Value(1.0, label), Value(2.0, "y")
    for table in (explain(x * y), explain_forward(x * y, {x: 1.0})):
        md = table.to_markdown()
        assert md == table._repr_markdown_()
        assert "<" not in md and ">" not in md  # no tag, no autolink
        columns = len(table.HEADER)
        for line in md.splitlines():
            bare = line.replace("\\\\", "")  # drop escaped backslashes, then escaped chars
            for char in "[]`*_|~$":
                bare = bare.replace(f"\\{char}", "")
            assert not any(c in bare for c in "[]`*_~$"), line
            assert bare.count("|") in (0, columns + 1), line  # the cell borders only
        assert label in _markdown_shown(md)  # shown as written


@settings(max_examples=200, deadline=None)
@given(label=st.text(
    alphabet="<>&[]()`*_|~$!\\:/ab =\"'#", max_size=20))
def test_markdown_text_round_trips_any_label(label):
    shown = markdown_cell(label)
    assert "<" not in shown and ">" not in shown
    assert _markdown_shown(shown) == one_line(label)
