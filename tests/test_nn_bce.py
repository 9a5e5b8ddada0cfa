"""binary_cross_entropy from logits: no branch on the logit's value (so a compiled trace is
right everywhere), a finite loss at any logit, and a gradient σ(z) − y exact to rounding."""

import math

import pytest

import autodiff as ad
import nn
from autodiff import Value, compile_grad

LOGITS = [-800.0, -30.0, -1.0, 0.0, 1.0, 30.0, 800.0]


def sigmoid_minus(z: float, y: float) -> float:
    """σ(z) − y to the last bit: (1 − y) σ(z) − y σ(−z), each σ without cancellation."""
    def sigma(u: float) -> float:
        return 1.0 / (1.0 + math.exp(-u)) if u >= 0 else math.exp(u) / (1.0 + math.exp(u))
    return (1.0 - y) * sigma(z) - y * sigma(-z)


def softplus_minus(z: float, y: float) -> float:
    """softplus(z) − y z = (1 − y) softplus(z) + y softplus(−z), with log1p."""
    def softplus(u: float) -> float:
        return max(u, 0.0) + math.log1p(math.exp(-abs(u)))
    return (1.0 - y) * softplus(z) + y * softplus(-z)


@pytest.mark.parametrize("y", [0.0, 1.0])
@pytest.mark.parametrize("z", LOGITS)
def test_compiled_bce_equals_eager_at_any_logit(z, y):
    compiled = compile_grad(lambda v: nn.binary_cross_entropy(v, y, from_logits=True), 1,
                            example=[0.5])
    logit = Value(z)
    eager = nn.binary_cross_entropy(logit, y, from_logits=True)
    eager.backward()
    value, (grad,) = compiled(z)
    assert (value, grad) == (eager.data, logit.grad)
    # value exact to ~1e-16 absolute; gradient to the last bits, even where it is 1e-13
    assert value == pytest.approx(softplus_minus(z, y), rel=1e-12, abs=2e-16)
    assert grad == pytest.approx(sigmoid_minus(z, y), rel=1e-15, abs=0.0)


@pytest.mark.parametrize("y", [0.0, 0.3, 1.0])
def test_bce_gradient_is_exact_across_the_range(y):
    for step in range(-90, 91):
        z = step * 10 / 3  # −300 … 300, around the softplus knee too
        logit = Value(z)
        nn.binary_cross_entropy(logit, y, from_logits=True).backward()
        expected = sigmoid_minus(z, y)
        assert logit.grad == pytest.approx(expected, rel=1e-13, abs=1e-300), z


def test_bce_value_loses_only_absolute_precision():
    """The documented claim: the loss is exact to ~1e-16 absolute (no log1p op)."""
    for z in (10.0, 22.5, 30.0, 36.5):
        loss = nn.binary_cross_entropy(Value(z), 1.0, from_logits=True).data
        exact = math.log1p(math.exp(-z))
        assert abs(loss - exact) <= 1.2e-16


# --- probabilities are taken as given; logits only when asked ------------------------------

def test_a_sigmoid_prediction_is_used_as_given_with_its_node_in_the_graph():
    logit = Value(0.4)
    p = logit.sigmoid()
    loss = nn.binary_cross_entropy(p, 1.0)
    assert p in ad.creation_order(loss)  # the σ node is part of the loss's graph
    loss.backward()
    sigma = 1.0 / (1.0 + math.exp(-0.4))
    assert p.grad == pytest.approx(-1.0 / sigma, rel=1e-14)  # ∂(−log p)/∂p
    assert logit.grad == pytest.approx(sigma - 1.0, rel=1e-14)


def test_a_saturated_probability_says_to_pass_logits():
    p = Value(40.0).sigmoid()  # exactly 1.0 as a float
    with pytest.raises(ad.DomainError, match="from_logits=True"):
        nn.binary_cross_entropy(p, 0.0)
    assert nn.binary_cross_entropy(Value(40.0), 0.0, from_logits=True).data == 40.0


def test_from_logits_needs_values():
    with pytest.raises(TypeError, match="from_logits=True needs Value logits"):
        nn.binary_cross_entropy([0.5], [1.0], from_logits=True)
    with pytest.raises(TypeError, match="from_logits must be True or False"):
        nn.binary_cross_entropy(Value(0.5), 1.0, from_logits="yes")
