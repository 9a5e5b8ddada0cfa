"""The op table, op by op: forward against `math`, every local derivative against finite
differences, edges (0, ±1e3, kinks) and the text each op carries. Parametrized over the
table, so a new op (or const variant) is tested without touching this file."""

import math
from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as hst
from strategies import (
    EDGES,
    NEGATIVE_BASE_POW,
    REFERENCE,
    SMOOTH_REGIONS,
    all_variants,
    apply_op,
    derivative,
    derivative_tolerance,
    fixed_points,
    live_partials,
    smooth_operands,
    step_for,
    variant_id,
)

from autodiff import Value
from autodiff.core.graph import local_partials
from autodiff.core.ops import BINARY, CONST_LEFT, CONST_RIGHT, FLOAT_MATH, OPS, UNARY, Op
from autodiff.transforms.gradients import VALUE_MATH

VARIANTS = all_variants()
PARTIALS = [(op, i) for op in VARIANTS for i in live_partials(op)]
PARTIAL_IDS = [f"{variant_id(op)}-d{'uv'[i]}" for op, i in PARTIALS]

def apply(op: Op, operands: tuple[float, ...]) -> Value:
    """Build one node of ``op`` on Values (and plain numbers for a const variant)."""
    return apply_op(op, operands)


def operand_function(op: Op, operands: tuple[float, ...], i: int):
    """op.forward as a function of operand i alone."""
    def f(x: float) -> float:
        moved = list(operands)
        moved[i] = x
        return op.forward(*moved)
    return f


def assert_partial_matches(op: Op, i: int, operands: tuple[float, ...]) -> None:
    out = op.forward(*operands)
    analytic = op.partials[i](FLOAT_MATH, *operands, out)
    f = operand_function(op, operands, i)
    h = step_for(operands[i])
    numeric = derivative(f, operands[i], h)
    tolerance = 1e-7 * max(abs(analytic), abs(numeric)) + derivative_tolerance(f, operands[i], h)
    assert abs(analytic - numeric) <= tolerance, (variant_id(op), i, operands, analytic, numeric)


# --- local derivatives (first: the sharpest, fastest check of every rule) ----------------

@pytest.mark.parametrize(("op", "i"), PARTIALS, ids=PARTIAL_IDS)
def test_partial_matches_finite_difference_at_fixed_points(op, i):
    for operands in fixed_points(op):
        assert_partial_matches(op, i, operands)


# --- the table itself ---------------------------------------------------------------------

@pytest.mark.parametrize("op", VARIANTS, ids=variant_id)
def test_every_op_has_symbol_formula_and_derivative_text(op):
    assert op.symbol.strip() and op.formula.strip()
    assert len(op.partials) == len(op.derivative_formulas) == (1 if op.kind == UNARY else 2)
    assert all(text.strip() for text in op.derivative_formulas)
    assert op.kind in (UNARY, BINARY, CONST_RIGHT, CONST_LEFT)
    if op.kind in (CONST_RIGHT, CONST_LEFT):
        assert op.base is OPS[op.name] and op.arity == 2


def test_every_op_has_a_reference_region_and_edges():
    for table in (REFERENCE, SMOOTH_REGIONS, EDGES):
        assert set(OPS) <= set(table), f"add the new op(s) {set(OPS) - set(table)} here"
    for op in OPS.values():
        assert len(SMOOTH_REGIONS[op.name]) == len(EDGES[op.name]) == op.arity


# --- forward ------------------------------------------------------------------------------

@pytest.mark.parametrize("op", VARIANTS, ids=variant_id)
def test_forward_of_each_variant_matches_math(op):
    for operands in fixed_points(op, count=4, seed=1):
        node = apply(op, operands)
        assert node.data == pytest.approx(REFERENCE[op.name](*operands), rel=1e-14, abs=1e-300)
        assert node._op is op and node.op == op.name


@pytest.mark.parametrize("op", list(OPS.values()), ids=variant_id)
@given(data=hst.data())
def test_forward_matches_math_on_its_region(op, data):
    operands = data.draw(smooth_operands(op))
    expected = REFERENCE[op.name](*operands)
    assert op.forward(*operands) == pytest.approx(expected, rel=1e-14, abs=1e-300)
    assert apply(op, operands).data == pytest.approx(expected, rel=1e-14, abs=1e-300)


@pytest.mark.parametrize("op", list(OPS.values()), ids=variant_id)
def test_forward_exact_at_edges(op):
    grid = EDGES[op.name]
    combos = [(a,) for a in grid[0]] if op.arity == 1 else [
        (a, b) for a in grid[0] for b in grid[1]]
    for operands in combos:
        try:
            expected = REFERENCE[op.name](*operands)
        except (ValueError, ZeroDivisionError, OverflowError):
            continue  # outside the domain: test_errors covers these
        if not math.isfinite(expected):
            continue
        assert op.forward(*operands) == pytest.approx(expected, rel=1e-15, abs=0.0), operands


# --- local derivatives on random points --------------------------------------------------

@pytest.mark.parametrize(("op", "i"), PARTIALS, ids=PARTIAL_IDS)
@given(data=hst.data())
def test_partial_matches_finite_difference_on_its_region(op, i, data):
    assert_partial_matches(op, i, data.draw(smooth_operands(op)))


