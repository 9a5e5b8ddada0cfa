"""demos/why_backwards.py --quick: the three-way table, the counts, the δ tie-in and the SVG."""

import re
import runpy
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"


def test_why_backwards_quick_prints_the_table_and_writes_the_plot(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["why_backwards.py", "--quick"])
    monkeypatch.setenv("DEMO_OUT", str(tmp_path))
    runpy.run_path(str(ROOT / "demos" / "why_backwards.py"), run_name="__main__")
    out = capsys.readouterr().out
    rows = {m.group(1): m.groups()[1:] for m in re.finditer(
        r"^(finite differences|forward mode|reverse mode)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+"
        r"(\d+)\s+[\d.]+ms", out, re.M)}
    # Seed graph: 35 op nodes, 50 edges (each z1[j]: 3 constant products and 2 sums = 7
    # edges; 4 σ; z2: 4 products and 3 sums = 14; σ, −y, ², ×½ = 4). Reverse evaluates
    # each edge once. Forward seeds one weight per sweep and reaches only the edges
    # downstream of it: 131 for the 12 weights of Θ(0), 29 for the 4 of Θ(1).
    assert rows["finite differences"] == ("32", "0", str(32 * 35), "0", "0")
    assert rows["forward mode"] == ("1", "16", "35", "160", "160")
    assert rows["reverse mode"] == ("1", "1", "35", "50", "50")
    assert "agree: forward vs reverse" in out
    assert "that is why δ propagates backwards" in out
    assert "z2[0]: δ =  1.35088308306213" in out  # the seed's δ(2) for sample 3
    fan = re.findall(r"m = +(\d+): forward mode \(1 sweep\) +(\d+), reverse mode", out)
    assert [m for m, _ in fan] == ["4", "16"]

    tree = ET.parse(tmp_path / "why_backwards_cost.svg")
    ids = {element.get("id") for element in tree.iter()}
    assert {"finite_differences", "forward_mode", "reverse_mode", "fan_forward",
            "fan_reverse"} <= ids
    texts = " ".join("".join(t.itertext()) for t in tree.iter(f"{SVG}text"))
    assert "reverse mode" in texts and "parameters" in texts and "outputs m" in texts
    lines = {g.get("id"): g.find(f".//{SVG}path") for g in tree.iter(f"{SVG}g")
             if g.get("id") in ("forward_mode", "reverse_mode")}
    assert all(path is not None and path.get("d") for path in lines.values())
