"""The backward pass: one reverse sweep, which every pass over a graph runs, and `backward`.

Read this after ``operators.py``. :func:`reverse_sweep` is the chain rule, once: op nodes
newest first (decreasing creation index, see :mod:`autodiff.core.graph`), each sending its
gradient ``g`` on to its operands through its op's step. Every pass is a reader of it:
``backward()`` with the generated steps on ``.grad``; :func:`autodiff.gradients` (both
kinds), :func:`autodiff.explain` (and so the drawings and step-through frames) and
``compile_grad``'s generated reverse code with steps of their own, each keeping its
gradients in a dict. So a node's gradient is summed over its uses in the same order
everywhere, bit for bit. A gradient starts at +0.0 and each contribution is added to it
(so a gradient that sums to zero is +0.0), and a node whose gradient is 0 sends nothing:
the one line of the sweep that says so is the rule for such a node in every pass.

``backward()`` adds exactly this call's contribution to every ``.grad``: nodes that hold a
gradient already (set by the user, or left by another pass) are set to 0 for the pass and
get their old gradient added back at the end, ``old + this call's sum``. Calls are
serialized by a lock, so concurrent calls on graphs that share nodes give the sums of some
sequential order.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from itertools import chain
from typing import Any

from . import pause as _pause
from . import tape as _tape
from .checks import check_seed_gradient
from .errors import GradientOverflowError, rule_error
from .graph import check_at_zero_gradient, creation_order
from .operators import STEPS
from .ops import can_be_infinite

NodeStep = Callable[[Any, Any], None]  # step(node, g): send g × each local derivative on


def reverse_sweep(nodes: Iterable[Any], steps: Mapping[Any, NodeStep],
                  gradients: Mapping[int, Any] | None = None,
                  idle: Callable[[Any, Any], None] | None = None,
                  failed: Callable[[Any, Exception], Exception] | None = None) -> None:
    """The chain rule, for every pass: each op node of ``nodes`` (newest first) sends its
    gradient ``g`` on to its operands with ``steps[node._op](node, g)``.

    ``g`` is ``node.grad``, or ``gradients[id(node)]`` (0 if missing) when the reader
    keeps its own. A node whose gradient is 0 sends nothing (``idle(node, g)`` is told).
    A step that fails (a rule undefined at its operands) raises ``failed(node, error)``:
    by default the error backward() reports, naming the op, the operand and the label.
    """
    failed = failed or _failed_in_backward
    for node in nodes:
        g = node.grad if gradients is None else gradients.get(id(node), 0.0)
        if g == 0.0:  # the rule at a node whose gradient is 0: it sends nothing
            if idle is not None:
                idle(node, g)
            continue
        try:
            steps[node._op](node, g)  # STEPS maps each op to its step: OP_mul → mul_backward
        except (ArithmeticError, ValueError) as exc:
            raise failed(node, exc) from None


def every_op(step: NodeStep) -> Mapping[Any, NodeStep]:
    """``steps`` for a reader of :func:`reverse_sweep` whose one step serves every op,
    built-in or user-defined (``autodiff.primitive``)."""
    return defaultdict(lambda: step)


def as_raised(node: Any, exc: Exception) -> Exception:
    """For a reader of the sweep whose steps report their own errors: the error as raised."""
    return exc


def _failed_in_backward(node: Any, exc: Exception) -> Exception:
    """An overflowing sum is reported as it is; a failed rule names the op and operand."""
    return exc if isinstance(exc, GradientOverflowError) else rule_error(node, exc)


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
    """Add d output / d node (times ``grad``) to ``.grad`` of every node reachable from output;
    gradients accumulate across calls, as in PyTorch (``zero_grad(output)`` resets them)."""
    global _passes
    _refuse_inside_a_transform()
    seed = grad if type(grad) is float and hasattr(output, "_tape") else (
        check_seed_gradient(output, grad))
    with _LOCK:
        _passes += 1
        tape = _tape.current_or_none()
        pure = False
        if tape is not None and output._tape is tape:
            pure = tape.pure and output._op is not None
            # A fresh tape for the next graph: as big as this one if it paused the collector.
            nodes, leaves = _tape.retire(tape, None if tape.paused else _tape.CAPACITY, False)
        try:
            if pure:
                # Every op node of this graph is on the tape in creation order, and every
                # leaf its ops used is in its leaves: walk the tape backwards from the output.
                end = len(nodes) if nodes[-1] is output else nodes.index(output) + 1
                walk = nodes if end == len(nodes) else nodes[:end]
                if _holds_gradients(walk) or _holds_gradients(leaves):
                    _propagate_exactly(output, seed, walk, chain(walk, leaves))
                else:
                    output.grad += seed
                    reverse_sweep(reversed(walk), STEPS, idle=_checked_at_zero(output))
                return
            order = creation_order(output)
            _propagate_exactly(output, seed, [n for n in order if n._op is not None], order,
                               every_node_leads=True)
        finally:  # the collector comes back, if output's tape paused it (even on an error)
            _pause.end(output._tape)


def _refuse_inside_a_transform() -> None:
    running = _tape.transforms_running.get()
    if running:
        raise RuntimeError(
            f"backward() inside {running[-1]}'s f: the .grad floats it leaves would drop how "
            f"they depend on {running[-1]}'s variable, giving a wrong derivative silently. "
            "Use autodiff.grad or gradients(out, inputs, create_graph=True) inside f.")


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
        reverse_sweep(reversed(walk), STEPS,
                      idle=_checked_at_zero(None if every_node_leads else output))
    finally:
        for node, old in held.values():
            node.grad = old + node.grad


def _checked_at_zero(output: Any) -> Callable[[Any, Any], None]:
    """The sweep's ``idle`` for backward(): a node whose gradient is 0 sends nothing, which
    also skips nodes of the tape that the output does not depend on; but a node of
    ``output``'s graph (every node, when ``output`` is None) still has its local derivatives
    checked where they can be infinite (:func:`check_at_zero_gradient`)."""
    graph: set[int] | None = None  # the ids of output's graph, collected when first needed

    def idle(node: Any, g: Any) -> None:
        nonlocal graph
        if can_be_infinite(node._op):
            if output is not None and graph is None:
                graph = {id(n) for n in creation_order(output)}
            if graph is None or id(node) in graph:
                check_at_zero_gradient(node)
    return idle


def backward_passes() -> int:
    """How many ``backward()`` calls have begun so far, in any thread: compare two counts
    to tell whether a backward pass came in between (``nn`` does, for ``deltas()``)."""
    return _passes


def zero_grad(output: Any) -> None:
    """Set ``.grad`` to 0 on every node reachable from ``output``."""
    for node in creation_order(output):
        node.grad = 0.0
