"""Two checkouts of the engine timed against each other, paired and interleaved in one process.

Usage: ``.venv/bin/python benchmarks/paired.py BEFORE AFTER [--rounds N]``, where BEFORE and
AFTER are checkouts of this repository (``git worktree add /tmp/before <commit>``). Each
one's ``autodiff`` package is loaded under its own name (the package imports itself only
relatively), so both run in this process on the same workloads: an MLP(2, [16, 16, 1])
built and run backward on 80 samples, 300 full-batch epochs of the seed's XOR network,
and a chain of 10⁵ ops built (``y = y * 0.5 + x``) and run backward. Each round times
every workload on both, in alternating order, in CPU time (``time.process_time``); the
table gives each one's median and the median of the per-round ratios AFTER / BEFORE.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

sys.path.insert(0, str(Path(__file__).resolve().parent))

import workloads
from engines import value_engine


def load(name: str, checkout: Path) -> ModuleType:
    """``checkout``'s autodiff package, imported as ``name``."""
    init = checkout / "autodiff" / "__init__.py"
    spec = importlib.util.spec_from_file_location(
        name, init, submodule_search_locations=[str(init.parent)])
    if spec is None or spec.loader is None:
        raise SystemExit(f"no autodiff package in {checkout}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def workloads_of(package: ModuleType) -> dict[str, Callable[[], float]]:
    """The three workloads on ``package``'s Value; each returns a number to compare."""
    value = package.Value
    engine = value_engine(package.__name__, value, value.sigmoid)
    mlp_init, samples = workloads.mlp_init(), workloads.mlp_samples(80)
    seed_init = workloads.seed_init()

    def mlp() -> float:
        return workloads.mlp_train_samples(engine, workloads.mlp_build(engine, mlp_init),
                                           samples)

    def seed() -> float:
        return workloads.seed_epochs(engine, workloads.seed_build(engine, seed_init), 300)

    def chain() -> float:
        x = value(1.0)
        y = x
        for _ in range(100_000):
            y = y * 0.5 + x
        y.backward()  # (dropped without it, the graph would stay on the tape into the next)
        return x.grad

    return {"MLP, 80 samples": mlp, "seed, 300 epochs": seed, "chain of 1e5 ops, backward": chain}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--rounds", type=int, default=21)
    args = parser.parse_args(argv)
    runs = [workloads_of(load("autodiff_before", args.before)),
            workloads_of(load("autodiff_after", args.after))]
    for name in runs[0]:
        if runs[0][name]() != runs[1][name]():
            raise SystemExit(f"{name}: the two checkouts compute different numbers")
    times: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in runs[0]}
    for r in range(args.rounds):
        for name in runs[0]:
            for i in (0, 1) if r % 2 == 0 else (1, 0):
                start = time.process_time()
                runs[i][name]()
                times[name][i].append(time.process_time() - start)
    print(f"{'workload':<26} {'before':>10} {'after':>10}  after/before ({args.rounds} rounds)")
    for name, (before, after) in times.items():
        ratio = statistics.median(b / a for a, b in zip(before, after, strict=True))
        print(f"{name:<26} {statistics.median(before) * 1e3:8.2f}ms "
              f"{statistics.median(after) * 1e3:8.2f}ms  {ratio:.3f}")


if __name__ == "__main__":
    main()
