"""An exact oracle for the op table: each op's forward as a sympy expression, its rules run
on sympy symbols, and checks that compare them (symbolically, else at exact points).

The forward is obtained by running ``op.forward`` on sympy symbols whose assumptions
(positive, negative) come from the op's smooth region in ``strategies.SMOOTH_REGIONS``,
so ``+ − × ÷ ^``, relu's ``u if u > 0 else 0`` and ``abs`` are read off the table itself.
Only a forward that calls ``math`` (which cannot take a symbol) is named in
``MATH_FORWARDS``, and every forward is compared with ``op.forward`` at random points.
"""

from __future__ import annotations

import itertools
import math
import random
from types import SimpleNamespace
from typing import Any

import sympy
from notation import parse
from strategies import NEGATIVE_BASE_POW, SMOOTH_REGIONS

from autodiff.core.ops import FLOAT_MATH, OPERAND_NAMES, Op

Interval = tuple[float, float]
Piece = tuple[Interval, ...]  # one interval per operand; (b, b) pins the operand to b

# The rules' math namespace on sympy expressions (FLOAT_MATH's meaning, exactly).
SYMPY_MATH = SimpleNamespace(
    exp=sympy.exp, log=sympy.log, sin=sympy.sin, cos=sympy.cos,
    step=lambda u: sympy.Piecewise((1, u > 0), (0, True)), sign=sympy.sign,
    scaled_pow=lambda c, u, e: c * u ** e, log_scaled=lambda x, u: x * sympy.log(u),
)

# What a forward that calls `math.<name>` computes (it cannot run on a symbol).
MATH_FORWARDS = {
    "exp": sympy.exp, "log": sympy.log, "sqrt": sympy.sqrt, "tanh": sympy.tanh,
    "sin": sympy.sin, "cos": sympy.cos, "sigmoid": lambda u: 1 / (1 + sympy.exp(-u)),
}
POINTS = 50  # random exact points when simplify() cannot decide


def exact(expr: Any) -> sympy.Expr:
    """``expr`` as a sympy expression with every float replaced by its exact rational."""
    expr = sympy.sympify(expr)
    return expr.xreplace({f: sympy.Rational(f) for f in expr.atoms(sympy.Float)})


def pieces(op: Op) -> list[Piece]:
    """The op's smooth region as pieces of constant sign per operand (plus pow's negative
    base with each integer exponent of ``NEGATIVE_BASE_POW``)."""
    found = list(itertools.product(*SMOOTH_REGIONS[op.name]))
    if op.name == "pow":
        (base,), exponents = NEGATIVE_BASE_POW
        found += [(base, (b, b)) for b in exponents]
    return found


def symbols(piece: Piece) -> tuple[sympy.Expr, ...]:
    """One operand per interval: a symbol named u/v with the interval's sign, or the pin."""
    result = []
    for name, (lo, hi) in zip(OPERAND_NAMES, piece, strict=False):
        if lo == hi:
            result.append(exact(lo))
        else:
            result.append(sympy.Symbol(name, real=True, positive=lo > 0 or None,
                                       negative=hi < 0 or None))
    return tuple(result)


def sympy_forward(op: Op, operands: tuple[sympy.Expr, ...]) -> sympy.Expr:
    """``op.forward`` run on sympy operands; ``MATH_FORWARDS`` where it calls ``math``."""
    try:
        return exact(op.forward(*operands))
    except TypeError:  # math.exp(symbol), or a comparison whose truth sympy cannot decide
        if op.name not in MATH_FORWARDS:
            raise AssertionError(f"op {op.name!r}: its forward does not run on sympy symbols; "
                                 "add its sympy form to MATH_FORWARDS (tests/sympy_oracle.py)"
                                 ) from None
        return exact(MATH_FORWARDS[op.name](*operands))


def rule_expression(op: Op, i: int, operands: tuple[sympy.Expr, ...]) -> sympy.Expr:
    """``op.partials[i]`` run on sympy operands, ``out`` being the sympy forward."""
    return exact(op.partials[i](SYMPY_MATH, *operands, sympy_forward(op, operands)))


def random_point(piece: Piece, operands: tuple[sympy.Expr, ...], rng: random.Random
                 ) -> dict[sympy.Symbol, sympy.Rational]:
    """An exact rational point inside the piece (kept within ±5: O(1) values)."""
    point = {}
    for (lo, hi), symbol in zip(piece, operands, strict=False):
        if isinstance(symbol, sympy.Symbol):
            lo, hi = max(lo, -5.0), min(hi, 5.0)
            d = rng.randint(8, 128)
            point[symbol] = sympy.Rational(rng.randint(math.ceil(lo * d), math.floor(hi * d)), d)
    return point


