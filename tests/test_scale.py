"""Scale: a million-node chain forward and backward (no recursion), flat cost per node,
bytes per live node, and dead graphs released by the tape."""

import gc
import sys
import time
import tracemalloc

import pytest

import autodiff as ad
from autodiff import Value
from autodiff.core import tape as tape_module

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


def test_bytes_per_live_node_at_most_184():
    """A node: the object with its 8 slots, its creation index (an int) and its tape slot."""
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
    assert per_node <= 184


def traced(build, free=None) -> tuple[int, int]:
    """(bytes held while build's graph lives, bytes held after it is dropped and ``free()``
    ran), with no gc.collect() in between."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        graph = build()
        alive = tracemalloc.get_traced_memory()[0] - base
        del graph
        if free is not None:
            free()
        dropped = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    return alive, dropped


def next_backward() -> None:
    """A small graph's backward() in this context: it retires the tape, freeing dropped graphs."""
    chain(Value(1.0), 10).backward()


@pytest.mark.slow
def test_a_dropped_million_node_graph_is_freed_at_the_next_backward():
    alive, dropped = traced(lambda: chain(Value(1.0), 1_000_000), next_backward)
    print(f"\n1e6-node chain: {alive / 1e6:.0f} MB alive, {dropped / 1e6:.3f} MB after del")
    assert alive > 100e6 and dropped < 10e6


def test_a_dropped_graph_is_held_by_the_tape_until_the_next_refill():
    """The documented trade-off: the tape lets go of a dropped graph when it next fills."""
    tape_module.retire(tape_module.current(), 1 << 15)  # a fresh tape of the default size
    alive, held = traced(lambda: chain(Value(1.0), 100_000))
    tape = tape_module.current()
    assert held > alive / 2 and tape.paused
    for _ in range(tape.limit - len(tape.nodes) + 1):  # dropped nodes, up to the next refill
        Value(1.0) * 1.0
    assert len(tape.nodes) < 1000 and not tape.paused


def test_a_dropped_wide_graph_and_its_leaves_are_freed():
    def wide():
        total = Value(0.0)
        for i in range(100_000):
            total = total + Value(float(i)) * 2.0  # 100k leaves, 200k op nodes
        return total
    alive, dropped = traced(wide, next_backward)
    assert dropped < 10e6 < alive


def test_the_tape_grows_without_a_cap_and_keeps_its_size(monkeypatch):
    monkeypatch.setattr(tape_module, "CAPACITY", 2048)  # the same mechanism, sooner
    monkeypatch.setattr(tape_module, "PAUSE_AT", 2048)
    tape_module.retire(tape_module.current(), 2048)  # a fresh tape with the small capacity
    x = Value(1.0)
    for _ in range(50):  # 50 graphs of 300 nodes built and dropped, never differentiated
        chain(x, 300)
    tape = tape_module.current()
    assert len(tape.nodes) <= 2048 and tape.pure and tape.capacity == 2048
    out = chain(x, 20_000)  # a graph bigger than the tape: the tape grows, all of it stays
    assert out._tape is tape and tape.pure and len(tape.nodes) >= 20_000
    assert tape.capacity == 32_768 and tape.paused
    out.backward()  # the tape walk
    assert x.grad == pytest.approx(FACTOR ** 20_000, rel=1e-9) and not tape.paused
    room = tape_module.current().capacity  # the next tape starts as big as needed
    assert room >= 20_000
    for _ in range(3):
        out = chain(x, 20_000)
        assert out._tape.capacity == room and out._tape.pure  # no regrowth
        out.backward()
    tape_module.retire(tape_module.current(), 1 << 15)  # the default, for the tests after


def test_backward_releases_the_graph_from_the_tape():
    x = Value(1.0)
    out = chain(x, 1000)
    tape = out._tape
    out.backward()
    assert tape.nodes == [] and ad.zero_grad(out) is None
