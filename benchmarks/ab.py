"""Paired A/B of the eager engine against an earlier commit: an MLP sample and a seed epoch.

``.venv/bin/python benchmarks/ab.py [COMMIT] [--rounds N]`` extracts ``COMMIT`` (by
default ``c2299f2``) with ``git archive`` into a temporary directory, then runs fresh
processes alternately on that engine and on this worktree's, the order flipping every
round. Each process warms up, then times (CPU time) MLP(2,[16,16,1]) forward + backward
per sample and the seed's epoch, with the collector as Python starts it, and reports the
median of its repetitions. The headline is the median over rounds of this worktree's time
÷ the earlier commit's, in the same round.
Fresh processes, where benchmarks/paired.py loads two checkouts into one: the collector's
state is per process, so only separate processes see a change to its pause.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REPS, SAMPLES, EPOCHS = 15, 20, 50  # repetitions; MLP samples and seed epochs in each


def child(root: str) -> dict[str, float]:
    """Median µs per MLP sample and per seed epoch, with ``autodiff`` imported from root."""
    sys.path[:0] = [root, str(HERE)]
    from engines import autodiff_engine
    from workloads import (
        mlp_build,
        mlp_init,
        mlp_samples,
        mlp_train_samples,
        seed_build,
        seed_epochs,
        seed_init,
    )
    engine = autodiff_engine()
    mlp, samples = mlp_build(engine, mlp_init()), mlp_samples(SAMPLES)
    seed = seed_build(engine, seed_init())
    work = {"mlp sample": (lambda: mlp_train_samples(engine, mlp, samples), SAMPLES),
            "seed epoch": (lambda: seed_epochs(engine, seed, EPOCHS), EPOCHS)}
    times: dict[str, list[float]] = {name: [] for name in work}
    for rep in range(REPS + 2):  # the first two warm up
        for name, (run, units) in work.items():
            start = time.process_time()
            run()
            if rep >= 2:
                times[name].append((time.process_time() - start) / units * 1e6)
    return {name: statistics.median(values) for name, values in times.items()}


def run_in(root: Path) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", str(root)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commit", nargs="?", default="c2299f2")
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    with tempfile.TemporaryDirectory() as base:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.commit],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", base], input=archive, check=True)
        ratios: dict[str, list[float]] = {}
        for r in range(args.rounds):
            order = [(Path(base), "base"), (ROOT, "new")]
            found = {name: run_in(root) for root, name in (order if r % 2 else order[::-1])}
            for key, new in found["new"].items():
                ratios.setdefault(key, []).append(new / found["base"][key])
            print(f"round {r}: " + ", ".join(f"{k} {found['base'][k]:.1f} → "
                                             f"{found['new'][k]:.1f} µs" for k in found["new"]))
    for key, values in ratios.items():
        print(f"{key}: new ÷ {args.commit}, median of {len(values)} rounds "
              f"{statistics.median(values):.3f} (range {min(values):.3f}–{max(values):.3f})")


if __name__ == "__main__":
    main()
