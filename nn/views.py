"""δ drawn layer by layer, in the seed's notation: the engine's ∂E/∂z beside the closed form.

:func:`layer_deltas` runs one forward and backward pass of a model on a batch and reads, per
layer, a(l), z(l) and the engine's δ(l) (the ``.grad`` of the z nodes); next to them it puts
the seed's recursion δ(l) = δ(l+1) Θ(l)ᵀ ⊙ f'(z(l)) from :func:`nn.delta_backprop`.
:func:`draw_deltas` draws them as an :class:`autodiff.Drawing` (SVG inline in notebooks).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from autodiff import Drawing
from autodiff.core.checks import check_precision

from .delta import DeltaBackprop, delta_backprop
from .losses import half_squared_error
from .mlp import MLP

if TYPE_CHECKING:
    import numpy as np

SLOPE_TEXT = {"sigmoid": "a({l})(1 − a({l}))", "tanh": "1 − a({l})²",
              "relu": "[z({l}) > 0]", "linear": "1"}
ENGINE, CLOSED, RECURSION = "#1a73e8", "#5f6368", "#e8710a"


@dataclass(frozen=True)
class LayerDeltas:
    """One batch's pass, per layer (rows are samples): ``activations[l]`` is a(l) for
    l = 0 … L, ``pre_activations[l]`` z(l+1), ``deltas[l]`` the engine's δ(l+1) (∂E/∂z, read
    off the graph), ``closed`` the seed's recursion on the same weights, ``loss`` E."""

    activations: list[np.ndarray]
    pre_activations: list[np.ndarray]
    deltas: list[np.ndarray]
    weights: list[np.ndarray]
    activation_names: list[str]
    targets: np.ndarray
    closed: DeltaBackprop
    loss: float

    def __repr__(self) -> str:
        """The shape of the pass, E, and how far the engine's δ is from the recursion's."""
        import numpy as np

        sizes = "-".join(str(a.shape[1]) for a in self.activations)
        gap = max(float(np.max(np.abs(d - c), initial=0.0))
                  for d, c in zip(self.deltas, self.closed.deltas, strict=True))
        return (f"LayerDeltas(layers {sizes}, batch of {self.activations[0].shape[0]}, "
                f"E = {self.loss:.6g}, max |engine δ − closed form| = {gap:.2g})")


def layer_deltas(model: MLP, X: Sequence[Any], Y: Sequence[Any]) -> LayerDeltas:
    """Forward ``X`` through ``model`` on the engine, E = Σ ½(a − y)², backward, and read
    each layer's a, z and δ; the parameters' ``.grad`` are left as they were."""
    import numpy as np

    if not isinstance(model, MLP):
        raise TypeError(f"layer_deltas needs an nn.MLP, got {type(model).__name__}")
    rows = [[float(v) for v in np.ravel(x)] for x in X]
    targets = np.asarray(Y, dtype=float)
    if not rows or targets.size != len(rows) * model.layers[-1].nout:
        raise ValueError(f"X and Y must hold the same number (≥ 1) of samples, with "
                         f"{model.layers[-1].nout} target(s) each")
    targets = targets.reshape(len(rows), -1)
    saved = [p.grad for p in model.parameters()]
    model.zero_grad()
    try:
        activations: list[list[list[float]]] = [rows] + [[] for _ in model.layers]
        outputs = []
        for x in rows:
            h: list[Any] = x
            for k, layer in enumerate(model.layers):
                h = layer(h)
                activations[k + 1].append([v.data for v in h])
            outputs += h
        loss = half_squared_error(outputs, [float(t) for t in targets.ravel()])
        loss.backward()
        deltas = model.deltas()
        zs = [np.array([[n.zs[t].data for n in layer.neurons] for t in range(len(rows))])
              for layer in model.layers]
    finally:
        model._forget_forward_calls()
        for p, g in zip(model.parameters(), saved, strict=True):
            p.grad = g
    names = [layer.activation for layer in model.layers]
    closed = delta_backprop(model.weights(), rows, targets, model.biases(), names)
    return LayerDeltas([np.array(a) for a in activations], zs, deltas, model.weights(),
                       names, targets, closed, float(loss.data))


def _vector(values: np.ndarray, p: int) -> str:
    return "[" + ", ".join(f"{float(v) + 0.0:.{p}g}" for v in values) + "]"


