"""A graph's structure: its nodes in creation order, a node's operands by position, and
its local derivatives read off the op table.

Every pass over a graph uses creation order (a topological order: a node is made after its
operands), so gradients are summed alike, bit for bit, in every pass. A node's operands
are read through :attr:`Value.operands` (Values and constant numbers, in operand order);
only the hot loops (this walk, the generated code, the tape) read the slots ``_a`` and
``_b`` themselves.
"""

from __future__ import annotations

import math
from collections import Counter
from contextvars import ContextVar
from operator import attrgetter
from typing import Any

from .checks import is_real
from .errors import all_finite, infinite_partial_error, rule_error
from .ops import FLOAT_MATH, OPERAND_NAMES, can_be_infinite

_index_of = attrgetter("_index")
# The counters of the count_rules() blocks open in this context (thread or task): each
# evaluation of a rule through local_partial adds one to every one of them.
rule_counters: ContextVar[tuple[Counter[str], ...]] = ContextVar("autodiff_rule_counters",
                                                                 default=())
# The op whose rule runs on Values in this context ("" when none): ``float(value)`` there
# would drop how the derivative depends on the Value (``math.exp(u)`` in a user's rule), so
# Value.__float__ refuses it.
rule_on_values: ContextVar[str] = ContextVar("autodiff_rule_on_values", default="")


class RuleOnValuesError(TypeError):
    """A derivative rule cannot run on Values (it needs floats), so it has no derivative of
    its own: a second derivative through it is refused, never silently 0."""


def float_outside_rules(value: Any) -> float:
    """``float(value)``, refused inside a rule running on Values (see ``rule_on_values``)."""
    running = rule_on_values.get()
    if running:
        raise RuleOnValuesError(
            f"{running}: a derivative rule turned a Value into a float (math.exp(u), "
            "float(u)...), which would make its own derivative silently 0: on Values "
            "(higher order) a rule must use m.exp, m.log, m.sin, m.cos and arithmetic")
    return value.data


def creation_order(*outputs: Any) -> list[Any]:
    """Every node reachable from ``outputs``, oldest first (a topological order: a node is
    made after its operands). An explicit stack, not recursion: a chain of a million
    nodes is fine."""
    seen: set[int] = set()
    nodes: list[Any] = []
    stack: list[Any] = []
    for output in outputs:
        if id(output) not in seen:
            seen.add(id(output))
            nodes.append(output)
            stack.append(output)
    push, pop, append, mark = stack.append, stack.pop, nodes.append, seen.add
    while stack:
        node = pop()
        a = node._a
        if a is not None and type(a) is not float and id(a) not in seen:
            mark(id(a))
            append(a)
            push(a)
        b = node._b
        if b is not None and type(b) is not float and id(b) not in seen:
            mark(id(b))
            append(b)
            push(b)
    nodes.sort(key=_index_of)
    return nodes


def backward_order(output: Any) -> list[Any]:
    """The op nodes of ``output``'s graph in the order the backward pass sends their
    gradients (newest first)."""
    return [node for node in reversed(creation_order(output)) if node._op is not None]


def value_operands(node: Any) -> list[tuple[int, Any]]:
    """``(operand position, Value)`` for each Value operand of ``node``, in order (a
    constant operand is not listed); ``OPERAND_NAMES[position]`` names it."""
    return [(i, v) for i, v in enumerate(node.operands) if type(v) is not float]


def local_partial(node: Any, position: int, m: Any = FLOAT_MATH,
                  differentiable: bool = False) -> Any:
    """∂node/∂(operand ``position``), read off the op table; with ``differentiable=True``
    the rule runs on the Values themselves (``m`` should be ``VALUE_MATH``). A rule that is
    undefined there raises the engine's error naming the op, the operand and the label."""
    op = node._op
    operands = node.operands if differentiable else [
        x if type(x) is float else x.data for x in node.operands]
    for counter in rule_counters.get():
        counter[op.name] += 1
    token = rule_on_values.set(op.name) if differentiable else None
    try:
        return op.partials[position](m, *operands, node if differentiable else node.data)
    except (ArithmeticError, ValueError) as exc:
        raise rule_error(node, exc, in_backward=False) from None
    except RuleOnValuesError:
        raise
    except TypeError as exc:
        if token is None:
            raise
        raise RuleOnValuesError(  # a user's rule that branches on its operands, say
            f"{op.name}: the rule for ∂out/∂{OPERAND_NAMES[position]} cannot run on Values "
            f"({exc}), and a second derivative (create_graph=True, hvp, gradcheck with "
            "order=2) runs it on Values: write it with m.exp, m.log, m.sin, m.cos, m.step, "
            "m.sign and arithmetic") from exc
    finally:
        if token is not None:
            rule_on_values.reset(token)


def local_partials(node: Any, m: Any = FLOAT_MATH, differentiable: bool = False
                   ) -> list[tuple[Any, Any]]:
    """``(parent, ∂node/∂parent)`` for each parent edge of ``node``, read off the op table."""
    return [(parent, local_partial(node, i, m, differentiable))
            for i, parent in value_operands(node)]


def checked_partial(node: Any, position: int, m: Any = FLOAT_MATH,
                    differentiable: bool = False, in_backward: bool = False) -> Any:
    """:func:`local_partial` under the edge-point rule that every mode follows: a rule
    that fails (1/(2·0) in sqrt's) raises DomainError, one that is inf or nan at finite
    operands (1/u at a subnormal u) raises GradientOverflowError, whatever the gradient
    or tangent it would multiply (even 0)."""
    try:
        local = local_partial(node, position, m, differentiable)
    except OverflowError:
        raise infinite_partial_error(node, node.operands[position], math.inf) from None
    except (ArithmeticError, ValueError) as exc:
        raise rule_error(node, exc, in_backward) from None
    x = local.data if differentiable and hasattr(local, "_op") else local
    if type(x) is not float and not is_real(x):  # a user's rule (autodiff.primitive)
        raise TypeError(f"{node._op.name}: the rule for ∂out/∂{OPERAND_NAMES[position]} "
                        f"returned {type(x).__name__} {x!r}, not a real number")
    if x - x != 0.0 and all_finite(node):
        raise infinite_partial_error(node, node.operands[position], x)
    return local


def check_at_zero_gradient(node: Any, leads: Any = None, in_backward: bool = True) -> None:
    """The edge-point rule where a pass sends nothing (a zero gradient): the rules of an
    op that can be infinite (:func:`can_be_infinite`) are evaluated anyway, on the edges to
    operands in ``leads`` (every Value operand when None), and an infinite one raises."""
    if can_be_infinite(node._op):
        for position, operand in value_operands(node):
            if leads is None or id(operand) in leads:
                checked_partial(node, position, in_backward=in_backward)
