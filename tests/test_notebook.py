"""demos/seed_derivation.ipynb: committed without outputs, and run here in a real kernel."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOK = Path(__file__).resolve().parent.parent / "demos" / "seed_derivation.ipynb"


def test_the_notebook_is_committed_with_its_outputs_cleared():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")
def test_the_notebook_runs_and_shows_drawings_tables_and_reports_inline(tmp_path, monkeypatch):
    monkeypatch.setenv("NOTEBOOK_OUT", str(tmp_path))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=180, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()  # raises CellExecutionError if any cell fails (its asserts included)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    kinds = [set(o.get("data", {})) for o in outputs]
    assert sum("image/svg+xml" in k for k in kinds) >= 2  # draw() and nn.draw_deltas()
    markdown = [o["data"]["text/markdown"] for o in outputs if "text/markdown" in o.get("data", {})]
    assert any("Backward pass of E" in m for m in markdown)  # the Explanation's table
    assert any("gradcheck" in m for m in markdown)  # the gradcheck report
    text = "".join(o.get("text", "") for o in outputs)
    assert "the seed printed" in text and "Warning" not in text
    # Section 6, "why δ propagates backwards, measured": Baydin's tables, the counts quoted.
    assert "Output tangent: v5 = 5.5" in text and "x1 = 5.5, x2 = 1.71634" in text
    assert "forward mode: 160 local derivatives in 16 sweeps" in text
    assert "reverse mode: 50 local derivatives in 1 sweep" in text
    prose = "".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "160 local derivatives forward against 50 backward" in prose
    counts = dict(re.findall(r"^ *(forward|reverse|auto): +(\d+) local derivatives", text, re.M))
    assert int(counts["forward"]) < int(counts["reverse"]) and counts["auto"] == counts["forward"]
    assert (tmp_path / "seed_derivation" / "frames" / "index.html").exists()
    # the network-level steps, and every node named in the seed's notation (no #N)
    assert "δ(1)[2] = (δ(2)[0]·θ1[2,0]) · a1[2]·(1 − a1[2])" in text
    assert not any(re.search(r"#\d+\b", m) for m in [text, *markdown])
    notation = nb.cells[0].source.split("Notation (the seed's)")[1]
    assert "{" not in notation and "z(l)[j]" in notation
