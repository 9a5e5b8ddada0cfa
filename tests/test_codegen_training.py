"""fit(..., compiled=True) as one generated training loop: the eager engine's results to the
last bit (losses, weights, momentum, gradients, outputs, signed zeros), its errors at the
same step with the weights of the last good step, Ctrl-C, and readable generated code."""

from __future__ import annotations

import importlib.util
import math
import os
import re
import signal
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autodiff import DomainError, enable_grad, no_grad
from autodiff.codegen.training import compile_training

ROOT = Path(__file__).resolve().parent.parent
X = [[0.0, 0.5], [1.0, -0.5], [0.3, 0.9], [-1.2, 0.1], [0.7, 0.7]]


def bits(x: float) -> tuple[float, float]:
    """A float with its sign, so that 0.0 and -0.0 differ (and nan equals nan)."""
    return (x if x == x else "nan", math.copysign(1.0, x))


def train(compiled: bool, nouts, activation, bias, loss, lr, momentum, epochs, seed=3,
          Y=None, on_epoch=True, model=None):
    """fit one way; everything it leaves behind, as comparable data."""
    model = model or nn.MLP(2, nouts, activation, bias=bias, seed=seed)
    Y = Y if Y is not None else [[float(i % 2)] * nouts[-1] for i in range(len(X))]
    seen = []
    history = nn.fit(model, X, Y, epochs, lr=lr, loss=loss, momentum=momentum,
                     progress=False, compiled=compiled,
                     on_epoch=(lambda e, v, out: seen.append((e, v, out.tolist())))
                     if on_epoch else None)
    return {"losses": [bits(v) for v in history.losses],
            "weights": [bits(p.data) for p in model.parameters()],
            "grads": [bits(p.grad) for p in model.parameters()],
            "seen": seen, "interrupted": history.interrupted}


MODELS = [
    ([3, 1], "sigmoid", False, nn.half_squared_error),
    ([4, 2], ["tanh", "sigmoid"], True, nn.mse),
    ([3, 3, 1], ["relu", "tanh", "linear"], True, nn.half_squared_error),
    ([2, 1], "sigmoid", True, nn.binary_cross_entropy),
    ([2, 1], "linear", True, lambda out, y: nn.binary_cross_entropy(out, y, from_logits=True)),
]


@pytest.mark.parametrize(("nouts", "activation", "bias", "loss"), MODELS)
@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("on_epoch", [True, False])
def test_compiled_training_is_eager_training_bit_for_bit(nouts, activation, bias, loss,
                                                        momentum, on_epoch):
    runs = [train(compiled, nouts, activation, bias, loss, 0.7, momentum, 12,
                  on_epoch=on_epoch) for compiled in (False, True)]
    assert runs[0] == runs[1]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10 ** 6), lr=st.floats(1e-3, 3.0),
       momentum=st.sampled_from([0.0, 0.5, 0.95]), model=st.sampled_from(MODELS[:3]))
def test_compiled_training_is_eager_training_for_any_seed_and_rate(seed, lr, momentum, model):
    nouts, activation, bias, loss = model
    runs = [train(compiled, nouts, activation, bias, loss, lr, momentum, 6, seed=seed)
            for compiled in (False, True)]
    assert runs[0] == runs[1]


def test_a_weight_of_minus_zero_stays_minus_zero_as_in_the_eager_engine():
    # y = w·x + b at x = 0: ∂E/∂w sums to -0.0 before the engine's +0.0 rule, and
    # -0.0 − lr·(+0.0) is -0.0 where -0.0 − lr·(-0.0) would be +0.0.
    results = []
    for compiled in (False, True):
        model = nn.MLP(1, [1], "linear", seed=0)
        model.layers[0].neurons[0].w[0].data = -0.0
        nn.fit(model, [[0.0]], [[1.0]], 3, lr=0.1, progress=False, compiled=compiled)
        results.append([bits(p.data) for p in model.parameters()])
    assert results[0] == results[1]
    assert results[1][0] == (0.0, -1.0)


# --- the seed --------------------------------------------------------------------------------

def load_benchmark(name: str):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return module


def test_the_seed_compiled_lands_where_the_hand_written_limit_and_the_eager_engine_land():
    limit = load_benchmark("seed_compiled")
    reference = nn.seed_reference()
    fitted, _ = limit.train_seed_fit(60000)
    by_hand, _ = limit.train_seed_limit(60000)
    assert fitted == by_hand  # the same floats, bit for bit, after 60000 epochs
    assert limit.max_relative_difference(fitted, reference["final_theta"]) < 1e-9
    eager_model = nn.MLP.from_weights(reference["initial_theta"])
    nn.fit(eager_model, reference["X"], reference["y"], 300, lr=1.0, progress=False)
    assert [w.tolist() for w in eager_model.weights()] == limit.train_seed_fit(300)[0]


# --- overflow: the eager engine's error, at the same epoch, the last good weights -----------

OVERFLOWS = {
    "an update that overflows": dict(nouts=[1], activation="linear", lr=1e300,
                                     X=[[1e5]], Y=[[0.0]]),
    "a loss that overflows later": dict(nouts=[2, 1], activation="linear", lr=2.5,
                                        X=[[3.0, -2.0], [1.0, 4.0]], Y=[[1.0], [0.0]]),
    "exp overflows in the loss": dict(nouts=[1], activation="linear", lr=50.0,
                                      X=[[2.0]], Y=[[0.0]],
                                      loss=lambda out, y: nn.mse(out, y) + out[0].exp()),
}


