"""What a model keeps between steps: a training loop with a plain parameter list and
evaluation calls without ``no_grad`` must not keep every forward call's graph alive."""

import gc
import sys

import numpy as np
import pytest

import nn
from autodiff import Value

X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
Y = [0.0, 1.0, 1.0, 0.0]


def settled_blocks() -> int:
    """Memory blocks Python has allocated, once the engine's tape has let go of its nodes
    (a backward retires it), so that only what something else keeps alive is counted.

    ``sys.getallocatedblocks`` costs nothing to keep up, unlike tracemalloc, which makes
    building graphs ~13× slower; every Value is at least one block.
    """
    (Value(0.0) * 1.0).backward()
    gc.collect()
    return sys.getallocatedblocks()


def growth(run, warmup: int, steps: int) -> int:
    """Blocks still allocated after ``steps`` more calls of ``run`` than after ``warmup``."""
    for _ in range(warmup):
        run()
    before = settled_blocks()
    for _ in range(steps):
        run()
    return settled_blocks() - before


def test_sgd_on_a_parameter_list_keeps_memory_flat():
    model = nn.MLP(2, [16, 16, 1], seed=0)
    opt = nn.SGD(model.parameters(), lr=0.1)  # zero_grad here never touches the model

    def step():
        opt.zero_grad()
        nn.half_squared_error([model(x) for x in X], Y).backward()
        opt.step()

    # one step's graph is ~4 × 640 nodes: 200 steps of leaking would be > 10⁶ blocks
    assert growth(step, warmup=20, steps=200) < 1000
    assert [d.shape for d in model.deltas()] == [(4, 16), (4, 16), (4, 1)]


def test_evaluation_without_no_grad_keeps_at_most_the_cap(monkeypatch):
    monkeypatch.setattr(nn.Neuron, "MAX_RECORDED_CALLS", 16)
    model = nn.MLP(2, [16, 16, 1], seed=0)

    def evaluate():
        for x in X:
            model(x)

    # keeping 400 calls' graphs would be > 250 000 blocks; the cap keeps the last 16 calls'
    assert growth(evaluate, warmup=8, steps=100) < 1000
    for _ in range(5):  # 20 calls since the backward in settled_blocks()
        evaluate()
    assert all(len(n.zs) == 16 for layer in model.layers for n in layer.neurons)


def test_a_new_forward_after_backward_starts_a_new_record():
    model = nn.MLP(2, [3, 1], seed=0)
    nn.half_squared_error([model(x) for x in X], Y).backward()
    first = model.deltas()
    assert [d.shape for d in first] == [(4, 3), (4, 1)]
    nn.half_squared_error([model(x) for x in X[:2]], Y[:2]).backward()
    second = model.deltas()
    assert [d.shape for d in second] == [(2, 3), (2, 1)]
    np.testing.assert_array_equal(second[1], first[1][:2])


def test_deltas_refuses_a_record_longer_than_the_cap(monkeypatch):
    monkeypatch.setattr(nn.Neuron, "MAX_RECORDED_CALLS", 3)
    model = nn.MLP(2, [2, 1], seed=0)
    nn.half_squared_error([model(x) for x in X], Y).backward()
    with pytest.raises(RuntimeError, match="only the last 3"):
        model.deltas()
