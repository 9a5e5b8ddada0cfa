"""Numbers and names as text: rounding for tables, and control characters made visible so
that no terminal escape, text reordering or invalid UTF-8 gets through (tables, drawings)."""

from __future__ import annotations

import math
import unicodedata
from typing import Any


def number(x: Any, precision: int) -> str:
    """A float shown with ``precision`` significant digits (``-0`` shown as ``0``)."""
    if not isinstance(x, float):
        x = float(x)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    return f"{x + 0.0:.{precision}g}"



def _visible(c: str) -> str:
    category = unicodedata.category(c)
    if category in ("Cc", "Cf", "Cs", "Zl", "Zp"):  # controls, bidi overrides, surrogates
        code = ord(c)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 \
            else f"\\U{code:08x}"
    return c


def visible_text(text: str, keep: str = "") -> str:
    """``text`` with control and format characters (bidi overrides; those not in ``keep``)
    and lone surrogates shown as ``\\xNN`` / ``\\uHHHH``, so that no terminal escape, text
    reordering or invalid UTF-8 gets through."""
    if text.isprintable():
        return text
    return "".join(c if c in keep else _visible(c) for c in text)


def one_line(text: str) -> str:
    """``text`` on one line (``\\r``, ``\\n`` written out), its controls made visible."""
    return visible_text(text.replace("\r", "\\r").replace("\n", "\\n"))


# Markdown and HTML that a label could carry: each is written so that it shows as itself
# (inert: no tag, script, link, image, emphasis, table cell or math in a notebook).
_MARKDOWN_INERT = {**{c: "\\" + c for c in "\\`*_[]|~$"},
                   "<": "&lt;", ">": "&gt;", "&": "&amp;"}


def markdown_cell(text: str) -> str:
    """``text`` on one line, shown as written in Markdown, e.g. as a table cell: labels
    are never live HTML, links, images, emphasis or math."""
    return "".join(_MARKDOWN_INERT.get(c, c) for c in one_line(text))


def counted(n: int, noun: str) -> str:
    """``3 inputs``, ``1 input``: a count and its noun, in the plural unless it is one."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
