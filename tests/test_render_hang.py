"""No legal graph hangs the renderer: one leaf used all along a chain (x·x·…·x), or many
leaves used at every step, gets Graphviz's bounded layout; other graphs keep the default."""

import subprocess
import sys
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff as ad
from autodiff import Value
from autodiff.render.graph import _FAST_LAYOUT, VIRTUAL_NODE_BUDGET


def power_chain(uses):
    x = Value(1.0001, "x")
    y = x
    for _ in range(uses - 1):
        y = y * x
    return y


def leaves_used_at_every_step(leaves, rounds):
    xs = [Value(1.0 + i / 100, f"x{i}") for i in range(leaves)]
    total = xs[0]
    for r in range(rounds):
        for x in xs:
            total = total + x * 1.5 if r % 2 else total * x
    return total


def layout_attributes(out):
    source = ad.draw(out).source
    return {key: value for key, value in _FAST_LAYOUT.items() if f"{key}={value}" in source}


@pytest.mark.parametrize("out", [power_chain(60), power_chain(120), power_chain(200),
                                 leaves_used_at_every_step(15, 6),
                                 leaves_used_at_every_step(8, 12)])
def test_many_long_edges_get_the_bounded_layout(out):
    assert layout_attributes(out) == _FAST_LAYOUT


@pytest.mark.parametrize("out", [power_chain(3), power_chain(12),
                                 (Value(0.5, "a") * Value(2.0, "b")).tanh()])
def test_small_graphs_keep_the_default_layout(out):
    assert layout_attributes(out) == {}


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), min_size=1, max_size=120))
def test_the_estimate_counts_every_skipped_rank(picks):
    """The drawing asks for the bounded layout exactly when dot's virtual nodes (ranks
    skipped by edges, each value one rank after its op, each op one after its latest
    operand) pass the budget, computed here the long way round."""
    nodes = [Value(1.0, "a"), Value(2.0, "b")]
    for i, j in picks:
        nodes.append(nodes[i % len(nodes)] * nodes[j % len(nodes)])
    out = nodes[-1]
    order = ad.creation_order(out)
    value_rank, skipped = {}, 0
    for node in order:
        ranks = [value_rank[id(p)] for p in node.parents]
        value_rank[id(node)] = max(ranks) + 2 if ranks else 0
        skipped += sum(max(ranks) + 1 - r - 1 for r in ranks) if ranks else 0
    assert (layout_attributes(out) == _FAST_LAYOUT) == (skipped > VIRTUAL_NODE_BUDGET)


HANG_GUARD = textwrap.dedent("""
    import sys, tempfile
    import autodiff as ad
    from autodiff import Value
    x = Value(1.0001, "x"); y = x
    for _ in range(int(sys.argv[1]) - 1):
        y = y * x
    ad.draw(y).pipe(format="svg")
    with tempfile.TemporaryDirectory() as folder:
        ad.save_frames(ad.explain(y), folder)
""")


@pytest.mark.parametrize("uses", [60, 120])
def test_drawing_and_frames_of_a_leaf_used_120_times_finish(uses):
    """A guard against a hang (88 s and 400+ s before), not a speed measurement: seconds
    are expected, and a minute is allowed for a loaded machine."""
    subprocess.run([sys.executable, "-c", HANG_GUARD, str(uses)], check=True, timeout=60)