def _row(name: str, values: list[str], color: str = "black") -> str:
    cells = "".join(f'<TD ALIGN="LEFT"><FONT COLOR="{color}">{html.escape(v or " ")}</FONT></TD>'
                    for v in [name, *values])
    return f"<TR>{cells}</TR>"


def draw_deltas(model: MLP, X: Sequence[Any], Y: Sequence[Any], precision: int = 4,
                caption: str = "") -> Drawing:
    """The layer view: a(l), Θ(l), z(l) and δ(l) per layer for the batch ``X``, ``Y``, with
    the engine's δ (∂E/∂z read off the graph) beside the seed's recursion and its numbers.
    ``caption`` (a first line above the title) can say which pass it shows."""
    if not isinstance(caption, str):
        raise TypeError(f"caption must be a str, got {type(caption).__name__}")
    check_precision(precision)
    d, p = layer_deltas(model, X, Y), precision
    batch, depth = d.activations[0].shape[0], len(d.weights)
    samples = [f"sample {t}" for t in range(batch)]
    g = Drawing(name="deltas", graph_attr={
        "rankdir": "TB", "fontname": "Helvetica,Arial,sans-serif", "labelloc": "t",
        "label": (f"{caption}\n" if caption else "") + f"δ layer by layer on a batch of "
                 f"{batch}: E = Σ ½(a − y)² = {d.loss:.{p}g}; δ(l) = ∂E/∂z(l) propagates "
                 "backwards", "fontsize": "14"},
        node_attr={"fontname": "Helvetica,Arial,sans-serif", "fontsize": "11",
                   "shape": "none", "margin": "0"},
        edge_attr={"fontname": "Helvetica,Arial,sans-serif", "fontsize": "10"})
    for layer in range(depth + 1):
        rows = [f'<TR><TD COLSPAN="{batch + 1}"><B>layer {layer}'
                f'{" (inputs)" if layer == 0 else ""}</B></TD></TR>',
                _row("", samples),
                _row(f"a({layer})", [_vector(a, p) for a in d.activations[layer]])]
        if layer > 0:
            k = layer - 1
            slope = SLOPE_TEXT.get(d.activation_names[k], "f'(z)").format(l=layer)
            upstream = ("a(L) − y" if layer == depth
                        else f"δ({layer + 1}) Θ({layer})ᵀ")
            if layer == depth:
                rows.append(_row("y (target)", [_vector(y, p) for y in d.targets]))
            rows += [
                _row(f"z({layer})", [_vector(z, p) for z in d.pre_activations[k]]),
                _row(f"∂E/∂a({layer}) = {upstream}", [_vector(v, p) for v in
                                                        d.closed.error_grads[k]], RECURSION),
                _row(f"f'(z({layer})) = {slope}", [_vector(v, p) for v in d.closed.slopes[k]],
                     RECURSION),
                _row(f"δ({layer}) closed form = ∂E/∂a ⊙ f'", [_vector(v, p) for v in
                                                                 d.closed.deltas[k]], CLOSED),
                _row(f"δ({layer}) engine = z({layer}).grad", [_vector(v, p) for v in
                                                               d.deltas[k]], ENGINE)]
        table = ('<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3">'
                 + "".join(rows) + "</TABLE>>")
        g.node(f"layer{layer}", table)
    for k in range(depth):
        rows = [f'<TR><TD><B>Θ({k})</B> ({d.weights[k].shape[0]} × {d.weights[k].shape[1]}): '
                f"z({k + 1}) = a({k}) Θ({k})</TD></TR>"]
        rows += [f"<TR><TD>{html.escape(_vector(row, p))}</TD></TR>" for row in d.weights[k]]
        g.node(f"theta{k}", '<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" '
                            f'CELLPADDING="2">{"".join(rows)}</TABLE>>')
        g.edge(f"layer{k}", f"theta{k}")
        g.edge(f"theta{k}", f"layer{k + 1}")
        if k > 0:
            slope = SLOPE_TEXT.get(d.activation_names[k - 1], "f'(z({l}))").format(l=k)
            g.edge(f"layer{k + 1}", f"layer{k}", color=RECURSION, fontcolor=RECURSION,
                   style="dashed", constraint="false",
                   label=f"δ({k}) = δ({k + 1}) Θ({k})ᵀ ⊙ {slope}")
    return g
