"""The engine's errors, and the messages that name the op, the operand and the node's label."""

from __future__ import annotations

import math
import numbers
from typing import Any

PARTLY_ADDED = ("backward() stopped there, so this call's gradients are partly added: "
                "call zero_grad(output) before using or retrying them")


class DomainError(ValueError):
    """An operand outside an op's domain, e.g. ``log(0)`` or ``sqrt(-1)``."""


class GradientOverflowError(OverflowError):
    """A gradient became inf or nan although only finite numbers went into it."""


def _is_node(x: Any) -> bool:
    return hasattr(x, "data") and hasattr(x, "grad")


def describe_operands(operands: tuple[Any, ...]) -> str:
    """Operands for an error message: a Value's number and label, a constant's number."""
    return ", ".join(
        (f"{v.data!r} (node {v.label!r})" if v.label else f"{v.data!r} (unlabelled node)")
        if _is_node(v) else repr(v) for v in operands)


def describe_node(node: Any) -> str:
    """`` of node 'label'`` for an error message, or nothing for an unlabelled node."""
    return f" of node {node.label!r}" if node.label else ""


def op_error(op: Any, operands: tuple[Any, ...], exc: Exception) -> Exception:
    """The error for a failed forward: names the op, the operand(s) and their labels."""
    shown = describe_operands(operands)
    reason = str(exc) or type(exc).__name__
    if isinstance(exc, OverflowError):
        return OverflowError(f"{op.name}: result overflows a float for operand {shown}: {reason}")
    domain = f" (domain: {op.domain})" if op.domain else ""
    return DomainError(f"{op.name}: operand {shown} is outside its domain{domain}: {reason}")


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


def is_number(x: Any) -> bool:
    """A real number that can be a constant operand (bool, complex and Values are not)."""
    return type(x) is int or (isinstance(x, numbers.Real) and not isinstance(x, bool)
                              and not _is_node(x))


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


def rule_error(node: Any, exc: Exception, in_backward: bool = True) -> DomainError:
    """A derivative rule failed (log of 0 in pow's rule, 1/(2·0) in sqrt's...)."""
    op = node._op
    partly = f". {PARTLY_ADDED}" if in_backward else ""
    return DomainError(f"{op.name}: the derivative is undefined or infinite at operand "
                       f"{describe_operands(operands_of(node))}{describe_node(node)}: "
                       f"{exc or type(exc).__name__}{partly}")


def infinite_partial_error(node: Any, operand: Any, local: float) -> GradientOverflowError:
    """A local derivative is inf or nan at finite operands (1/u at a subnormal u...)."""
    return GradientOverflowError(
        f"{node._op.name}: the derivative with respect to operand "
        f"{describe_operands((operand,))} is {local!r} at operands "
        f"{describe_operands(operands_of(node))}{describe_node(node)}: an infinite local "
        "derivative is an error in every mode, whatever the gradient or tangent it meets")


def all_finite(node: Any) -> bool:
    """Are the node's value and all of its operands finite numbers?"""
    return _finite(node.data) and all(_finite(v.data if _is_node(v) else v)
                                      for v in operands_of(node))


def operands_of(node: Any) -> tuple[Any, ...]:
    """All operands of an op node in order (Values and constants)."""
    return (node._a,) if node._b is None else (node._a, node._b)


def _finite(x: Any) -> bool:
    return type(x) is not float or math.isfinite(x)


def check_contribution(node: Any, operand: Any, g: float, before: Any,
                       in_backward: bool = True) -> None:
    """A sum of gradients became inf or nan: an error only if every number that went into
    it was finite (the upstream gradient, the node's value and operands, and the sum so
    far ``before``). Infinities and NaNs the user put in follow IEEE arithmetic."""
    operands = operands_of(node)
    if _finite(before) and _finite(g) and _finite(node.data) and all(
            _finite(v.data if _is_node(v) else v) for v in operands):
        raise GradientOverflowError(
            f"{node._op.name}: the gradient sent to operand {describe_operands((operand,))} "
            f"overflows a float (at the {node._op.name}{describe_node(node)}: upstream "
            f"gradient {g!r}, operands {describe_operands(operands)})"
            + (f". {PARTLY_ADDED}" if in_backward else ""))
