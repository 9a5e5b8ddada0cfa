"""The op table against sympy, exactly: every rule is the derivative of its op's forward,
every derivative text and forward text says what the code computes, and the checks that
say so reject a wrong rule or a wrong text (see ``sympy_oracle`` and ``notation``)."""

import math
import random
from dataclasses import replace

import pytest
import sympy
from notation import NotationError, parse
from strategies import all_variants, live_partials, variant_id
from sympy_oracle import (
    MATH_FORWARDS,
    SYMPY_MATH,
    check_forward_numerically,
    check_forward_text,
    check_rule,
    check_text,
    pieces,
    symbols,
)

from autodiff.core.ops import FLOAT_MATH, OPERAND_NAMES, OPS, Op

PARTIALS = [(op, i) for op in OPS.values() for i in range(op.arity)]
PARTIAL_IDS = [f"{op.name}-d{OPERAND_NAMES[i]}" for op, i in PARTIALS]


@pytest.mark.parametrize(("op", "i"), PARTIALS, ids=PARTIAL_IDS)
def test_rule_is_the_derivative_of_the_forward_symbolically(op, i):
    assert check_rule(op, i) is None


@pytest.mark.parametrize(("op", "i"), PARTIALS, ids=PARTIAL_IDS)
def test_rule_is_the_derivative_of_the_forward_at_exact_points(op, i):
    assert check_rule(op, i, symbolic=False) is None


@pytest.mark.parametrize(("op", "i"), PARTIALS, ids=PARTIAL_IDS)
def test_derivative_text_equals_the_rule(op, i):
    assert check_text(op, i) is None
    assert check_text(op, i, symbolic=False) is None


@pytest.mark.parametrize("op", list(OPS.values()), ids=variant_id)
def test_forward_text_equals_the_forward(op):
    assert check_forward_text(op) is None


@pytest.mark.parametrize("op", list(OPS.values()), ids=variant_id)
def test_sympy_forward_is_op_forward_at_random_points(op):
    assert check_forward_numerically(op) is None


@pytest.mark.parametrize("op", [op for op in all_variants() if op.base is not None],
                         ids=variant_id)
def test_const_variants_use_checked_rules_and_texts(op):
    for i in live_partials(op):
        shared = (op.partials[i] is op.base.partials[i]
                  and op.derivative_formulas[i] == op.base.derivative_formulas[i])
        if not shared:  # a variant with its own rule or text gets the whole check
            assert check_rule(op, i) is None and check_text(op, i) is None


def test_math_forwards_name_only_forwards_that_cannot_run_on_symbols():
    assert set(MATH_FORWARDS) <= set(OPS)
    for op in OPS.values():
        runs = True
        for piece in pieces(op):
            try:
                op.forward(*symbols(piece))
            except TypeError:
                runs = False
        assert runs == (op.name not in MATH_FORWARDS), op.name


def test_sympy_math_means_what_float_math_means():
    assert set(vars(SYMPY_MATH)) == set(vars(FLOAT_MATH))
    rng = random.Random(9)
    points = [sympy.Integer(0), sympy.Integer(1), sympy.Integer(-1),
              *(sympy.Rational(rng.randint(-400, 400), rng.randint(1, 100)) for _ in range(20))]
    for r in points:
        x = float(r)
        for name in ("sin", "cos", "exp", "step", "sign"):
            assert float(getattr(SYMPY_MATH, name)(r)) == pytest.approx(
                getattr(FLOAT_MATH, name)(x), rel=1e-14, abs=0.0), (name, r)
        if x > 0:
            assert float(SYMPY_MATH.log(r)) == pytest.approx(FLOAT_MATH.log(x), rel=1e-14)
            assert float(SYMPY_MATH.scaled_pow(3, r, sympy.Rational(-3, 2))) == pytest.approx(
                FLOAT_MATH.scaled_pow(3.0, x, -1.5), rel=1e-14)
            assert float(SYMPY_MATH.log_scaled(-2, r)) == pytest.approx(
                FLOAT_MATH.log_scaled(-2.0, x), rel=1e-14, abs=1e-300)


# --- the oracle can fail -------------------------------------------------------------------

def with_rule(op: Op, i: int, rule) -> Op:
    partials = list(op.partials)
    partials[i] = rule
    return replace(op, partials=tuple(partials))


def with_text(op: Op, i: int, text: str) -> Op:
    texts = list(op.derivative_formulas)
    texts[i] = text
    return replace(op, derivative_formulas=tuple(texts))


