"""Forward mode (jvp, jacobian, hvp, explain_forward) against reverse mode and the textbook:
Baydin et al., "Automatic differentiation in machine learning: a survey", JMLR 2018."""

import math

import pytest
from hypothesis import given, settings
from strategies import expressions

import autodiff as ad
from autodiff import Value


def close(ours, reference, tol=1e-12):
    assert abs(ours - reference) <= tol * max(1.0, abs(reference)), (ours, reference)


def baydin():
    """f(x1, x2) = ln x1 + x1·x2 − sin x2 at (2, 5), its nodes labelled as in Table 2."""
    x1, x2 = Value(2.0, "x1"), Value(5.0, "x2")
    v1 = x1.log()
    v2 = x1 * x2
    v3 = x2.sin()
    v4 = v1 + v2
    v5 = v4 - v3
    for name, v in zip(("v1", "v2", "v3", "v4", "v5"), (v1, v2, v3, v4, v5), strict=True):
        v.label = name
    return x1, x2, (v1, v2, v3, v4, v5)


def test_baydin_table_2_forward_trace_row_by_row():
    x1, x2, nodes = baydin()
    trace = ad.explain_forward(nodes[-1], {x1: 1.0})
    # Table 2 (rounded to 3 decimals there): value and tangent of v1 … v5.
    table = [(0.693, 0.5), (10.000, 5.0), (-0.959, 0.0), (10.693, 5.5), (11.652, 5.5)]
    assert [s.node for s in trace] == list(nodes)
    for step, (value, tangent) in zip(trace, table, strict=True):
        assert round(step.node.data, 3) == value
        assert trace.tangent(step.node) == tangent
    assert trace.tangent(x1) == 1.0 and trace.tangent(x2) == 0.0
    assert trace[2].terms == ()  # sin x2: not reached from x1
    assert [t.local_derivative for t in trace[0].terms] == [0.5]  # v̇1 = v̇−1 / v−1
    assert [(t.formula, t.local_derivative) for t in trace[1].terms] == [("v", 5.0)]
    text = str(trace)
    assert "Output tangent: v5 = 5.5" in text and "∂/∂u = 1/u" in text
    assert "not reached from a seeded leaf" in text
    assert "| v4 |" in trace.to_markdown()
    assert ad.jvp(lambda a, b: a.log() + a * b - b.sin(), (2.0, 5.0), (1.0, 0.0))[1] == 5.5


def test_baydin_table_2_with_x2_seeded_too():
    x1, x2, nodes = baydin()
    trace = ad.explain_forward(nodes[-1], {x1: 1.0, x2: 0.0})
    assert trace.tangent(nodes[2]) == 0.0 and len(trace[2].terms) == 1  # v̇3 = v̇0 cos v0
    assert trace[2].terms[0].local_derivative == math.cos(5.0)
    assert trace.tangent(nodes[-1]) == 5.5


def test_baydin_table_3_reverse_trace():
    x1, x2, nodes = baydin()
    trace = ad.explain(nodes[-1])
    grads = dict(trace.leaf_gradients())
    assert grads["x1"] == 5.5 and round(grads["x2"], 3) == 1.716
    assert trace.gradient(x1) == 5.5 and trace.gradient(x2) == grads["x2"]
    # x̄2 = v̄3·cos v0 + v̄2·v−1 = −0.284 + 2, in the order the rows of Table 3 add them
    sums = [round(c.running_sum, 3) for s in trace for c in s.contributions if c.input is x2]
    assert sums == [-0.284, 1.716]
    assert trace.gradient(nodes[2]) == -1.0  # v̄3 = −1
    assert round(trace.gradient(nodes[1]), 3) == 1.0 and trace.gradient(nodes[0]) == 1.0
    assert ad.vjp(lambda a, b: a.log() + a * b - b.sin(), (2.0, 5.0), 1.0)[1] == (
        grads["x1"], grads["x2"])


@settings(max_examples=60, deadline=None)
@given(expressions(max_arity=4, kinks=True), expressions(max_arity=1))
def test_jvp_is_the_gradient_dotted_with_the_tangent(case, direction):
    expression, args = case
    _, raw = direction
    v = tuple((raw[0] + i) / (1 + i) for i in range(len(args)))  # any direction
    value, tangent = ad.jvp(expression, args, v)
    xs = [Value(a) for a in args]
    out = expression(*xs)
    reference = sum(g * vi for g, vi in zip(ad.gradients(out, xs), v, strict=True))
    assert value == out.data
    close(tangent, reference)


