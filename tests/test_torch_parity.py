"""PyTorch float64 as a reference: each op and random expression graphs (values, first and
second derivatives) agree to ~1e-12 relative."""

import pytest
from hypothesis import given, settings
from strategies import all_variants, apply_op, expressions, fixed_points, variant_id

import autodiff as ad
from autodiff import Value
from autodiff.core.ops import CONST_LEFT, CONST_RIGHT

torch = pytest.importorskip("torch")

def build(op, leaves, operands):
    """The op applied to ``leaves`` (Values or tensors); constants stay plain floats."""
    return apply_op(op, operands, leaves)


def live_operands(op, operands):
    if op.kind == CONST_RIGHT:
        return [operands[0]]
    if op.kind == CONST_LEFT:
        return [operands[1]]
    return list(operands)


def torch_derivatives(fn, args):
    """(value, gradient, Hessian) of fn at args from PyTorch float64."""
    xs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in args]
    out = fn(*xs)
    firsts = torch.autograd.grad(out, xs, create_graph=True, allow_unused=True)
    hessian = []
    for g in firsts:
        if g is None or not g.requires_grad:
            hessian.append([0.0] * len(xs))
            continue
        row = torch.autograd.grad(g, xs, retain_graph=True, allow_unused=True)
        hessian.append([0.0 if h is None else h.item() for h in row])
    return out.item(), [0.0 if g is None else g.item() for g in firsts], hessian


def engine_derivatives(fn, args):
    xs = [Value(a) for a in args]
    out = fn(*xs)
    firsts = ad.gradients(out, xs, create_graph=True)
    hessian = [list(ad.gradients(g, xs)) for g in firsts]
    return out.data, [g.data for g in firsts], hessian


def assert_close(ours, theirs, scale):
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-13 * scale)


@pytest.mark.parametrize("op", all_variants(), ids=variant_id)
def test_each_op_matches_pytorch(op):
    for operands in fixed_points(op, count=5, seed=7):
        args = live_operands(op, operands)

        def fn(*leaves, op=op, operands=operands):
            return build(op, leaves, operands)

        value, grads, hessian = engine_derivatives(fn, args)
        t_value, t_grads, t_hessian = torch_derivatives(fn, args)
        scale = 1.0 + abs(t_value)
        assert_close(value, t_value, scale)
        assert_close(grads, t_grads, scale)
        for row, t_row in zip(hessian, t_hessian, strict=True):
            assert_close(row, t_row, scale)


@pytest.mark.parametrize(("name", "x"), [("relu", 0.0), ("abs", 0.0), ("relu", -2.0)])
def test_kink_conventions_match_pytorch(name, x):
    fn = lambda v: getattr(v, name)()
    assert engine_derivatives(fn, [x])[1] == torch_derivatives(fn, [x])[1]


@settings(max_examples=60)
@given(expressions(kinks=True))
def test_random_expressions_match_pytorch(case):
    fn, args = case
    value, grads, hessian = engine_derivatives(fn, args)
    t_value, t_grads, t_hessian = torch_derivatives(fn, args)
    scale = 1.0 + abs(t_value) + max(abs(g) for g in t_grads)
    assert_close(value, t_value, scale)
    assert_close(grads, t_grads, scale)
    for row, t_row in zip(hessian, t_hessian, strict=True):
        assert_close(row, t_row, scale * (1.0 + max(abs(h) for h in t_row)))
