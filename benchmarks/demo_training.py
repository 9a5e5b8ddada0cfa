"""The bench row for micrograd's demo training (its demo notebook), run by micrograd and by nn.

The notebook: ``np.random.seed(1337); random.seed(1337)``, sklearn's
``make_moons(n_samples=100, noise=0.1)`` with labels ±1, micrograd's ``MLP(2, [16, 16, 1])``
(ReLU hidden layers, linear output), the SVM max-margin loss
``mean(relu(1 − y·score)) + 1e-4 · Σ p²`` on the full batch, and 100 SGD steps with the
learning rate ``1 − 0.9·k/100``.

Both trainings run in one fresh process (``run.py --group demo``), step by step,
alternating which goes first, so that a change in the machine's load hits both alike; the
ratio is taken step by step. The data are made by sklearn in a child process and passed as
plain floats (the process does not carry sklearn's objects, which would slow every full
garbage collection, and neither engine computes on numpy scalars). micrograd runs with
the collector as Python starts it; nn runs the same loop, written micrograd-style on an
``nn.MLP`` given micrograd's initial weights, each step inside ``autodiff.gc_paused()``. Both
loss traces are kept: they must agree to 1e-12 (relative).
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from timing import spread

ALPHA = 1e-4  # the notebook's L2 weight
TRACE_TOLERANCE = 1e-12
GOAL = 25.0  # micrograd's time per step ÷ ours
OURS, THEIRS = "autodiff eager", "micrograd 0.1.0"
DATA: tuple[list[list[float]], list[float]] = ([], [])  # set by group_demo (moons())
MOONS = ("import json, numpy as np; from sklearn.datasets import make_moons; "
         "np.random.seed(1337); X, y = make_moons(n_samples=100, noise=0.1); "
         "print(json.dumps([X.tolist(), (y * 2 - 1).astype(float).tolist()]))")


def moons() -> tuple[list[list[float]], list[float]]:
    """The notebook's data, made by sklearn in a child process (see the module's notes)."""
    result = subprocess.run([sys.executable, "-c", MOONS], capture_output=True, text=True,
                            check=True)
    X, y = json.loads(result.stdout)
    return X, y


def micrograd_model() -> Any:
    """micrograd's MLP(2, [16, 16, 1]) as the notebook makes it (after random.seed(1337))."""
    from micrograd.nn import MLP
    random.seed(1337)
    return MLP(2, [16, 16, 1])


def micrograd_weights() -> list[list[tuple[list[float], float]]]:
    """Layers of neurons ``(weights, bias)``: micrograd's initial parameters as floats."""
    return [[([w.data for w in n.w], float(n.b.data)) for n in layer.neurons]
            for layer in micrograd_model().layers]


def micrograd_trainer() -> Callable[[int], tuple[float, float]]:
    """Step k of the notebook's loop on micrograd 0.1.0, exactly as written there."""
    from micrograd.engine import Value
    X, y = DATA
    model = micrograd_model()

    def step(k: int) -> tuple[float, float]:
        inputs = [list(map(Value, row)) for row in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * score).relu() for yi, score in zip(y, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in model.parameters())
        total = data_loss + reg_loss
        accuracy = [(yi > 0) == (s.data > 0) for yi, s in zip(y, scores, strict=True)]
        model.zero_grad()
        total.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        return total.data, sum(accuracy) / len(accuracy)

    return step


def nn_trainer() -> Callable[[int], tuple[float, float]]:
    """The same loop on an nn.MLP given micrograd's initial weights, in ``autodiff.gc_paused()``.

    The step ends by dropping its graph (``zero_grad``), so that no graph of ours is
    alive while micrograd's step runs (its collections would walk it)."""
    import autodiff
    import nn
    X, y = DATA
    model = nn.MLP(2, [16, 16, 1], activation=["relu", "relu", "linear"])
    for layer, neurons in zip(model.layers, micrograd_weights(), strict=True):
        for neuron, (weights, bias) in zip(layer.neurons, neurons, strict=True):
            for w, value in zip(neuron.w, weights, strict=True):
                w.data = value
            neuron.b.data = bias
    params = model.parameters()
    optimizer = nn.SGD(model, lr=1.0)

    def step(k: int) -> tuple[float, float]:
        with autodiff.gc_paused():
            scores = [model(row) for row in X]
            losses = [(1 + -yi * score).relu() for yi, score in zip(y, scores, strict=True)]
            data_loss = sum(losses) * (1.0 / len(losses))
            reg_loss = ALPHA * sum(p * p for p in params)
            total = data_loss + reg_loss
            accuracy = [(yi > 0) == (s.data > 0) for yi, s in zip(y, scores, strict=True)]
            total.backward()
            optimizer.lr = 1.0 - 0.9 * k / 100
            optimizer.step()
            optimizer.zero_grad()
            return total.data, sum(accuracy) / len(accuracy)

    return step


def group_demo(size: dict[str, Any]) -> dict[str, Any]:
    """Both trainings in one process, step by step, alternating which goes first."""
    global DATA
    DATA = moons()
    trainers = {THEIRS: micrograd_trainer(), OURS: nn_trainer()}
    runs = {name: {"losses": [], "accuracies": [], "seconds": []} for name in trainers}
    names = list(trainers)
    for k in range(size["demo_steps"]):
        for name in names[k % 2:] + names[:k % 2]:
            start = time.perf_counter()
            loss, accuracy = trainers[name](k)
            runs[name]["seconds"].append(time.perf_counter() - start)
            runs[name]["losses"].append(loss)
            runs[name]["accuracies"].append(accuracy)
    return {"demo_run": runs}


def measure(run_group: Callable[[str, bool], dict[str, Any]], quick: bool,
            workloads: dict[str, Any], notes: list[str]) -> None:
    """Run the demo group in a fresh process; add its row and notes."""
    runs = run_group("demo", quick).get("demo_run")
    if runs is None:
        notes.append("micrograd demo training: the demo group failed; the row is skipped")
        return
    ours, theirs = runs[OURS], runs[THEIRS]
    steps = len(ours["seconds"])
    ratios = [t / o for t, o in zip(theirs["seconds"], ours["seconds"], strict=True)]
    ratio = sum(theirs["seconds"]) / sum(ours["seconds"])
    worst = max(abs(a - b) / abs(b) for a, b in zip(ours["losses"], theirs["losses"],
                                                    strict=True))
    workloads["demo_training"] = {
        OURS: {"value": spread([t * 1e3 for t in ours["seconds"]]),
               "note": "nn.MLP, each step in autodiff.gc_paused()",
               "max_relative_difference_to_micrograd": worst},
        THEIRS: {"value": spread([t * 1e3 for t in theirs["seconds"]]),
                 "note": "collector as Python starts it", "ratio": {
                     **spread(ratios), "paired": True, "to": OURS}}}
    verdict = "equal" if worst <= TRACE_TOLERANCE else "NOT equal"
    same_accuracy = ours["accuracies"] == theirs["accuracies"]
    notes.append(
        f"micrograd demo training, {steps} steps, alternating step by step in one process: "
        f"micrograd's total time ÷ ours **{ratio:.1f}×** (per-step ratio median "
        f"{statistics.median(ratios):.1f}×, range {min(ratios):.1f}–{max(ratios):.1f}); "
        f"goal ≥ {GOAL:g}×. Loss traces {verdict} to 1e-12 (largest relative difference "
        f"{worst:.1e}); accuracies {'equal at every step' if same_accuracy else 'DIFFER'}.")
