"""Why does δ propagate backwards? Forward mode, reverse mode and finite differences, measured.

Run ``python demos/why_backwards.py`` (``--quick``: small widths, one timing run). On the
seed's 3-4-1 sigmoid network (its initial weights, reference/seed_xor.json) and one
sample, all 16 ∂E/∂θ are computed three ways and each way's work is counted: central
finite differences (2 × 16 forward passes), forward mode (16 forward sweeps, one per
weight) and reverse mode (1 sweep). Both sweeps read every local derivative off the same
op table, and ``autodiff.count_rules`` counts the ones they evaluate. Then the hidden
layer is widened (4, 16, 64, 256 units) and the cost is plotted against the number of
parameters (out/why_backwards_cost.svg); the opposite shape (one input, many outputs)
shows forward mode winning. The last cell ties the seed's δ(l) to the reverse sweep.

Settings: ``--quick`` (or WHY_BACKWARDS_QUICK=1), DEMO_OUT (output folder, default out/).
"""

# %% The seed's network as a function of its weights, and one sample.
import io
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import matplotlib

if "ipykernel" not in sys.modules:
    matplotlib.use("Agg")  # a script writes files; a notebook shows the figure inline
import matplotlib.pyplot as plt
import numpy as np

import autodiff as ad
import nn
from autodiff import Value

QUICK = "--quick" in sys.argv[1:] or os.environ.get("WHY_BACKWARDS_QUICK") == "1"
OUT = Path(os.environ.get("DEMO_OUT", "out"))
ROOT = Path(__file__).resolve().parent.parent if "__file__" in globals() else Path.cwd()
REFERENCE = json.loads((ROOT / "reference" / "seed_xor.json").read_text(encoding="utf-8"))
SAMPLE = 3  # x = (1, 1, 1), y = 0: every weight's derivative is non-zero
X, TARGET = REFERENCE["X"][SAMPLE], REFERENCE["y"][SAMPLE]
THETA0, THETA1 = (np.array(t) for t in REFERENCE["initial_theta"])
REPEATS = 1 if QUICK else 3


def network_error(thetas: list[Value], x: list[float], target: float, hidden: int):
    """E = ½(a(2) − y)² of a 3-hidden-1 sigmoid net, no biases; thetas = Θ(0) row by row,
    then Θ(1). Returns E and the pre-activations z(1), z(2) (labelled as the seed does)."""
    n = len(x)
    z1 = []
    for j in range(hidden):
        z = x[0] * thetas[j]
        for i in range(1, n):
            z = z + x[i] * thetas[i * hidden + j]
        z.label = f"z1[{j}]"
        z1.append(z)
    a1 = [z.sigmoid() for z in z1]
    z2 = a1[0] * thetas[n * hidden]
    for j in range(1, hidden):
        z2 = z2 + a1[j] * thetas[n * hidden + j]
    z2.label = "z2[0]"
    error = (z2.sigmoid() - target) ** 2 * 0.5
    error.label = "E"
    return error, z1, z2


def weights(theta0: np.ndarray, theta1: np.ndarray) -> list[Value]:
    """The leaves θ0[i,j] (row by row) then θ1[j,0], labelled in the seed's notation."""
    return ([Value(float(theta0[i, j]), f"θ0[{i},{j}]") for i in range(theta0.shape[0])
             for j in range(theta0.shape[1])] +
            [Value(float(theta1[j, 0]), f"θ1[{j},0]") for j in range(theta1.shape[0])])


def op_nodes(output: Value) -> int:
    """The op nodes of output's graph: one forward pass evaluates each op once."""
    return sum(1 for node in ad.creation_order(output) if node._op is not None)


@dataclass
class Cost:
    """The work one way of getting every ∂E/∂θ did, counted (and timed separately)."""

    method: str
    passes: int  # forward passes (graphs built)
    sweeps: int  # derivative sweeps over the recorded graph
    forward_ops: int  # op evaluations in the forward passes
    local_derivatives: int  # rule evaluations read off the op table (counted)
    multiply_adds: int  # chain-rule accumulations (one per local derivative)
    seconds: float = 0.0

    @property
    def operations(self) -> int:
        return self.forward_ops + self.local_derivatives + self.multiply_adds


def finite_differences(theta0, theta1, h=1e-6):
    """Central differences: two forward passes per weight, no derivative rules at all."""
    hidden, base = theta0.shape[1], weights(theta0, theta1)
    one_pass = op_nodes(network_error(base, X, TARGET, hidden)[0])  # ops of one pass
    grads = []
    with ad.no_grad():  # the passes record no graph (their ops are the same ones)
        for k in range(len(base)):
            values = []
            for step in (h, -h):
                leaves = [Value(v.data + (step if i == k else 0.0)) for i, v in enumerate(base)]
                values.append(network_error(leaves, X, TARGET, hidden)[0].data)
            grads.append((values[0] - values[1]) / (2 * h))
    return grads, Cost("finite differences", 2 * len(base), 0, 2 * len(base) * one_pass, 0, 0)


