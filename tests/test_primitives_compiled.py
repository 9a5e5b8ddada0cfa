"""compile_grad, compile_graph and compile_training on user primitives: the generated code
calls the user's forward and rules by name and gives the eager engine's floats and errors."""

import dis
import math
import re
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_primitives import CASES, POINTS, define

import autodiff as ad
from autodiff.codegen.training import compile_training


def bits(x):
    """A float with its sign, so that 0.0 and -0.0 differ."""
    return x, math.copysign(1.0, x)


def outcome(run):
    """The value and gradients as bits, or the error's type and message (without labels:
    value_and_grad's inputs have none, the compiled code's are x0, x1...)."""
    try:
        value, grads = run()
    except (ArithmeticError, ValueError, TypeError) as error:
        return type(error), re.sub(r"\((unlabelled node|node '\w+')\)", "(node)", str(error))
    return bits(value), [bits(g) for g in grads]


def eager(f, args):
    return outcome(lambda: ad.value_and_grad(f, argnums=tuple(range(len(args))))(*args))


def compiled(g, args):
    return outcome(lambda: g(*args))


@pytest.fixture(params=sorted(CASES))
def prim(request):
    with define(request.param) as p:
        yield p


def mixed(p):
    """A function of two inputs that uses ``p`` twice, with built-in ops around it."""
    if p.op.arity == 1:
        return lambda x, y: p(x * y) * p(y).tanh() + x
    return lambda x, y: p(x, y) * p(y, 2.0) + p(3.0, x).sin()


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=40, deadline=None)
@given(args=st.tuples(st.floats(-3.0, 3.0), st.floats(-3.0, 3.0)))
def test_compiled_gradients_are_the_eager_engines_bit_for_bit(name, args):
    with define(name) as p:
        f = mixed(p)
        assert compiled(ad.compile_grad(f, 2), args) == eager(f, args)


def test_the_generated_code_calls_the_forward_and_each_rule_by_name(prim):
    g = ad.compile_grad(mixed(prim), 2)
    name = prim.name
    assert re.search(rf"^ +t\d+ = {name}\(", g.source, re.MULTILINE)
    for operand in "uv"[:prim.op.arity]:
        assert f"{name}_d{operand}(" in g.source
    assert f"# {name}: {prim.op.formula}" in g.source
    body = g.source.split("try:\n")[1].split("    except")[0]
    for line in body.splitlines():  # straight-line code: one assignment a line
        assert re.match(r" +(#|[a-z_]\w* = |if |return )", line), line


def test_compile_graph_with_aux_values(prim):
    xs = [ad.Value(x) for x in POINTS[prim.op.arity]]
    middle = prim(*xs)
    out = middle * xs[0]
    g = ad.compile_graph(out, xs, aux=[middle])
    value, grads, aux = g(*POINTS[prim.op.arity])
    assert (value, grads, aux) == (out.data, ad.gradients(out, xs), (middle.data,))


def test_compiled_training_with_a_primitive_is_eager_training_bit_for_bit(prim):
    points = [(0.3, -0.4), (1.1, 0.2), (-0.7, 0.9)]

    def loss_of(w):
        total = 0.0
        for x, y in points:
            pred = prim(w[0] * x + w[1]) if prim.op.arity == 1 else prim(w[0] * x, w[1] + y)
            total = total + (pred - y) ** 2
        return total

    params = [ad.Value(0.5, "w0"), ad.Value(-0.25, "w1")]
    train = compile_training(loss_of(params), params, lambda w, g, s: (w - 0.05 * g, s))
    losses = []
    done, weights, _, _, _ = train(20, SimpleNamespace(requested=False), losses,
                                   [0.5, -0.25], [0.0, 0.0])
    expected_losses, w = [], [0.5, -0.25]
    for _ in range(20):
        leaves = [ad.Value(x) for x in w]
        loss = loss_of(leaves)
        loss.backward()
        expected_losses.append(loss.data)
        w = [x.data - 0.05 * x.grad for x in leaves]
    assert done == 20 and losses == expected_losses and list(weights) == w


def test_an_int_result_becomes_a_float_as_in_the_eager_engine():
    with ad.primitive("round_ste", round, [lambda m, u, out: 1]) as round_ste:
        f = lambda x: round_ste(x * 3.0) * round_ste(x)
        g = ad.compile_grad(f, 1)
        value, (grad,) = g(0.9)
        assert type(value) is float and type(grad) is float
        assert compiled(g, (0.9,)) == eager(f, (0.9,))


