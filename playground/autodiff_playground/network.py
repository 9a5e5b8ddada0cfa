"""The seed's 3-4-1 XOR network in the page: nn's own MLP, loss and SGD, no numpy.

The network starts at the seed's initial weights (the seed's reference numbers: the inputs
the seed's numpy code draws with ``np.random.seed(1)``), trains full-batch on E = Σ ½(a − y)²
with the seed's learning rate, and is stepped through with the project's own pages. δ(l)
is read off the engine's graph, ∂E/∂z of each unit for each sample; nothing is recomputed.
"""

from __future__ import annotations

import math
from typing import Any

from autodiff import explain

from .views import stepping_page

MAX_EPOCHS = 20_000


class SeedNetwork:
    """The model, its data and the losses of the epochs trained so far."""

    def __init__(self, reference: dict[str, Any]) -> None:
        self.reference = reference
        self.X = [[float(v) for v in row] for row in self.reference["X"]]
        self.Y = [float(v) for v in self.reference["y"]]
        self.learning_rate = float(self.reference["learning_rate"])
        self.reset()

    def reset(self) -> None:
        """Back to the seed's initial weights, with no epochs trained."""
        import nn

        self.model = nn.MLP.from_weights(self.reference["initial_theta"])
        self.optimizer = nn.SGD(self.model, self.learning_rate)
        self.losses: list[float] = []

    def loss(self) -> Any:
        """E on the whole batch, as a graph of Values (each sample forwarded in order)."""
        import nn

        outputs = [self.model(x) for x in self.X]
        return nn.half_squared_error(outputs, self.Y)

    def train(self, epochs: int) -> list[float]:
        """``epochs`` full-batch steps of SGD; returns each epoch's loss (before its step)."""
        if isinstance(epochs, bool) or not isinstance(epochs, int) \
                or not 1 <= epochs <= MAX_EPOCHS:
            raise ValueError(f"epochs must be a whole number from 1 to {MAX_EPOCHS:,}, "
                             f"got {epochs!r}")
        losses = []
        for _ in range(epochs):
            self.optimizer.zero_grad()
            loss = self.loss()
            loss.backward()
            self.optimizer.step()
            losses.append(loss.data)
        self.optimizer.zero_grad()
        self.losses += losses
        return losses

    def view(self, step_by: str = "layer") -> dict[str, Any]:
        """The current pass: E, each layer's z and δ per sample (the engine's numbers,
        ``repr`` as CPython prints them) and the step-through page grouped ``step_by``."""
        self.optimizer.zero_grad()
        loss = self.loss()
        explanation = explain(loss)
        loss.backward()
        layers = []
        for k, layer in enumerate(self.model.layers):
            neurons = layer.neurons
            samples = range(len(self.X))
            layers.append({
                "layer": k + 1,
                "z": [[repr(n.zs[t].data) for n in neurons] for t in samples],
                "delta": [[repr(n.zs[t].grad) for n in neurons] for t in samples],
            })
        view = {"epochs": len(self.losses), "loss": repr(loss.data), "layers": layers,
                "losses": _thinned(self.losses), "learning_rate": repr(self.learning_rate),
                "steps": stepping_page(explanation, step_by)}
        self.optimizer.zero_grad()
        return view


def _thinned(losses: list[float], points: int = 300) -> list[float]:
    """At most ``points`` of the losses, evenly spaced, the last one kept (for the curve)."""
    if len(losses) <= points:
        return list(losses)
    stride = math.ceil(len(losses) / points)
    return losses[::stride] + ([losses[-1]] if (len(losses) - 1) % stride else [])
