"""The op table: every primitive declared once (forward, local derivatives, symbol, formulas).

Each derivative rule is written with plain arithmetic on its operands ``u`` (and ``v``),
the op's output ``out`` and a small math namespace ``m``. The same rule therefore runs
on floats (the eager backward, ``m = FLOAT_MATH``), on Values (higher-order gradients,
``m = VALUE_MATH`` in :mod:`autodiff.transforms.gradients`) and on code-generation
symbols (:mod:`autodiff.codegen`). Everything else in the package reads this table; the
engine's per-op code (:mod:`autodiff.core.operators`) is generated from it by
``make generate``.

The operands are called ``u`` and ``v`` so that they never read as the seed article's
``a`` (an activation), ``z``, ``θ``, ``δ``, ``y`` or ``E``.

Adding an op: add its row below (forward with its domain check, one rule per operand,
the formula texts and the Python method names), add its reference function to
``tests/strategies.py``, and run ``make generate``.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from .errors import DomainError

UNARY, BINARY, CONST_RIGHT, CONST_LEFT = "unary", "binary", "const_right", "const_left"
OPERAND_NAMES = ("u", "v")  # how rules, formulas, explain and drawings name the operands

__all__ = ["BINARY", "CONST_LEFT", "CONST_LEFT_OPS", "CONST_RIGHT", "CONST_RIGHT_OPS", "FLOAT_MATH",
           "OPERAND_NAMES", "OPS", "SINGULAR_OPS", "UNARY", "Op", "can_be_infinite", "is_primitive",
           "log_scaled_taken_as_zero", "scaled_pow_taken_as_zero", "variant"]


@dataclass(frozen=True, eq=False)
class Op:
    """One primitive. ``partials[i](m, *operands, out)`` is ∂out/∂operand i.

    ``methods`` are the ``Value`` methods that apply it: a binary op's operator and its
    reflected form (``("__mul__", "__rmul__")``), a unary op's method names.
    """

    name: str
    symbol: str  # shown on the op node of a rendered graph, e.g. "×", "σ"
    formula: str  # the forward computation in terms of u (and v), e.g. "u × v"
    forward: Callable[..., float]  # on floats; raises DomainError/ArithmeticError
    partials: tuple[Callable[..., Any], ...]
    derivative_formulas: tuple[str, ...]  # human-readable text of each partial
    domain: str = ""  # where forward is defined, for error messages
    kind: str = UNARY  # UNARY, BINARY, or a binary op with one constant operand
    methods: tuple[str, ...] = ()
    base: Op | None = field(default=None, repr=False)  # the binary op a variant comes from

    @property
    def arity(self) -> int:
        """How many operands the op takes (a constant operand counts)."""
        return 1 if self.kind == UNARY else 2

    @property
    def variant_name(self) -> str:
        """``mul``, or ``mul_const_right`` / ``mul_const_left`` for a constant operand."""
        return self.name if self.kind in (BINARY, UNARY) else f"{self.name}_{self.kind}"

    def with_constant(self, side: str) -> Op:
        """The variant of a binary op whose left or right operand is a plain number."""
        return Op(self.name, self.symbol, self.formula, self.forward, self.partials,
                  self.derivative_formulas, self.domain, side, self.methods, self)

    def __reduce__(self) -> tuple[Any, ...]:
        # Ops hold lambdas, so they pickle (and copy) by name: the table's own object.
        return variant, (self.name, self.kind)


def variant(name: str, kind: str) -> Op:
    """The table's op ``name`` in variant ``kind`` (UNARY/BINARY, CONST_RIGHT, CONST_LEFT)."""
    table = {CONST_RIGHT: CONST_RIGHT_OPS, CONST_LEFT: CONST_LEFT_OPS}.get(kind, OPS)
    try:
        op = table[name]
    except KeyError:
        raise ValueError(f"no op {name!r} of kind {kind!r} in the op table") from None
    if op.kind != kind:
        raise ValueError(f"op {name!r} is {op.kind}, not {kind}")
    return op


# --- forward functions on floats (domain checks live here) -------------------------