def is_zero_at(expr: sympy.Expr, point: dict) -> bool:
    """``expr`` at ``point`` is 0: exactly for a rational value, else to 60 digits (of 80)."""
    value = expr.subs(point)
    if value.is_Rational:
        return value == 0
    number = value.evalf(80)
    return bool(number.is_finite) and abs(number) < sympy.Float("1e-60")


def mismatch(got: sympy.Expr, expected: sympy.Expr, piece: Piece,
             operands: tuple[sympy.Expr, ...], symbolic: bool = True) -> str | None:
    """None if ``got`` equals ``expected`` on the piece, else where they differ.

    First symbolically (``simplify`` of the difference is 0); if that cannot decide, at
    ``POINTS`` random exact points of the piece.
    """
    difference = got - expected
    if symbolic and sympy.simplify(difference) == 0:
        return None
    rng = random.Random(f"{got}|{expected}|{piece}")
    for _ in range(POINTS):
        point = random_point(piece, operands, rng)
        if not is_zero_at(difference, point):
            return f"{got} ≠ {expected} at {point}"
    return None


def live_pieces(op: Op, i: int) -> list[Piece]:
    """The pieces on which operand ``i`` varies (a pinned operand has no derivative)."""
    return [piece for piece in pieces(op) if piece[i][0] != piece[i][1]]


def check_rule(op: Op, i: int, symbolic: bool = True) -> str | None:
    """None if ``op.partials[i]`` is sympy's derivative of the forward on every piece."""
    for piece in live_pieces(op, i):
        operands = symbols(piece)
        expected = sympy.diff(sympy_forward(op, operands), operands[i])
        found = mismatch(rule_expression(op, i, operands), expected, piece, operands, symbolic)
        if found:
            return f"{op.variant_name} ∂/∂{OPERAND_NAMES[i]} on {piece}: {found}"
    return None


def check_text(op: Op, i: int, symbolic: bool = True) -> str | None:
    """None if every alternative of ``op.derivative_formulas[i]`` equals the rule on every
    piece, and every note "(x at u = p)" is what the rule gives on floats at that point."""
    text = op.derivative_formulas[i]
    for piece in live_pieces(op, i):
        operands = symbols(piece)
        names = {**dict(zip(OPERAND_NAMES, operands, strict=False)),
                 "out": sympy_forward(op, operands)}
        rule = rule_expression(op, i, operands)
        for alternative in parse(text, names).alternatives:
            found = mismatch(alternative, rule, piece, operands, symbolic)
            if found:
                return f"{op.variant_name} {text!r} on {piece}: {found}"
    for value, point in parse(text, {name: sympy.Symbol(name) for name in
                                     (*OPERAND_NAMES[:op.arity], "out")}).notes:
        if set(point) != set(OPERAND_NAMES[:op.arity]):
            return f"{text!r}: a note must give every operand, got {sorted(point)}"
        floats = [float(point[name]) for name in OPERAND_NAMES[:op.arity]]
        got = op.partials[i](FLOAT_MATH, *floats, op.forward(*floats))
        if got != float(value):
            return f"{text!r}: the rule gives {got} at {point}, the text says {value}"
    return None


def check_forward_text(op: Op) -> str | None:
    """None if every alternative of ``op.formula`` equals the sympy forward on every piece."""
    for piece in pieces(op):
        operands = symbols(piece)
        names = dict(zip(OPERAND_NAMES, operands, strict=False))
        for alternative in parse(op.formula, names).alternatives:
            found = mismatch(alternative, sympy_forward(op, operands), piece, operands)
            if found:
                return f"{op.name} {op.formula!r} on {piece}: {found}"
    return None


def check_forward_numerically(op: Op, count: int = 20) -> str | None:
    """None if the sympy forward agrees with ``op.forward`` on floats at random points."""
    rng = random.Random(op.name)
    for piece in pieces(op):
        operands = symbols(piece)
        expression = sympy_forward(op, operands)
        for _ in range(count):
            point = random_point(piece, operands, rng)
            floats = [float(point.get(x, x)) for x in operands]
            expected = float(expression.subs(point).evalf(30))
            got = op.forward(*floats)
            if not math.isclose(got, expected, rel_tol=1e-13, abs_tol=1e-300):
                return f"{op.name} at {floats}: op.forward gives {got}, sympy {expected}"
    return None
