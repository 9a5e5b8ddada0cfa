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

import threading
from collections.abc import Iterable
from itertools import chain
from typing import Any

from . import tape as _tape
from .checks import check_seed_gradient
from .errors import GradientOverflowError, rule_error
from .graph import check_at_zero_gradient, creation_order
from .operators import STEPS
from .ops import SINGULAR_OPS

_LOCK = threading.Lock()
_passes = 0  # backward() calls begun, in any thread


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
    running = _tape.transforms_running.get()
    if running:
        raise RuntimeError(
            f"backward() inside {running[-1]}'s f: the .grad floats it leaves would drop how "
            f"they depend on {running[-1]}'s variable, giving a wrong derivative silently. "
            "Use autodiff.grad or gradients(out, inputs, create_graph=True) inside f.")
    seed = grad if type(grad) is float and hasattr(output, "_tape") else (
        check_seed_gradient(output, grad))
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


def backward_passes() -> int:
    """How many ``backward()`` calls have begun so far, in any thread: compare two counts
    to tell whether a backward pass came in between (``nn`` does, for ``deltas()``)."""
    return _passes


def zero_grad(output: Any) -> None:
    """Set ``.grad`` to 0 on every node reachable from ``output``."""
    for node in creation_order(output):
        node.grad = 0.0
