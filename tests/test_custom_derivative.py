"""custom_derivative: a function computed as written, differentiated by the user's rule, in
every mode and at second order; and its errors."""

import math

import pytest

import autodiff as ad


def naive(x):
    return (1.0 + x.exp()).log()


def sigmoid(m, u, out):
    return 1.0 / (1.0 + m.exp(-u))


@pytest.fixture
def log1pexp():
    with ad.custom_derivative("log1pexp", naive, [sigmoid], ("ln(1 + e^u)", "σ(u)")) as f:
        yield f


@pytest.mark.parametrize("x", [-30.0, -1.0, 0.0, 0.5, 100.0, 400.0, 709.7])
def test_the_value_is_fs_as_written_and_every_mode_uses_the_rule(log1pexp, x):
    assert log1pexp(ad.Value(x)).data == naive(ad.Value(x)).data == log1pexp(x)
    first = 1.0 / (1.0 + math.exp(-x))
    assert ad.grad(lambda u: log1pexp(u))(x) == first
    assert ad.jvp(lambda u: log1pexp(u), (x,), (1.0,))[1] == first
    assert ad.compile_grad(lambda u: log1pexp(u), 1)(x)[1] == (first,)
    (second,) = ad.hvp(lambda u: log1pexp(u), (x,), (1.0,))
    assert second == pytest.approx(first * (1.0 - first) if x < 30 else math.exp(-x),
                                   rel=1e-12)


def test_where_the_naive_derivative_goes_wrong_the_rule_does_not(log1pexp):
    # First order, 3 ulps off near the top of exp's range:
    assert ad.grad(naive)(709.7) == 0.9999999999999997
    assert ad.grad(lambda u: log1pexp(u))(709.7) == 1.0
    # Second order, 1.0 where it is e^−400 (the naive graph's e^x·e^x overflows to inf):
    assert ad.hvp(naive, (400.0,), (1.0,)) == (1.0,)
    assert ad.hvp(lambda u: log1pexp(u), (400.0,), (1.0,))[0] == pytest.approx(
        math.exp(-400.0), rel=1e-12)
    # Where exp itself overflows, f as written raises, naming the custom function:
    with pytest.raises(OverflowError, match=r"^log1pexp: .*exp: result overflows"):
        log1pexp(ad.Value(1000.0, "x"))


def test_a_binary_function_at_second_order_matches_the_composition():
    def norm(x, y):
        return (x * x + y * y).sqrt()

    with ad.custom_derivative("norm", norm, [lambda m, u, v, out: u / out,
                                             lambda m, u, v, out: v / out]) as custom:
        point = (0.6, -1.7)
        for f, g in ((lambda x, y: custom(x, y) * x, lambda x, y: norm(x, y) * x),
                     (lambda x, y: custom(x, 2.0) + custom(3.0, y), lambda x, y: norm(
                         x, ad.Value(2.0)) + norm(ad.Value(3.0), y))):
            assert ad.vjp(f, point, 1.0)[1] == pytest.approx(ad.vjp(g, point, 1.0)[1])
            assert ad.hvp(f, point, (1.0, 0.5)) == pytest.approx(ad.hvp(g, point, (1.0, 0.5)))
            assert ad.gradcheck(f, *point, order=2)


def test_gradcheck_reports_a_wrong_rule(log1pexp):
    with ad.custom_derivative("wrong", naive, [lambda m, u, out: m.exp(u)]) as wrong:
        assert not ad.gradcheck(lambda u: wrong(u), 0.3)
    assert ad.gradcheck(lambda u: log1pexp(u), 0.3, order=2)


@pytest.mark.parametrize("rule", [lambda m, u, out: 1.0 if u > 0 else 0.0,
                                  lambda m, u, out: math.exp(u) / (1.0 + math.exp(u))],
                         ids=["branch", "math.exp"])
def test_a_rule_that_runs_only_on_floats_is_refused_at_second_order_never_zero(rule):
    with ad.custom_derivative("floats_only", naive, [rule]) as f:
        assert ad.grad(lambda u: f(u))(0.5) == rule(None, 0.5, None)  # first order: fine
        for second in (lambda: ad.hvp(lambda u: f(u), (0.5,), (1.0,)),
                       lambda: ad.gradcheck(lambda u: f(u), 0.5, order=2),
                       lambda: ad.gradients(f(x := ad.Value(0.5)), [x], create_graph=True)):
            with pytest.raises(TypeError, match=r"^floats_only: .*(cannot run on Values|"
                                                r"turned a Value into a float)"):
                second()


