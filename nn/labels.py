"""The labels nn gives its Values, in the seed's notation, and `parse_label` to read them back.

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

import re
from typing import NamedTuple

#: One regex for every nn label. Groups: ``kind`` (θ, b, z or a), ``layer`` (the number
#: after the kind), ``unit`` (the index in brackets; for θ, the receiving unit ``j``) and
#: ``source`` (θ only: the sending unit ``i``).
LABEL_RE = re.compile(
    r"^(?:(?P<theta>θ)(?P<theta_layer>\d+)\[(?P<source>\d+),(?P<theta_unit>\d+)\]"
    r"|(?P<kind>[bza])(?P<layer>\d+)\[(?P<unit>\d+)\])$")


class LabelParts(NamedTuple):
    """What a label says: ``kind`` in "θ", "b", "z", "a"; the ``layer`` (seed numbering,
    0 = inputs) and ``unit`` of the neuron the node belongs to."""

    kind: str
    layer: int
    unit: int


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


def parse_label(label: str) -> LabelParts | None:
    """``(kind, layer, unit)`` of a label nn made, or None for any other label.

    ``layer`` and ``unit`` name the neuron the node belongs to, in the seed's numbering:
    ``θk[i,j]`` belongs to unit ``j`` of layer ``k + 1`` (the weight feeding it), so it
    parses as ``("θ", k + 1, j)``; ``b2[0]`` as ``("b", 2, 0)``; ``z1[3]`` as
    ``("z", 1, 3)``; an input ``a0[2]`` as ``("a", 0, 2)``. The sending unit ``i`` of a
    weight is the ``source`` group of :data:`LABEL_RE`.
    """
    if not isinstance(label, str):
        raise TypeError(f"parse_label needs a str, got {type(label).__name__}")
    match = LABEL_RE.match(label)
    if match is None:
        return None
    if match["theta"]:
        return LabelParts("θ", int(match["theta_layer"]) + 1, int(match["theta_unit"]))
    kind, layer = match["kind"], int(match["layer"])
    if kind != "a" and layer == 0:
        return None  # layer 0 is the input: it has no bias and no pre-activation
    return LabelParts(kind, layer, int(match["unit"]))
