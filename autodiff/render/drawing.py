"""`Drawing`: the graphviz.Digraph that `draw` returns, and the text rules its labels follow.

Rendering to SVG/PNG/PDF runs Graphviz's ``dot``; the DOT source needs no binary. When
``dot`` cannot be found, :class:`DotNotFoundError` says so and how to install it.

Value records use Graphviz HTML-like labels. The graphviz package quotes and escapes plain
labels (``graphviz.escape``) but has no escaping for the inside of an HTML-like label, so
:func:`html_text` does that: the XML entities ``&amp; &lt; &gt; &quot;`` (what Graphviz's
HTML parser understands), ``<BR/>`` for line breaks, and a visible ``\\xNN`` / ``\\uHHHH``
(hex digits) for control characters and lone surrogates, which no SVG (XML 1.0) file may contain.
Graphviz shows two backslashes in an HTML-like label as one, so each is doubled, and
``dot`` 2.43 rejects an element whose text is only ``]`` (``<B>]</B>``), so the first
``]`` of such a line is ``&#93;``. Braces and ``|`` have no meaning inside HTML-like
labels and stay as written.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import graphviz

from ..text import visible_text

INSTALL_HINT = ("install Graphviz, which provides it: `apt-get install graphviz` (Debian/Ubuntu), "
                "`brew install graphviz` (macOS), `conda install graphviz`, or see "
                "https://graphviz.org/download/; the DOT text needs no binary: "
                "`drawing.source`")


#: A DOT node statement as the graphviz package writes it: a name, then its attributes.
_NODE_STATEMENT = re.compile(r'\s*("(?:[^"\\]|\\.)*"|[\w.]+) \[')


class DotNotFoundError(graphviz.ExecutableNotFound):
    """Graphviz's ``dot`` program is not on PATH, so a drawing cannot become SVG/PNG/PDF."""

    def __init__(self, detail: str = "") -> None:
        RuntimeError.__init__(self, "rendering needs Graphviz's `dot` program, which was not "
                                    f"found on PATH{f' ({detail})' if detail else ''}; "
                              + INSTALL_HINT)


@contextlib.contextmanager
def _dot_needed() -> Iterator[None]:
    try:
        yield
    except graphviz.ExecutableNotFound as exc:
        if isinstance(exc, DotNotFoundError):
            raise
        raise DotNotFoundError(str(exc)) from None


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` (use ``.source``, ``.pipe()``, ``.render()`` as usual).

    Rendering explains a missing ``dot`` with :class:`DotNotFoundError`, and a Jupyter
    notebook shows the drawing inline as SVG.
    """

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        with _dot_needed():
            return super().pipe(*args, **kwargs)

    def render(self, *args: Any, **kwargs: Any) -> Any:
        with _dot_needed():
            return super().render(*args, **kwargs)

    def svg(self) -> str:
        """The drawing as SVG text (runs ``dot``)."""
        return self.pipe(format="svg", encoding="utf-8")

    def _repr_svg_(self) -> str:
        return self.svg()

    def __repr__(self) -> str:
        """Counts of the DOT statements; ``.source`` is the DOT text, ``.svg()`` the picture."""
        edges = sum(" -> " in line for line in self.body)
        nodes = sum(bool(_NODE_STATEMENT.match(line)) and " -> " not in line for line in self.body)
        return f"<Drawing: {nodes} nodes, {edges} edges (.source: DOT text, .svg(): SVG)>"


# --- text in labels ----------------------------------------------------------------------

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "<BR/>",
             "\t": " ",  # Graphviz drops a tab inside an HTML-like label
             "\\": "\\\\"}  # and shows two backslashes as one
_BRACKETS_ONLY = re.compile(r"(^|<BR/>)\](\]*)(?=<BR/>|$)")  # a line of "]" only


def _clean(text: str) -> str:
    """Newlines normalised; control characters and lone surrogates made visible."""
    return visible_text(text.replace("\r\n", "\n").replace("\r", "\n"), keep="\t\n")


def html_text(text: str) -> str:
    """``text`` made safe for the inside of a Graphviz HTML-like label, shown as written."""
    text = "".join(_ENTITIES.get(c, c) for c in _clean(text))
    return _BRACKETS_ONLY.sub(r"\1&#93;\2", text)  # dot 2.43 rejects "<B>]</B>"


def plain_text(text: str) -> str:
    """``text`` for a plain (non-HTML) label or tooltip: the graphviz package's escaping."""
    return graphviz.escape(_clean(text))


def tooltip_text(text: str) -> str:
    """``text`` for a tooltip, shown as written: Graphviz reads tooltips as escStrings twice
    (``\\N`` would become the node's name) and as XML (``&amp;`` would become ``&``)."""
    return graphviz.nohtml(_clean(text).replace("\\", "\\" * 4).replace("&", "&amp;"))

