"""Losses, SGD and fit: values against plain formulas, gradients against finite
differences, the update rule, mini-batches, the history, and a clean stop on Ctrl-C."""

import math
import os
import signal

import numpy as np
import pytest

import autodiff as ad
import nn
from autodiff import Value


def values(*xs):
    return [Value(x) for x in xs]


# --- losses --------------------------------------------------------------------------------

def test_half_squared_error_is_the_seeds_E_and_its_gradient_is_a_minus_y():
    a = values(0.2, 0.9, 0.5)
    loss = nn.half_squared_error(a, [0.0, 1.0, 1.0])
    assert loss.data == pytest.approx(0.5 * (0.04 + 0.01 + 0.25), rel=1e-15)
    loss.backward()
    assert [v.grad for v in a] == [0.2, 0.9 - 1.0, 0.5 - 1.0]


def test_losses_accept_a_single_value_and_nested_batches():
    assert nn.half_squared_error(Value(3.0), 1.0).data == 2.0
    assert nn.half_squared_error(Value(3.0), [1.0]).data == 2.0
    batch = [values(1.0, 2.0), values(0.0, 0.0)]
    assert nn.mse(batch, [[0.0, 0.0], [1.0, 1.0]]).data == pytest.approx((1 + 4 + 1 + 1) / 4)
    assert nn.half_squared_error(batch, np.array([[0.0, 0.0], [1.0, 1.0]])).data == 3.5


@pytest.mark.parametrize("pred, target, error", [
    (values(1.0, 2.0), [1.0], ValueError), (values(1.0), 1.0, ValueError),
    ([], [], ValueError), (Value(1.0), "a", TypeError), ("ab", [1.0, 2.0], TypeError),
    (Value(1.0), None, TypeError),
])
def test_losses_reject_mismatched_shapes(pred, target, error):
    with pytest.raises(error):
        nn.half_squared_error(pred, target)


@pytest.mark.parametrize("z", [-800.0, -40.0, -3.0, 0.0, 0.5, 40.0, 800.0])
@pytest.mark.parametrize("y", [0.0, 0.3, 1.0])
def test_bce_is_stable_and_its_gradient_is_p_minus_y(z, y):
    logit = Value(z)
    loss = nn.binary_cross_entropy(logit, y, from_logits=True)
    p = 1 / (1 + math.exp(-z)) if z > -700 else 0.0
    softplus = max(z, 0.0) + math.log1p(math.exp(-abs(z)))
    assert math.isfinite(loss.data)
    # without a log1p op, log(1 + e^z) is exact to ~1e-16 absolute (not relative) for z << 0
    assert loss.data == pytest.approx(softplus - y * z, rel=1e-12, abs=1e-15)
    loss.backward()
    assert logit.grad == pytest.approx(p - y, rel=1e-12, abs=1e-15)


def test_bce_on_plain_probabilities_and_its_errors():
    p = Value(0.8)
    loss = nn.binary_cross_entropy(p, 1.0)
    assert loss.data == pytest.approx(-math.log(0.8))
    assert nn.binary_cross_entropy(values(0.8, 0.4), [1.0, 0.0]).data == pytest.approx(
        -(math.log(0.8) + math.log(0.6)) / 2)
    assert nn.binary_cross_entropy(Value(0.0), 0.0).data == 0.0  # log 0 is never taken
    with pytest.raises(ad.DomainError):
        nn.binary_cross_entropy(Value(0.0), 1.0)
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        nn.binary_cross_entropy(Value(0.5), 2.0)


@pytest.mark.parametrize("loss", [nn.half_squared_error, nn.mse, nn.binary_cross_entropy])
def test_loss_gradients_match_central_differences(loss):
    targets = [0.0, 1.0, 0.25]

    def f(a, b, c):
        return loss([a.sigmoid(), b.sigmoid(), c.sigmoid()], targets)

    assert ad.gradcheck(f, 0.3, -1.2, 2.0)


# --- SGD ----------------------------------------------------------------------------------

def test_sgd_step_is_theta_minus_lr_grad():
    p = Value(1.0)
    p.grad = 0.5
    opt = nn.SGD([p], lr=0.1)
    opt.step()
    assert p.data == 1.0 - 0.1 * 0.5
    opt.zero_grad()
    assert p.grad == 0.0


def test_sgd_momentum_follows_the_velocity_rule():
    p = Value(0.0)
    opt = nn.SGD([p], lr=0.5, momentum=0.9)
    expected, velocity = 0.0, 0.0
    for grad in (1.0, 1.0, -2.0):
        p.grad = grad
        opt.step()
        velocity = 0.9 * velocity + grad
        expected -= 0.5 * velocity
        assert p.data == expected
    assert "momentum=0.9" in repr(opt)


@pytest.mark.parametrize("args, error", [
    (([], 0.1), ValueError), (([1.0], 0.1), TypeError), (([Value(1.0)], -1.0), ValueError),
    (([Value(1.0)], float("nan")), ValueError), (([Value(1.0)], 0.1, 1.0), ValueError),
    (([Value(1.0)], True), TypeError), (([Value(1.0)], "a"), TypeError),
    (([Value(1.0)], 0.1, "0.9"), TypeError), (([Value(1.0)], 0.1, -0.5), ValueError),
])
def test_sgd_rejects_bad_arguments(args, error):
    with pytest.raises(error):
        nn.SGD(*args)


# --- fit ------------------------------------------------------------------------------------

