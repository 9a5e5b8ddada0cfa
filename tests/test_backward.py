"""backward() and gradients(): random graphs vs finite differences and the path-sum rule,
fan-out, accumulation, zero_grad, and the tape walk vs the sorted walk."""

import math

import pytest
from hypothesis import assume, given, settings
from strategies import (
    build_small_graph,
    derivative,
    derivative_tolerance,
    expressions,
    small_graphs,
)

import autodiff as ad
from autodiff import Value
from autodiff.core import tape as tape_module
from autodiff.core.ops import FLOAT_MATH, UNARY


def numeric_gradient(build, args, i):
    def f(x):
        moved = list(args)
        moved[i] = x
        with ad.no_grad():
            return build(*(Value(v) for v in moved)).data
    h = 1e-4
    return derivative(f, args[i], h), derivative_tolerance(f, args[i], h)


def edges(node):
    """(parent, ∂node/∂parent) for each operand edge, straight from the node's table rule."""
    op = node._op
    if op is None:
        return []
    data = [v.data if isinstance(v, Value) else v for v in node.operands]
    if op.kind == UNARY:
        return [(node._a, op.partials[0](FLOAT_MATH, data[0], node.data))]
    return [(v, op.partials[i](FLOAT_MATH, *data, node.data))
            for i, v in enumerate(node.operands) if isinstance(v, Value)]


def path_sum(output, target):
    """Σ over every path output → target of the product of local derivatives (explicit DFS)."""
    total = 0.0
    stack = [(output, 1.0)]
    while stack:
        node, product = stack.pop()
        if node is target:
            total += product
            continue
        for parent, partial in edges(node):
            stack.append((parent, product * partial))
    return total


# --- correctness on random graphs -------------------------------------------------------

@settings(max_examples=60)
@given(expressions())
def test_random_expression_graphs_match_finite_differences(case):
    build, args = case
    leaves = [Value(v) for v in args]
    out = build(*leaves)
    assume(abs(out.data) < 1e3)
    out.backward()
    for i, leaf in enumerate(leaves):
        assume(abs(leaf.grad) < 1e3)
        numeric, noise = numeric_gradient(build, args, i)
        assert abs(leaf.grad - numeric) <= 1e-6 * abs(numeric) + noise + 1e-9, (i, build)