def test_pow_partial_for_a_negative_base_and_integer_exponent():
    region, exponents = NEGATIVE_BASE_POW
    for a in (region[0][0], -2.5, -0.3):
        for b in exponents:
            for op in (OPS["pow"], OPS["pow"].with_constant(CONST_RIGHT)):
                assert_partial_matches(op, 0, (a, b))


@pytest.mark.parametrize(("op", "i"), PARTIALS, ids=PARTIAL_IDS)
def test_backward_through_a_node_uses_the_variants_rule(op, i):
    """`x * 2.0` makes a const variant node; backward gives its derivative to x."""
    for operands in fixed_points(op, count=3, seed=2):
        node = apply(op, operands)
        assert node._op.kind == op.kind and node._op.name == op.name
        assert len(node.parents) == (2 if op.kind == BINARY else 1)
        node.backward()
        f = operand_function(op, operands, i)
        h = step_for(operands[i])
        expected = derivative(f, operands[i], h)
        parent = node.parents[0] if op.kind != BINARY else node.parents[i]
        tolerance = 1e-7 * abs(expected) + derivative_tolerance(f, operands[i], h)
        assert abs(parent.grad - expected) <= tolerance, (operands, parent.grad, expected)


@pytest.mark.parametrize("op", VARIANTS, ids=variant_id)
def test_rules_give_the_same_number_on_values_and_on_floats(op):
    for operands in fixed_points(op, count=3, seed=3):
        node = apply(op, operands)
        on_floats = [p for _, p in local_partials(node)]
        on_values = [p for _, p in local_partials(node, VALUE_MATH, differentiable=True)]
        assert [float(getattr(p, "data", p)) for p in on_values] == pytest.approx(
            on_floats, rel=1e-15, abs=0.0)


# --- kinks and extremes ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["relu", "abs"])
def test_kink_derivative_at_zero_is_zero_like_pytorch(name):
    for zero in (0.0, -0.0):
        x = Value(zero)
        y = getattr(x, name)()
        y.backward()
        assert y.data == 0.0 and x.grad == 0.0


@pytest.mark.parametrize(("name", "x", "slope"), [
    ("relu", 1e-300, 1.0), ("relu", -1e-300, 0.0), ("abs", 1e-300, 1.0), ("abs", -1e-300, -1.0),
    ("relu", 1e3, 1.0), ("relu", -1e3, 0.0), ("abs", 1e3, 1.0), ("abs", -1e3, -1.0)])
def test_kink_slopes_either_side(name, x, slope):
    v = Value(x)
    getattr(v, name)().backward()
    assert v.grad == slope


def _decimal_sigmoid(x: float) -> float:
    with localcontext() as ctx:
        ctx.prec = 60
        return float(1 / (1 + (-Decimal(x)).exp()))


def _decimal_tanh(x: float) -> float:
    with localcontext() as ctx:
        ctx.prec = 60
        e = (2 * Decimal(x)).exp()
        return float((e - 1) / (e + 1))


@pytest.mark.parametrize("x", [-1000.0, -745.0, -700.0, -40.0, -1.5, 0.0, 1e-9, 2.0, 36.0, 40.0,
                               700.0, 1000.0])
def test_sigmoid_and_tanh_exact_and_finite_at_extremes(x):
    s, t = Value(x).sigmoid(), Value(x).tanh()
    assert s.data == pytest.approx(_decimal_sigmoid(x), rel=4e-16, abs=0.0)
    assert t.data == pytest.approx(_decimal_tanh(x), rel=4e-16, abs=0.0)
    for node in (s, t):
        node.backward()
        assert math.isfinite(node.parents[0].grad) and 0.0 <= node.parents[0].grad <= 1.0


def test_sigmoid_and_tanh_saturate_exactly_at_1000():
    assert Value(1000.0).sigmoid().data == 1.0 and Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).tanh().data == 1.0 and Value(-1000.0).tanh().data == -1.0


@pytest.mark.parametrize(("build", "expected_grad"), [
    (lambda x: x ** 0, 0.0), (lambda x: x ** 2, 0.0), (lambda x: x ** 1, 1.0),
    (lambda x: x ** 2.0, 0.0), (lambda x: x ** Value(2.0), 0.0), (lambda x: 2.0 ** x, math.log(2)),
    (lambda x: x * x, 0.0), (lambda x: x.sin(), 1.0), (lambda x: x.exp(), 1.0),
    (lambda x: x.tanh(), 1.0), (lambda x: x.sigmoid(), 0.25), (lambda x: -x, -1.0),
    (lambda x: x.cos(), 0.0), (lambda x: 0.0 - x, -1.0), (lambda x: 0.0 / (x + 1.0), 0.0)])
def test_derivatives_at_zero(build, expected_grad):
    x = Value(0.0)
    build(x).backward()
    assert x.grad == pytest.approx(expected_grad, rel=1e-15, abs=0.0)


def test_derivative_of_zero_base_power_wrt_exponent_is_zero():
    a, b = Value(0.0), Value(2.0)
    (a ** b).backward()
    assert a.grad == 0.0 and b.grad == 0.0
    c = Value(3.0)
    (0.0 ** c).backward()
    assert c.grad == 0.0