@settings(max_examples=40, deadline=None)
@given(expressions(max_arity=3))
def test_jacobian_forward_equals_reverse_and_explain_forward_equals_the_sweep(case):
    expression, args = case
    f = lambda *xs: (expression(*xs), expression(*xs) * xs[0], xs[-1])
    forward = ad.jacobian(f, "forward")(*args)
    reverse = ad.jacobian(f, "reverse")(*args)
    assert len(forward) == 3 and all(len(row) == len(args) for row in forward)
    for row_f, row_r in zip(forward, reverse, strict=True):
        for a, b in zip(row_f, row_r, strict=True):
            close(a, b)
    xs = [Value(a) for a in args]
    out = expression(*xs)
    seeds = {xs[0]: 1.0}
    assert ad.explain_forward(out, seeds).tangent(out) == ad.forward_tangents(out, seeds)


def test_jacobian_auto_goes_forward_only_when_there_are_fewer_inputs_than_outputs():
    wide = lambda x: tuple(x.sin() * k for k in range(1, 5))  # n = 1 < m = 4
    tall = lambda a, b, c: a * b + c  # n = 3 > m = 1
    square = lambda a, b: (a * b, a + b)  # n = m: reverse
    for f, args, mode in ((wide, (0.3,), "forward"), (tall, (1.0, 2.0, 3.0), "reverse"),
                          (square, (1.0, 2.0), "reverse")):
        with ad.count_rules() as auto:
            result = ad.jacobian(f)(*args)
        with ad.count_rules() as chosen:
            assert ad.jacobian(f, mode)(*args) == result
        assert auto.by_op == chosen.by_op


def test_vjp_with_several_outputs_is_the_weighted_sum_of_gradients():
    f = lambda a, b: (a * b, a.exp() + b, b.tanh())
    value, cotangent = ad.vjp(f, (0.5, -1.5), (2.0, 0.0, -3.0))
    j = ad.jacobian(f, "reverse")(0.5, -1.5)
    assert value == (0.5 * -1.5, math.exp(0.5) - 1.5, math.tanh(-1.5))
    for i in range(2):
        close(cotangent[i], 2.0 * j[0][i] - 3.0 * j[2][i])
    value, tangent = ad.jvp(f, (0.5, -1.5), (1.0, 2.0))
    assert isinstance(tangent, tuple) and len(tangent) == 3
    for i in range(3):
        close(tangent[i], j[i][0] + 2.0 * j[i][1])


@settings(max_examples=30, deadline=None)
@given(expressions(max_arity=3))
def test_hvp_matches_the_hessian_from_nested_gradients(case):
    expression, args = case
    v = tuple(1.0 - 0.5 * i for i in range(len(args)))
    ours = ad.hvp(expression, args, v)
    xs = [Value(a) for a in args]
    firsts = ad.gradients(expression(*xs), xs, create_graph=True)
    for i, g in enumerate(firsts):
        row = ad.gradients(g, xs)
        close(ours[i], sum(h * vj for h, vj in zip(row, v, strict=True)), 1e-10)


def test_a_tangent_sum_starts_at_plus_zero_and_adds_in_operand_order():
    assert math.copysign(1.0, ad.jvp(lambda x: x * 1.0, (1.0,), (-0.0,))[1]) == 1.0
    assert math.copysign(1.0, ad.jvp(lambda x: x - x, (1.0,), (1.0,))[1]) == 1.0
    x = Value(0.1, "x")
    y = x * 0.7 + x * 0.2  # 0.7 + 0.2 in operand order, from +0.0
    step = ad.explain_forward(y, {x: 3.0})[-1]
    assert [t.running_sum for t in step.terms] == [0.0 + 0.7 * 3.0, 0.7 * 3.0 + 0.2 * 3.0]
    assert ad.forward_tangents(y, {x: 3.0}) == 0.7 * 3.0 + 0.2 * 3.0


