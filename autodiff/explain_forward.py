"""`explain_forward`: the forward-mode sweep as steps (local derivative × input's tangent).

The mirror image of :func:`autodiff.explain`: the nodes come oldest first (creation
order) and each reached node sums ``local derivative × tangent of the operand`` over its
reached operands, in operand order, from +0.0, with the local derivatives and their
formulas read off the op table. The tangents are bit for bit those of
:func:`autodiff.transforms.forward.forward_tangents`. Text only: no graphviz here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from .core.checks import check_finite
from .core.graph import creation_order
from .core.ops import OPERAND_NAMES
from .core.value import Value
from .explain import StepTable, _name
from .text import number, one_line
from .transforms.forward import check_tangent, tangent_terms


class TangentTerm(NamedTuple):
    """One term of a node's tangent: ``product = local_derivative × input_tangent``."""

    input: Value
    operand: str  # "u" or "v", as in ``formula``
    formula: str  # the op table's text for ∂node/∂operand, e.g. "1/u"
    local_derivative: float
    input_tangent: float
    product: float
    running_sum: float  # the node's tangent so far, this term included


@dataclass(frozen=True)
class ForwardStep:
    """Op node ``node`` gets its tangent from its operands (no terms: it is not reached)."""

    index: int
    node: Value
    terms: tuple[TangentTerm, ...]
    tangent: float


class ForwardExplanation(StepTable):
    """The steps of one forward sweep to ``output`` from the seeded leaves."""

    HEADER = ("step", "node", "computes", "value", "input", "local derivative (op table)",
              "local", "input's tangent", "product", "tangent so far")

    def __init__(self, output: Value, seeds: dict[int, float], order: list[Value],
                 steps: list[ForwardStep]) -> None:
        self.output = output
        self.seeds = seeds
        self.order = order
        self.steps: tuple[ForwardStep, ...] = tuple(steps)
        self._index = {id(node): i for i, node in enumerate(order)}
        self._tangents = dict(seeds)
        for step in steps:
            if step.terms:
                self._tangents[id(step.node)] = step.tangent

    def name(self, node: Value) -> str:
        """How the table names ``node``: its label, else ``#i`` (its place in the order)."""
        return _name(node, self._index[id(node)])

    def tangent(self, node: Value) -> float:
        """d node along the seeded direction (0.0 for a node the sweep does not reach)."""
        return self._tangents.get(id(node), 0.0)

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[ForwardStep]:
        return iter(self.steps)

    def __getitem__(self, k: int) -> ForwardStep:
        return self.steps[k]

    def __repr__(self) -> str:
        return (f"<ForwardExplanation of {self.name(self.output)!r}: {len(self.steps)} steps, "
                f"tangent {self.tangent(self.output)!r}>")

    def rows(self, precision: int = 6) -> list[list[str]]:
        """The table's cells: one row per term (the step's columns on its first row)."""
        def show(x: float) -> str:
            return number(x, precision)

        rows = []
        for step in self.steps:
            head = [str(step.index), self.name(step.node), self.expression(step.node, precision),
                    show(step.node.data)]
            if not step.terms:
                rows.append([*head, "—", "not reached from a seeded leaf", "", "", "", "0"])
            for j, t in enumerate(step.terms):
                rows.append([*(head if j == 0 else [""] * 4), self.name(t.input),
                             f"∂/∂{t.operand} = {t.formula}", show(t.local_derivative),
                             show(t.input_tangent), show(t.product), show(t.running_sum)])
        return rows

    def _title(self, precision: int) -> str:
        seeded = ", ".join(f"{one_line(self.name(n))} = {number(self.seeds[id(n)], precision)}"
                           for n in self.order if id(n) in self.seeds) or "none"
        return (f"Forward sweep to {one_line(self.name(self.output))} = "
                f"{number(self.output.data, precision)}, seeded tangents: {seeded} (other "
                f"leaves 0); each node's tangent = Σ local derivative × input's tangent")

    def _footer(self, precision: int) -> str:
        return (f"Output tangent: {one_line(self.name(self.output))} = "
                f"{number(self.tangent(self.output), precision)}")


def explain_forward(output: Value, tangents: Mapping[Value, Any]) -> ForwardExplanation:
    """The forward sweep to ``output`` as steps; ``tangents`` maps leaves to their tangent
    (unlisted leaves get 0 and are not seeded). ``.grad`` is left untouched."""
    if not isinstance(output, Value):
        raise TypeError(f"explain_forward needs a Value output, got {type(output).__name__}")
    if not isinstance(tangents, Mapping):
        raise TypeError(f"tangents must be a dict of leaf → tangent, got "
                        f"{type(tangents).__name__}")
    seeds: dict[int, float] = {}
    for leaf, t in tangents.items():
        if not isinstance(leaf, Value):
            raise TypeError(f"tangents are keyed by Values, got {type(leaf).__name__}")
        if leaf._op is not None:
            raise ValueError(f"tangents seed leaves; {leaf!r} is made by {leaf.op!r}")
        seeds[id(leaf)] = check_finite(t, f"the tangent of {leaf.label or 'a leaf'}")
    order = creation_order(output)
    reached = dict(seeds)
    steps = []
    for node in (n for n in order if n._op is not None):
        terms, total = [], 0.0
        for position, operand, local in tangent_terms(node, reached):
            product = local * reached[id(operand)]
            total += product
            terms.append(TangentTerm(operand, OPERAND_NAMES[position],
                                     node._op.derivative_formulas[position], local,
                                     reached[id(operand)], product, total))
        if terms:
            check_tangent(node, total, [t.input_tangent for t in terms] +
                          [t.local_derivative for t in terms])
            reached[id(node)] = total
        steps.append(ForwardStep(len(steps), node, tuple(terms), total))
    return ForwardExplanation(output, seeds, order, steps)
