"""Two moons: a 2-16-16-1 classifier trained on the scalar engine, with pictures.

Run ``python demos/moons.py``. The data are made here with numpy (no download); the
network (tanh, tanh, linear: its output is the logit z, and P(lower moon) = σ(z)) is
trained with binary cross-entropy on the logits (``from_logits=True``: stable even when
the network grows confident) by mini-batch SGD with momentum, every gradient coming
from the engine's backward(). It prints the accuracy and
writes out/moons_boundary.svg (the decision boundary) and out/moons_loss.svg (the loss
curve), both drawn with matplotlib (the ``plots`` extra, which ``make`` installs).

Settings from the environment (for quick runs): MOONS_SAMPLES (default 100), MOONS_EPOCHS
(60), MOONS_GRID (cells per side of the boundary picture, 40), DEMO_OUT (default out/).
"""

# %% Data: two interleaving half circles with a little noise.
import io
import os
import sys
from functools import partial
from pathlib import Path

import matplotlib

if "ipykernel" not in sys.modules:
    matplotlib.use("Agg")  # a script writes files; a notebook shows the figures inline
import matplotlib.pyplot as plt
import numpy as np

import autodiff as ad
import nn

SAMPLES = int(os.environ.get("MOONS_SAMPLES", "100"))
EPOCHS = int(os.environ.get("MOONS_EPOCHS", "60"))
GRID = int(os.environ.get("MOONS_GRID", "40"))
OUT = Path(os.environ.get("DEMO_OUT", "out"))


def make_moons(n: int, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points in 2-D and their labels (0: upper moon, 1: lower moon)."""
    rng = np.random.default_rng(seed)
    upper = n // 2
    t = rng.uniform(0.0, np.pi, n)
    x = np.where(np.arange(n) < upper, np.cos(t), 1.0 - np.cos(t))
    y = np.where(np.arange(n) < upper, np.sin(t), 0.5 - np.sin(t))
    points = np.column_stack([x, y]) + rng.normal(0.0, noise, (n, 2))
    labels = (np.arange(n) >= upper).astype(float)
    return points, labels


X, Y = make_moons(SAMPLES)

# %% The model and the training run.
model = nn.MLP(2, [16, 16, 1], activation=["tanh", "tanh", "linear"], seed=0)
print(model)
history = nn.fit(model, X, Y, EPOCHS, lr=0.05, momentum=0.9, batch_size=10, seed=0,
                 loss=partial(nn.binary_cross_entropy, from_logits=True))


def predict(points: np.ndarray) -> np.ndarray:
    """P(lower moon) for each point (no graph is recorded)."""
    with ad.no_grad():
        return np.array([model(p).sigmoid().data for p in points])


accuracy = float(np.mean((predict(X) > 0.5) == (Y == 1.0)))
print(f"trained {history.epochs} epochs in {history.seconds:.1f} s: "
      f"final loss {history.losses[-1]:.4f}, accuracy {accuracy:.1%} on {SAMPLES} points")

# %% Pictures, drawn with matplotlib and written as SVG.
plt.rcParams["svg.fonttype"] = "none"  # text stays text in the SVG
plt.rcParams["svg.hashsalt"] = "moons"  # the same ids on every run
COLORS = ("#1f77b4", "#d62728")  # upper moon, lower moon


def boundary_figure(grid: int):
    """P(lower moon) shaded over the plane, the 0.5 contour, and the training points."""
    lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    xs, ys = np.linspace(lo[0], hi[0], grid), np.linspace(lo[1], hi[1], grid)
    probabilities = predict(np.array([[gx, gy] for gy in ys for gx in xs])).reshape(grid, grid)
    fig, ax = plt.subplots(figsize=(6.4, 5.0))
    shade = ax.contourf(xs, ys, probabilities, levels=np.linspace(0.0, 1.0, 11), cmap="RdBu_r",
                        alpha=0.35)
    shade.set_gid("probability")
    if probabilities.min() < 0.5 < probabilities.max():
        ax.contour(xs, ys, probabilities, levels=[0.5], colors="black",
                   linewidths=1).set_gid("boundary")
    ax.scatter(X[:, 0], X[:, 1], c=[COLORS[int(label)] for label in Y], s=22,
               edgecolors="white", linewidths=0.8, gid="points")
    ax.set(title=f"decision boundary (P(lower moon) shaded)\naccuracy {accuracy:.1%}",
           xlabel="x₁", ylabel="x₂", aspect="equal")
    fig.colorbar(shade, ax=ax, shrink=0.7, label="P(lower moon)")
    fig.tight_layout()
    return fig


def loss_figure(losses: list[float]):
    """The mean batch loss per epoch."""
    fig, ax = plt.subplots(figsize=(5.2, 3.0))
    ax.plot(range(1, len(losses) + 1), losses, color=COLORS[0], gid="loss")
    ax.set(title="mean batch loss (binary cross-entropy) per epoch", xlabel="epoch",
           ylabel="loss", ylim=(0, None))
    fig.tight_layout()
    return fig


def save_svg(figure, path: Path) -> None:
    """Write the figure as SVG."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    path.write_bytes(buffer.getvalue())


save_svg(boundary_figure(GRID), OUT / "moons_boundary.svg")
save_svg(loss_figure(history.losses), OUT / "moons_loss.svg")
print(f"wrote {OUT / 'moons_boundary.svg'} and {OUT / 'moons_loss.svg'}")
