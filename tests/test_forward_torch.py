"""jvp, jacobian and hvp against PyTorch float64 (torch.func.jvp, torch.autograd.functional)."""

import math

import pytest
from hypothesis import given, settings
from strategies import expressions

import autodiff as ad

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script`:DeprecationWarning")


def tensors(xs):
    return tuple(torch.tensor(x, dtype=torch.float64) for x in xs)


def close(ours, theirs, tol=1e-12):
    assert abs(ours - theirs) <= tol * max(1.0, abs(theirs)), (ours, theirs)


@settings(max_examples=40, deadline=None)
@given(expressions(max_arity=3, kinks=True))
def test_jvp_agrees_with_torch_func_jvp(case):
    expression, args = case
    v = tuple(0.25 + i for i in range(len(args)))
    value, tangent = ad.jvp(expression, args, v)
    t_value, t_tangent = torch.func.jvp(expression, tensors(args), tensors(v))
    close(value, t_value.item())
    close(tangent, t_tangent.item())


def several(expression):
    """Three outputs from one expression: ∂/∂x differs per output and per input."""
    return lambda *xs: (expression(*xs), expression(*xs).sin() * xs[0], xs[-1] * 2.0)


def torch_several(expression):
    return lambda *xs: torch.stack([o if torch.is_tensor(o) else torch.tensor(o)
                                    for o in several(expression)(*xs)])


@settings(max_examples=30, deadline=None)
@given(expressions(max_arity=4))
def test_jacobian_both_ways_agrees_with_torch(case):
    expression, args = case
    theirs = torch.autograd.functional.jacobian(torch_several(expression), tensors(args))
    for mode in ("forward", "reverse", "auto"):
        ours = ad.jacobian(several(expression), mode)(*args)
        assert len(ours) == 3 and all(len(row) == len(args) for row in ours)
        for i in range(3):
            for j in range(len(args)):
                close(ours[i][j], theirs[j][i].item())


@settings(max_examples=30, deadline=None)
@given(expressions(max_arity=3))
def test_hvp_agrees_with_torch(case):
    expression, args = case
    v = tuple(1.0 - 0.75 * i for i in range(len(args)))
    ours = ad.hvp(expression, args, v)
    _, theirs = torch.autograd.functional.hvp(expression, tensors(args), tensors(v))
    for a, b in zip(ours, theirs, strict=True):
        close(a, b.item(), 1e-10)


def test_the_seed_networks_gradient_by_jvp_and_vjp_agrees_with_torch():
    w = [0.3, -0.2, 0.5, 0.7]

    def net(a, b, c, d):
        h = (a * w[0] + b * w[1]).sigmoid()
        return ((h * c + d).sigmoid() - 1.0) ** 2 * 0.5

    args = (0.1, 0.4, -0.6, 0.2)
    grads = torch.autograd.functional.jacobian(net, tensors(args))
    _, cotangent = ad.vjp(net, args, 1.0)
    for j in range(4):
        basis = tuple(1.0 if k == j else 0.0 for k in range(4))
        close(ad.jvp(net, args, basis)[1], grads[j].item())
        close(cotangent[j], grads[j].item())
    assert math.isfinite(sum(cotangent))
