"""Every transform nests in every other, in both orders, and agrees with torch.func.

A transform called inside another transform's ``f`` (or on Values) returns Values, so the
outer transform sees how the inner result depends on its own variable; each transform
differentiates with respect to fresh nodes of its own, so the levels are never confused
(Siskind and Pearlmutter's perturbation confusion).
"""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff as ad
from autodiff import Value, no_grad

# --- the cases --------------------------------------------------------------


def test_grad_inside_jvp_keeps_the_outer_dependence():
    out = ad.jvp(lambda x: x * ad.grad(lambda y: x * y)(1.0), (1.0,), (1.0,))
    assert out == (1.0, 2.0)  # d/dx x·x = 2x


def test_grad_inside_hvp_keeps_the_outer_dependence():
    # f(x) = x · ∂/∂y (x y²)|y=1 = 2x², so f'' = 4
    assert ad.hvp(lambda x: x * ad.grad(lambda y: x * y * y)(1.0), (1.5,), (1.0,)) == (4.0,)


def test_grad_inside_jacobian_both_modes():
    f = lambda x: x * ad.grad(lambda y: x * y)(1.0)
    assert ad.jacobian(f, "forward")(3.0) == [[6.0]]
    assert ad.jacobian(f, "reverse")(3.0) == [[6.0]]


def test_jvp_inside_grad_with_a_tangent_that_depends_on_x():
    # inner tangent = x, so the inner jvp is x·x and its derivative is 2x (torch.func: 2)
    assert ad.grad(lambda x: ad.jvp(lambda y: y * y, (1.0,), (x,))[1])(1.0) == 2.0
    assert ad.grad(lambda x: ad.jvp(lambda y: x * y, (1.0,), (x,))[1])(1.0) == 2.0


def test_jvp_inside_jvp_with_a_tangent_that_depends_on_x():
    assert ad.jvp(lambda x: ad.jvp(lambda y: x * y, (1.0,), (x,))[1], (1.0,), (1.0,))[1] == 2.0


def test_grad_of_a_function_calling_jvp_on_its_argument():
    # jvp at the outer variable itself: d/dx [d/dy y³ at y = x, tangent 1] = 6x
    assert ad.grad(lambda x: ad.jvp(lambda y: y * y * y, (x,), (1.0,))[1])(2.0) == 12.0


@pytest.mark.parametrize("nest", [
    lambda f: ad.grad(ad.grad(f)),
    lambda f: ad.grad(lambda x: ad.grad(f)(x)),
])
def test_grad_under_no_grad(nest):
    with no_grad():
        assert ad.grad(lambda x: x * x * x)(3.0) == 27.0
        assert ad.value_and_grad(lambda x: x * x * x)(3.0) == (27.0, 27.0)
        assert nest(lambda x: x * x * x)(3.0) == 18.0
        assert ad.jvp(lambda x: ad.grad(lambda y: x * y)(1.0), (2.0,), (1.0,)) == (2.0, 1.0)
        y = Value(1.0) * 2.0
    assert y.op == ""  # still no_grad outside the transforms


def test_the_transforms_themselves_record_nothing_outside_under_no_grad():
    with no_grad():
        ad.grad(lambda x: x * x)(3.0)
        assert (Value(2.0) * 3.0).op == ""


# --- perturbation confusion ---------------------------------------------------------


def scalar_transforms():
    """name → d(g)(p, direction) as a number or Value: one derivative of a scalar g."""
    def gradients_at(g, p, d):
        x = p + 0.0 if isinstance(p, Value) else Value(p)  # a fresh node, as the user must
        return ad.gradients(g(x), [x], create_graph=True)[0] * d
    return {
        "grad": lambda g, p, d: ad.grad(g)(p) * d,
        "value_and_grad": lambda g, p, d: ad.value_and_grad(g)(p)[1] * d,
        "jvp": lambda g, p, d: ad.jvp(g, (p,), (d,))[1],
        "vjp": lambda g, p, d: ad.vjp(g, (p,), d)[1][0],
        "jacobian_forward": lambda g, p, d: ad.jacobian(g, "forward")(p)[0][0] * d,
        "jacobian_reverse": lambda g, p, d: ad.jacobian(g, "reverse")(p)[0][0] * d,
        "gradients": gradients_at,
    }


