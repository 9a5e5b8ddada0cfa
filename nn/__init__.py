"""nn: sigmoid networks on the autodiff engine, and the seed's δ recursion to check them."""

import warnings
from typing import Any

import autodiff

from .delta import DeltaBackprop, delta_backprop
from .layers import ACTIVATIONS, MAX_PARAMETERS, Layer, Neuron
from .losses import binary_cross_entropy, half_squared_error, mse
from .mlp import MLP
from .module import Module
from .optim import SGD
from .train import History, eager_gradient_step, fit
from .views import LayerDeltas, draw_deltas, layer_deltas

__all__ = [
    "ACTIVATIONS", "MAX_PARAMETERS", "MLP", "SGD", "DeltaBackprop", "History", "Layer",
    "LayerDeltas", "Module", "Neuron", "binary_cross_entropy", "delta_backprop",
    "draw_deltas", "eager_gradient_step", "fit", "half_squared_error", "layer_deltas", "mse",
]

# Names that moved to autodiff, where they belong: still reachable here, with a warning.
_MOVED = ("gc_paused", "parse_label", "LABEL_RE", "LabelParts")


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        warnings.warn(f"nn.{name} is deprecated: use autodiff.{name} (the same object)",
                      DeprecationWarning, stacklevel=2)
        return getattr(autodiff, name)
    raise AttributeError(f"module 'nn' has no attribute {name!r}")
