"""What the page shows, computed by the project's own code: every number is the engine's.

Each view is a JSON-ready dict. The step-through is the project's own page
(:func:`autodiff.save_frames`), written to the in-memory file system and handed back as one
document (:func:`inline_page`), so the panel, table and highlighting are the same code.
Numbers the tests compare are ``repr`` of the engine's floats: what CPython prints.
"""

from __future__ import annotations

import base64
import shutil
import tempfile
from pathlib import Path
from typing import Any

from autodiff import Explanation, Value, draw, explain, explain_forward, save_frames

from .expression import ExpressionError, parse

MIME = {".svg": "image/svg+xml", ".png": "image/png", ".json": "application/json",
        ".css": "text/css", ".js": "text/javascript"}


def check(text: str) -> dict[str, Any]:
    """``{"inputs": [...]}`` for an accepted expression, else ``{"error": message}``."""
    try:
        return {"inputs": list(parse(text).inputs)}
    except ExpressionError as error:
        return {"error": str(error)}


def expression_view(text: str, values: dict[str, Any]) -> dict[str, Any]:
    """The expression on the engine: value, gradients, explain's steps, forward mode per
    input, the drawing and the step-through page; ``{"error": message}`` when refused."""
    try:
        expression = parse(text)
        output, leaves = expression.build(dict(values))
    except ExpressionError as error:
        return {"error": str(error)}
    explanation = explain(output)
    output.backward()
    forward = {name: table(explain_forward(output, {leaf: 1.0}))
               for name, leaf in leaves.items()}
    return {
        "text": expression.text,
        "inputs": [[name, repr(leaf.data)] for name, leaf in leaves.items()],
        "output": repr(output.data),
        "gradients": [[name, repr(leaf.grad)] for name, leaf in leaves.items()],
        "explain": table(explanation),
        "forward": forward,
        "graph": draw(output).svg(),
        "steps": stepping_page(explanation),
    }


def table(steps: Any) -> dict[str, Any]:
    """A step table (``explain`` or ``explain_forward``) as title, header, rows and footer."""
    lines = steps.to_text().split("\n")
    return {"title": lines[0], "header": list(steps.HEADER), "rows": steps.rows(),
            "footer": lines[-1]}


def stepping_page(explanation: Explanation, step_by: str = "op") -> str:
    """The project's step-through page for ``explanation``, as one self-contained document."""
    if not explanation.steps:
        return ""
    folder = Path(tempfile.mkdtemp(prefix="frames-"))
    try:
        return inline_page(save_frames(explanation, folder / "frames", step_by=step_by))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def inline_page(index: Path) -> str:
    """``index`` with every sibling file it names turned into a ``data:`` URL, so the page
    can be shown in a frame without a server behind it."""
    page = index.read_text(encoding="utf-8")
    for path in sorted(index.parent.iterdir()):
        quoted = f'"{path.name}"'
        if path == index or quoted not in page:
            continue
        mime = MIME.get(path.suffix, "application/octet-stream")
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        page = page.replace(quoted, f'"data:{mime};base64,{data}"')
    return page


def leaf_values(output: Value) -> dict[str, float]:
    """``{label: data}`` of the labelled leaves of ``output``'s graph (for tests)."""
    from autodiff import creation_order

    return {n.label: n.data for n in creation_order(output) if n.op == "" and n.label}