DERIVATIVES = scalar_transforms()
PAIRS = [(outer, inner) for outer in DERIVATIVES for inner in DERIVATIVES]


def _number(x):
    return x.data if isinstance(x, Value) else x


@pytest.mark.parametrize("outer, inner", PAIRS)
def test_siskind_pearlmutter_perturbation_confusion(outer, inner):
    """d/dx [x · d/dy (x + y) at y = 1] at x = 1 is 1 (a confused engine says 2)."""
    D_out, D_in = DERIVATIVES[outer], DERIVATIVES[inner]
    f = lambda x: x * D_in(lambda y: x + y, 1.0, 1.0)
    assert _number(D_out(f, 1.0, 1.0)) == 1.0


@pytest.mark.parametrize("outer, inner", PAIRS)
def test_perturbation_confusion_at_the_same_point(outer, inner):
    """d/dx [d/dy (x · y) at y = x] = d/dx x = 1: the inner point is the outer variable."""
    D_out, D_in = DERIVATIVES[outer], DERIVATIVES[inner]
    f = lambda x: D_in(lambda y: x * y, x, 1.0)
    assert _number(D_out(f, 2.0, 1.0)) == 1.0


@pytest.mark.parametrize("outer, inner", PAIRS)
def test_perturbation_confusion_the_inner_function_closes_over_x(outer, inner):
    """d/dx [d/dy (x·y·y) at y = x] = d/dx 2x² = 4x (a confused engine mixes levels)."""
    D_out, D_in = DERIVATIVES[outer], DERIVATIVES[inner]
    f = lambda x: D_in(lambda y: x * y * y, x, 1.0)
    assert _number(D_out(f, 1.5, 1.0)) == 6.0


def test_hvp_nested_both_ways():
    # hvp inside grad: d/dx [∂²/∂y² (x y³) at y = 1 · x] = d/dx 6x² = 12x
    assert ad.grad(lambda x: ad.hvp(lambda y: x * y * y * y, (1.0,), (x,))[0])(1.0) == 12.0
    # grad inside hvp: f(x) = ∂/∂y (x² y²) at y = x = 2x³, f'' = 12x
    assert ad.hvp(lambda x: ad.grad(lambda y: x * x * y * y)(x), (1.0,), (1.0,)) == (12.0,)
    # hvp inside hvp: f(x) = x · ∂²/∂y² y³ at y = x = 6x², f'' = 12
    assert ad.hvp(lambda x: x * ad.hvp(lambda y: y * y * y, (x,), (1.0,))[0],
                  (0.5,), (1.0,)) == (12.0,)


def test_nested_results_are_values_and_top_level_results_floats():
    seen = {}

    def f(x):
        seen["jvp"] = ad.jvp(lambda y: x * y, (1.0,), (1.0,))
        seen["vjp"] = ad.vjp(lambda y: x * y, (1.0,), 1.0)
        seen["jac"] = ad.jacobian(lambda y: x * y)(1.0)
        seen["hvp"] = ad.hvp(lambda y: x * y * y, (1.0,), (1.0,))
        return x * 1.0

    ad.grad(f)(2.0)
    assert all(isinstance(v, Value) for v in (*seen["jvp"], seen["vjp"][0], *seen["vjp"][1],
                                              seen["jac"][0][0], *seen["hvp"]))
    assert isinstance(ad.jvp(lambda y: y * y, (1.0,), (1.0,))[1], float)


def test_gradients_without_create_graph_inside_a_transform_is_refused():
    with pytest.raises(ValueError, match=r"gradients\(create_graph=False\) inside grad"):
        ad.grad(lambda x: x * ad.gradients(x * x, [x])[0])(1.0)
    with pytest.raises(ValueError, match=r"inside jvp"):
        ad.jvp(lambda x: x * ad.gradients(x * x, [x])[0], (1.0,), (1.0,))


def test_compile_grad_of_a_function_calling_a_transform_names_the_transform():
    for inner in (lambda x: ad.grad(lambda y: x * y)(1.0),
                  lambda x: ad.jvp(lambda y: x * y, (1.0,), (1.0,))[1]):
        with pytest.raises(TypeError, match=r"calls (grad|jvp) inside") as info:
            ad.compile_grad(inner, 1)
        assert "no_grad" not in str(info.value) and "x.data" not in str(info.value)
    # gradients(create_graph=True) inside f compiles: its result is part of the trace
    g = ad.compile_grad(lambda x: ad.gradients(x * x * x, [x], create_graph=True)[0], 1)
    assert g(2.0) == (12.0, (12.0,))


