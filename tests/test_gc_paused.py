"""`autodiff.gc_paused`: the cyclic collector is off inside and restored after (on error too),
pauses nest and are shared between threads, and fit uses it without leaking."""

import gc
import threading

import pytest

import autodiff as ad
import nn
from autodiff.core.memory import pause_count

X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
Y = [0.0, 1.0, 1.0, 0.0]


@pytest.fixture(autouse=True)
def collector_on():
    assert gc.isenabled() and pause_count() == 0
    yield
    assert pause_count() == 0
    if not gc.isenabled():
        gc.enable()
        pytest.fail("the test left the collector off")


def test_the_collector_is_off_inside_and_back_after():
    with ad.gc_paused():
        assert not gc.isenabled()
        with ad.gc_paused():  # nested: still off, and still off after the inner one
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_it_is_restored_when_the_block_raises():
    with pytest.raises(KeyError), ad.gc_paused():
        raise KeyError("boom")
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled():
    gc.disable()
    try:
        with ad.gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_one_pause_object_is_entered_once_at_a_time():
    pause = ad.gc_paused()
    with pause:
        with pytest.raises(RuntimeError, match="already active"), pause:
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    with pause:  # and can be used again afterwards
        assert not gc.isenabled()


def test_threads_pausing_in_any_interleaving_leave_the_collector_on():
    start, errors = threading.Barrier(8), []

    def worker(k):
        start.wait()
        try:
            for i in range(300):
                with ad.gc_paused():
                    if gc.isenabled():
                        errors.append("on inside a pause")
                    if (i + k) % 7 == 0:
                        with ad.gc_paused():
                            pass
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert gc.isenabled()


def test_two_threads_running_fit_never_leave_the_collector_off():
    start, results = threading.Barrier(2), []

    def train(seed):
        model = nn.MLP(2, [4, 1], seed=seed)
        start.wait()
        results.append(nn.fit(model, X, Y, 40, batch_size=1, seed=seed, progress=False))

    threads = [threading.Thread(target=train, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2
    assert gc.isenabled()


def test_fit_pauses_the_collector_for_its_steps_only():
    during_loss, during_callback = [], []

    def loss(outputs, targets):
        during_loss.append(gc.isenabled())
        return nn.half_squared_error(outputs, targets)

    nn.fit(nn.MLP(2, [3, 1], seed=0), X, Y, 3, loss=loss, progress=False,
           on_epoch=lambda *args: during_callback.append(gc.isenabled()))
    assert during_loss == [False] * 3
    assert during_callback == [True] * 3
    assert gc.isenabled()


@pytest.mark.parametrize("compiled", [False, True])
def test_fit_restores_the_collector_when_training_fails(compiled):
    with pytest.raises(OverflowError):
        nn.fit(nn.MLP(1, [1], "linear", seed=0), [[1e5]], [[0]], 3, lr=1e300,
               progress=False, compiled=compiled)
    assert gc.isenabled()


def test_training_makes_no_cyclic_garbage():
    """The reason pausing is sound: graphs are freed by reference counting alone."""
    model = nn.MLP(2, [8, 8, 1], activation=["tanh", "relu", "sigmoid"], seed=0)
    gc.collect()
    with ad.gc_paused():
        for _ in range(20):
            model.zero_grad()
            loss = nn.half_squared_error([model(x) for x in X], Y)
            loss.backward()
            for p in model.parameters():
                p.data -= 0.1 * p.grad
        nn.fit(model, X, Y, 20, batch_size=2, seed=0, progress=False)
        garbage = gc.collect()  # collect() works while paused; it finds nothing to free
    assert garbage == 0


def test_nn_gc_paused_still_works_with_a_deprecation_warning():
    with pytest.warns(DeprecationWarning, match="use autodiff.gc_paused"):
        pause = nn.gc_paused
    assert pause is ad.gc_paused
    with pause():
        assert not gc.isenabled()
