"""Measurement groups; `run.py` runs each in its own process so imports don't mix.

`eager` (this engine vs micrograd) never imports torch: a process holding torch's
~150k extra objects makes every full garbage collection slower, which would inflate
micrograd's (collector-heavy) times. Each group returns ``{workload: {engine: row}}``.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from engines import Engine
from timing import once, paired, spread, summarize
from workloads import (
    SEED_EPOCHS,
    chain_forward,
    mlp_build,
    mlp_init,
    mlp_samples,
    mlp_train_samples,
    seed_build,
    seed_epochs,
    seed_init,
    seed_weights,
)

REFERENCE = "autodiff eager"
FULL_RUN_LIMIT = 60.0  # seconds: a longer seed training is measured on fewer epochs, scaled
SCALED_RUN_BUDGET = 15.0  # seconds to spend on such a shortened run
Rows = dict[str, dict[str, Any]]


def _in_units(rows: Rows, factor: float) -> Rows:
    for row in rows.values():
        row["value"] = {k: (v * factor if k != "n" else v) for k, v in row.pop("seconds").items()}
    return rows


def mlp_rows(engines: list[Engine], reps: int, per_rep: int,
             extra: dict[str, Callable[[list], Any]] | None = None) -> Rows:
    """ms per sample, forward + backward of MLP(2, [16, 16, 1])."""
    init, samples = mlp_init(), mlp_samples(per_rep)
    runners: dict[str, Callable[[], Any]] = {}
    for engine in engines:
        model = mlp_build(engine, init)
        runners[engine.name] = lambda e=engine, m=model: mlp_train_samples(e, m, samples)
    for name, make in (extra or {}).items():
        runners[name] = make(samples)
    return _in_units(summarize(paired(runners, reps, per_rep), REFERENCE), 1e3)


def seed_epoch_rows(engines: list[Engine], reps: int, per_rep: int,
                    extra: dict[str, Callable[[], Any]] | None = None) -> Rows:
    """µs per epoch of the seed's network (4 samples, full batch, one gradient step)."""
    init = seed_init()
    runners: dict[str, Callable[[], Any]] = {}
    for engine in engines:
        model = seed_build(engine, init)
        runners[engine.name] = lambda e=engine, m=model: seed_epochs(e, m, per_rep)
    for name, run in (extra or {}).items():
        runners[name] = run
    return _in_units(summarize(paired(runners, reps, per_rep), REFERENCE), 1e6)


def seed_training_row(train: Callable[[int], Any], seconds_per_epoch: float,
                      total: int = SEED_EPOCHS) -> dict[str, Any]:
    """The ``total``-epoch training; measured on fewer epochs, scaled, if it is too long."""
    estimate = seconds_per_epoch * total
    epochs = total if estimate <= FULL_RUN_LIMIT else max(
        100, int(SCALED_RUN_BUDGET / seconds_per_epoch) // 100 * 100)
    result: list[Any] = []
    seconds = once(lambda: result.append(train(epochs))) * total / epochs
    row: dict[str, Any] = {"value": spread([seconds]), "epochs_measured": epochs,
                           "weights": result[0]}
    if epochs < total:
        row["note"] = f"{epochs} epochs measured, × {total / epochs:.3g}"
    return row


def engine_trainer(engine: Engine) -> Callable[[int], list[float]]:
    def train(epochs: int) -> list[float]:
        model = seed_build(engine, seed_init())
        seed_epochs(engine, model, epochs)
        return seed_weights(engine, model)
    return train


def chain_rows(engine: Engine, n: int, runs: int) -> tuple[dict, dict]:
    """ns per node for the forward and the backward of an n-node chain."""
    forward, backward = [], []
    for _ in range(runs):
        seconds_forward, seconds_backward = chain_once(engine, n)
        forward.append(seconds_forward / n * 1e9)
        backward.append(seconds_backward / n * 1e9)
    note = {} if n == 1_000_000 else {"note": f"chain of {n:,} nodes"}
    return {"value": spread(forward), **note}, {"value": spread(backward), **note}


def chain_once(engine: Engine, n: int) -> tuple[float, float]:
    gc.collect()
    start = time.perf_counter()
    y, x = chain_forward(engine, n)
    middle = time.perf_counter()
    engine.backward(y)
    end = time.perf_counter()
    if engine.grad_of(x) != 1.0:
        raise RuntimeError(f"{engine.name}: wrong gradient at the start of the chain")
    return middle - start, end - middle


def in_deep_thread(fn: Callable[[], Any]) -> Any:
    """Run fn with a deep recursion limit on a big stack (micrograd's recursive sort)."""
    result: list[Any] = []
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(4_000_000)
    threading.stack_size(1 << 30)
    try:
        thread = threading.Thread(target=lambda: result.append(fn()))
        thread.start()
        thread.join()
    finally:
        threading.stack_size(0)
        sys.setrecursionlimit(limit)
    return result[0]


def bytes_per_node(engine: Engine, n: int = 100_000) -> float:
    """Python-heap bytes per live node of an n-node chain (tracemalloc)."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    graph = chain_forward(engine, n)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del graph
    return (after - before) / n


def resident_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def merge(results: dict[str, Rows], workload: str, rows: Rows) -> None:
    results.setdefault(workload, {}).update(rows)
