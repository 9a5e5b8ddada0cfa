"""User-defined primitives: refused when malformed, and read by every pass like the built-ins."""

import copy
import math
import pickle
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autodiff as ad
from autodiff.core.operators import STEPS
from autodiff.core.ops import CONST_LEFT_OPS, CONST_RIGHT_OPS, OPS


def _softplus(u: float) -> float:
    return max(u, 0.0) + math.log1p(math.exp(-abs(u)))


def softplus_rule(m, u, out):
    return 1.0 / (1.0 + m.exp(-u))


def erf_rule(m, u, out):
    return 2.0 / math.sqrt(math.pi) * m.exp(-u * u)


def hypot_u(m, u, v, out):
    return u / out


def hypot_v(m, u, v, out):
    return v / out


def _log1pexp(x):
    return (1.0 + x.exp()).log()


# name → (forward, partials, formulas, the function written with built-in ops)
CASES = {
    "softplus": (_softplus, [softplus_rule], ("ln(1 + e^u)", "σ(u)"),
                 lambda x: (x.exp() + 1.0).log()),
    "erf": (math.erf, [erf_rule], ("erf u", "2/√π·e^(−u²)"), None),
    "hypot": (math.hypot, [hypot_u, hypot_v], ("√(u² + v²)", "u/out", "v/out"),
              lambda x, y: (x * x + y * y).sqrt()),
    # autodiff.custom_derivative: the forward is a function of Values, computed as written
    "log1pexp": (_log1pexp, [softplus_rule], ("ln(1 + e^u)", "σ(u)"), _log1pexp),
}
CUSTOM = {"log1pexp"}


def define(name):
    """The case's primitive (or custom derivative), as a context manager."""
    forward, partials, formulas, _ = CASES[name]
    make = ad.custom_derivative if name in CUSTOM else ad.primitive
    return make(name, forward, partials, formulas)


@pytest.fixture(params=sorted(CASES))
def prim(request):
    with define(request.param) as p:
        yield p, CASES[request.param][3]


def central(f, xs, i, eps=1e-6):
    up, down = list(xs), list(xs)
    up[i] += eps
    down[i] -= eps
    return (f(*up) - f(*down)) / (2 * eps)


POINTS = {1: (0.4,), 2: (0.4, -1.3)}


def test_gradcheck_accepts_every_rule_to_second_order(prim):
    """What `make mutate` runs on a broken user rule: gradcheck must then report it."""
    p, _ = prim
    report = ad.gradcheck(lambda *a: p(*a) * a[0], *POINTS[p.op.arity], order=2)
    assert report, report


def test_backward_gradients_and_grad_agree_with_finite_differences(prim):
    p, _ = prim
    xs = POINTS[p.op.arity]
    leaves = [ad.Value(x) for x in xs]
    out = p(*leaves) * leaves[0]
    out.backward()
    floats = ad.gradients(out, leaves)
    values = ad.gradients(out, leaves, create_graph=True)
    for i, leaf in enumerate(leaves):
        numeric = central(lambda *a: p(*a) * a[0], xs, i)
        assert leaf.grad == floats[i] == values[i].data
        assert leaf.grad == pytest.approx(numeric, rel=1e-7)
    assert ad.grad(lambda *a: p(*a), argnums=0)(*xs) == pytest.approx(
        central(p, xs, 0), rel=1e-7)


def test_forward_mode_jacobian_and_hvp_agree_with_reverse_mode(prim):
    p, builtin = prim
    xs = POINTS[p.op.arity]
    ones = tuple(1.0 for _ in xs)
    f = lambda *a: p(*a) * a[0]
    value, tangent = ad.jvp(f, xs, ones)
    assert value == f(*xs)
    assert tangent == pytest.approx(sum(ad.vjp(f, xs, 1.0)[1]), rel=1e-12)
    forward, reverse = ad.jacobian(f, "forward")(xs), ad.jacobian(f, "reverse")(xs)
    assert forward[0] == pytest.approx(reverse[0], rel=1e-12)
    hessian_row = ad.hvp(f, xs, ones)
    if builtin is not None:  # the same function from built-in ops: the same second order
        g = lambda *a: builtin(*a) * a[0]
        assert hessian_row == pytest.approx(ad.hvp(g, xs, ones), rel=1e-9)
    assert ad.gradcheck(f, *xs, order=2)


def test_erf_second_derivative_is_the_rule_differentiated():
    with ad.primitive("erf", math.erf, [erf_rule]) as erf:
        x = 0.7
        (second,) = ad.hvp(lambda u: erf(u), (x,), (1.0,))
        assert second == pytest.approx(-4.0 * x / math.sqrt(math.pi) * math.exp(-x * x))


@given(st.floats(-30.0, 30.0))
def test_softplus_gradient_is_sigmoid_everywhere(x):
    with ad.primitive("softplus", _softplus, [softplus_rule]) as softplus:
        v = ad.Value(x)
        softplus(v).backward()
        assert v.grad == pytest.approx(1.0 / (1.0 + math.exp(-x)), rel=1e-12)


