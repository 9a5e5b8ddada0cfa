"""Paired timing: every engine runs once per repetition, in rotating order; medians, ranges."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from typing import Any


def paired(runners: dict[str, Callable[[], Any]], reps: int, units: int = 1
           ) -> dict[str, list[float]]:
    """Seconds per unit for each runner, one run of each per repetition.

    Repetition r starts with runner r (mod their number) so no engine always goes first.
    The garbage collector stays enabled and is never forced between runs: as in a
    training loop, an engine's cyclic garbage is collected when the collector decides,
    which is the steady-state cost its users see.
    """
    names = list(runners)
    for name in names:  # warm up: imports, caches, first allocations
        runners[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(reps):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            start = time.perf_counter()
            runners[name]()
            times[name].append((time.perf_counter() - start) / units)
    return times


def once(run: Callable[[], Any], units: int = 1) -> float:
    gc.collect()
    start = time.perf_counter()
    run()
    return (time.perf_counter() - start) / units


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values)}


def summarize(times: dict[str, list[float]], reference: str | None) -> dict[str, dict]:
    """Per runner: median/min/max seconds, and its time ÷ the reference's, rep by rep."""
    out = {}
    for name, values in times.items():
        row: dict[str, Any] = {"seconds": spread(values)}
        if reference is not None and reference in times:
            ratios = [v / ref for v, ref in zip(values, times[reference], strict=True)]
            row["ratio"] = {**spread(ratios), "paired": True, "to": reference}
        out[name] = row
    return out
