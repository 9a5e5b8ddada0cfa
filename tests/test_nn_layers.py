"""Neuron, Layer, MLP: construction, labels in the seed's notation, parse_label, the seed's
matrix convention (from_weights / weights / biases), and clear errors for bad input."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autodiff as ad
import nn
from autodiff import Value


def test_parameters_are_labelled_in_the_seeds_notation():
    model = nn.MLP(3, [4, 1], seed=0)
    assert model.layers[0].neurons[1].w[2].label == "θ0[2,1]"
    assert model.layers[0].neurons[1].b.label == "b1[1]"
    assert model.layers[1].neurons[0].w[3].label == "θ1[3,0]"
    assert model.layers[1].neurons[0].b.label == "b2[0]"
    names = [name for name, _ in model.named_parameters()]
    assert names[:5] == ["θ0[0,0]", "θ0[1,0]", "θ0[2,0]", "b1[0]", "θ0[0,1]"]
    assert len(set(names)) == len(names) == 3 * 4 + 4 + 4 + 1
    assert names == [p.label for p in model.parameters()]


def test_forward_nodes_are_labelled_and_inputs_wrapped():
    model = nn.MLP(2, [3, 1], seed=0)
    out = model([0.5, -1.0])
    assert out.label == "a2[0]" and out.op == "sigmoid"
    z = out.parents[0]
    assert z.label == "z2[0]"
    labels = {node.label for node in ad.creation_order(out)}
    assert {"a0[0]", "a0[1]", "z1[0]", "a1[2]", "z2[0]", "b2[0]", "θ1[2,0]"} <= labels
    given_value = Value(3.0, "x")
    model([given_value, 1.0])
    assert model.layers[0].neurons[0].zs[-1].label == "z1[0]"


@pytest.mark.parametrize("label, parts", [
    ("θ0[2,1]", ("θ", 1, 1)), ("θ12[0,5]", ("θ", 13, 5)), ("b1[3]", ("b", 1, 3)),
    ("z2[0]", ("z", 2, 0)), ("a1[4]", ("a", 1, 4)), ("a0[2]", ("a", 0, 2)),
])
def test_parse_label_reads_kind_layer_unit(label, parts):
    assert ad.parse_label(label) == parts
    assert ad.parse_label(label).kind == parts[0]


@pytest.mark.parametrize("label", ["", "a", "x", "θ0[1]", "θ0[1,2,3]", "b0[1]", "z0[0]",
                                   "a1[-1]", " a1[0]", "a1[0] ", "E", "w0[1,2]", "a1[1]x"])
def test_parse_label_rejects_other_labels(label):
    assert ad.parse_label(label) is None


def test_parse_label_needs_a_string():
    with pytest.raises(TypeError):
        ad.parse_label(3)


def test_every_node_label_of_a_network_parses_consistently():
    model = nn.MLP(2, [3, 2], seed=1)
    outs = model([1.0, 2.0])
    for node in ad.creation_order(nn.half_squared_error(outs, [0.0, 1.0])):
        if node.label:
            kind, layer, unit = ad.parse_label(node.label)
            if kind != "a" or layer > 0:
                assert unit < model.layers[layer - 1].nout
    weight = ad.LABEL_RE.match("θ0[2,1]")
    assert weight["source"] == "2"


def test_model_returns_a_value_for_one_output_else_a_list():
    assert isinstance(nn.MLP(2, [3, 1], seed=0)([1.0, 2.0]), Value)
    outs = nn.MLP(2, [3, 2], seed=0)([1.0, 2.0])
    assert isinstance(outs, list) and len(outs) == 2
    assert isinstance(nn.Layer(2, 1)([1.0, 2.0]), list)


def test_forward_computes_the_documented_formula():
    model = nn.MLP.from_weights([[[0.5, -1.0], [2.0, 0.25]], [[1.5], [-0.5]]],
                                biases=[[0.1, -0.2], [0.3]], activation=["tanh", "linear"])
    x = [0.7, -0.3]
    h = [math.tanh(0.7 * 0.5 + -0.3 * 2.0 + 0.1), math.tanh(0.7 * -1.0 + -0.3 * 0.25 - 0.2)]
    expected = h[0] * 1.5 + h[1] * -0.5 + 0.3
    out = model(x)
    assert out.data == pytest.approx(expected, rel=1e-15)
    assert out.label == "z2[0]"  # linear: the output is z itself


@pytest.mark.parametrize("activation, f", [
    ("sigmoid", lambda z: 1 / (1 + math.exp(-z))), ("tanh", math.tanh),
    ("relu", lambda z: max(z, 0.0)), ("linear", lambda z: z)])
def test_each_activation(activation, f):
    neuron = nn.Neuron(2, activation=activation)
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = 0.5, -2.0, 0.25
    for x in ([1.0, 1.0], [1.0, -1.0]):
        z = 0.5 * x[0] - 2.0 * x[1] + 0.25
        assert neuron(x).data == pytest.approx(f(z), rel=1e-15, abs=0)


def test_seed_makes_initial_weights_reproducible():
    a, b = nn.MLP(3, [5, 2], seed=42), nn.MLP(3, [5, 2], seed=42)
    assert a.state_dict() == b.state_dict()
    assert nn.MLP(3, [5, 2], seed=43).state_dict() != a.state_dict()
    bound = 1 / math.sqrt(3)
    assert all(-bound <= w <= bound for w in a.weights()[0].ravel())


@given(st.lists(st.integers(1, 5), min_size=2, max_size=4), st.booleans())
def test_from_weights_and_weights_round_trip(sizes, bias):
    rng = np.random.default_rng(len(sizes))
    thetas = [rng.uniform(-1, 1, (sizes[k], sizes[k + 1])) for k in range(len(sizes) - 1)]
    bs = [rng.uniform(-1, 1, sizes[k + 1]) for k in range(len(sizes) - 1)] if bias else None
    model = nn.MLP.from_weights(thetas, bs)
    assert [w.shape for w in model.weights()] == [t.shape for t in thetas]
    for got, want in zip(model.weights(), thetas, strict=True):
        assert np.array_equal(got, want)
    if bias:
        for got, want in zip(model.biases(), bs, strict=True):
            assert np.array_equal(got, want)
    else:
        assert model.biases() is None
    assert model.layers[0].neurons[-1].w[0].data == thetas[0][0, -1]


def test_repr_is_readable():
    assert repr(nn.MLP(3, [4, 1], bias=False)) == \
        "MLP(3 → 4 sigmoid → 1 sigmoid, bias=False, 16 parameters)"
    assert repr(nn.Layer(3, 4, "tanh")) == "Layer(3 → 4, tanh, bias=True)"
    assert repr(nn.Neuron(2, "relu", bias=False)) == "Neuron(2 inputs, relu, bias=False)"


@pytest.mark.parametrize("module, x, expected", [
    (nn.MLP(3, [2, 1]), [1.0, 2.0], "MLP expects 3 inputs, got 2"),
    (nn.MLP(3, [2, 1]), [1.0, 2.0, 3.0, 4.0], "MLP expects 3 inputs, got 4"),
    (nn.Layer(2, 3), [1.0], "Layer expects 2 inputs, got 1"),
    (nn.Neuron(4), [], "Neuron expects 4 inputs, got 0"),
])
def test_wrong_input_size_says_expected_and_actual(module, x, expected):
    with pytest.raises(ValueError, match=expected):
        module(x)


@pytest.mark.parametrize("x, message", [
    ([[0.0, 1.0], [1.0, 0.0]], "input 0 must be a number or a Value, got list"),
    ("ab", "one sample"), (3.0, "one sample"), ([1.0, None], "input 1"), ([True, 1.0], "input 0"),
])
def test_wrong_input_type_is_a_type_error(x, message):
    with pytest.raises(TypeError, match=message):
        nn.MLP(2, [1])(x)


def test_numpy_rows_are_accepted():
    model = nn.MLP(2, [1], seed=0)
    assert model(np.array([1.0, 2.0])).data == model([1.0, 2.0]).data


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(nin=0, nouts=[1]), ValueError, "nin must be a positive integer"),
    (dict(nin=2.5, nouts=[1]), TypeError, "nin must be an integer, got float"),
    (dict(nin=2, nouts=[]), ValueError, "nouts"),
    (dict(nin=2, nouts=3), TypeError, "nouts must be a list of layer sizes, got int"),
    (dict(nin=2, nouts=[3, 0]), ValueError, "layer size"),
    (dict(nin=2, nouts=[1], activation="softmax"), ValueError, "unknown activation 'softmax'"),
    (dict(nin=2, nouts=[2, 1], activation=["tanh"]), ValueError, "1 activations given for 2"),
    (dict(nin=2, nouts=[1], bias="yes"), TypeError, "bias"),
])
def test_bad_architecture_is_rejected(kwargs, error, message):
    with pytest.raises(error, match=message):
        nn.MLP(**kwargs)


@pytest.mark.parametrize("weights, biases, message", [
    ([], None, "non-empty"),
    ([[1.0, 2.0]], None, "weights\\[0\\] must be a non-empty M\\(l\\) × M\\(l\\+1\\) matrix"),
    ([[[1.0, 2.0]], [[1.0], [2.0], [3.0]]], None, "weights\\[1\\] has 3 rows"),
    ([[[1.0]], [[float("nan")]]], None, "non-finite"),
    ([[[1.0, 2.0]]], [[0.0]], "biases\\[0\\] must have shape \\(2,\\)"),
    ([[[1.0, 2.0]]], [[0.0, 1.0], [1.0]], "2 bias vectors given for 1 layers"),
])
def test_from_weights_rejects_bad_shapes(weights, biases, message):
    with pytest.raises(ValueError, match=message):
        nn.MLP.from_weights(weights, biases)


def test_zero_grad_zeroes_every_parameter():
    model = nn.MLP(2, [2, 1], seed=0)
    nn.half_squared_error(model([1.0, -1.0]), 1.0).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_every_public_function_and_method_of_nn_has_a_docstring():
    import importlib
    import inspect
    import pkgutil

    missing = []
    for info in pkgutil.iter_modules(nn.__path__):
        module = importlib.import_module(f"nn.{info.name}")
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(obj) and not inspect.getdoc(obj):
                missing.append(f"{module.__name__}.{name}")
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if (not attr.startswith("_") and inspect.isfunction(member)
                            and not inspect.getdoc(member)):
                        missing.append(f"{module.__name__}.{name}.{attr}")
    assert not missing, missing
