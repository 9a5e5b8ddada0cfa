"""backward() adds exactly its own contribution whichever thread, asyncio task or context
built the graph: sequential use across threads and tasks equals a single-threaded run bit
for bit, concurrent calls on disjoint graphs are exact, and concurrent calls on graphs
that share nodes give the sums of some sequential order (backward calls are serialized)."""

import asyncio
import contextvars
import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

from autodiff import Value, gradients


def run_in_thread(fn) -> None:
    errors = []

    def target():
        try:
            fn()
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)
    t = threading.Thread(target=target)
    t.start()
    t.join()
    if errors:
        raise errors[0]


def test_graph_built_here_backward_in_a_thread_then_a_new_backward_here():
    x = Value(2.0)
    y = x * x
    run_in_thread(y.backward)
    assert x.grad == 4.0
    w = x * 3.0
    w.backward()
    assert x.grad == 7.0  # not 11: y's old gradient is not sent on again
    assert y.grad == 1.0


def test_graph_built_in_a_thread_backward_here():
    box = {}

    def build():
        box["x"] = x = Value(1.5)
        box["y"] = (x * x).sin() + x
    run_in_thread(build)
    box["y"].backward()
    x = Value(1.5)
    ((x * x).sin() + x).backward()
    assert box["x"].grad.hex() == x.grad.hex()


def test_the_same_through_an_asyncio_task_in_its_own_context():
    async def main():
        x = Value(2.0)
        y = x * x
        await asyncio.create_task(asyncio.to_thread(y.backward))
        assert x.grad == 4.0

        async def other():
            y.backward()  # the same graph again, from a task with a copy of this context
        await asyncio.create_task(other(), context=contextvars.copy_context())
        assert x.grad == 8.0
        w = x * 3.0
        w.backward()
        return x.grad
    assert asyncio.run(main()) == 11.0  # 4 + 4 + 3, each call exactly once


def sequence_of_passes(schedule) -> list[str]:
    """Three graphs over shared leaves, each backward() run where ``schedule`` says."""
    a, b = Value(0.7, "a"), Value(-1.3, "b")
    outs = [(a * b).tanh() + a, (a * a + b).sigmoid() * b, (a - b).exp() * a * b]
    for k, out in enumerate(outs):
        schedule(k, out.backward)
    return [a.grad.hex(), b.grad.hex()] + [out.grad.hex() for out in outs]


def test_sequential_use_across_threads_and_tasks_equals_one_thread_bit_for_bit():
    here = sequence_of_passes(lambda k, fn: fn())
    in_threads = sequence_of_passes(lambda k, fn: run_in_thread(fn) if k % 2 else fn())

    def in_tasks(k, fn):
        async def call():
            fn()
        asyncio.run(call())
    assert in_threads == here
    assert sequence_of_passes(in_tasks) == here


def test_preset_gradients_from_another_thread_are_not_sent_on():
    x = Value(3.0)
    t = x * x
    out = t * 2.0
    run_in_thread(lambda: setattr(t, "grad", 100.0))
    out.backward()
    assert x.grad == 12.0 and t.grad == 102.0


def chain_graph(seed: float, n: int = 300) -> tuple[Value, Value]:
    x = Value(seed)
    out = x
    for i in range(n):
        out = (out * 1.0001).sin() + x if i % 3 else out * x * 0.5
    return x, out


def test_concurrent_backward_on_disjoint_graphs_is_exact():
    seeds = [0.1 * k for k in range(1, 9)]
    expected = []
    for s in seeds:
        x, out = chain_graph(s)
        out.backward()
        expected.append(x.grad.hex())

    def work(s):
        x, out = chain_graph(s)
        out.backward()
        return x.grad.hex()
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(work, seeds)) == expected


def test_concurrent_backward_on_graphs_that_share_a_leaf_is_some_sequential_order():
    x = Value(0.5)
    barrier = threading.Barrier(4)
    built = {}

    def work(k):
        out = x
        for _ in range(200):
            out = (out * 1.001).tanh() + x * (k + 1)
        built[k] = out
        barrier.wait()  # all four backward() calls start together
        out.backward()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(work, range(4)))
    fresh = [gradients(built[k], [x])[0] for k in range(4)]
    orders = set()
    for order in itertools.permutations(fresh):
        total = 0.0
        for g in order:
            total = total + g
        orders.add(total.hex())
    assert x.grad.hex() in orders
