"""Sigmoid neurons and what is built from them: `Neuron`, `Layer`, `MLP` (forward only).

There is no derivative code here: a forward call builds a graph of Values, and the
engine's ``backward()`` fills the gradients. Every Value is labelled in the seed's
notation (see :mod:`autodiff.labels`).
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from autodiff import Value, backward_passes
from autodiff.core.checks import check_flag, check_int, check_rng, is_real
from autodiff.labels import activation_label, bias_label, pre_activation_label, weight_label

from .module import Module

ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")

#: The most parameters an nn model may have. Each is a Value of about 260 bytes, and
#: every forward call makes about two graph nodes per weight: a million parameters is
#: about 260 MB before any training, and already far slower than tensors.
MAX_PARAMETERS = 1_000_000


def check_activation(activation: Any) -> str:
    """``activation`` if it is one of :data:`ACTIVATIONS`."""
    if not isinstance(activation, str):
        raise TypeError(f"an activation is a name, one of {ACTIVATIONS}, got "
                        f"{type(activation).__name__}: {activation!r}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {ACTIVATIONS}")
    return activation


def check_parameter_count(count: int, what: str) -> None:
    """Refuse a model of more than :data:`MAX_PARAMETERS` parameters, before allocating."""
    if count > MAX_PARAMETERS:
        raise ValueError(
            f"{what} would have {count:,} parameters, more than nn's limit of "
            f"{MAX_PARAMETERS:,} (nn.MAX_PARAMETERS): a scalar engine keeps one Python "
            f"object per number. Models that big belong on tensors: build it in PyTorch "
            f"(torch.nn.Linear layers); a smaller nn model moves there with "
            f"model.to_torch() (pip install -e '.[torch]')")


def _check_count(n: Any, what: str) -> int:
    return check_int(n, what, 1)


def _check_input(x: Any, nin: int, who: str) -> None:
    if isinstance(x, (str, bytes)) or not isinstance(x, (Sequence, np.ndarray)):
        raise TypeError(f"{who} takes one sample: a list of {nin} numbers or Values, "
                        f"got {type(x).__name__}")
    if len(x) != nin:
        raise ValueError(f"{who} expects {nin} inputs, got {len(x)}")
    for i, xi in enumerate(x):
        if not isinstance(xi, Value) and not is_real(xi):
            raise TypeError(f"{who} input {i} must be a number or a Value, got "
                            f"{type(xi).__name__} (for a batch, call the model once per "
                            f"sample)")


class Neuron(Module):
    """``a = f(Σ_i w_i x_i + b)``, unit ``unit`` of layer ``layer + 1`` in the seed's numbering.

    ``w`` are the weights (``w[i]`` labelled ``θ{layer}[i,unit]``), ``b`` the bias (or
    None). Initial values are uniform in ±1/√nin, drawn from ``rng``.

    Each forward call that records a graph appends its pre-activation z (labelled
    ``z{layer+1}[unit]``) to ``zs``; after ``backward()`` their ``.grad`` are this
    neuron's δ = ∂E/∂z, one per call. With the linear activation, a is z itself.

    What ``zs`` holds (each z keeps its whole forward graph alive, so it must stay small):

    - only the calls since the last ``backward()``: the first call recorded after a
      ``backward()`` starts a new record (it is on a new tape: ``backward()`` retires the
      tape its graph was recorded on), so a training loop keeps one step's graphs at most,
      whichever way it zeroes its gradients;
    - at most the last ``MAX_RECORDED_CALLS`` (1024) calls, so that evaluating without
      ``autodiff.no_grad()`` cannot grow without bound (``recorded_calls`` still counts
      them all, and ``MLP.deltas()`` refuses a record that lost its oldest calls);
    - nothing after ``zero_grad()``, and calls under ``autodiff.no_grad()`` are not kept.
    """

    #: The most forward calls whose z a neuron keeps (the oldest are dropped first).
    MAX_RECORDED_CALLS: ClassVar[int] = 1024

    def __init__(self, nin: int, activation: str = "sigmoid", bias: bool = True, *,
                 layer: int = 0, unit: int = 0, rng: random.Random | None = None) -> None:
        self.nin = _check_count(nin, "nin")
        self.activation = check_activation(activation)
        check_flag(bias, "bias")
        check_parameter_count(self.nin + bias, f"Neuron({self.nin})")
        self.layer, self.unit = check_int(layer, "layer", 0), check_int(unit, "unit", 0)
        rng = check_rng(rng)
        bound = 1.0 / math.sqrt(self.nin)
        self.w = [Value(rng.uniform(-bound, bound), weight_label(layer, i, unit))
                  for i in range(self.nin)]
        self.b = Value(rng.uniform(-bound, bound), bias_label(layer, unit)) if bias else None
        self.zs: deque[Value] = deque()
        # backward_passes() when the last z was recorded: a change means a backward() came
        # in between, and the next forward call starts a new record.
        self.recorded_at = -1
        self.recorded_calls = 0  # forward calls recorded in this record, dropped ones too
        # Forward calls recorded in the original of this copy (pickle, deepcopy), whose
        # graph did not travel: deltas() refuses until this copy records calls of its own.
        self.calls_left_behind = 0

    def __call__(self, x: Sequence[Value | float]) -> Value:
        _check_input(x, self.nin, "Neuron")
        return self._forward(x)

    def _forward(self, x: Sequence[Any]) -> Value:
        w = self.w
        z = w[0] * x[0]
        for i in range(1, self.nin):
            z = z + w[i] * x[i]
        if self.b is not None:
            z = z + self.b
        z.label = pre_activation_label(self.layer, self.unit)
        if z.op:  # recorded (not under no_grad): keep it for deltas()
            zs = self.zs
            passes = backward_passes()
            if zs and self.recorded_at != passes:  # a backward() came in between
                zs.clear()
                self.recorded_calls = 0
            elif len(zs) >= self.MAX_RECORDED_CALLS:
                zs.popleft()
            zs.append(z)
            self.recorded_at = passes
            self.recorded_calls += 1
            self.calls_left_behind = 0
        if self.activation == "linear":
            return z
        a = getattr(z, self.activation)()
        a.label = activation_label(self.layer, self.unit)
        return a

    def named_parameters(self) -> list[tuple[str, Value]]:
        named = [(w.label, w) for w in self.w]
        if self.b is not None:
            named.append((self.b.label, self.b))
        return named

    def config(self) -> dict[str, Any]:
        return {"type": "Neuron", "nin": self.nin, "activation": self.activation,
                "bias": self.b is not None}

    def _forget_forward_calls(self) -> None:
        self.zs.clear()
        self.recorded_calls = 0
        self.calls_left_behind = 0

    def __getstate__(self) -> dict[str, Any]:
        """What a copy (pickle, ``copy.deepcopy``) takes: everything but the record of
        forward calls, whose graphs stay with this neuron (see ``zs``); the copy's
        ``deltas()`` then asks for a forward pass and ``backward()`` of its own."""
        state = self.__dict__.copy()
        state["calls_left_behind"] = self.recorded_calls or self.calls_left_behind
        state["zs"] = deque()
        state["recorded_calls"] = 0
        state["recorded_at"] = -1  # backward_passes() counts in this process only
        return state

    def __repr__(self) -> str:
        return f"Neuron({self.nin} inputs, {self.activation}, bias={self.b is not None})"


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs; ``MLP.layers[index]``."""

    def __init__(self, nin: int, nout: int, activation: str = "sigmoid", bias: bool = True,
                 *, index: int = 0, rng: random.Random | None = None) -> None:
        self.nin = _check_count(nin, "nin")
        nout = _check_count(nout, "nout")
        check_activation(activation)
        check_flag(bias, "bias")
        check_int(index, "index", 0)
        check_parameter_count((self.nin + bias) * nout, f"Layer({self.nin}, {nout})")
        rng = check_rng(rng)
        self.neurons = [Neuron(nin, activation, bias, layer=index, unit=j, rng=rng)
                        for j in range(nout)]

    @property
    def nout(self) -> int:
        return len(self.neurons)

    @property
    def activation(self) -> str:
        return self.neurons[0].activation

    @property
    def bias(self) -> bool:
        return self.neurons[0].b is not None

    def __call__(self, x: Sequence[Value | float]) -> list[Value]:
        _check_input(x, self.nin, "Layer")
        return self._forward(x)

    def _forward(self, x: Sequence[Any]) -> list[Value]:
        return [neuron._forward(x) for neuron in self.neurons]

    def children(self) -> list[Module]:
        return list(self.neurons)

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [pair for neuron in self.neurons for pair in neuron.named_parameters()]

    def config(self) -> dict[str, Any]:
        return {"type": "Layer", "nin": self.nin, "nout": self.nout,
                "activation": self.activation, "bias": self.bias}

    def __repr__(self) -> str:
        return f"Layer({self.nin} → {self.nout}, {self.activation}, bias={self.bias})"
