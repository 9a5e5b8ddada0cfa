"""compile_grad: misuse is refused with an explanation; failures are the eager engine's."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from test_codegen import assert_same_results, eager, small

from autodiff import (
    DomainError,
    Value,
    compile_grad,
    compile_graph,
    gradients,
    no_grad,
    value_and_grad,
)

# --- misuse -------------------------------------------------------------------------------

@pytest.mark.parametrize("f", [
    lambda x: x * 2.0 if x > 0 else -x,
    lambda x: x if x else x + 1.0,
    lambda x: max(x, 0.0),
    lambda x: (x.sin() < x.cos()) * 1.0,
])
def test_data_dependent_control_flow_is_refused_with_an_explanation(f):
    with pytest.raises(TypeError, match=r"compile_grad.*single trace.*control flow") as error:
        compile_grad(f, 1)
    assert isinstance(error.value.__cause__, TypeError)


def test_branching_on_data_specialises_to_the_trace():
    g = compile_grad(lambda x: x * 2.0 if x.data > 0 else -x, 1, example=[1.0])
    assert g(-3.0) == (-6.0, (2.0,))  # the branch taken at the example, as documented


def test_a_domain_error_while_tracing_says_to_choose_another_example():
    with pytest.raises(DomainError, match="log") as error:
        compile_grad(lambda x: (x - 1.0).log(), 1)
    assert "example=[0.5]" in error.value.__notes__[0]
    assert compile_grad(lambda x: (x - 1.0).log(), 1, example=[2.0])(3.0)[1] == (0.5,)


def test_other_type_errors_in_f_pass_through():
    with pytest.raises(TypeError, match="unsupported operand"):
        compile_grad(lambda x: x + "1", 1)


def test_calling_with_the_wrong_number_of_arguments():
    g = compile_grad(small, 2)
    for args in ((), (1.0,), (1.0, 2.0, 3.0)):
        with pytest.raises(TypeError, match="positional argument"):
            g(*args)


@pytest.mark.parametrize("nargs", [-1, 1.0, True, "2", None])
def test_bad_nargs(nargs):
    with pytest.raises(TypeError, match="nargs"):
        compile_grad(small, nargs)


def test_bad_arguments_to_compile_grad():
    with pytest.raises(TypeError, match="callable"):
        compile_grad(3.0, 1)
    with pytest.raises(ValueError, match="example has 1 values but nargs is 2"):
        compile_grad(small, 2, example=[1.0])
    with pytest.raises(TypeError, match=r"example\[1\]"):
        compile_grad(small, 2, example=[1.0, "2"])
    with pytest.raises(TypeError, match="must return a Value or a number"):
        compile_grad(lambda x: [x], 1)


# --- domain errors: the engine's own, naming op, operand and label ------------------------

def eager_error(f, args):
    """The engine's error for f at args (gradients(), which leaves no .grad behind, as the
    compiled call does), its inputs labelled like the generated code's."""
    with pytest.raises((ArithmeticError, ValueError)) as error:
        xs = [Value(a, f"x{i}") for i, a in enumerate(args)]
        gradients(f(*xs), xs)
    return error.value


@pytest.mark.parametrize(("f", "args"), [
    (lambda x: x.log(), (0.0,)),
    (lambda x: x.log(), (-1.0,)),
    (lambda x: x.sqrt(), (-4.0,)),
    (lambda x: x.sqrt(), (0.0,)),  # the forward is fine, the derivative 1/(2√a) is not
    (lambda x, y: x / y, (1.0, 0.0)),
    (lambda x, y: x ** y, (-8.0, 1.0 / 3.0)),
    (lambda x: x ** -1.0, (0.0,)),
    (lambda x: x.exp(), (1000.0,)),
    (lambda x, y: (x * y).sigmoid(), (1e200, 1e200)),  # overflow the sigmoid would hide
    (lambda x, y: (x * y + 1.0).sigmoid(), (1e200, 1e200)),  # checked through the sum
    (lambda x, y: (1.0 / (x * y)).sigmoid(), (1e200, 1e200)),  # 1/inf = 0 hides it
])
def test_errors_are_the_eager_engines(f, args):
    g = compile_grad(f, len(args), example=[0.5 + 0.25 * i for i in range(len(args))])
    expected = eager_error(f, args)
    with pytest.raises(type(expected)) as error:
        g(*args)
    assert str(error.value) == str(expected)
    assert error.value.__suppress_context__  # no "during handling of..." noise


def test_a_false_alarm_of_the_finite_check_changes_nothing():
    def f(x):  # t0 = 1.5e308 and t2 = 1.25e308 are finite; the check's sum is not
        return (x * 1.5) * 1e-300 + (x * 1.25) * 1e-300

    g = compile_grad(f, 1)
    assert_same_results(g(1e308), eager(f, (1e308,)))


# --- inf and nan given by the caller: IEEE results, as the eager engine gives them --------

def same_float(a: float, b: float) -> bool:
    """Equal, or both nan (nan == nan is False)."""
    return a == b or (math.isnan(a) and math.isnan(b))


