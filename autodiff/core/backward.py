"""The backward pass: the graph in creation order, and the chain rule applied along it.

Read this after ``value.py`` and ``operators.py``. Every pass over a graph uses one order:
op nodes in decreasing creation index, each sending its gradient to its operands through
its op's generated step. So a node's gradient is summed over its uses in the same order
by ``backward()``, ``gradients()``, ``explain``, ``compile_grad`` and the drawings, and
they agree bit for bit. A gradient starts at +0.0 and each contribution is added to it
(so a gradient that sums to zero is +0.0), and a node whose gradient is 0 sends nothing.

``backward()`` adds exactly this call's contribution to every ``.grad``: nodes that hold a
gradient already (set by the user, or left by another pass) are set to 0 for the pass and
get their old gradient added back at the end, ``old + this call's sum``. Calls are
serialized by a lock, so concurrent calls on graphs that share nodes give the sums of some
sequential order.
"""

from __future__ import annotations

import math
import numbers
import threading
from collections.abc import Callable, Iterable
from itertools import chain
from operator import attrgetter
from typing import Any

from . import tape as _tape
from .errors import GradientOverflowError, all_finite, infinite_partial_error, rule_error
from .operators import STEPS
from .ops import FLOAT_MATH, SINGULAR_OPS

_LOCK = threading.Lock()
_passes = 0  # backward() calls begun, in any thread
_index_of = attrgetter("_index")


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


def topological_order(output: Any) -> list[Any]:
    """Every node reachable from ``output``, each listed after all of its parents: the
    creation order, which every pass over a graph follows."""
    return creation_order(output)


def backward_order(output: Any) -> list[Any]:
    """The op nodes of ``output``'s graph in the order the backward pass sends their
    gradients (newest first)."""
    return [node for node in reversed(creation_order(output)) if node._op is not None]


def check_seed(output: Any, grad: Any) -> float:
    """The seed gradient as a float; a TypeError for a non-Value output or a non-number."""
    if not hasattr(output, "_op") or not hasattr(output, "backward"):
        raise TypeError(f"backward needs a Value output, got {type(output).__name__}")
    if isinstance(grad, bool) or not isinstance(grad, numbers.Real) or hasattr(grad, "_op"):
        raise TypeError(f"the seed gradient must be a float, got {type(grad).__name__}")
    return float(grad)


def _holds_gradients(nodes: list[Any]) -> bool:
    """Does any node hold a gradient already? (A plain loop: the fastest way here. A Value
    held as a gradient compares unequal to 0.0, as NaN does.)"""
    for node in nodes:  # noqa: SIM110 (a generator in any() is 1.5× slower)
        if node.grad != 0.0:
            return True
    return False


def backward(output: Any, grad: float = 1.0) -> None:
    """Add d output / d node (times ``grad``) to ``.grad`` of every node reachable from output.

    Gradients accumulate across calls, as in PyTorch; ``zero_grad(output)`` resets them.
    """
    global _passes
    seed = grad if type(grad) is float and hasattr(output, "_tape") else check_seed(output, grad)
    with _LOCK:
        _passes += 1
        tape = _tape.current_or_none()
        if tape is not None and (output._tape is tape or tape.overflowed):
            pure = tape.pure and output._op is not None
            # The next graph starts on a fresh tape; one with more room if this graph
            # outgrew the tape (a big batch: the next one will be as big).
            grown = min(2 * tape.capacity, _tape.MAX_CAPACITY) if tape.overflowed else None
            nodes, leaves = _tape.retire(tape, grown)
        else:
            pure = False
        if pure:
            # Every op node of this graph is on the tape in creation order, and every leaf
            # its ops used is in its leaves: walk the tape backwards from the output.
            end = len(nodes) if nodes[-1] is output else nodes.index(output) + 1
            walk = nodes if end == len(nodes) else nodes[:end]
            if _holds_gradients(walk) or _holds_gradients(leaves):
                _propagate_exactly(output, seed, walk, chain(walk, leaves))
            else:
                output.grad += seed
                _propagate(reversed(walk), output)
            return
        order = creation_order(output)
        _propagate_exactly(output, seed, [n for n in order if n._op is not None], order,
                           every_node_leads=True)


