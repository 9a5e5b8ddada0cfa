"""Frames of a backward pass: one SVG per step, all from one layout, and an offline HTML page.

The page (``page/index.html``, package data) is one self-contained file, no network: ← / →
(Home / End) or the buttons step, + / − / 0 / 1, the wheel and dragging zoom and pan, and
each step is centred on the edges it sends its gradient along. ``index.html#k`` opens at
step k. Writing loses nothing (:mod:`autodiff.render.folder_writes`): every file goes to
a temporary name first, and a journal records the renames before they start: the
manifest first, then the frames, ``index.html`` last, with a short "being written" page
in its place meanwhile, so a browser never loads a mix of two runs. A save killed on the
way is finished (or, before its journal, rolled back) by the next save into the folder.
The folder's manifest lists what the previous run wrote, and only those files are ever
removed.
"""

from __future__ import annotations

import html
import json
import re
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.checks import is_integer
from ..labels import parse_label
from ..stepping import group_steps
from ..text import number
from .folder_writes import commit, discard, read_json, recover, write_temporary
from .restyle import FrameSheet

if TYPE_CHECKING:
    from ..explain import Explanation
    from ..stepping import GroupedStep

FRAME_NAME = re.compile(r"step-\d+\.svg")
MANIFEST = "frames-manifest.json"
OWNED = re.compile(r"step-\d+\.svg|index\.html|frames-manifest\.json")  # what it may replace
PLACEHOLDER = ("<!doctype html><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" "
               "content=\"2\"><title>being written</title><p>This step-through page is being "
               "written and reloads in a moment. If it stays, an earlier save was stopped: "
               "save_frames into this folder again finishes it.</p>\n")
WRITER = "autodiff.save_frames"
OP_HEADER = ["input", "local derivative (op table)", "local", "× upstream", "= contribution",
             "input's grad so far"]
GROUP_HEADER = ["input", "contributions summed", "Σ contribution", "input's grad so far"]


def frame_names(count: int) -> list[str]:
    """File names of ``count`` frames, zero-padded so they sort in step order."""
    width = max(3, len(str(count - 1)))
    return [f"step-{k:0{width}d}.svg" for k in range(count)]


def save_frames(explanation: Explanation, folder: str | Path, *, step_by: str = "op",
                max_steps: int = 500, **draw_options: Any) -> Path:
    """Write ``step-NNN.svg`` for every step and ``index.html``; return the page's path.

    ``step_by``: "op" (one frame per explained step), "neuron" or "layer" (an ``nn``
    network's steps grouped; per layer, each frame is one δ(l) of the seed's recursion).
    ``max_steps``: a pass with more frames than this raises ValueError before anything is
    written. ``draw_options`` go to :func:`autodiff.draw` (not ``step`` or ``highlight``).
    """
    if not isinstance(folder, (str, Path)):
        raise TypeError(f"folder must be a str or Path, got {type(folder).__name__}")
    if not is_integer(max_steps):
        raise TypeError(f"max_steps must be an int, got {type(max_steps).__name__}")
    if max_steps < 1:
        raise ValueError(f"max_steps must be at least 1, got {max_steps}")
    for refused in ("step", "highlight"):
        if refused in draw_options:
            raise TypeError(f"save_frames draws every step itself: {refused}= is not an option")
    if not explanation.steps:
        raise ValueError(f"{explanation.name(explanation.output)!r} is a leaf: its backward "
                         "pass has no steps to draw")
    groups = group_steps(explanation, step_by)
    if len(groups) > max_steps:
        raise ValueError(f"this backward pass has {len(groups)} steps (step_by={step_by!r}), "
                         f"more than max_steps={max_steps}: pass a larger max_steps, "
                         "step_by='layer' for an nn network, or explain a smaller graph")
    folder = Path(folder)
    names = frame_names(len(groups))
    recover(folder, OWNED)  # finish (or roll back) a save that was killed on the way
    earlier = _earlier_run(folder, [*names, "index.html", MANIFEST])
    sheet = FrameSheet(explanation, groups, **draw_options)  # runs dot, once; may raise
    precision = sheet.p
    records, frames = [], []
    folder.mkdir(parents=True, exist_ok=True)
    stale = sorted(earlier - set(names))
    pending = []
    try:
        if (folder / "index.html").exists():
            pending.append((write_temporary(folder, "index.html", PLACEHOLDER), "index.html"))
        listed = json.dumps({"writer": WRITER, "files": [*names, *stale]}, indent=1)
        pending.append((write_temporary(folder, MANIFEST, listed), MANIFEST))
        for group, name in zip(groups, names, strict=True):
            title = _title(explanation, group, len(groups), precision)
            frame = sheet.frame(group, title)
            frames.append((write_temporary(folder, name, frame.svg), name))
            records.append({"file": name, "title": title, "focus": frame.focus,
                            "anchor": frame.anchor,
                            **_table(explanation, group, precision)})
        title = (f"Backward pass of {explanation.name(explanation.output)} = "
                 f"{number(explanation.output.data, precision)}: {len(groups)} steps"
                 f"{'' if step_by == 'op' else f' by {step_by}'}")
        pending += frames
        frames = []
        pending.append((write_temporary(folder, "index.html",
                                        _page(title, records, sheet.size)), "index.html"))
    except BaseException:
        discard([t for t, _ in pending + frames])
        raise
    commit(folder, pending, stale, OWNED)  # the placeholder, manifest, frames, index.html
    return folder / "index.html"


