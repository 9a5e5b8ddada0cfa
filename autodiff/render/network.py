"""The network view: an nn network drawn as the seed draws it, as SVG written here (no ``dot``).

Columns of units by layer, in index order top to bottom; each unit shows z(l), a(l) and
δ(l) = ∂E/∂z(l); each weight θk[i,j] is an edge that ends on its row beside the receiving
unit, with its value and, once known, ∂E/∂θ; the loss node is E as the article writes it.
One layout per network: a frame of the step-through only changes what is known and what is
highlighted. A batch shows each value per sample. Text is 12 px or larger at 100 %.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.checks import check_precision
from ..explain import explain
from ..labels import NodeNames
from ..network import Network, read_network
from ..recursion import shown, vector
from .svg import Box, Frame, svg_box, svg_escape, svg_text, text_width, union

if TYPE_CHECKING:
    from ..core.value import Value
    from ..explain import Explanation

FONT = "Helvetica,Arial,sans-serif"
NAME_SIZE, VALUE_SIZE, ROW_SIZE, TITLE_SIZE = 14.0, 13.0, 12.5, 15.0
LINE, PAD, GAP_X, GAP_Y, MARGIN = 19.0, 8.0, 84.0, 18.0, 16.0
COLORS = {"focus": "#e8710a", "focus_fill": "#fff3e0", "unit": "#f8f9fa", "border": "#80868b",
          "edge": "#9aa0a6", "pending": "#9e9e9e", "text": "#202124", "loss": "#e8f0fe",
          "weight_fill": "#ffffff", "known": "#137333"}


class NetworkPicture:
    """The fixed layout of ``network`` with the values of the pass ``e``; :meth:`frame`
    draws it with some gradients still unknown and some parts highlighted."""

    def __init__(self, network: Network, e: Explanation, precision: int = 3,
                 caption: str = "") -> None:
        self.n, self.e, self.p, self.caption = network, e, precision, caption
        self.names = NodeNames(precision)
        self._layout()

    # --- what each part says --------------------------------------------------------------

    def _unit_lines(self, layer: int, j: int, known: Any) -> list[tuple[str, str]]:
        """(key, text) of each line of unit j of layer l; key "δ" marks the δ line."""
        n, p = self.n, self.p
        s = range(n.samples)
        if layer == 0:
            return [("name", f"a0[{j}]"),
                    ("a", f"a = x[{j}] = {vector([n.input_value(t, j) for t in s], p)}")]
        a = n.a[layer, j]
        act = n.activations[layer - 1]
        lines = [("name", a[0].label or f"a{layer}[{j}]"),
                 ("z", f"z = {vector([n.z[layer, j][t].data for t in s], p)}")]
        if act != "linear":
            symbol = a[0]._op.symbol
            lines.append(("a", f"a = {symbol}(z) = {vector([v.data for v in a], p)}"))
        delta = (vector([self.e.gradient(n.z[layer, j][t]) for t in s], p)
                 if known(("δ", layer, j)) else "—")
        lines.append(("δ", f"δ = ∂E/∂z = {delta}"))
        return lines

    def _row(self, k: int, i: int, j: int, known: Any) -> tuple[str, str]:
        """The row of edge θk[i,j]: (the weight, its gradient or — while unknown)."""
        w = self.n.weights[k, i, j]
        grad = shown(self.e.gradient(w), self.p) if known(("θ", k, i, j)) else "—"
        return f"{w.label} = {shown(w.data, self.p)}", f"∂E/∂θ = {grad}"

    def _bias_row(self, layer: int, j: int, known: Any) -> tuple[str, str]:
        b = self.n.biases[layer, j]
        grad = shown(self.e.gradient(b), self.p) if known(("b", layer, j)) else "—"
        return f"{b.label} = {shown(b.data, self.p)}", f"∂E/∂b = {grad}"

    def _loss_lines(self) -> list[str]:
        n, p, out = self.n, self.p, self.n.output
        name = out.label if out.label and not out.label.startswith("½(") else "E"
        top = n.depth
        if n.seed_loss:
            many = n.samples > 1 or n.sizes[top] > 1
            formula = "Σ ½(a − y)²" if many else f"½({n.a[top, 0][0].label} − y)²"
            lines = [f"{name} = {formula}"]
            if n.samples > 1:
                lines.append(f"over {n.samples} samples")
            lines += [f"y{'' if n.sizes[top] == 1 else f'[{j}]'} = {vector(n.targets[j], p)}"
                      for j in range(n.sizes[top])]
        else:
            lines = [f"{name} = {self.names(out)}" if name != self.names(out) else name]
        lines.append(f"{name} = {shown(out.data, p)}")
        for j in range(n.sizes[top]):
            a = n.a[top, j]
            grads = vector([self.e.gradient(v) for v in a], p)
            lines.append(f"∂{name}/∂{a[0].label} = " + (f"a − y = {grads}" if n.seed_loss
                                                         else grads))
        return lines

    # --- the layout ------------------------------------------------------------------------

    def _layout(self) -> None:
        n = self.n
        everything = lambda key: True
        self.unit_box: dict[tuple[int, int], Box] = {}
        self.rows: dict[tuple[int, int, int], Box] = {}  # edge (k, i, j) → its row
        self.bias_rows: dict[tuple[int, int], Box] = {}
        columns: list[list[tuple[float, float, float]]] = []  # per layer: (fan, unit, height)
        for layer, size in enumerate(n.sizes):
            column = []
            for j in range(size):
                lines = self._unit_lines(layer, j, everything)
                unit_w = max(text_width(t, NAME_SIZE if k == "name" else VALUE_SIZE,
                                        k == "name") for k, t in lines) + 2 * PAD
                fan = [self._row(layer - 1, i, j, everything) for i in range(n.sizes[layer - 1])] \
                    if layer else []
                if (layer, j) in n.biases:
                    fan.append(self._bias_row(layer, j, everything))
                fan_w = max((text_width(t, ROW_SIZE) for t, _ in fan), default=0.0)
                fan_w += max((text_width(g, ROW_SIZE) for _, g in fan), default=0.0)
                fan_w += 3 * PAD if fan else 0.0
                height = max(len(lines), len(fan)) * LINE + 2 * PAD
                column.append((fan_w, unit_w, height))
            columns.append(column)
        self.loss_lines = self._loss_lines()
        loss_w = max(text_width(t, VALUE_SIZE, k == 0) for k, t in enumerate(self.loss_lines))
        loss_h = len(self.loss_lines) * LINE + 2 * PAD
        heights = [sum(h for _, _, h in c) + GAP_Y * (len(c) - 1) for c in columns]
        title_h = TITLE_SIZE * 1.6 * (2 if self.caption else 1) + PAD
        legend_h = LINE * 2 + PAD
        body = max([*heights, loss_h])
        x = MARGIN
        self.gradient_x: dict[int, float] = {}  # where each layer's rows show ∂E/∂θ
        for layer, column in enumerate(columns):
            fan_w = max(f for f, _, _ in column)
            if layer:
                rows = [self._row(layer - 1, i, j, everything) for i in range(n.sizes[layer - 1])
                        for j in range(n.sizes[layer])]
                rows += [self._bias_row(layer, j, everything) for j in range(n.sizes[layer])
                         if (layer, j) in n.biases]
                self.gradient_x[layer] = x + 2 * PAD + max(text_width(t, ROW_SIZE) for t, _ in rows)
            unit_w = max(u for _, u, _ in column)
            y = title_h + (body - heights[layer]) / 2
            for j, (_, _, h) in enumerate(column):
                self.unit_box[layer, j] = (x + fan_w, y, unit_w, h)
                if layer:
                    first = y + PAD
                    for i in range(n.sizes[layer - 1]):
                        self.rows[layer - 1, i, j] = (x, first + i * LINE, fan_w, LINE)
                    if (layer, j) in n.biases:
                        self.bias_rows[layer, j] = (x, first + n.sizes[layer - 1] * LINE,
                                                    fan_w, LINE)
                y += h + GAP_Y
            x += fan_w + unit_w + GAP_X
        self.loss_box = (x, title_h + (body - loss_h) / 2, loss_w + 2 * PAD, loss_h)
        width = x + loss_w + 2 * PAD + MARGIN
        legend = self._legend_lines()
        width = max(width, max(text_width(t, ROW_SIZE) for t in legend) + 2 * MARGIN)
        self.size = (round(width, 1), round(title_h + body + PAD + legend_h, 1))
        self.legend_y = title_h + body + PAD

    def _row_text(self, row: Box, weight: str, grad: str, layer: int, on: bool) -> str:
        fill = COLORS["focus"] if on else COLORS["text"]
        bold = ' font-weight="bold"' if on else ""
        return (f'<text x="{row[0] + PAD:g}" y="{row[1] + LINE * 0.72:g}" '
                f'font-size="{ROW_SIZE:g}" fill="{fill}"{bold}>{svg_escape(weight)}'
                f'<tspan x="{self.gradient_x[layer]:g}">{svg_escape(grad)}</tspan></text>')

    @staticmethod
    def _legend_lines() -> list[str]:
        return ["Each unit: z = its weighted input, a = f(z) its output, δ = ∂E/∂z its error "
                "term; each edge θk[i,j]: the weight from unit i of layer k to unit j of layer "
                "k + 1,",
                "with ∂E/∂θ = a(k)[i]·δ(k+1)[j] beside it. Orange: this step; — : not "
                "computed yet (δ runs from E backwards)."]

    # --- drawing ---------------------------------------------------------------------------

    def frame(self, known: Any = None, focus: frozenset = frozenset(), title: str = "",
              primary: tuple[int, int] | None = None) -> Frame:
        """The picture with only ``known`` gradients shown (a set of step keys, see
        :class:`autodiff.network.NetworkStep`; None: all) and ``focus`` highlighted; the
        anchor is the δ line of unit ``primary`` (layer, unit), else the first label."""
        has = (lambda key: True) if known is None else (lambda key: key in known)
        n = self.n
        w, h = self.size
        parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:g}px" height="{h:g}px" '
                 f'viewBox="0 0 {w:g} {h:g}" font-family="{FONT}">',
                 '<g id="graph0" class="graph" transform="translate(0 0)">',
                 f'<rect x="0" y="0" width="{w:g}" height="{h:g}" fill="white"/>']
        y = MARGIN + TITLE_SIZE
        for line in ([self.caption] if self.caption else []) + ([title] if title else []):
            parts.append(svg_text(MARGIN, y, line, TITLE_SIZE, "frame-title" if line == title
                               and title else "caption"))
            y += TITLE_SIZE * 1.6
        boxes: list[Box] = []
        labels: list[Box] = []
        for (layer, j), box in self.unit_box.items():  # the fan-in rows' frames, under the edges
            if layer:
                fx = self.rows[layer - 1, 0, j][0]
                parts.append(f'<rect x="{fx:g}" y="{box[1]:g}" width="{box[0] - fx:g}" '
                             f'height="{box[3]:g}" rx="6" fill="{COLORS["weight_fill"]}" '
                             f'stroke="{COLORS["border"]}" stroke-dasharray="3 3"/>')
        for (k, i, j), row in self.rows.items():  # edges first, under the units
            on = ("edge", k, i, j) in focus
            sx, sy, sw, sh = self.unit_box[k, i]
            color = COLORS["focus"] if on else COLORS["edge"]
            weight, grad = self._row(k, i, j, has)
            parts.append(f'<g id="e{k}_{i}_{j}" class="edge"><title>{svg_escape(weight)}</title>'
                         f'<line x1="{sx + sw:g}" y1="{sy + sh / 2:g}" x2="{row[0]:g}" '
                         f'y2="{row[1] + row[3] / 2:g}" stroke="{color}" '
                         f'stroke-width="{2.5 if on else 1.2}"/>'
                         + self._row_text(row, weight, grad, k + 1, on) + "</g>")
            if on:
                labels.append((row[0], row[1], row[2], row[3]))
        top = n.depth
        lx, ly, _, lh = self.loss_box
        for j in range(n.sizes[top]):
            sx, sy, sw, sh = self.unit_box[top, j]
            on = ("loss",) in focus
            parts.append(f'<g id="loss_edge{j}" class="edge"><line x1="{sx + sw:g}" '
                         f'y1="{sy + sh / 2:g}" x2="{lx:g}" y2="{ly + lh / 2:g}" '
                         f'stroke="{COLORS["focus"] if on else COLORS["edge"]}" '
                         f'stroke-width="{2.5 if on else 1.2}"/></g>')
        for (layer, j), box in self.unit_box.items():
            on = ("unit", layer, j) in focus
            fan = [self.rows[layer - 1, i, j] for i in range(n.sizes[layer - 1])] if layer else []
            if (layer, j) in self.bias_rows:
                fan.append(self.bias_rows[layer, j])
            parts.append(f'<g id="u{layer}_{j}" class="node">')
            parts.append(svg_box(box, COLORS["focus_fill"] if on else COLORS["unit"],
                              COLORS["focus"] if on else COLORS["border"], 2.5 if on else 1))
            ty = box[1] + PAD + LINE * 0.72
            for key, text in self._unit_lines(layer, j, has):
                mark = on and key == "δ"
                size = NAME_SIZE if key == "name" else VALUE_SIZE
                parts.append(svg_text(box[0] + PAD, ty, text, size, None,
                                   COLORS["focus"] if mark else COLORS["text"],
                                   key == "name" or mark))
                if mark:
                    labels.insert(0 if (layer, j) == primary else len(labels),
                                  (box[0] + PAD, ty - size, text_width(text, size), size * 1.4))
                ty += LINE
            for (bl, bj), row in self.bias_rows.items():
                if (bl, bj) == (layer, j):
                    on_b = on and has(("b", layer, j))
                    parts.append(self._row_text(row, *self._bias_row(layer, j, has), layer, on_b))
            parts.append("</g>")
            if on:
                boxes.append((fan[0][0] if fan else box[0], box[1],
                              box[0] + box[2] - (fan[0][0] if fan else box[0]), box[3]))
        on = ("loss",) in focus
        parts.append('<g id="loss" class="node">')
        parts.append(svg_box(self.loss_box, COLORS["focus_fill"] if on else COLORS["loss"],
                          COLORS["focus"] if on else COLORS["border"], 2.5 if on else 1))
        ty = ly + PAD + LINE * 0.72
        for k, text in enumerate(self.loss_lines):
            parts.append(svg_text(lx + PAD, ty, text, VALUE_SIZE, None, COLORS["text"], k == 0))
            ty += LINE
        parts.append("</g>")
        if on:
            boxes.append(self.loss_box)
        ty = self.legend_y + LINE * 0.72
        for line in self._legend_lines():
            parts.append(svg_text(MARGIN, ty, line, ROW_SIZE, "legend", "#5f6368"))
            ty += LINE
        parts.append("</g></svg>")
        svg = '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + "\n".join(parts)
        everything = boxes + labels
        return Frame(svg, union(everything) if everything else (0, 0, w, h),
                     labels[0] if labels else union(boxes) if boxes else (0, 0, w, h))


class NetworkDrawing:
    """What :func:`draw_network` returns: ``.svg()`` is the picture as SVG text, shown
    inline in notebooks; ``.save(path)`` writes it; ``.size`` is (width, height) in px."""

    def __init__(self, picture: NetworkPicture) -> None:
        self.picture = picture
        self.size = picture.size
        self._svg = picture.frame().svg

    def svg(self) -> str:
        """The picture as SVG text."""
        return self._svg

    def _repr_svg_(self) -> str:
        return self._svg

    def save(self, path: str | Path) -> Path:
        """Write the SVG to ``path`` (returned)."""
        path = Path(path)
        path.write_text(self._svg, encoding="utf-8")
        return path


def draw_network(output: Value, *, precision: int = 3, caption: str = "") -> NetworkDrawing:
    """The nn network that computed the loss ``output``, drawn as the seed draws it, with
    every value and gradient of ``output``'s backward pass (``.grad`` is left untouched).

    Raises ValueError when the graph is not one whole network labelled by ``nn`` (draw it
    with :func:`autodiff.draw`)."""
    check_precision(precision)
    if not isinstance(caption, str):
        raise TypeError(f"caption must be a str, got {type(caption).__name__}")
    e = explain(output)
    network = read_network(output, e.order)
    if network is None:
        raise ValueError("draw_network needs a loss computed by one nn network (its Values "
                         "labelled θk[i,j], z{layer}[j], a{layer}[j]); draw any other graph with "
                         "autodiff.draw")
    return NetworkDrawing(NetworkPicture(network, e, precision, caption))