def _propagate_exactly(output: Any, seed: float, walk: list[Any], touched: Iterable[Any],
                       every_node_leads: bool = False) -> None:
    """The pass with every node of ``touched`` set to 0 first and its old gradient added
    back after: each ``.grad`` becomes ``old + this call's sum``."""
    held = {}
    for node in touched:
        old = node.grad
        if old != 0.0:
            held[id(node)] = (node, old)
            node.grad = 0.0
    output.grad += seed
    try:
        _propagate(reversed(walk), None if every_node_leads else output)
    finally:
        for node, old in held.values():
            node.grad = old + node.grad


def _propagate(nodes: Iterable[Any], output: Any = None) -> None:
    """The chain rule on floats: send each node's ``.grad`` on to its operands' ``.grad``.

    ``nodes`` are op nodes, newest first. Each op's step is in
    :mod:`autodiff.core.operators`, generated from its rules. A node whose gradient is 0
    sends nothing, which also skips nodes of the tape that the output does not depend on;
    but a node of ``output``'s graph (every node, when ``output`` is None) still has its
    local derivatives checked where they can be infinite (:func:`check_at_zero_gradient`).
    """
    steps = STEPS
    graph = None  # the ids of output's graph, collected at the first zero-gradient check
    for node in nodes:
        g = node.grad
        if g == 0.0:
            if node._op.name in SINGULAR_OPS:
                if output is not None and graph is None:
                    graph = {id(n) for n in creation_order(output)}
                if graph is None or id(node) in graph:
                    check_at_zero_gradient(node)
            continue
        try:
            steps[node._op](node, g)
        except GradientOverflowError:
            raise
        except (ArithmeticError, ValueError) as exc:
            raise rule_error(node, exc) from None


def checked_local(node: Any, position: int, evaluate: Callable[[], Any],
                  in_backward: bool = False) -> Any:
    """``evaluate()``, the local derivative ∂node/∂(operand ``position``), under the
    edge-point rule that every mode follows: a rule that fails (1/(2·0) in sqrt's) raises
    DomainError, one that is inf or nan at finite operands (1/u at a subnormal u) raises
    GradientOverflowError, whatever the gradient or tangent it would multiply."""
    try:
        local = evaluate()
    except OverflowError:
        raise infinite_partial_error(node, node.operands[position], math.inf) from None
    except (ArithmeticError, ValueError) as exc:
        raise rule_error(node, exc, in_backward) from None
    x = local.data if hasattr(local, "_op") else local
    if x - x != 0.0 and all_finite(node):
        raise infinite_partial_error(node, node.operands[position], x)
    return local


def check_at_zero_gradient(node: Any, leads: Any = None, in_backward: bool = True) -> None:
    """The edge-point rule where a pass sends nothing (a zero gradient): the rules of an
    op that can be infinite (``SINGULAR_OPS``) are evaluated anyway, on the edges to
    operands in ``leads`` (every Value operand when None), and an infinite one raises."""
    op = node._op
    if op.name not in SINGULAR_OPS:
        return
    operands = node.operands
    numbers_in = [x if type(x) is float else x.data for x in operands]
    for position, operand in enumerate(operands):
        if type(operand) is not float and (leads is None or id(operand) in leads):
            rule = op.partials[position]
            checked_local(node, position, lambda r=rule: r(FLOAT_MATH, *numbers_in, node.data),
                          in_backward)


def backward_passes() -> int:
    """How many ``backward()`` calls have begun so far, in any thread: compare two counts
    to tell whether a backward pass came in between (``nn`` does, for ``deltas()``)."""
    return _passes


def zero_grad(output: Any) -> None:
    """Set ``.grad`` to 0 on every node reachable from ``output``."""
    for node in creation_order(output):
        node.grad = 0.0
