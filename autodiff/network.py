"""An nn network read back from a graph's labels: layers, units, weights and samples.

autodiff does not import nn: the network's shape comes from the labels nn writes, read by
the one parser (:mod:`autodiff.labels`). :func:`read_network` finds the layers, units,
weights and forward calls (samples) of a loss, and y when the loss is the seed's
E = Σ ½(a − y)². Text only, like :mod:`autodiff.explain`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .labels import LABEL_RE, children_of, loss_piece_labels, parse_label

if TYPE_CHECKING:
    from .core.value import Value

@dataclass
class Network:
    """One nn network's forward calls in a graph, in the seed's numbering: ``sizes[layer]`` is
    M(l) (layer 0 the inputs); ``z[layer, j]`` and ``a[layer, j]`` list unit j's nodes per sample
    (a linear layer's a is its z); ``inputs[t][i]`` is a0[i] of sample t (a Value or a
    number); ``weights[k, i, j]`` is θk[i,j]; ``targets[j][t]`` is y, when the loss is the
    seed's E = Σ ½(a − y)² (``seed_loss``)."""

    output: Value
    sizes: list[int]
    samples: int
    activations: list[str]  # the op of each layer 1 … L ("linear": none)
    z: dict[tuple[int, int], list[Value]]
    a: dict[tuple[int, int], list[Value]]
    inputs: list[list[Any]]
    weights: dict[tuple[int, int, int], Value]
    biases: dict[tuple[int, int], Value] = field(default_factory=dict)
    targets: dict[int, list[float]] = field(default_factory=dict)
    seed_loss: bool = False

    @property
    def depth(self) -> int:
        """L, the number of layers after the inputs."""
        return len(self.sizes) - 1

    def input_value(self, t: int, i: int) -> float:
        x = self.inputs[t][i]
        return x if isinstance(x, float) else x.data


def read_network(output: Value, order: list[Value]) -> Network | None:
    """The nn network whose forward calls ``output`` was computed from (``order``: its
    graph), or None when the graph is not one whole network labelled by nn."""
    z: dict[tuple[int, int], list[Value]] = {}
    a: dict[tuple[int, int], list[Value]] = {}
    weights: dict[tuple[int, int, int], Value] = {}
    biases: dict[tuple[int, int], Value] = {}
    for node in order:
        part = parse_label(node.label)
        if part is None:
            continue
        if part.kind == "θ":
            key = (part.layer - 1, int(LABEL_RE.match(node.label)["source"]), part.unit)
            if key in weights or node._op is not None:
                return None  # two networks, or a weight that is not a leaf
            weights[key] = node
        elif part.kind == "b":
            biases[(part.layer, part.unit)] = node
        elif part.kind in "za" and part.layer > 0:
            (z if part.kind == "z" else a).setdefault((part.layer, part.unit), []).append(node)
    if not z or not weights:
        return None
    depth = max(layer for layer, _ in z)
    sizes = [1 + max((i for k, i, _ in weights if k == 0), default=-1)]
    sizes += [1 + max(j for lay, j in z if lay == layer) for layer in range(1, depth + 1)]
    samples = len(z[1, 0]) if (1, 0) in z else 0
    activations = []
    for layer in range(1, depth + 1):
        ops = {node._op.name for j in range(sizes[layer]) for node in a.get((layer, j), [])}
        if len(ops) > 1 or any(len(z.get((layer, j), [])) != samples for j in range(sizes[layer])):
            return None
        activations.append(ops.pop() if ops else "linear")
        for j in range(sizes[layer]):
            a[layer, j] = a.get((layer, j)) or z[layer, j]
            if len(a[layer, j]) != samples:
                return None
    if 0 in sizes or not samples or len(weights) != sum(
            sizes[k] * sizes[k + 1] for k in range(depth)) or any(
            (k, i, j) not in weights for k in range(depth) for i in range(sizes[k])
            for j in range(sizes[k + 1])):
        return None
    children = children_of(order)
    inputs: list[list[Any]] = [[None] * sizes[0] for _ in range(samples)]
    for i in range(sizes[0]):
        users = [c for c in children[id(weights[0, i, 0])] if c._op.name == "mul"]
        if len(users) != samples:
            return None
        for t, product in enumerate(users):
            left, right = product.operands
            inputs[t][i] = right if left is weights[0, i, 0] else left
    network = Network(output, sizes, samples, activations, z, a, inputs, weights, biases)
    _read_targets(network, children)
    return network


def _read_targets(network: Network, children: dict[int, list[Value]]) -> None:
    """y of each output and sample, when the loss is nn's E = Σ ½(a − y)²."""
    depth = network.depth
    for j in range(network.sizes[depth]):
        ys = []
        for node in network.a[depth, j]:
            piece = loss_piece_labels(node.label)[0]
            ys += [c.operands[1] for c in children[id(node)] if c.label == piece and
                   c._op.name == "sub" and isinstance(c.operands[1], float)]
        if len(ys) != network.samples:
            return
        network.targets[j] = ys
    network.seed_loss = True
