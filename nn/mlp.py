"""`MLP`: a stack of layers, with the weights in the seed's matrix convention and its δ."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import numpy as np

from autodiff import Value, backward_passes
from autodiff.core.checks import check_flag, check_random_seed
from autodiff.labels import input_label

from . import torch_export
from .layers import Layer, _check_count, _check_input, check_activation, check_parameter_count
from .module import Module


class MLP(Module):
    """A multi-layer perceptron: ``MLP(3, [4, 1])`` is the seed's 3-4-1 network.

    ``activation`` is one name for every layer or one per layer (e.g.
    ``["tanh", "tanh", "linear"]``). ``seed`` makes the initial weights reproducible.
    Parameters are ordered layer by layer, neuron by neuron, each neuron's weights
    ``w[0..nin-1]`` then its bias; their names are their labels (``θ0[2,1]``, ``b1[1]``).
    """

    def __init__(self, nin: int, nouts: Sequence[int], activation: str | Sequence[str] =
                 "sigmoid", bias: bool = True, seed: int | None = None) -> None:
        self.nin = _check_count(nin, "nin")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence):
            raise TypeError(f"nouts must be a list of layer sizes, got "
                            f"{type(nouts).__name__}: {nouts!r}")
        if not nouts:
            raise ValueError("nouts must be a non-empty list of layer sizes, got []")
        sizes = [self.nin] + [_check_count(n, "each layer size in nouts") for n in nouts]
        if isinstance(activation, str):
            activations = [activation] * len(nouts)
        elif isinstance(activation, Sequence):
            activations = list(activation)
        else:
            raise TypeError(f"activation must be a name or a list of names, got "
                            f"{type(activation).__name__}: {activation!r}")
        if len(activations) != len(nouts):
            raise ValueError(f"{len(activations)} activations given for {len(nouts)} layers")
        for name in activations:
            check_activation(name)
        check_flag(bias, "bias")
        check_parameter_count(sum((sizes[k] + bias) * sizes[k + 1] for k in range(len(nouts))),
                              f"MLP({self.nin}, {list(nouts)!r})")
        rng = random.Random(check_random_seed(seed))
        self.layers = [Layer(sizes[k], sizes[k + 1], activations[k], bias, index=k, rng=rng)
                       for k in range(len(nouts))]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        """The output for one sample ``x``: a Value if the last layer has one unit, else a list.

        Plain numbers in ``x`` become leaves labelled ``a0[i]``; Values are used as given.
        """
        _check_input(x, self.nin, "MLP")
        h: list[Any] = [xi if isinstance(xi, Value) else Value(xi, input_label(i))
                        for i, xi in enumerate(x)]
        for layer in self.layers:
            h = layer._forward(h)
        return h[0] if len(h) == 1 else h

    @property
    def nouts(self) -> list[int]:
        return [layer.nout for layer in self.layers]

    @property
    def bias(self) -> bool:
        return self.layers[0].bias

    def children(self) -> list[Module]:
        return list(self.layers)

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [pair for layer in self.layers for pair in layer.named_parameters()]

    def config(self) -> dict[str, Any]:
        return {"type": "MLP", "nin": self.nin, "nouts": self.nouts,
                "activations": [layer.activation for layer in self.layers],
                "bias": self.bias}

    def __repr__(self) -> str:
        stages = " → ".join(f"{layer.nout} {layer.activation}" for layer in self.layers)
        return (f"MLP({self.nin} → {stages}, bias={self.bias}, "
                f"{len(self.parameters())} parameters)")

    # --- the seed's matrix view ------------------------------------------------------
    @classmethod
    def from_weights(cls, weights: Sequence[Any], biases: Sequence[Any] | None = None,
                     activation: str | Sequence[str] = "sigmoid") -> MLP:
        """The network with these weights: ``weights[l][i][j]`` goes from unit i of layer l
        to unit j of layer l+1 (``M(l) × M(l+1)``, the seed's Θ(l)); ``biases[l]`` has
        ``M(l+1)`` entries, or ``biases`` is None for a network without biases."""
        thetas = _matrices(weights)
        bs = None if biases is None else _bias_vectors(biases, thetas)
        model = cls(thetas[0].shape[0], [t.shape[1] for t in thetas], activation,
                    bias=bs is not None, seed=0)
        for k, layer in enumerate(model.layers):
            for j, neuron in enumerate(layer.neurons):
                for i, w in enumerate(neuron.w):
                    w.data = float(thetas[k][i, j])
                if bs is not None:
                    neuron.b.data = float(bs[k][j])
        return model

    def to_torch(self) -> Any:
        """This network as a ``torch.nn.Sequential`` of float64 ``Linear`` layers and the
        same activations: equal outputs and gradients, to rounding. ``Linear.weight`` of
        layer l is ``self.weights()[l]`` transposed (torch stores ``M(l+1) × M(l)``).

        The step to tensors when a model outgrows the scalar engine. Needs PyTorch
        (``pip install -e '.[torch]'``); without it, an ImportError says so.
        """
        return torch_export.to_torch(self)

    @classmethod
    def from_torch(cls, module: Any) -> MLP:
        """The MLP equal to a torch ``Sequential`` of ``Linear`` layers, each followed by at
        most one ``Sigmoid``, ``Tanh``, ``ReLU`` or ``Identity`` (or a single ``Linear``);
        anything else is a ValueError naming the part that cannot be converted."""
        return torch_export.from_torch(cls.from_weights, module)

    def weights(self) -> list[np.ndarray]:
        """The weight matrices Θ(0) … Θ(L-1), each ``M(l) × M(l+1)`` (a copy)."""
        return [np.array([[n.w[i].data for n in layer.neurons] for i in range(layer.nin)])
                for layer in self.layers]

    def biases(self) -> list[np.ndarray] | None:
        """The bias vectors of layers 1 … L (``M(l+1)`` each), or None without biases."""
        if not self.bias:
            return None
        return [np.array([n.b.data for n in layer.neurons]) for layer in self.layers]

    def deltas(self) -> list[np.ndarray]:
        """The engine's δ(1) … δ(L): ``deltas[l][t, j]`` is ∂E/∂z of unit j of layer l+1 in
        the t-th forward call of the current record.

        Same layout as ``delta_backprop(...).deltas``: ``batch × M(l+1)`` per layer. The
        flow: forward the batch (one call per sample), ``loss.backward()``, then
        ``deltas()``. The record holds the forward calls made since the last
        ``backward()`` before them: the first forward call after a ``backward()`` (or after
        ``zero_grad()``) starts a new one, so after a training step it is that step's
        batch. Calls under ``autodiff.no_grad()`` are not recorded; a record longer than
        ``Neuron.MAX_RECORDED_CALLS`` keeps only its last calls, and is refused here.

        Raises RuntimeError when the recorded calls have not been through a ``backward()``
        yet (their graph is still on the engine's current tape; their δ would read 0).
        With no recorded calls (after ``zero_grad()``, or training with
        ``fit(compiled=True)``, which keeps no graph) each layer's array has 0 rows.
        """
        out = []
        for k, layer in enumerate(self.layers):
            counts = {n.recorded_calls for n in layer.neurons}
            if len(counts) != 1:
                raise RuntimeError(f"the neurons of layers[{k}] were called different "
                                   f"numbers of times {sorted(counts)}; call zero_grad() "
                                   f"and run the forward passes through the model")
            batch = counts.pop()
            left_behind = max(n.calls_left_behind for n in layer.neurons)
            if not batch and left_behind:
                raise RuntimeError(f"deltas() reads ∂E/∂z, which backward() fills: this model "
                                   f"is a copy (pickle or deepcopy), and the {left_behind} "
                                   f"forward calls recorded in its original do not travel "
                                   f"with a copy; run a batch forward through this model and "
                                   f"call .backward() on the loss first")
            kept = len(layer.neurons[0].zs)
            if kept < batch:
                raise RuntimeError(f"{batch} forward calls were recorded since the last "
                                   f"backward(), but a neuron keeps only the last {kept} "
                                   f"(Neuron.MAX_RECORDED_CALLS): use a smaller batch, or "
                                   f"evaluate under autodiff.no_grad()")
            if batch and layer.neurons[0].recorded_at == backward_passes():
                raise RuntimeError(f"deltas() reads ∂E/∂z, which backward() fills: the "
                                   f"{batch} forward calls recorded have not been through "
                                   f"a backward() yet; call .backward() on the loss first")
            grads = [[float(n.zs[t].grad) for n in layer.neurons] for t in range(batch)]
            out.append(np.array(grads, dtype=float).reshape(batch, layer.nout))
        return out


def _matrices(weights: Sequence[Any]) -> list[np.ndarray]:
    if isinstance(weights, (str, bytes)) or len(weights) == 0:
        raise ValueError("weights must be a non-empty list of matrices")
    thetas = []
    for k, w in enumerate(weights):
        theta = np.asarray(w, dtype=float)
        if theta.ndim != 2 or 0 in theta.shape:
            raise ValueError(f"weights[{k}] must be a non-empty M(l) × M(l+1) matrix, "
                             f"got shape {theta.shape}")
        if not np.isfinite(theta).all():
            raise ValueError(f"weights[{k}] has non-finite entries")
        if thetas and theta.shape[0] != thetas[-1].shape[1]:
            raise ValueError(f"weights[{k}] has {theta.shape[0]} rows, but weights[{k - 1}] "
                             f"maps to {thetas[-1].shape[1]} units: the shapes must chain")
        thetas.append(theta)
    return thetas


def _bias_vectors(biases: Sequence[Any], thetas: list[np.ndarray]) -> list[np.ndarray]:
    if len(biases) != len(thetas):
        raise ValueError(f"{len(biases)} bias vectors given for {len(thetas)} layers")
    bs = []
    for k, (b, theta) in enumerate(zip(biases, thetas, strict=True)):
        vector = np.asarray(b, dtype=float)
        if vector.shape != (theta.shape[1],):
            raise ValueError(f"biases[{k}] must have shape ({theta.shape[1]},), "
                             f"got {vector.shape}")
        if not np.isfinite(vector).all():
            raise ValueError(f"biases[{k}] has non-finite entries")
        bs.append(vector)
    return bs
