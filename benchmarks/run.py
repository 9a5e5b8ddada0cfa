"""`make bench`: this engine (eager, compiled) vs micrograd 0.1.0, PyTorch and the seed's numpy.

Usage: ``.venv/bin/python benchmarks/run.py [--quick]``. Each group of engines runs in a
fresh process; the merged table is printed and written to benchmarks/results/latest.json,
benchmarks/results/latest.md and docs/benchmarks.md (linked from the README). ``--quick``
shrinks every workload (a smoke test, not a result).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))  # a checkout without the package installed

import demo_training  # noqa: E402
import groups as g  # noqa: E402
import report  # noqa: E402
import scaling  # noqa: E402
from engines import autodiff_engine, micrograd_engine, torch_scalar_engine  # noqa: E402

COMMAND = "make bench"
SIZES = {  # (repetitions, units per repetition) per workload; chain lengths
    "full": {"mlp": (21, 20), "seed_epoch": (21, 50), "torch_mlp": (15, 10),
             "torch_seed_epoch": (15, 20), "chain": 1_000_000, "torch_chain": 200_000,
             "chain_runs": 2, "compiled_runs": 9, "epochs": 60000, "headline_processes": 4,
             "limit_runs": 5, "demo_steps": 100},
    "quick": {"mlp": (3, 2), "seed_epoch": (3, 5), "torch_mlp": (3, 2),
              "torch_seed_epoch": (3, 2), "chain": 20_000, "torch_chain": 5_000,
              "chain_runs": 1, "compiled_runs": 1, "epochs": 300, "headline_processes": 1,
              "limit_runs": 1,
              "demo_steps": 3},
}


def group_eager(size: dict[str, Any]) -> dict[str, g.Rows]:
    ours, theirs = autodiff_engine(), micrograd_engine()
    out: dict[str, g.Rows] = {}
    g.merge(out, "mlp", g.mlp_rows([ours, theirs], *size["mlp"]))
    epoch = g.seed_epoch_rows([ours, theirs], *size["seed_epoch"])
    g.merge(out, "seed_epoch", epoch)
    for engine in (ours, theirs):
        per_epoch = epoch[engine.name]["value"]["median"] / 1e6
        train = g.engine_trainer(engine)
        row = g.seed_training_row(train, per_epoch, size["epochs"])
        g.merge(out, "seed_training", {engine.name: row})
        n = size["chain"]
        if engine is ours:
            forward, backward = g.chain_rows(engine, n, size["chain_runs"])
        else:
            forward, backward = g.in_deep_thread(lambda e=engine, n=n: g.chain_rows(e, n, 1))
        g.merge(out, "chain_forward", {engine.name: forward})
        g.merge(out, "chain_backward", {engine.name: backward})
        memory = g.bytes_per_node(engine)
        g.merge(out, "bytes_per_node", {engine.name: {"value": g.spread([memory]),
                                                      "note": "tracemalloc"}})
    return out


def group_headline(size: dict[str, Any]) -> dict[str, g.Rows]:
    """Only the two paired eager comparisons with micrograd, as group_eager starts: run
    again in fresh processes, because the ratio moves with the collector's state."""
    ours, theirs = autodiff_engine(), micrograd_engine()
    return {"mlp": g.mlp_rows([ours, theirs], *size["mlp"]),
            "seed_epoch": g.seed_epoch_rows([ours, theirs], *size["seed_epoch"])}


def group_torch(size: dict[str, Any]) -> dict[str, g.Rows]:
    import torch_vectorized as tv
    ours, scalar = autodiff_engine(), torch_scalar_engine()
    out: dict[str, g.Rows] = {}
    n = size["torch_chain"]  # memory first, before freed memory can be reused
    before = g.resident_bytes()
    graph = g.chain_forward(scalar, n)
    grown = (g.resident_bytes() - before) / n
    del graph
    g.merge(out, "bytes_per_node", {scalar.name: {
        "value": g.spread([grown]), "note": f"resident-memory growth, chain of {n:,}"}})
    vector_mlp = tv.mlp(g.mlp_init())
    mlp = g.mlp_rows([ours, scalar], *size["torch_mlp"], extra={
        "torch vectorized": lambda samples: lambda: tv.mlp_train_samples(vector_mlp, samples)})
    del mlp[ours.name]  # the eager group's pairing with micrograd is the headline
    g.merge(out, "mlp", mlp)
    reps, per_rep = size["torch_seed_epoch"]
    seed_epochs = tv.seed_epochs_fn()
    vector_seed = tv.seed(g.seed_init())
    epoch = g.seed_epoch_rows([ours, scalar], reps, per_rep, extra={
        "torch vectorized": lambda: seed_epochs(vector_seed, per_rep)})
    del epoch[ours.name]
    g.merge(out, "seed_epoch", epoch)

    def train_vectorized(epochs: int) -> list[float]:
        model = tv.seed(g.seed_init())
        seed_epochs(model, epochs)
        return tv.seed_weights(model)

    for name, train in ((scalar.name, g.engine_trainer(scalar)),
                        ("torch vectorized", train_vectorized)):
        per_epoch = epoch[name]["value"]["median"] / 1e6
        g.merge(out, "seed_training", {name: g.seed_training_row(train, per_epoch, size["epochs"])})
    forward, backward = g.chain_rows(scalar, size["torch_chain"], 1)
    g.merge(out, "chain_forward", {scalar.name: forward})
    g.merge(out, "chain_backward", {scalar.name: backward})
    return out


