"""MkDocs hooks: pages the documentation site generates at build time from the project itself.

- ``step-through/``: the step-through page of one backward pass of the seed's 3-4-1
  network (its initial weights, the sample x = (0, 1, 1), y = 1), written by
  ``save_frames(explain(E), ...)`` (needs Graphviz's ``dot``), grouped per neuron and per layer too.
- ``notebook.html``: the teaching notebook ``demos/seed_derivation.ipynb``, executed in a
  kernel and rendered with nbconvert, outputs and drawings included.

Both are added to MkDocs' file list, so links to them are checked like any other page.
After the build, ``.nojekyll`` tells GitHub Pages to serve ``site/`` as it is.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "demos" / "seed_derivation.ipynb"
_scratch: list[Path] = []


def seed_step_through(folder: Path) -> None:
    """One sample's backward pass through the seed's network, as three step-through pages."""
    import autodiff
    import nn

    reference = nn.seed_reference()
    model = nn.MLP.from_weights(reference["initial_theta"])
    E = nn.half_squared_error(model([0.0, 1.0, 1.0]), 1.0)
    E.label = "E"
    E.backward()
    explanation = autodiff.explain(E)
    autodiff.save_frames(explanation, folder, precision=3)
    for step_by in ("neuron", "layer"):
        autodiff.save_frames(explanation, folder / f"by-{step_by}", step_by=step_by, group="neuron",
                                precision=3)


def rendered_notebook(out: Path) -> None:
    """The notebook executed (its own asserts included) and rendered as one HTML page."""
    import nbclient
    import nbformat
    from nbconvert import HTMLExporter

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    before = os.environ.get("NOTEBOOK_OUT")
    os.environ["NOTEBOOK_OUT"] = str(out.parent / "notebook-out")  # its files, not the repo's
    try:
        nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    finally:
        if before is None:
            del os.environ["NOTEBOOK_OUT"]
        else:
            os.environ["NOTEBOOK_OUT"] = before
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(notebook)
    back = ('<p style="margin: 1em 2em; font-family: sans-serif"><a href="chain-rule.html">'
            "← autodiff documentation: learn the chain rule</a></p>")
    start = body.index(">", body.index("<body")) + 1
    body = body[:start] + back + body[start:]
    out.write_text(body, encoding="utf-8")


def on_files(files: Files, config: Any) -> Files:
    scratch = Path(tempfile.mkdtemp(prefix="autodiff-docs-"))
    _scratch.append(scratch)
    seed_step_through(scratch / "step-through")
    rendered_notebook(scratch / "notebook.html")
    for path in sorted(p for p in scratch.rglob("*") if p.is_file()):
        uri = path.relative_to(scratch).as_posix()
        if uri.startswith(("step-through/", "notebook.html")):
            files.append(File.generated(config, uri, abs_src_path=str(path)))
    return files


def on_page_content(html: str, **kwargs: Any) -> str:
    """Docstrings name code with Sphinx roles (``:func:`draw```); show just the code."""
    return re.sub(r":(?:func|meth|class|mod|attr|data):(?=<code>)", "", html)


def on_post_build(config: Any) -> None:
    # GitHub Pages serves the folder as it is (no Jekyll pass over it).
    (Path(config.site_dir) / ".nojekyll").write_text("", encoding="utf-8")
    while _scratch:
        shutil.rmtree(_scratch.pop(), ignore_errors=True)
