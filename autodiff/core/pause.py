"""The engine's pause of the cyclic garbage collector while a tape holds a big graph.

While a graph grows past ``PAUSE_AT`` nodes (see :mod:`autodiff.core.tape`), CPython's
cyclic collector would walk all of its live nodes again and again and find nothing to
free: a node refers only to its operands, so graphs make no reference cycles. So the
tape that holds it pauses the collector, as one more holder of the shared pause of
:func:`autodiff.gc_paused` (:func:`autodiff.core.memory.hold`): pauses compose, the
collector comes back only when the last holder ends, and never if it was disabled before.

A tape's pause ends at the first of:

- ``backward()`` on its graph (also when backward raises), or the end of the
  ``enable_grad()`` block it belongs to;
- the tape's next refill finding the graph dropped (its nodes held by the tape alone);
- ``gc.collect()``, in any thread (a callback in ``gc.callbacks``, there only while
  the engine pauses): the tape pauses again at its next refill if it still grows;
- the end of the thread that paused it (a guard in thread-local storage).

So a big graph that is dropped without ``backward()`` keeps the collector paused until
one of these happens (the next graph the thread builds refills the tape soonest).
"""

from __future__ import annotations

import gc
import itertools
import threading
from typing import Any

from .memory import _lock, hold, release

_paused: dict[Any, int] = {}  # each tape that pauses the collector: its pause's number
_numbers = itertools.count(1)
_local = threading.local()  # this thread's guards: {pause number: _Guard}
_hooked = False  # is _on_collect in gc.callbacks?


class _Guard:
    """Ends a pause when the thread that began it ends (its thread-local storage is freed),
    unless the pause ended before."""

    __slots__ = ("number", "tape")

    def __init__(self, tape: Any, number: int) -> None:
        self.tape = tape
        self.number = number

    def __del__(self) -> None:
        # (_paused is None once the interpreter shuts down: nothing is left to restore)
        if _paused is not None and _paused.get(self.tape) == self.number:
            end(self.tape, from_guard=True)


def begin(tape: Any) -> None:
    """``tape`` holds a big graph: pause the collector until :func:`end` (once per tape)."""
    global _hooked
    with _lock:
        if tape.paused:
            return
        number = next(_numbers)
        _paused[tape] = number
        tape.paused = True
        hold()
        if not _hooked:
            gc.callbacks.append(_on_collect)
            _hooked = True
    guards = _local.__dict__.setdefault("guards", {})
    for old in [n for n, guard in guards.items() if _paused.get(guard.tape) != n]:
        del guards[old]  # pauses ended from another thread
    guards[number] = _Guard(tape, number)


def end(tape: Any, in_collection: bool = False, from_guard: bool = False) -> None:
    """End ``tape``'s pause, if it pauses the collector (any number of times, any thread;
    ``tape`` may be None)."""
    global _hooked
    if tape is None or not tape.paused:
        return
    with _lock:
        number = _paused.pop(tape, None)
        if number is None:
            return
        tape.paused = False
        release()
        if not _paused and _hooked and not in_collection:
            # (not while the collector calls the callbacks: removing one would skip the next)
            gc.callbacks.remove(_on_collect)
            _hooked = False
    guards = None if from_guard else getattr(_local, "guards", None)
    if guards is not None:
        guards.pop(number, None)


def _on_collect(phase: str, info: dict[str, Any]) -> None:
    """``gc.collect()`` (or a collection the user enabled) ends every engine pause; at its
    end the callback removes itself if it is the last one (so no other is skipped)."""
    global _hooked
    if phase == "start":
        for tape in list(_paused):
            end(tape, in_collection=True)
        return
    with _lock:
        if not _paused and _hooked and gc.callbacks and gc.callbacks[-1] is _on_collect:
            gc.callbacks.pop()
            _hooked = False


def paused_tapes() -> int:
    """How many tapes pause the collector now, in every thread."""
    with _lock:
        return len(_paused)