def forward_mode(theta0, theta1):
    """One recorded graph, then one forward sweep per weight (seeded with tangent 1)."""
    thetas = weights(theta0, theta1)
    error = network_error(thetas, X, TARGET, theta0.shape[1])[0]
    with ad.count_rules() as count:
        grads = [ad.forward_tangents(error, {theta: 1.0}) for theta in thetas]
    return grads, Cost("forward mode", 1, len(thetas), op_nodes(error), count.evaluations,
                       count.evaluations)


def reverse_mode(theta0, theta1):
    """One recorded graph, then one reverse sweep from E to every weight."""
    thetas = weights(theta0, theta1)
    error = network_error(thetas, X, TARGET, theta0.shape[1])[0]
    with ad.count_rules() as count:
        grads = list(ad.gradients(error, thetas))
    return grads, Cost("reverse mode", 1, 1, op_nodes(error), count.evaluations,
                       count.evaluations)


def measure(method, theta0, theta1):
    """Counted on one run; timed (best of REPEATS) on runs without the counting."""
    grads, cost = method(theta0, theta1)
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        if method is finite_differences:
            method(theta0, theta1)
        else:  # time the mode itself, without count_rules
            thetas = weights(theta0, theta1)
            error = network_error(thetas, X, TARGET, theta0.shape[1])[0]
            if method is forward_mode:
                [ad.forward_tangents(error, {t: 1.0}) for t in thetas]
            else:
                ad.gradients(error, thetas)
        best = min(best, time.perf_counter() - start)
    cost.seconds = best
    return grads, cost


# %% All 16 ∂E/∂θ of the seed's network, three ways: the cost of each, and agreement.
METHODS = (finite_differences, forward_mode, reverse_mode)
seed_results = {m.__name__: measure(m, THETA0, THETA1) for m in METHODS}
reverse = np.array(seed_results["reverse_mode"][0])
closed = nn.delta_backprop([THETA0, THETA1], [X], [[TARGET]]).weight_grads
closed_form = np.concatenate([closed[0].ravel(), closed[1].ravel()])
print(f"Seed network 3-4-1, sample x = {X}, y = {TARGET}: all 16 ∂E/∂θ three ways\n")
print(f"{'method':<19} {'passes':>6} {'sweeps':>6} {'forward ops':>11} {'local derivs':>12} "
      f"{'mult-adds':>9} {'time':>9}  max |Δ| vs reverse")
for grads, cost in seed_results.values():
    gap = np.max(np.abs(np.array(grads) - reverse))
    print(f"{cost.method:<19} {cost.passes:>6} {cost.sweeps:>6} {cost.forward_ops:>11} "
          f"{cost.local_derivatives:>12} {cost.multiply_adds:>9} "
          f"{cost.seconds * 1e3:>7.2f}ms  {gap:.1e}")
fd_gap = np.max(np.abs(np.array(seed_results["finite_differences"][0]) - reverse))
fwd_gap = np.max(np.abs(np.array(seed_results["forward_mode"][0]) - reverse))
closed_gap = np.max(np.abs(closed_form - reverse))
assert fd_gap < 1e-8 and fwd_gap < 1e-15 and closed_gap < 1e-15
print(f"\nagree: forward vs reverse {fwd_gap:.1e}, finite differences vs reverse {fd_gap:.1e},"
      f" the seed's closed-form δ recursion vs reverse {closed_gap:.1e}")

# %% Widen the hidden layer: cost against the number of parameters.
WIDTHS = (4, 16) if QUICK else (4, 16, 64, 256)
rng = np.random.default_rng(0)
widened = {}
for hidden in WIDTHS:
    t0, t1 = rng.uniform(-1, 1, (3, hidden)), rng.uniform(-1, 1, (hidden, 1))
    widened[hidden] = {m.__name__: measure(m, t0, t1)[1] for m in METHODS}
print("\nCost in forward passes: (forward ops + local derivatives + multiply-adds) ÷ the ops "
      "of one forward pass;\ntime in ms (a forward sweep also walks the whole creation order "
      "once, which the count leaves out):")
print(f"{'hidden':>6} {'params':>6} {'finite diff':>16} {'forward mode':>16} "
      f"{'reverse mode':>16}  reverse time ÷ one no_grad pass's")
for hidden, costs in widened.items():
    one_pass = costs["reverse_mode"].forward_ops
    pass_time = costs["finite_differences"].seconds / costs["finite_differences"].passes
    cells = [f"{c.operations / one_pass:8.1f} {c.seconds * 1e3:6.1f}ms" for c in costs.values()]
    print(f"{hidden:>6} {4 * hidden:>6} " + " ".join(f"{c:>16}" for c in cells) +
          f"  {costs['reverse_mode'].seconds / pass_time:8.1f}")

# %% The opposite shape: one input, many outputs. Forward mode needs one sweep, reverse m.
OUTPUTS = (4, 16) if QUICK else (4, 16, 64, 256)
TRUNK = 8 if QUICK else 16
trunk_in, trunk = rng.uniform(-1, 1, TRUNK), rng.uniform(-1, 1, (TRUNK, TRUNK))
heads = rng.uniform(-1, 1, (TRUNK, max(OUTPUTS)))


