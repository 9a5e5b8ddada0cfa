"""Graduate to PyTorch: train on the scalar engine, export with one call, keep training on tensors.

Run ``python demos/graduate.py`` (``--quick``: small sizes, a smoke test). It needs
PyTorch (``pip install -e '.[torch]'``). Steps:

1. a 2-16-16-1 classifier learns two moons on the engine (``nn.fit``, 100 points);
2. ``model.to_torch()`` turns it into a ``torch.nn.Sequential`` of float64 ``Linear``
   layers: same outputs;
3. the first mini-batch of a 50× larger dataset goes through both, with the same loss:
   their gradients agree to rounding (printed side by side for a few weights);
4. PyTorch continues from there with mini-batch SGD, at tensor speed;
5. ``nn.MLP.from_torch`` brings the trained network back to the engine, to inspect it
   with the engine's tools (``explain``, ``draw``, ``deltas``).
"""

# %% Set-up: settings and data (two moons, made with numpy: no download).
import argparse
import sys
import time
from functools import partial

import numpy as np

import autodiff as ad
import nn

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="small sizes, a smoke test")
QUICK = parser.parse_args().quick
SMALL, LARGE = (40, 256) if QUICK else (100, 5000)
ENGINE_EPOCHS, TORCH_EPOCHS, BATCH = (3, 2, 32) if QUICK else (60, 20, 64)


def make_moons(n: int, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points in 2-D and their labels (0: upper moon, 1: lower moon)."""
    rng = np.random.default_rng(seed)
    lower = np.arange(n) >= n // 2
    t = rng.uniform(0.0, np.pi, n)
    points = np.column_stack([np.where(lower, 1.0 - np.cos(t), np.cos(t)),
                              np.where(lower, 0.5 - np.sin(t), np.sin(t))])
    return points + rng.normal(0.0, noise, (n, 2)), lower.astype(float)


X, Y = make_moons(SMALL)
X_large, Y_large = make_moons(LARGE, seed=1)
loss = partial(nn.binary_cross_entropy, from_logits=True)

# %% 1. Train on the engine.
model = nn.MLP(2, [16, 16, 1], activation=["tanh", "tanh", "linear"], seed=0)
history = nn.fit(model, X, Y, ENGINE_EPOCHS, lr=0.05, momentum=0.9, batch_size=10, seed=0,
                 loss=loss, progress=False)
with ad.no_grad():
    logits = np.array([model(x).data for x in X])
print(f"engine: {history.epochs} epochs on {SMALL} points in {history.seconds:.1f} s, "
      f"loss {history.losses[-1]:.4f}, accuracy {np.mean((logits > 0) == (Y == 1)):.1%}")

# %% 2. Export: one call.
try:
    net = model.to_torch()
except ImportError as missing:
    print(missing)
    sys.exit(0)
import torch  # noqa: E402 (importable: to_torch just imported it)

torch.set_num_threads(1)  # a network this small gains nothing from threads

print(net)
with torch.no_grad():
    torch_logits = net(torch.from_numpy(X))[:, 0].numpy()
print(f"outputs on the {SMALL} training points: largest difference "
      f"{np.max(np.abs(torch_logits - logits)):.1e}")

# %% 3. The same first step in both: the first mini-batch of the larger dataset.
generator = torch.Generator().manual_seed(0)
order = torch.randperm(LARGE, generator=generator)
first = order[:BATCH].numpy()
model.zero_grad()
engine_started = time.perf_counter()
engine_loss = loss([model(x) for x in X_large[first]], Y_large[first])
engine_loss.backward()
engine_seconds = time.perf_counter() - engine_started
engine_grads = [np.array([[n.w[i].grad for i in range(layer.nin)] for n in layer.neurons])
                for layer in model.layers]  # in torch's layout: M(l+1) × M(l)

net.zero_grad()
batch_x, batch_y = torch.from_numpy(X_large[first]), torch.from_numpy(Y_large[first])
torch_loss = torch.nn.functional.binary_cross_entropy_with_logits(net(batch_x)[:, 0], batch_y)
torch_loss.backward()
linears = [m for m in net if isinstance(m, torch.nn.Linear)]
torch_grads = [m.weight.grad.numpy() for m in linears]

print(f"first mini-batch ({BATCH} of {LARGE} points): loss {engine_loss.data:.15f} (engine), "
      f"{torch_loss.item():.15f} (PyTorch)")
print(f"{'weight':>9}  {'engine ∂E/∂θ':>22}  {'PyTorch weight.grad':>22}")
for j, i in ((0, 0), (0, 1), (5, 1)):
    label = model.layers[0].neurons[j].w[i].label
    print(f"{label:>9}  {engine_grads[0][j, i]:22.15e}  {torch_grads[0][j, i]:22.15e}")
worst = max(float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))
            for a, b in zip(engine_grads, torch_grads, strict=True))
bias_worst = max(float(np.max(np.abs(np.array([n.b.grad for n in layer.neurons])
                                     - m.bias.grad.numpy())))
                 for layer, m in zip(model.layers, linears, strict=True))
agree = worst < 1e-12 and bias_worst < 1e-12
print(f"first-step gradients {'agree' if agree else 'DIFFER'}: largest difference "
      f"{worst:.1e} (relative to each layer's largest), biases {bias_worst:.1e}")

# %% 4. Continue in PyTorch: mini-batch SGD with momentum on all the points.
optimizer = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
X_all, Y_all = torch.from_numpy(X_large), torch.from_numpy(Y_large)
started = time.perf_counter()
for epoch in range(TORCH_EPOCHS):
    if epoch:
        order = torch.randperm(LARGE, generator=generator)
    for start in range(0, LARGE, BATCH):
        batch = order[start:start + BATCH]
        optimizer.zero_grad()
        step_loss = torch.nn.functional.binary_cross_entropy_with_logits(
            net(X_all[batch])[:, 0], Y_all[batch])
        step_loss.backward()
        optimizer.step()
    with torch.no_grad():
        z = net(X_all)[:, 0]
        full = torch.nn.functional.binary_cross_entropy_with_logits(z, Y_all).item()
        accuracy = ((z > 0) == (Y_all == 1)).double().mean().item()
    print(f"PyTorch, epoch {epoch}: loss {full:.4f}, accuracy {accuracy:.1%} on {LARGE} points")
steps = TORCH_EPOCHS * -(-LARGE // BATCH)
per_step = (time.perf_counter() - started) / steps
print(f"PyTorch: {steps} steps in {per_step * steps:.2f} s, {per_step * 1e3:.2f} ms per "
      f"mini-batch of {BATCH}; the engine took {engine_seconds * 1e3:.0f} ms for one")

# %% 5. And back: the trained network on the engine again.
back = nn.MLP.from_torch(net)
with ad.no_grad(), torch.no_grad():
    mine = np.array([back(x).data for x in X_large[:5]])
    theirs = net(X_all[:5])[:, 0].numpy()
print(f"back on the engine: {back}; outputs on 5 points differ by at most "
      f"{np.max(np.abs(mine - theirs)):.1e}")
