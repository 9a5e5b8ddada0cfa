"""Every nn constructor and fit: an argument of the wrong type is a TypeError naming the
type, a value of the right type out of range a ValueError."""

import random

import pytest

import nn
from autodiff import Value

XOR_X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
XOR_Y = [0.0, 1.0, 1.0, 0.0]


@pytest.mark.parametrize("make, error, message", [
    (lambda: nn.SGD([Value(1.0)], lr="a"), TypeError, "lr must be a number, got str"),
    (lambda: nn.SGD([Value(1.0)], lr=None), TypeError, "lr must be a number, got NoneType"),
    (lambda: nn.SGD([Value(1.0)], lr=-0.1), ValueError, "lr must be a finite number > 0"),
    (lambda: nn.SGD([Value(1.0)], lr=0.0), ValueError, "lr must be a finite number > 0"),
    (lambda: nn.SGD([Value(1.0)], 0.1, momentum=[0.9]), TypeError, "momentum .* got list"),
    (lambda: nn.SGD([Value(1.0)], 0.1, momentum=1.0), ValueError, r"momentum must be in \[0, 1\)"),
    (lambda: nn.Neuron("3"), TypeError, "nin must be an integer, got str"),
    (lambda: nn.Neuron(0), ValueError, "nin must be a positive integer"),
    (lambda: nn.Neuron(2, activation=None), TypeError, "activation is a name"),
    (lambda: nn.Neuron(2, bias=1), TypeError, "bias must be True or False, got int"),
    (lambda: nn.Neuron(2, layer=-1), ValueError, "layer must be an integer >= 0"),
    (lambda: nn.Neuron(2, unit=0.5), TypeError, "unit must be an integer, got float"),
    (lambda: nn.Neuron(2, rng=3), TypeError, "rng must be a random.Random"),
    (lambda: nn.Layer(2, "4"), TypeError, "nout must be an integer, got str"),
    (lambda: nn.Layer(2, 4, activation="softmax"), ValueError, "unknown activation"),
    (lambda: nn.Layer(2, 4, bias=None), TypeError, "bias must be True or False"),
    (lambda: nn.Layer(2, 4, index="0"), TypeError, "index must be an integer"),
    (lambda: nn.MLP(2, [2, "1"]), TypeError, "each layer size in nouts must be an integer"),
    (lambda: nn.MLP(2, [1], activation=3), TypeError, "activation must be a name or a list"),
    (lambda: nn.MLP(2, [2, 1], activation=["tanh", 1]), TypeError, "activation is a name"),
    (lambda: nn.MLP(2, [1], seed="s"), TypeError, "seed must be an integer or None, got str"),
])
def test_constructors_tell_wrong_types_from_bad_values(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_a_neuron_accepts_its_documented_arguments():
    neuron = nn.Neuron(2, "tanh", False, layer=1, unit=3, rng=random.Random(0))
    assert (neuron.layer, neuron.unit, neuron.b) == (1, 3, None)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(epochs="10"), TypeError, "epochs must be an integer, got str"),
    (dict(epochs=-1), ValueError, "epochs must be an integer >= 0"),
    (dict(lr="0.1"), TypeError, "lr must be a number, got str"),
    (dict(batch_size=2.0), TypeError, "batch_size must be an integer, got float"),
    (dict(batch_size=9), ValueError, r"batch_size must be None or an integer in 1\.\.4"),
    (dict(loss="mse"), TypeError, "loss must be callable, got str"),
    (dict(on_epoch=1), TypeError, "on_epoch must be callable or None, got int"),
    (dict(shuffle="no"), TypeError, "shuffle must be True or False"),
    (dict(compiled=1), TypeError, "compiled must be True or False, got int"),
    (dict(seed=1.5), TypeError, "seed must be an integer or None, got float"),
    (dict(model=[Value(1.0)]), TypeError, "fit trains an nn.MLP, got list"),
])
def test_fit_tells_wrong_types_from_bad_values(kwargs, error, message):
    args = dict(model=nn.MLP(2, [1], seed=0), X=XOR_X, Y=XOR_Y, epochs=1, progress=False)
    args.update(kwargs)
    with pytest.raises(error, match=message):
        nn.fit(**args)
