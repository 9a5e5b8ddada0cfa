"""The documented primitives (softplus, erf) against PyTorch float64, to second order."""

import math

import pytest

import autodiff as ad

torch = pytest.importorskip("torch")


def _softplus(u: float) -> float:
    return max(u, 0.0) + math.log1p(math.exp(-abs(u)))


EXAMPLES = {
    "softplus": (_softplus, lambda m, u, out: 1.0 / (1.0 + m.exp(-u)),
                 torch.nn.functional.softplus),
    "erf": (math.erf, lambda m, u, out: 2.0 / math.sqrt(math.pi) * m.exp(-u * u), torch.erf),
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
@pytest.mark.parametrize("x", [-30.0, -2.5, -0.3, 0.0, 0.7, 3.0, 40.0])
def test_value_first_and_second_derivative_agree_with_torch(name, x):
    forward, rule, reference = EXAMPLES[name]
    with ad.primitive(name, forward, [rule]) as p:
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        out = reference(t) * t
        (first,) = torch.autograd.grad(out, t, create_graph=True)
        (second,) = torch.autograd.grad(first, t)
        f = lambda u: p(u) * u
        assert f(x) == pytest.approx(out.item(), rel=1e-12, abs=1e-300)
        assert ad.grad(f)(x) == pytest.approx(first.item(), rel=1e-12, abs=1e-300)
        assert ad.hvp(f, (x,), (1.0,))[0] == pytest.approx(second.item(), rel=1e-9, abs=1e-12)


def test_softplus_primitive_is_finite_where_the_composed_form_overflows():
    with ad.primitive("softplus", _softplus, [EXAMPLES["softplus"][1]]) as softplus:
        x = ad.Value(1000.0)
        softplus(x).backward()
        assert x.grad == 1.0
        with pytest.raises(OverflowError, match="exp"):
            (ad.Value(1000.0).exp() + 1.0).log()
