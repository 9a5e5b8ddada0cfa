"""Recording state: creation indices, the tape of op nodes in creation order, and `no_grad`.

Every Value gets a creation index from one counter (``creation_counter``), so creation order is
a topological order (a node is made after its operands) that every pass over a graph can
use: ``backward()``, ``gradients()``, ``explain``, ``compile_grad`` and the drawings all
send gradients in decreasing creation index, so their sums round alike, bit for bit.

The tape is only a cache of that order. ``backward()`` on the newest graph of the current
context walks the tape backwards instead of collecting and sorting the graph (about 4×
less work per node). A graph that is not wholly on the current tape (built in another
thread or context, under ``enable_grad()`` in ``no_grad()``, or from nodes made before
the last ``backward()``) is collected and sorted instead, with the same results. A leaf
joins the tape's ``leaves`` the first time an op on the tape uses it, so the fast walk
knows every node whose ``.grad`` it may add to.

A tape holds at most its capacity of nodes: ``CAPACITY`` (32,768, about 6 MB) at first.
When it fills up it lets go of the nodes that nothing but the tape refers to any more. If
most are still in use (a graph bigger than the tape), the tape is emptied and recording
stops until the next ``backward()`` in this context: the big graph is sorted instead. So
a dropped graph bigger than the tape is freed at once, and a smaller one at the next
``backward()`` or the next time the tape fills. A context that runs ``backward()`` on
such a graph (training on big batches) gets twice the capacity from then on, up to
``MAX_CAPACITY`` (131,072 nodes, about 23 MB), so its graphs fit again. Graphs built
under ``no_grad()`` record nothing at all.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from .memory import can_find_unreferenced, live

CAPACITY = 1 << 15  # op nodes (and leaves) a new context's tape holds at most
MAX_CAPACITY = 1 << 17  # the most it grows to, after backward() on graphs bigger than that

# Creation indices: ``next(creation_counter)`` for each new Value (thread-safe: one C
# call under the GIL).
creation_counter = itertools.count()


class Tape:
    """Op nodes in creation order, and the leaves their ops used. ``pure`` is False once a
    node on it has an operand from elsewhere (then the tape walk cannot see the whole
    graph, and ``backward()`` sorts it instead)."""

    __slots__ = ("capacity", "leaves", "limit", "nodes", "overflowed", "pure", "recording")

    def __init__(self, recording: bool = True, overflowed: bool = False,
                 capacity: int | None = None) -> None:
        self.nodes: list[Any] = []
        self.leaves: list[Any] = []
        self.recording = recording
        # A graph outgrew the tape: nothing more is recorded on it (backward() sorts).
        self.overflowed = overflowed
        self.pure = not overflowed
        # Recording leaves its fast path once len(nodes) reaches limit: then the tape
        # makes room (see make_room); a tape that does not record is always "full".
        self.capacity = CAPACITY if capacity is None else capacity
        self.limit = self.capacity if recording and not overflowed else 0


NOT_RECORDING = Tape(recording=False)
# The transforms (grad, jvp, ...) whose f is being evaluated now in this context, innermost
# last: set by autodiff.transforms.nesting, read where floats would drop a dependence.
transforms_running: ContextVar[tuple[str, ...]] = ContextVar("autodiff_transforms",
                                                             default=())
_current: ContextVar[Tape | None] = ContextVar("autodiff_tape", default=None)
current_or_none = _current.get


def current() -> Tape:
    """This context's tape (made on first use, so threads and tasks get their own)."""
    tape = _current.get()
    if tape is None:
        tape = Tape()
        _current.set(tape)
    return tape


def retire(tape: Tape, capacity: int | None = None) -> tuple[list[Any], list[Any]]:
    """Empty ``tape`` for good (a fresh one starts if it is this context's, with
    ``capacity``, by default the same); return its nodes and leaves."""
    nodes, leaves = tape.nodes, tape.leaves
    tape.pure = False  # a retired tape is never walked again (first: other threads see it)
    tape.nodes = []
    tape.leaves = []
    if _current.get() is tape:
        _current.set(Tape(capacity=tape.capacity if capacity is None else capacity))
    return nodes, leaves


def record_rarely(out: Any, tape: Tape, left: Any, right: Any) -> None:
    """The rare cases of recording ``out`` (made from operands ``left``, ``right``):
    ``no_grad``, a full tape, an operand not yet on this tape (a leaf joins it; an op node
    from elsewhere makes the tape impure)."""
    if not tape.recording:
        out._op = out._a = out._b = out._tape = None
        return
    if len(tape.nodes) >= tape.limit or len(tape.leaves) >= tape.limit:
        tape = tape if tape.overflowed else make_room(tape)
        out._tape = tape
        if tape.overflowed:
            return
    for operand in (left, right):
        if operand is not None and type(operand) is not float and operand._tape is not tape:
            join(tape, operand)
    tape.nodes.append(out)


def join(tape: Tape, operand: Any) -> None:
    """An operand Value not yet on ``tape``: a leaf joins it (listed with its leaves), an op
    node from elsewhere makes it impure (backward() then sorts the graph instead of walking
    the tape)."""
    if operand._op is None:
        operand._tape = tape
        tape.leaves.append(operand)
    else:
        tape.pure = False


def make_room(tape: Tape) -> Tape:
    """Drop what only the tape still refers to; return the tape to record on from now.

    If more than half of the capacity is still in use, the graph being built is bigger
    than the tape: the tape is retired (its nodes stay valid; backward() sorts them) and
    an overflowed tape, which records nothing, stands in until the next backward(). (A
    node kept on a tape keeps its whole graph alive, so none of a big graph is kept.)
    """
    if can_find_unreferenced():
        tape.nodes = live(tape.nodes)
        tape.leaves = live(tape.leaves)
        if max(len(tape.nodes), len(tape.leaves)) <= tape.capacity // 2:
            return tape
    retire(tape)
    overflowed = Tape(overflowed=True, capacity=tape.capacity)
    _current.set(overflowed)
    return overflowed


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
