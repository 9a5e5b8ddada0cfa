"""`count_rules`: count the op table's local-derivative evaluations inside a ``with`` block.

Every reader that evaluates a rule on a node does it through
:func:`autodiff.core.graph.local_partial`, which adds one to the counter of each
``count_rules()`` block open in the current context (thread or asyncio task). Nothing is
changed in the op table, so blocks nest (an outer block counts what its inner blocks
count, and more) and blocks in other threads count only their own evaluations.

The eager ``backward()`` runs the generated code of :mod:`autodiff.core.operators`, which
does not call the table's rules: it is neither counted nor slowed. What is counted:
:func:`autodiff.gradients` (reverse mode, so ``grad``, ``vjp`` and reverse ``jacobian``),
the forward sweeps (``jvp``, ``forward_tangents``, forward ``jacobian``, ``hvp``),
``explain`` and ``explain_forward``. In the two sweeps each evaluation is followed by
exactly one multiply-add (``grad += upstream × local``, ``tangent += local × tangent``),
so the count is also their number of multiply-adds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from ..core.graph import rule_counters


@dataclass
class RuleCount:
    """How many local derivatives were evaluated: in all, and per op name."""

    by_op: Counter[str] = field(default_factory=Counter)

    @property
    def evaluations(self) -> int:
        """Local-derivative evaluations in all (= the sweeps' multiply-adds)."""
        return sum(self.by_op.values())


@contextmanager
def count_rules() -> Iterator[RuleCount]:
    """``with count_rules() as count: ...`` then ``count.evaluations``.

    Counts the rules evaluated in this thread (or task) while the block is open, those of
    nested blocks included; other threads' evaluations are not counted.
    """
    count = RuleCount()
    token = rule_counters.set((*rule_counters.get(), count.by_op))
    try:
        yield count
    finally:
        rule_counters.reset(token)
