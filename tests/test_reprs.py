"""Returned objects print like results: a short repr (counts, first and last entries), and
the full data one attribute away."""

from __future__ import annotations

import shutil

import pytest

import autodiff as ad
import nn
from autodiff import Value


def test_history_of_a_long_fit_prints_in_one_short_line_and_keeps_every_loss():
    reference = nn.seed_reference()
    model = nn.MLP.from_weights(reference["initial_theta"])
    history = nn.fit(model, reference["X"], reference["y"], 3000, lr=1.0, progress=False,
                     compiled=True)
    text = repr(history)
    assert "\n" not in text and len(text) < 120
    assert text.startswith("History(3000 epochs in ")
    first, last = history.losses[0], history.losses[-1]
    assert f"{first:.6g}" in text and f"{last:.6g}" in text and "…" in text
    assert len(history.losses) == history.epochs == 3000
    assert repr(nn.train.History([0.5, 0.25])) == "History(2 epochs in 0 s: losses [0.5, 0.25])"
    assert "interrupted" in repr(nn.train.History([1.0], interrupted=True))


def test_jacobian_is_a_list_of_rows_with_a_short_repr():
    small = ad.jacobian(lambda x, y: (x * y, x + y))(2.0, 3.0)
    assert small == [[3.0, 2.0], [1.0, 1.0]] and small.shape == (2, 2)
    assert repr(small) == "Jacobian(2 × 2: [[3.0, 2.0], [1.0, 1.0]])"
    big = ad.jacobian(lambda *xs: tuple(x * float(i) for i, x in enumerate(xs)))(*[1.0] * 40)
    assert big.shape == (40, 40) and big[39][39] == 39.0
    assert len(repr(big)) < 200 and repr(big).count("…") == 5  # in 4 rows, and between them
    assert big.rows == [list(row) for row in big] and type(big.rows[0]) is list


def test_gradcheck_report_repr_is_a_verdict_and_str_the_table():
    report = ad.gradcheck(lambda *xs: sum(x * x for x in xs), *[0.5] * 30)
    assert repr(report).startswith("<GradcheckReport: 30 inputs, all agree, largest error ")
    assert "\n" not in repr(report)
    assert len(str(report).splitlines()) == 32


def test_drawing_repr_counts_the_nodes_and_edges_dot_draws():
    a = Value(2.0, "a")
    c = a * a + a.sigmoid()
    c.backward()
    drawing = ad.draw(c)
    assert repr(drawing) == "<Drawing: 7 nodes, 8 edges (.source: DOT text, .svg(): SVG)>"
    if shutil.which("dot") is None:
        pytest.skip("Graphviz `dot` not installed")
    svg = drawing.svg()
    assert svg.count('class="node"') == 7 and svg.count('class="edge"') == 8


def test_the_seed_recursion_and_the_layer_view_print_their_shape_not_their_arrays():
    reference = nn.seed_reference()
    closed = nn.delta_backprop(reference["initial_theta"], reference["X"], reference["y"])
    assert repr(closed) == f"DeltaBackprop(layers 3-4-1, batch of 4, E = {closed.loss:.6g})"
    model = nn.MLP.from_weights(reference["initial_theta"])
    view = nn.layer_deltas(model, reference["X"], reference["y"])
    assert repr(view).startswith("LayerDeltas(layers 3-4-1, batch of 4, E = ")
    assert "max |engine δ − closed form| = " in repr(view) and "\n" not in repr(view)


def test_explanations_print_a_line_each():
    x = Value(0.5, "x")
    y = (x * x).exp()
    assert repr(ad.explain(y)) == "<Explanation of 'exp(x·x)': 2 steps, seed 1.0>"
    assert "\n" not in repr(ad.explain_forward(y, {x: 1.0}))


def test_steps_and_grouped_steps_print_a_line_each_not_their_graph():
    reference = nn.seed_reference()
    model = nn.MLP.from_weights(reference["initial_theta"])
    E = nn.half_squared_error([model(x) for x in reference["X"]], reference["y"])
    E.label = "E"
    explanation = ad.explain(E)
    assert repr(explanation.steps[0]) == "<Step 0: add node 'E' sends upstream 1.0 to 2 inputs>"
    grouped = ad.group_steps(explanation, "layer")
    assert all("\n" not in repr(g) and len(repr(g)) < 100 for g in grouped)
    assert any(repr(g).startswith(f"<GroupedStep {g.index} (layer ") for g in grouped)
    x = Value(1.0, "x")
    (sweep,) = ad.explain_forward(x.sin(), {x: 1.0}).steps
    assert repr(sweep) == f"<ForwardStep 0: sin node gets tangent {sweep.tangent!r} from 1 term>"
