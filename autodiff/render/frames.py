"""Frames of a backward pass: one SVG per explained step and an offline HTML pager over them.

The page is one self-contained file (no network, no CDN): ← / → (and Home / End) or the
buttons move between frames; ``index.html#k`` opens at step k.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..explain import number
from .graph import draw_step

if TYPE_CHECKING:
    from ..explain import Explanation

FRAME_NAME = re.compile(r"step-\d+\.svg")


def frame_names(count: int) -> list[str]:
    """File names of ``count`` frames, zero-padded so they sort in step order."""
    width = max(3, len(str(count - 1)))
    return [f"step-{k:0{width}d}.svg" for k in range(count)]


def save_frames(explanation: Explanation, folder: str | Path, **draw_options: Any) -> Path:
    """Write ``step-NNN.svg`` for every step and ``index.html``; return the page's path."""
    if not isinstance(folder, (str, Path)):
        raise TypeError(f"folder must be a str or Path, got {type(folder).__name__}")
    steps = explanation.steps
    if not steps:
        raise ValueError(f"{explanation.name(explanation.output)!r} is a leaf: its backward "
                         "pass has no steps to draw")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = frame_names(len(steps))
    for old in folder.glob("step-*.svg"):  # frames of an earlier, longer pass
        if FRAME_NAME.fullmatch(old.name) and old.name not in names:
            old.unlink()
    precision = draw_options.get("precision", 4)
    frames = []
    for step, name in zip(steps, names, strict=True):
        drawing = draw_step(explanation, step.index, **draw_options)
        (folder / name).write_text(drawing.pipe(format="svg", encoding="utf-8"),
                                   encoding="utf-8")
        frames.append({
            "file": name,
            "title": (f"steps[{step.index}]: {explanation.name(step.node)} = "
                      f"{explanation.expression(step.node, precision)} sends its gradient "
                      f"{number(step.upstream, precision)} back"),
            "rows": [[explanation.name(c.input), f"∂/∂{c.operand} = {c.formula}",
                      number(c.local_derivative, precision), number(step.upstream, precision),
                      number(c.contribution, precision), number(c.running_sum, precision)]
                     for c in step.contributions]})
    title = (f"Backward pass of {explanation.name(explanation.output)} = "
             f"{number(explanation.output.data, precision)}")
    page = folder / "index.html"
    page.write_text(_page(title, frames), encoding="utf-8")
    return page


def _page(title: str, frames: list[dict[str, Any]]) -> str:
    data = json.dumps(frames, ensure_ascii=False).replace("<", "\\u003c")
    values = {"title": html.escape(title), "frames": data}
    # One pass, so a label that reads "{frames}" stays text.
    return re.sub(r"\{(title|frames)\}", lambda m: values[m[1]], PAGE)


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
  body { font-family: Helvetica, Arial, sans-serif; margin: 1em 2em; color: #202124; }
  nav { display: flex; gap: .5em; align-items: center; margin: .5em 0; }
  button { font-size: 1em; padding: .3em .8em; }
  #counter { min-width: 6em; text-align: center; font-variant-numeric: tabular-nums; }
  #frame { max-width: 100%; border: 1px solid #dadce0; }
  table { border-collapse: collapse; margin: .5em 0; }
  td, th { border: 1px solid #dadce0; padding: .2em .6em; text-align: left; }
  .hint { color: #5f6368; font-size: .9em; }
</style>
</head>
<body>
<h1>{title}</h1>
<nav>
  <button id="first" title="first step (Home)">⏮</button>
  <button id="prev" title="previous step (←)">◀ previous</button>
  <span id="counter"></span>
  <button id="next" title="next step (→)">next ▶</button>
  <button id="last" title="last step (End)">⏭</button>
  <span class="hint">keys: ← → Home End</span>
</nav>
<p id="title"></p>
<table>
  <thead><tr><th>input</th><th>local derivative (op table)</th><th>local</th>
  <th>× upstream</th><th>= contribution</th><th>input's grad so far</th></tr></thead>
  <tbody id="rows"></tbody>
</table>
<img id="frame" alt="the graph at this step">
<script type="application/json" id="frames">{frames}</script>
<script>
"use strict";
const frames = JSON.parse(document.getElementById("frames").textContent);
const img = document.getElementById("frame");
let current = 0;
function show(k) {
  current = Math.max(0, Math.min(frames.length - 1, k));
  const frame = frames[current];
  img.src = frame.file;
  document.getElementById("counter").textContent = (current + 1) + " / " + frames.length;
  document.getElementById("title").textContent = frame.title;
  const body = document.getElementById("rows");
  body.replaceChildren(...frame.rows.map(row => {
    const tr = document.createElement("tr");
    for (const cell of row) {
      const td = document.createElement("td");
      td.textContent = cell;
      tr.appendChild(td);
    }
    return tr;
  }));
  document.getElementById("prev").disabled = current === 0;
  document.getElementById("first").disabled = current === 0;
  document.getElementById("next").disabled = current === frames.length - 1;
  document.getElementById("last").disabled = current === frames.length - 1;
  try { history.replaceState(null, "", "#" + current); } catch (e) { /* file: URLs may refuse */ }
}
document.getElementById("first").addEventListener("click", () => show(0));
document.getElementById("prev").addEventListener("click", () => show(current - 1));
document.getElementById("next").addEventListener("click", () => show(current + 1));
document.getElementById("last").addEventListener("click", () => show(frames.length - 1));
document.addEventListener("keydown", event => {
  const moves = {ArrowLeft: current - 1, ArrowRight: current + 1,
                 Home: 0, End: frames.length - 1};
  if (event.key in moves) { event.preventDefault(); show(moves[event.key]); }
});
show(parseInt(location.hash.slice(1), 10) || 0);
</script>
</body>
</html>
"""