def group_compiled(size: dict[str, Any]) -> dict[str, g.Rows]:
    import autodiff
    if not hasattr(autodiff, "compile_grad"):
        return {}
    out: dict[str, g.Rows] = {}
    times, weights = seed_trainings(size["compiled_runs"], size["epochs"])
    rows = g.summarize(times, "seed numpy")
    limit = g.summarize(times, LIMIT)
    for name, row in rows.items():
        row["value"] = row.pop("seconds")
        row["ratio_to_numpy"] = row.pop("ratio")
        row["ratio_to_limit"] = limit[name]["ratio"]
        row["weights"] = weights[name]
    rows["autodiff compiled"]["note"] = "compile_grad in a Python loop; includes compiling"
    rows[FIT]["note"] = "nn.fit(..., compiled=True), progress=False: the call users make"
    rows[LIMIT]["note"] = "hand-written straight-line floats (benchmarks/seed_by_hand.py)"
    g.merge(out, "seed_training", rows)
    g.merge(out, "seed_epoch", {"autodiff compiled": {
        "value": g.spread([t / size["epochs"] * 1e6 for t in times["autodiff compiled"]]),
        "note": "from the full training runs"}})
    g.merge(out, "mlp", g.mlp_rows([autodiff_engine()], *size["mlp"],
                                   extra={"autodiff compiled": compiled_mlp}))
    return out


FIT, LIMIT = "nn.fit compiled", "hand-written limit"


def seed_trainings(runs: int, epochs: int) -> tuple[dict[str, list[float]], dict[str, list]]:
    """The seed's training four ways, paired: each run trains each way once, in an order
    that rotates from run to run. Returns seconds and final weights (flat) per way."""
    import seed_compiled as sc
    ways = [("autodiff compiled", sc.train_seed_compiled), (FIT, sc.train_seed_fit),
            (LIMIT, sc.train_seed_limit), ("seed numpy", sc.train_seed_numpy)]
    for _, train in ways:  # warm up: imports, first allocations
        train(10)
    times: dict[str, list[float]] = {name: [] for name, _ in ways}
    weights = {}
    for r in range(runs):
        for name, train in ways[r % 4:] + ways[:r % 4]:
            theta, seconds = train(epochs)
            times[name].append(seconds)
            weights[name] = [w for rows in theta for row in rows for w in row]
    return times, weights


def group_limit(size: dict[str, Any]) -> dict[str, g.Rows]:
    """Only the paired seed trainings, for the headline ratios (run in fresh processes)."""
    times, _ = seed_trainings(size["limit_runs"], size["epochs"])
    rows = g.summarize(times, LIMIT)
    return {"seed_training": {name: {"value": row["seconds"], "ratio_to_limit": row["ratio"]}
                              for name, row in rows.items()}}


def compiled_mlp(samples: list) -> Any:
    """Forward + backward per sample with compile_grad: one generated function call each."""
    from workloads import mlp_forward, mlp_init

    from autodiff import compile_grad
    init = mlp_init()
    flat = [w for layer in init for ws, b in layer for w in (*ws, b)]
    shape = [[len(ws) for ws, _ in layer] for layer in init]
    engine = autodiff_engine()

    def loss(*args: Any) -> Any:
        params = iter(args[:-3])
        layers = [[([next(params) for _ in range(nin)], next(params)) for nin in layer]
                  for layer in shape]
        d = mlp_forward(engine, layers, args[-3:-1]) - args[-1]
        return d * d

    gradient = compile_grad(loss, len(flat) + 3, example=[*flat, 0.5, -0.5, 1.0])

    def run() -> float:
        value = 0.0
        for (x0, x1), y in samples:
            value, _ = gradient(*flat, x0, x1, y)
        return value
    return run


GROUPS = {"eager": group_eager, "torch": group_torch, "compiled": group_compiled,
          "headline": group_headline,  # headline: run again after the others, see main
          "limit": group_limit,
          "demo": demo_training.group_demo}


