"""compile_grad: generated code equals the eager engine, reads well, cannot be injected."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import build_small_graph, expressions, floats_in, small_graphs

from autodiff import (
    DomainError,
    GradientOverflowError,
    Value,
    compile_grad,
    no_grad,
    value_and_grad,
)
from autodiff.core import tape as tape_module

ROOT = Path(__file__).resolve().parent.parent


def eager(f, args):
    """Value and gradients from the eager engine: forward on Values, then backward()."""
    xs = [Value(a) for a in args]
    out = f(*xs)
    if not isinstance(out, Value):
        return out, tuple(0.0 for _ in xs)
    out.backward()
    return out.data, tuple(x.grad for x in xs)


def assert_close(a: float, b: float) -> None:
    assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12), (a, b)


def assert_same_results(compiled, expected) -> None:
    value, grads = compiled
    assert_close(value, expected[0])
    assert len(grads) == len(expected[1])
    for g, e in zip(grads, expected[1], strict=True):
        assert_close(g, e)


# --- equal to the eager engine ---------------------------------------------------------

@given(expressions(max_arity=3, kinks=True), st.data())
def test_random_expressions_equal_the_eager_engine(case, data):
    expression, args = case
    g = compile_grad(expression, expression.arity)  # traced at the default example point
    assert_same_results(g(*args), eager(expression, args))
    other = data.draw(st.tuples(*(floats_in(-2.0, 2.0) for _ in args)))
    assert_same_results(g(*other), eager(expression, other))


@given(small_graphs())
def test_graphs_with_shared_nodes_equal_the_eager_engine(case):
    steps, leaves = case

    def f(*xs):
        return build_small_graph(steps, xs)[-1]

    g = compile_grad(f, len(leaves), example=leaves)
    assert_same_results(g(*leaves), eager(f, leaves))


@given(expressions(max_arity=2))
def test_compiled_equals_value_and_grad(case):
    expression, args = case
    argnums = tuple(range(expression.arity))
    value, grads = value_and_grad(expression, argnums)(*args)
    assert_same_results(compile_grad(expression, expression.arity)(*args), (value, grads))


def test_long_chains_and_many_uses_compile():
    def chain(x, w):
        y = x
        for i in range(3000):
            y = y * w if i % 2 else y + w
        return y

    g = compile_grad(chain, 2, example=[0.5, 0.999])
    assert_same_results(g(0.3, 0.9995), eager(chain, (0.3, 0.9995)))

    def many_uses(x):
        return sum((x * float(k)).sin() for k in range(200))

    g = compile_grad(many_uses, 1)
    assert_same_results(g(0.7), eager(many_uses, (0.7,)))
    assert max(len(line) for line in g.source.splitlines()) < 600  # sums split over lines


# --- the generated source --------------------------------------------------------------

GOLDEN = '''\
def compiled_grad(x0, x1):
    if type(x0) is not float or type(x1) is not float:
        x0, x1 = real_arguments(x0, x1)  # ints become floats; bool, str, None, complex are refused
    try:
        # forward: one line per op node, in the order f made them
        t0 = x0 * x1  # mul: u × v
        t1 = 1.0 / (1.0 + exp(-t0)) if t0 >= 0.0 else (e := exp(t0)) / (1.0 + e)  # sigmoid
        t2 = log(x0)  # log: ln u
        t3 = t1 + t2  # add: u + v
        # an inf or nan (in the inputs, or from + − × ÷ ^): the eager engine decides
        finite = t0 + t3
        if finite - finite != 0.0:
            return replay_on_engine(x0, x1)  # the eager engine's error or result
        # reverse: g_n is d(output)/dn, summed over the uses of n (chain rule)
        g_t0 = t1 * (1.0 - t1)  # from t1 sigmoid: ∂/∂u = out·(1 − out) = σ(u)(1 − σ(u))
        g_x0 = 1.0 / x0 + g_t0 * x1  # from t2 log: ∂/∂u = 1/u; t0 mul: ∂/∂u = v
        g_x1 = g_t0 * x0  # from t0 mul: ∂/∂v = u
        # an inf or nan gradient: the eager engine reports the overflow
        finite = g_x0 + g_x1
        if finite - finite != 0.0:
            return replay_on_engine(x0, x1)  # the eager engine's error or result
        return t3, (g_x0 + 0.0, g_x1 + 0.0)
    except (ArithmeticError, ValueError):
        return replay_on_engine(x0, x1)  # the eager engine's error (or result)
'''


def small(x, y):
    return (x * y).sigmoid() + x.log()


def test_source_of_a_small_function_reads_like_the_chain_rule():
    g = compile_grad(small, 2)
    assert g.source == GOLDEN
    assert g.nargs == 2


def test_source_is_deterministic_and_independent_of_the_example_point():
    sources = {compile_grad(small, 2, example=p).source for p in ([0.5, 1.0], [3.0, -2.0])}
    assert sources == {GOLDEN}


def test_every_body_line_is_one_assignment_with_a_comment():
    g = compile_grad(lambda x, y: (x * y + x.tanh() - y / 3.0) ** 2.0, 2)
    for line in g.source.splitlines():
        if re.match(r"\s+(t|g_)\w* = ", line):
            assert re.fullmatch(r"\s+(t\d+|g_[xt]\d+) = [^=;]+  # .+", line), line


def test_a_gradient_that_overflows_gets_the_engines_error():
    g = compile_grad(lambda x, y: x / y, 2)
    assert g(1.0, 2.0) == (0.5, (0.5, -0.25))
    with pytest.raises(GradientOverflowError,
                       match=r"div: the derivative with respect to operand 1e-200 .* -inf"):
        g(1.0, 1e-200)  # ∂/∂y = −x/y² overflows (as gradients() reports it)


def test_constants_fold():
    g = compile_grad(lambda x, y: x * 1.0 + 0.0 * y + (2.0 * 3.0 - 6.0) * x, 2)
    assert g(4.0, 5.0) == (4.0, (1.0, 0.0))
    assert "* 1.0" not in g.source and "0.0 * " not in g.source and "6.0" not in g.source
    assert "t0" not in g.source  # nothing left to compute: the result is x0 itself

    captured = Value(2.0) * 3.0  # a Value from outside f is a constant of the trace
    g = compile_grad(lambda x: x * captured, 1)
    assert g(5.0) == (30.0, (6.0,))
    assert "6.0" in g.source


def test_results_that_do_not_depend_on_the_inputs():
    assert compile_grad(lambda x, y: 3.5, 2)(1.0, 2.0) == (3.5, (0.0, 0.0))
    assert compile_grad(lambda x, y: x, 2)(1.5, 2.0) == (1.5, (1.0, 0.0))
    assert compile_grad(lambda: Value(2.0).exp(), 0)() == (math.exp(2.0), ())
    assert compile_grad(lambda x: (x * 0.0).exp(), 1)(7.0) == (1.0, (0.0,))


def test_tracing_leaves_the_callers_tape_alone():
    before = list(tape_module.current().nodes)
    compile_grad(small, 2)
    assert tape_module.current().nodes == before
    with no_grad():  # tracing records even inside no_grad
        g = compile_grad(small, 2)
    assert_same_results(g(0.5, 1.5), eager(small, (0.5, 1.5)))


# --- security: user data never becomes code ----------------------------------------------

HOSTILE = ['"); import os; os.system("echo pwned"); #', "x\nimport os\n", "'''", '"""',
           "\\", "t0 = 1/0", "# -*- coding: rot13 -*-", "\x00", "\u2028 x"]