WRONG_RULES = [
    ("mul", 0, lambda m, u, v, out: u), ("div", 1, lambda m, u, v, out: out / v),
    ("pow", 0, lambda m, u, v, out: m.scaled_pow(v, u, v)),
    ("pow", 1, lambda m, u, v, out: m.log_scaled(v, u)),
    ("sigmoid", 0, lambda m, u, out: out * (1.0 + out)), ("relu", 0, lambda m, u, out: 1.0),
    ("cos", 0, lambda m, u, out: m.sin(u)), ("abs", 0, lambda m, u, out: 1.0),
    ("tanh", 0, lambda m, u, out: 1.0 - out), ("sqrt", 0, lambda m, u, out: 0.5 / u),
]
WRONG_TEXTS = [
    ("mul", 0, "u"), ("div", 1, "−out/v = u/v²"), ("div", 1, "−u/v² = out/v"),
    ("pow", 0, "v·u^v"), ("pow", 1, "ln u"), ("exp", 0, "out = e^(2u)"),
    ("sqrt", 0, "1/(2·out) = 1/√u"), ("tanh", 0, "1 − out² = 1 − tanh u"),
    ("sigmoid", 0, "out·(1 − out) = σ(u)(1 + σ(u))"), ("relu", 0, "1 if u < 0 else 0"),
    ("cos", 0, "sin u"), ("abs", 0, "sign(u) (1 at u = 0)"), ("abs", 0, "−sign(u)"),
]


@pytest.mark.parametrize("symbolic", [True, False], ids=["symbolic", "points"])
@pytest.mark.parametrize(("name", "i", "rule"), WRONG_RULES,
                         ids=[f"{n}-d{OPERAND_NAMES[i]}" for n, i, _ in WRONG_RULES])
def test_a_wrong_rule_is_rejected(name, i, rule, symbolic):
    assert check_rule(with_rule(OPS[name], i, rule), i, symbolic) is not None


@pytest.mark.parametrize("symbolic", [True, False], ids=["symbolic", "points"])
@pytest.mark.parametrize(("name", "i", "text"), WRONG_TEXTS, ids=[t for *_, t in WRONG_TEXTS])
def test_a_wrong_text_is_rejected(name, i, text, symbolic):
    assert check_text(with_text(OPS[name], i, text), i, symbolic) is not None


def test_a_wrong_forward_text_is_rejected():
    assert check_forward_text(replace(OPS["sub"], formula="v − u")) is not None
    assert check_forward_text(replace(OPS["sigmoid"], formula="σ(u) = 1/(1 + e^u)")) is not None


@pytest.mark.parametrize("text", ["u +", "foo(u)", "(u", "u )", "ln", "1 if u 0 else 0",
                                  "sign(u) (0 at w = 0)", "|u", "u & v", "u ="])
def test_text_outside_the_notation_is_an_error(text):
    with pytest.raises(NotationError):
        parse(text, {"u": sympy.Symbol("u"), "v": sympy.Symbol("v")})


# --- the notation, piece by piece ------------------------------------------------------------

u, v = sympy.symbols("u v", positive=True)


@pytest.mark.parametrize(("text", "expected"), [
    ("−sin u", -sympy.sin(u)), ("2√u", 2 * sympy.sqrt(u)), ("tanh²u", sympy.tanh(u) ** 2),
    ("e^−u", sympy.exp(-u)), ("v·u^(v−1)", v * u ** (v - 1)), ("u ÷ v × 2", 2 * u / v),
    ("1/(2·u)", 1 / (2 * u)), ("out·ln u", sympy.Symbol("out") * sympy.log(u)),
    ("σ(u)(1 − σ(u))", sympy.exp(-u) / (1 + sympy.exp(-u)) ** 2), ("|u − v|", abs(u - v)),
    ("max(0, u)", u), ("u² − u³", u ** 2 - u ** 3), ("2.5u", sympy.Rational(5, 2) * u),
])
def test_notation_reads_as_mathematics(text, expected):
    names = {"u": u, "v": v, "out": sympy.Symbol("out")}
    (got,) = parse(text, names).alternatives
    assert sympy.simplify(got - expected) == 0


def test_notation_conditionals_alternatives_and_notes():
    x = sympy.Symbol("x", real=True)
    formula = parse("1 if u > 0 else 0 = 1 if u ≥ 0 else 0 (0 at u = 0)", {"u": x})
    assert [f.subs(x, 2) for f in formula.alternatives] == [1, 1]
    assert [f.subs(x, -2) for f in formula.alternatives] == [0, 0]
    assert formula.notes == ((0, {"u": 0}),)
    assert math.isclose(float(parse("e", {}).alternatives[0]), math.e)
