"""The seed's chain-rule derivation, read off a real graph: ∂E/∂θ factor by factor.

Run it as a script (``python demos/chain_rule.py [--out DIR] [--update-docs]``) or cell by
cell. It builds the seed's 3-4-1 sigmoid network (weights from ``np.random.seed(1)``, as
the seed does), takes one XOR sample, and for one output-layer weight and one hidden-layer
weight prints each factor of the seed's equations twice: as the engine's graph holds it
(a node's gradient, or a local derivative that ``explain`` reads off the op table) and in
the seed's closed form. Then it writes the frames of the backward pass: open
``DIR/frames/index.html`` and step through it with ← and →. Without Graphviz's ``dot`` it
prints everything and writes the pictures' DOT text instead.
"""

# %% Set-up: the seed's network and one of its samples.
import argparse
import math
import shutil
import sys
from pathlib import Path

import numpy as np

import nn
from autodiff import Value, draw, explain, save_frames

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--out", type=Path, default=Path("out/chain_rule"),
                    help="folder for graph.svg and frames/ (default: out/chain_rule)")
parser.add_argument("--update-docs", action="store_true",
                    help="also write the README pictures docs/*.svg (make pictures)")
args, _ = parser.parse_known_args()

np.random.seed(1)  # the seed's own initialisation
theta0 = 2 * np.random.random((3, 4)) - 1
theta1 = 2 * np.random.random((4, 1)) - 1
X = [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]
Y = [0, 1, 1, 0]
sample = 1  # x = [0, 1, 1], y = 1
x, y = X[sample], Y[sample]

model = nn.MLP.from_weights([theta0, theta1])
a2 = model([float(v) for v in x])  # labels: a0[i], z1[j], a1[j], z2[0], a2[0], θk[i,j]
E = nn.half_squared_error(a2, float(y))
E.label = "E"
squared = E.parents[0]  # E = 0.5 × (a2 − y)²: name the loss's own nodes too
squared.label, squared.parents[0].label = "(a2 − y)²", "a2 − y"
e = explain(E)  # the chain-rule steps, in the order backward() takes them
E.backward()
print(f"The seed's 3-4-1 network on sample x = {x}, y = {y}: a2 = {a2.data:.6f}, "
      f"E = ½(a2 − y)² = {E.data:.6f}")
print(f"{len(e.steps)} backward steps; the first ones:\n")
print("\n".join(str(e).splitlines()[2:12]) + "\n  ...\n")

# %% Helpers: find nodes by label, read a local derivative off the explained steps.
nodes = {v.label: v for v in e.order if v.label}


def local(output: Value, wrt: Value) -> float:
    """∂output/∂wrt through the op that made ``output`` (the op table's rule, via explain)."""
    for step in e.steps:
        if step.node is output:
            for c in step.contributions:
                if c.input is wrt:
                    return c.local_derivative
    raise LookupError(f"{wrt.label!r} is not an input of {output.label!r}")


def product_node(weight: Value) -> Value:
    """The node θ·a that uses ``weight``."""
    return next(v for v in e.order if any(p is weight for p in v.parents))


failures = 0


def show(name: str, equation: str, graph: float, closed: float) -> None:
    global failures
    ok = math.isclose(graph, closed, rel_tol=1e-12, abs_tol=1e-15)
    failures += not ok
    print(f"  {name:<16} {equation:<28} graph {graph:+.12f}   closed form {closed:+.12f}"
          f"   {'✓' if ok else 'MISMATCH'}")


a1 = [nodes[f"a1[{j}]"].data for j in range(4)]
out = a2.data

# %% An output-layer weight: ∂E/∂θ1[j,0] = δ2 · a1[j], with δ2 = (a2 − y) · a2(1 − a2).
j = 2
w_out = nodes[f"θ1[{j},0]"]
z2 = nodes["z2[0]"]
print(f"∂E/∂θ1[{j},0], an output-layer weight:")
show("∂E/∂a2", "a2 − y", a2.grad, out - y)
show("∂a2/∂z2", "a2(1 − a2)", local(a2, z2), out * (1 - out))
delta2 = (out - y) * out * (1 - out)
show("δ2 = ∂E/∂z2", "∂E/∂a2 · ∂a2/∂z2", z2.grad, delta2)
show(f"∂z2/∂θ1[{j},0]", f"a1[{j}]", local(product_node(w_out), w_out), a1[j])
show(f"∂E/∂θ1[{j},0]", f"δ2 · a1[{j}]", w_out.grad, delta2 * a1[j])

