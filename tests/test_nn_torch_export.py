"""The way out to PyTorch: `to_torch` gives equal outputs and gradients, its weights are the
seed's Θ transposed, `from_torch` converts back or names what it cannot convert, and
without torch an ImportError says how to install it."""

import runpy
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from strategies import network_cases

import nn

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def engine_outputs_and_grads(model, X, Y):
    model.zero_grad()
    outputs = [model(list(x)) for x in X]
    outputs = [o if isinstance(o, list) else [o] for o in outputs]
    loss = nn.half_squared_error(outputs, Y)
    loss.backward()
    values = np.array([[v.data for v in row] for row in outputs])
    weight_grads = [np.array([[n.w[i].grad for n in layer.neurons] for i in range(layer.nin)])
                    for layer in model.layers]
    bias_grads = ([np.array([n.b.grad for n in layer.neurons]) for layer in model.layers]
                  if model.bias else None)
    return values, loss.data, weight_grads, bias_grads


def torch_outputs_and_grads(torch, module, X, Y):
    module.zero_grad()
    out = module(torch.tensor(np.asarray(X, dtype=float)))
    loss = 0.5 * ((out - torch.tensor(np.asarray(Y, dtype=float))) ** 2).sum()
    loss.backward()
    linears = [m for m in module if isinstance(m, torch.nn.Linear)]
    return (out.detach().numpy(), loss.item(), [m.weight.grad.numpy().T for m in linears],
            [m.bias.grad.numpy() for m in linears] if linears[0].bias is not None else None)


