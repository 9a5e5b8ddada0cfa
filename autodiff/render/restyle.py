"""Frames from one layout: ``dot`` runs once for the whole pass, each frame only restyles it.

:class:`FrameSheet` lays the graph out once, with every gradient cell as wide as the widest
text it will show, and gives each node and edge an SVG id (``v3``, ``o3``, ``e3_0``, ``r3``).
A frame changes colours, stroke widths and the gradient cells' text, and adds the focused
step's labels on top: no node moves from frame to frame, and the page can centre on them.
"""

from __future__ import annotations

import re
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core.graph import value_operands
from ..text import number
from .graph import COLORS, FRAME_LABEL_SIZE, Options, _Renderer
from .marks import Marks

if TYPE_CHECKING:
    from ..explain import Explanation
    from ..stepping import GroupedStep

SVG_NS, XLINK_NS = "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)
S = f"{{{SVG_NS}}}"
LABEL_SIZE = FRAME_LABEL_SIZE  # font size of the step's labels, in SVG units (pt at 100%)
TITLE_BAND = 30.0  # room above the graph for the frame's title


@dataclass(frozen=True)
class Frame:
    """One frame's SVG text and where to look, as (x, y, width, height) in the SVG's viewBox
    units: ``focus`` holds the highlighted nodes and labels, ``anchor`` the first label."""

    svg: str
    focus: tuple[float, float, float, float]
    anchor: tuple[float, float, float, float]


def _points(text: str) -> list[tuple[float, float]]:
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", text)]
    return list(zip(numbers[::2], numbers[1::2], strict=False))