# %% A hidden-layer weight: ∂E/∂θ0[i,j] = δ1[j] · a0[i], with δ1[j] = δ2 θ1[j,0] · a1(1 − a1).
i = 1
w_hidden = nodes[f"θ0[{i},{j}]"]
a1j, z1j = nodes[f"a1[{j}]"], nodes[f"z1[{j}]"]
print(f"\n∂E/∂θ0[{i},{j}], a hidden-layer weight:")
show(f"∂E/∂a1[{j}]", f"δ2 · θ1[{j},0]", a1j.grad, delta2 * w_out.data)
show(f"∂a1[{j}]/∂z1[{j}]", f"a1[{j}](1 − a1[{j}])", local(a1j, z1j), a1[j] * (1 - a1[j]))
delta1 = delta2 * w_out.data * a1[j] * (1 - a1[j])
show(f"δ1[{j}] = ∂E/∂z1", "∂E/∂a1 · ∂a1/∂z1", z1j.grad, delta1)
show(f"∂z1[{j}]/∂θ0[{i},{j}]", f"a0[{i}] = x[{i}]", local(product_node(w_hidden), w_hidden),
     x[i])
show(f"∂E/∂θ0[{i},{j}]", f"δ1[{j}] · a0[{i}]", w_hidden.grad, delta1 * x[i])

# %% Pictures of this one backward pass (sample 1 only), named in their captions.
SAMPLE_PASS = (f"One backward pass: E = ½(a2 − y)² of the sample x = {x}, y = {y} alone, at the "
               "seed's initial weights (np.random.seed(1))")
picture = draw(E, group="neuron", flow=True, precision=3, highlight=[[w_hidden,
               product_node(w_hidden)]])
folded = draw(E, group="neuron", collapse=True, precision=3)  # each neuron as one box
for drawing in (picture, folded):
    drawing.attr(label=SAMPLE_PASS, labelloc="t", labeljust="l", fontsize="14")
args.out.mkdir(parents=True, exist_ok=True)
pictures = {"graph": picture, "neurons": folded}
if shutil.which("dot"):
    for name, drawing in pictures.items():
        (args.out / f"{name}.svg").write_text(drawing.svg(), encoding="utf-8")
    index = save_frames(e, args.out / "frames", group="neuron", precision=3)
    print(f"\nWrote {args.out / 'graph.svg'}, {args.out / 'neurons.svg'} and {len(e.steps)} "
          f"frames: open {index} and step through the pass with ← and →")
else:
    for name, drawing in pictures.items():
        (args.out / f"{name}.dot").write_text(drawing.source, encoding="utf-8")
    print(f"\nGraphviz's dot was not found, so no SVG and no step-through frames: wrote the DOT "
          f"text {args.out / 'graph.dot'} and {args.out / 'neurons.dot'} (install Graphviz, "
          f"then `dot -Tsvg {args.out / 'graph.dot'} -o graph.svg`)")

# %% The same for the whole batch, on a fresh copy of the network (so that the sample's
# gradients above stay one sample's), against nn's closed-form δ recursion (the seed's E).
batch_model = nn.MLP.from_weights([theta0, theta1])
outputs = [batch_model([float(v) for v in row]) for row in X]
batch_E = nn.half_squared_error(outputs, [float(t) for t in Y])
batch_E.backward()
closed = nn.delta_backprop([theta0, theta1], X, Y)
grads = [np.array([[n.w[i].grad for n in layer.neurons] for i in range(layer.nin)])
         for layer in batch_model.layers]
worst = max(float(np.max(np.abs(g - c))) for g, c in zip(grads, closed.weight_grads, strict=True))
print(f"\nWhole batch (4 samples): E = {batch_E.data:.10f} (closed form {closed.loss:.10f}); "
      f"largest |∂E/∂Θ graph − closed form| = {worst:.1e}")
failures += worst > 1e-12

# %% The README's pictures (--update-docs, run by `make pictures`): each from one pass.
if args.update_docs:
    if not shutil.which("dot"):
        sys.exit("--update-docs needs Graphviz's dot")
    docs = Path(__file__).resolve().parent.parent / "docs"
    deltas = nn.draw_deltas(nn.MLP.from_weights([theta0, theta1]), X, Y, precision=3,
                            caption="One backward pass: E = Σ ½(a − y)² over the batch of all "
                                    "4 XOR samples, at the seed's initial weights "
                                    "(np.random.seed(1))")
    for name, drawing in (("chain_rule_graph.svg", picture), ("chain_rule_neurons.svg", folded),
                          ("deltas_batch.svg", deltas)):
        (docs / name).write_text(drawing.svg(), encoding="utf-8")
        print(f"Wrote {docs / name}")
if failures:
    sys.exit(f"{failures} factor(s) disagree with the closed form")
