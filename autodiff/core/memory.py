"""The memory of the engine's graphs: freeing what only the tape refers to, and `gc_paused()`.

A graph is freed by reference counting the moment nothing refers to it: a node refers to
its operands, never back, so graphs make no reference cycles. The tape keeps recent nodes
in a list; :func:`live` tells which of them something else still refers to, so that a full
tape lets go of the rest (see :mod:`autodiff.core.tape`).

`gc_paused()`: pause CPython's cyclic garbage collector while training, soundly. CPython's
*cyclic* collector still walks the live nodes each time enough objects have been allocated:
while a step builds a graph of tens of thousands of nodes it runs again and again, finds
nothing to free, and costs a large share of the step. ``gc_paused()`` turns it off for a
block of code and turns it back on afterwards (even when the block raises).

The collector is one switch for the whole process, so the pause is shared: a counter
under a lock counts the blocks inside ``gc_paused()`` in every thread, and the engine's
own pauses while a tape holds a big graph (:mod:`autodiff.core.pause`). The first to enter
notes whether the collector was enabled and disables it; only the last to leave enables
it again, and only if it was enabled when the first entered. So pauses nest, two
threads training at once never leave the collector off, and code that had disabled the
collector itself finds it still disabled.

While paused, objects that *do* form cycles (made by other code in the block) are not
freed until the collector is back; it runs again at its next allocation threshold.
"""

from __future__ import annotations

import gc
import sys
import threading
from types import TracebackType
from typing import Any


def _unreferenced_count() -> int | None:
    """What ``sys.getrefcount`` says, in ``live``'s loop, of an item nothing else holds.

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


def live(items: list[Any]) -> list[Any]:
    """The items something besides ``items`` refers to, in order; ``items`` is emptied.

    Walks newest first, so that letting go of a dead node (which frees it and its
    references to its operands) exposes its dead operands further down.
    """
    live = []
    for i in range(len(items) - 1, -1, -1):
        item = items[i]
        items[i] = None
        if sys.getrefcount(item) > _UNREFERENCED:  # referenced by more than this loop
            live.append(item)
    item = None
    live.reverse()
    return live


_UNREFERENCED_MAPPED = min(map(sys.getrefcount, [object()])) if _UNREFERENCED else None


def any_unreferenced(items: list[Any]) -> bool:
    """Might :func:`live` let go of any of ``items``? A C-speed scan, three times faster
    than :func:`live`: of the items that only ``items`` and each other refer to (a dropped
    graph), the newest is referred to by ``items`` alone, as its operands' references point
    only to older items. So if no item is referred to by ``items`` alone, all are live."""
    return _UNREFERENCED_MAPPED in map(sys.getrefcount, items)


def can_find_unreferenced() -> bool:
    """Can :func:`live` tell the items nothing else refers to? (Not where reference counts
    are not available or not exact: then the tape cannot free anything early.)"""
    return _UNREFERENCED is not None


# --- gc_paused --------------------------------------------------------------------------

_lock = threading.RLock()  # reentrant: a collection's callback may end a pause under it
_users = 0  # holders of the pause: gc_paused() blocks and the engine's pauses, in every thread
_restore = False  # whether the collector was enabled when the first of them entered


def pause_count() -> int:
    """How many holders pause the collector right now, in every thread: ``gc_paused()``
    blocks and the engine's pauses for big tapes (:mod:`autodiff.core.pause`)."""
    with _lock:
        return _users


def hold() -> None:
    """One more holder of the pause: the first one notes the collector's state and stops it."""
    global _users, _restore
    with _lock:
        if _users == 0:
            _restore = gc.isenabled()
            gc.disable()
        _users += 1


def release() -> None:
    """One holder fewer: the last one restores the collector as the first one found it."""
    global _users
    with _lock:
        _users -= 1
        if _users == 0 and _restore:
            gc.enable()


class gc_paused:  # a context manager used like a function: `with autodiff.gc_paused():`
    """Context manager: the cyclic garbage collector is off inside, restored after.

    Reentrant and thread-safe (see the module's documentation). Use it around a
    hand-written training loop, micrograd-style::

        with autodiff.gc_paused():
            for step in range(100):
                loss = ...            # forward
                loss.backward()
                ...                   # update

    ``nn.fit`` pauses the collector the same way while it trains. Each ``gc_paused()``
    object is one pause: enter it once (make a new one for each ``with``).
    """

    __slots__ = ("_entered",)

    def __init__(self) -> None:
        self._entered = False

    def __enter__(self) -> gc_paused:
        if self._entered:
            raise RuntimeError("this gc_paused() is already active: use a new "
                               "gc_paused() for each with-block")
        hold()
        self._entered = True
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._entered = False
        release()