def assert_same_or_both_nan(compiled, expected) -> None:
    (value, grads), (expected_value, expected_grads) = compiled, expected
    assert same_float(value, expected_value), (compiled, expected)
    assert len(grads) == len(expected_grads)
    assert all(same_float(g, e) for g, e in zip(grads, expected_grads, strict=True)), (
        compiled, expected)


NON_FINITE_CASES = [  # folds (x · 0 = 0, x · 1 = x, x + 0 = x) that are exact only for finite x
    (lambda x: x * 0.0, (math.inf,)),
    (lambda x: (x * 0.0).sigmoid() + x, (math.inf,)),
    (lambda x: (x * 0.0).sigmoid() + x, (math.nan,)),
    (lambda x: 0.0 * x.exp(), (math.inf,)),
    (lambda x: (x + 0.0).exp() * 1.0, (-math.inf,)),
    (lambda x: x.tanh(), (math.inf,)),
    (lambda x: x.sigmoid() * 2.0, (math.nan,)),
    (lambda x, y: (x * y) * 0.0 + x, (1.0, math.inf)),
    (lambda x, y: (x * y).tanh() + y * 0.0, (2.0, -math.inf)),
    (lambda x, y: x / y + y, (1.0, math.inf)),
    (lambda x, y: x - y, (math.inf, math.inf)),
]


@pytest.mark.parametrize(("f", "args"), NON_FINITE_CASES)
def test_inf_and_nan_inputs_give_the_eager_engines_results(f, args):
    g = compile_grad(f, len(args))
    expected = value_and_grad(f, tuple(range(len(args))))(*args)
    assert_same_or_both_nan(g(*args), expected)
    finite = tuple(0.25 * (i + 1) for i in range(len(args)))  # and finite ones still agree
    assert_same_or_both_nan(g(*finite), value_and_grad(f, tuple(range(len(args))))(*finite))


def test_compile_graph_gives_the_engines_aux_values_for_inf_and_nan_inputs():
    a, b = Value(0.3, "a"), Value(-1.2, "b")
    hidden = (a * 0.0).tanh()
    g = compile_graph(hidden * b + a, [a, b], aux=[hidden, 2.5])
    value, grads, aux = g(math.inf, 1.0)
    assert math.isnan(value) and all(math.isnan(x) for x in grads)
    assert math.isnan(aux[0]) and aux[1] == 2.5


# --- values the trace cannot see: frozen at the example point, so refused -----------------

def computed_under_no_grad(x):
    with no_grad():
        c = x * 2.0  # a plain leaf holding 2x at the example point
    return c * x


@pytest.mark.parametrize("f", [
    computed_under_no_grad,
    lambda x: x * x.data,
    lambda x, y: x * float(y) + y,
    lambda x: x + Value(x.data).exp(),
    lambda x: x.data * 2.0,
])
def test_values_computed_from_the_arguments_outside_the_trace_are_refused(f):
    nargs = f.__code__.co_argcount
    with pytest.raises(TypeError, match=r"compile_grad.*frozen at the example point") as error:
        compile_grad(f, nargs)
    assert "no_grad" in str(error.value) and ".data" in str(error.value)


def test_constants_made_under_no_grad_or_from_data_branches_still_compile():
    def f(x):
        with no_grad():
            c = Value(2.0) * 3.0  # does not depend on x: a constant, rightly
        return c * x if x.data > 0 else -x  # a branch fixed at the example, as documented

    g = compile_grad(f, 1)
    assert g(4.0) == (24.0, (6.0,)) and g(-1.0) == (-6.0, (6.0,))


# --- arguments of the compiled function: real numbers, as for the eager engine ------------

@pytest.mark.parametrize("bad", ["a", None, True, 1 + 2j, [1.0]])
@pytest.mark.parametrize(("f", "nargs"), [(small, 2), (lambda x, y: x, 2),
                                          (lambda x, y: x * y, 2), (lambda x, y: 3.5, 2)])
def test_a_compiled_gradient_refuses_arguments_that_are_not_real_numbers(f, nargs, bad):
    g = compile_grad(f, nargs)
    with pytest.raises(TypeError, match=rf"argument 1 must be a real number.*got "
                                        rf"{type(bad).__name__}"):
        g(0.5, bad)


def test_a_compiled_gradient_takes_ints_and_other_reals_as_floats():
    g = compile_grad(small, 2)
    assert g(2, 3) == g(2.0, 3.0) == g(Fraction(2), np.float64(3.0))
    assert all(type(x) is float for x in (g(2, 3)[0], *g(2, 3)[1]))


@pytest.mark.parametrize("message", [
    "the truth value of a Value is ambiguous; compare v.data instead",
    "'<' not supported between instances of 'Values' and 'float'",
])
def test_fs_own_type_errors_that_mention_values_pass_through(message):
    def f(x):
        raise TypeError(message)

    with pytest.raises(TypeError) as error:
        compile_grad(f, 1)
    assert str(error.value) == message
