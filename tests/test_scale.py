"""Scale: a million-node chain forward and backward (no recursion), flat cost per node,
bytes per live node, and dead graphs released by the tape."""

import gc
import sys
import time
import tracemalloc

import pytest

import autodiff as ad
from autodiff import Value
from autodiff import tape as tape_module

FACTOR = 1.0 + 1e-7  # each link multiplies by this: d out / d x = FACTOR ** n


def chain(x: Value, n: int) -> Value:
    out = x
    for _ in range(n):
        out = out * FACTOR
    return out


def timed_chain(n: int) -> tuple[float, float, float]:
    """(forward seconds, backward seconds, d out/d x) of an n-node chain."""
    gc.collect()
    x = Value(1.0, "x")
    start = time.perf_counter()
    out = chain(x, n)
    built = time.perf_counter()
    out.backward()
    done = time.perf_counter()
    return built - start, done - built, x.grad


def test_million_node_chain_and_cost_per_node_at_1e5_and_1e6():
    """Forward and backward() of chains of 1e5 and 1e6 nodes; ns/node printed, not asserted."""
    assert sys.getrecursionlimit() < 1_000_000  # so a recursive walk would fail here
    rows = []
    for n in (100_000, 1_000_000):
        forward_s, backward_s, grad = timed_chain(n)
        assert grad == pytest.approx(FACTOR ** n, rel=1e-9)
        rows.append(f"n={n:>9,}: forward {forward_s:5.2f} s = {forward_s / n * 1e9:5.0f} ns/node,"
                    f" backward {backward_s:5.2f} s = {backward_s / n * 1e9:5.0f} ns/node")
    print("\n" + "\n".join(rows))


def test_sorted_backward_of_a_long_chain():
    x = Value(1.0)
    out = chain(x, 200_000)
    tape_module.retire(tape_module.current())  # force the explicit-stack sort
    out.backward()
    assert x.grad == pytest.approx(FACTOR ** 200_000, rel=1e-9)


def test_bytes_per_live_node_at_most_160():
    n = 100_000
    x = Value(1.0)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        out = x
        for i in range(n):
            out = out * (1.0 + i * 1e-9)  # distinct float data per node
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    per_node = (after - before) / n
    print(f"\nbytes per live node (incl. its tape slot): {per_node:.1f}")
    assert per_node <= 160
    out.backward()


def test_dead_graphs_are_not_kept_alive_by_the_tape(monkeypatch):
    monkeypatch.setattr(tape_module, "CAPACITY", 2048)  # the same mechanism, sooner
    tape_module.retire(tape_module.current())  # a fresh tape with the small capacity
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        for _ in range(8):  # 8 × 10k nodes built and dropped, never differentiated
            chain(Value(1.0), 10_000)
        held = tracemalloc.get_traced_memory()[0] - base
        limit = tape_module.current().limit
    finally:
        tracemalloc.stop()
        tape_module.retire(tape_module.current())
    # Without releasing, 80k nodes (~10 MB) would be held; the tape keeps at most about
    # one capacity's worth of nodes alive.
    live_nodes = held / 120
    print(f"\nafter dropping 80k nodes: {held / 1e6:.2f} MB still held (~{live_nodes:,.0f} nodes)")
    assert held < 2 * limit * 160 and limit <= 4 * 10_000


def test_backward_releases_the_graph_from_the_tape():
    x = Value(1.0)
    out = chain(x, 1000)
    tape = out._tape
    out.backward()
    assert tape.nodes == [] and ad.zero_grad(out) is None
