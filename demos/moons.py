"""Two moons: a 2-16-16-1 classifier trained on the scalar engine, with pictures.

Run ``python demos/moons.py``. The data are made here with numpy (no download); the
network (tanh, tanh, linear: its output is the logit z, and P(lower moon) = σ(z)) is
trained with binary cross-entropy on the logits (``from_logits=True``: stable even when
the network grows confident) by mini-batch SGD with momentum, every gradient coming
from the engine's backward(). It prints the accuracy and
writes out/moons_boundary.svg (the decision boundary) and out/moons_loss.svg (the loss
curve), both written as SVG text directly.

Settings from the environment (for quick runs): MOONS_SAMPLES (default 100), MOONS_EPOCHS
(60), MOONS_GRID (cells per side of the boundary picture, 40), DEMO_OUT (default out/).
"""

# %% Data: two interleaving half circles with a little noise.
import os
from functools import partial
from pathlib import Path

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

# %% Pictures, written as SVG text (no plotting library needed).
SIZE, PAD = 420, 40
COLORS = ("#1f77b4", "#d62728")  # upper moon, lower moon


def blend(p: float) -> str:
    """A pale colour between the two classes' colours, by probability p."""
    a = np.array([int(COLORS[0][i:i + 2], 16) for i in (1, 3, 5)])
    b = np.array([int(COLORS[1][i:i + 2], 16) for i in (1, 3, 5)])
    rgb = 255 - 0.35 * (255 - ((1 - p) * a + p * b))
    return "#" + "".join(f"{round(float(c)):02x}" for c in rgb)


def svg(width: int, height: int, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">\n'
            + "\n".join(body) + "\n</svg>\n")


def boundary_svg(grid: int) -> str:
    lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    xs, ys = np.linspace(lo[0], hi[0], grid), np.linspace(lo[1], hi[1], grid)
    probabilities = predict(np.array([[gx, gy] for gy in ys for gx in xs])).reshape(grid, grid)

    def to_px(point: np.ndarray) -> tuple[float, float]:
        u = (point - lo) / (hi - lo)
        return PAD + u[0] * SIZE, PAD + (1 - u[1]) * SIZE

    cell = SIZE / (grid - 1)
    body = [f'<rect width="{SIZE + 2 * PAD}" height="{SIZE + 2 * PAD}" fill="white"/>']
    for r, gy in enumerate(ys):
        for c, gx in enumerate(xs):
            px, py = to_px(np.array([gx, gy]))
            body.append(f'<rect x="{px - cell / 2:.1f}" y="{py - cell / 2:.1f}" '
                        f'width="{cell + 0.5:.1f}" height="{cell + 0.5:.1f}" '
                        f'fill="{blend(probabilities[r, c])}"/>')
    for point, label in zip(X, Y, strict=True):
        px, py = to_px(point)
        body.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{COLORS[int(label)]}" '
                    f'stroke="white" stroke-width="1"/>')
    body.append(f'<text x="{PAD}" y="{PAD - 14}">decision boundary: P(lower moon) shaded, '
                f'accuracy {accuracy:.1%}</text>')
    return svg(SIZE + 2 * PAD, SIZE + 2 * PAD, body)


def loss_svg(losses: list[float]) -> str:
    width, height = SIZE + 2 * PAD, SIZE // 2 + 2 * PAD
    top = max(losses) if losses else 1.0
    n = max(len(losses) - 1, 1)
    points = " ".join(f"{PAD + i / n * SIZE:.1f},{PAD + (1 - v / top) * (SIZE // 2):.1f}"
                      for i, v in enumerate(losses))
    bottom = PAD + SIZE // 2
    body = [f'<rect width="{width}" height="{height}" fill="white"/>',
            f'<line x1="{PAD}" y1="{bottom}" x2="{PAD + SIZE}" y2="{bottom}" stroke="black"/>',
            f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{bottom}" stroke="black"/>',
            f'<polyline points="{points}" fill="none" stroke="{COLORS[0]}" stroke-width="2"/>',
            f'<text x="{PAD}" y="{PAD - 14}">mean batch loss (binary cross-entropy) per epoch'
            f'</text>',
            f'<text x="{PAD - 6}" y="{PAD + 4}" text-anchor="end">{top:.2f}</text>',
            f'<text x="{PAD - 6}" y="{bottom + 4}" text-anchor="end">0</text>',
            f'<text x="{PAD}" y="{bottom + 18}">epoch 1</text>',
            f'<text x="{PAD + SIZE}" y="{bottom + 18}" text-anchor="end">'
            f'epoch {len(losses)}</text>']
    return svg(width, height, body)


OUT.mkdir(parents=True, exist_ok=True)
(OUT / "moons_boundary.svg").write_text(boundary_svg(GRID), encoding="utf-8")
(OUT / "moons_loss.svg").write_text(loss_svg(history.losses), encoding="utf-8")
print(f"wrote {OUT / 'moons_boundary.svg'} and {OUT / 'moons_loss.svg'}")