@settings(max_examples=80)
@given(small_graphs())
def test_small_graphs_obey_the_path_sum_rule(case):
    steps, values = case
    leaves = [Value(v) for v in values]
    out = build_small_graph(steps, leaves)[-1]
    assume(isinstance(out, Value) and abs(out.data) < 1e6)
    expected = [path_sum(out, leaf) for leaf in leaves]
    out.backward()
    for leaf, e in zip(leaves, expected, strict=True):
        assert leaf.grad == pytest.approx(e, rel=1e-9, abs=1e-12)
    assert list(ad.gradients(out, leaves)) == pytest.approx(expected, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("point", [(1.3, 0.2), (-0.7, 0.9), (2.0, -1.5), (-1.1, -0.4)])
def test_kinked_graph_away_from_its_kinks_matches_finite_differences(point):
    def build(x, y):
        return (x * y - 0.05).relu() * (x - 2.0 * y).abs() + (y + 0.5 * x).abs().sin() + x.relu()

    leaves = [Value(v) for v in point]
    build(*leaves).backward()
    for i, leaf in enumerate(leaves):
        numeric, noise = numeric_gradient(build, point, i)
        assert leaf.grad == pytest.approx(numeric, rel=1e-7, abs=noise)


def test_reuse_a_times_a_and_a_diamond():
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0
    x = Value(0.5)
    top = x.sin()
    out = top * top.exp() + top  # diamond: top feeds mul, exp and add
    out.backward()
    s, c = math.sin(0.5), math.cos(0.5)
    assert x.grad == pytest.approx(c * (math.exp(s) + s * math.exp(s) + 1), rel=1e-14)
    assert x.grad == pytest.approx(path_sum(out, x), rel=1e-14)


def test_fan_out_sums_every_use():
    x = Value(1.5)
    out = x + x * 2.0 + x.tanh() + x
    out.backward()
    assert x.grad == pytest.approx(4.0 + (1 - math.tanh(1.5) ** 2), rel=1e-15)


# --- accumulation -------------------------------------------------------------------------

def test_backward_twice_doubles_every_grad_and_zero_grad_resets():
    x, y = Value(1.2), Value(-0.7)
    mid = x * y
    out = mid.sigmoid() + mid
    out.backward()
    first = (x.grad, y.grad, mid.grad, out.grad)
    out.backward()
    assert (x.grad, y.grad, mid.grad, out.grad) == pytest.approx([2 * g for g in first],
                                                                  rel=1e-15)
    ad.zero_grad(out)
    assert (x.grad, y.grad, mid.grad, out.grad) == (0.0, 0.0, 0.0, 0.0)
    out.backward(3.0)
    assert (x.grad, mid.grad) == pytest.approx([3 * first[0], 3 * first[2]], rel=1e-15)


def test_backward_of_an_intermediate_after_the_output_keeps_it_exact():
    x = Value(2.0)
    mid = x * x
    out = mid * 3.0
    out.backward()  # x.grad = 12, mid.grad = 3
    mid.backward()  # adds only d mid / d x = 4 to x, 1 to mid
    assert (x.grad, mid.grad, out.grad) == (16.0, 4.0, 1.0)


def test_gradients_leave_grad_untouched():
    x, y = Value(0.3), Value(2.0)
    out = (x * y).tanh() + x
    gx, gy = ad.gradients(out, [x, y])
    assert (x.grad, y.grad, out.grad) == (0.0, 0.0, 0.0)
    t = math.tanh(0.6)
    assert (gx, gy) == pytest.approx([(1 - t * t) * 2.0 + 1, (1 - t * t) * 0.3], rel=1e-15)
    assert ad.gradients(out, Value(5.0)) == (0.0,)


# --- tape walk and sorted walk agree ---------------------------------------------------------

def build_mixed(x, y):
    return ((x * y).sin() + x.exp() * y) / (y * y + 1.0)


def reference_grads(xv, yv):
    x, y = Value(xv), Value(yv)
    return ad.gradients(build_mixed(x, y), [x, y])


def test_node_built_before_a_backward_is_reused_after_it():
    x, y = Value(0.4), Value(-1.1)
    early = x * y
    early.backward()  # retires the tape early was on
    ad.zero_grad(early)
    out = (early.sin() + x.exp() * y) / (y * y + 1.0)
    out.backward()
    assert (x.grad, y.grad) == pytest.approx(reference_grads(0.4, -1.1), rel=1e-15)


def test_graph_with_no_grad_islands():
    x, y = Value(0.4), Value(-1.1)
    with ad.no_grad():
        frozen = x * 100.0  # a leaf: no gradient flows through it
    out = build_mixed(x, y) + frozen * y
    out.backward()
    gx, gy = reference_grads(0.4, -1.1)
    assert (x.grad, y.grad) == pytest.approx([gx, gy + 40.0], rel=1e-15)
    assert frozen.grad == pytest.approx(-1.1, rel=1e-15)


def test_graph_larger_than_tape_capacity():
    x = Value(0.9)
    out = x
    for _ in range(tape_module.CAPACITY + 1000):
        out = out * 1.0 + 0.0
    out = out * x
    out.backward()
    assert x.grad == pytest.approx(1.8, rel=1e-12)
    ad.zero_grad(out)
    assert ad.gradients(out, [x])[0] == pytest.approx(1.8, rel=1e-12)


@settings(max_examples=40)
@given(expressions(max_arity=2))
def test_tape_walk_equals_sorted_walk(case):
    build, args = case
    leaves = [Value(v) for v in args]
    out = build(*leaves)
    out.backward()  # fresh tape: the fast walk
    walked = [leaf.grad for leaf in leaves]
    ad.zero_grad(out)
    out.backward()  # tape retired: the sorted walk
    assert [leaf.grad for leaf in leaves] == pytest.approx(walked, rel=1e-15, abs=0.0)


def test_creation_order_lists_parents_first_without_recursion():
    x = Value(1.0)
    out = x
    for _ in range(50_000):
        out = out + 1.0
    order = ad.creation_order(out)
    assert order[0] is x and order[-1] is out and len(order) == 50_001


def test_backward_seed_must_be_a_number():
    with pytest.raises(TypeError, match="seed"):
        Value(1.0).backward("1")
    with pytest.raises(TypeError, match="Value output"):
        Value.backward(1.0)  # type: ignore[arg-type]


def test_tape_walk_after_a_sorted_backward_sends_no_old_gradient_again():
    """A sorted backward that reaches nodes still on the current tape leaves .grad on them;
    the next backward on that tape must not send those old gradients on a second time."""
    x = Value(1.0, "x")
    a = x * 2.0  # on the current tape
    with ad.no_grad(), ad.enable_grad():
        b = a * 3.0  # recorded on a separate tape: b.backward() sorts the graph
    b.backward()
    assert x.grad == 6.0
    c = x + 1.0  # on the same current tape as a, which now holds a gradient
    c.backward()
    assert x.grad == 7.0
    assert a.grad == 3.0


def test_gradient_overflow_from_finite_values_is_an_error():
    a, b = Value(1.0, "a"), Value(1e-200, "b")
    out = a / b
    with pytest.raises(OverflowError, match=r"div: the gradient sent to operand 1e-200 "
                                            r"\(node 'b'\).*overflows.*zero_grad"):
        out.backward()
    x = Value(1e-200, "x")
    with pytest.raises(OverflowError, match="log: the gradient"):
        (x.log() * 1e200).backward()
    # gradients() evaluates the local derivative first: -out/v is itself -inf here.
    with pytest.raises(OverflowError, match="div: the derivative with respect to operand 1e-200"):
        ad.gradients(a / b, [b])


def test_non_finite_values_given_by_the_user_propagate_in_backward():
    x = Value(math.inf, "x")
    y = x * 2.0
    y.backward()
    assert x.grad == 2.0
    z = Value(1.0) / Value(math.inf)
    z.backward()  # ∂/∂b = −a/b² = −0.0: no error
    assert z.parents[1].grad == 0.0


def test_gradients_accepts_any_iterable_of_inputs():
    x, y = Value(2.0), Value(3.0)
    out = x * y
    assert ad.gradients(out, (v for v in (x, y))) == (3.0, 2.0)
    assert ad.gradients(out, [y]) == (2.0,)


def test_an_infinite_local_derivative_behind_a_zero_gradient_raises_like_forward_mode():
    x = Value(0.0, "x")
    out = x.sqrt() * 0.0  # sqrt'(0) is infinite: the edge-point rule raises, in every mode
    with pytest.raises(ad.DomainError, match=r"sqrt.*node 'x'"):
        out.backward()
    with pytest.raises(ad.DomainError, match=r"sqrt.*node 'x'"):
        ad.gradients(out, [x])
    with pytest.raises(ad.DomainError, match=r"sqrt.*node 'x'"):
        ad.forward_tangents(out, {x: 0.0})
