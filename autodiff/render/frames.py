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
import shutil
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.checks import is_integer
from ..explain import Explanation
from ..labels import parse_label
from ..network import read_network
from ..recursion import NETWORK_STEP_BY
from ..stepping import group_steps
from ..text import number
from .folder_writes import commit, discard, read_json, recover, write_temporary
from .graph import Options
from .network_frames import (
    MAX_UNIT_PAGES,
    NETWORK_LEGEND,
    network_page_size,
    network_records,
    remove_stale_unit_pages,
    unit_folder,
    write_unit_pages,
)
from .restyle import LABEL_SIZE, FrameSheet

if TYPE_CHECKING:
    from ..stepping import GroupedStep

FRAME_NAME = re.compile(r"step-\d+\.svg")
MANIFEST = "frames-manifest.json"
OWNED = re.compile(r"step-\d+\.svg|index\.html|frames-manifest\.json")  # what it may replace
BEING_WRITTEN_PAGE = ("<!doctype html><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" "
                      "content=\"2\"><title>being written</title><p>This step-through page "
                      "is being written and reloads in a moment. If it stays, an earlier save "
                      "was stopped: save_frames into this folder again finishes it.</p>\n")
WRITER = "autodiff.save_frames"
OP_HEADER = ["input", "local derivative (op table)", "local", "× upstream", "= contribution",
             "input's grad so far"]
GROUP_HEADER = ["input", "contributions summed", "Σ contribution", "input's grad so far"]
OP_LEGEND = [
    ["orange", "this step: the node sending its gradient back, and the edges it sends along"],
    ["u: g × l = c", "on an edge: to operand u (or v) of the op, upstream gradient g × local "
                     "derivative l (from the op table) = contribution c"],
    ["green cell", "an input whose gradient this step changed (its running sum)"],
    ["grad —", "a node no gradient has reached yet"],
    ["data / grad", "each node's value, and ∂output/∂node so far"],
]


def frame_names(count: int) -> list[str]:
    """File names of ``count`` frames, zero-padded so they sort in step order."""
    width = max(3, len(str(count - 1)))
    return [f"step-{k:0{width}d}.svg" for k in range(count)]


def save_frames(explanation: Explanation, folder: str | Path, *, step_by: str | None = None,
                max_steps: int = 500, **draw_options: Any) -> Path:
    """Write ``step-NNN.svg`` for every step and ``index.html``; return the page's path.

    ``step_by``: for a loss computed by an ``nn`` network, "network" (the default: per
    layer, δ(l) from δ(l+1) with its numbers, then per unit, δ(l)[j] and the weight
    gradients it gives, on the network picture, and each unit's op-level page in
    ``unit-l-j/``), "layer" or "neuron" (those steps alone); for any graph, "op" (the
    default otherwise: one frame per explained step on the op graph). ``max_steps``: a pass
    with more frames raises ValueError before anything is written. ``draw_options`` go to
    :func:`autodiff.draw` for the op graph (not ``step`` or ``highlight``); the network
    picture takes ``precision``.
    """
    if not isinstance(folder, (str, Path)):
        raise TypeError(f"folder must be a str or Path, got {type(folder).__name__}")
    if not is_integer(max_steps):
        raise TypeError(f"max_steps must be an int, got {type(max_steps).__name__}")
    if max_steps < 1:
        raise ValueError(f"max_steps must be at least 1, got {max_steps}")
    if step_by is not None and not isinstance(step_by, str):
        raise TypeError(f"step_by must be a str, got {type(step_by).__name__}")
    if step_by not in (None, "op", *NETWORK_STEP_BY):
        raise ValueError(f"step_by must be one of {('op', *NETWORK_STEP_BY)}, got {step_by!r}")
    for refused in ("step", "highlight"):
        if refused in draw_options:
            raise TypeError(f"save_frames draws every step itself: {refused}= is not an option")
    if not explanation.steps:
        raise ValueError(f"{explanation.name(explanation.output)!r} is a leaf: its backward "
                         "pass has no steps to draw")
    network = read_network(explanation.output, explanation.order) if step_by != "op" else None
    step_by = step_by or ("network" if network is not None else "op")
    if network is None and step_by == "network":
        raise ValueError("step_by='network' needs a loss computed by one nn network (Values "
                         "labelled θk[i,j], z{l}[j], a{l}[j]); use step_by='op' for any graph")
    folder = Path(folder)
    if network is None:
        return _op_page(explanation, folder, step_by, max_steps, draw_options)
    precision = Options(**draw_options).precision  # checks the options too
    # each unit's op-level page, where dot can draw it and there are not too many
    unit_pages = sum(network.sizes[1:]) <= MAX_UNIT_PAGES and shutil.which("dot") is not None
    picture, pairs = network_records(explanation, network, step_by, precision, unit_pages)
    _check_count(len(pairs), step_by, max_steps)
    names = frame_names(len(pairs))
    recover(folder, OWNED)  # finish (or roll back) a save that was killed on the way
    earlier = _earlier_run(folder, [*names, "index.html", MANIFEST])
    if unit_pages:
        back = [["../index.html", "back to the network"]]
        write_unit_pages(explanation, network, folder, lambda sub, where: _op_page(
            sub, where, "op", max_steps, {"precision": precision, **draw_options}, back))
    _write(folder, names, ((frame.svg, record) for frame, record in pairs),
           _page_title(explanation, len(names), step_by, precision), network_page_size(picture),
           NETWORK_LEGEND, sorted(earlier - set(names)))
    remove_stale_unit_pages(folder, {unit_folder(layer, j) for layer in
                                     range(1, network.depth + 1) for j in
                                     range(network.sizes[layer])} if unit_pages else set())
    return folder / "index.html"


