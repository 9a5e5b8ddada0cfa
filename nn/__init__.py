"""nn: sigmoid networks on the autodiff engine, and the seed's δ recursion to check them."""

from .arguments import ACTIVATIONS, MAX_PARAMETERS
from .delta import DeltaBackprop, delta_backprop, seed_reference
from .gc_pause import gc_paused
from .labels import LABEL_RE, LabelParts, parse_label
from .layers import Layer, Neuron
from .losses import binary_cross_entropy, half_squared_error, mse
from .mlp import MLP
from .module import Module
from .optim import SGD
from .train import History, eager_gradient_step, fit
from .views import LayerDeltas, draw_deltas, layer_deltas

__all__ = [
    "ACTIVATIONS", "LABEL_RE", "MAX_PARAMETERS", "MLP", "SGD", "DeltaBackprop", "History",
    "LabelParts", "Layer", "LayerDeltas", "Module", "Neuron", "binary_cross_entropy",
    "delta_backprop", "draw_deltas", "eager_gradient_step", "fit", "gc_paused",
    "half_squared_error", "layer_deltas", "mse", "parse_label", "seed_reference",
]
