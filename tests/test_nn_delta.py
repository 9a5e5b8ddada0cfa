"""The engine's gradients are the seed's δ recursion: random MLPs vs `delta_backprop`,
central differences, and `model.deltas()` (the z gradients read out of the graph)."""

import numpy as np
import pytest
from hypothesis import given
from strategies import NetworkCase, network_cases

import autodiff as ad
import nn

RTOL = 1e-10
FLOOR = 1e-13  # absolute floor for components that cancel to (near) 0


def engine_step(case: NetworkCase) -> nn.MLP:
    """Forward the batch through the scalar graph and backward E = Σ ½(a − y)²."""
    model = nn.MLP.from_weights(case.weights, case.biases, list(case.activations))
    model.zero_grad()
    outputs = [model(x) for x in case.X]
    nn.half_squared_error(outputs, case.Y).backward()
    return model


def engine_grads(model: nn.MLP) -> tuple[list[np.ndarray], list[np.ndarray] | None]:
    weight_grads = [np.array([[n.w[i].grad for n in layer.neurons] for i in range(layer.nin)])
                    for layer in model.layers]
    bias_grads = ([np.array([n.b.grad for n in layer.neurons]) for layer in model.layers]
                  if model.bias else None)
    return weight_grads, bias_grads


def closed_form(case: NetworkCase) -> nn.DeltaBackprop:
    return nn.delta_backprop(case.weights, case.X, case.Y, case.biases, list(case.activations))


def assert_close(actual, expected, rtol=RTOL, atol=FLOOR):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected, strict=True):
        np.testing.assert_allclose(a, e, rtol=rtol, atol=atol)


@given(network_cases(activations=("sigmoid", "tanh", "relu", "linear")))
def test_engine_gradients_equal_delta_recursion(case):
    model = engine_step(case)
    expected = closed_form(case)
    weight_grads, bias_grads = engine_grads(model)
    assert_close(weight_grads, expected.weight_grads)
    if case.biases is None:
        assert bias_grads is None and expected.bias_grads is None
    else:
        assert_close(bias_grads, expected.bias_grads)


@given(network_cases(activations=("sigmoid", "tanh", "relu", "linear")))
def test_model_deltas_equal_delta_recursion(case):
    model = engine_step(case)
    expected = closed_form(case)
    deltas = model.deltas()
    assert [d.shape for d in deltas] == [(len(case.X), m) for m in case.sizes[1:]]
    assert_close(deltas, expected.deltas)


@given(network_cases(activations=("sigmoid", "tanh")))
def test_engine_gradients_equal_central_differences(case):
    model = engine_step(case)
    weight_grads, bias_grads = engine_grads(model)
    acts = list(case.activations)

    def loss(weights, biases):
        return nn.delta_backprop(weights, case.X, case.Y, biases, acts).loss

    weights = [np.array(w) for w in case.weights]
    biases = None if case.biases is None else [np.array(b) for b in case.biases]
    arrays = [(weights, weight_grads)] + ([(biases, bias_grads)] if biases else [])
    for params, grads in arrays:
        for param, grad in zip(params, grads, strict=True):
            for index in np.ndindex(param.shape):
                h = 1e-6
                kept = param[index]
                param[index] = kept + h
                up = loss(weights, biases)
                param[index] = kept - h
                down = loss(weights, biases)
                param[index] = kept
                numeric = (up - down) / (2 * h)
                assert grad[index] == pytest.approx(numeric, rel=1e-6, abs=1e-8)


def test_delta_backprop_forward_matches_the_engine():
    case = NetworkCase((2, 3, 2), ("tanh", "sigmoid"), [[[0.5, -1, 2], [1, 0.25, -0.5]],
                       [[1, -1], [0.5, 0.5], [-2, 1]]], [[0.1, 0.2, 0.3], [-0.1, 0.4]],
                       [[1.0, -1.0], [0.5, 2.0]], [[0.0, 1.0], [1.0, 0.5]])
    result = closed_form(case)
    model = nn.MLP.from_weights(case.weights, case.biases, list(case.activations))
    with ad.no_grad():
        outputs = [[v.data for v in model(x)] for x in case.X]
    np.testing.assert_allclose(result.activations[-1], outputs, rtol=1e-15)
    assert [a.shape for a in result.activations] == [(2, 2), (2, 3), (2, 2)]
    assert [z.shape for z in result.pre_activations] == [(2, 3), (2, 2)]
    expected_loss = 0.5 * np.sum((np.array(outputs) - np.array(case.Y)) ** 2)
    assert result.loss == pytest.approx(expected_loss, rel=1e-15)


# --- the lifecycle of what deltas() reads -------------------------------------------------

def test_deltas_are_cleared_by_zero_grad_and_count_forward_calls():
    model = nn.MLP(2, [3, 1], seed=0)
    outputs = [model(x) for x in ([0.0, 1.0], [1.0, 0.0], [1.0, 1.0])]
    nn.half_squared_error(outputs, [1.0, 1.0, 0.0]).backward()
    assert [d.shape for d in model.deltas()] == [(3, 3), (3, 1)]
    model.zero_grad()
    assert [d.shape for d in model.deltas()] == [(0, 3), (0, 1)]
    assert all(not n.zs for layer in model.layers for n in layer.neurons)


def test_deltas_before_backward_says_to_call_backward_first():
    model = nn.MLP(2, [3, 1], seed=0)
    loss = nn.half_squared_error([model(x) for x in ([0.0, 1.0], [1.0, 0.0])], [1.0, 0.0])
    with pytest.raises(RuntimeError, match=r"call \.backward\(\) on the loss first"):
        model.deltas()
    loss.backward()
    assert [d.shape for d in model.deltas()] == [(2, 3), (2, 1)]
    assert model.deltas()[1].any()


def test_forward_calls_under_no_grad_are_not_kept():
    model = nn.MLP(2, [2, 1], seed=0)
    with ad.no_grad():
        model([1.0, 2.0])
    assert [d.shape for d in model.deltas()] == [(0, 2), (0, 1)]


def test_sgd_given_the_model_clears_the_record_too():
    model = nn.MLP(2, [2, 1], seed=0)
    model([1.0, 2.0]).backward()
    nn.SGD(model, lr=0.1).zero_grad()
    assert model.deltas()[0].shape == (0, 2)
    assert all(p.grad == 0.0 for p in model.parameters())


def test_deltas_refuses_neurons_called_unevenly():
    model = nn.MLP(2, [2, 1], seed=0)
    model.layers[0].neurons[0]([1.0, 2.0])
    with pytest.raises(RuntimeError, match="different numbers of times"):
        model.deltas()


@pytest.mark.parametrize("bad", [
    dict(weights=[[[1.0, 2.0]], [[1.0]]]),  # 1×2 then 1×1: shapes do not chain
    dict(X=[[1.0, 2.0, 3.0]]),  # 3 inputs for a 2-input net
    dict(Y=[[1.0], [0.0], [1.0]]),  # 3 targets for a batch of 2
    dict(biases=[[0.0, 1.0]]),  # bias vector of the wrong length
    dict(activation="softmax"),
    dict(activation=["sigmoid", "tanh"]),  # two activations for one layer
])
def test_delta_backprop_rejects_inconsistent_shapes(bad):
    args = dict(weights=[[[1.0], [2.0]]], X=[[1.0, 2.0], [0.0, 1.0]], Y=[[1.0], [0.0]],
                biases=None, activation="sigmoid")
    args.update(bad)
    with pytest.raises(ValueError):
        nn.delta_backprop(**args)
