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

The tape has no fixed size. Each time it fills up (``limit``) it lets go of the nodes
that nothing but the tape refers to any more (dropped graphs), and doubles its
``capacity`` if more than half of it is still in use. Once it reaches ``PAUSE_AT``
(32,768) nodes with more than half of them live (a graph growing past 32,768 nodes), it
pauses CPython's cyclic garbage collector (:mod:`autodiff.core.pause` says until when);
a tape with fewer live nodes checks again each time it reaches ``PAUSE_AT`` nodes. After
``backward()`` the next tape of the context starts with room for a graph as big (a
training loop does not grow it again at every step). So a dropped graph is freed at the
next refill or ``backward()``, and a tape holds at most about twice the nodes in use, or
``PAUSE_AT``. Graphs built under ``no_grad()`` record nothing at all.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from . import pause
from .memory import any_unreferenced, can_find_unreferenced, live

CAPACITY = 1 << 15  # op nodes (and leaves) a new context's tape holds before its first refill
PAUSE_AT = 1 << 15  # a tape this long, more than half of it live, pauses the collector

# Creation indices: ``next(creation_counter)`` for each new Value (thread-safe: one C
# call under the GIL).
creation_counter = itertools.count()


class Tape:
    """Op nodes in creation order, and the leaves their ops used. ``pure`` is False once a
    node on it has an operand from elsewhere (then the tape walk cannot see the whole
    graph, and ``backward()`` sorts it instead)."""

    __slots__ = ("capacity", "leaves", "limit", "nodes", "paused", "pure", "recording")

    def __init__(self, recording: bool = True, capacity: int | None = None) -> None:
        self.nodes: list[Any] = []
        self.leaves: list[Any] = []
        self.recording = recording
        self.pure = True
        self.paused = False  # does it pause the cyclic collector? (see autodiff.core.pause)
        # Recording leaves its fast path once len(nodes) reaches limit: then the tape
        # makes room (see make_room); a tape that does not record is always "full".
        self.capacity = CAPACITY if capacity is None else capacity
        self.limit = min(self.capacity, PAUSE_AT) if recording else 0


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


def retire(tape: Tape, capacity: int | None = None,
           end_pause: bool = True) -> tuple[list[Any], list[Any]]:
    """Empty ``tape`` for good (a fresh one starts if it is this context's, with
    ``capacity``, by default the same); return its nodes and leaves. Its pause of the
    collector ends, unless ``end_pause`` is False (then the caller ends it)."""
    nodes, leaves = tape.nodes, tape.leaves
    if end_pause and tape.paused:
        pause.end(tape)
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
        tape = make_room(tape)
        out._tape = tape
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

    More than half of the capacity still in use doubles it. More than ``PAUSE_AT // 2``
    in use (at a refill, so in a tape of at least ``PAUSE_AT`` nodes) pause the collector,
    until a refill finds at most that many (the graph was dropped). Where reference
    counts cannot tell what is unused, the tape is retired instead (its nodes stay valid;
    backward() sorts them) and a fresh one takes over.
    """
    if not can_find_unreferenced():
        retire(tape)
        return current()
    if any_unreferenced(tape.nodes):
        tape.nodes = live(tape.nodes)
    if any_unreferenced(tape.leaves):
        tape.leaves = live(tape.leaves)
    held = max(len(tape.nodes), len(tape.leaves))
    if held > tape.capacity // 2:
        tape.capacity *= 2
    if held > PAUSE_AT // 2:
        pause.begin(tape)
    elif tape.paused:
        pause.end(tape)
    tape.limit = tape.capacity if tape.paused else min(tape.capacity, PAUSE_AT)
    return tape


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
        retire(tape)  # its nodes stay valid (backward() sorts them); its pause ends
