"""PyTorch parity (skipped without torch): the same random MLPs in float64 give the same
outputs, losses and parameter gradients as the engine."""

import numpy as np
import pytest
from hypothesis import given, settings
from strategies import network_cases

import nn
from autodiff import Value

torch = pytest.importorskip("torch")

TORCH_ACTIVATIONS = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
                     "linear": lambda z: z}
TORCH_LOSSES = {
    "half_squared_error": lambda a, y: 0.5 * ((a - y) ** 2).sum(),
    "mse": lambda a, y: ((a - y) ** 2).mean(),
}


def torch_step(case, loss_name):
    thetas = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in case.weights]
    bs = (None if case.biases is None else
          [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in case.biases])
    a = torch.tensor(case.X, dtype=torch.float64)
    for k, theta in enumerate(thetas):
        z = a @ theta + (bs[k] if bs is not None else 0.0)
        a = TORCH_ACTIVATIONS[case.activations[k]](z)
    loss = TORCH_LOSSES[loss_name](a, torch.tensor(case.Y, dtype=torch.float64))
    loss.backward()
    return a.detach().numpy(), loss.item(), thetas, bs


@settings(max_examples=40)
@given(network_cases(activations=("sigmoid", "tanh", "relu", "linear")))
@pytest.mark.parametrize("loss_name", sorted(TORCH_LOSSES))
def test_random_mlps_match_pytorch(loss_name, case):
    outputs_t, loss_t, thetas, bs = torch_step(case, loss_name)
    model = nn.MLP.from_weights(case.weights, case.biases, list(case.activations))
    outputs = [model(x) for x in case.X]
    outputs = [o if isinstance(o, list) else [o] for o in outputs]
    loss = getattr(nn, loss_name)(outputs, case.Y)
    loss.backward()
    np.testing.assert_allclose([[v.data for v in row] for row in outputs], outputs_t,
                               rtol=1e-12, atol=1e-14)
    assert loss.data == pytest.approx(loss_t, rel=1e-12, abs=1e-14)
    for layer, theta in zip(model.layers, thetas, strict=True):
        grads = [[n.w[i].grad for n in layer.neurons] for i in range(layer.nin)]
        np.testing.assert_allclose(grads, theta.grad.numpy(), rtol=1e-10, atol=1e-13)
    if bs is not None:
        for layer, b in zip(model.layers, bs, strict=True):
            np.testing.assert_allclose([n.b.grad for n in layer.neurons], b.grad.numpy(),
                                       rtol=1e-10, atol=1e-13)


def test_binary_cross_entropy_matches_pytorch_with_logits():
    z = [-30.0, -2.0, 0.0, 0.7, 35.0]
    y = [0.0, 1.0, 0.5, 1.0, 0.0]
    zt = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        zt, torch.tensor(y, dtype=torch.float64))
    expected.backward()
    logits = [Value(v) for v in z]
    loss = nn.binary_cross_entropy(logits, y, from_logits=True)
    loss.backward()
    assert loss.data == pytest.approx(expected.item(), rel=1e-12)
    np.testing.assert_allclose([v.grad for v in logits], zt.grad.numpy(), rtol=1e-10,
                               atol=1e-16)