def _earlier_run(folder: Path, names: list[str]) -> set[str]:
    """The frames an earlier save_frames listed in ``folder``'s manifest; refuses to write
    over a file that no earlier run wrote."""
    listed: set[str] = set()
    manifest = folder / MANIFEST
    if manifest.is_file():
        data = read_json(manifest)
        if not isinstance(data, dict) or data.get("writer") != WRITER:
            raise FileExistsError(f"{manifest} was not written by save_frames: choose "
                                  "another folder")
        listed = {n for n in data.get("files", []) if isinstance(n, str)
                  and FRAME_NAME.fullmatch(n) and (folder / n).exists()}
    ours = listed | ({"index.html", MANIFEST} if manifest.is_file() else set())
    clashes = [n for n in names if (folder / n).exists() and n not in ours]
    if clashes:
        raise FileExistsError(f"{folder} already holds {', '.join(clashes[:3])}, which no "
                              "earlier save_frames wrote there: choose another folder (or "
                              "move those files) so that nothing of yours is overwritten")
    return listed


def _title(e: Explanation, group: GroupedStep, count: int, p: int) -> str:
    head = f"step {group.index + 1} of {count}"
    if len(group.steps) == 1:
        step = group.steps[0]
        return (f"{head}: {e.name(step.node)} = {e.expression(step.node, p)} sends its "
                f"gradient {number(step.upstream, p)} back")
    return (f"{head}: {group.describe()}, the per-op steps {group.first + 1} to "
            f"{group.last + 1} of {len(e.steps)} taken together; {e.name(group.nodes[0])} "
            f"receives {number(group.steps[0].upstream, p)}")


def _table(e: Explanation, group: GroupedStep, p: int) -> dict[str, Any]:
    deltas = ""
    if group.deltas:
        layers = {parts.layer for z, _ in group.deltas
                  if (parts := parse_label(z.label)) is not None}
        layer = group.key[0] if group.key else (layers.pop() if len(layers) == 1 else "l")
        deltas = f"δ({layer}) = ∂E/∂z({layer}): " + ", ".join(
            f"{e.name(z)} = {number(d, p)}" for z, d in group.deltas)
    if len(group.steps) == 1:
        step = group.steps[0]
        rows = [[e.name(c.input), f"∂/∂{c.operand} = {c.formula}",
                 number(c.local_derivative, p), number(step.upstream, p),
                 number(c.contribution, p), number(c.running_sum, p)]
                for c in step.contributions]
        return {"header": OP_HEADER, "rows": rows, "deltas": deltas}
    rows = [[e.name(s.input) + (" (inside)" if s.internal else ""), str(s.count),
             number(s.contribution, p), number(s.running_sum, p)]
            for s in sorted(group.contributions, key=lambda s: s.internal)]
    return {"header": GROUP_HEADER, "rows": rows, "deltas": deltas}


def _page(title: str, frames: list[dict[str, Any]], size: tuple[float, float]) -> str:
    template = resources.files(__package__).joinpath("page/index.html").read_text("utf-8")
    values = {"title": html.escape(title),
              "frames": json.dumps(frames, ensure_ascii=False).replace("<", "\\u003c"),
              "size": json.dumps(list(size))}
    # One pass, so a label that reads "{frames}" stays text.
    return re.sub(r"\{(title|frames|size)\}", lambda m: values[m[1]], template)