def _op_page(explanation: Explanation, folder: Path, step_by: str, max_steps: int,
             draw_options: dict[str, Any], links: list[list[str]] | None = None) -> Path:
    """The op graph's frames (grouped ``step_by``) and their page; ``links`` on every step."""
    groups = group_steps(explanation, step_by)
    _check_count(len(groups), step_by, max_steps)
    names = frame_names(len(groups))
    recover(folder, OWNED)  # finish (or roll back) a save that was killed on the way
    earlier = _earlier_run(folder, [*names, "index.html", MANIFEST])
    sheet = FrameSheet(explanation, groups, **draw_options)  # runs dot, once; may raise
    frames = ((svg, {**record, "links": links or []})
              for svg, record in _op_frames(explanation, groups, sheet))
    _write(folder, names, frames, _page_title(explanation, len(names), step_by, sheet.p),
           [*sheet.size, 4 / 3, LABEL_SIZE], OP_LEGEND, sorted(earlier - set(names)))
    return folder / "index.html"


def _page_title(explanation: Explanation, count: int, step_by: str, precision: int) -> str:
    return (f"Backward pass of {explanation.name(explanation.output)} = "
            f"{number(explanation.output.data, precision)}: {count} steps"
            f"{'' if step_by == 'op' else f' by {step_by}'}")


def _check_count(count: int, step_by: str, max_steps: int) -> None:
    if count > max_steps:
        raise ValueError(f"this backward pass has {count} steps (step_by={step_by!r}), "
                         f"more than max_steps={max_steps}: pass a larger max_steps, "
                         "step_by='layer' for an nn network, or explain a smaller graph")


def _op_frames(explanation: Explanation, groups: tuple[GroupedStep, ...], sheet: FrameSheet
               ) -> Iterator[tuple[str, dict[str, Any]]]:
    for group in groups:
        title = _title(explanation, group, len(groups), sheet.p)
        frame = sheet.frame(group, title)
        yield frame.svg, {"title": title, "focus": frame.focus, "anchor": frame.anchor,
                          **_table(explanation, group, sheet.p)}


def _write(folder: Path, names: list[str], frames: Iterable[tuple[str, dict[str, Any]]],
           title: str, size: list[float], legend: list[list[str]], stale: list[str]) -> None:
    """Every frame, the manifest and ``index.html``, each through a temporary file, then
    one journaled commit (``folder_writes``): a "being written" page goes in ``index.html``'s place
    first and the new page last, and the ``stale`` frames of an earlier run are removed."""
    records: list[dict[str, Any]] = []
    pending: list[tuple[Path, str]] = []
    folder.mkdir(parents=True, exist_ok=True)
    try:
        if (folder / "index.html").exists():
            waiting = write_temporary(folder, "index.html", BEING_WRITTEN_PAGE)
            pending.append((waiting, "index.html"))
        listed = json.dumps({"writer": WRITER, "files": [*names, *stale]}, indent=1)
        pending.append((write_temporary(folder, MANIFEST, listed), MANIFEST))
        for (svg, record), name in zip(frames, names, strict=True):
            pending.append((write_temporary(folder, name, svg), name))
            records.append({"file": name, **record})
        pending.append((write_temporary(folder, "index.html",
                                        _page(title, records, size, legend)), "index.html"))
    except BaseException:
        discard([t for t, _ in pending])
        raise
    commit(folder, pending, stale, OWNED)  # the "being written" page, manifest, frames, index.html


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
        name, computes = e.name(step.node), e.expression(step.node, p)
        what = name if name == computes else f"{name} = {computes}"
        return f"{head}: {what} sends its gradient {number(step.upstream, p)} back"
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


def _page(title: str, frames: list[dict[str, Any]], size: list[float],
          legend: list[list[str]]) -> str:
    template = resources.files(__package__).joinpath("page/index.html").read_text("utf-8")
    values = {"title": html.escape(title),
              "frames": json.dumps(frames, ensure_ascii=False).replace("<", "\\u003c"),
              "size": json.dumps(list(size)),
              "legend": json.dumps(legend, ensure_ascii=False).replace("<", "\\u003c")}
    # One pass, so a label that reads "{frames}" stays text.
    return re.sub(r"\{(title|frames|size|legend)\}", lambda m: values[m[1]], template)
