"""The seed reproduced: its 3-4-1 sigmoid network learns XOR on the engine, number for number.

Run ``make demo`` (or ``python demos/xor.py``). It trains the seed's network exactly as the
seed's numpy code does (np.random.seed(1) initial weights, no biases, 60000 epochs of
full-batch gradient descent with learning rate 1 on E = Σ ½(a − y)²), but every gradient
comes from the scalar engine's backward(). It prints what the seed prints, at full
precision, and checks it against reference/seed_xor.json; then it shows the first step's δ
from the engine beside the closed-form recursion's, draws one sample's gradient graph and
writes its step-through page (open the ``index.html`` it names).

Settings from the environment (for quick runs): XOR_EPOCHS (default 60000), XOR_REPORT_EVERY
(10000), DEMO_OUT (the output folder, default out/).
"""

# %% The seed's data and initial weights, built exactly as the seed builds them.
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

import autodiff as ad
import nn

EPOCHS = int(os.environ.get("XOR_EPOCHS", "60000"))
REPORT_EVERY = int(os.environ.get("XOR_REPORT_EVERY", "10000"))
OUT = Path(os.environ.get("DEMO_OUT", "out"))
ROOT = Path(__file__).resolve().parent.parent if "__file__" in globals() else Path.cwd()
REFERENCE = json.loads((ROOT / "reference" / "seed_xor.json").read_text(encoding="utf-8"))

X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
y = np.array([[0, 1, 1, 0]], dtype=float).T
np.random.seed(1)
theta0 = 2 * np.random.random((3, 4)) - 1
theta1 = 2 * np.random.random((4, 1)) - 1

# The network: two layers of sigmoid neurons without biases, holding the seed's Θ(0), Θ(1).
model = nn.MLP.from_weights([theta0, theta1], biases=None, activation="sigmoid")
print(f"The seed's network on the engine: {model}")
print(f"{EPOCHS} epochs of full-batch gradient descent, learning rate 1, E = Σ ½(a − y)²")
print("Two numbers, as in the seed: the progress bar shows the loss being minimised, "
      "E = Σ½(a−y)² over the 4 samples; each `Error:` line is the seed's own printout, the "
      "mean |a − y| over the 4 samples (a different number, on purpose).")

# %% Train. Each epoch: forward the 4 samples through the scalar graph, backward(), Θ -= ∂E/∂Θ.
# Like the seed, print the mean absolute error of the forward pass every REPORT_EVERY epochs.
errors: dict[int, float] = {}
first_step_deltas: list[np.ndarray] = []
last_outputs = np.zeros(len(X))


def report(epoch: int, loss: float, outputs: np.ndarray) -> None:
    global last_outputs
    last_outputs = outputs
    if epoch == 0:  # the engine's δ of the first step, read off the graph's z nodes
        first_step_deltas.extend(model.deltas())
    if epoch % REPORT_EVERY == 0:
        errors[epoch] = float(np.mean(np.abs(y.ravel() - outputs)))
        tqdm.write("Error:" + repr(errors[epoch]))


started = time.perf_counter()
history = nn.fit(model, X, y, EPOCHS, lr=1.0, loss=nn.half_squared_error, on_epoch=report)
seconds = time.perf_counter() - started
print("output after training:")
print(np.array2string(last_outputs.reshape(-1, 1), floatmode="unique"))
print(f"({history.epochs} epochs in {seconds:.1f} s)")

# %% Check every printed figure against the seed's own numbers (reference/seed_xor.json).
TOLERANCE = 1e-9  # relative


def worst(actual, expected) -> float:
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    return float(np.max(np.abs(actual - expected) / np.abs(expected)))


trace = {row["epoch"]: row["mean_abs_error"] for row in REFERENCE["error_trace"]}
checks = {"error trace": worst([errors[e] for e in errors if e in trace],
                               [trace[e] for e in errors if e in trace]) if
          set(errors) & set(trace) else None}
if history.epochs == REFERENCE["epochs"]:
    checks["outputs"] = worst(last_outputs, REFERENCE["output_after_training"])
    final = model.weights()
    checks["final weights"] = max(worst(final[k], REFERENCE["final_theta"][k]) for k in (0, 1))
for what, diff in checks.items():
    if diff is None:
        print(f"{what}: no epoch in common with the reference")
    else:
        verdict = "matches" if diff <= TOLERANCE else "DIFFERS FROM"
        print(f"{what}: {verdict} the seed (max relative difference {diff:.1e}, "
              f"tolerance {TOLERANCE:g})")
reproduced = all(diff is not None and diff <= TOLERANCE for diff in checks.values())

# %% The first step's δ: the engine's (∂E/∂z of each z node, after backward) beside the
# seed's recursion δ(L) = (a − y) ⊙ a(1 − a), δ(l) = δ(l+1) Θ(l)ᵀ ⊙ a(l)(1 − a(l)).
closed = nn.delta_backprop([theta0, theta1], X, y)
print("\nδ of the first step, per sample (row) and unit (column):")
for k, (engine, formula) in enumerate(zip(first_step_deltas, closed.deltas, strict=True)):
    rows = [(" ".join(f"{v:+.6e}" for v in engine[t]), " ".join(f"{v:+.6e}" for v in formula[t]))
            for t in range(engine.shape[0])]
    width = max(len(left) for left, _ in rows)
    print(f"δ({k + 1})  {f'engine: z{k + 1}[j].grad':<{width}} | closed form: delta_backprop")
    for left, right in rows:
        print(f"      {left:<{width}} | {right}")
    print(f"      max |engine − closed form| = {np.max(np.abs(engine - formula)):.1e}")

# %% The gradient graph of one sample's loss (sample 0 at the initial weights).
sample = nn.MLP.from_weights([theta0, theta1])
loss = nn.half_squared_error(sample(X[0]), y[0])
loss.label = "E"
loss.backward()
drawing = ad.draw(loss, group="layer")
OUT.mkdir(parents=True, exist_ok=True)
if shutil.which("dot"):
    path = OUT / "xor_sample0_graph.svg"
    path.write_text(drawing.svg(), encoding="utf-8")
    page = ad.save_frames(ad.explain(loss), OUT / "xor_frames", group="neuron", precision=3)
    print(f"\nwrote {path}: the gradient graph of sample 0's loss (value and grad per node)")
    print(f"\nStep through that backward pass, edge by edge (← →, zoom with + −): open {page}")
    print("(the same pass one δ(l) at a time: save_frames(explain(loss), folder, "
          "step_by='layer'); the seed's derivation: demos/seed_derivation.ipynb)")
else:
    path = OUT / "xor_sample0_graph.dot"
    path.write_text(drawing.source, encoding="utf-8")
    print(f"\nwrote {path}; Graphviz's dot was not found: install it, then "
          f"`dot -Tsvg {path} -o {path.with_suffix('.svg')}`")

if __name__ == "__main__" and history.epochs == REFERENCE["epochs"] and not reproduced:
    raise SystemExit("the run did not reproduce the seed's figures")
