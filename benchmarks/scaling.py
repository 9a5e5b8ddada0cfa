"""Does a node cost the same in a big graph as in a small one? Chains and MLP batches by size.

Run alone (``.venv/bin/python benchmarks/scaling.py [--quick] [--processes N]``) or as part
of ``make bench``. For each size, one forward and one backward pass of this engine, timed
apart in CPU time (``time.process_time``), each size in a fresh process with the garbage
collector as Python starts it (enabled, default thresholds; one ``gc.collect()`` before
each run so that no run pays for the one before):

- a chain of n nodes (``workloads.chain_forward``: y = ((x + w)·w + w)·w ..., two Values
  per op), n = 1e4 ... 1e7, in ns per node;
- MLP(2, [16, 16, 1]) on a batch of n samples with the summed squared error as the loss,
  n = 100 ... 10,000, in µs per sample (643 op nodes each).

A process first runs a small graph once (imports, caches), then the size it measures: a
graph of a million nodes or more once, a smaller one as many times as make about a
million nodes, and its median counts. Each size runs in five processes, the sizes
interleaved; the table shows the median of the five, and the headline is the cost at the
largest size ÷ at the smallest, of those medians.
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
from workloads import chain_forward, mlp_build, mlp_forward, mlp_init, mlp_samples  # noqa: E402

SIZES = {"full": {"chain": (10_000, 100_000, 1_000_000, 10_000_000),
                  "batch": (100, 1_000, 10_000), "processes": 5},
         "quick": {"chain": (1_000, 10_000), "batch": (10, 100), "processes": 1}}
GOAL = 1.3  # per-node cost at the largest size ÷ at the smallest
NODES_PER_SAMPLE = 643  # op nodes per sample: MLP(2, [16, 16, 1]) and its squared error
RUN_NODES = 1_000_000  # a smaller graph runs as many times as make about this many nodes
TITLES = {"chain": ("chain of n nodes", "ns/node", 1e9),
          "batch": ("MLP(2,[16,16,1]) on a batch of n samples", "µs/sample", 1e6)}


def chain_run(n: int) -> tuple[float, float]:
    """CPU seconds for the forward and the backward pass of an n-node chain."""
    engine = autodiff_engine()
    gc.collect()
    start = time.process_time()
    y, x = chain_forward(engine, n)
    middle = time.process_time()
    engine.backward(y)
    end = time.process_time()
    if engine.grad_of(x) != 1.0:
        raise RuntimeError("wrong gradient at the start of the chain")
    return middle - start, end - middle


def batch_run(n: int) -> tuple[float, float]:
    """CPU seconds for the forward and the backward pass of MLP(2, [16, 16, 1]) on n samples."""
    engine = autodiff_engine()
    layers, params = mlp_build(engine, mlp_init())
    samples = mlp_samples(n)
    gc.collect()
    start = time.process_time()
    loss = None
    for x, y in samples:
        d = mlp_forward(engine, layers, x) - y
        loss = d * d if loss is None else loss + d * d
    middle = time.process_time()
    engine.backward(loss)
    end = time.process_time()
    if engine.grad_of(params[0]) == 0.0:
        raise RuntimeError("no gradient reached the first weight")
    return middle - start, end - middle


RUNS = {"chain": chain_run, "batch": batch_run}


def measure(workload: str, n: int) -> dict[str, float]:
    """``{"forward": cost, "backward": cost}`` of ``workload`` at size ``n``, per node (ns)
    or per sample (µs), in this process."""
    run = RUNS[workload]
    run(SIZES["quick"][workload][0])  # warm up
    nodes = n * (1 if workload == "chain" else NODES_PER_SAMPLE)
    times: dict[str, list[float]] = {"forward": [], "backward": []}
    for _ in range(max(1, RUN_NODES // nodes)):
        forward, backward = run(n)
        times["forward"].append(forward / n * TITLES[workload][2])
        times["backward"].append(backward / n * TITLES[workload][2])
    return {kind: statistics.median(costs) for kind, costs in times.items()}


def in_processes(quick: bool, processes: int) -> list[dict[str, Any]]:
    """Each size of each workload measured in ``processes`` fresh interpreters, the sizes
    interleaved: one ``{workload: {n (a string): costs}}`` per round."""
    size = SIZES["quick" if quick else "full"]
    found = []
    for _ in range(processes):
        found.append({})
        for workload in RUNS:
            for n in size[workload]:
                command = [sys.executable, __file__, "--one", workload, str(n)]
                done = subprocess.run(command, check=True, capture_output=True, text=True)
                found[-1].setdefault(workload, {})[str(n)] = json.loads(done.stdout)
    return found


def medians(runs: list[dict[str, Any]]) -> dict[str, dict[int, dict[str, float]]]:
    """Each size's cost, the median over the rounds."""
    return {workload: {int(n): {kind: statistics.median(run[workload][n][kind] for run in runs)
                                for kind in ("forward", "backward")}
                       for n in by_size}
            for workload, by_size in runs[0].items()}


def ratios(costs: dict[str, dict[int, dict[str, float]]]) -> dict[str, float]:
    """Cost at the largest size ÷ at the smallest, per workload and pass."""
    out = {}
    for workload, by_size in costs.items():
        small, large = by_size[min(by_size)], by_size[max(by_size)]
        for kind in ("forward", "backward"):
            out[f"{workload} {kind}"] = large[kind] / small[kind]
    return out


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The costs of every round (as JSON: sizes as strings) and the headline ratios."""
    return {"costs": runs, "ratio_of_medians": ratios(medians(runs))}


def table(result: dict[str, Any]) -> list[str]:
    """Markdown: each size's cost (median over the processes), then the headline ratios."""
    lines = ["| workload | n | forward | backward | forward, range | backward, range |",
             "|---|---|---|---|---|---|"]
    costs = medians(result["costs"])
    for workload, (title, unit, _) in TITLES.items():
        for n, cells in sorted(costs.get(workload, {}).items()):
            spread = [[run[workload][str(n)][kind] for run in result["costs"]]
                      for kind in ("forward", "backward")]
            ranges = [f"{min(v):,.0f}–{max(v):,.0f}" for v in spread]
            lines.append(f"| {title} [{unit}] | {n:,} | {cells['forward']:,.0f} | "
                         f"{cells['backward']:,.0f} | {ranges[0]} | {ranges[1]} |")
    lines.append("")
    count = len(result["costs"])
    for key, ratio in result["ratio_of_medians"].items():
        workload = key.split()[0]
        sizes = sorted(costs[workload])
        lines.append(f"- {key}: cost at {sizes[-1]:,} ÷ at {sizes[0]:,} (medians of {count} "
                     f"processes each) **{ratio:.2f}×**; goal ≤ {GOAL}×.")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    parser.add_argument("--processes", type=int, help="fresh processes per size (default 5)")
    parser.add_argument("--one", nargs=2, metavar=("WORKLOAD", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one[0], int(args.one[1]))))
        return
    size = SIZES["quick" if args.quick else "full"]
    result = summary(in_processes(args.quick, args.processes or size["processes"]))
    print("\n".join(table(result)))


if __name__ == "__main__":
    main()
