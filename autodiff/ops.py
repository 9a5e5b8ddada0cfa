"""The op table: every primitive declared once (forward, local derivatives, symbol, formulas).

Each derivative rule is written with plain arithmetic on its operands ``a`` (and ``b``),
the op's output ``out`` and a small math namespace ``m``. The same rule therefore runs
on floats (eager backward, ``m = FLOAT_MATH``), on Values (higher-order gradients,
``m = VALUE_MATH`` in :mod:`autodiff.backward`) and on code-generation symbols
(:mod:`autodiff.codegen`). Everything else in the package reads this table.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

UNARY, BINARY, CONST_RIGHT, CONST_LEFT = "unary", "binary", "const_right", "const_left"


class DomainError(ValueError):
    """An operand outside an op's domain, e.g. ``log(0)`` or ``sqrt(-1)``."""


@dataclass(frozen=True, eq=False)
class Op:
    """One primitive. ``partials[i](m, *operands, out)`` is ∂out/∂operand i."""

    name: str
    symbol: str  # shown on the op node of a rendered graph, e.g. "×", "σ"
    formula: str  # the forward computation in terms of a (and b), e.g. "a × b"
    forward: Callable[..., float]  # on floats; raises DomainError/ArithmeticError
    partials: tuple[Callable[..., Any], ...]
    derivative_formulas: tuple[str, ...]  # human-readable text of each partial
    domain: str = ""  # where forward is defined, for error messages
    kind: str = UNARY  # UNARY, BINARY, or a binary op with one constant operand
    base: Op | None = field(default=None, repr=False)  # the binary op a variant comes from

    @property
    def arity(self) -> int:
        """How many operands the op takes (a constant operand counts)."""
        return 1 if self.kind == UNARY else 2

    def with_constant(self, side: str) -> Op:
        """The variant of a binary op whose left or right operand is a plain number."""
        return Op(self.name, self.symbol, self.formula, self.forward, self.partials,
                  self.derivative_formulas, self.domain, side, self)


# --- forward functions on floats (domain checks live here) -------------------------

def _pow(a: float, b: float) -> float:
    if a < 0 and not float(b).is_integer():
        raise DomainError("a negative base needs an integer exponent")
    if a == 0 and b < 0:
        raise DomainError("0 cannot be raised to a negative power")
    return a ** b


def _div(a: float, b: float) -> float:
    if b == 0:
        raise DomainError("division by zero")
    return a / b


def _log(a: float) -> float:
    if a <= 0:
        raise DomainError("log needs a > 0")
    return math.log(a)


def _sqrt(a: float) -> float:
    if a < 0:
        raise DomainError("sqrt needs a >= 0")
    return math.sqrt(a)


def _sigmoid(a: float) -> float:
    # Never evaluates exp of a positive number, so it cannot overflow for any finite a.
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


# --- math namespaces the rules run on ---------------------------------------------

def _scaled_pow(c: float, a: float, e: float) -> float:
    """c · a**e, taken as 0 when c == 0 (so d/da a**0 = 0 even at a = 0)."""
    return 0.0 if c == 0 else c * _pow(a, e)


def _xlogy(x: float, y: float) -> float:
    """x · log(y), taken as 0 when x == 0 (so d/db 0**b = 0)."""
    return 0.0 if x == 0 else x * _log(y)


FLOAT_MATH = SimpleNamespace(
    exp=math.exp, log=_log, sin=math.sin, cos=math.cos,
    step=lambda a: 1.0 if a > 0 else 0.0,  # relu'(0) = 0, as in PyTorch
    sign=lambda a: 1.0 if a > 0 else (-1.0 if a < 0 else 0.0),  # abs'(0) = 0
    scaled_pow=_scaled_pow, xlogy=_xlogy,
)


# --- the table ----------------------------------------------------------------------

def _unary(name: str, symbol: str, formula: str, forward: Callable[[float], float],
           partial: Callable[..., Any], derivative: str, domain: str = "") -> Op:
    return Op(name, symbol, formula, forward, (partial,), (derivative,), domain, UNARY)


def _binary(name: str, symbol: str, formula: str, forward: Callable[[float, float], float],
            partials: tuple[Callable[..., Any], Callable[..., Any]],
            derivatives: tuple[str, str], domain: str = "") -> Op:
    return Op(name, symbol, formula, forward, partials, derivatives, domain, BINARY)


OPS: dict[str, Op] = {op.name: op for op in (
    _binary("add", "+", "a + b", operator.add,
            (lambda m, a, b, out: 1.0, lambda m, a, b, out: 1.0), ("1", "1")),
    _binary("sub", "−", "a − b", operator.sub,
            (lambda m, a, b, out: 1.0, lambda m, a, b, out: -1.0), ("1", "−1")),
    _binary("mul", "×", "a × b", operator.mul,
            (lambda m, a, b, out: b, lambda m, a, b, out: a), ("b", "a")),
    _binary("div", "÷", "a ÷ b", _div,
            (lambda m, a, b, out: 1.0 / b, lambda m, a, b, out: -out / b),
            ("1/b", "−out/b = −a/b²"), "b ≠ 0"),
    _binary("pow", "^", "a ^ b", _pow,
            (lambda m, a, b, out: m.scaled_pow(b, a, b - 1.0),
             lambda m, a, b, out: m.xlogy(out, a)),
            ("b·a^(b−1)", "out·ln a"), "a > 0, or a = 0 with b ≥ 0, or a < 0 with integer b"),
    _unary("neg", "−", "−a", operator.neg, lambda m, a, out: -1.0, "−1"),
    _unary("exp", "exp", "e^a", math.exp, lambda m, a, out: out, "out = e^a",
           "a ≤ 709.78 (larger overflows a float)"),
    _unary("log", "log", "ln a", _log, lambda m, a, out: 1.0 / a, "1/a", "a > 0"),
    _unary("sqrt", "√", "√a", _sqrt, lambda m, a, out: 0.5 / out, "1/(2·out) = 1/(2√a)",
           "a ≥ 0 (its derivative needs a > 0)"),
    _unary("tanh", "tanh", "tanh a", math.tanh, lambda m, a, out: 1.0 - out * out,
           "1 − out² = 1 − tanh²a"),
    _unary("sigmoid", "σ", "σ(a) = 1/(1 + e^−a)", _sigmoid,
           lambda m, a, out: out * (1.0 - out), "out·(1 − out) = σ(a)(1 − σ(a))"),
    _unary("relu", "ReLU", "max(0, a)", lambda a: a if a > 0 else 0.0,
           lambda m, a, out: m.step(a), "1 if a > 0 else 0"),
    _unary("sin", "sin", "sin a", math.sin, lambda m, a, out: m.cos(a), "cos a"),
    _unary("cos", "cos", "cos a", math.cos, lambda m, a, out: -m.sin(a), "−sin a"),
    _unary("abs", "|·|", "|a|", operator.abs, lambda m, a, out: m.sign(a), "sign(a) (0 at a = 0)"),
)}

# Variants of the binary ops with a plain number on one side: one node, not two.
CONST_RIGHT_OPS = {name: op.with_constant(CONST_RIGHT) for name, op in OPS.items()
                   if op.kind == BINARY}
CONST_LEFT_OPS = {name: op.with_constant(CONST_LEFT) for name, op in OPS.items()
                  if op.kind == BINARY}
