"""Keeping big drawings legible: nn labels read back, neuron clusters, folded neurons, summaries.

The ``nn`` package labels its Values in the seed's notation (layer 0 = inputs, Θ(k) maps
layer k to k + 1): ``θk[i,j]`` is the weight from unit i of layer k to unit j of layer
k + 1, ``b{l}[j]`` the bias, ``z{l}[j]`` the pre-activation and ``a{l}[j]`` the activation of
unit j of layer l, and ``a0[i]`` an input. :func:`autodiff.labels.parse_label` (the one
parser, which nn uses too) reads those labels back, so that autodiff does not depend on nn.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..core.value import Value
from ..labels import parse_label


@dataclass
class Folding:
    """Neurons drawn as one box each: ``box[id(node)]`` is the activation node whose box
    holds ``node``; parameters used only inside boxes are ``hidden`` and counted per box."""

    box: dict[int, Value] = field(default_factory=dict)
    hidden: set[int] = field(default_factory=set)
    params: dict[int, Counter[str]] = field(default_factory=dict)
    z: dict[int, Value] = field(default_factory=dict)  # each box's pre-activation z{l}[j]


def fold_neurons(order: list[Value], children: dict[int, list[Value]]) -> Folding:
    """One box per computed activation ``a{l}[j]`` (l ≥ 1): it, its z and the products and
    sums used only on the way to it."""
    folding = Folding()
    for node in reversed(order):
        part = parse_label(node.label)
        if part is not None and part.kind == "a" and node._op is not None and part.layer > 0:
            folding.box[id(node)] = node
            folding.params[id(node)] = Counter()
            continue
        if node._op is None or (part is not None and part.kind == "a"):
            continue
        owners = {id(folding.box[id(c)]) if id(c) in folding.box else None
                  for c in children[id(node)]}
        if len(owners) == 1 and None not in owners:
            box = folding.box[owners.pop()]
            folding.box[id(node)] = box
            if part is not None and part.kind == "z":
                folding.z[id(box)] = node
    for node in order:
        part = parse_label(node.label)
        if node._op is not None or part is None or part.kind not in "θb":
            continue
        users = children[id(node)]
        if users and all(id(c) in folding.box for c in users):
            folding.hidden.add(id(node))
            for box in {id(folding.box[id(c)]) for c in users}:
                folding.params[box]["weights" if part.kind == "θ" else "bias"] += 1
    return folding


def summary_rows(order: list[Value]) -> list[tuple[str, int]]:
    """``(what, count)`` rows describing a graph too big to draw node by node."""
    ops = Counter(node._op.name for node in order if node._op is not None)
    leaves = sum(1 for node in order if node._op is None)
    labelled = sum(1 for node in order if node.label)
    rows = [("values", len(order)), ("leaves", leaves), ("labelled values", labelled)]
    rows += [(f"{name} ops", count) for name, count in ops.most_common()]
    return rows
