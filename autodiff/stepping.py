"""Steps of a backward pass taken together: one per op (as explained), per neuron or per layer.

A grouped step is a run of consecutive per-op steps whose nodes belong to one neuron (or one
layer) of an ``nn`` network, known from their labels (:mod:`autodiff.labels`). Its numbers
are sums of those per-op steps, added in the pass's order, so each input's running sum after
a grouped step is the per-op running sum after its last step. Per layer, one grouped step of
a sample's pass is one δ(l) of the seed's recursion: it ends with every ``z{l}[j]`` holding
δ(l)[j] = ∂E/∂z(l)[j]. Text only, like :mod:`autodiff.explain`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from .labels import children_of, neuron_groups, parse_label
from .text import counted

if TYPE_CHECKING:
    from .core.value import Value
    from .explain import Explanation, Step

#: How steps can be grouped: ``"op"`` (each explained step), ``"neuron"``, ``"layer"``.
STEP_BY = ("op", "neuron", "layer")


class Summed(NamedTuple):
    """What a grouped step sends to one input: the sum of its per-op ``contributions``."""

    input: Value
    contribution: float  # the sum, in step order, of the per-op contributions to ``input``
    running_sum: float  # the input's gradient so far, after the group's last step
    count: int  # how many per-op contributions were summed
    internal: bool  # the input is itself one of the group's nodes (it sends later on)


@dataclass(frozen=True)
class GroupedStep:
    """Consecutive per-op ``steps`` taken as one: ``key`` is None (a lone op outside any
    neuron), ``(layer,)`` or ``(layer, unit)``."""

    index: int
    key: tuple[int, ...] | None
    steps: tuple[Step, ...]
    contributions: tuple[Summed, ...]

    @property
    def nodes(self) -> tuple[Value, ...]:
        """The nodes whose contributions this step sums (one per per-op step)."""
        return tuple(step.node for step in self.steps)

    @property
    def first(self) -> int:
        """Index of the first per-op step in the group."""
        return self.steps[0].index

    @property
    def last(self) -> int:
        """Index of the last per-op step in the group."""
        return self.steps[-1].index

    @property
    def deltas(self) -> tuple[tuple[Value, float], ...]:
        """``(z node, ∂output/∂z)`` for each pre-activation ``z{l}[j]`` the group sends from:
        the seed's δ(l)[j] once the group is done."""
        return tuple((s.node, s.upstream) for s in self.steps
                     if (part := parse_label(s.node.label)) is not None and part.kind == "z")

    def __repr__(self) -> str:
        """What the group is and its counts; ``.steps`` and ``.contributions`` hold the data."""
        return (f"<GroupedStep {self.index} ({self.describe()}): per-op steps {self.first}–"
                f"{self.last}, {counted(len(self.contributions), 'input')}>")

    def describe(self) -> str:
        """What the group is: ``layer 1``, ``neuron 2 of layer 1``, or the op's node."""
        if self.key is None:
            return "one op"
        if len(self.key) == 1:
            return f"layer {self.key[0]}"
        return f"neuron {self.key[1]} of layer {self.key[0]}"


def _summed(steps: tuple[Step, ...]) -> tuple[Summed, ...]:
    inside = {id(step.node) for step in steps}
    sums: dict[int, list] = {}
    for step in steps:
        for c in step.contributions:
            entry = sums.setdefault(id(c.input), [c.input, 0.0, 0.0, 0])
            entry[1] += c.contribution
            entry[2] = c.running_sum
            entry[3] += 1
    return tuple(Summed(v, total, running, count, id(v) in inside)
                 for v, total, running, count in sums.values())


def group_steps(explanation: Explanation, step_by: str = "op") -> tuple[GroupedStep, ...]:
    """The explanation's steps grouped ``step_by`` "op" (one each), "neuron" or "layer"."""
    if not isinstance(step_by, str):
        raise TypeError(f"step_by must be a str, got {type(step_by).__name__}")
    if step_by not in STEP_BY:
        raise ValueError(f"step_by must be one of {STEP_BY}, got {step_by!r}")
    keys: dict[int, tuple[int, ...]] = {}
    if step_by != "op":
        owners = neuron_groups(explanation.order, children_of(explanation.order))
        keys = {node: owner if step_by == "neuron" else owner[:1]
                for node, owner in owners.items()}
    runs: list[tuple[tuple[int, ...] | None, list[Step]]] = []
    for step in explanation.steps:
        key = keys.get(id(step.node))
        if runs and key is not None and runs[-1][0] == key:
            runs[-1][1].append(step)
        else:
            runs.append((key, [step]))
    return tuple(GroupedStep(k, key, tuple(steps), _summed(tuple(steps)))
                 for k, (key, steps) in enumerate(runs))
