"""The picture `draw` gives instead of a graph with more nodes than ``max_nodes``."""

from __future__ import annotations

import warnings
from typing import Any

from ..text import number
from .drawing import Drawing, html_text
from .layout import summary_rows


def summary(r: Any, count: int) -> Drawing:
    """One box: why the graph is not drawn node by node, what to do, and what it holds."""
    o = r.options
    message = (f"This graph would need {count} nodes, more than max_nodes={o.max_nodes}, "
               "so it is summarized instead of drawn. Pass max_nodes=None to draw it all, "
               "collapse=True (with group='neuron') to fold nn neurons into boxes, or draw "
               "a smaller part of the computation.")
    warnings.warn(message, stacklevel=4)
    p = o.precision
    out = r.output
    rows = [f'<TR><TD COLSPAN="2"><B>{html_text(r.name(out))}</B>: data '
            f"{html_text(number(out.data, p))}, grad {html_text(number(out.grad, p))}</TD></TR>"]
    rows += [f'<TR><TD ALIGN="LEFT">{html_text(what)}</TD><TD ALIGN="RIGHT">{n}</TD></TR>'
             for what, n in summary_rows(r.order)]
    rows.append(f'<TR><TD COLSPAN="2"><FONT POINT-SIZE="9">{html_text(message)}</FONT></TD></TR>')
    g = Drawing(name="autodiff_summary", graph_attr={"rankdir": o.rankdir},
                node_attr={"fontname": "Helvetica,Arial,sans-serif", "fontsize": "11"})
    g.node("summary", f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">'
                      f'{"".join(rows)}</TABLE>>', shape="none", margin="0")
    return g
