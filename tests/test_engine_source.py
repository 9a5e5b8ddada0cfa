"""The engine's per-op code (autodiff/core/operators.py), generated from the op table: the
file on disk is in sync with the table, every op gets its methods and backward steps,
each step equals the table's rules bit for bit, and a changed rule changes the code."""

import math
import subprocess
import sys
from pathlib import Path

import engine_source
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import all_variants, apply_op, live_partials, smooth_operands, variant_id

from autodiff import Value
from autodiff.core import operators, primitives
from autodiff.core.ops import ALL_OPS, CONST_LEFT, FLOAT_MATH, OPS, Op

VARIANTS = all_variants()
ROOT = Path(__file__).resolve().parent.parent


def make_node(op: Op, operands: tuple[float, ...]) -> Value:
    """One node of ``op`` over fresh leaves, made through the Value methods the table names."""
    return apply_op(op, operands)


def test_the_file_on_disk_is_what_the_table_generates():
    """The sync test: fails while autodiff/core/operators.py and the op table disagree
    (run `make generate`)."""
    on_disk = (ROOT / "autodiff" / "core" / "operators.py").read_text(encoding="utf-8")
    assert on_disk == engine_source.source()


def test_make_generate_writes_the_file_and_check_mode_sees_a_stale_one(tmp_path):
    target = tmp_path / "operators.py"
    assert engine_source.main(["--output", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == engine_source.source()
    assert engine_source.main(["--check", "--output", str(target)]) == 0
    target.write_text(target.read_text(encoding="utf-8") + "# edited by hand\n")
    assert engine_source.main(["--check", "--output", str(target)]) == 1


def test_the_generator_runs_without_the_package_init(tmp_path):
    """`make generate` must work while autodiff/__init__.py cannot import (a stale file)."""
    target = tmp_path / "operators.py"
    subprocess.run([sys.executable, str(ROOT / "tools" / "engine_source.py"), "--output",
                    str(target)], check=True, capture_output=True, cwd=tmp_path)
    assert target.read_text(encoding="utf-8") == engine_source.source()


def test_every_op_gets_its_methods_and_every_variant_a_backward_step():
    built_in = set(ALL_OPS)
    assert {op for op in operators.STEPS if op in built_in} == built_in
    # The others are user primitives' steps, kept for graphs built before unregister().
    assert {operators.STEPS[op] for op in set(operators.STEPS) - built_in} <= {primitives._step}
    for op in OPS.values():
        for method in op.methods:
            assert getattr(Value, method).__module__ == "autodiff.core.operators"
            assert op.name in getattr(Value, method).__doc__


@pytest.mark.parametrize("op", VARIANTS, ids=variant_id)
@given(data=st.data())
def test_the_method_records_the_variant_and_the_forward(op, data):
    operands = data.draw(smooth_operands(op))
    node = make_node(op, operands)
    assert node._op is op
    assert node.data == op.forward(*operands)
    assert node.label == ""


@pytest.mark.parametrize("op", VARIANTS, ids=variant_id)
def test_each_backward_step_equals_the_rules_bit_for_bit(op):
    """The step adds exactly g · rule(operands, out), as the rule computes it on floats."""
    checked = 0
    for operands in [(0.7, 1.3), (2.5, -0.5), (1.0, 2.0), (3.0, 0.25)]:
        operands = operands[:op.arity]
        if op.name == "pow" and op.kind != CONST_LEFT:
            operands = (abs(operands[0]), *operands[1:])
        if op.name in ("log", "sqrt") and operands[0] <= 0:
            continue
        node = make_node(op, operands)
        inputs = [v for v in (node._a, node._b) if isinstance(v, Value)]
        for v in inputs:
            v.grad = 0.25  # the step adds to what is there
        g = -1.75
        operators.STEPS[op](node, g)
        args = [v.data if isinstance(v, Value) else v for v in node.operands]
        for i in live_partials(op):
            expected = 0.25 + g * op.partials[i](FLOAT_MATH, *args, node.data)
            assert (node._a, node._b)[i].grad == expected
        checked += 1
    assert checked >= 3


def test_a_step_is_the_rule_written_out():
    source = engine_source.source()
    assert "def mul_backward(node, g):" in source
    assert "s = before + g * v" in source and "s = before + g * u" in source
    assert "s = before + g * (out * (1.0 - out))" in source  # sigmoid: out·(1 − out)
    assert "s = before + g\n" in source  # add: ∂/∂u = 1 folds away
    for op in VARIANTS:
        assert f"def {op.variant_name}_backward(node, g):" in source


def test_the_code_follows_the_table():
    """An op's rule is read when the code is written: a different rule, different code."""
    mul = OPS["mul"]
    halved = Op("mul", mul.symbol, mul.formula, mul.forward,
                (lambda m, u, v, out: 0.5 * v, mul.partials[1]), mul.derivative_formulas,
                kind=mul.kind, methods=mul.methods)
    assert "s = before + g * (0.5 * v)" in engine_source._step(halved)
    assert "s = before + g * v\n" in engine_source._step(mul) + "\n"


def test_inline_forwards_and_calls():
    source = engine_source.source()
    assert "data = u * v" in source and "data = -u" in source and "data = abs(u)" in source
    assert "data = div_forward(u, v)" in source  # div keeps the table's domain check
    assert "data = sigmoid_forward(u)" in source


def test_the_generated_file_says_it_is_generated_and_how_to_regenerate():
    head = engine_source.source()[:600]
    assert "GENERATED" in head and "make generate" in head and "do not edit" in head


def test_a_method_named_like_a_builtin_still_calls_the_builtin():
    """abs's method is called ``abs``; its forward must be the built-in abs on floats."""
    assert Value(-2.0).abs().data == 2.0
    assert abs(Value(-3.0)).data == 3.0


def test_methods_carry_their_names_and_docs():
    assert Value.__mul__.__qualname__ == "ValueOperators.__mul__"
    assert "out·(1 − out)" in Value.sigmoid.__doc__


def test_op_nodes_are_unlabelled_until_named_and_labels_must_be_text():
    v = Value(2.0, "x") * 3.0
    assert v.label == ""
    v.label = "y"
    assert v.label == "y"
    with pytest.raises(TypeError, match="label must be a str, got int"):
        v.label = 3
    assert v.label == "y"


def test_steps_run_on_infinite_user_values_by_ieee_rules():
    x = Value(math.inf)
    y = x * 2.0
    y.backward()
    assert x.grad == 2.0
