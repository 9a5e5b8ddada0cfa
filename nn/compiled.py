"""A compiled full-batch gradient step for `fit(..., compiled=True)` (autodiff.compile_graph).

The batch's loss is built once on the model's own parameters, with the samples and
targets as constants, and compiled to straight-line Python; each step then only puts
the parameters' numbers in and the gradients into ``.grad``. No derivative code here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from autodiff import compile_graph, enable_grad, no_grad

from .mlp import MLP


def compiled_gradient_step(model: MLP, loss: Callable[[Any, Any], Any], X: Sequence[Any],
                           Y: Sequence[Any]) -> Callable[[Sequence[Any], Sequence[Any]],
                                                         tuple[float, list[Any]]]:
    """A gradient step (as ``fit`` uses it) for the full batch ``X, Y``, in this order.

    The graph is traced once, so the data are fixed: the step refuses a batch of another
    size. Unlike the eager step it keeps no graph, so ``model.deltas()`` is not filled.
    """
    params = model.parameters()
    with no_grad(), enable_grad():  # a private tape: the trace leaves the caller's alone
        outputs = [model(x) for x in X]
        total = loss(outputs, Y)
        flat = [v for out in outputs for v in (out if isinstance(out, list) else [out])]
        gradient = compile_graph(total, params, aux=flat)
    model.zero_grad()  # the trace's forward calls are not a training step's
    width = len(flat) // len(outputs)
    several = isinstance(outputs[0], list)
    n = len(X)

    def step(xs: Sequence[Any], ys: Sequence[Any]) -> tuple[float, list[Any]]:
        if len(xs) != n:
            raise ValueError(f"this compiled step was traced for the full batch of {n} "
                             f"samples, got a batch of {len(xs)}")
        value, grads, predictions = gradient(*[p.data for p in params])
        for p, g in zip(params, grads, strict=True):
            p.grad = g
        if several:
            return value, [list(predictions[i:i + width]) for i in range(0, len(flat), width)]
        return value, list(predictions)

    return step
