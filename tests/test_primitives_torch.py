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


@pytest.mark.parametrize("x", [-30.0, -2.5, 0.0, 0.7, 100.0, 400.0, 709.7])
def test_log1pexp_with_its_own_rule_agrees_with_torch_to_second_order(x):
    with ad.custom_derivative("log1pexp", lambda u: (1.0 + u.exp()).log(),
                              [EXAMPLES["softplus"][1]]) as log1pexp:
        # ln(1 + e^x)' = σ(x) = 1/(1 + e^−x), differentiated by torch at second order (its
        # softplus is linear above 20, and its sigmoid's derivative σ(1 − σ) is 0 once σ
        # rounds to 1, where the truth is e^−x).
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        first = 1.0 / (1.0 + torch.exp(-t))
        (second,) = torch.autograd.grad(first, t)
        assert ad.grad(lambda u: log1pexp(u))(x) == pytest.approx(first.item(), rel=1e-15)
        assert ad.hvp(lambda u: log1pexp(u), (x,), (1.0,))[0] == pytest.approx(
            second.item(), rel=1e-12, abs=1e-300)


def test_the_naive_log1pexp_is_nan_at_100_in_float32_torch_and_an_error_here_at_710():
    t = torch.tensor(100.0, dtype=torch.float32, requires_grad=True)
    (torch.log(1.0 + torch.exp(t))).backward()
    assert math.isnan(t.grad.item())  # e^100 is inf in float32: inf/inf
    assert ad.grad(lambda u: (1.0 + u.exp()).log())(100.0) == 1.0  # float64: e^100 is finite
    with pytest.raises(OverflowError, match="exp"):
        ad.grad(lambda u: (1.0 + u.exp()).log())(710.0)
