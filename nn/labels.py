"""The labels nn gives its Values, in the seed's notation, read back by autodiff's `parse_label`.

Layers are numbered as in the seed: layer 0 is the input, layer ``l + 1`` is computed from
layer ``l`` through the weight matrix Θ(l). For neuron ``j`` of ``MLP.layers[k]`` (that
is, unit ``j`` of layer ``k + 1``):

============  ==========================================================
``θk[i,j]``   its weight from unit ``i`` of layer ``k`` (the seed's Θ(k)[i][j])
``b{k+1}[j]`` its bias
``z{k+1}[j]`` its pre-activation in one forward call, z = Σ_i a_i θ_ij (+ b)
``a{k+1}[j]`` its activation in one forward call, a = f(z)
``a0[i]``     input unit ``i``, when the input was given as a plain number
============  ==========================================================
"""

from __future__ import annotations

from autodiff import LABEL_RE, LabelParts, parse_label
from autodiff.labels import loss_piece_labels


def weight_label(k: int, i: int, j: int) -> str:
    """``θk[i,j]``: the weight from unit i of layer k to unit j of layer k + 1."""
    return f"θ{k}[{i},{j}]"


def bias_label(k: int, j: int) -> str:
    """``b{k+1}[j]``: the bias of neuron j of ``MLP.layers[k]``."""
    return f"b{k + 1}[{j}]"


def pre_activation_label(k: int, j: int) -> str:
    """``z{k+1}[j]``: the pre-activation of neuron j of ``MLP.layers[k]`` in one call."""
    return f"z{k + 1}[{j}]"


def activation_label(k: int, j: int) -> str:
    """``a{k+1}[j]``: the activation of neuron j of ``MLP.layers[k]`` in one call."""
    return f"a{k + 1}[{j}]"


def input_label(i: int) -> str:
    """``a0[i]``: input unit i, given as a plain number."""
    return f"a0[{i}]"


__all__ = ["LABEL_RE", "LabelParts", "activation_label", "bias_label", "input_label",
           "loss_piece_labels",
           "parse_label", "pre_activation_label", "weight_label"]
