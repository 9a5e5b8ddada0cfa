"""Does a node cost the same in a big graph as in a small one? Chains and MLP batches by size.

Run alone (``.venv/bin/python benchmarks/scaling.py [--quick] [--processes N]``) or as part
of ``make bench``. For each size, one forward and one backward pass of this engine, timed
apart in CPU time, each size in a fresh process with the garbage
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

CPU time is the user time plus the system time (``resource.getrusage``); the table shows
the user time alone too. The difference is the kernel's: chiefly zeroing the fresh memory
pages a big graph touches for the first time (a minor page fault per 4 KiB). On a virtual
machine whose host takes back unused memory (this one's), such a fault can cost several
µs, so the system time of the biggest graphs moves from run to run by tens of ns per node;
the user time is the engine's own work.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import statistics
import subprocess
import sys
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


CpuTimes = tuple[float, float]  # CPU seconds: user + system, and user alone


def cpu_times() -> CpuTimes:
    """This process's CPU seconds so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime, usage.ru_utime


def spent(start: CpuTimes, end: CpuTimes) -> CpuTimes:
    """The CPU seconds from ``start`` to ``end``."""
    return end[0] - start[0], end[1] - start[1]


def chain_run(n: int) -> tuple[CpuTimes, CpuTimes]:
    """CPU seconds (see :func:`cpu_times`) for the forward and the backward pass of an
    n-node chain."""
    engine = autodiff_engine()
    gc.collect()
    start = cpu_times()
    y, x = chain_forward(engine, n)
    middle = cpu_times()
    engine.backward(y)
    end = cpu_times()
    if engine.grad_of(x) != 1.0:
        raise RuntimeError("wrong gradient at the start of the chain")
    return spent(start, middle), spent(middle, end)


def batch_run(n: int) -> tuple[CpuTimes, CpuTimes]:
    """CPU seconds (see :func:`cpu_times`) for the forward and the backward pass of
    MLP(2, [16, 16, 1]) on n samples."""
    engine = autodiff_engine()
    layers, params = mlp_build(engine, mlp_init())
    samples = mlp_samples(n)
    gc.collect()
    start = cpu_times()
    loss = None
    for x, y in samples:
        d = mlp_forward(engine, layers, x) - y
        loss = d * d if loss is None else loss + d * d
    middle = cpu_times()
    engine.backward(loss)
    end = cpu_times()
    if engine.grad_of(params[0]) == 0.0:
        raise RuntimeError("no gradient reached the first weight")
    return spent(start, middle), spent(middle, end)


RUNS = {"chain": chain_run, "batch": batch_run}
PASSES = (("forward", "forward, user"), ("backward", "backward, user"))  # CPU, user CPU
KINDS = [kind for both in PASSES for kind in both]


def measure(workload: str, n: int) -> dict[str, float]:
    """The cost of each of ``KINDS`` for ``workload`` at size ``n``, per node (ns) or per
    sample (µs), in this process."""
    run = RUNS[workload]
    run(SIZES["quick"][workload][0])  # warm up
    nodes = n * (1 if workload == "chain" else NODES_PER_SAMPLE)
    times: dict[str, list[float]] = {kind: [] for kind in KINDS}
    for _ in range(max(1, RUN_NODES // nodes)):
        for (kind, user_kind), seconds in zip(PASSES, run(n), strict=True):
            times[kind].append(seconds[0] / n * TITLES[workload][2])
            times[user_kind].append(seconds[1] / n * TITLES[workload][2])
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
                                for kind in KINDS}
                       for n in by_size}
            for workload, by_size in runs[0].items()}


def ratios(costs: dict[str, dict[int, dict[str, float]]]) -> dict[str, float]:
    """Cost at the largest size ÷ at the smallest, per workload and pass."""
    out = {}
    for workload, by_size in costs.items():
        small, large = by_size[min(by_size)], by_size[max(by_size)]
        for kind in KINDS:
            out[f"{workload} {kind}"] = large[kind] / small[kind]
    return out


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The costs of every round (as JSON: sizes as strings) and the headline ratios."""
    return {"costs": runs, "ratio_of_medians": ratios(medians(runs))}


def table(result: dict[str, Any]) -> list[str]:
    """Markdown: each size's cost (median over the processes), then the headline ratios."""
    lines = ["| workload | n | forward | backward | forward, user | backward, user "
             "| forward, range | backward, range |", "|---|---|---|---|---|---|---|---|"]
    costs = medians(result["costs"])
    for workload, (title, unit, _) in TITLES.items():
        for n, cells in sorted(costs.get(workload, {}).items()):
            spread = [[run[workload][str(n)][kind] for run in result["costs"]]
                      for kind, _ in PASSES]
            ranges = [f"{min(v):,.0f}–{max(v):,.0f}" for v in spread]
            lines.append(f"| {title} [{unit}] | {n:,} | "
                         + " | ".join(f"{cells[kind]:,.0f}" for kind in KINDS[::2] + KINDS[1::2])
                         + f" | {ranges[0]} | {ranges[1]} |")
    lines.append("")
    count = len(result["costs"])
    ratio = result["ratio_of_medians"]
    for workload in costs:
        sizes = sorted(costs[workload])
        for kind, user_kind in PASSES:
            lines.append(
                f"- {workload} {kind}: cost at {sizes[-1]:,} ÷ at {sizes[0]:,} (medians of "
                f"{count} processes each) **{ratio[f'{workload} {kind}']:.2f}×** in CPU time, "
                f"**{ratio[f'{workload} {user_kind}']:.2f}×** in user CPU time; goal ≤ {GOAL}×.")
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
