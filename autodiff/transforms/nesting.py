"""How transforms nest: which transforms are running now, and the fresh inputs they use.

Every transform (``grad``, ``value_and_grad``, ``jvp``, ``vjp``, ``jacobian``, ``hvp``)
calls ``f`` inside :func:`evaluating`, so a transform called from inside ``f`` knows it is
nested. A nested transform returns differentiable Values instead of floats (built with the
op table's rules on Values), so the outer transform sees how the inner result depends on
its own variables. Each transform differentiates with respect to fresh nodes of its own
(:func:`fresh_input`), never the outer Values themselves, so two levels are never confused
(Siskind and Pearlmutter's "perturbation confusion").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..core import tape as _tape
from ..core.value import Value


def is_nested(*groups: Any) -> bool:
    """Must a transform return Values? Yes inside another transform's ``f``, or when any
    argument (in ``groups``: numbers, Values or sequences of them) is a Value."""
    if _tape.transforms_running.get():
        return True
    for group in groups:
        items = group if isinstance(group, (tuple, list)) else (group,)
        if any(isinstance(x, Value) for x in items):
            return True
    return False


TRACING = "compile_grad"  # compiles one trace of f: a transform inside f is refused


@contextmanager
def evaluating(who: str) -> Iterator[None]:
    """Run ``f`` for transform ``who``: recording (even under ``no_grad()``), and marked
    as inside ``who`` for the transforms ``f`` calls."""
    stack = _tape.transforms_running.get()
    if stack and stack[-1] == TRACING and who != TRACING:
        raise TypeError(
            f"compile_grad: f calls {who} inside, and compile_grad cannot compile a "
            f"transform within its trace. Compile the derivative itself instead: take "
            f"autodiff.gradients(out, [x], create_graph=True) inside f (its result is a "
            f"Value that the trace records), or call {who} on the compiled function's "
            f"eager twin.")
    token = _tape.transforms_running.set((*stack, who))
    try:
        with _tape.enable_grad():
            yield
    finally:
        _tape.transforms_running.reset(token)


@contextmanager
def outside() -> Iterator[None]:
    """Run engine code that is not part of any ``f`` (a compiled function's replay)."""
    token = _tape.transforms_running.set(())
    try:
        yield
    finally:
        _tape.transforms_running.reset(token)


def refuse_floats_inside(who: str) -> None:
    """``who`` would return floats inside a transform's ``f``: refuse, naming the nesting."""
    stack = _tape.transforms_running.get()
    if stack and stack[-1] != TRACING:
        raise ValueError(
            f"{who} inside {stack[-1]}'s f: its floats would drop how the result depends "
            f"on {stack[-1]}'s variable, giving a wrong derivative silently. Inside f, use "
            f"the transforms (grad, jvp, ...), which return Values there, or "
            f"gradients(out, inputs, create_graph=True).")


def fresh_input(x: Any, label: str = "") -> Value:
    """The node a transform differentiates with respect to: a new leaf for a number, a new
    node ``x + 0`` on top of an outer transform's Value (so its derivatives are taken with
    respect to this node only, and still depend on the outer variable)."""
    with _tape.enable_grad():
        node = x + 0.0 if isinstance(x, Value) else Value(float(x))
    node.label = label
    return node


def as_value(x: Any) -> Value:
    """A result of a nested transform as a Value (a constant 0 becomes ``Value(0.0)``)."""
    if isinstance(x, Value):
        if x.data != 0.0:
            return x
        with _tape.enable_grad():  # a sum starts at +0.0: −0.0 shows as 0.0
            return x + 0.0
    return Value(float(x) + 0.0)
