"""The cost of each mode, counted exactly: which local derivatives the sweeps evaluate.

Definitions (on the graph of ``output``, an *edge* is a (node, Value operand position)
pair, so ``x * x`` has two edges):

- reverse (``gradients(output, requested)``): exactly the edges whose node carries a
  non-zero gradient and whose operand leads to a requested input, once each; and, by the
  edge-point rule, the edges of a node of ``SINGULAR_OPS`` (an op whose local derivative
  can be infinite) with a zero gradient that lead to a requested input, once each;
- forward (k sweeps, sweep i seeded at the leaves Sᵢ): in sweep i exactly the edges whose
  operand is reached from Sᵢ (a seeded leaf, or a node with a reached operand), once each,
  whatever the tangents' values; so k sweeps with the same seeds cost k per such edge.

The expected sets are worked out here from the graph's structure and from ``.grad`` as
the eager ``backward()`` (generated code, a separate implementation) leaves it.
"""

import random
import threading
from collections import Counter

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import BINARY_FORMS, KINKED_FORMS, UNARY_FORMS

import autodiff as ad
import autodiff.core.graph as graph_module
from autodiff import Value
from autodiff.core.ops import ALL_OPS, SINGULAR_OPS
from autodiff.transforms.gradients import value_operands

UNARY = {**{k: f for k, f in UNARY_FORMS.items() if k not in ("square", "cube")},
         **KINKED_FORMS, "zero": lambda x: x * 0.0}


@st.composite
def wide_graphs(draw):
    """(inputs, output, rng): 1 to 200 inputs, up to 150 random steps over earlier nodes
    (reuse, x∘x, zero factors and ReLU kinks included, so zero gradients happen)."""
    n = draw(st.integers(1, 200))
    steps = draw(st.integers(1, 150))
    rng = random.Random(draw(st.integers(0, 2**32)))
    inputs = [Value(rng.uniform(-1.0, 1.0), f"x{i}") for i in range(n)]
    nodes = list(inputs)
    try:
        for _ in range(steps):
            pick = lambda: (nodes[rng.randrange(len(nodes))] if rng.random() < 0.3 else
                            nodes[max(0, len(nodes) - 1 - int(rng.expovariate(0.1)))])
            if rng.random() < 0.5:
                nodes.append(UNARY[rng.choice(sorted(UNARY))](pick()))
            else:
                a = pick()
                b = a if rng.random() < 0.2 else pick()
                nodes.append(BINARY_FORMS[rng.choice(sorted(BINARY_FORMS))](a, b))
    except (OverflowError, ad.DomainError):
        assume(False)
    return inputs, nodes[-1], rng


def record_edges(monkeypatch, module):
    """Every (node id, position) whose local derivative ``module`` asks the table for."""
    edges = []
    original = module.local_partial

    def spy(node, position, *args, **kwargs):
        edges.append((id(node), position))
        return original(node, position, *args, **kwargs)

    monkeypatch.setattr(module, "local_partial", spy)
    return edges


def reached_from(order, starts):
    reached = {id(v) for v in starts}
    for node in order:
        if node._op is not None and any(id(v) in reached for _, v in value_operands(node)):
            reached.add(id(node))
    return reached


@settings(max_examples=25, deadline=None)
@given(wide_graphs(), st.data())
def test_reverse_mode_evaluates_one_local_derivative_per_live_edge(graph, data):
    inputs, output, rng = graph
    requested = rng.sample(inputs, rng.randint(1, len(inputs)))
    order = ad.creation_order(output)
    try:
        output.backward()
    except (OverflowError, ad.DomainError):
        assume(False)
    leads = reached_from(order, requested)
    expected = Counter((id(node), position) for node in order
                       if node._op is not None and id(node) in leads and (
                           node.grad != 0.0 or node._op.name in SINGULAR_OPS)
                       for position, operand in value_operands(node) if id(operand) in leads)
    with pytest.MonkeyPatch.context() as mp:
        edges = record_edges(mp, graph_module)
        with ad.count_rules() as count:
            ad.gradients(output, requested)
    assert Counter(edges) == expected  # one per live edge (or edge-point check), no other
    assert count.evaluations == len(edges)  # each request runs exactly one rule


@settings(max_examples=25, deadline=None)
@given(wide_graphs(), st.integers(1, 4))
def test_k_forward_sweeps_evaluate_k_local_derivatives_per_reached_edge(graph, k):
    inputs, output, rng = graph
    seeded = rng.sample(inputs, rng.randint(1, min(len(inputs), 5)))
    order = ad.creation_order(output)
    reached = reached_from(order, seeded)
    per_sweep = Counter((id(node), position) for node in order if node._op is not None
                        for position, operand in value_operands(node)
                        if id(operand) in reached)
    with pytest.MonkeyPatch.context() as mp:
        edges = record_edges(mp, graph_module)
        with ad.count_rules() as count:
            for _ in range(k):
                seeds = {x: rng.choice((0.0, 1.0, -2.5)) for x in seeded}
                try:
                    ad.forward_tangents(output, seeds)
                except ad.GradientOverflowError:
                    assume(False)
    assert Counter(edges) == Counter({edge: k * c for edge, c in per_sweep.items()})
    assert count.evaluations == len(edges) == k * sum(per_sweep.values())


def test_one_sweep_each_way_on_a_chain_and_nothing_counted_for_backward():
    x, y = Value(0.5, "x"), Value(2.0, "y")
    out = ((x * y).sin() + x).tanh()  # edges: mul (2), sin, add (2), tanh = 6
    with ad.count_rules() as count:
        out.backward()  # the eager backward runs generated code, not the table's rules
    assert count.evaluations == 0
    with ad.count_rules() as count:
        ad.gradients(out, [x, y])
    assert count.evaluations == 6 and count.by_op == {"mul": 2, "sin": 1, "add": 2, "tanh": 1}
    with ad.count_rules() as count:
        ad.forward_tangents(out, {y: 1.0})  # y reaches mul (its v edge), sin, add (u), tanh
    assert count.evaluations == 4


def test_count_rules_leaves_the_table_alone_and_blocks_nest():
    before = [op.partials for op in ALL_OPS]
    x = Value(3.0)
    with pytest.raises(KeyError), ad.count_rules():
        raise KeyError("inside")
    with ad.count_rules() as outer:
        assert all(a is b for op, b in zip(ALL_OPS, before, strict=True)
                   for a in [op.partials])  # nothing in the frozen table changes
        ad.gradients(x * x, [x])  # 2 evaluations
        with ad.count_rules() as inner:
            ad.gradients(x * 2.0, [x])  # 1 evaluation
        ad.gradients(x.sin(), [x])  # 1 evaluation
    assert inner.evaluations == 1 and inner.by_op == {"mul": 1}
    assert outer.evaluations == 4 and outer.by_op == {"mul": 3, "sin": 1}
    assert ad.gradients(x * x, [x]) == (6.0,)


def test_concurrent_blocks_count_their_own_thread_only():
    barrier = threading.Barrier(2)
    counts = {}

    def work(name, build):
        x = Value(0.5)
        with ad.count_rules() as count:
            barrier.wait()
            for _ in range(50):
                ad.gradients(build(x), [x])
            barrier.wait()
        counts[name] = count.by_op

    threads = [threading.Thread(target=work, args=("mul", lambda x: x * x)),
               threading.Thread(target=work, args=("sin", lambda x: x.sin()))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert counts == {"mul": {"mul": 100}, "sin": {"sin": 50}}