@pytest.mark.parametrize("case", list(OVERFLOWS))
@pytest.mark.parametrize("momentum", [0.0, 0.5])
def test_an_overflow_raises_the_eager_error_with_the_last_good_weights(case, momentum):
    spec = OVERFLOWS[case]
    outcomes = []
    for compiled in (False, True):
        model = nn.MLP(len(spec["X"][0]), spec["nouts"], spec["activation"], seed=1)
        seen = []
        with pytest.raises((ArithmeticError, DomainError)) as raised:
            nn.fit(model, spec["X"], spec["Y"], 500, lr=spec["lr"], momentum=momentum,
                   loss=spec.get("loss", nn.half_squared_error), progress=False,
                   compiled=compiled, on_epoch=lambda e, v, out, seen=seen: seen.append(e))
        outcomes.append((type(raised.value), str(raised.value),
                         [bits(p.data) for p in model.parameters()], seen))
    assert outcomes[0] == outcomes[1]
    assert all(math.isfinite(w) for w, _ in outcomes[1][2])


def test_an_overflow_that_a_sigmoid_hides_from_the_loss_still_raises():
    # z(2) = 1.5 × 1.5e308 is inf, σ(inf) = 1: the loss stays finite, but the engine refuses
    # the product. on_epoch sets the weight after epoch 1, so epoch 2 meets it.
    outcomes = []
    for compiled in (False, True):
        model = nn.MLP.from_weights([[[1.0]], [[0.5]]], [[0.0], [0.0]], ["linear", "sigmoid"])

        def grow(epoch, loss, outputs, model=model):
            if epoch == 1:
                model.layers[1].neurons[0].w[0].data = 1.5

        with pytest.raises(OverflowError) as raised:
            nn.fit(model, [[1.5e308]], [[0.0]], 5, lr=1e-300, progress=False,
                   compiled=compiled, on_epoch=grow)
        outcomes.append((str(raised.value), [bits(p.data) for p in model.parameters()]))
    assert outcomes[0] == outcomes[1]
    assert "mul" in outcomes[1][0]


# --- Ctrl-C --------------------------------------------------------------------------------

def test_ctrl_c_stops_the_compiled_loop_after_the_current_epoch():
    reference = nn.seed_reference()
    model = nn.MLP.from_weights(reference["initial_theta"])
    before = signal.getsignal(signal.SIGINT)
    done = threading.Event()

    def press_ctrl_c() -> None:  # once fit's handler is in place, and the loop has started
        while signal.getsignal(signal.SIGINT) is before and not done.wait(0.001):
            pass
        if not done.wait(0.05):
            os.kill(os.getpid(), signal.SIGINT)

    presser = threading.Thread(target=press_ctrl_c)
    presser.start()
    try:  # one call of the generated loop for all the epochs (no on_epoch, no bar)
        history = nn.fit(model, reference["X"], reference["y"], 10 ** 8, lr=1.0,
                         progress=False, compiled=True)
    finally:
        done.set()
        presser.join()
    assert history.interrupted and 0 < history.epochs < 10 ** 8
    assert signal.getsignal(signal.SIGINT) is before
    limit = load_benchmark("seed_compiled")
    seed_order = [w.tolist() for w in model.weights()]
    assert seed_order == limit.train_seed_limit(history.epochs)[0]  # the epochs it reports


def test_a_second_ctrl_c_hands_back_the_weights_of_the_last_epoch_completed():
    model = nn.MLP(2, [2, 1], seed=0)
    optimizer = nn.SGD(model, 0.5, momentum=0.5)
    with no_grad(), enable_grad():
        total = nn.half_squared_error([model(x) for x in X], [0.0, 1.0, 1.0, 0.0, 1.0])
    loop = compile_training(total, model.parameters(), optimizer.update)

    class Stop:  # the second Ctrl-C arrives during epoch 3 (when the loop asks after it)
        asked = 0

        @property
        def requested(self):
            self.asked += 1
            if self.asked == 3:
                raise KeyboardInterrupt
            return False

    weights, states, losses = [p.data for p in model.parameters()], [0.0] * 9, []
    with pytest.raises(KeyboardInterrupt):
        loop(10, Stop(), losses, weights, states)
    done, expected_weights, expected_states, _, _ = loop(3, SimpleNamespace(requested=False), [], [
        p.data for p in model.parameters()], [0.0] * 9)
    assert done == 3 and len(losses) == 3
    assert weights == list(expected_weights) and states == list(expected_states)


def test_the_progress_bar_counts_every_epoch_of_the_compiled_loop(capsys):
    nn.fit(nn.MLP(2, [2, 1], seed=0), X, [0.0, 1.0, 1.0, 0.0, 1.0], 2000, progress=True,
           compiled=True)
    assert "2000/2000" in capsys.readouterr().err


# --- the generated code --------------------------------------------------------------------

def test_the_generated_loop_is_straight_line_code_one_assignment_a_line():
    model = nn.MLP(2, [2, 1], seed=0)
    with no_grad(), enable_grad():
        total = nn.half_squared_error([model(x) for x in X], [0.0, 1.0, 1.0, 0.0, 1.0])
    loop = compile_training(total, model.parameters(), nn.SGD(model, 0.5, 0.9).update)
    body = [line.strip() for line in loop.source.splitlines()]
    assigned = [line for line in body if re.match(r"(t|g_|new_)\w* = ", line)]
    assert assigned and all(re.fullmatch(r"(t\d+|g_[xt]\d+|new_[xs]\d+) = .+  # .+", line)
                            for line in assigned)
    assert "new_s0 = 0.9 * s0 + (g_x0 + 0.0)  # θ0[0,0]: its state" in body
    assert "new_x0 = x0 - 0.5 * new_s0  # θ0[0,0]: its new value" in body
    assert not any("sigmoid(" in line for line in body)  # σ written out, no call
