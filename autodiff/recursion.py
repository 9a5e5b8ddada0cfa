"""An nn network's backward pass as the seed's δ recursion, step by step, with its numbers.

:func:`network_steps` turns the explained backward pass of a loss computed by an nn network
(:mod:`autodiff.network`) into one step per layer (δ(l) from δ(l+1)) and per unit (δ(l)[j],
then the weight gradients it gives), each written with its numbers. Local derivatives come
from the op table; text only, like :mod:`autodiff.explain`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .core.checks import check_precision
from .core.graph import local_partial
from .labels import parse_label
from .network import Network, read_network
from .text import number

if TYPE_CHECKING:
    from .core.value import Value
    from .explain import Explanation

#: How the network step-through can be taken: each layer then its units, layers, units.
NETWORK_STEP_BY = ("network", "layer", "neuron")


@dataclass(frozen=True)
class NetworkStep:
    """One step of the network-level pass: the whole ``layer`` (``unit`` None) or one unit.

    ``lines`` are the recursion written with this step's numbers; ``tables`` are
    (caption, header, rows); ``done`` names what is known once the step is taken:
    ``("δ", l, j)`` and ``("θ", k, i, j)`` / ``("b", l, j)``; ``focus`` what it
    highlights, in the same keys (``("unit", layer, j)``, ``("edge", k, i, j)``)."""

    index: int
    layer: int
    unit: int | None
    title: str
    lines: tuple[str, ...]
    tables: tuple[tuple[str, tuple[str, ...], tuple[tuple[str, ...], ...]], ...]
    done: frozenset[tuple[int | str, ...]]
    focus: frozenset[tuple[int | str, ...]]

    def __str__(self) -> str:
        return "\n".join([f"step {self.index + 1}: {self.title}", *self.lines])


def shown(x: float, p: int) -> str:
    """A number as the steps write it: ``−`` for minus."""
    return number(x, p).replace("-", "−")


def factor(x: float, p: int) -> str:
    """A number as a factor of a product: in parentheses when negative."""
    text = shown(x, p)
    return f"({text})" if text.startswith("−") else text


def vector(values: list[float], p: int) -> str:
    """One number, or one per sample in brackets."""
    if len(values) == 1:
        return shown(values[0], p)
    return "[" + ", ".join(shown(v, p) for v in values) + "]"


def _slope(node: Value, p: int) -> tuple[str, str, float]:
    """(formula in the unit's names, the same with numbers, value) of ∂a/∂z at ``node``,
    from the op table; a linear layer's slope is 1."""
    if node._op is None or parse_label(node.label).kind == "z":
        return "1", "1", 1.0
    formula = node._op.derivative_formulas[0].split(" = ")[0]
    z = node.operands[0]
    named = re.sub(r"\bu\b", z.label, re.sub(r"\bout\b", node.label, formula))
    numbers = re.sub(r"\bu\b", factor(z.data, p), re.sub(r"\bout\b", factor(node.data, p),
                                                          formula))
    return named, numbers, float(local_partial(node, 0))


def network_steps(e: Explanation, step_by: str = "network", precision: int = 3,
                  network: Network | None = None) -> tuple[NetworkStep, ...]:
    """The backward pass ``e`` of a loss computed by an nn network as the seed's recursion:
    per layer from the output down, the layer's step (δ(l) from δ(l+1)) then, with
    ``step_by="network"``, one step per unit (δ(l)[j] and the weight gradients it gives);
    ``"layer"`` or ``"neuron"`` take those steps alone. ``print(step)`` shows one."""
    if step_by not in NETWORK_STEP_BY:
        raise ValueError(f"step_by must be one of {NETWORK_STEP_BY}, got {step_by!r}")
    check_precision(precision)
    network = network or read_network(e.output, e.order)
    if network is None:
        raise ValueError("network_steps needs the backward pass of a loss computed by one nn "
                         "network (Values labelled θk[i,j], z{l}[j], a{l}[j])")
    steps: list[NetworkStep] = []
    done: set[tuple[int | str, ...]] = set()
    for layer in range(network.depth, 0, -1):
        if step_by in ("network", "layer"):
            done |= {("δ", layer, j) for j in range(network.sizes[layer])}
            if step_by == "layer":  # else each unit's step gives its weight gradients
                done |= _gradients_of(network, layer, range(network.sizes[layer]))
            steps.append(_layer_step(e, network, layer, len(steps), frozenset(done), precision,
                                     step_by == "layer"))
        if step_by in ("network", "neuron"):
            for j in range(network.sizes[layer]):
                done |= {("δ", layer, j)} | _gradients_of(network, layer, [j])
                steps.append(_unit_step(e, network, layer, j, len(steps), frozenset(done),
                                        precision))
    return tuple(steps)


def _gradients_of(network: Network, layer: int, units: Any) -> set[tuple[int | str, ...]]:
    out: set[tuple[int | str, ...]] = {("θ", layer - 1, i, j) for j in units
                                       for i in range(network.sizes[layer - 1])}
    return out | {("b", layer, j) for j in units if (layer, j) in network.biases}


def _upstream(e: Explanation, network: Network, layer: int, j: int, t: int, p: int
              ) -> tuple[str, str, str]:
    """∂E/∂a(l)[j] of sample t: (formula, with numbers, value)."""
    node = network.a[layer, j][t]
    grad = e.gradient(node)
    if layer == network.depth:
        if network.seed_loss:
            y = network.targets[j][t]
            return (f"{node.label} − y", f"{shown(node.data, p)} − {factor(y, p)}",
                    shown(grad, p))
        return f"∂E/∂{node.label}", shown(grad, p), shown(grad, p)
    terms = [(f"δ({layer + 1})[{k}]·θ{layer}[{j},{k}]",
              f"{factor(e.gradient(network.z[layer + 1, k][t]), p)} × "
              f"{factor(network.weights[layer, j, k].data, p)}")
             for k in range(network.sizes[layer + 1])]
    return (" + ".join(f for f, _ in terms), " + ".join(n for _, n in terms), shown(grad, p))


def _unit_lines(e: Explanation, network: Network, layer: int, j: int, t: int, p: int) -> str:
    a = network.a[layer, j][t]
    named, numbers, _ = _slope(a, p)
    up, up_numbers, _ = _upstream(e, network, layer, j, t, p)
    delta = shown(e.gradient(network.z[layer, j][t]), p)
    return f"δ({layer})[{j}] = ({up}) · {named} = ({up_numbers}) × {numbers} = {delta}"


def _layer_step(e: Explanation, network: Network, layer: int, index: int,
                done: frozenset, p: int, gradients: bool) -> NetworkStep:
    depth, slope = network.depth, _slope(network.a[layer, 0][0], p)[0]
    act = "1" if slope == "1" else f"f'(z({layer}))"
    if network.activations[layer - 1] == "sigmoid":
        act = f"a({layer})(1 − a({layer}))"
    if layer == depth:
        head = (f"δ({layer}) = (a({layer}) − y) ⊙ {act}" if network.seed_loss
                else f"δ({layer}) = ∂E/∂a({layer}) ⊙ {act}")
        title = f"layer {layer}, the output layer: δ({layer}) from the error E"
    else:
        head = f"δ({layer}) = δ({layer + 1}) Θ({layer})ᵀ ⊙ {act}"
        title = f"layer {layer}: δ({layer}) from δ({layer + 1}), backwards through Θ({layer})"
    lines = [head]
    rows = []
    for t in range(network.samples):
        for j in range(network.sizes[layer]):
            lines.append(("" if network.samples == 1 else f"sample {t}: ")
                         + _unit_lines(e, network, layer, j, t, p))
            a = network.a[layer, j][t]
            rows.append(((str(t),) if network.samples > 1 else ()) + (
                a.label or f"a{layer}[{j}]", shown(e.gradient(a), p),
                shown(_slope(a, p)[2], p), shown(e.gradient(network.z[layer, j][t]), p)))
    lines.append(f"so δ({layer}) = ∂E/∂z({layer}): " + ", ".join(
        f"{network.z[layer, j][0].label} = "
        + vector([e.gradient(z) for z in network.z[layer, j]], p)
        for j in range(network.sizes[layer])))
    matrix = ""
    if gradients:  # no unit steps follow to give them one by one
        matrix = " = [" + ", ".join(
            "[" + ", ".join(shown(e.gradient(network.weights[layer - 1, i, j]), p)
                            for j in range(network.sizes[layer])) + "]"
            for i in range(network.sizes[layer - 1])) + "]"
    lines.append(f"then ∂E/∂Θ({layer - 1}) = a({layer - 1})ᵀ δ({layer}){matrix}"
                 + (", summed over the samples" if network.samples > 1 else ""))
    header = (("sample",) if network.samples > 1 else ()) + (
        "unit", f"∂E/∂a({layer})", f"∂a/∂z = {act}", f"δ({layer}) = ∂E/∂z({layer})")
    focus = {("unit", layer, j) for j in range(network.sizes[layer])}
    focus |= {("edge", layer - 1, i, j) for i in range(network.sizes[layer - 1])
              for j in range(network.sizes[layer])}
    if layer < depth:
        focus |= {("edge", layer, j, k) for j in range(network.sizes[layer])
                  for k in range(network.sizes[layer + 1])}
    else:
        focus.add(("loss",))
    return NetworkStep(index, layer, None, title, tuple(lines),
                       (("δ per unit", header, tuple(rows)),), done, frozenset(focus))


def _unit_step(e: Explanation, network: Network, layer: int, j: int, index: int,
               done: frozenset, p: int) -> NetworkStep:
    name = network.a[layer, j][0].label or f"a{layer}[{j}]"
    lines = [f"δ({layer})[{j}] = (Σₖ δ({layer + 1})[k] θ({layer})[{j},k]) · "
             f"a({layer})[{j}](1 − a({layer})[{j}])" if layer < network.depth else
             f"δ({layer})[{j}] = ∂E/∂a({layer})[{j}] · ∂a({layer})[{j}]/∂z({layer})[{j}]"]
    s = network.samples
    for t in range(s):
        lines.append(("" if s == 1 else f"sample {t}: ") + _unit_lines(e, network, layer, j, t, p))
    rows = []
    for i in range(network.sizes[layer - 1]):
        w = network.weights[layer - 1, i, j]
        products = [f"{factor(_activation(network, layer - 1, i, t), p)} × "
                    f"{factor(e.gradient(network.z[layer, j][t]), p)}" for t in range(s)]
        rows.append((f"θ{layer - 1}[{i},{j}]", shown(w.data, p), " + ".join(products),
                     shown(e.gradient(w), p)))
        lines.append(f"∂E/∂θ{layer - 1}[{i},{j}] = a{layer - 1}[{i}]·δ({layer})[{j}]"
                     f"{' summed over samples' if s > 1 else ''} = {' + '.join(products)} "
                     f"= {shown(e.gradient(w), p)}")
    if (layer, j) in network.biases:
        b = network.biases[layer, j]
        rows.append((b.label, shown(b.data, p), f"δ({layer})[{j}]", shown(e.gradient(b), p)))
        lines.append(f"∂E/∂{b.label} = δ({layer})[{j}] = {shown(e.gradient(b), p)}")
    header = ("weight", "θ", f"a({layer - 1})[i]·δ({layer})[{j}]", "∂E/∂θ")
    focus = {("unit", layer, j)} | {("edge", layer - 1, i, j)
                                    for i in range(network.sizes[layer - 1])}
    if layer < network.depth:
        focus |= {("edge", layer, j, k) for k in range(network.sizes[layer + 1])}
        focus |= {("unit", layer + 1, k) for k in range(network.sizes[layer + 1])}
    else:
        focus.add(("loss",))
    title = (f"unit {name}: δ({layer})[{j}] from "
             + (f"δ({layer + 1}) through θ{layer}[{j},·]" if layer < network.depth
                else "the error E")
             + f", then ∂E/∂θ{layer - 1}[·,{j}]")
    return NetworkStep(index, layer, j, title, tuple(lines),
                       (("weight gradients it gives", header, tuple(rows)),), done,
                       frozenset(focus))


def _activation(network: Network, layer: int, i: int, t: int) -> float:
    """a(l)[i] of sample t (layer 0: the input)."""
    return network.input_value(t, i) if layer == 0 else network.a[layer, i][t].data
