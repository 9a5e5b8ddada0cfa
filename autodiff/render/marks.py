"""What a drawing emphasizes: highlights, the explained step, gradient flow and why a gradient is 0.

Local derivatives come from :func:`autodiff.core.graph.local_partials` (the op table); the
reasons for a zero gradient name the op table's formula, never a copy of it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from typing import Any

from ..core.graph import local_partials, value_operands
from ..core.ops import CONST_LEFT, CONST_RIGHT, OPERAND_NAMES
from ..core.value import Value
from ..text import number

HIGHLIGHT, HIGHLIGHT_FILL, OP_FILL = "#e8710a", "#fff3e0", "#f1f3f4"
POSITIVE, NEGATIVE, ZERO = "#1a73e8", "#d93025", "#bdc1c6"
MAX_PENWIDTH = 8.0


def flow_width(size: float) -> float:
    """Edge width for a flow of ``size`` = |flow| / largest |flow| (in [0, 1]): 1 for no flow,
    ``MAX_PENWIDTH`` for the largest, on a log scale (two decades halve the extra width), so
    it grows strictly with |flow| and a vanishing gradient stays visible but thin."""
    if not size > 0:
        return 1.0
    return 1.0 + (MAX_PENWIDTH - 1.0) / (1.0 - math.log10(min(size, 1.0)) / 2.0)  # subnormal too


def _parse_highlight(r: Any, highlight: Any) -> tuple[set[int], set[tuple[int, int]]]:
    """Node ids and (parent id, child id) edges named by ``highlight``."""
    nodes: set[int] = set()
    edges: set[tuple[int, int]] = set()
    if highlight is None:
        return nodes, edges
    items: Iterable[Any] = [highlight] if isinstance(highlight, Value) else highlight
    if isinstance(items, (str, bytes)) or not isinstance(items, Iterable):
        raise TypeError("highlight must be a Value, or an iterable of Values and paths "
                        f"(sequences of Values), got {type(highlight).__name__}")

    def check(v: Any) -> Value:
        if not isinstance(v, Value):
            raise TypeError(f"highlight: expected a Value, got {type(v).__name__}: {v!r}")
        if id(v) not in r.index:
            raise ValueError(f"highlight: {v!r} is not in the graph of this output")
        return v

    for item in items:
        if isinstance(item, Sequence) and not isinstance(item, (str, bytes)):
            path = [check(v) for v in item]
            for parent, child in itertools.pairwise(path):
                if not any(p is parent for p in child.parents):
                    raise ValueError(f"highlight: path step {parent!r} -> {child!r} is not "
                                     "an edge (each Value must be a parent of the next)")
                edges.add((id(parent), id(child)))
            nodes.update(id(v) for v in path)
        else:
            nodes.add(id(check(item)))
    return nodes, edges


class Marks:
    """Attributes of nodes and edges for one drawing."""

    def __init__(self, r: Any, highlight: Any) -> None:
        self.r = r
        self.nodes, self.edges = _parse_highlight(r, highlight)
        o = r.options
        self._partials: dict[int, list[float]] = {}
        self.zero_marks = (o.why_zero and o.show_grad and r.step is None
                           and r.output.grad != 0)
        self.scale = 0.0
        if o.flow:
            flows = [abs(self.flow(node, i)) for node in r.order if node._op is not None
                     for i in range(len(value_operands(node)))]
            flows += [abs(r.grad(node) or 0.0) for node in r.order if node._op is not None]
            # the widest edge is the largest finite flow (an overflowed edge is drawn apart)
            self.scale = max((f for f in flows if math.isfinite(f)), default=0.0)

    def partials(self, node: Value) -> list[float]:
        """∂node/∂operand for each Value operand (nan where the rule is undefined)."""
        got = self._partials.get(id(node))
        if got is None:
            try:
                got = [float(d) for _, d in local_partials(node)]
            except (ArithmeticError, ValueError):
                got = [math.nan] * len(value_operands(node))
            self._partials[id(node)] = got
        return got

    def flow(self, node: Value, i: int) -> float:
        """The gradient flowing from ``node`` back to its i-th Value operand."""
        return (self.r.grad(node) or 0.0) * self.partials(node)[i]

    def node_marked(self, node: Value) -> bool:
        step = self.r.step
        return id(node) in self.nodes or (step is not None and step.node is node)

    # --- why a gradient is 0 ------------------------------------------------------------

    def zero_reason(self, node: Value) -> str | None:
        if not self.zero_marks or node.grad != 0:
            return None
        if node is self.r.output:
            return "the seed gradient is 0"
        reasons: list[str | None] = []
        for child in {id(c): c for c in self.r.children[id(node)]}.values():
            for (position, parent), local in zip(value_operands(child), self.partials(child),
                                                 strict=True):
                if parent is not node:
                    continue
                if child.grad == 0:
                    reasons.append(f"it feeds {self.r.name(child)}, whose gradient is 0")
                elif local == 0:
                    reasons.append(self.zero_local(child, position))
                else:
                    reasons.append(None)
        if not reasons:
            return None
        if None in reasons:
            return "its contributions cancel"
        return "; ".join(dict.fromkeys(r for r in reasons if r))

    @staticmethod
    def zero_local(child: Value, position: int) -> str:
        op = child._op
        name = OPERAND_NAMES[position]
        if op.name == "relu":
            return f"inactive ReLU: ∂/∂{name} = {op.derivative_formulas[0]} is 0 here"
        constant = child.operands[1] if op.kind is CONST_RIGHT else child.operands[0] if (
            op.kind is CONST_LEFT) else None
        if op.name == "mul" and constant == 0:
            return "multiplied by the constant 0"
        return f"{op.name}: ∂/∂{name} = {op.derivative_formulas[position]} is 0 here"

    # --- attributes ------------------------------------------------------------------

    def op_attributes(self, node: Value) -> dict[str, str]:
        attrs = {"shape": "ellipse", "style": "filled", "fillcolor": OP_FILL, "color": "#80868b",
                 "margin": "0.05", "tooltip": f"{node._op.name}: out = {node._op.formula}"}
        if self.node_marked(node):
            attrs.update(fillcolor=HIGHLIGHT_FILL, color=HIGHLIGHT, penwidth="2")
        return attrs

    def edge_attributes(self, node: Value, i: int, role: str, parent: Value, binary: bool
                        ) -> dict[str, str]:
        """Attributes of the edge parent → op(node), for Value operand ``i`` (``role``)."""
        p = self.r.options.precision
        label = role if binary else ""
        attrs: dict[str, str] = {}
        step = self.r.step
        if step is not None and step.node is node:
            c = step.contributions[i]
            label = (f"{label}: " if label else "") + (
                f"×{number(c.local_derivative, p)} = {number(c.contribution, p)}")
            attrs.update(color=HIGHLIGHT, penwidth="2.5", fontcolor=HIGHLIGHT, dir="back")
        elif (id(parent), id(node)) in self.edges:
            attrs.update(color=HIGHLIGHT, penwidth="2.5")
        elif self.zero_marks and self.partials(node)[i] == 0:
            attrs.update(style="dashed", color=ZERO)
            label = (f"{label}: " if label else "") + "∂ = 0"
        elif self.r.options.flow:
            attrs.update(self.flow_attributes(self.flow(node, i)))
            label = (f"{label}: " if label else "") + number(self.flow(node, i), p)
        if label:
            attrs["label"] = label
        return attrs

    def result_edge_attributes(self, node: Value) -> dict[str, str]:
        """Attributes of the edge op(node) → node."""
        if id(node) in self.nodes and any(e[1] == id(node) for e in self.edges):
            return {"color": HIGHLIGHT, "penwidth": "2.5"}
        if self.r.step is not None and self.r.step.node is node:
            return {"color": HIGHLIGHT, "penwidth": "2.5", "dir": "back"}
        if self.r.options.flow:
            return self.flow_attributes(self.r.grad(node) or 0.0)
        return {}

    def flow_attributes(self, g: float) -> dict[str, str]:
        if not math.isfinite(g) or self.scale == 0 or g == 0:
            return {"color": ZERO, "penwidth": "1"}
        return {"color": POSITIVE if g > 0 else NEGATIVE,
                "penwidth": f"{flow_width(abs(g) / self.scale):.6f}"}

    def step_title(self) -> str:
        r, step = self.r, self.r.step
        p = r.options.precision
        sent = ", ".join(f"{r.name(c.input)} gets {number(c.local_derivative, p)} × "
                         f"{number(step.upstream, p)} = {number(c.contribution, p)}"
                         for c in step.contributions)
        return (f"step {step.index + 1} of {len(r.explanation.steps)}: "
                f"{r.name(step.node)} = {r.explanation.expression(step.node, p)} sends its "
                f"gradient {number(step.upstream, p)} back: {sent}")


def legend(g: Any, top: float, p: int) -> None:
    """A flow drawing's legend: what colour (sign) and width (|flow|, log scale) mean."""
    with g.subgraph(name="cluster_legend") as lg:
        lg.attr(label="gradient flow: ∂output/∂node × local derivative, carried back "
                      "along each edge", style="rounded", color="#9aa0a6",
                fontsize="10")
        rows = [("flow > 0", POSITIVE, 1.0), ("flow < 0", NEGATIVE, 1.0),
                ("largest |flow|", POSITIVE, 1.0), ("|flow| / 100", POSITIVE, 1e-2),
                ("|flow| / 10⁶", POSITIVE, 1e-6), ("flow = 0", ZERO, 0.0)]
        for k, (what, color, size) in enumerate(rows):
            amount = "" if k < 2 else f" = {number(top * size, p)}" if k < 5 else ""
            lg.node(f"legend{k}a", f"{what}{amount}", shape="plaintext",
                    fontsize="9", height="0.2", margin="0.02")
            lg.node(f"legend{k}b", "", shape="point", width="0.01", style="invis")
            lg.edge(f"legend{k}a", f"legend{k}b", color=color, arrowhead="none",
                    penwidth=f"{flow_width(size):.6f}", minlen="1")
