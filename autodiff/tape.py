"""Recording state: the tape of op nodes in creation order, and `no_grad`.

Creation order is already a topological order (a node is made after its operands), so
``backward()`` on the newest graph walks the tape backwards instead of sorting the
graph. The tape is an optimisation only: a graph that is not wholly on the current tape
(older, or mixed with nodes from before the last ``backward()``) is sorted with an
explicit stack instead, with the same results.

The tape is dropped at the next ``backward()`` on it (a fresh one starts). Until then it
must not keep dead graphs alive: each time it fills up (``CAPACITY`` nodes at first) it
lets go of the nodes that nothing but the tape refers to any more, and fills up next at
twice what remains live, so the dead nodes it holds stay fewer than the live ones (or
than ``CAPACITY``). Graphs built under ``no_grad()`` record nothing at all.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

CAPACITY = 1 << 16  # nodes on a tape before it first looks for dead ones to let go


class Tape:
    """Op nodes in creation order. ``pure`` is False once a node on it has an operand
    from an older tape (then the fast backward cannot see that part of the graph)."""

    __slots__ = ("nodes", "pure", "recording", "limit")

    def __init__(self, recording: bool = True) -> None:
        self.nodes: list = []
        self.pure = True
        self.recording = recording
        # Recording leaves its fast path once len(nodes) reaches limit: then the tape
        # makes room (see make_room); a tape that does not record is always "full".
        self.limit = CAPACITY if recording else 0


NOT_RECORDING = Tape(recording=False)
_current: ContextVar[Tape | None] = ContextVar("autodiff_tape", default=None)
current_or_none = _current.get


def current() -> Tape:
    """This context's tape (made on first use, so threads and tasks get their own)."""
    tape = _current.get()
    if tape is None:
        tape = Tape()
        _current.set(tape)
    return tape


def retire(tape: Tape) -> list:
    """Start a fresh tape if ``tape`` is the current one; return ``tape``'s nodes."""
    nodes = tape.nodes
    tape.nodes = []
    tape.pure = False  # a retired tape is never walked again
    if _current.get() is tape:
        _current.set(Tape())
    return nodes


def _unreferenced_count() -> int | None:
    """What ``sys.getrefcount`` says, in make_room's loop, of a node nothing else holds.

    Measured rather than assumed (2 on CPython 3.11: the loop variable and the call's
    argument); None where reference counts are not available or not exact.
    """
    if not hasattr(sys, "getrefcount"):
        return None
    items = [object()]
    count = None
    for i in range(len(items) - 1, -1, -1):
        item = items[i]
        items[i] = None
        count = sys.getrefcount(item)
    return count if count is not None and count > 0 else None


_UNREFERENCED = _unreferenced_count()


def make_room(tape: Tape) -> None:
    """Drop the nodes that only the tape still refers to, and set when to look next.

    Walks newest first, so that letting go of a dead node (which frees it and its
    references to its operands) exposes its dead operands further down the tape.
    """
    if _UNREFERENCED is None:  # no exact reference counts here: start afresh instead
        retire(tape)
        return
    nodes = tape.nodes
    live = []
    for i in range(len(nodes) - 1, -1, -1):
        node = nodes[i]
        nodes[i] = None
        # Referenced by more than this loop: still in use.
        if sys.getrefcount(node) > _UNREFERENCED:
            live.append(node)
    node = None
    live.reverse()
    tape.nodes = live
    # Look again when the tape has doubled what is live now (never sooner than CAPACITY):
    # dead nodes held in between stay fewer than the live ones.
    tape.limit = max(CAPACITY, 2 * len(live))


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this context, operations make plain leaf Values and record no graph."""
    token = _current.set(NOT_RECORDING)
    try:
        yield
    finally:
        _current.reset(token)


@contextmanager
def enable_grad() -> Iterator[None]:
    """Record operations here even inside ``no_grad`` (a no-op where already recording)."""
    if current().recording:
        yield
        return
    tape = Tape()
    token = _current.set(tape)
    try:
        yield
    finally:
        _current.reset(token)
        retire(tape)  # its nodes stay valid; backward() sorts them instead
