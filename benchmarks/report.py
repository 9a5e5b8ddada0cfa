"""The benchmark table and its notes: printed, as JSON (benchmarks/results/latest.json)
and as markdown."""

from __future__ import annotations

import statistics
from typing import Any

from groups import REFERENCE, Rows

WORKLOADS = {  # key: (title, unit)
    "mlp": ("MLP(2,[16,16,1]) forward+backward", "ms/sample"),
    "seed_epoch": ("seed 3-4-1 net, one epoch (4 samples, full batch)", "µs/epoch"),
    "seed_training": ("seed training, 60000 epochs", "s"),
    "chain_forward": ("1e6-node chain, forward", "ns/node"),
    "chain_backward": ("1e6-node chain, backward", "ns/node"),
    "bytes_per_node": ("memory per live node", "bytes/node"),
    "demo_training": ("micrograd's demo: moons, MLP(2,[16,16,1]), SVM loss, full batch",
                      "ms/step"),
}
HEADLINES = (("mlp", "MLP per sample"), ("seed_epoch", "seed epoch"))  # the 8× goals
ENGINES = ["autodiff eager", "autodiff compiled", "nn.fit compiled", "hand-written limit",
           "micrograd 0.1.0", "torch scalar", "torch vectorized", "seed numpy"]
LIMIT_GOAL = 1.25  # nn.fit compiled ÷ the hand-written limit, seed training


def _number(x: float) -> str:
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}" if x >= 0.01 else f"{x:.2g}"


def _cells(row: dict[str, Any]) -> tuple[str, str, str]:
    value = row["value"]
    shown = _number(value["median"])
    if value["n"] > 1:
        shown += f" ({_number(value['min'])}–{_number(value['max'])})"
    ratio = row.get("ratio")
    if ratio is None:
        ratio_text = "—"
    elif ratio.get("paired"):
        ratio_text = f"{ratio['median']:.3g}× ({ratio['min']:.3g}–{ratio['max']:.3g})"
    else:
        ratio_text = f"{ratio['median']:.3g}× (unpaired)"
    return shown, ratio_text, row.get("note", "")


def rows(results: dict[str, Any]) -> list[list[str]]:
    """Table rows: workload, engine, median (range), time ÷ autodiff eager, note."""
    table = []
    for key, (title, unit) in WORKLOADS.items():
        measured = results["workloads"].get(key, {})
        for engine in ENGINES + sorted(set(measured) - set(ENGINES)):
            if engine in measured:
                table.append([f"{title} [{unit}]", engine, *_cells(measured[engine])])
    return table


HEADER = ["workload [unit]", "engine", "median (range)", "÷ autodiff eager", "note"]


def text_table(results: dict[str, Any]) -> str:
    body = [HEADER, *rows(results)]
    widths = [max(len(r[i]) for r in body) for i in range(len(HEADER))]
    lines = []
    for k, r in enumerate(body):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown(results: dict[str, Any], command: str) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(r) + " |" for r in rows(results)]
    machine = results["machine"]
    return "\n".join([
        "## Speed", "",
        f"Reproduce with `{command}` (about {results['seconds'] / 60:.0f} minutes). Measured on "
        f"{machine['cpus']} CPUs, Python {machine['python']}, load average "
        f"{machine['load_start']} at the start and {machine['load_end']} at the end.", "",
        "Times are medians with (min–max) over repetitions. The ratio column is the "
        "engine's time ÷ this engine's eager time, taken repetition by repetition with the "
        "engines alternating in one process (\"unpaired\": medians from separate runs). "
        "The same workload code drives every scalar engine; micrograd gets a one-node "
        "sigmoid in its own closure style. The garbage collector stays enabled.", "",
        *lines, "",
        *[f"- {line}" for line in results.get("notes", [])],
        "",
    ])


def finish(workloads: dict[str, Rows], notes: list[str],
           headlines: dict[str, list[float]]) -> None:
    """Unpaired ratios where no paired one exists; check the seed weights agree."""
    for rows in workloads.values():
        reference = rows.get(REFERENCE)
        for name, row in rows.items():
            if reference is not None and "ratio" not in row and name != REFERENCE:
                row["ratio"] = {"median": row["value"]["median"] / reference["value"]["median"],
                                "paired": False}
    for key, label in HEADLINES:
        row = workloads.get(key, {}).get("micrograd 0.1.0")
        if row is not None and row.get("ratio", {}).get("paired"):
            r = row["ratio"]
            notes.append(f"micrograd ÷ autodiff eager, {label}, paired: median {r['median']:.2f}× "
                         f"(range {r['min']:.2f}–{r['max']:.2f}) in the table's process.")
        per_process = headlines.get(key, [])
        if per_process:
            shown = ", ".join(f"{x:.2f}" for x in per_process)
            notes.append(f"micrograd ÷ autodiff eager, {label}, the paired median in each of "
                         f"{len(per_process)} processes: {shown}; their median "
                         f"**{statistics.median(per_process):.2f}×**; goal ≥ 8×.")
    training = workloads.get("seed_training", {})
    if "seed numpy" in training:
        target = training["seed numpy"]["weights"]
        for name, row in training.items():
            if "weights" in row and name != "seed numpy":
                worst = max(abs(a - b) / abs(b) for a, b in zip(row["weights"], target,
                                                                  strict=True))
                row["max_relative_difference_to_numpy"] = worst
                if "note" not in row or "measured" not in row["note"]:
                    notes.append(f"{name}: final seed weights within {worst:.1e} (relative) "
                                 "of the seed's numpy code.")
        if "autodiff compiled" in training:
            r = training["autodiff compiled"]["ratio_to_numpy"]
            notes.append(f"compiled ÷ numpy, seed training, paired: median {r['median']:.3f} "
                         f"(range {r['min']:.3f}–{r['max']:.3f}); goal ≤ 0.5.")
    for row in training.values():
        row.pop("weights", None)


def limit_notes(ratios: dict[str, list[float]]) -> list[str]:
    """The headline of the compiled training: nn.fit compiled ÷ the hand-written limit
    (and the limit ÷ numpy), the paired median in each process and their median."""
    fit, numpy = ratios.get("nn.fit compiled", []), ratios.get("seed numpy", [])
    notes = []
    if fit:
        notes.append(f"nn.fit compiled ÷ hand-written limit, seed training, the paired median "
                     f"in each of {len(fit)} processes: {', '.join(f'{x:.3f}' for x in fit)}; "
                     f"their median **{statistics.median(fit):.3f}×**; goal ≤ {LIMIT_GOAL}×.")
    if numpy:
        limit = [1.0 / x for x in numpy]
        notes.append(f"hand-written limit ÷ seed numpy, the paired median per process: "
                     f"{', '.join(f'{x:.3f}' for x in limit)}; their median "
                     f"**{statistics.median(limit):.3f}×**.")
    if fit and numpy:
        both = [f / n for f, n in zip(fit, numpy, strict=True)]
        notes.append(f"nn.fit compiled ÷ seed numpy (per process, from the two above): median "
                     f"**{statistics.median(both):.3f}×**.")
    return notes
