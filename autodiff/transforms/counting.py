"""`count_rules`: count the op table's local-derivative evaluations inside a ``with`` block.

The counting wraps each op's ``partials`` for the duration of the block only (the table's
own functions are put back afterwards, even on an error), so nothing outside the block
pays for it. The eager ``backward()`` runs the generated code of
:mod:`autodiff.core.operators`, which does not call the table's rules: it is neither
counted nor slowed. What is counted: :func:`autodiff.gradients` (reverse mode, so
``grad``, ``vjp`` and reverse ``jacobian``), the forward sweeps (``jvp``,
``forward_tangents``, forward ``jacobian``, ``hvp``), ``explain`` and ``explain_forward``.
In the two sweeps each evaluation is followed by exactly one multiply-add
(``grad += upstream × local``, ``tangent += local × tangent``), so the count is also
their number of multiply-adds.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..core.ops import ALL_OPS, Op

_LOCK = threading.Lock()


@dataclass
class RuleCount:
    """How many local derivatives were evaluated: in all, and per op name."""

    by_op: Counter[str] = field(default_factory=Counter)

    @property
    def evaluations(self) -> int:
        """Local-derivative evaluations in all (= the sweeps' multiply-adds)."""
        return sum(self.by_op.values())


def _counted(rule: Callable[..., Any], name: str, count: RuleCount) -> Callable[..., Any]:
    def rule_counted(*args: Any) -> Any:
        count.by_op[name] += 1
        return rule(*args)
    return rule_counted


@contextmanager
def count_rules() -> Iterator[RuleCount]:
    """``with count_rules() as count: ...`` then ``count.evaluations``.

    It changes the shared op table while it runs, so one block at a time in the whole
    process (a second one, from any thread, is a RuntimeError), and rules that other
    threads evaluate meanwhile are counted too.
    """
    if not _LOCK.acquire(blocking=False):
        raise RuntimeError("count_rules() is already counting (one block at a time)")
    count = RuleCount()
    saved: list[tuple[Op, tuple[Callable[..., Any], ...]]] = [(op, op.partials)
                                                               for op in ALL_OPS]
    try:
        for op, partials in saved:
            object.__setattr__(op, "partials", tuple(_counted(rule, op.name, count)
                                                     for rule in partials))
        yield count
    finally:
        for op, partials in saved:
            object.__setattr__(op, "partials", partials)
        _LOCK.release()