def test_a_constant_operand_makes_the_constant_variant(prim):
    p, _ = prim
    if p.op.arity == 1:
        assert p(0.4) == p.op.forward(0.4)  # numbers in, a float out
        return
    x = ad.Value(3.0)
    right, left = p(x, 4), p(4.0, x)
    assert right._op is CONST_RIGHT_OPS[p.name] and left._op is CONST_LEFT_OPS[p.name]
    assert ad.gradients(right, [x]) == (3.0 / 5.0,)
    assert ad.gradients(left, [x]) == (3.0 / 5.0,)
    assert p(3, 4) == 5.0


def test_explain_and_explain_forward_show_the_formula_texts(prim):
    p, _ = prim
    leaves = [ad.Value(x, f"x{i}") for i, x in enumerate(POINTS[p.op.arity])]
    out = p(*leaves)
    for text in (str(ad.explain(out)), str(ad.explain_forward(out, {leaves[0]: 1.0}))):
        assert f"{p.name}(x0" in text
        assert f"∂/∂u = {p.op.derivative_formulas[0]}" in text


def test_pickle_and_deepcopy_keep_the_registered_op(prim):
    p, _ = prim
    leaves = [ad.Value(x) for x in POINTS[p.op.arity]]
    out = p(*leaves) + 1.0
    for copied in (pickle.loads(pickle.dumps(out)), copy.deepcopy(out)):
        node = copied.parents[0]
        assert node._op is p.op and node.data == out.parents[0].data
        assert ad.gradients(copied, list(node.parents)) == ad.gradients(out, leaves)
    assert pickle.loads(pickle.dumps(p.op)) is p.op


def test_count_rules_counts_user_rules(prim):
    p, _ = prim
    x = ad.Value(0.4)
    out = p(*([x] * p.op.arity))
    with ad.count_rules() as count:
        ad.gradients(out, [x])
        ad.forward_tangents(out, {x: 1.0})
    assert count.by_op[p.name] == 2 * p.op.arity


def test_gradcheck_fails_for_a_wrong_rule_and_names_the_input():
    with ad.primitive("bad_softplus", _softplus, [lambda m, u, out: out]) as bad:
        report = ad.gradcheck(lambda x: bad(x), 0.4)
        assert not report
        assert "1 disagree" in str(report)
        assert str(report).split("\n")[-1].split()[0] == "x" and str(report).endswith("NO")


def test_unregister_removes_every_variant_from_the_table():
    before = (dict(OPS), dict(CONST_RIGHT_OPS), dict(CONST_LEFT_OPS))
    with ad.primitive("hypot", math.hypot, [hypot_u, hypot_v]) as p:
        assert OPS["hypot"] is p.op and p.op in STEPS
    assert (dict(OPS), dict(CONST_RIGHT_OPS), dict(CONST_LEFT_OPS)) == before
    p.unregister()  # twice is fine
    with ad.primitive("hypot", math.hypot, [hypot_u, hypot_v]):
        pass  # the name is free again


@pytest.mark.parametrize("other", [lambda: ad.Value(4.0), lambda: 4.0])
def test_a_graph_built_before_unregister_keeps_its_gradients_in_every_pass(other):
    with ad.primitive("hypot", math.hypot, [hypot_u, hypot_v]) as p:
        x, y = ad.Value(3.0), other()
        z = p(x, y) * x
    wanted = ad.gradients(z, [x])
    z.backward()
    assert x.grad == wanted[0] == 5.0 + 3.0 * 3.0 / 5.0
    assert len(ad.explain(z).steps) == 2 and copy.deepcopy(z).data == 15.0


def test_an_unregistered_primitive_refuses_calls_and_a_new_one_takes_its_name():
    with ad.primitive("hypot", math.hypot, [hypot_u, hypot_v]) as old:
        x = ad.Value(3.0)
        before = old(x, 4.0)
    for args in [(x, ad.Value(4.0)), (x, 4.0), (3.0, 4.0)]:
        with pytest.raises(ValueError, match="primitive 'hypot' is unregistered"):
            old(*args)
    twice = [lambda m, u, v, out: 2 * u / out, lambda m, u, v, out: 2 * v / out]
    with ad.primitive("hypot", math.hypot, twice) as new:
        after = new(x, 4.0)
        assert ad.gradients(before, [x]) == (0.6,) and ad.gradients(after, [x]) == (1.2,)
        before.backward()
        after.backward()
        assert x.grad == 0.6 + 1.2


@pytest.mark.parametrize("name", ["exp", "mul", "add_const_right", "abs"])
def test_a_built_in_name_is_refused(name):
    with pytest.raises(ValueError, match=f"'{name}' is a built-in op"):
        ad.primitive(name, math.exp, [softplus_rule])


def test_a_taken_name_is_refused_until_unregistered():
    with (ad.primitive("softplus", _softplus, [softplus_rule]),
          pytest.raises(ValueError, match="'softplus' is already registered")):
        ad.primitive("softplus", _softplus, [softplus_rule])