@pytest.mark.parametrize("names", [("finite", "user_finite"), ("t0", "x1"), ("type", "step"),
                                   ("e", "u"),
                                   ("real_arguments", "replay_on_engine"), ("g_x0", "edge0")])
def test_a_name_the_generated_code_uses_is_called_under_another(names):
    with (ad.primitive(names[0], math.sin, [lambda m, u, out: m.cos(u)]) as p,
          ad.primitive(names[1], math.atan2, [lambda m, u, v, out: v / (u * u + v * v),
                                              lambda m, u, v, out: -u / (u * u + v * v)]) as q):
        f = lambda x, y: q(p(x) * y, x) + p(q(y, 2.0))
        g = ad.compile_grad(f, 2)
        assert f"user_{names[0]}(" in g.source
        for args in ((0.3, 0.8), (-1.5, 2.5), (2.0, 0.0)):
            assert compiled(g, args) == eager(f, args)


@pytest.mark.parametrize("name", ["if", "None", "lambda"])
def test_a_keyword_is_refused_as_a_name(name):
    with pytest.raises(ValueError, match="not a keyword"):
        ad.primitive(name, math.sin, [lambda m, u, out: m.cos(u)])


def test_errors_are_the_eager_engines_and_name_the_primitive():
    def odd_forward(u):
        return "odd" if u > 5.0 else 1e308 * u

    def odd_rule(m, u, out):
        return None if u < -1.0 else 1.0 / u

    with (ad.primitive("mylog", math.log, [lambda m, u, out: 1.0 / u]) as mylog,
          ad.primitive("odd", odd_forward, [odd_rule]) as odd):
        cases = [(lambda x: mylog(x), -1.0, ad.DomainError),  # the forward raises
                 (lambda x: mylog(x), 5e-324, ad.GradientOverflowError),  # an inf rule
                 (lambda x: odd(x), 6.0, TypeError),  # the forward returns a str
                 (lambda x: odd(x), 3.0, OverflowError),  # the forward returns inf
                 (lambda x: odd(x), -1.5, TypeError)]  # the rule returns None
        for f, x, error in cases:
            g = ad.compile_grad(f, 1, example=[0.75])
            found = compiled(g, (x,))
            assert found == eager(f, (x,))
            assert issubclass(found[0], error) and re.search(r"\b(mylog|odd)\b", found[1])


def test_formula_texts_stay_in_one_comment_line():
    texts = ("u\nimport os\r\nos.remove('x')", "1\x0c\u2028raise SystemExit")
    with ad.primitive("plain", lambda u: u, [lambda m, u, out: 1.0], texts) as plain:
        g = ad.compile_grad(lambda x: plain(x) * x, 1)
        assert "import os" not in [line.strip() for line in g.source.splitlines()]
        for line in g.source.splitlines():
            if "plain" in line:
                assert re.match(r" +\w+ = [^#]*  # ", line), line
        assert g(2.0) == (4.0, (4.0,))


def test_every_name_generated_code_uses_is_one_calls_py_keeps_from_users():
    """A user primitive is never called by a name generated code uses for itself: each
    such name is known to codegen/calls.py (or is a built-in op's, which no primitive can
    take). Fails when the generator gains a name that calls.py does not know."""
    from autodiff.codegen.calls import _TAKEN, _USED
    from autodiff.core.ops import ALL_OPS

    with define("hypot") as hypot:
        def f(x, y):
            t = (x / y).log() + (x * x).sqrt() * y ** 2.5 + hypot(x, y) - x.relu()
            return sum((t * float(i) for i in range(12)), start=t.tanh() + y.sigmoid())

        params = [ad.Value(0.5, "a"), ad.Value(0.75, "b")]
        generated = [ad.compile_grad(f, 2), ad.compile_graph(f(*params), params, aux=[1.0]),
                     compile_training(f(*params), params, lambda w, g, s: (w - g, s * 0.5 + g))]
        calls = {"hypot", "hypot_du", "hypot_dv"}
        known = _TAKEN | {op.name for op in ALL_OPS} | calls
        for g in generated:
            code = g.__code__
            attributes = {i.argval for i in dis.get_instructions(code) if "ATTR" in i.opname}
            for used in {*code.co_varnames, *code.co_names} - attributes:
                assert used in known or _USED.fullmatch(used), used