@settings(max_examples=40)
@given(network_cases(activations=("sigmoid", "tanh", "relu", "linear")))
def test_to_torch_gives_equal_outputs_and_gradients(case):
    torch = pytest.importorskip("torch")
    model = nn.MLP.from_weights(case.weights, case.biases, list(case.activations))
    module = model.to_torch()
    assert all(p.dtype == torch.float64 for p in module.parameters())
    ours = engine_outputs_and_grads(model, case.X, case.Y)
    theirs = torch_outputs_and_grads(torch, module, case.X, case.Y)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, atol=1e-12)
    assert ours[1] == pytest.approx(theirs[1], rel=1e-12, abs=1e-12)
    for a, b in zip(ours[2], theirs[2], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert (ours[3] is None) == (theirs[3] is None)
    for a, b in zip(ours[3] or [], theirs[3] or [], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    back = nn.MLP.from_torch(module)  # and the round trip is exact
    assert back.state_dict() == model.state_dict() and back.config() == model.config()


def test_the_weights_are_the_seeds_theta_transposed(torch):
    model = nn.MLP(3, [4, 1], seed=0)  # the seed's 3-4-1 network (with biases)
    module = model.to_torch()
    assert [type(m).__name__ for m in module] == ["Linear", "Sigmoid", "Linear", "Sigmoid"]
    theta0, theta1 = model.weights()  # Θ(0): 3 × 4, Θ(1): 4 × 1, rows = sending units
    assert theta0.shape == (3, 4) and module[0].weight.shape == (4, 3)
    assert np.array_equal(module[0].weight.detach().numpy(), theta0.T)
    assert np.array_equal(module[2].weight.detach().numpy(), theta1.T)
    neuron = model.layers[0].neurons[2]  # unit 2 of layer 1
    assert neuron.w[1].label == "θ0[1,2]"
    assert module[0].weight[2, 1].item() == theta0[1, 2] == neuron.w[1].data
    assert module[0].bias[2].item() == neuron.b.data == model.biases()[0][2]
    # a = σ(x Θ(0) + b): the seed's row-vector product is torch's x @ weight.T
    x = np.array([[0.0, 1.0, 1.0]])
    expected = 1 / (1 + np.exp(-(x @ theta0 + model.biases()[0])))
    assert np.allclose(module[:2](torch.tensor(x)).detach().numpy(), expected, rtol=1e-15)


def test_the_export_is_a_copy(torch):
    model = nn.MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    module = model.to_torch()
    with torch.no_grad():
        module[0].weight.add_(1.0)
    assert model.state_dict() == before


def test_from_torch_takes_single_linears_identity_and_float32(torch):
    torch.manual_seed(0)
    single = nn.MLP.from_torch(torch.nn.Linear(3, 2, bias=False))
    assert single.config()["activations"] == ["linear"] and not single.bias
    module = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Identity(),
                                 torch.nn.Linear(3, 1), torch.nn.Tanh())
    model = nn.MLP.from_torch(module.float())
    assert model.config()["activations"] == ["linear", "tanh"]
    x = [0.25, -0.5]
    assert model(x).data == pytest.approx(module(torch.tensor([x])).item(), rel=1e-6)
    assert model.layers[0].neurons[1].w[0].data == float(module[0].weight[1, 0].item())


@pytest.mark.parametrize("make, error, message", [
    (lambda t: t.nn.Sequential(t.nn.Linear(2, 3), t.nn.Dropout()), ValueError,
     r"module\[1\] \(Dropout\) cannot be converted"),
    (lambda t: t.nn.Sequential(t.nn.ReLU(), t.nn.Linear(2, 1)), ValueError,
     r"module\[0\] \(ReLU\) cannot be converted: an activation must follow a Linear"),
    (lambda t: t.nn.Sequential(t.nn.Linear(2, 3), t.nn.ReLU(), t.nn.Tanh()), ValueError,
     r"module\[2\] \(Tanh\) cannot be converted"),
    (lambda t: t.nn.Sequential(t.nn.Linear(2, 3), t.nn.LeakyReLU()), ValueError,
     r"module\[1\] \(LeakyReLU\) cannot be converted"),
    (lambda t: t.nn.Sequential(t.nn.Linear(2, 3), t.nn.Linear(2, 1)), ValueError,
     r"module\[1\] \(Linear\) takes 2 inputs, but the layer before it gives 3"),
    (lambda t: t.nn.Sequential(t.nn.Linear(2, 3), t.nn.Linear(3, 1, bias=False)), ValueError,
     r"module\[0\] \(Linear\) has a bias but module\[1\] \(Linear\) has none"),
    (lambda t: t.nn.Sequential(t.nn.Sequential(t.nn.Linear(2, 1))), ValueError,
     r"module\[0\] \(Sequential\) cannot be converted"),
    (lambda t: t.nn.Conv2d(1, 1, 1), ValueError, "Conv2d cannot be converted"),
    (lambda t: t.nn.Sequential(), ValueError, "empty Sequential"),
    (lambda t: [t.nn.Linear(2, 1)], TypeError, "converts a torch.nn.Module, got list"),
    (lambda t: t.nn.Linear(2000, 1000), ValueError, "more than nn's limit"),
])
def test_from_torch_names_what_it_cannot_convert(torch, make, error, message):
    with pytest.raises(error, match=message):
        nn.MLP.from_torch(make(torch))


def test_non_finite_torch_weights_are_refused(torch):
    module = torch.nn.Sequential(torch.nn.Linear(2, 1))
    with torch.no_grad():
        module[0].weight[0, 1] = float("nan")
    with pytest.raises(ValueError, match=r"module\[0\] \(Linear\) has non-finite weights"):
        nn.MLP.from_torch(module)


def test_without_torch_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now fails
    model = nn.MLP(2, [1], seed=0)
    for convert in (model.to_torch, lambda: nn.MLP.from_torch(object())):
        with pytest.raises(ImportError, match=r"pip install -e '\.\[torch\]'") as raised:
            convert()
        assert "unrelated project" in str(raised.value)


def test_the_graduate_demo_runs_quick(torch, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["graduate.py", "--quick"])
    runpy.run_path(str(ROOT / "demos" / "graduate.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "first-step gradients agree" in out
    assert "PyTorch, epoch" in out


def test_a_meta_device_linear_is_a_value_error_naming_the_layer(torch):
    with torch.device("meta"):
        lone, hidden = torch.nn.Linear(2, 3), torch.nn.Linear(3, 1)
    with pytest.raises(ValueError, match=r"^Linear is on the meta device"):
        nn.MLP.from_torch(lone)
    net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Sigmoid(), hidden)
    with pytest.raises(ValueError, match=r"module\[2\] \(Linear\) is on the meta device"):
        nn.MLP.from_torch(net)
    with torch.device("meta"):
        biased = torch.nn.Linear(2, 1)
    biased.weight = torch.nn.Parameter(torch.zeros(1, 2))  # a real weight, a meta bias
    with pytest.raises(ValueError, match=r"meta device: its bias"):
        nn.MLP.from_torch(biased)