@pytest.mark.parametrize("args, error, match", [
    ((3, math.exp, [softplus_rule]), TypeError, "must be a str, got int"),
    (("not a name", math.exp, [softplus_rule]), ValueError, "identifier"),
    (("p", 1.0, [softplus_rule]), TypeError, "forward must be callable"),
    (("p", math.exp, []), ValueError, "got 0"),
    (("p", math.exp, [softplus_rule] * 3), ValueError, "got 3"),
    (("p", math.exp, softplus_rule), TypeError, "partials must be a sequence"),
    (("p", math.exp, [1.0]), TypeError, "partial 0"),
    (("p", math.exp, [lambda u: u]), TypeError, r"taking \(m, u, out\)"),
    (("p", math.exp, [hypot_u, hypot_v]), TypeError, "forward must take 2 numbers"),
    (("p", math.exp, [softplus_rule], ("e^u",)), ValueError, "formulas must be 2 strs"),
    (("p", math.exp, [softplus_rule], "e^u"), TypeError, "formulas must be a sequence"),
])
def test_malformed_definitions_are_refused_and_nothing_is_registered(args, error, match):
    with pytest.raises(error, match=match):
        ad.primitive(*args)
    assert "p" not in OPS


def test_bad_calls_and_bad_results_raise_errors_naming_the_primitive():
    with (ad.primitive("half", lambda u: "half", [lambda m, u, out: None]) as half,
          pytest.raises(TypeError, match="'half': forward returned str")):
        half(ad.Value(1.0))
    with ad.primitive("half", lambda u: u / 2, [lambda m, u, out: None]) as half:
        with pytest.raises(TypeError, match="'half' takes 1 operand, got 2"):
            half(1.0, 2.0)
        with pytest.raises(TypeError, match=r"'half': an operand must be .* got str"):
            half("x")
        x = ad.Value(1.0)
        for differentiate in (lambda: half(x).backward(), lambda: ad.gradients(half(x), [x]),
                              lambda: ad.jvp(lambda u: half(u), (1.0,), (1.0,))):
            with pytest.raises(TypeError, match="half: the rule for ∂out/∂u returned NoneType"):
                differentiate()


def test_domain_errors_and_infinite_rules_name_the_primitive_and_the_label():
    with ad.primitive("mylog", math.log, [lambda m, u, out: 1.0 / u]) as mylog:
        with pytest.raises(ad.DomainError, match=r"mylog: operand -1.0 \(node 'x'\)"):
            mylog(ad.Value(-1.0, "x"))
        x = ad.Value(5e-324, "x")
        with pytest.raises(ad.GradientOverflowError, match="mylog"):
            mylog(x).backward()
        with pytest.raises(ad.GradientOverflowError, match="mylog"):
            ad.gradients(mylog(x), [x])
        with pytest.raises(ad.GradientOverflowError, match="mylog"):
            ad.jvp(lambda u: mylog(u), (5e-324,), (1.0,))
    with (ad.primitive("big", lambda u: 1e308 * u, [lambda m, u, out: 1e308]) as big,
          pytest.raises(OverflowError, match="big")):
        big(ad.Value(10.0))


def test_registration_from_many_threads_keeps_every_primitive():
    def define(i):
        return ad.primitive(f"scaled{i}", lambda u: i * u, [lambda m, u, out: float(i)])

    with ThreadPoolExecutor(8) as pool:
        made = list(pool.map(define, range(16)))
    try:
        for i, p in enumerate(made):
            x = ad.Value(2.0)
            assert OPS[p.name] is p.op and ad.gradients(p(x), [x]) == (float(i),)
    finally:
        for p in made:
            p.unregister()


def test_a_rule_that_drops_the_value_is_refused_at_higher_order_never_silently_zero():
    with ad.primitive("exp2", math.exp, [lambda m, u, out: math.exp(u)]) as exp2:
        assert ad.grad(lambda u: exp2(u))(0.5) == math.exp(0.5)  # on floats it is right
        with pytest.raises(TypeError, match="exp2: a derivative rule turned a Value into a"):
            ad.hvp(lambda u: exp2(u), (0.5,), (1.0,))
        x = ad.Value(0.5)
        with pytest.raises(TypeError, match=r"must use m\.exp"):
            ad.gradients(exp2(x), [x], create_graph=True)
    assert float(x) == 0.5  # only inside a rule


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")
def test_drawings_and_the_step_through_page_show_the_primitive_and_its_formulas(tmp_path):
    with ad.primitive("hypot", math.hypot, [hypot_u, hypot_v], CASES["hypot"][2]) as hypot:
        x, y = ad.Value(3.0, "x"), ad.Value(4.0, "y")
        out = hypot(x, y) * hypot(x, 2.0)
        out.backward()
        svg = ad.draw(out).svg()
        assert "hypot(x, y)" in svg and "hypot 2" in svg and "√(u² + v²)" in svg
        page = ad.save_frames(ad.explain(out), tmp_path / "frames").read_text(encoding="utf-8")
        assert "hypot" in page and "v/out" in page