# --- random graphs against torch.func --------------------------------------------------

UNARY = ("sin", "cos", "tanh", "sigmoid", "exp", "soft_log", "square")
BINARY = ("add", "sub", "mul", "soft_div")


def _apply(op, a, b=None):
    if op == "soft_log":
        return (a * a + 1.0).log()
    if op == "square":
        return a * a
    if op in UNARY:
        return getattr(a, op)()
    if op == "add":
        return a + b
    if op == "sub":
        return a - b
    if op == "mul":
        return a * b
    return a / (b * b + 1.0)  # soft_div


@st.composite
def programs(draw):
    """A random h(x, y): steps over earlier nodes (x, y, then each step's result)."""
    steps = []
    for i in range(draw(st.integers(1, 6))):
        if draw(st.booleans()):
            steps.append((draw(st.sampled_from(UNARY)), draw(st.integers(0, i + 1)), None))
        else:
            steps.append((draw(st.sampled_from(BINARY)), draw(st.integers(0, i + 1)),
                          draw(st.integers(0, i + 1))))
    return steps


def run(program, x, y):
    nodes = [x, y]
    for op, i, j in program:
        nodes.append(_apply(op, nodes[i], None if j is None else nodes[j]))
    return nodes[-1] + x * y  # depends on both


def torch_transforms(torch):
    tf = torch.func
    return {
        "grad": lambda g, p, d: tf.grad(g)(p) * d,
        "value_and_grad": lambda g, p, d: tf.grad_and_value(g)(p)[0] * d,
        "jvp": lambda g, p, d: tf.jvp(g, (p,), (d,))[1],
        "vjp": lambda g, p, d: tf.vjp(g, p)[1](d)[0],
        "jacobian_forward": lambda g, p, d: tf.jacfwd(g)(p) * d,
        "jacobian_reverse": lambda g, p, d: tf.jacrev(g)(p) * d,
        "gradients": lambda g, p, d: tf.grad(g)(p) * d,
        "hvp": lambda g, p, d: tf.jvp(tf.grad(g), (p,), (d,))[1],
    }


OURS = {**DERIVATIVES, "hvp": lambda g, p, d: ad.hvp(g, (p,), (d,))[0]}
ALL_PAIRS = [(outer, inner) for outer in OURS for inner in OURS]


@pytest.mark.parametrize("outer, inner", ALL_PAIRS)
@settings(max_examples=6, deadline=None)
@given(program=programs(), x0=st.floats(-1.0, 1.0), c=st.floats(-1.0, 1.0))
def test_every_pair_nests_like_torch_func(outer, inner, program, x0, c):
    """F(x) = x · inner(y ↦ h(x, y)) at y = x/2 + c with direction x; then outer(F) at
    x0 with direction 0.75: the inner point and direction both depend on x."""
    torch = pytest.importorskip("torch")
    theirs = torch_transforms(torch)

    def compose(D_out, D_in, x0, d0):
        def F(x):
            return x * D_in(lambda y: run(program, x, y), x * 0.5 + c, x)
        return D_out(F, x0, d0)

    got = _number(compose(OURS[outer], OURS[inner], x0, 0.75))
    tensor = lambda v: torch.tensor(v, dtype=torch.float64)
    want = compose(theirs[outer], theirs[inner], tensor(x0), tensor(0.75)).item()
    assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9), (got, want)


def test_float_results_inside_a_transform_are_refused_naming_the_nesting():
    def uses_backward(x):
        y = x * x
        y.backward()
        return x * x.grad

    with pytest.raises(RuntimeError, match=r"backward\(\) inside grad's f"):
        ad.grad(uses_backward)(1.0)
    with pytest.raises(ValueError, match=r"forward_tangents inside jvp's f"):
        ad.jvp(lambda x: x * ad.forward_tangents(x * x, {}), (1.0,), (1.0,))
    y = Value(2.0)
    (y * y).backward()  # outside every transform, as before
    assert y.grad == 4.0
