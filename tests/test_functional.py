"""grad / value_and_grad and higher-order gradients: closed forms, finite differences of the
lower order, nesting without perturbation confusion."""

import math

import pytest
from hypothesis import given, settings
from strategies import derivative, derivative_tolerance, floats_in

import autodiff as ad
from autodiff import Value, grad, value_and_grad


def sigma(x):
    return 1 / (1 + math.exp(-x))


# (function on Values, [f', f'', f'''] closed forms, region)
CLOSED_FORMS = {
    "sigmoid": (lambda x: x.sigmoid(), [
        lambda x: sigma(x) * (1 - sigma(x)),
        lambda x: sigma(x) * (1 - sigma(x)) * (1 - 2 * sigma(x)),
        lambda x: sigma(x) * (1 - sigma(x)) * (1 - 6 * sigma(x) + 6 * sigma(x) ** 2)], (-6, 6)),
    "tanh": (lambda x: x.tanh(), [
        lambda x: 1 - math.tanh(x) ** 2,
        lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2),
        lambda x: -2 * (1 - math.tanh(x) ** 2) * (1 - 3 * math.tanh(x) ** 2)], (-4, 4)),
    "sin": (lambda x: x.sin(), [math.cos, lambda x: -math.sin(x), lambda x: -math.cos(x)],
            (-6, 6)),
    "cos": (lambda x: x.cos(), [lambda x: -math.sin(x), lambda x: -math.cos(x), math.sin],
            (-6, 6)),
    "exp": (lambda x: x.exp(), [math.exp] * 3, (-5, 5)),
    "log": (lambda x: x.log(), [lambda x: 1 / x, lambda x: -1 / x ** 2, lambda x: 2 / x ** 3],
            (0.1, 10)),
    "sqrt": (lambda x: x.sqrt(), [lambda x: 0.5 * x ** -0.5, lambda x: -0.25 * x ** -1.5,
                                  lambda x: 0.375 * x ** -2.5], (0.1, 10)),
    "pow3.5": (lambda x: x ** 3.5, [lambda x: 3.5 * x ** 2.5, lambda x: 8.75 * x ** 1.5,
                                    lambda x: 13.125 * x ** 0.5], (0.1, 4)),
    "2**x": (lambda x: 2.0 ** x, [lambda x, k=k: math.log(2) ** k * 2 ** x for k in (1, 2, 3)],
             (-4, 4)),
    "x**x": (lambda x: x ** x, [
        lambda x: x ** x * (math.log(x) + 1),
        lambda x: x ** x * ((math.log(x) + 1) ** 2 + 1 / x),
        lambda x: x ** x * ((math.log(x) + 1) ** 3 + 3 * (math.log(x) + 1) / x - 1 / x ** 2)],
             (0.2, 3)),
    "div": (lambda x: 1.0 / (x * x + 1.0), [
        lambda x: -2 * x / (x * x + 1) ** 2,
        lambda x: (6 * x * x - 2) / (x * x + 1) ** 3,
        lambda x: 24 * x * (1 - x * x) / (x * x + 1) ** 4], (-3, 3)),
}


def nth(f, n):
    for _ in range(n):
        f = grad(f)
    return f


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
@pytest.mark.parametrize("order", [1, 2, 3])
@settings(max_examples=25)
@given(data=floats_in(0.0, 1.0))
def test_higher_derivatives_match_closed_forms_and_lower_order_differences(name, order, data):
    f, forms, (lo, hi) = CLOSED_FORMS[name]
    x = lo + (hi - lo) * data
    analytic = nth(f, order)(x)
    assert isinstance(analytic, float)
    assert analytic == pytest.approx(forms[order - 1](x), rel=1e-10, abs=1e-12)
    lower = nth(f, order - 1)
    h = 1e-3
    numeric = derivative(lambda t: float(lower(t) if order > 1 else f(Value(t)).data), x, h)
    noise = derivative_tolerance(lambda t: forms[order - 1](t), x, h)
    assert analytic == pytest.approx(numeric, rel=1e-6, abs=noise + 1e-9)


def test_third_derivative_of_a_two_variable_function_via_gradients():
    x, y = Value(0.7), Value(-0.4)
    out = (x * y).sin() * x
    (dx,) = ad.gradients(out, [x], create_graph=True)
    (dxx,) = ad.gradients(dx, [x], create_graph=True)
    (dxxy,) = ad.gradients(dxx, [y])
    # out = x sin(xy);  ∂²/∂x² = 2y cos(xy) − x y² sin(xy)
    # ∂³/∂x²∂y = 2 cos(xy) − 4xy sin(xy) − x²y² cos(xy)
    xv, yv = 0.7, -0.4
    p = xv * yv
    assert dxx.data == pytest.approx(2 * yv * math.cos(p) - xv * yv * yv * math.sin(p), rel=1e-14)
    assert dxxy == pytest.approx(2 * math.cos(p) - 4 * p * math.sin(p) - p * p * math.cos(p),
                                 rel=1e-13)
    numeric = derivative(lambda t: 2 * t * math.cos(xv * t) - xv * t * t * math.sin(xv * t),
                         yv, 1e-3)
    assert dxxy == pytest.approx(numeric, rel=1e-8)


def test_argnums_tuple_and_value_and_grad():
    def f(a, b, c):
        return a * 2.0 ** b + c * c

    value, (da, dc) = value_and_grad(f, argnums=(0, 2))(2.0, 0.5, -3.0)
    assert value == pytest.approx(2 * 2 ** 0.5 + 9, rel=1e-15)
    assert (da, dc) == pytest.approx([2 ** 0.5, -6.0], rel=1e-15)
    assert grad(f, 1)(2.0, 0.5, -3.0) == pytest.approx(2 * math.log(2) * 2 ** 0.5, rel=1e-15)
    assert grad(f, -1)(2.0, 0.5, -3.0) == -6.0
    assert grad(lambda a, b: 3.0)(1.0, 2.0) == 0.0


def test_mixed_second_derivative_through_nested_grad():
    f = lambda x, y: x * x * y.sin()
    dxy = grad(lambda x, y: grad(f, 0)(x, y), 1)
    assert dxy(1.5, 0.3) == pytest.approx(2 * 1.5 * math.cos(0.3), rel=1e-14)


def test_no_perturbation_confusion():
    # d/dx [x · d/dy (x + y)] = d/dx [x · 1] = 1  (a classic bug in nested forward/reverse AD)
    def inner(x):
        return x * grad(lambda y: x + y)(1.0)

    assert grad(inner)(2.0) == 1.0
    # d/dx [x · d/dy (x · y)] at y=… = d/dx [x²] = 2x
    assert grad(lambda x: x * grad(lambda y: x * y)(3.0))(2.5) == 5.0


def test_triple_nesting_is_grad_grad_grad():
    assert nth(lambda x: x ** 4.0, 3)(1.5) == pytest.approx(24 * 1.5, rel=1e-14)
    assert nth(lambda x: x.sin() * x, 3)(0.8) == pytest.approx(
        -3 * math.sin(0.8) - 0.8 * math.cos(0.8), rel=1e-13)


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="argnums"):
        grad(lambda x: x, argnums="0")
    with pytest.raises(IndexError, match="argnums 3"):
        grad(lambda x: x, argnums=3)(1.0)
    with pytest.raises(TypeError, match="argument 0"):
        grad(lambda x: x)("1.0")


def test_argnums_naming_an_argument_twice_is_refused():
    with pytest.raises(ValueError, match="twice"):
        ad.grad(lambda x, y: x * y, argnums=(0, 0))
