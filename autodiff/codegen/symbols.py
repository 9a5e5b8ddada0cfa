"""Code-generation symbols: stand-ins for floats that build Python expression text.

The op table's rules are plain arithmetic on their operands plus a math namespace ``m``.
Run on :class:`Sym` objects with ``m = SYMBOL_MATH`` they return the *text* of the same
computation, which :mod:`autodiff.codegen` writes into straight-line Python. Nothing here
knows any derivative: it only knows how Python prints ``+ - * / **`` and calls.

Constants fold as they meet: two constants are evaluated on the spot, and the identities
``x + 0 = x``, ``x − 0 = x``, ``0 − x = −x``, ``x · 1 = x``, ``x · (−1) = −x``,
``x · 0 = 0``, ``x / 1 = x`` drop work that cannot change a finite result (they may
change the sign of a zero, and ``x · 0`` gives 0 where an infinite x would give nan:
the generated code therefore checks its values and hands any call with an inf or nan to
the eager engine).
The text keeps the evaluation order of the rule exactly (``a + (b + c)`` keeps its
parentheses), so generated code rounds the same way as the rule run on floats.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from ..core.checks import is_real
from ..core.ops import FLOAT_MATH, scaled_pow_taken_as_zero

# Python's binding strengths, weakest first (only the ones generated code uses).
CONDITIONAL, SUM, PRODUCT, UNARY_MINUS, POWER, ATOM = range(-1, 5)


class Sym:
    """An expression in generated code: its text, its binding strength, and its value
    when it is a constant known at generation time (``const``; None otherwise)."""

    __slots__ = ("const", "precedence", "text")

    def __init__(self, text: str, precedence: int = ATOM, const: float | None = None) -> None:
        self.text = text
        self.precedence = precedence
        self.const = const

    def __repr__(self) -> str:
        return f"Sym({self.text!r})"

    @property
    def is_atom(self) -> bool:
        """A name or a number: using it costs nothing, so it never needs a line of its own."""
        return self.precedence >= UNARY_MINUS and (self.const is not None or
                                                   self.text.isidentifier())

    def is_const(self, value: float) -> bool:
        """Is this the constant ``value``? (A constant ``-0.0`` counts as 0.0; a symbol
        whose value is known only at run time is never a constant.)"""
        return self.const is not None and self.const == value

    # --- arithmetic, folding constants --------------------------------------------------
    def __add__(self, other: Any) -> Sym:
        b = as_sym(other)
        if b.is_const(0.0):
            return self
        if self.is_const(0.0):
            return b
        return _binary(self, "+", b, SUM, float.__add__)

    def __radd__(self, other: Any) -> Sym:
        return as_sym(other).__add__(self)

    def __sub__(self, other: Any) -> Sym:
        b = as_sym(other)
        if b.is_const(0.0):
            return self
        if self.is_const(0.0):
            return -b
        return _binary(self, "-", b, SUM, float.__sub__)

    def __rsub__(self, other: Any) -> Sym:
        return as_sym(other).__sub__(self)

    def __mul__(self, other: Any) -> Sym:
        b = as_sym(other)
        for x, y in ((self, b), (b, self)):
            if x.is_const(1.0):
                return y
            if x.is_const(-1.0):
                return -y
            if x.is_const(0.0) and y.const is None:
                return constant(0.0)
        return _binary(self, "*", b, PRODUCT, float.__mul__)

    def __rmul__(self, other: Any) -> Sym:
        return as_sym(other).__mul__(self)

    def __truediv__(self, other: Any) -> Sym:
        b = as_sym(other)
        if b.is_const(1.0):
            return self
        return _binary(self, "/", b, PRODUCT, float.__truediv__)

    def __rtruediv__(self, other: Any) -> Sym:
        return as_sym(other).__truediv__(self)

    def __pow__(self, other: Any) -> Sym:
        b = as_sym(other)
        folded = _fold(float.__pow__, self, b)
        if folded is not None:
            return folded
        if b.is_const(1.0):  # x ** 1 is x and x ** 0 is 1 for every float x, nan included
            return self
        if b.is_const(0.0):
            return constant(1.0)
        return Sym(f"{_wrap(self, ATOM)} ** {_wrap(b, ATOM)}", POWER)

    def __rpow__(self, other: Any) -> Sym:
        return as_sym(other).__pow__(self)

    def __neg__(self) -> Sym:
        if self.const is not None:
            return constant(-self.const)
        return Sym(f"-{_wrap(self, POWER)}", UNARY_MINUS)

    def __abs__(self) -> Sym:
        if self.const is not None:
            return constant(abs(self.const))
        return Sym(f"abs({self.text})")

    # --- what a rule must not do with its operands --------------------------------------
    def _branch(self, *_: Any) -> bool:
        raise TypeError("a derivative rule compared or tested a code-generation symbol; "
                        "rules must be branch-free arithmetic (put piecewise parts in the "
                        "math namespace m, like m.step)")

    __bool__ = __lt__ = __le__ = __gt__ = __ge__ = _branch  # type: ignore[assignment]
    __hash__ = None  # type: ignore[assignment]


def name(identifier: str) -> Sym:
    """A variable of the generated code (always made by the code generator itself)."""
    assert identifier.isidentifier(), identifier
    return Sym(identifier)


def constant(value: float) -> Sym:
    """A number written into the code; ``repr`` round-trips every float exactly."""
    value = float(value)
    if math.isnan(value):
        return Sym("nan", ATOM, value)
    text = repr(abs(value)) if not math.isinf(value) else "inf"
    if math.copysign(1.0, value) < 0:
        return Sym(f"-{text}", UNARY_MINUS, value)
    return Sym(text, ATOM, value)


def inline(expression: str, operands: dict[str, Sym]) -> Sym:
    """A forward written as one Python expression (``fn.expression`` in the op table) with
    each operand name (``u``) replaced by its symbol's text, parenthesised unless atomic.
    It binds as weakly as a conditional expression does (``a if c else b``)."""
    def operand(match: re.Match[str]) -> str:
        return _wrap(operands[match.group(0)], ATOM)

    pattern = r"\b(" + "|".join(map(re.escape, operands)) + r")\b"
    return Sym(re.sub(pattern, operand, expression), CONDITIONAL)


def as_sym(x: Any) -> Sym:
    """``x`` as a symbol: a Sym stays itself, an int or float becomes a :func:`constant`;
    anything else (bool included) is a TypeError, as it has no place in generated code."""
    if isinstance(x, Sym):
        return x
    if is_real(x):
        return constant(x)
    raise TypeError(f"cannot use {type(x).__name__} in generated code")


def _wrap(x: Sym, strength: int) -> str:
    return x.text if x.precedence >= strength else f"({x.text})"


def _fold(operation: Callable[..., float], *args: Sym) -> Sym | None:
    """The constant result when every argument is a constant and the operation succeeds
    with a float (otherwise the code is emitted, to fail or succeed at run time)."""
    if any(a.const is None for a in args):
        return None
    try:
        result = operation(*(a.const for a in args))
    except (ArithmeticError, ValueError):
        return None
    return constant(result) if isinstance(result, float) else None


def _binary(a: Sym, operator: str, b: Sym, strength: int,
            operation: Callable[[float, float], float]) -> Sym:
    folded = _fold(operation, a, b)
    if folded is not None:
        return folded
    # Left-associative: the right operand needs parentheses at equal strength too.
    return Sym(f"{_wrap(a, strength)} {operator} {_wrap(b, strength + 1)}", strength)


def _symbolic_call(function_name: str, function: Callable[..., float]) -> Callable[..., Sym]:
    def call(*args: Any) -> Sym:
        syms = [as_sym(a) for a in args]
        folded = _fold(function, *syms)
        if folded is not None:
            return folded
        return Sym(f"{function_name}({', '.join(s.text for s in syms)})")

    call.__name__ = function_name
    return call


def is_integral(x: Sym) -> bool:
    """A constant whole number: ``a ** x`` is then a real float for every float a, or
    raises (ZeroDivisionError, OverflowError); it never turns complex."""
    return x.const is not None and math.isfinite(x.const) and x.const.is_integer()


_call_scaled_pow = _symbolic_call("scaled_pow", FLOAT_MATH.scaled_pow)


def _scaled_pow(c: Any, u: Any, e: Any) -> Sym:
    """FLOAT_MATH.scaled_pow on symbols: c · u**e, and 0 where the op table takes it as 0
    (known here when c is a constant). With a constant c that is not, and a whole e, it is
    plain arithmetic (as VALUE_MATH writes it for Values)."""
    c, u, e = as_sym(c), as_sym(u), as_sym(e)
    if c.const is not None and scaled_pow_taken_as_zero(c.const):
        return constant(0.0)
    if c.const is not None and is_integral(e):
        return c * u ** e
    return _call_scaled_pow(c, u, e)


# The namespace ``m`` on symbols: each function of FLOAT_MATH becomes a call to itself,
# except that scaled_pow with constant factor and whole exponent is written out.
SYMBOL_MATH = SimpleNamespace(**{fn_name: _scaled_pow if fn_name == "scaled_pow" else
                                 _symbolic_call(fn_name, fn)
                                 for fn_name, fn in vars(FLOAT_MATH).items()})


def contribution(op: Any, position: int, grad: Sym, operands: list[Sym], out: Sym) -> Sym:
    """``grad × ∂out/∂operand`` as text: the op table's rule for operand ``position`` run on
    symbols. Both code emitters write their reverse steps with it (the engine's per-op
    steps, by ``make generate``, and ``compile_grad``'s straight-line code)."""
    return grad * op.partials[position](SYMBOL_MATH, *operands, out)