def _pow(u: float, v: float) -> float:
    if u < 0 and not float(v).is_integer():
        raise DomainError("a negative base needs an integer exponent")
    if u == 0 and v < 0:
        raise DomainError("0 cannot be raised to a negative power")
    return u ** v


def _div(u: float, v: float) -> float:
    if v == 0:
        raise DomainError("division by zero")
    return u / v


def _log(u: float) -> float:
    if u <= 0:
        raise DomainError("log needs u > 0")
    return math.log(u)


def _sqrt(u: float) -> float:
    if u < 0:
        raise DomainError("sqrt needs u >= 0")
    return math.sqrt(u)


def _from_expression(name: str, text: str) -> Callable[[float], float]:
    """A forward written as one Python expression in ``u``: made here into the function
    the engine calls on floats, and written inline, as ``expression``, by the code
    generator (so compiled code calls no function for it, and it is still written once)."""
    forward = eval(compile(f"lambda u: {text}", f"<op table: {name}>", "eval"),
                   {"__builtins__": {}, "exp": math.exp})
    forward.expression = text
    return forward


# Never evaluates exp of a positive number, so it cannot overflow for any finite u.
_sigmoid = _from_expression(
    "sigmoid", "1.0 / (1.0 + exp(-u)) if u >= 0.0 else (e := exp(u)) / (1.0 + e)")


# --- math namespaces the rules run on ---------------------------------------------

# pow's "taken as 0" cases: decided here only (the math namespaces on Values and on
# code-generation symbols ask these two functions too).

def scaled_pow_taken_as_zero(c: float) -> bool:
    """``c · u**e`` is taken as 0 where c == 0, so d/du u**0 = 0 even at u = 0 (PyTorch's
    value), where ``u**(0 − 1)`` is undefined."""
    return c == 0


def log_scaled_taken_as_zero(x: float, u: float) -> bool:
    """``x · ln u`` is taken as 0 where x == 0 or u == 0: ``∂(u^v)/∂v = out · ln u`` at u = 0
    (with v ≥ 0, where the forward is defined) is the limit from u > 0, which is 0, and
    PyTorch's value."""
    return x == 0 or u == 0


def _scaled_pow(c: float, u: float, e: float) -> float:
    """c · u**e (0 where :func:`scaled_pow_taken_as_zero`)."""
    return 0.0 if scaled_pow_taken_as_zero(c) else c * _pow(u, e)


def _log_scaled(x: float, u: float) -> float:
    """x · ln u (0 where :func:`log_scaled_taken_as_zero`)."""
    return 0.0 if log_scaled_taken_as_zero(x, u) else x * _log(u)


FLOAT_MATH = SimpleNamespace(
    exp=math.exp, log=_log, sin=math.sin, cos=math.cos,
    step=lambda u: 1.0 if u > 0 else 0.0,  # relu'(0) = 0, as in PyTorch
    sign=lambda u: 1.0 if u > 0 else (-1.0 if u < 0 else 0.0),  # abs'(0) = 0
    scaled_pow=_scaled_pow, log_scaled=_log_scaled,
)


# --- the table ----------------------------------------------------------------------

def _unary(name: str, symbol: str, formula: str, forward: Callable[[float], float],
           partial: Callable[..., Any], derivative: str, domain: str = "",
           methods: tuple[str, ...] = ()) -> Op:
    return Op(name, symbol, formula, forward, (partial,), (derivative,), domain, UNARY,
              methods or (name,))


def _binary(name: str, symbol: str, formula: str, forward: Callable[[float, float], float],
            partials: tuple[Callable[..., Any], Callable[..., Any]],
            derivatives: tuple[str, str], domain: str = "", dunder: str = "") -> Op:
    return Op(name, symbol, formula, forward, partials, derivatives, domain, BINARY,
              (f"__{dunder or name}__", f"__r{dunder or name}__"))


