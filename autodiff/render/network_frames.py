"""The network-level step-through: the seed's δ recursion stepped on the fixed network picture.

One frame per layer (δ(l) from δ(l+1), with this step's numbers) and per unit (δ(l)[j],
then the weight gradients it gives), drawn by :class:`NetworkPicture` from one layout. Each
unit also gets its op-level page (``unit-l-j/index.html``): the explained per-op steps of
that unit alone, drawn on its own part of the graph, every node named.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..explain import Explanation, Step
from ..labels import children_of, neuron_groups
from ..network import Network
from ..recursion import network_steps
from .folder_writes import read_json
from .network import ROW_SIZE, NetworkPicture

if TYPE_CHECKING:
    from ..recursion import NetworkStep

#: Past this many units, the units' op-level pages are not written (a note says so).
MAX_UNIT_PAGES = 64

NETWORK_LEGEND = [
    ["orange", "this step: its units, the edges it uses and the numbers it gives"],
    ["z, a, δ", "a unit's weighted input z(l), its output a(l) = f(z(l)) and its error "
                "term δ(l) = ∂E/∂z(l)"],
    ["θk[i,j]", "the edge from unit i of layer k to unit j of layer k + 1: its weight, and "
                "∂E/∂θ = a(k)[i]·δ(k+1)[j]"],
    ["—", "not computed yet: δ runs from E backwards, one layer at a time"],
    ["[…, …]", "one value per sample of the batch"],
    ["click a unit", "its op-level steps (also linked under the step's numbers)"],
]


def unit_folder(layer: int, unit: int) -> str:
    """The sub-folder of unit ``unit`` of layer ``layer``'s op-level page."""
    return f"unit-{layer}-{unit}"


def network_records(e: Explanation, network: Network, step_by: str, precision: int,
                    unit_pages: bool) -> tuple[NetworkPicture, list[tuple[Any, dict]]]:
    """The picture, and (frame, page record) of each step."""
    steps = network_steps(e, step_by, precision, network)
    picture = NetworkPicture(network, e, precision)
    out = []
    for step in steps:
        title = f"step {step.index + 1} of {len(steps)}: {step.title}"
        frame = picture.frame(step.done, step.focus, title, (step.layer, step.unit or 0))
        out.append((frame, _record(step, title, frame, picture, unit_pages)))
    return picture, out


def _record(step: NetworkStep, title: str, frame: Any, picture: NetworkPicture,
            unit_pages: bool) -> dict[str, Any]:
    network = picture.n
    caption, header, rows = step.tables[0]
    record: dict[str, Any] = {
        "title": title, "focus": frame.focus, "anchor": frame.anchor,
        "deltas": "\n".join(step.lines), "caption": caption,
        "header": list(header), "rows": [list(r) for r in rows]}
    units = [step.unit] if step.unit is not None else range(network.sizes[step.layer])
    if unit_pages:
        record["links"] = [[f"{unit_folder(step.layer, j)}/index.html",
                            f"op-level steps of {network.a[step.layer, j][0].label}"]
                           for j in units]
        record["areas"] = [[*box, f"{unit_folder(layer, j)}/index.html"]
                           for (layer, j), box in picture.unit_box.items() if layer > 0]
    return record


def unit_explanations(e: Explanation, network: Network) -> dict[tuple[int, int], Explanation]:
    """Each unit's per-op steps as an explanation of its own: its output a(l)[j] seeded
    with the gradient it receives, on its part of the graph (its nodes and their inputs)."""
    groups = neuron_groups(e.order, children_of(e.order))
    out = {}
    for layer in range(1, network.depth + 1):
        for j in range(network.sizes[layer]):
            steps = [s for s in e.steps if groups.get(id(s.node)) == (layer, j)]
            if not steps:
                continue
            inside = {id(s.node) for s in steps}
            inside |= {id(p) for s in steps for p in s.node.parents}
            order = [n for n in e.order if id(n) in inside]
            first = steps[0]
            own = [Step(k, s.node, s.upstream, s.contributions) for k, s in enumerate(steps)]
            sub = Explanation(first.node, first.upstream, order, own)
            sub.name = e.name  # the whole graph's names
            out[layer, j] = sub
    return out


def write_unit_pages(e: Explanation, network: Network, folder: Path, save: Any) -> None:
    """``unit-l-j/index.html`` for each unit: ``save(explanation, folder)`` writes one."""
    for (layer, j), sub in unit_explanations(e, network).items():
        save(sub, folder / unit_folder(layer, j))


def network_page_size(picture: NetworkPicture) -> list[float]:
    """The page's ``size``: viewBox width and height, CSS px per unit, the labels' size."""
    return [picture.size[0], picture.size[1], 1.0, ROW_SIZE]


def remove_stale_unit_pages(folder: Path, keep: set[str]) -> None:
    """Unit folders an earlier run wrote (each has save_frames's manifest) and this one did not."""
    for child in folder.glob("unit-*-*"):
        manifest = child / "frames-manifest.json"
        if child.name in keep or not manifest.is_file():
            continue
        data = read_json(manifest)
        files = data.get("files", []) if isinstance(data, dict) else []
        with contextlib.suppress(OSError, TypeError):
            for name in [*files, "index.html", "frames-manifest.json"]:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(child / name)
            child.rmdir()


__all__ = ["MAX_UNIT_PAGES", "NETWORK_LEGEND", "network_page_size", "network_records",
           "remove_stale_unit_pages", "unit_explanations", "unit_folder", "write_unit_pages"]