def run_group(name: str, quick: bool) -> dict[str, g.Rows]:
    """Run one group in a fresh interpreter and read back its rows."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}.json"
        command = [sys.executable, __file__, "--group", name, "--json", str(path)]
        result = subprocess.run(command + (["--quick"] if quick else []), check=False)
        if result.returncode != 0:
            return {"_failed": {name: {"value": g.spread([float("nan")]),
                                       "note": f"exit {result.returncode}"}}}
        return json.loads(path.read_text())


def headline_ratios(workloads: dict[str, g.Rows], quick: bool, processes: int
                    ) -> dict[str, list[float]]:
    """micrograd ÷ autodiff eager (paired median) per process: the eager group's, then
    ``processes`` more runs of the headline group, each in a fresh interpreter."""
    runs = [workloads] + [run_group("headline", quick) for _ in range(processes)]
    ratios: dict[str, list[float]] = {key: [] for key, _ in report.HEADLINES}
    for rows in runs:
        for key in ratios:
            row = rows.get(key, {}).get("micrograd 0.1.0", {})
            if row.get("ratio", {}).get("paired"):
                ratios[key].append(row["ratio"]["median"])
    return ratios


def limit_ratios(workloads: dict[str, g.Rows], quick: bool, processes: int
                 ) -> dict[str, list[float]]:
    """The seed trainings' paired medians per process, as ratios to the hand-written
    limit: the compiled group's, then ``processes`` more runs of the limit group."""
    runs = [workloads] + [run_group("limit", quick) for _ in range(processes)]
    ratios: dict[str, list[float]] = {FIT: [], "seed numpy": []}
    for rows in runs:
        for name, found in ratios.items():
            row = rows.get("seed_training", {}).get(name, {})
            if "ratio_to_limit" in row:
                found.append(row["ratio_to_limit"]["median"])
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    parser.add_argument("--group", choices=sorted(GROUPS), help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    size = SIZES["quick" if args.quick else "full"]
    if args.group:
        args.json.write_text(json.dumps(GROUPS[args.group](size)))
        return
    start, load_start = time.perf_counter(), os.getloadavg()
    workloads: dict[str, g.Rows] = {}
    notes: list[str] = []
    for name in ("eager", "torch", "compiled"):
        if name == "torch" and not _importable("torch"):
            notes.append("PyTorch is not installed: its rows are skipped.")
            continue
        for key, rows in run_group(name, args.quick).items():
            for engine, row in rows.items():
                workloads.setdefault(key, {}).setdefault(engine, row)
    demo_training.measure(run_group, args.quick, workloads, notes)
    if "autodiff compiled" not in workloads.get("seed_training", {}):
        notes.append("autodiff.compile_grad is not available: the compiled rows are skipped.")
    headlines = headline_ratios(workloads, args.quick, size["headline_processes"])
    limits = limit_ratios(workloads, args.quick, size["headline_processes"])
    scale = scaling.summary(scaling.in_processes(args.quick, size["headline_processes"] + 1))
    report.finish(workloads, notes, headlines)
    notes += report.limit_notes(limits)
    results = {
        "command": COMMAND, "quick": args.quick, "seconds": time.perf_counter() - start,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(),
                    "load_start": " ".join(f"{x:.2f}" for x in load_start),
                    "load_end": " ".join(f"{x:.2f}" for x in os.getloadavg())},
        "workloads": workloads, "headline_ratios_per_process": headlines,
        "limit_ratios_per_process": limits, "scaling": scale, "notes": notes}
    print(report.text_table(results))
    for line in notes:
        print(line)
    scaling_section = "\n".join(["## Cost per node by size", "", scaling.__doc__.split(
        "\n\n", 1)[1].strip(), "", *scaling.table(scale), ""])
    print(scaling_section)
    if not args.quick:
        (HERE / "results").mkdir(exist_ok=True)
        (HERE / "results" / "latest.json").write_text(json.dumps(results, indent=1) + "\n")
        markdown = report.markdown(results, COMMAND) + "\n" + scaling_section
        (HERE / "results" / "latest.md").write_text(markdown + "\n")
        _update_docs(markdown)


TABLE_START, TABLE_END = "<!-- bench:start -->", "<!-- bench:end -->"


def _update_docs(markdown: str) -> None:
    """Put the new table into docs/benchmarks.md, between its bench markers (atomically)."""
    page = HERE.parent / "docs" / "benchmarks.md"
    text = page.read_text(encoding="utf-8") if page.exists() else (
        f"# Benchmarks\n\n{TABLE_START}\n{TABLE_END}\n")
    start, end = text.find(TABLE_START), text.find(TABLE_END)
    if start < 0 or end < start:
        print(f"{page} has no {TABLE_START} ... {TABLE_END} block: left unchanged")
        return
    text = text[:start + len(TABLE_START)] + "\n" + markdown + "\n" + text[end:]
    fd, temporary = tempfile.mkstemp(dir=page.parent, prefix=".benchmarks.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, page)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _importable(module: str) -> bool:
    import importlib.util
    return importlib.util.find_spec(module) is not None


if __name__ == "__main__":
    main()
