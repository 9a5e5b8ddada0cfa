"""The seed reproduced: its first step's δ and gradients (closed form and engine) to 1e-12,
and its error trace by the engine up to epoch 10000 (the full 60000 epochs is the demo)."""


import numpy as np
import pytest

import nn

REFERENCE = nn.seed_reference()
X, Y = REFERENCE["X"], REFERENCE["y"]
FIRST = REFERENCE["first_step"]


def close(actual, expected, rtol):
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected), rtol=rtol,
                               atol=0)


def test_seed_initial_weights_come_from_numpy_seed_1():
    legacy = np.random.RandomState(1)  # the stream np.random.seed(1) starts, without globals
    theta0 = 2 * legacy.random_sample((3, 4)) - 1
    theta1 = 2 * legacy.random_sample((4, 1)) - 1
    assert theta0.tolist() == REFERENCE["initial_theta"][0]
    assert theta1.tolist() == REFERENCE["initial_theta"][1]


def test_delta_backprop_reproduces_the_first_step():
    result = nn.delta_backprop(REFERENCE["initial_theta"], X, Y)
    close(result.activations[0], X, 0)
    close(result.activations[1], FIRST["a1"], 1e-12)
    close(result.activations[2], FIRST["a2"], 1e-12)
    close(result.deltas[0], FIRST["delta1"], 1e-12)
    close(result.deltas[1], FIRST["delta2"], 1e-12)
    close(result.weight_grads[0], FIRST["dE_dtheta0"], 1e-12)
    close(result.weight_grads[1], FIRST["dE_dtheta1"], 1e-12)
    assert result.bias_grads is None
    assert result.loss == pytest.approx(FIRST["E"], rel=1e-12)


def test_engine_reproduces_the_first_step():
    model = nn.MLP.from_weights(REFERENCE["initial_theta"])
    outputs = [model(x) for x in X]
    loss = nn.half_squared_error(outputs, Y)
    loss.backward()
    assert loss.data == pytest.approx(FIRST["E"], rel=1e-12)
    close([[o.data] for o in outputs], FIRST["a2"], 1e-12)
    deltas = model.deltas()
    close(deltas[0], FIRST["delta1"], 1e-12)
    close(deltas[1], FIRST["delta2"], 1e-12)
    grads = [np.array([[n.w[i].grad for n in layer.neurons] for i in range(layer.nin)])
             for layer in model.layers]
    close(grads[0], FIRST["dE_dtheta0"], 1e-12)
    close(grads[1], FIRST["dE_dtheta1"], 1e-12)


@pytest.mark.slow
def test_engine_reproduces_the_error_trace_to_epoch_10000():
    model = nn.MLP.from_weights(REFERENCE["initial_theta"])
    errors = {}

    def record(epoch, loss, outputs):
        if epoch % 10000 == 0:
            errors[epoch] = float(np.mean(np.abs(np.array(Y) - outputs)))

    history = nn.fit(model, X, Y, epochs=10001, lr=1.0, progress=False, on_epoch=record)
    assert history.epochs == 10001 and not history.interrupted
    expected = {row["epoch"]: row["mean_abs_error"] for row in REFERENCE["error_trace"]}
    assert sorted(errors) == [0, 10000]
    for epoch, error in errors.items():
        assert error == pytest.approx(expected[epoch], rel=1e-9)