@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_labels_names_and_docstrings_do_not_enter_the_source(label):
    def f(x, y):
        x.label = label
        z = x * y
        z.label = label
        out = z.log()
        out.label = label
        return out

    f.__name__ = f.__qualname__ = label
    f.__doc__ = label
    g = compile_grad(f, 2, example=[1.0, 2.0])
    assert label not in g.source
    assert g.source == compile_grad(lambda x, y: (x * y).log(), 2, example=[1.0, 2.0]).source
    assert_same_results(g(2.0, 3.0), (math.log(6.0), (0.5, 1.0 / 3.0)))
    with pytest.raises(DomainError) as error:
        g(-2.0, 3.0)
    assert repr(label) in str(error.value)  # labels reach error messages, as data


def test_a_closed_over_value_is_one_constant_on_every_path():
    w = Value(2.0, "w")
    g = compile_grad(lambda x: x * w + (w * w).exp() * x, 1)
    w.data = 5.0  # after compiling: the compiled code keeps 2 on every path
    value, slope = value_and_grad(lambda x: x * 2.0 + math.exp(4.0) * x)(1.0)
    assert g(1.0)[0] == pytest.approx(value, rel=1e-15)
    assert g(1.0)[1][0] == pytest.approx(slope, rel=1e-15)
    value, grads = g(math.inf)  # the replay on the engine, with the same constants
    assert value == math.inf and grads[0] == pytest.approx(slope, rel=1e-15)
    assert g(math.nan)[1][0] == pytest.approx(slope, rel=1e-15)


def test_compile_graph_keeps_a_non_input_leaf_as_it_was():
    from autodiff import compile_graph
    a, b = Value(1.0, "a"), Value(3.0, "b")
    g = compile_graph(a * b, [a])
    b.data = 7.0
    assert g(2.0) == (6.0, (3.0,))
    assert g(math.inf) == (math.inf, (3.0,))
    with pytest.raises(DomainError, match="sqrt"):  # a replayed error sees the old b too
        c = Value(-1.0, "c")
        h = compile_graph((a + c).sqrt(), [a])
        c.data = 10.0
        h(0.0)
