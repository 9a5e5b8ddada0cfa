"""`explain`: the backward pass as chain-rule steps (upstream × local derivative = contribution).

Local derivatives are read off the op table (:func:`autodiff.core.graph.local_partial`)
and their formulas are the table's ``derivative_formulas`` text: nothing here knows any math.
The steps come in the order every pass takes (newest node first) and the running sums are
added in that same order, from +0.0, so each input's last running sum is bit for bit the
``.grad`` that ``backward()`` leaves. Text only: this module does not import graphviz.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from .core.backward import as_raised, every_op, reverse_sweep
from .core.checks import is_real
from .core.errors import check_contribution
from .core.graph import checked_partial, creation_order, value_operands
from .core.ops import OPERAND_NAMES, UNARY, Op
from .core.value import Value
from .labels import NodeNames
from .text import counted, markdown_cell, number, one_line


class Contribution(NamedTuple):
    """What one step sends to one input: ``contribution = local_derivative × upstream``."""

    input: Value
    local_derivative: float  # ∂node/∂input, from the op table's rule
    contribution: float  # local_derivative × the step's upstream gradient
    formula: str  # the op table's text for this local derivative, e.g. "v" for ∂(u × v)/∂u
    running_sum: float  # the input's gradient so far, this contribution included
    operand: str  # "u" or "v": which operand of the op the input is (as in `formula`)


@dataclass(frozen=True)
class Step:
    """``node`` sends its gradient ``upstream`` (∂output/∂node) on to its inputs."""

    index: int
    node: Value
    upstream: float
    contributions: tuple[Contribution, ...]

    @property
    def op(self) -> Op:
        return self.node._op

    def __repr__(self) -> str:
        """The step in one line; ``.contributions`` holds what it sends to each input."""
        name = f" {self.node.label!r}" if self.node.label else ""
        return (f"<Step {self.index}: {self.op.name} node{name} sends upstream "
                f"{self.upstream!r} to {counted(len(self.contributions), 'input')}>")


class StepTable(ABC):
    """What the step tables share: ``str()`` prints them as text, notebooks show them as
    Markdown. A table has a ``HEADER``, ``rows``, a title and a last line."""

    HEADER: tuple[str, ...] = ()

    #: How the table names a node: its label, else the expression it computes (``a·b``),
    #: else (a leaf) its value (see :class:`autodiff.labels.NodeNames`).
    name: NodeNames

    def expression(self, node: Value, precision: int = 6) -> str:
        """What ``node`` computes, in its inputs' names, e.g. ``x × w`` or ``σ(z1[0])``."""
        op = node._op
        if op is None:
            return "leaf"
        a, b = (*node.operands, None)[:2]

        def show(v: Any) -> str:
            if type(v) is not Value:
                return number(v, precision)
            name = self.name(v)
            return f"({name})" if " " in name and op.kind is not UNARY else name

        if op.kind is UNARY:
            if op.name == "neg":
                return f"−{show(a)}"
            return f"|{show(a)}|" if op.name == "abs" else f"{op.symbol}({show(a)})"
        if op.symbol.isidentifier():  # a user's binary primitive: hypot(x, y)
            a_text, b_text = (self.name(v) if type(v) is Value else show(v) for v in (a, b))
            return f"{op.symbol}({a_text}, {b_text})"
        return f"{show(a)} {op.symbol} {show(b)}"

    @abstractmethod
    def rows(self, precision: int = 6) -> list[list[str]]:
        """The table's cells, one row per contribution."""

    @abstractmethod
    def _title(self, precision: int) -> str: ...

    @abstractmethod
    def _footer(self, precision: int) -> str: ...

    def to_text(self, precision: int = 6) -> str:
        """A plain-text table (what ``str()`` prints)."""
        cells = [[one_line(c) for c in row] for row in [list(self.HEADER), *self.rows(precision)]]
        widths = [max(len(row[i]) for row in cells) for i in range(len(self.HEADER))]
        lines = [self._title(precision), ""]
        for r, row in enumerate(cells):
            lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
            if r == 0:
                lines.append("  ".join("─" * w for w in widths))
        return "\n".join([*lines, "", self._footer(precision)])

    def __str__(self) -> str:
        return self.to_text()

    def to_markdown(self, precision: int = 6) -> str:
        """The same table as Markdown, for docs and notebooks."""
        def row(cells: list[str]) -> str:
            return "| " + " | ".join(markdown_cell(c) for c in cells) + " |"

        lines = [markdown_cell(self._title(precision)), "", row(list(self.HEADER)),
                 "|" + "|".join("---" for _ in self.HEADER) + "|"]
        lines += [row(r) for r in self.rows(precision)]
        return "\n".join(lines) + "\n"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