XOR_X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
XOR_Y = [0.0, 1.0, 1.0, 0.0]


def test_fit_full_batch_is_the_plain_gradient_descent_loop():
    model = nn.MLP(2, [3, 1], seed=0)
    twin = nn.MLP(2, [3, 1], seed=0)
    history = nn.fit(model, XOR_X, XOR_Y, epochs=5, lr=0.5, progress=False)
    losses = []
    for _ in range(5):
        twin.zero_grad()
        loss = nn.half_squared_error([twin(x) for x in XOR_X], XOR_Y)
        loss.backward()
        losses.append(loss.data)
        for p in twin.parameters():
            p.data -= 0.5 * p.grad
    assert history.losses == losses
    assert model.state_dict() == twin.state_dict()
    assert history.epochs == 5 and not history.interrupted and history.seconds > 0


def test_fit_learns_xor_with_mini_batches_and_reports_outputs():
    model = nn.MLP(2, [4, 1], activation=["tanh", "sigmoid"], seed=3)
    seen = []
    history = nn.fit(model, XOR_X, XOR_Y, epochs=300, lr=0.5, batch_size=2, momentum=0.9,
                     seed=0, progress=False, loss=nn.binary_cross_entropy,
                     on_epoch=lambda epoch, loss, outputs: seen.append((epoch, outputs)))
    assert history.losses[-1] < 0.1 * history.losses[0]
    assert [e for e, _ in seen] == list(range(300))
    final = seen[-1][1]
    assert final.shape == (4,)
    assert np.all(np.round(final) == XOR_Y)
    with ad.no_grad():
        assert final[1] == pytest.approx(model(XOR_X[1]).data, abs=0.05)


def test_fit_with_several_outputs_gives_n_by_m_outputs():
    model = nn.MLP(2, [2], activation="linear", seed=0)
    seen = []
    nn.fit(model, XOR_X, [[y, 1 - y] for y in XOR_Y], epochs=1, progress=False, loss=nn.mse,
           on_epoch=lambda e, loss, outputs: seen.append(outputs))
    assert seen[0].shape == (4, 2)


def test_fit_leaves_the_last_steps_deltas_readable():
    model = nn.MLP(2, [3, 1], seed=0)
    nn.fit(model, XOR_X, XOR_Y, epochs=2, batch_size=3, shuffle=False, progress=False)
    assert [d.shape for d in model.deltas()] == [(1, 3), (1, 1)]  # the last batch: 1 sample


def test_ctrl_c_stops_after_the_current_step_and_keeps_the_weights():
    model = nn.MLP(2, [3, 1], seed=0)

    def interrupt(epoch, loss, outputs):
        if epoch == 2:
            os.kill(os.getpid(), signal.SIGINT)

    before = signal.getsignal(signal.SIGINT)
    history = nn.fit(model, XOR_X, XOR_Y, epochs=1000, progress=False, on_epoch=interrupt)
    assert history.interrupted
    assert 3 <= history.epochs < 1000
    assert signal.getsignal(signal.SIGINT) is before
    twin = nn.MLP(2, [3, 1], seed=0)
    nn.fit(twin, XOR_X, XOR_Y, epochs=history.epochs, progress=False)
    assert model.state_dict() == twin.state_dict()


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(epochs=-1), ValueError, "epochs"), (dict(epochs=1.5), TypeError, "epochs"),
    (dict(epochs=1, batch_size=0), ValueError, "batch_size"),
    (dict(epochs=1, batch_size=5), ValueError, "batch_size"),
    (dict(epochs=1, Y=[0.0]), ValueError, "X has 4 samples but Y has 1"),
    (dict(epochs=1, X=[], Y=[]), ValueError, "at least one sample"),
    (dict(epochs=1, X=None), TypeError, "X must be a list"),
    (dict(epochs=1, X=[[0.0, 0.0, 0.0]] * 4), ValueError, "MLP expects 2 inputs, got 3"),
])
def test_fit_rejects_bad_arguments(kwargs, error, message):
    args = dict(X=XOR_X, Y=XOR_Y, progress=False)
    args.update(kwargs)
    with pytest.raises(error, match=message):
        nn.fit(nn.MLP(2, [1], seed=0), **args)


def test_fit_zero_epochs_changes_nothing():
    model = nn.MLP(2, [1], seed=0)
    before = model.state_dict()
    assert nn.fit(model, XOR_X, XOR_Y, epochs=0, progress=False).epochs == 0
    assert model.state_dict() == before


def test_progress_bar_shows_the_loss(capsys):
    nn.fit(nn.MLP(2, [1], seed=0), XOR_X, XOR_Y, epochs=3, progress=True)
    err = capsys.readouterr().err
    assert "loss Σ½(a−y)²=" in err and "3/3" in err  # named: the seed's E, not its Error:


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("returned", [0.5, None, [Value(1.0)], "loss", np.float64(0.5)])
def test_a_loss_that_returns_no_value_is_a_type_error_naming_it(compiled, returned):
    def my_loss(outputs, targets):
        return returned

    model = nn.MLP(2, [2, 1], seed=0)
    before = model.weights()
    with pytest.raises(TypeError, match=r"loss function .*my_loss must return a Value") as info:
        nn.fit(model, [[0.0, 1.0]], [1.0], epochs=2, loss=my_loss, progress=False,
               compiled=compiled)
    assert type(returned).__name__ in str(info.value)
    assert all(np.array_equal(a, b) for a, b in zip(model.weights(), before, strict=True))