def test_outputs_that_are_inputs_or_constants():
    assert ad.jvp(lambda x, y: (x, Value(3.0)), (1.0, 2.0), (4.0, 5.0)) == ((1.0, 3.0),
                                                                           (4.0, 0.0))
    assert ad.jacobian(lambda x: x)(2.0) == [[1.0]]
    assert ad.hvp(lambda x, y: x * 3.0 + y, (1.0, 2.0), (1.0, 1.0)) == (0.0, 0.0)
    with ad.no_grad():  # the transforms record their graph anyway
        assert ad.jvp(lambda x: x * x, (3.0,), (1.0,)) == (9.0, 6.0)


@pytest.mark.parametrize("call, error, words", [
    (lambda: ad.jvp(lambda x: x, 1.0, (1.0,)), TypeError, "as in jvp(f, (2.0, 3.0), (1.0"),
    (lambda: ad.jvp(lambda x: x, (1.0,), (1.0, 2.0)), ValueError, "2 entries, expected 1"),
    (lambda: ad.jvp(lambda x: x, ("1",), (1.0,)), TypeError, "primals[0]"),
    (lambda: ad.jvp(lambda x: x, (True,), (1.0,)), TypeError, "bool"),
    (lambda: ad.jvp(lambda x: x, (1.0,), (math.nan,)), ValueError, "finite"),
    (lambda: ad.jvp(lambda x: x, (), ()), ValueError, "at least one primal"),
    (lambda: ad.jvp(lambda x: 3.0, (1.0,), (1.0,)), TypeError, "got float"),
    (lambda: ad.jvp(lambda x: (x, 2), (1.0,), (1.0,)), TypeError, "output 1"),
    (lambda: ad.jvp(lambda x: (), (1.0,), (1.0,)), TypeError, "non-empty tuple"),
    (lambda: ad.jvp(3, (1.0,), (1.0,)), TypeError, "callable"),
    (lambda: ad.vjp(lambda x: (x, x), (1.0,), 1.0), TypeError, "cotangents must be a"),
    (lambda: ad.vjp(lambda x: (x, x), (1.0,), (1.0,)), ValueError, "expected 2"),
    (lambda: ad.jacobian(lambda x: x, "sideways"), ValueError, "mode"),
    (lambda: ad.jacobian(None), TypeError, "callable"),
    (lambda: ad.hvp(lambda x: (x, x), (1.0,), (1.0,)), TypeError, "one Value"),
    (lambda: ad.forward_tangents(3.0, {}), TypeError, "got float"),
    (lambda: ad.forward_tangents(Value(1.0), [1.0]), TypeError, "dict"),
    (lambda: ad.forward_tangents(Value(1.0), {1.0: 1.0}), TypeError, "keyed by Values"),
    (lambda: ad.explain_forward(2.0, {}), TypeError, "Value output"),
    (lambda: ad.explain_forward(Value(1.0), {Value(1.0): "1"}), TypeError, "str"),
    (lambda: ad.explain_forward(Value(1.0) * 2, []), TypeError, "dict"),
])
def test_bad_arguments_say_what_is_wrong(call, error, words):
    with pytest.raises(error, match=None) as info:
        call()
    assert words in str(info.value)


def test_explain_forward_refuses_to_seed_a_made_node_and_ignores_foreign_leaves():
    x = Value(1.0, "x")
    y = x * 2.0
    with pytest.raises(ValueError, match="seed leaves"):
        ad.explain_forward(y, {y: 1.0})
    with pytest.raises(ValueError, match="seed leaves"):
        ad.forward_tangents(y, {y: 1.0})
    assert ad.explain_forward(y, {Value(7.0): 1.0}).tangent(y) == 0.0


def test_a_failing_rule_and_an_overflowing_tangent_are_errors_not_nan():
    with pytest.raises(ad.DomainError, match="sqrt"):
        ad.jvp(lambda x: (x * 0.0).sqrt(), (1.0,), (1.0,))  # d√u/du at u = 0
    with pytest.raises(ad.GradientOverflowError, match="tangent"):
        ad.jvp(lambda x: x * 1e200, (1.0,), (1e200,))
    x = Value(1.0)
    with pytest.raises(ad.GradientOverflowError):
        ad.explain_forward(x * 1e300, {x: 1e10})