def dense(inputs: list[Value], matrix: np.ndarray, columns: int) -> list[Value]:
    """σ(Σᵢ inputᵢ · matrix[i, k]) for k < columns, the weights as constants."""
    outs = []
    for k in range(columns):
        z = inputs[0] * float(matrix[0, k])
        for i in range(1, len(inputs)):
            z = z + inputs[i] * float(matrix[i, k])
        outs.append(z.sigmoid())
    return outs


def fan_out(m: int):
    """s ↦ (y_1 … y_m): a 1-T-T-m sigmoid network of one input (T = TRUNK)."""
    def f(s: Value) -> tuple[Value, ...]:
        first = [(s * float(w)).sigmoid() for w in trunk_in]
        return tuple(dense(dense(first, trunk, TRUNK), heads, m))
    return f


fan = {}
for m in OUTPUTS:
    counts = {}
    for mode in ("forward", "reverse"):
        with ad.count_rules() as count:
            columns = ad.jacobian(fan_out(m), mode)(0.5)
        counts[mode] = (count.evaluations, columns)
    gap = max(abs(a[0] - b[0]) for a, b in zip(counts["forward"][1], counts["reverse"][1],
                                                 strict=True))
    assert gap < 1e-15
    fan[m] = counts["forward"][0], counts["reverse"][0]
print("\nOne input, m outputs (∂y_k/∂s for every k): local derivatives evaluated")
for m, (fwd, rev) in fan.items():
    print(f"  m = {m:>3}: forward mode (1 sweep) {fwd:>6}, reverse mode ({m} sweeps) {rev:>6}")

# %% The plot: cost against the number of parameters (and against outputs), as SVG.
plt.rcParams["svg.fonttype"] = "none"  # text stays text in the SVG
plt.rcParams["svg.hashsalt"] = "why_backwards"  # the same ids on every run
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2))
params = [4 * h for h in WIDTHS]
COLORS = {"finite_differences": "C7", "forward_mode": "C1", "reverse_mode": "C2"}
for name, style in (("finite_differences", "s:"), ("forward_mode", "o-"), ("reverse_mode", "^-")):
    ratio = [widened[h][name].operations / widened[h]["reverse_mode"].forward_ops
             for h in WIDTHS]
    left.plot(params, ratio, style, color=COLORS[name], label=widened[WIDTHS[0]][name].method,
              gid=name)
left.set(xscale="log", yscale="log",
         xlabel=f"parameters (3-H-1 network, H = {WIDTHS[0]} … {WIDTHS[-1]})",
         ylabel="operations ÷ those of one forward pass",
         title="∂E/∂θ for every θ: many inputs, one output")
left.legend()
right.plot(OUTPUTS, [fan[m][0] for m in OUTPUTS], "o-", color=COLORS["forward_mode"],
           label="forward mode (1 sweep)",
           gid="fan_forward")
right.plot(OUTPUTS, [fan[m][1] for m in OUTPUTS], "^-", color=COLORS["reverse_mode"],
           label="reverse mode (m sweeps)",
           gid="fan_reverse")
right.set(xscale="log", yscale="log", xlabel=f"outputs m (1-{TRUNK}-{TRUNK}-m network)",
          ylabel="local derivatives evaluated", title="∂y/∂s: one input, many outputs")
right.legend()
fig.tight_layout()


def save_svg(figure, path: Path) -> None:
    """Write the figure as SVG."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    path.write_bytes(buffer.getvalue())


save_svg(fig, OUT / "why_backwards_cost.svg")
print(f"\nwrote {OUT / 'why_backwards_cost.svg'}")

# %% Back to the seed: δ(l) is the reverse sweep's adjoint of z(l).
thetas = weights(THETA0, THETA1)
error, z1, z2 = network_error(thetas, X, TARGET, 4)
adjoints = ad.gradients(error, [*z1, z2])  # ∂E/∂z, left by the reverse sweep
deltas = nn.delta_backprop([THETA0, THETA1], [X], [[TARGET]]).deltas
print("\nδ(l) from the seed's closed form beside the reverse sweep's ∂E/∂z(l):")
for name, adjoint, delta in zip([z.label for z in [*z1, z2]], adjoints,
                                [*deltas[0][0], deltas[1][0][0]], strict=True):
    print(f"  {name}: δ = {delta: .15e}   ∂E/∂{name} = {adjoint: .15e}")
    assert abs(adjoint - delta) <= 1e-15 * max(1.0, abs(delta))
print("(equal up to the last bits: numpy adds the products in another order)")
print("The recursion δ(l) = (δ(l+1) Θ(l)ᵀ) ⊙ f'(z(l)) is the reverse sweep, one layer at a "
      "time:\nstarting from E it hands each z its adjoint, so one backward pass gives all "
      "16 ∂E/∂θ = a(l)ᵀ δ(l+1).\nForward mode would need a sweep per weight: that is why δ "
      "propagates backwards.")
