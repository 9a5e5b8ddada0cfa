"""The eager engine's per-op code that autodiff.specialize writes from the op table: every
op gets its method and backward step, each step equals the table's rules bit for bit,
and the code follows the table (a changed rule changes the code)."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import all_variants, live_partials, smooth_operands, variant_id

from autodiff import Value, specialize
from autodiff.backward import _STEPS
from autodiff.ops import CONST_LEFT, CONST_RIGHT, FLOAT_MATH, OPS, UNARY, Op

VARIANTS = all_variants()


def make_node(op: Op, operands: tuple[float, ...]) -> Value:
    """One node of ``op`` over fresh leaves, made through the Value methods."""
    if op.kind == UNARY:
        return getattr(Value(operands[0]), "__neg__" if op.name == "neg" else op.name)()
    a, b = operands
    dunder = specialize.DUNDERS[op.name]
    if op.kind == CONST_RIGHT:
        return getattr(Value(a), f"__{dunder}__")(b)
    if op.kind == CONST_LEFT:
        return getattr(Value(b), f"__r{dunder}__")(a)
    return getattr(Value(a), f"__{dunder}__")(Value(b))


def test_every_op_gets_a_method_and_every_variant_a_backward_step():
    assert set(_STEPS) == set(VARIANTS)
    methods = specialize.compile_methods({})  # names are looked up when called
    for op in OPS.values():
        if op.kind == UNARY:
            assert ("__neg__" if op.name == "neg" else op.name) in methods
        else:
            dunder = specialize.DUNDERS[op.name]
            assert {f"__{dunder}__", f"__r{dunder}__"} <= set(methods)


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
        _STEPS[op](node, g)
        args = [v.data if isinstance(v, Value) else v for v in node.operands]
        for i in live_partials(op):
            expected = 0.25 + g * op.partials[i](FLOAT_MATH, *args, node.data)
            assert (node._a, node._b)[i].grad == expected
        checked += 1
    assert checked >= 3


def test_a_step_is_the_rule_written_out():
    source = specialize.steps_source()
    assert "def mul_backward(node, g):" in source
    assert "s = left.grad + g * b" in source and "s = right.grad + g * a" in source
    assert "s = left.grad + g * (out * (1.0 - out))" in source  # sigmoid: out·(1 − out)
    assert "s = left.grad + g\n" in source  # add: ∂/∂a = 1 folds away
    for op in VARIANTS:
        assert f"def {specialize.op_name(op)}_backward(node, g):" in source


def test_the_code_follows_the_table():
    """An op's rule is read when the code is written: a different rule, different code."""
    mul = OPS["mul"]
    halved = Op("mul", mul.symbol, mul.formula, mul.forward,
                (lambda m, a, b, out: 0.5 * b, mul.partials[1]), mul.derivative_formulas,
                kind=mul.kind)
    assert "s = left.grad + g * (0.5 * b)" in specialize._step(halved)
    assert "s = left.grad + g * b\n" in specialize._step(mul) + "\n"


def test_inline_forwards_and_calls():
    source = specialize.methods_source()
    assert "data = a * b" in source and "data = -a" in source and "data = abs(a)" in source
    assert "data = div_forward(a, b)" in source  # div keeps the table's domain check
    assert "data = sigmoid_forward(a)" in source


def test_the_source_is_deterministic_and_compiles():
    assert specialize.source() == specialize.source()
    compile(specialize.source(), "<test>", "exec")


def test_a_method_named_like_a_builtin_still_calls_the_builtin():
    """abs's method is called ``abs``; its forward must be the built-in abs on floats."""
    assert Value(-2.0).abs().data == 2.0
    assert abs(Value(-3.0)).data == 3.0


def test_methods_carry_their_names_and_docs():
    assert Value.__mul__.__qualname__ == "Value.__mul__"
    assert Value.sigmoid.__module__ == "autodiff.value"
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
