"""The labels `nn` gives its Values, in the seed's notation: their writers and the one parser.

autodiff does not import nn, so it knows neurons and layers only from labels. nn writes
them with the writers below and reads them back with :func:`parse_label`, so the notation
and its one regex live side by side. Layer 0 is the input; for unit ``j`` of layer ``l``
(l ≥ 1):
``θ{l-1}[i,j]`` is its weight from unit ``i`` of layer ``l-1``, ``b{l}[j]`` its bias,
``z{l}[j]`` its pre-activation, ``a{l}[j]`` its activation; ``a0[i]`` is input unit ``i``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .core.value import Value

#: One regex for every nn label. Groups: ``kind`` (b, z or a), ``layer`` (the number after
#: the kind), ``unit`` (the index in brackets); for a weight ``θk[i,j]``: ``theta``,
#: ``theta_layer`` (k), ``source`` (the sending unit i) and ``theta_unit`` (the receiving j).
LABEL_RE = re.compile(
    r"^(?:(?P<theta>θ)(?P<theta_layer>\d+)\[(?P<source>\d+),(?P<theta_unit>\d+)\]"
    r"|(?P<kind>[bza])(?P<layer>\d+)\[(?P<unit>\d+)\])$")


class LabelParts(NamedTuple):
    """What a label says: ``kind`` in "θ", "b", "z", "a"; the ``layer`` (seed numbering,
    0 = inputs) and ``unit`` of the neuron the node belongs to."""

    kind: str
    layer: int
    unit: int


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


# --- the writers (for neuron j of ``MLP.layers[k]``, that is unit j of layer k + 1) ---

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


def children_of(order: list[Value]) -> dict[int, list[Value]]:
    """For each node id, the nodes that use it (once per use, so ``a*a`` lists ``a*a`` twice)."""
    children: dict[int, list[Value]] = {id(node): [] for node in order}
    for node in order:
        for parent in node.parents:
            children[id(parent)].append(node)
    return children


def neuron_groups(order: list[Value], children: dict[int, list[Value]]
                  ) -> dict[int, tuple[int, int]]:
    """``(layer, unit)`` for every node that belongs to one neuron.

    Labelled nodes say it themselves; an unlabelled op node (a product θ·a, a partial sum)
    belongs to the neuron all of its users belong to.
    """
    groups: dict[int, tuple[int, int]] = {}
    for node in reversed(order):  # users before the nodes they use
        part = parse_label(node.label)
        if part is not None:
            groups[id(node)] = (part.layer, part.unit)
            continue
        if node._op is None:
            continue
        owners = {groups.get(id(child)) for child in children[id(node)]}
        if len(owners) == 1 and None not in owners:
            groups[id(node)] = owners.pop()
    return groups
