"""`gc_paused()`: pause CPython's cyclic garbage collector while training, soundly.

The engine's graphs make no reference cycles (a node refers to its operands, never back),
so reference counting frees every graph the moment it is dropped. CPython's *cyclic*
collector still walks the live nodes each time enough objects have been allocated: while
a step builds a graph of tens of thousands of nodes it runs again and again, finds
nothing to free, and costs a large share of the step. ``gc_paused()`` turns it off for a
block of code and turns it back on afterwards (even when the block raises).

The collector is one switch for the whole process, so the pause is shared: a counter
under a lock counts the blocks inside ``gc_paused()`` in every thread. The first to enter
notes whether the collector was enabled and disables it; only the last to leave enables
it again, and only if it was enabled when the first entered. So pauses nest, two
threads training at once never leave the collector off, and code that had disabled the
collector itself finds it still disabled.

While paused, objects that *do* form cycles (made by other code in the block) are not
freed until the collector is back; it runs again at its next allocation threshold.
"""

from __future__ import annotations

import gc
import threading
from types import TracebackType

_lock = threading.Lock()
_users = 0  # blocks inside gc_paused(), in every thread
_restore = False  # whether the collector was enabled when the first of them entered


def pause_count() -> int:
    """How many ``gc_paused()`` blocks are active right now, in every thread."""
    with _lock:
        return _users


class gc_paused:  # a context manager used like a function: `with nn.gc_paused():`
    """Context manager: the cyclic garbage collector is off inside, restored after.

    Reentrant and thread-safe (see the module's documentation). Use it around a
    hand-written training loop, micrograd-style::

        with nn.gc_paused():
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
        global _users, _restore
        if self._entered:
            raise RuntimeError("this gc_paused() is already active: use a new "
                               "gc_paused() for each with-block")
        with _lock:
            if _users == 0:
                _restore = gc.isenabled()
                gc.disable()
            _users += 1
            self._entered = True
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        global _users
        with _lock:
            _users -= 1
            self._entered = False
            if _users == 0 and _restore:
                gc.enable()
