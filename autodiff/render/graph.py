"""`draw`: a computation graph as a Graphviz picture (a record per Value, a node per op).

Each Value is a record ``label | data | grad``; each operation is a node showing the op
table's ``symbol`` (with its constant, for ``x × 2.0``-style ops, which cost no Value).
Edges run parent → op → result, one per operand, so ``a * a`` shows two edges.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..core.checks import check_flag, check_precision, is_integer
from ..core.graph import creation_order, value_operands
from ..core.ops import BINARY, CONST_LEFT, CONST_RIGHT, OPERAND_NAMES
from ..core.value import Value
from ..explain import Explanation, explain
from ..labels import NodeNames, children_of, constant_text, neuron_groups
from ..text import number
from .drawing import Drawing, html_text, plain_text, tooltip_text
from .layout import Folding, fold_neurons
from .marks import Marks, legend
from .summary import summary

RANKDIRS = ("LR", "RL", "TB", "BT")
FRAME_LABEL_SIZE = 14  # font size of a step's labels on the step-through frames
GROUPS = (None, "layer", "neuron")
COLORS = {"highlight": "#e8710a", "highlight_fill": "#fff3e0", "received": "#e6f4ea",
          "pending": "#9e9e9e", "op_fill": "#f1f3f4", "cluster": "#9aa0a6"}


@dataclass(frozen=True)
class Options:
    """The checked options of one drawing (see :func:`draw`)."""

    rankdir: str = "LR"
    show_grad: bool = True
    precision: int = 4
    flow: bool = False
    why_zero: bool = True
    group: str | None = None
    collapse: bool = False
    max_nodes: int | None = 400

    def __post_init__(self) -> None:
        for flag in ("show_grad", "flow", "why_zero", "collapse"):
            check_flag(getattr(self, flag), flag)
        if self.rankdir not in RANKDIRS:
            raise ValueError(f"rankdir must be one of {RANKDIRS}, got {self.rankdir!r}")
        check_precision(self.precision)
        if self.group not in GROUPS:
            raise ValueError(f"group must be one of {GROUPS}, got {self.group!r}")
        if self.max_nodes is not None and (isinstance(self.max_nodes, bool) or not isinstance(
                self.max_nodes, int) or self.max_nodes < 1):
            raise ValueError(f"max_nodes must be a positive int or None, got {self.max_nodes!r}")


def draw(output: Value, *, rankdir: str = "LR", show_grad: bool = True, precision: int = 4,
         highlight: Value | Iterable[Any] | None = None, step: int | None = None,
         flow: bool = False, why_zero: bool = True, group: str | None = None,
         collapse: bool = False, max_nodes: int | None = 400) -> Drawing:
    """The graph that computed ``output``, as a ``graphviz.Digraph`` (a :class:`Drawing`).

    - ``rankdir``: "LR" (default), "RL", "TB" or "BT"; ``precision``: significant digits.
    - ``show_grad``: show each Value's ``.grad``. ``why_zero`` (after a backward pass):
      say why a gradient is 0 (an inactive ReLU, a constant factor of 0, ...) and dash the
      edges whose local derivative is 0.
    - ``highlight``: Values, and/or paths (sequences of Values, each the parent of the
      next) whose nodes and edges are emphasized.
    - ``step=k``: the state of ``explain(output).steps[k]``: that node sending its gradient,
      each input's gradient so far, and the contributions on the edges.
    - ``flow``: colour (sign) and thicken (size) each edge by the gradient flowing along it.
    - ``group``: "layer" or "neuron" clusters the nodes of ``nn`` networks by their labels
      (see :mod:`autodiff.render.layout`); ``collapse=True`` folds each neuron into a box.
    - ``max_nodes``: past this many drawn nodes the picture becomes a summary with a
      message (``None``: no limit).

    Examples:
        >>> x = autodiff.Value(0.5, "x")
        >>> y = (x * x).exp()
        >>> y.backward()
        >>> drawing = autodiff.draw(y)   # records: label | data | grad; ops between them
        >>> drawing
        <Drawing: 5 nodes, 5 edges (.source: DOT text, .svg(): SVG)>
        >>> drawing.render("out/y", format="svg")  # needs Graphviz's dot  # doctest: +SKIP
        'out/y.svg'
    """
    if not isinstance(output, Value):
        raise TypeError(f"draw needs a Value output, got {type(output).__name__}")
    options = Options(rankdir, show_grad, precision, flow, why_zero, group, collapse, max_nodes)
    if step is None:
        return _Renderer(output, options, highlight).drawing()
    return draw_step(explain(output), step, highlight=highlight, **_as_kwargs(options))


def draw_step(explanation: Explanation, step: int, *, highlight: Any = None,
              **options: Any) -> Drawing:
    """``draw(..., step=step)`` for an explanation already made (frames reuse one)."""
    n = len(explanation.steps)
    if not is_integer(step):
        raise TypeError(f"step must be an int, got {type(step).__name__}")
    if not -n <= step < n:
        raise ValueError(f"step {step} is out of range: the backward pass of this graph has "
                         f"{n} steps (0 to {n - 1})")
    return _Renderer(explanation.output, Options(**options), highlight, explanation,
                     step % n).drawing()


# dot's placement and spline routing grow steeply with the edges that span many ranks (a
# leaf used all along a chain: 60 uses of one leaf in x·x·…·x took 88 s with the
# defaults). Each rank an edge skips is a virtual node to dot: past this many, the
# drawing asks for Graphviz's cheaper layout (under a second for that graph).
VIRTUAL_NODE_BUDGET = 500
_FAST_LAYOUT = {"nslimit": "0.1", "nslimit1": "0.5", "mclimit": "0.2", "splines": "line"}


def _layout_limits(shown: list[Value]) -> dict[str, str]:
    """Graph attributes that bound dot's work on a graph with many long edges, else none.

    A value sits one rank after its op node and an op node one rank after its latest
    operand, so an edge from a value of rank r to an op node of rank s skips s − r − 1."""
    rank: dict[int, int] = {}
    skipped = 0
    for node in shown:  # creation order: operands first
        parents = [rank.get(id(parent), 0) for _, parent in value_operands(node)]
        if parents:
            op_rank = max(parents) + 1
            skipped += sum(op_rank - r - 1 for r in parents)
            rank[id(node)] = op_rank + 1
        else:
            rank[id(node)] = 0
    return dict(_FAST_LAYOUT) if skipped > VIRTUAL_NODE_BUDGET else {}


def _as_kwargs(options: Options) -> dict[str, Any]:
    return {name: getattr(options, name) for name in Options.__dataclass_fields__}


class _Renderer:
    """Builds one Drawing: nodes, clusters, edges, marks."""

    def __init__(self, output: Value, options: Options, highlight: Any,
                 explanation: Explanation | None = None, step: int | None = None) -> None:
        self.output = output
        self.options = options
        self.order = explanation.order if explanation is not None else creation_order(output)
        self.index = {id(node): i for i, node in enumerate(self.order)}
        self.children = children_of(self.order)
        self.explanation = explanation
        self.step = explanation.steps[step] if explanation is not None and step is not None \
            else None
        self.grads = explanation.gradients_after(step) if self.step is not None else None
        self.marks = Marks(self, highlight)
        self.folding = fold_neurons(self.order, self.children) if options.collapse \
            else Folding()
        self.groups = neuron_groups(self.order, self.children) if options.group else {}
        self.name = explanation.name if explanation is not None else NodeNames(
            options.precision)  # label, else the expression it computes, else (a leaf) value
        self.grad_texts: dict[int, str] | None = None  # frames: each grad cell's widest text
        self.edge_labels: dict[str, str] | None = None  # frames: each edge's step label

    # --- what a node shows ---------------------------------------------------------------

    def grad(self, node: Value) -> float | None:
        """The gradient shown on ``node`` (None: not reached yet at this step)."""
        return node.grad if self.grads is None else self.grads.get(id(node))

    def drawn_op(self, node: Value) -> bool:
        """Whether ``node``'s op is drawn: it has one, and (when a part of a graph is
        drawn) its inputs are drawn too; else it is drawn as an input of that part."""
        return node._op is not None and all(id(p) in self.index for p in node.parents)

    def visible(self, node: Value) -> bool:
        box = self.folding.box.get(id(node))
        return id(node) not in self.folding.hidden and (box is None or box is node)

    def record(self, node: Value) -> tuple[str, str]:
        """(HTML label, tooltip) of ``node``'s record."""
        p = self.options.precision
        name = (f"<B>{html_text(node.label)}</B>" if node.label
                else f'<FONT COLOR="#5f6368">{html_text(self.name(node))}</FONT>')
        box = self.folding.box.get(id(node))
        if box is node:
            name += f" = {html_text(node._op.symbol)}(z)"
        cells = [name, f"data {html_text(number(node.data, p))}"]
        grad = self.grad(node)
        fill = ""
        if self.options.show_grad:
            if self.grad_texts is not None:
                cells.append(html_text(self.grad_texts[id(node)]))
            elif grad is None:
                cells.append('<FONT COLOR="#9e9e9e">grad —</FONT>')
            else:
                cells.append(f"grad {html_text(number(grad, p))}")
                if self.step is not None and any(c.input is node for c in
                                                 self.step.contributions):
                    fill = f' BGCOLOR="{COLORS["received"]}"'
        row = "".join(f"<TD>{c}</TD>" for c in cells[:-1])
        row += f"<TD{fill}>{cells[-1]}</TD>"
        extra = []
        if box is node:
            folded = self.folding.params.get(id(node))
            what = ", ".join(f"{n} {k}" for k, n in sorted(folded.items())) if folded else ""
            extra.append(f"neuron folded{f' with its {what}' if what else ''}")
            z = self.folding.z.get(id(node))
            if z is not None and self.options.show_grad and self.grad(z) is not None:
                extra.append(f"δ = ∂{self.name(self.output)}/∂{z.label} = "
                             f"{number(self.grad(z), p)}")
        reason = self.marks.zero_reason(node)
        if reason:
            extra.append(f"why 0: {reason}")
        rows = [f"<TR>{row}</TR>"] + [
            f'<TR><TD COLSPAN="{len(cells)}"><FONT POINT-SIZE="9" COLOR="#5f6368">'
            f"{html_text(text)}</FONT></TD></TR>" for text in extra]
        border, color, bg = ("2", COLORS["highlight"], f' BGCOLOR="{COLORS["highlight_fill"]}"') \
            if self.marks.node_marked(node) else ("0", "black", "")
        label = (f'<<TABLE BORDER="{border}" COLOR="{color}" CELLBORDER="1" CELLSPACING="0" '
                 f'CELLPADDING="4"{bg}>{"".join(rows)}</TABLE>>')
        tooltip = f"{self.name(node)}: data {node.data!r}"
        if self.options.show_grad:
            tooltip += f", grad {'—' if grad is None else repr(grad)}"
        return label, tooltip_text(tooltip)

    def op_label(self, node: Value) -> str:
        op, p = node._op, self.options.precision
        if op.kind is CONST_RIGHT:
            return f"{op.symbol} {constant_text(node.operands[1], p)}"
        if op.kind is CONST_LEFT:
            return f"{constant_text(node.operands[0], p)} {op.symbol}"
        return op.symbol

    # --- the picture ---------------------------------------------------------------------

    def drawing(self) -> Drawing:
        o = self.options
        shown = [n for n in self.order if self.visible(n)]
        count = len(shown) + sum(1 for n in shown if n._op is not None
                                 and id(n) not in self.folding.box)
        if o.max_nodes is not None and count > o.max_nodes:
            return summary(self, count)
        g = Drawing(name="autodiff", graph_attr={"rankdir": o.rankdir,
                                                 "fontname": "Helvetica,Arial,sans-serif",
                                                 **_layout_limits(shown)},
                    node_attr={"fontname": "Helvetica,Arial,sans-serif", "fontsize": "11"},
                    edge_attr={"fontname": "Helvetica,Arial,sans-serif", "fontsize": "9",
                               "color": "#5f6368", "arrowsize": "0.7"})
        if self.step is not None:
            g.attr(label=plain_text(self.marks.step_title()), labelloc="t", fontsize="12",
                   fontname="Helvetica,Arial,sans-serif")
        buckets: dict[Any, list[tuple[str, str, dict[str, str]]]] = {}
        for node in shown:
            i = self.index[id(node)]
            key = self.groups.get(id(node)) if o.group else None
            bucket = buckets.setdefault(key, [])
            label, tooltip = self.record(node)
            bucket.append((f"v{i}", label, {"shape": "none", "margin": "0",
                                            "tooltip": tooltip, "id": f"v{i}"}))
            if self.drawn_op(node) and id(node) not in self.folding.box:
                bucket.append((f"o{i}", plain_text(self.op_label(node)),
                               {**self.marks.op_attributes(node), "id": f"o{i}"}))
        self._emit_nodes(g, buckets)
        self._emit_edges(g, shown)
        if o.flow:
            legend(g, self.marks.scale, o.precision)
        return g

    def _emit_nodes(self, g: Drawing, buckets: dict[Any, list]) -> None:
        for name, label, attrs in buckets.pop(None, []):
            g.node(name, label, **attrs)
        layers = sorted({key[0] for key in buckets})
        for layer in layers:
            with g.subgraph(name=f"cluster_layer{layer}") as lg:
                lg.attr(label="inputs (layer 0)" if layer == 0 else f"layer {layer}",
                        style="rounded,dashed", color=COLORS["cluster"], fontsize="10")
                for key in sorted(k for k in buckets if k[0] == layer):
                    if self.options.group == "neuron" and layer > 0:
                        with lg.subgraph(name=f"cluster_layer{layer}_unit{key[1]}") as ng:
                            ng.attr(label=f"neuron {key[1]}", style="rounded",
                                    color=COLORS["cluster"], fontsize="9")
                            for name, label, attrs in buckets[key]:
                                ng.node(name, label, **attrs)
                    else:
                        for name, label, attrs in buckets[key]:
                            lg.node(name, label, **attrs)

    def _emit_edges(self, g: Drawing, shown: list[Value]) -> None:
        o = self.options
        boxes: dict[int, dict[int, int]] = {}
        for node in shown:
            if not self.drawn_op(node):
                continue
            i = self.index[id(node)]
            box = self.folding.box.get(id(node))
            if box is not None:
                continue
            two = node._op.kind is BINARY
            for k, (position, parent) in enumerate(value_operands(node)):
                attrs = self.marks.edge_attributes(node, k, OPERAND_NAMES[position], parent,
                                                   two)
                if self.edge_labels is not None:  # frames: room for the step's label
                    attrs.update(label=plain_text(self.edge_labels.get(f"e{i}_{k}", "")),
                                 fontsize=str(FRAME_LABEL_SIZE), fontcolor="transparent")
                g.edge(f"v{self.index[id(parent)]}", f"o{i}", id=f"e{i}_{k}", **attrs)
            g.edge(f"o{i}", f"v{i}", id=f"r{i}", **self.marks.result_edge_attributes(node))
        for node in self.order:  # a folded neuron: one edge per outside input
            box = self.folding.box.get(id(node))
            if box is None:
                continue
            for k, (_, parent) in enumerate(value_operands(node)):
                if self.folding.box.get(id(parent)) is box or id(parent) in self.folding.hidden:
                    continue
                uses = boxes.setdefault(id(box), {})
                n, flow = uses.get(id(parent), (0, 0.0))
                uses[id(parent)] = (n + 1, flow + (self.marks.flow(node, k) if o.flow else 0))
        for box_id, uses in boxes.items():
            b = self.index[box_id]
            for parent_id, (n, flow) in uses.items():  # flow: summed over the uses
                attrs = self.marks.flow_attributes(flow) if o.flow else {}
                g.edge(f"v{self.index[parent_id]}", f"v{b}", id=f"b{b}_{self.index[parent_id]}",
                       label=f"×{n}" if n > 1 else "", **attrs)


__all__ = ["Drawing", "Options", "draw", "draw_step"]
