"""The seed's δ recursion in closed form (numpy): an independent check on the engine.

This is the one place in ``nn`` with derivative formulas, on purpose: it is the seed
article's matrix recursion written out, so that the engine's gradients (which come only
from the op table, through ``backward()``) can be compared with it number for number.
Nothing in nn uses it for training.

For E = Σ ½(a(L) − y)² over samples and outputs, with rows as samples:

- forward: ``z(l+1) = a(l) Θ(l) (+ b(l+1))``, ``a(l+1) = f(z(l+1))``;
- output layer: ``δ(L) = (a(L) − y) ⊙ f'(z(L))``;
- any layer: ``∂E/∂a(l) = δ(l+1) Θ(l)ᵀ`` and ``δ(l) = ∂E/∂a(l) ⊙ f'(z(l))``;
- gradients: ``∂E/∂Θ(l) = a(l)ᵀ δ(l+1)`` (summed over samples), ``∂E/∂b(l+1) = Σ δ(l+1)``.

With the sigmoid, ``f'(z) = a(1 − a)``, which is the seed's ``nonlin(a, deriv=True)``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np


def seed_reference() -> dict[str, Any]:
    """The numbers the seed's own numpy code prints, shipped with ``nn`` (a fresh copy each call).

    Keys: ``X``, ``y``, ``seed``, ``learning_rate``, ``epochs``, ``initial_theta`` (Θ(0), Θ(1)
    from ``np.random.seed(1)``), ``first_step`` (a(l), δ(l), ∂E/∂Θ(l) of the first epoch),
    ``error_trace`` (the seed's ``Error:`` lines), ``output_after_training``, ``final_theta``;
    ``about`` says how they were made.

    Examples:
        >>> reference = nn.seed_reference()
        >>> model = nn.MLP.from_weights(reference["initial_theta"])
        >>> len(reference["error_trace"])
        6
    """
    text = resources.files(__package__).joinpath("seed_xor.json").read_text(encoding="utf-8")
    return json.loads(text)


def _forward(z: np.ndarray, activation: str) -> np.ndarray:
    import numpy as np

    if activation == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if activation == "tanh":
        return np.tanh(z)
    if activation == "relu":
        return np.where(z > 0, z, 0.0)
    if activation == "linear":
        return z
    raise ValueError(f"unknown activation {activation!r}")


def _slope(z: np.ndarray, a: np.ndarray, activation: str) -> np.ndarray:
    """f'(z), written the seed's way in terms of the activation a where it can be."""
    import numpy as np

    if activation == "sigmoid":
        return a * (1.0 - a)
    if activation == "tanh":
        return 1.0 - a * a
    if activation == "relu":
        return np.where(z > 0, 1.0, 0.0)
    return np.ones_like(z)


@dataclass(frozen=True)
class DeltaBackprop:
    """Everything the recursion computes for one batch (rows are samples).

    ``activations[l]`` is a(l), ``batch × M(l)`` for l = 0 … L; ``pre_activations[l]``
    is z(l+1); ``deltas[l]`` is δ(l+1), ``batch × M(l+1)`` (``deltas[-1]`` is the output
    layer's); ``weight_grads[l]`` is ∂E/∂Θ(l), shaped like ``weights[l]``;
    ``bias_grads[l]`` is ∂E/∂b(l+1) (None without biases); ``loss`` is E.
    """

    activations: list[np.ndarray]
    pre_activations: list[np.ndarray]
    deltas: list[np.ndarray]
    weight_grads: list[np.ndarray]
    bias_grads: list[np.ndarray] | None
    loss: float
    #: ``error_grads[l]`` is ∂E/∂a(l+1) (δ(l+2) Θ(l+1)ᵀ, or a(L) − y for the output layer)
    error_grads: list[np.ndarray] = field(default_factory=list)
    #: ``slopes[l]`` is f'(z(l+1)), so that ``deltas[l] = error_grads[l] * slopes[l]``
    slopes: list[np.ndarray] = field(default_factory=list)

    def __repr__(self) -> str:
        """The shape of the pass and E; the arrays are the attributes."""
        sizes = "-".join(str(a.shape[1]) for a in self.activations)
        return (f"DeltaBackprop(layers {sizes}, batch of {self.activations[0].shape[0]}, "
                f"E = {self.loss:.6g})")


def delta_backprop(weights: Sequence[Any], X: Any, Y: Any, biases: Sequence[Any] | None = None,
                   activation: str | Sequence[str] = "sigmoid") -> DeltaBackprop:
    """Run the seed's forward pass and δ recursion on a batch, for any depth.

    ``weights[l]`` is Θ(l), ``M(l) × M(l+1)`` (``weights[l][i][j]``: unit i of layer l to
    unit j of layer l+1); ``X`` is ``batch × M(0)``; ``Y`` is ``batch × M(L)`` (or a flat
    list of ``batch`` targets when M(L) = 1); ``activation`` is one name or one per layer.
    """
    import numpy as np

    thetas = [np.asarray(w, dtype=float) for w in weights]
    if not thetas or any(t.ndim != 2 for t in thetas):
        raise ValueError("weights must be a non-empty list of M(l) × M(l+1) matrices")
    for k in range(1, len(thetas)):
        if thetas[k].shape[0] != thetas[k - 1].shape[1]:
            raise ValueError(f"weights[{k}] has {thetas[k].shape[0]} rows but weights[{k - 1}]"
                             f" has {thetas[k - 1].shape[1]} columns")
    layers = len(thetas)
    bs = None if biases is None else [np.asarray(b, dtype=float) for b in biases]
    if bs is not None and [b.shape for b in bs] != [(t.shape[1],) for t in thetas]:
        raise ValueError(f"biases must have shapes {[(t.shape[1],) for t in thetas]}, "
                         f"got {[b.shape for b in bs]}")
    acts = [activation] * layers if isinstance(activation, str) else list(activation)
    if len(acts) != layers:
        raise ValueError(f"{len(acts)} activations given for {layers} layers")
    a = np.asarray(X, dtype=float)
    if a.ndim != 2 or a.shape[1] != thetas[0].shape[0]:
        raise ValueError(f"X must be batch × {thetas[0].shape[0]}, got shape {a.shape}")
    y = np.asarray(Y, dtype=float)
    if y.size != a.shape[0] * thetas[-1].shape[1]:
        raise ValueError(f"Y must be {a.shape[0]} × {thetas[-1].shape[1]} (batch × M(L)), "
                         f"got shape {y.shape}")
    y = y.reshape(a.shape[0], thetas[-1].shape[1])

    activations, zs = [a], []
    for k, theta in enumerate(thetas):
        z = activations[-1] @ theta
        if bs is not None:
            z = z + bs[k]
        zs.append(z)
        activations.append(_forward(z, acts[k]))

    error = activations[-1] - y  # ∂E/∂a(L) for E = Σ ½(a(L) − y)²
    deltas: list[np.ndarray] = [np.empty(0)] * layers
    errors, slopes = list(deltas), list(deltas)
    for k in range(layers - 1, -1, -1):
        errors[k], slopes[k] = error, _slope(zs[k], activations[k + 1], acts[k])
        deltas[k] = error * slopes[k]
        error = deltas[k] @ thetas[k].T  # ∂E/∂a(k) = δ(k+1) Θ(k)ᵀ
    weight_grads = [activations[k].T @ deltas[k] for k in range(layers)]
    bias_grads = None if bs is None else [d.sum(axis=0) for d in deltas]
    loss = float(0.5 * np.sum((activations[-1] - y) ** 2))
    return DeltaBackprop(activations, zs, deltas, weight_grads, bias_grads, loss, errors, slopes)
