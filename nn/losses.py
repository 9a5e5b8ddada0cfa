"""Loss functions on model outputs: the seed's E = Σ ½(a − y)², mean squared error, and BCE.

Each takes ``pred`` (a Value, or a list of them, possibly nested one level for a batch
of multi-output samples) and ``target`` of the same shape (numbers), and returns one
Value. Only forward arithmetic on Values: the engine differentiates it.
"""

from __future__ import annotations

from typing import Any

from autodiff import DomainError, Value
from autodiff.core.checks import check_flag, is_array, is_real, is_sequence
from autodiff.labels import loss_piece_labels


def _pairs(pred: Any, target: Any, path: str = "pred") -> list[tuple[Value | float, float]]:
    """Walk ``pred`` and ``target`` side by side; they must have the same nesting."""
    if isinstance(pred, Value) or is_real(pred):
        if is_array(target) and target.size == 1:
            target = target.reshape(()).item()
        elif is_sequence(target) and len(target) == 1:
            target = target[0]
        if not is_real(target):
            raise TypeError(f"target for {path} must be a number, got "
                            f"{type(target).__name__}: {target!r}")
        return [(pred, float(target))]
    if not is_sequence(pred):
        raise TypeError(f"{path} must be a Value or a list of Values, got {type(pred).__name__}")
    if not is_sequence(target):
        raise ValueError(f"{path} has {len(pred)} entries but the target is a single "
                         f"{type(target).__name__}")
    if len(pred) != len(target):
        raise ValueError(f"{path} has {len(pred)} entries but the target has {len(target)}")
    if len(pred) == 0:
        raise ValueError(f"{path} is empty: a loss needs at least one prediction")
    pairs = []
    for i, (p, t) in enumerate(zip(pred, target, strict=True)):
        pairs.extend(_pairs(p, t, f"{path}[{i}]"))
    return pairs


def _total(terms: list[Value]) -> Value:
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def half_squared_error(pred: Any, target: Any) -> Value:
    """The seed's error ``E = Σ ½(a − y)²`` over every output and sample.

    Its gradient with respect to each output is ``a − y``, so δ of the output layer is
    ``(a − y) σ'(z)``, exactly the seed's ``a2_delta`` up to sign.
    """
    terms = []
    for a, y in _pairs(pred, target):
        difference = a - y
        square = difference ** 2
        term = 0.5 * square
        if isinstance(a, Value) and a.label:  # the article's pieces, for pictures and tables
            difference.label, square.label, term.label = loss_piece_labels(a.label)
        terms.append(term)
    total = _total(terms)
    if len(terms) > 1 and isinstance(total, Value):
        total.label = "E"  # the seed's name for the sum (one term keeps its own)
    return total


def mse(pred: Any, target: Any) -> Value:
    """Mean squared error ``(1/n) Σ (a − y)²`` over the n outputs."""
    pairs = _pairs(pred, target)
    return _total([(a - y) ** 2 for a, y in pairs]) * (1.0 / len(pairs))


#: Beyond this the softplus takes its linear part: e^u is only ever taken at u <= 2 × this.
_SOFTPLUS_KNEE = 300.0


def _softplus(u: Value) -> Value:
    """``log(1 + e^u)`` for any finite u, with engine ops only and no branch on u's value.

    It is ``log(1 + e^min(u, K)) + max(u − K, 0)`` with ``K = 300`` and
    ``min(u, K) = u − max(u − K, 0)``: exp never overflows (for u > K the first term is
    K to the last bit), and for u < K the gradient σ(u) = e^u / (1 + e^u) comes down
    one path, exact to rounding however small it is.
    """
    excess = (u - _SOFTPLUS_KNEE).relu()
    return (1.0 + (u - excess).exp()).log() + excess


def _bce_from_logit(z: Value, y: float) -> Value:
    """``softplus(z) − y z``, written as ``(1 − y) softplus(z) + y softplus(−z)``."""
    parts = []  # a term whose weight is 0 is left out
    if y != 1.0:
        parts.append(_softplus(z) if y == 0.0 else (1.0 - y) * _softplus(z))
    if y != 0.0:
        parts.append(_softplus(-z) if y == 1.0 else y * _softplus(-z))
    return _total(parts)


def binary_cross_entropy(pred: Any, target: Any, from_logits: bool = False) -> Value:
    """Mean of ``−y log p − (1 − y) log(1 − p)`` over the outputs, targets y in [0, 1].

    By default ``pred`` holds probabilities p, used exactly as given, whatever made them:
    for a sigmoid output, the loss's graph runs through the σ node, as drawn, and
    ``pred.grad`` is ∂loss/∂p. A p of exactly 0.0 or 1.0 (a saturated sigmoid: σ(z) is
    1.0 as a float for z > ~37) then makes a log of 0, which raises a DomainError.

    With ``from_logits=True``, ``pred`` holds logits z (p = σ(z); e.g. an MLP whose last
    activation is "linear"), and the loss is computed from them, stably, as
    ``softplus(z) − y z = (1 − y) softplus(z) + y softplus(−z)``, with engine ops only and
    no branch on z's value (so a compiled trace is right for every z). exp never
    overflows, so the loss stays finite for any finite z, and the gradient
    ∂loss/∂z = σ(z) − y is exact to rounding. The loss value is exact to ~1e-16
    *absolute* (there is no log1p op): a loss below ~1e-10 has fewer than 6 correct
    digits, and one below ~1e-16 reads 0. Prefer this for training.

    With ``pred`` a Value, not a list, the mean is over that one output.
    """
    check_flag(from_logits, "from_logits")
    terms = []
    pairs = _pairs(pred, target)
    for p, y in pairs:
        if not 0.0 <= y <= 1.0:
            raise ValueError(f"binary_cross_entropy targets must be in [0, 1], got {y!r}")
        if not isinstance(p, Value):
            what = "logits" if from_logits else "predictions"
            raise TypeError(f"binary_cross_entropy needs Value {what}, got {p!r}"
                            + (" (from_logits=True needs Value logits)" if from_logits else ""))
        terms.append(_bce_from_logit(p, y) if from_logits else _bce_from_probability(p, y))
    return _total(terms) * (1.0 / len(pairs))


def _bce_from_probability(p: Value, y: float) -> Value:
    """``−y log p − (1 − y) log(1 − p)``, as written."""
    parts = []  # a term whose weight y or 1 − y is 0 is left out, log and all
    try:
        if y != 0.0:
            parts.append(y * p.log())
        if y != 1.0:
            parts.append((1.0 - y) * (1.0 - p).log())
    except DomainError as exc:
        raise DomainError(f"{exc}. binary_cross_entropy got the probability {p.data!r} "
                          f"for target {y!r}, whose log is -inf (a saturated sigmoid?): "
                          f"pass the logits with from_logits=True for a loss that stays "
                          f"finite") from None
    return -_total(parts)
