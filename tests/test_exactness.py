"""backward() adds exactly this call's contribution whatever .grad values exist; NaN and
inf the user passes in follow IEEE on every path; huge ints are named; gradients() never
evaluates a rule for an edge that leads to no requested input."""

import math

import pytest

import autodiff as ad
from autodiff import GradientOverflowError, Value, compile_grad, gradients, value_and_grad


def fresh_gradients(build, args):
    xs = [Value(a) for a in args]
    out = build(*xs)
    return gradients(out, xs)


def build(x, w):
    h = (x * w).tanh()
    return h * h + (h * x).sigmoid() * w + x.exp() * h


@pytest.mark.parametrize("preset", [0.1, -3.7, 1e-300, 12345.678])
def test_backward_adds_old_plus_this_calls_sum_bit_for_bit(preset):
    fresh = fresh_gradients(build, (0.3, -1.2))
    x, w = Value(0.3), Value(-1.2)
    x.grad, w.grad = preset, -preset
    build(x, w).backward()
    assert x.grad.hex() == (preset + fresh[0]).hex()
    assert w.grad.hex() == (-preset + fresh[1]).hex()


def test_a_gradient_set_on_the_output_or_an_interior_node_is_not_sent_on():
    x = Value(2.0)
    y = x * x
    y.grad = 5.0
    y.backward()
    assert x.grad == 4.0 and y.grad == 6.0
    x = Value(2.0)
    t = x * x
    out = t.sin() * 1.0
    t.grad = 7.0
    out.backward()
    assert x.grad == math.cos(4.0) * 4.0 and t.grad == 7.0 + math.cos(4.0)


def test_two_backward_calls_on_one_graph_add_twice_exactly():
    x = Value(0.9)
    out = (x * x).sin() * x
    out.backward()
    once = x.grad
    out.backward()
    assert x.grad == once + once and out.grad == 2.0


def test_a_failed_backward_leaves_old_gradients_added_back():
    x = Value(0.0, "x")
    ok = x * 3.0
    ok.backward()
    bad = x.sqrt() + x  # sqrt's derivative at 0 is infinite
    with pytest.raises(ad.DomainError, match="sqrt"):
        bad.backward()
    assert x.grad >= 3.0  # the earlier 3.0 is back (plus what was added before the error)


# --- IEEE passthrough -------------------------------------------------------------------

def test_a_nan_the_user_passed_in_never_raises_an_overflow_whatever_the_order():
    nan = float("nan")
    for make in (lambda w, x: w * 1.0 + w * x, lambda w, x: w * x + w * 1.0):
        w, x = Value(1.0, "w"), Value(nan, "x")
        make(w, x).backward()
        assert math.isnan(w.grad) and x.grad == 1.0
        grads = gradients(make(Value(1.0), Value(nan)), [Value(1.0)])
        assert grads == (0.0,)
        value, (gw, gx) = value_and_grad(make, argnums=(0, 1))(1.0, nan)
        assert math.isnan(value) and math.isnan(gw) and gx == 1.0
        compiled = compile_grad(make, 2)(1.0, nan)
        assert math.isnan(compiled[0]) and math.isnan(compiled[1][0]) and compiled[1][1] == 1.0


def test_a_second_backward_onto_a_nan_leaf_follows_ieee():
    w = Value(1.0)
    w.grad = float("nan")
    (w * 2.0 + w * 3.0).backward()
    assert math.isnan(w.grad)


def test_an_overflow_from_finite_numbers_is_still_reported():
    x = Value(1e-300, "x")
    out = x * 1e300  # 1.0: fine; d out/dx = 1e300
    with pytest.raises(GradientOverflowError, match=r"mul.*'x'"):
        out.backward(1e10)
    y = Value(float("inf"), "y")  # an inf the user put in: the same sum follows IEEE
    (y * 1e300).backward(1e10)
    assert y.grad == float("inf")


# --- huge ints --------------------------------------------------------------------------

@pytest.mark.parametrize("make", [lambda: Value(2.0) * 10**400, lambda: 10**400 + Value(2.0),
                                  lambda: Value(2.0) ** 10**400, lambda: 10**400 / Value(2.0)])
def test_a_huge_int_operand_is_an_overflow_error_naming_the_op(make):
    with pytest.raises(OverflowError, match=r"^(mul|add|pow|div): the number operand 1000"):
        make()


def test_a_huge_int_as_value_data_or_compiled_argument_is_named():
    with pytest.raises(OverflowError, match="Value data"):
        Value(10**400)
    g = compile_grad(lambda x, y: x * y, 2)
    with pytest.raises(OverflowError, match="argument 1"):
        g(1.0, 10**400)


# --- gradients() evaluates only edges that lead to a requested input ---------------------

def test_gradients_of_pow_at_zero_zero_for_the_base_only():
    x, y = Value(0.0), Value(0.0)
    assert gradients(x ** y, [x]) == (0.0,)  # PyTorch: 0
    assert gradients(x ** y, [x, y]) == (0.0, 0.0)  # d/dy 0^y at y = 0: 0 in PyTorch too


def test_gradients_never_evaluates_a_rule_off_the_requested_paths():
    x, y = Value(-2.0), Value(3.0)
    out = x ** y  # d/dy needs log(-2): undefined, but y is not requested
    assert gradients(out, [x]) == (12.0,)
    with pytest.raises(ad.DomainError, match="pow"):
        gradients(out, [y])
