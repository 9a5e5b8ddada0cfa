"""SVG written by hand for the network view: text, boxes, and where a frame should look."""

from __future__ import annotations

import html
from dataclasses import dataclass

Box = tuple[float, float, float, float]  # x, y, width, height
TEXT_COLOR = "#202124"


def text_width(text: str, size: float, bold: bool = False) -> float:
    """A generous estimate of the width of ``text`` in Helvetica at ``size`` px."""
    return len(text) * size * (0.6 if bold else 0.55)


@dataclass(frozen=True)
class Frame:
    """One picture: its SVG text, and where to look (viewBox units): ``focus`` holds the
    highlighted units and rows, ``anchor`` the first highlighted label."""

    svg: str
    focus: Box
    anchor: Box


def svg_escape(text: str) -> str:
    return html.escape(text, quote=True)


def svg_text(x: float, y: float, text: str, size: float, element_id: str | None,
          fill: str = TEXT_COLOR, bold: bool = False) -> str:
    ident = f' id="{element_id}"' if element_id else ""
    weight = ' font-weight="bold"' if bold else ""
    return (f'<text{ident} x="{x:g}" y="{y:g}" font-size="{size:g}" fill="{fill}"{weight}>'
            f"{svg_escape(text)}</text>")


def svg_box(box: Box, fill: str, stroke: str, width: float) -> str:
    x, y, w, h = box
    return (f'<rect x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}" rx="6" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="{width:g}"/>')


def union(boxes: list[Box]) -> Box:
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return round(x0, 2), round(y0, 2), round(x1 - x0, 2), round(y1 - y0, 2)