class FrameSheet:
    """The whole pass laid out once; :meth:`frame` restyles it for one (grouped) step."""

    def __init__(self, explanation: Explanation, groups: tuple[GroupedStep, ...],
                 **draw_options: Any) -> None:
        options = Options(**draw_options)
        self.e, self.p = explanation, options.precision
        r = _Renderer(explanation.output, options, None, explanation)
        self.r = r
        self.labels = [self._labels(group) for group in groups]
        r.edge_labels = {edge: text for labels in self.labels for text, edge in labels}
        r.grads = explanation.gradients_after(len(explanation.steps) - 1)
        r.marks = Marks(r, None)
        r.marks.zero_marks = False  # reasons for a final 0 would be wrong mid-pass
        if options.show_grad:
            r.grad_texts = {id(n): "grad —" for n in r.order}
            for step in explanation.steps:
                for c in step.contributions:
                    text = f"grad {number(c.running_sum, self.p)}"
                    if len(text) > len(r.grad_texts[id(c.input)]):
                        r.grad_texts[id(c.input)] = text
            r.grad_texts[id(explanation.output)] = f"grad {number(explanation.seed, self.p)}"
        with warnings.catch_warnings():  # a summary is refused below, with its own message
            warnings.simplefilter("ignore", UserWarning)
            drawing = r.drawing()
        if "autodiff_summary" in drawing.source.split("{", 1)[0]:
            raise ValueError(f"the graph has more nodes than max_nodes={options.max_nodes}: "
                             "pass max_nodes=None to step through it all, or collapse=True "
                             "(with group='neuron') to fold neurons")
        self.root = ET.fromstring(drawing.pipe(format="svg", encoding="utf-8"))
        self.ids = {el.get("id"): el for el in self.root.iter() if el.get("id")}
        self._make_room_for_a_title()
        self.grad_cells: dict[int, ET.Element] = {}
        if r.grad_texts is not None:
            for node in r.order:
                group = self.ids.get(f"v{r.index[id(node)]}")
                texts = [] if group is None else list(group.iter(f"{S}text"))
                cell = [t for t in texts if t.text == r.grad_texts[id(node)]]
                if cell:
                    self.grad_cells[id(node)] = cell[-1]

    def _make_room_for_a_title(self) -> None:
        root, graph = self.root, self.ids["graph0"]
        x0, y0, w, h = (float(v) for v in root.get("viewBox", "").split())
        h += TITLE_BAND
        root.set("viewBox", f"{x0:.2f} {y0:.2f} {w:.2f} {h:.2f}")
        root.set("height", f"{h:.0f}pt")
        tx, ty = (float(v) for v in re.findall(r"translate\(([-\d.]+) ([-\d.]+)\)",
                                                graph.get("transform", ""))[0])
        ty += TITLE_BAND
        graph.set("transform", f"scale(1 1) rotate(0) translate({tx:g} {ty:g})")
        self.size, self.offset = (w, h), (tx, ty)
        self.title = ET.SubElement(graph, f"{S}text", {
            "x": f"{8 - tx:g}", "y": f"{TITLE_BAND - 10 - ty:g}", "font-size": "14",
            "font-family": "Helvetica,Arial,sans-serif", "id": "frame-title"})

    # --- one frame ---------------------------------------------------------------------

    def frame(self, group: GroupedStep, title: str) -> Frame:
        """The SVG of the pass after ``group`` (its nodes, edges and labels emphasised)."""
        r, changes = self.r, []

        def change(el: ET.Element | None, **attrs: str) -> None:
            if el is not None:
                for key, value in attrs.items():
                    changes.append((el, key.replace("_", "-"), el.get(key.replace("_", "-"))))
                    el.set(key.replace("_", "-"), value)

        grads = self.e.gradients_after(group.last)
        old_texts = {k: el.text for k, el in self.grad_cells.items()}
        for node_id, cell in self.grad_cells.items():
            g = grads.get(node_id)
            cell.text = "grad —" if g is None else f"grad {number(g, self.p)}"
        self.title.text = title
        boxes: list[tuple[float, float, float, float]] = []  # the nodes', then the labels'
        received = {id(s.input) for s in group.contributions}
        for node in r.order:
            if id(node) in received and id(node) in self.grad_cells:
                change(self._cell_border(node), fill=COLORS["received"])
        for step in group.steps:
            i = r.index[id(step.node)]
            op = self.ids.get(f"o{i}") or self._box(step.node)
            for shape in () if op is None else op.iter():
                if shape.tag in (f"{S}ellipse", f"{S}polygon"):
                    change(shape, fill=COLORS["highlight_fill"], stroke=COLORS["highlight"],
                           stroke_width="2.5")
                    boxes.append(self._shape_box(shape))
            for edge_id in [f"e{i}_{k}" for k in range(len(step.contributions))] + [f"r{i}"]:
                for shape in self._edge_shapes(edge_id):
                    change(shape, stroke=COLORS["highlight"], stroke_width="3")
                    if shape.tag == f"{S}polygon":
                        change(shape, fill=COLORS["highlight"])
        nodes = len(boxes)
        for text, edge_id in self.labels[group.index]:
            shown = next((t for t in self.ids[edge_id].iter(f"{S}text") if t.text == text),
                         None) if edge_id in self.ids else None
            if shown is not None:
                change(shown, fill=COLORS["highlight"])
                width = 0.6 * LABEL_SIZE * len(text)
                boxes.append((float(shown.get("x", "0")) - width / 2,
                              float(shown.get("y", "0")) - LABEL_SIZE, width, LABEL_SIZE * 1.3))
        svg = ET.tostring(self.root, encoding="unicode")
        for el, key, value in reversed(changes):
            if value is None:
                del el.attrib[key]
            else:
                el.set(key, value)
        for node_id, text in old_texts.items():
            self.grad_cells[node_id].text = text
        return Frame('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + svg,
                     self._union(boxes), self._union(boxes[nodes:nodes + 1] or boxes[:1]))

    def _labels(self, group: GroupedStep) -> list[tuple[str, str]]:
        """(text, edge id) of each label the frame shows on an edge."""
        r, p = self.r, self.p
        if len(group.steps) == 1:
            step = group.steps[0]
            i = r.index[id(step.node)]
            return [(f"{c.operand}: {number(step.upstream, p)} × {number(c.local_derivative, p)}"
                     f" = {number(c.contribution, p)}", f"e{i}_{k}")
                    for k, c in enumerate(step.contributions)]
        inside = {id(n) for n in group.nodes}
        labels = []
        for summed in group.contributions:
            if summed.internal:
                continue
            for node in group.nodes:
                ks = [k for k, (_, parent) in enumerate(value_operands(node))
                      if parent is summed.input]
                if ks and id(node) in inside:
                    labels.append((f"{self.e.name(summed.input)}: Σ {summed.count} = "
                                   f"{number(summed.contribution, p)}",
                                   f"e{r.index[id(node)]}_{ks[0]}"))
                    break
        return labels

    # --- geometry ----------------------------------------------------------------------

    def _edge_shapes(self, edge_id: str) -> list[ET.Element]:
        edge = self.ids.get(edge_id)
        return [] if edge is None else [s for s in edge.iter()
                                        if s.tag in (f"{S}path", f"{S}polygon")]

    def _box(self, node: Any) -> ET.Element | None:
        box = self.r.folding.box.get(id(node))
        return None if box is None else self.ids.get(f"v{self.r.index[id(box)]}")

    def _cell_border(self, node: Any) -> ET.Element | None:
        cell = self.grad_cells[id(node)]
        group = self.ids[f"v{self.r.index[id(node)]}"]
        shapes = list(group.iter())
        before = [s for s in shapes[:shapes.index(cell)] if s.tag == f"{S}polygon"]
        return before[-1] if before else None

    @staticmethod
    def _shape_box(shape: ET.Element) -> tuple[float, float, float, float]:
        if shape.tag == f"{S}ellipse":
            cx, cy, rx, ry = (float(shape.get(k, "0")) for k in ("cx", "cy", "rx", "ry"))
            return cx - rx, cy - ry, 2 * rx, 2 * ry
        xs, ys = zip(*_points(shape.get("points", "")), strict=True)
        return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)

    def _union(self, boxes: list[tuple[float, float, float, float]]
               ) -> tuple[float, float, float, float]:
        tx, ty = self.offset
        if not boxes:
            return 0.0, 0.0, self.size[0], self.size[1]
        x0 = min(b[0] for b in boxes)
        y0 = min(b[1] for b in boxes)
        x1 = max(b[0] + b[2] for b in boxes)
        y1 = max(b[1] + b[3] for b in boxes)
        return round(x0 + tx, 2), round(y0 + ty, 2), round(x1 - x0, 2), round(y1 - y0, 2)