class Explanation(StepTable):
    """The steps of one backward pass from ``output`` (seeded with ``seed``)."""

    def __init__(self, output: Value, seed: float, order: list[Value], steps: list[Step]) -> None:
        self.output = output
        self.seed = seed
        self.order = order
        self.steps: tuple[Step, ...] = tuple(steps)
        self.name = NodeNames()

    def gradients_after(self, k: int) -> dict[int, float]:
        """Gradient received so far by each node (by id) once steps 0..k are done."""
        if not -1 <= k < len(self.steps):
            raise ValueError(f"step {k} is out of range: there are {len(self.steps)} steps")
        grads = {id(self.output): self.seed}
        for step in self.steps[:k + 1]:
            for c in step.contributions:
                grads[id(c.input)] = c.running_sum
        return grads

    def gradient(self, node: Value) -> float:
        """∂output/∂node × seed, as this pass computes it (0.0 for a node it never reaches)."""
        return self.gradients_after(len(self.steps) - 1).get(id(node), 0.0)

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __getitem__(self, k: int) -> Step:
        return self.steps[k]

    def __repr__(self) -> str:
        return (f"<Explanation of {self.name(self.output)!r}: {len(self.steps)} steps, "
                f"seed {self.seed!r}>")

    # --- tables ------------------------------------------------------------------------

    def rows(self, precision: int = 6) -> list[list[str]]:
        """The table's cells: one row per contribution (step columns on its first row)."""
        rows = []
        for step in self.steps:
            for j, c in enumerate(step.contributions):
                head = ([str(step.index), self.name(step.node), self.expression(step.node,
                        precision), number(step.upstream, precision)] if j == 0 else [""] * 4)
                rows.append([*head, self.name(c.input), f"∂/∂{c.operand} = {c.formula}",
                             number(c.local_derivative, precision),
                             number(c.contribution, precision), number(c.running_sum, precision)])
        return rows

    HEADER = ("step", "node", "computes", "upstream", "input", "local derivative (op table)",
              "local", "contribution", "input's grad so far")

    def _title(self, precision: int) -> str:
        return (f"Backward pass of {one_line(self.name(self.output))} = "
                f"{number(self.output.data, precision)} (seed {number(self.seed, precision)}): "
                f"{len(self.steps)} steps; each sends upstream × local derivative = "
                "contribution to its inputs")

    def leaf_gradients(self) -> list[tuple[str, float]]:
        """(name, gradient) of each leaf, as the pass leaves them."""
        final = self.gradients_after(len(self.steps) - 1)
        return [(self.name(n), final.get(id(n), 0.0)) for n in self.order if n._op is None]

    def _footer(self, precision: int) -> str:
        leaves = ", ".join(f"{one_line(n)} = {number(g, precision)}"
                           for n, g in self.leaf_gradients())
        return f"Leaf gradients: {leaves}" if leaves else "No leaves."


def explain(output: Value, seed: float = 1.0) -> Explanation:
    """The backward pass from ``output`` as chain-rule steps; ``.grad`` is left untouched.

    ``print()`` shows the table of steps; ``.steps`` holds them as data;
    ``autodiff.save_frames(explanation, folder)`` writes the step-through page.

    Examples:
        >>> a, b = autodiff.Value(2.0, "a"), autodiff.Value(-3.0, "b")
        >>> L = a * b + a
        >>> L.label = "L"
        >>> e = autodiff.explain(L)
        >>> e
        <Explanation of 'L': 2 steps, seed 1.0>
        >>> [(c.input.label, c.contribution) for c in e.steps[-1].contributions]
        [('a', -3.0), ('b', 2.0)]
    """
    if not isinstance(output, Value):
        raise TypeError(f"explain needs a Value output, got {type(output).__name__}")
    if not is_real(seed):
        raise TypeError(f"the seed gradient must be a float, got {type(seed).__name__}")
    seed = float(seed)
    order = creation_order(output)
    received: dict[int, float] = {id(output): seed}
    steps: list[Step] = []

    def record(node: Value, upstream: float, sends: bool) -> None:
        """One step: what ``node`` sends to each of its inputs (nothing, when idle)."""
        contributions = []
        for position, parent in value_operands(node):
            key = id(parent)
            # Every local derivative is evaluated (the edge-point rule: an infinite one
            # raises, whatever the upstream gradient), as in backward() and gradients().
            local = checked_partial(node, position)
            if sends:
                contribution = upstream * local
                before = received.get(key, 0.0)
                received[key] = total = before + contribution
                if total - total != 0.0:  # inf or nan: an error if only finite numbers went in
                    check_contribution(node, parent, upstream, before, in_backward=False)
            else:  # as in every pass: a node whose gradient is 0 sends nothing
                contribution = 0.0
                received.setdefault(key, 0.0)
            contributions.append(Contribution(parent, local, contribution,
                                              node._op.derivative_formulas[position],
                                              received[key], OPERAND_NAMES[position]))
        steps.append(Step(len(steps), node, upstream, tuple(contributions)))

    def send(node: Value, upstream: float) -> None:
        record(node, upstream, True)

    def idle(node: Value, upstream: float) -> None:
        record(node, upstream, False)

    nodes = [node for node in reversed(order) if node._op is not None]
    reverse_sweep(nodes, every_op(send), received, idle, as_raised)
    return Explanation(output, seed, order, steps)