#: The op table: every primitive, by name, declared once (its forward, its local-derivative
#: rules in plain arithmetic, their formulas as text); every pass of the engine reads it.
OPS: dict[str, Op] = {op.name: op for op in (
    _binary("add", "+", "u + v", operator.add,
            (lambda m, u, v, out: 1.0, lambda m, u, v, out: 1.0), ("1", "1")),
    _binary("sub", "−", "u − v", operator.sub,
            (lambda m, u, v, out: 1.0, lambda m, u, v, out: -1.0), ("1", "−1")),
    _binary("mul", "×", "u × v", operator.mul,
            (lambda m, u, v, out: v, lambda m, u, v, out: u), ("v", "u")),
    _binary("div", "÷", "u ÷ v", _div,
            (lambda m, u, v, out: 1.0 / v, lambda m, u, v, out: -out / v),
            ("1/v", "−out/v = −u/v²"), "v ≠ 0", dunder="truediv"),
    _binary("pow", "^", "u ^ v", _pow,
            (lambda m, u, v, out: m.scaled_pow(v, u, v - 1.0),
             lambda m, u, v, out: m.log_scaled(out, u)),
            ("v·u^(v−1)", "out·ln u"),
            "u > 0, or u = 0 with v ≥ 0, or u < 0 with integer v"),
    _unary("neg", "−", "−u", operator.neg, lambda m, u, out: -1.0, "−1",
           methods=("__neg__",)),
    _unary("exp", "exp", "e^u", math.exp, lambda m, u, out: out, "out = e^u",
           "u ≤ 709.78 (larger overflows a float)"),
    _unary("log", "log", "ln u", _log, lambda m, u, out: 1.0 / u, "1/u", "u > 0"),
    _unary("sqrt", "√", "√u", _sqrt, lambda m, u, out: 0.5 / out, "1/(2·out) = 1/(2√u)",
           "u ≥ 0 (its derivative needs u > 0)"),
    _unary("tanh", "tanh", "tanh u", math.tanh, lambda m, u, out: 1.0 - out * out,
           "1 − out² = 1 − tanh²u"),
    _unary("sigmoid", "σ", "σ(u) = 1/(1 + e^−u)", _sigmoid,
           lambda m, u, out: out * (1.0 - out), "out·(1 − out) = σ(u)(1 − σ(u))"),
    _unary("relu", "ReLU", "max(0, u)", lambda u: u if u > 0 else 0.0,
           lambda m, u, out: m.step(u), "1 if u > 0 else 0"),
    _unary("sin", "sin", "sin u", math.sin, lambda m, u, out: m.cos(u), "cos u"),
    _unary("cos", "cos", "cos u", math.cos, lambda m, u, out: -m.sin(u), "−sin u"),
    _unary("abs", "|·|", "|u|", operator.abs, lambda m, u, out: m.sign(u),
           "sign(u) (0 at u = 0)", methods=("abs", "__abs__")),
)}

# The ops whose local derivative can be inf or undefined at finite operands (1/v, 1/u,
# 1/(2√u), v·u^(v−1), out·ln u). Every pass evaluates their rules even where the gradient
# or tangent is 0, so an infinite local derivative raises in every mode (the edge-point
# rule); the other ops' rules are finite wherever their operands and output are.
SINGULAR_OPS = frozenset({"div", "log", "sqrt", "pow"})

# Variants of the binary ops with a plain number on one side: one node, not two.
CONST_RIGHT_OPS = {name: op.with_constant(CONST_RIGHT) for name, op in OPS.items()
                   if op.kind == BINARY}
CONST_LEFT_OPS = {name: op.with_constant(CONST_LEFT) for name, op in OPS.items()
                  if op.kind == BINARY}
# The built-in op variants (the generated engine's); autodiff.primitive adds its own to the
# tables above, not here.
ALL_OPS: tuple[Op, ...] = tuple(op for table in (OPS, CONST_RIGHT_OPS, CONST_LEFT_OPS)
                                for op in table.values())
_BUILT_IN = frozenset(ALL_OPS)


def is_primitive(op: Op) -> bool:
    """Is ``op`` (or the binary op it is a variant of) user-defined, not a built-in?"""
    return op not in _BUILT_IN


def can_be_infinite(op: Op) -> bool:
    """Can ``op``'s local derivative be inf or undefined at finite operands? For the ops of
    ``SINGULAR_OPS``, and for every user primitive, whose rules the engine cannot know:
    every pass evaluates their rules even where the gradient or tangent is 0."""
    return op.name in SINGULAR_OPS or op not in _BUILT_IN
