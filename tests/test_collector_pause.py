"""The engine pauses the cyclic collector while a tape holds a big graph, and restores it."""

import gc
import random
import subprocess
import sys
import threading

import pytest

import autodiff as ad
from autodiff import Value
from autodiff.core import pause
from autodiff.core import tape as tape_module
from autodiff.core.memory import pause_count

SMALL = 1024  # PAUSE_AT for these tests: the same mechanism, with smaller graphs


@pytest.fixture(autouse=True)
def small_pause(monkeypatch):
    monkeypatch.setattr(tape_module, "CAPACITY", SMALL)
    monkeypatch.setattr(tape_module, "PAUSE_AT", SMALL)
    tape_module.retire(tape_module.current(), SMALL)  # a fresh tape of the small size
    assert gc.isenabled() and pause_count() == 0
    yield
    tape_module.retire(tape_module.current(), 1 << 15)  # the default, for the tests after
    assert gc.isenabled() and pause_count() == 0 and pause.paused_tapes() == 0


def chain(x: Value, n: int) -> Value:
    for _ in range(n):
        x = x * 1.0001
    return x


def paused() -> bool:
    return not gc.isenabled() and pause_count() == 1 and pause._on_collect in gc.callbacks


def resumed() -> bool:
    return gc.isenabled() and pause_count() == 0 and pause._on_collect not in gc.callbacks


def test_a_big_graph_pauses_the_collector_and_backward_restores_it():
    x = Value(1.0)
    out = chain(x, 3 * SMALL)
    assert paused() and out._tape.paused
    out.backward()
    assert resumed() and not out._tape.paused
    assert x.grad == pytest.approx(1.0001 ** (3 * SMALL), rel=1e-12)


def test_a_small_graph_does_not_pause():
    out = chain(Value(1.0), SMALL - 10)
    assert resumed() and not out._tape.paused
    out.backward()
    assert resumed()


def test_backward_raising_restores_the_collector():
    out = chain(Value(0.0) ** 0.5, 3 * SMALL)  # d/dx sqrt(x) is infinite at 0
    assert paused()
    with pytest.raises(ad.DomainError):
        out.backward()
    assert resumed()


def test_the_end_of_enable_grad_restores_the_collector():
    with ad.no_grad(), ad.enable_grad():
        out = chain(Value(1.0), 3 * SMALL)
        assert paused()
    assert resumed()
    x = out
    while x._a is not None:  # the graph is still whole: backward() sorts it
        x = x._a
    out.backward()
    assert x.grad == pytest.approx(1.0001 ** (3 * SMALL), rel=1e-12)


def test_gc_collect_ends_the_pause_and_a_growing_tape_pauses_again():
    x = Value(1.0)
    out = chain(x, 3 * SMALL)
    assert paused()
    gc.collect()
    assert resumed() and not out._tape.paused  # the callback is gone too
    out = chain(out, 8 * SMALL)  # the next refill finds the graph still in use
    assert paused()
    out.backward()
    assert resumed() and x.grad == pytest.approx(1.0001 ** (11 * SMALL), rel=1e-12)


def test_a_refill_that_finds_the_graph_dropped_ends_the_pause():
    chain(Value(1.0), 3 * SMALL)  # built and dropped, never differentiated
    assert paused()
    tape = tape_module.current()
    for _ in range(tape.limit - len(tape.nodes) + 1):  # dropped nodes up to the next refill
        Value(1.0) * 2.0
    assert resumed() and len(tape.nodes) < SMALL


@pytest.mark.parametrize("keep", [False, True])
def test_a_thread_that_ends_with_a_big_graph_restores_the_collector(keep):
    kept = []
    seen = []

    def build():
        out = chain(Value(1.0), 3 * SMALL)
        seen.append(paused())
        if keep:
            kept.append(out)  # the graph outlives the thread

    thread = threading.Thread(target=build)
    thread.start()
    thread.join()
    assert seen == [True]
    assert resumed()
    if keep:
        kept[0].backward()  # sorted: not on this thread's tape
        assert resumed()


def test_two_threads_pausing_at_once_leave_the_collector_on():
    built = threading.Barrier(2)
    counts = []

    def build():
        out = chain(Value(1.0), 3 * SMALL)
        built.wait()
        counts.append(pause_count())
        built.wait()
        out.backward()

    threads = [threading.Thread(target=build) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counts == [2, 2] and resumed()


def test_the_engine_pause_composes_with_gc_paused():
    with ad.gc_paused():
        out = chain(Value(1.0), 3 * SMALL)
        assert pause_count() == 2
        out.backward()
        assert not gc.isenabled() and pause_count() == 1  # the user's block still holds it
    assert resumed()
    out = chain(Value(1.0), 3 * SMALL)
    with ad.gc_paused():
        assert pause_count() == 2
    assert paused()  # the engine's pause still holds it
    out.backward()
    assert resumed()


def test_a_collector_the_user_disabled_stays_disabled():
    gc.disable()
    try:
        out = chain(Value(1.0), 3 * SMALL)
        assert pause_count() == 1
        out.backward()
        assert not gc.isenabled() and pause_count() == 0
    finally:
        gc.enable()


def mlp_gradients(seen: list[bool] | None = None) -> list[float]:
    """Gradients of a summed squared loss over a batch of a small random MLP."""
    rng = random.Random(7)
    w1 = [[Value(rng.uniform(-1, 1)) for _ in range(2)] for _ in range(8)]
    w2 = [Value(rng.uniform(-1, 1)) for _ in range(8)]
    loss = Value(0.0)
    for _ in range(60):
        x = [rng.uniform(-1, 1) for _ in range(2)]
        hidden = [(row[0] * x[0] + row[1] * x[1]).tanh() for row in w1]
        d = sum((w * h for w, h in zip(w2, hidden, strict=True)), Value(0.0)) - 0.5
        loss = loss + d * d
    if seen is not None:
        seen.append(paused())
    loss.backward()
    return [w.grad for row in w1 for w in row] + [w.grad for w in w2]


def test_gradients_are_bit_identical_with_and_without_the_pause(monkeypatch):
    with_pause = mlp_gradients()  # about 4,000 nodes: paused
    monkeypatch.setattr(tape_module, "PAUSE_AT", 1 << 30)
    tape_module.retire(tape_module.current(), 1 << 15)
    gc.collect()
    without = mlp_gradients()
    assert resumed() and with_pause == without and any(g != 0.0 for g in without)


def test_the_mlp_batch_pauses():
    seen: list[bool] = []
    mlp_gradients(seen)
    assert seen == [True] and resumed()


def test_exiting_with_a_paused_collector_reports_nothing():
    code = ("from autodiff import Value\nx = Value(1.0)\n"
            "for _ in range(40_000):\n    x = x * 1.0\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stderr == ""
