"""The one home of argument checks: what counts as a real number, and the checks of numbers,
seeds, flags and operands. A wrong type is a TypeError naming the type; a value of the
right type out of range is a ValueError."""

from __future__ import annotations

import math
import numbers
import random
import sys
from collections.abc import Sequence
from typing import Any

from .errors import describe_operands, is_node


def is_real(x: Any) -> bool:
    """A real number (int, float, numpy scalar...): not a bool, a complex or a Value."""
    return type(x) is float or type(x) is int or (
        isinstance(x, numbers.Real) and not isinstance(x, bool) and not is_node(x))


def is_integer(x: Any) -> bool:
    """An integer (int, numpy integer...): not a bool."""
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def is_array(x: Any) -> bool:
    """A numpy array. numpy is not imported for the check (an array exists only once numpy
    is loaded), so nn runs where numpy is not installed, as in the browser playground."""
    numpy = sys.modules.get("numpy")
    return numpy is not None and isinstance(x, numpy.ndarray)


def is_sequence(x: Any) -> bool:
    """A list-like of entries (a Sequence or a numpy array), not text."""
    return not isinstance(x, (str, bytes)) and (isinstance(x, Sequence) or is_array(x))


# --- numbers --------------------------------------------------------------------------

def real_as_float(x: Any, what: str) -> float:
    """A real number as a float: a TypeError names anything else (a bool, a str, a
    complex), an OverflowError an int too large for a float."""
    if not is_real(x):
        raise TypeError(f"{what} must be a real number (int or float), "
                        f"got {type(x).__name__}: {x!r}")
    try:
        return float(x)
    except OverflowError:
        raise OverflowError(f"{what} {str(x)[:20]}… ({len(str(x))} digits) is too large "
                            "for a float") from None


def check_finite(x: Any, what: str, values_too: bool = False) -> Any:
    """A finite real number as a float: TypeError for a non-number, ValueError for nan/inf.
    With ``values_too`` a Value passes as it is (an outer transform's variable)."""
    if values_too and is_node(x):
        return x
    if not is_real(x):
        raise TypeError(f"{what} must be a real number, got {type(x).__name__}: {x!r}")
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"{what} must be finite, got {x!r}")
    return x


def check_finites(xs: Any, what: str, length: int | None = None, values_too: bool = False
                  ) -> tuple[Any, ...]:
    """A tuple (or list) of finite numbers (and Values, with ``values_too``), of
    ``length`` entries when given."""
    if not isinstance(xs, (tuple, list)):
        raise TypeError(f"{what} must be a tuple of numbers, got {type(xs).__name__}: {xs!r}")
    if length is not None and len(xs) != length:
        raise ValueError(f"{what} has {len(xs)} entries, expected {length}")
    return tuple(check_finite(x, f"{what}[{i}]", values_too) for i, x in enumerate(xs))


def check_loss_value(value: Any, loss: Any) -> Any:
    """What a loss function returned: it must be a Value (the batch's loss, built from the
    model's outputs), or training would fail inside or, compiled, learn nothing."""
    if not (is_node(value) and hasattr(value, "backward")):
        name = getattr(loss, "__qualname__", None) or repr(loss)
        raise TypeError(f"the loss function {name} must return a Value (the batch's loss, "
                        f"computed from the model's outputs), got {type(value).__name__}: "
                        f"{value!r:.80}")
    return value


def check_int(x: Any, name: str, minimum: int) -> int:
    """``x`` as an int >= ``minimum`` (bool is not an int here)."""
    if not is_integer(x):
        raise TypeError(f"{name} must be an integer, got {type(x).__name__}: {x!r}")
    if x < minimum:
        kind = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {kind}, got {x!r}")
    return int(x)


def check_precision(x: Any, name: str = "precision") -> int:
    """``x`` as a number of significant digits to show: an int from 1 to 17 (17 digits
    tell every float apart)."""
    if not is_integer(x) or not 1 <= x <= 17:
        raise ValueError(f"{name} must be an int from 1 to 17, got {x!r}")
    return int(x)


def check_nonnegative(x: Any, name: str) -> float:
    """``x`` as a finite float >= 0."""
    if not is_real(x):
        raise TypeError(f"{name} must be a number, got {type(x).__name__}: {x!r}")
    if not math.isfinite(x) or x < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {x!r}")
    return float(x)


def check_positive(x: Any, name: str) -> float:
    """``x`` as a finite float > 0."""
    if not is_real(x):
        raise TypeError(f"{name} must be a number, got {type(x).__name__}: {x!r}")
    if not math.isfinite(x) or x <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {x!r}")
    return float(x)


# --- seeds ------------------------------------------------------------------------------

def check_seed_gradient(output: Any, grad: Any) -> float:
    """The seed gradient of a backward pass as a float; a TypeError for a non-Value output
    or a non-number."""
    if not hasattr(output, "_op") or not hasattr(output, "backward"):
        raise TypeError(f"backward needs a Value output, got {type(output).__name__}")
    if not is_real(grad) or hasattr(grad, "_op"):
        raise TypeError(f"the seed gradient must be a float, got {type(grad).__name__}")
    return float(grad)


def check_random_seed(x: Any, name: str = "seed") -> int | None:
    """A seed of a random number generator: ``x`` as an int, or None."""
    if x is not None and not is_integer(x):
        raise TypeError(f"{name} must be an integer or None, got {type(x).__name__}: {x!r}")
    return None if x is None else int(x)


def check_rng(x: Any) -> random.Random:
    """``x`` itself if it is a ``random.Random``; a fresh one for None."""
    if x is None:
        return random.Random()
    if not isinstance(x, random.Random):
        raise TypeError(f"rng must be a random.Random or None, got {type(x).__name__}")
    return x


# --- flags and callables ----------------------------------------------------------------

def check_flag(x: Any, name: str) -> bool:
    """``x`` if it is True or False (not 0, 1 or another truthy value)."""
    if not isinstance(x, bool):
        raise TypeError(f"{name} must be True or False, got {type(x).__name__}: {x!r}")
    return x


def check_callable(x: Any, name: str, optional: bool = False) -> Any:
    """``x`` if it can be called (or is None, when ``optional``)."""
    if (x is None and optional) or callable(x):
        return x
    raise TypeError(f"{name} must be callable{' or None' if optional else ''}, "
                    f"got {type(x).__name__}: {x!r}")


# --- operands of the operators ------------------------------------------------------------

def number_operand(x: Any, op: Any, node: Any) -> float:
    """A number operand as a float; an int too large for a float is an OverflowError
    naming the op (not Python's bare "int too large to convert to float")."""
    try:
        return float(x)
    except OverflowError:
        text = str(x)
        shown = text if len(text) <= 24 else f"{text[:12]}…({len(text)} digits)"
        raise OverflowError(f"{op.name}: the number operand {shown} is too large for a float "
                            f"(with operand {describe_operands((node,))})") from None


_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}


def unsupported(name: str, self: Any, other: Any, reflected: bool) -> Any:
    """Let Python try ``other``'s own method, unless it is plainly not a number."""
    if isinstance(other, (str, bytes, complex, list, tuple, dict, set, type(None))) or (
            isinstance(other, numbers.Complex) and not isinstance(other, numbers.Real)):
        left, right = (type(other).__name__, "Value") if reflected else (
            "Value", type(other).__name__)
        raise TypeError(f"unsupported operand type(s) for {_SYMBOLS[name]}: '{left}' and "
                        f"'{right}': a Value combines with Values and real numbers (int, float)")
    return NotImplemented