def test_errors_name_the_function():
    with pytest.raises(TypeError, match="f must be callable"):
        ad.custom_derivative("c", 3.0, [sigmoid])
    with pytest.raises(TypeError, match="'c': f must take 2 arguments, one per rule"):
        ad.custom_derivative("c", naive, [sigmoid, sigmoid])
    with pytest.raises(ValueError, match="got 3"):
        ad.custom_derivative("c", lambda x, y, z: x, [sigmoid] * 3)
    with ad.custom_derivative("c", lambda x: None, [sigmoid]) as c:
        with pytest.raises(TypeError, match="'c': f returned NoneType"):
            c(ad.Value(1.0))
        with pytest.raises(TypeError, match="'c': f returned NoneType"):
            ad.compile_grad(lambda u: c(u), 1)
    with ad.custom_derivative("c", naive, [lambda m, u, out: (1.0, 2.0)]) as c:
        with pytest.raises(TypeError, match="c: the rule for ∂out/∂u returned tuple"):
            ad.grad(lambda u: c(u))(0.5)
        with pytest.raises(TypeError, match="'c' takes 1 operand, got 2"):
            c(1.0, 2.0)
    assert "c" not in ad.OPS


def test_f_may_branch_on_data_and_every_call_takes_its_own_branch():
    with ad.custom_derivative("absolute", lambda x: x if x.data > 0 else -x,
                              [lambda m, u, out: m.sign(u)]) as absolute:
        g = ad.compile_grad(lambda u: absolute(u) * u, 1, example=[2.0])
        for x in (2.0, -2.5, 0.0):  # f runs at each call, so no branch is frozen
            value, (grad,) = g(x)
            assert (value, grad) == ad.value_and_grad(lambda u: absolute(u) * u)(x) == (
                abs(x) * x, 2.0 * abs(x))
    with ad.custom_derivative("absolute", lambda x: x if x > 0 else -x,
                              [lambda m, u, out: m.sign(u)]) as absolute:
        with pytest.raises(TypeError) as caught:
            absolute(ad.Value(2.0))
        assert "'absolute': f runs on Values" in caught.value.__notes__[0]


def test_the_rule_is_differentiated_at_every_order(log1pexp):
    s = 1.0 / (1.0 + math.exp(-0.3))
    f = lambda u: log1pexp(u)
    assert ad.grad(ad.grad(f))(0.3) == pytest.approx(s * (1 - s), rel=1e-14)
    assert ad.grad(ad.grad(ad.grad(f)))(0.3) == pytest.approx(s * (1 - s) * (1 - 2 * s),
                                                             rel=1e-12)
    assert ad.jacobian(ad.grad(f), "forward")(0.3)[0] == [ad.grad(ad.grad(f))(0.3)]


def test_a_value_f_closes_over_is_refused_its_gradient_would_be_lost():
    w = ad.Value(3.0, "w")
    with ad.custom_derivative("scaled", lambda x: x * w, [lambda m, u, out: 3.0]) as scaled:
        for call in (lambda: scaled(ad.Value(1.0)), lambda: ad.grad(lambda u: scaled(u))(1.0),
                     lambda: ad.compile_grad(lambda u: scaled(u), 1)):
            with pytest.raises(TypeError, match=r"'scaled': f uses a Value .*label='w'"):
                call()
    with ad.custom_derivative("scaled", lambda x, w: x * w,  # as an argument: fine
                              [lambda m, u, v, out: v, lambda m, u, v, out: u]) as scaled:
        x = ad.Value(1.0)
        assert ad.gradients(scaled(x, w), [x, w]) == (3.0, 1.0)
    with ad.custom_derivative("doubled", lambda x: x * ad.Value(2.0),  # made inside f: fine
                              [lambda m, u, out: 2.0]) as doubled:
        assert ad.value_and_grad(lambda u: doubled(u))(1.5) == (3.0, 2.0)
