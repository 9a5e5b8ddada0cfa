"""docs/notebook-why-backwards.md: its code cells run in order and print what its text says."""

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
CELL = re.compile(r"<!-- cell: code -->\n```python\n(.*?)```", re.S)


def test_the_notebook_sections_code_cells_run_and_match_its_text(monkeypatch, capsys):
    text = (ROOT / "docs" / "notebook-why-backwards.md").read_text(encoding="utf-8")
    cells = CELL.findall(text)
    assert len(cells) == 6 and text.count("\n<!-- cell: code -->\n") == 6
    monkeypatch.chdir(ROOT)
    namespace: dict = {"__name__": "__notebook__"}
    for cell in cells:
        exec(compile(cell, "notebook-why-backwards", "exec"), namespace)
    out = capsys.readouterr().out
    assert "Output tangent: v5 = 5.5" in out and "x1 = 5.5, x2 = 1.71634" in out
    assert "forward mode: 160 local derivatives in 16 sweeps" in out
    assert "reverse mode: 50 local derivatives in 1 sweep" in out
    assert "160 local derivatives forward against 50 backward" in text
    counts = dict(re.findall(r"^ *(forward|reverse|auto): +(\d+) local derivatives", out, re.M))
    assert int(counts["forward"]) < int(counts["reverse"]) and counts["auto"] == counts["forward"]
