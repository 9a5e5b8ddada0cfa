"""Every node has a name: its label, else the expression it computes, else its value (no #N)."""

from __future__ import annotations

import re

import nn
from autodiff import Value, explain, explain_forward
from autodiff.labels import MAX_NAME, NodeNames


def test_the_readme_expression_names_its_interior_nodes_by_what_they_compute():
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    out = a * b + a.sigmoid()
    names = NodeNames()
    assert names(out) == "a·b + σ(a)"
    assert [names(p) for p in out.parents] == ["a·b", "σ(a)"]
    text = str(explain(out))
    assert "a·b + σ(a)" in text and not re.search(r"#\d", text)


def test_operands_are_parenthesised_only_where_the_order_of_operations_needs_it():
    x, y, z = Value(1.0, "x"), Value(2.0, "y"), Value(3.0, "z")
    names = NodeNames()
    assert names((x + y) * z) == "(x + y)·z"
    assert names(x * y + z) == "x·y + z"
    assert names(x - (y - z)) == "x − (y − z)"
    assert names((x - y) - z) == "x − y − z"
    assert names(x / (y * z)) == "x/(y·z)"
    assert names(0.5 * (x - 1.0) ** 2) == "0.5·(x − 1)²"
    assert names(x ** 3.0) == "x³" and names(x ** 0.5) == "x^0.5"
    assert names(-(x + y)) == "−(x + y)" and names(abs(x - y)) == "|x − y|"
    assert names(Value(2.5) * x) == "2.5·x"  # an unlabelled leaf: its value


def test_long_names_are_shortened_and_a_long_chain_needs_no_recursion():
    terms = [Value(0.0, f"w{i}") * Value(1.0, f"x{i}") for i in range(5000)]
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    names = NodeNames()
    assert names(total) == "w0·x0 + … + w4999·x4999"
    nested = (total.sigmoid() * 2.0 + total.exp()).tanh()
    assert len(names(nested)) <= MAX_NAME and "…" in names(nested)
    assert names(total.parents[0]) == "w0·x0 + … + w4998·x4998"


def test_an_nn_loss_names_every_node_in_the_seed_notation():
    model = nn.MLP.from_weights([[[0.1, 0.2, 0.3], [0.3, 0.4, 0.5]], [[0.5], [0.6], [0.7]]])
    loss = nn.half_squared_error(model([1.0, 2.0]), 1.0)
    e = explain(loss)
    names = {e.name(node) for node in e.order}
    assert "θ0[1,0]·a0[1]" in names and "θ1[0,0]·a1[0] + θ1[1,0]·a1[1]" in names
    assert {"a2[0] − y", "(a2[0] − y)²", "½(a2[0] − y)²"} <= names
    assert not any(re.fullmatch(r"#\d+", n) for n in names)
    forward = str(explain_forward(loss, {model.layers[0].neurons[0].w[0]: 1.0}))
    assert not re.search(r"#\d", forward)


def test_a_label_spaced_only_inside_brackets_is_one_piece_and_a_batch_loss_is_e():
    x = Value(1.0, "x")
    piece, sum_label = x * 2.0, x + 1.0
    piece.label, sum_label.label = "½(a2[0] − y)²", "a2[0] − y"
    names = NodeNames()
    assert names(piece + piece) == "½(a2[0] − y)² + ½(a2[0] − y)²"
    assert names(sum_label * 2.0) == "(a2[0] − y)·2"
    model = nn.MLP(2, [1], seed=0)
    batch = nn.half_squared_error([model([0.0, 1.0]), model([1.0, 0.0])], [0.0, 1.0])
    assert batch.label == "E" and batch.parents[0].label == "½(a1[0] − y)²"
    single = nn.half_squared_error(model([0.0, 1.0]), 0.0)
    assert single.label == "½(a1[0] − y)²"  # one term: the loss is that piece
