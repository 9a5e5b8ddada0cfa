"""Does a node cost the same in a big graph as in a small one? Chains and MLP batches by size.

Run alone (``.venv/bin/python benchmarks/scaling.py [--quick] [--processes N]``) or as part
of ``make bench``. For each size, one forward and one backward pass of this engine, timed
apart, with the garbage collector as Python starts it (enabled, default thresholds; one
``gc.collect()`` before each run so that no run pays for the one before):

- a chain of n nodes (``workloads.chain_forward``: y = ((x + w)·w + w)·w ..., two Values
  per op), n = 1e4 ... 1e7, in ns per node;
- MLP(2, [16, 16, 1]) on a batch of n samples with the summed squared error as the loss,
  n = 100 ... 10,000, in µs per sample (643 op nodes each).

All sizes run in one process, in an order that rotates from round to round; a small size
runs several times per round (as many as make about a tenth of the largest graph's
nodes) and its median counts. The headline is each workload's cost at the largest size ÷
at the smallest, taken in each of several fresh processes, and the median of those.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

from engines import autodiff_engine  # noqa: E402
from groups import chain_once  # noqa: E402
from workloads import mlp_build, mlp_forward, mlp_init, mlp_samples  # noqa: E402

SIZES = {"full": {"chain": (10_000, 100_000, 1_000_000, 10_000_000),
                  "batch": (100, 1_000, 10_000), "rounds": 1, "processes": 5},
         "quick": {"chain": (1_000, 10_000), "batch": (10, 100), "rounds": 1, "processes": 1}}
GOAL = 1.3  # per-node cost at the largest size ÷ at the smallest
NODES_PER_SAMPLE = 643  # op nodes per sample: MLP(2, [16, 16, 1]) and its squared error
TITLES = {"chain": ("chain of n nodes", "ns/node", 1e9),
          "batch": ("MLP(2,[16,16,1]) on a batch of n samples", "µs/sample", 1e6)}


def chain_run(n: int) -> tuple[float, float]:
    """Seconds for the forward and the backward pass of an n-node chain."""
    return chain_once(autodiff_engine(), n)


def batch_run(n: int) -> tuple[float, float]:
    """Seconds for the forward and the backward pass of MLP(2, [16, 16, 1]) on n samples."""
    engine = autodiff_engine()
    layers, params = mlp_build(engine, mlp_init())
    samples = mlp_samples(n)
    gc.collect()
    start = time.perf_counter()
    loss = None
    for x, y in samples:
        d = mlp_forward(engine, layers, x) - y
        loss = d * d if loss is None else loss + d * d
    middle = time.perf_counter()
    engine.backward(loss)
    end = time.perf_counter()
    if engine.grad_of(params[0]) == 0.0:
        raise RuntimeError("no gradient reached the first weight")
    return middle - start, end - middle


RUNS = {"chain": chain_run, "batch": batch_run}


def measure(size: dict[str, Any]) -> dict[str, dict[int, dict[str, float]]]:
    """``{workload: {n: {"forward": cost, "backward": cost}}}``, costs per node or sample."""
    results: dict[str, dict[int, dict[str, list[float]]]] = {}
    for workload, run in RUNS.items():
        sizes = size[workload]
        nodes = {n: n * (1 if workload == "chain" else NODES_PER_SAMPLE) for n in sizes}
        repeats = {n: max(1, nodes[sizes[-1]] // 10 // nodes[n]) for n in sizes}
        times: dict[int, dict[str, list[float]]] = {
            n: {"forward": [], "backward": []} for n in sizes}
        run(sizes[0])  # warm up
        for r in range(size["rounds"]):
            for n in sizes[r % len(sizes):] + sizes[:r % len(sizes)]:
                for _ in range(repeats[n]):
                    forward, backward = run(n)
                    times[n]["forward"].append(forward / n)
                    times[n]["backward"].append(backward / n)
        results[workload] = times
    return {workload: {n: {k: statistics.median(v) * TITLES[workload][2]
                           for k, v in costs.items()} for n, costs in times.items()}
            for workload, times in results.items()}


def ratios(costs: dict[str, dict[int, dict[str, float]]]) -> dict[str, float]:
    """Cost at the largest size ÷ at the smallest, per workload and pass."""
    out = {}
    for workload, by_size in costs.items():
        small, large = by_size[min(by_size)], by_size[max(by_size)]
        for kind in ("forward", "backward"):
            out[f"{workload} {kind}"] = large[kind] / small[kind]
    return out


def in_processes(quick: bool, processes: int) -> list[dict[str, Any]]:
    """Run :func:`measure` in ``processes`` fresh interpreters; their results in order."""
    found = []
    for _ in range(processes):
        command = [sys.executable, __file__, "--one"] + (["--quick"] if quick else [])
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        found.append(json.loads(done.stdout))
    return found


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The costs of every process (as JSON: sizes as strings) and the headline ratios."""
    per_process = [ratios({w: {int(n): c for n, c in by_size.items()}
                           for w, by_size in run.items()}) for run in runs]
    return {"costs": runs, "ratios_per_process": per_process,
            "ratio_median": {k: statistics.median(r[k] for r in per_process)
                             for k in per_process[0]}}


def table(result: dict[str, Any]) -> list[str]:
    """Markdown: each size's cost (median over the processes), then the headline ratios."""
    lines = ["| workload | n | forward | backward |", "|---|---|---|---|"]
    for workload, (title, unit, _) in TITLES.items():
        sizes = sorted({int(n) for run in result["costs"] for n in run.get(workload, {})})
        for n in sizes:
            cells = [statistics.median(run[workload][str(n)][kind] for run in result["costs"])
                     for kind in ("forward", "backward")]
            lines.append(f"| {title} [{unit}] | {n:,} | {cells[0]:,.0f} | {cells[1]:,.0f} |")
    lines.append("")
    count = len(result["ratios_per_process"])
    for key, median in result["ratio_median"].items():
        shown = ", ".join(f"{r[key]:.2f}" for r in result["ratios_per_process"])
        lines.append(f"- {key}, cost at the largest size ÷ at the smallest, in each of {count} "
                     f"processes: {shown}; their median **{median:.2f}×**; goal ≤ {GOAL}×.")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    parser.add_argument("--processes", type=int, help="fresh processes (default 5)")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    size = SIZES["quick" if args.quick else "full"]
    if args.one:
        print(json.dumps(measure(size)))
        return
    result = summary(in_processes(args.quick, args.processes or size["processes"]))
    print("\n".join(table(result)))


if __name__ == "__main__":
    main()
