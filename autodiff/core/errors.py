"""The engine's errors, and the messages that name the op, the operand and the node's label."""

from __future__ import annotations

import math
from typing import Any

PARTLY_ADDED = ("backward() stopped there, so this call's gradients are partly added: "
                "call zero_grad(output) before using or retrying them")


class DomainError(ValueError):
    """An operand outside an op's domain, e.g. ``log(0)`` or ``sqrt(-1)``."""

    #: ``(node, the rule's own error)`` when a derivative rule failed (set by rule_error)
    failed_rule: tuple[Any, Exception] | None = None


class GradientOverflowError(OverflowError):
    """A gradient became inf or nan although only finite numbers went into it."""


def is_node(x: Any) -> bool:
    """A Value (or a node like one: it has ``data`` and ``grad``), not a number."""
    return hasattr(x, "data") and hasattr(x, "grad")


def describe_operands(operands: tuple[Any, ...]) -> str:
    """Operands for an error message: a Value's number and label, a constant's number."""
    return ", ".join(
        (f"{v.data!r} (node {v.label!r})" if v.label else f"{v.data!r} (unlabelled node)")
        if is_node(v) else repr(v) for v in operands)


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


def rule_error(node: Any, exc: Exception, in_backward: bool = True) -> DomainError:
    """A derivative rule failed (log of 0 in pow's rule, 1/(2·0) in sqrt's...)."""
    op = node._op
    failed = getattr(exc, "failed_rule", None)
    if failed is not None and failed[0] is node:  # made here already: say it once
        exc = failed[1]
    partly = f". {PARTLY_ADDED}" if in_backward else ""
    error = DomainError(f"{op.name}: the derivative is undefined or infinite at operand "
                        f"{describe_operands(node.operands)}{describe_node(node)}: "
                        f"{exc or type(exc).__name__}{partly}")
    error.failed_rule = (node, exc)
    return error


def infinite_partial_error(node: Any, operand: Any, local: float) -> GradientOverflowError:
    """A local derivative is inf or nan at finite operands (1/u at a subnormal u...)."""
    return GradientOverflowError(
        f"{node._op.name}: the derivative with respect to operand "
        f"{describe_operands((operand,))} is {local!r} at operands "
        f"{describe_operands(node.operands)}{describe_node(node)}: an infinite local "
        "derivative is an error in every mode, whatever the gradient or tangent it meets")


def all_finite(node: Any) -> bool:
    """Are the node's value and all of its operands finite numbers?"""
    return _finite(node.data) and all(_finite(v.data if is_node(v) else v)
                                      for v in node.operands)


def _finite(x: Any) -> bool:
    return type(x) is not float or math.isfinite(x)


def check_contribution(node: Any, operand: Any, g: float, before: Any,
                       in_backward: bool = True) -> None:
    """A sum of gradients became inf or nan: an error only if every number that went into
    it was finite (the upstream gradient, the node's value and operands, and the sum so
    far ``before``). Infinities and NaNs the user put in follow IEEE arithmetic."""
    operands = node.operands
    if _finite(before) and _finite(g) and _finite(node.data) and all(
            _finite(v.data if is_node(v) else v) for v in operands):
        raise GradientOverflowError(
            f"{node._op.name}: the gradient sent to operand {describe_operands((operand,))} "
            f"overflows a float (at the {node._op.name}{describe_node(node)}: upstream "
            f"gradient {g!r}, operands {describe_operands(operands)})"
            + (f". {PARTLY_ADDED}" if in_backward else ""))
