"""Reverse-mode passes over a graph: topological order, backward, gradients, no_grad."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from types import SimpleNamespace
from typing import Any

from . import tape as _tape
from .ops import FLOAT_MATH, UNARY, DomainError, _log, _pow
from .specialize import compile_steps
from .value import Value, describe_node, describe_operands


def topological_order(output: Value) -> list[Value]:
    """Every node reachable from ``output``, each listed after all of its parents.

    An explicit stack, not recursion: a chain of a million nodes is fine.
    """
    order: list[Value] = []
    seen: set[int] = set()
    stack: list[Any] = [output]
    push, pop, append, mark = stack.append, stack.pop, order.append, seen.add
    while stack:
        node = pop()
        if type(node) is tuple:  # all parents of node[0] are done
            append(node[0])
            continue
        if id(node) in seen:
            continue
        mark(id(node))
        push((node,))
        a = node._a
        if type(a) is Value and id(a) not in seen:
            push(a)
        b = node._b
        if type(b) is Value and id(b) not in seen:
            push(b)
    return order


def _check_seed(output: Any, grad: Any) -> float:
    if not isinstance(output, Value):
        raise TypeError(f"backward needs a Value output, got {type(output).__name__}")
    if isinstance(grad, (Value, bool)) or not isinstance(grad, numbers.Real):
        raise TypeError(f"the seed gradient must be a float, got {type(grad).__name__}")
    return float(grad)


_PARTLY_ADDED = ("backward() stopped there, so this call's gradients are partly added: "
                 "call zero_grad(output) before using or retrying them")


def _rule_error(node: Value, exc: Exception, in_backward: bool = True) -> DomainError:
    op = node._op
    partly = f". {_PARTLY_ADDED}" if in_backward else ""
    return DomainError(f"{op.name}: the derivative is undefined or infinite at operand "
                       f"{describe_operands(node.operands)}{describe_node(node)}: "
                       f"{exc or type(exc).__name__}{partly}")


class GradientOverflowError(OverflowError):
    """A gradient became inf or nan although only finite numbers went into it."""


def _finite(*xs: Any) -> bool:
    return all(type(x) is not float or math.isfinite(x) for x in xs)


def _check_contribution(node: Value, parent: Value, g: float, in_backward: bool = True) -> None:
    """A gradient became inf or nan: an error if only finite numbers went into it.

    (Infinities or NaNs that the user put into the graph follow IEEE arithmetic.)
    """
    if _finite(g, node.data, *(v.data if isinstance(v, Value) else v for v in node.operands)):
        raise GradientOverflowError(
            f"{node._op.name}: the gradient sent to operand {describe_operands((parent,))} "
            f"overflows a float (at the {node._op.name}{describe_node(node)}: upstream "
            f"gradient {g!r}, operands {describe_operands(node.operands)})"
            + (f". {_PARTLY_ADDED}" if in_backward else ""))


def backward(output: Value, grad: float = 1.0) -> None:
    """Add d output / d node (times ``grad``) to ``.grad`` of every node reachable from output.

    Gradients accumulate across calls, as in PyTorch; ``zero_grad(output)`` resets them.
    Each call propagates only its own contribution, so intermediate nodes stay exact too.
    """
    seed = grad if type(grad) is float and type(output) is Value else _check_seed(output, grad)
    tape = _tape.current_or_none()
    if output._tape is tape and tape is not None:
        pure = tape.pure
        nodes = _tape.retire(tape)  # the next graph starts on a fresh tape
        if pure:
            # Every node of this graph is on the tape, in creation (= topological) order,
            # and none of them holds a gradient yet: walk it backwards from the output.
            end = len(nodes) - 1 if nodes[-1] is output else nodes.index(output)
            output.grad += seed
            _propagate(reversed(nodes[:end + 1]))
            return
    order = topological_order(output)
    if tape is not None and tape.pure and any(node._tape is tape for node in order):
        tape.pure = False  # those nodes now hold gradients: the tape walk would resend them
    previous = [node.grad for node in order]
    carried = any(previous)
    if carried:  # a second backward: propagate only this call's contribution
        for node in order:
            node.grad = 0.0
    output.grad += seed
    try:
        _propagate(reversed(order))
    finally:
        if carried:
            for node, old in zip(order, previous, strict=True):
                node.grad += old


def _propagate(nodes: Iterable[Value]) -> None:
    """The chain rule on floats: send each node's ``.grad`` on to its operands' ``.grad``.

    ``nodes`` must come children first. Each op's step is the code that
    :mod:`autodiff.specialize` wrote from its rules. A node whose gradient is 0 sends
    nothing, which also skips nodes of the tape that the output does not depend on.
    """
    steps = _STEPS
    for node in nodes:
        g = node.grad
        if g == 0.0:
            continue
        op = node._op
        if op is None:
            continue
        try:
            steps[op](node, g)
        except GradientOverflowError:
            raise
        except (ArithmeticError, ValueError) as exc:
            raise _rule_error(node, exc) from None


_STEPS = compile_steps(_check_contribution)


def zero_grad(output: Value) -> None:
    """Set ``.grad`` to 0 on every node reachable from ``output``."""
    for node in topological_order(output):
        node.grad = 0.0


# --- the rules run on Values: differentiable gradients -------------------------------

def _value_or_float(method: str, on_float: Any) -> Any:
    def fn(x: Any) -> Any:
        return getattr(x, method)() if isinstance(x, Value) else on_float(x)
    fn.__name__ = method
    return fn


def _data(x: Any) -> float:
    return x.data if isinstance(x, Value) else x


VALUE_MATH = SimpleNamespace(
    exp=_value_or_float("exp", math.exp), log=_value_or_float("log", _log),
    sin=_value_or_float("sin", math.sin), cos=_value_or_float("cos", math.cos),
    # Piecewise-constant factors: their own derivative is 0, so they enter as constants.
    step=lambda a: FLOAT_MATH.step(_data(a)),
    sign=lambda a: FLOAT_MATH.sign(_data(a)),
    scaled_pow=lambda c, a, e: 0.0 if _data(c) == 0 else c * (
        a ** e if isinstance(a, Value) or isinstance(e, Value) else _pow(a, e)),
    xlogy=lambda x, y: 0.0 if _data(x) == 0 else x * VALUE_MATH.log(y),
)


def local_partials(node: Value, m: Any = FLOAT_MATH, differentiable: bool = False
                   ) -> list[tuple[Value, Any]]:
    """``(parent, ∂node/∂parent)`` for each parent edge of ``node``, read off the op table.

    With ``differentiable=True`` the rules run on the Values themselves (``m`` should be
    ``VALUE_MATH``), so the partials are Values whose graph can be differentiated again.
    """
    op = node._op
    if op is None:
        return []
    get = (lambda v: v) if differentiable else _data
    out = get(node)
    if op.kind is UNARY:
        return [(node._a, op.partials[0](m, get(node._a), out))]
    a, b = get(node._a), get(node._b)
    edges = []
    if type(node._a) is Value:
        edges.append((node._a, op.partials[0](m, a, b, out)))
    if type(node._b) is Value:
        edges.append((node._b, op.partials[1](m, a, b, out)))
    return edges


def gradients(output: Value, inputs: Sequence[Value] | Value, create_graph: bool = False
              ) -> tuple[Any, ...]:
    """d output / d input for each input, leaving every ``.grad`` untouched.

    With ``create_graph=True`` the results are Values in a new graph built from the op
    table's rules, so they can be differentiated again (second, third derivatives...).
    An input that ``output`` does not depend on gets 0.
    """
    inputs = (inputs,) if isinstance(inputs, Value) else tuple(inputs)
    for v in inputs:
        if not isinstance(v, Value):
            raise TypeError(f"gradients() inputs must be Values, got {type(v).__name__}")
    if not isinstance(output, Value):
        raise TypeError(f"gradients() needs a Value output, got {type(output).__name__}")
    m = VALUE_MATH if create_graph else FLOAT_MATH
    grads: dict[int, Any] = {id(output): 1.0}
    with (_tape.enable_grad() if create_graph else _tape.no_grad()):
        for node in reversed(topological_order(output)):
            g = grads.get(id(node))
            if g is None or node._op is None or (type(g) is float and g == 0.0):
                continue  # as in backward(): a zero gradient sends nothing
            try:
                edges = local_partials(node, m, create_graph)
            except (ArithmeticError, ValueError) as exc:
                raise _rule_error(node, exc, in_backward=False) from None
            for parent, partial in edges:
                contribution = g * partial
                key = id(parent)
                previous = grads.get(key)
                total = contribution if previous is None else previous + contribution
                grads[key] = total
                if type(total) is float and total - total != 0.0:
                    _check_contribution(node, parent, g, in_backward=False)
    zero = Value(0.0) if create_graph else 0.0
    results = []
    for v in inputs:
        g = grads.get(id(v), zero)
        if create_graph and not isinstance(g, Value):
            g = Value(g)
        results.append(g)
    return tuple(results)

