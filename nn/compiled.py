"""A compiled full-batch gradient step for `fit(..., compiled=True)` (autodiff.compile_graph).

The batch's loss is built once on the model's own parameters, with the samples and
targets as constants, and compiled to straight-line Python; each step then only puts
the parameters' numbers in and the gradients into ``.grad``. No derivative code here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autodiff import Value, compile_graph, enable_grad, no_grad

from .arguments import check_loss_value
from .mlp import MLP


def compiled_gradient_step(model: MLP, loss: Callable[[Any, Any], Any], X: Sequence[Any],
                           Y: Sequence[Any]) -> Callable[[Sequence[Any], Sequence[Any]],
                                                         tuple[float, list[Any]]]:
    """A gradient step (as ``fit`` uses it) for the full batch ``X, Y``, in this order.

    The graph is traced once with the samples and targets as constants, so the data are
    fixed: ``step(xs, ys)`` takes the same signature as the eager step, but refuses
    (ValueError) anything other than the traced ``X, Y``, rather than silently computing
    the traced batch's gradient for other data. Unlike the eager step it keeps no graph,
    so ``model.deltas()`` is not filled.
    """
    params = model.parameters()
    with no_grad(), enable_grad():  # a private tape: the trace leaves the caller's alone
        outputs = [model(x) for x in X]
        total = check_loss_value(loss(outputs, Y), loss)
        flat = [v for out in outputs for v in (out if isinstance(out, list) else [out])]
        gradient = compile_graph(total, params, aux=flat)
    model.zero_grad()  # the trace's forward calls are not a training step's
    width = len(flat) // len(outputs)
    several = isinstance(outputs[0], list)
    n = len(X)
    traced = {"xs": [_numbers(x) for x in X], "ys": [_numbers(y) for y in Y]}

    def step(xs: Sequence[Any], ys: Sequence[Any]) -> tuple[float, list[Any]]:
        if len(xs) != n or len(ys) != n:
            raise ValueError(f"this compiled step was traced for the full batch of {n} "
                             f"samples, got {len(xs)} samples and {len(ys)} targets")
        for name, given in (("xs", xs), ("ys", ys)):
            for i, (row, expected) in enumerate(zip(given, traced[name], strict=True)):
                if _numbers(row) != expected:
                    raise ValueError(f"{name}[{i}] differs from the traced batch: a compiled "
                                     f"step computes the gradient of the batch it was "
                                     f"traced with only (trace again for other data)")
        value, grads, predictions = gradient(*[p.data for p in params])
        for p, g in zip(params, grads, strict=True):
            p.grad = g
        if several:
            return value, [list(predictions[i:i + width]) for i in range(0, len(flat), width)]
        return value, list(predictions)

    return step


def _numbers(sample: Any) -> tuple[float, ...]:
    """A sample or target as a flat tuple of floats (Values by their data), to compare."""
    if isinstance(sample, Value):
        return (sample.data,)
    if isinstance(sample, np.ndarray):
        return tuple(float(v) for v in sample.ravel())
    if isinstance(sample, Sequence) and not isinstance(sample, (str, bytes)):
        return tuple(v for item in sample for v in _numbers(item))
    return (float(sample),)
