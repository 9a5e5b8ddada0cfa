"""Argument checks shared by nn's constructors: a wrong type is a TypeError naming the type,
a value of the right type out of range a ValueError."""

from __future__ import annotations

import math
import numbers
import random
from typing import Any

from autodiff import Value

ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")

#: The most parameters an nn model may have. Each is a Value of about 260 bytes, and
#: every forward call makes about two graph nodes per weight: a million parameters is
#: about 260 MB before any training, and already far slower than tensors.
MAX_PARAMETERS = 1_000_000


def check_int(x: Any, name: str, minimum: int) -> int:
    """``x`` as an int >= ``minimum`` (bool is not an int here)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(x).__name__}: {x!r}")
    if x < minimum:
        kind = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {kind}, got {x!r}")
    return int(x)


def check_number(x: Any, name: str) -> float:
    """``x`` as a finite float >= 0."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(x).__name__}: {x!r}")
    if not math.isfinite(x) or x < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {x!r}")
    return float(x)


def check_loss_value(value: Any, loss: Any) -> Any:
    """What the loss function returned: it must be a Value (the batch's loss, built from
    the model's outputs), or training would fail inside or, compiled, learn nothing."""
    if not isinstance(value, Value):
        name = getattr(loss, "__qualname__", None) or repr(loss)
        raise TypeError(f"the loss function {name} must return a Value (the batch's loss, "
                        f"computed from the model's outputs), got {type(value).__name__}: "
                        f"{value!r:.80}")
    return value


def check_positive(x: Any, name: str) -> float:
    """``x`` as a finite float > 0."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(x).__name__}: {x!r}")
    if not math.isfinite(x) or x <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {x!r}")
    return float(x)


def check_parameter_count(count: int, what: str) -> None:
    """Refuse a model of more than :data:`MAX_PARAMETERS` parameters, before allocating."""
    if count > MAX_PARAMETERS:
        raise ValueError(
            f"{what} would have {count:,} parameters, more than nn's limit of "
            f"{MAX_PARAMETERS:,} (nn.MAX_PARAMETERS): a scalar engine keeps one Python "
            f"object per number. Models that big belong on tensors: build it in PyTorch "
            f"(torch.nn.Linear layers); a smaller nn model moves there with "
            f"model.to_torch() (pip install -e '.[torch]')")


def check_bool(x: Any, name: str) -> bool:
    """``x`` if it is True or False (not 0, 1 or another truthy value)."""
    if not isinstance(x, bool):
        raise TypeError(f"{name} must be True or False, got {type(x).__name__}: {x!r}")
    return x


def check_seed(x: Any, name: str = "seed") -> int | None:
    """``x`` as an int, or None."""
    if x is not None and (isinstance(x, bool) or not isinstance(x, numbers.Integral)):
        raise TypeError(f"{name} must be an integer or None, got {type(x).__name__}: {x!r}")
    return None if x is None else int(x)


def check_rng(x: Any) -> random.Random:
    """``x`` itself if it is a ``random.Random``; a fresh one for None."""
    if x is None:
        return random.Random()
    if not isinstance(x, random.Random):
        raise TypeError(f"rng must be a random.Random or None, got {type(x).__name__}")
    return x


def check_callable(x: Any, name: str, optional: bool = False) -> Any:
    """``x`` if it can be called (or is None, when ``optional``)."""
    if (x is None and optional) or callable(x):
        return x
    raise TypeError(f"{name} must be callable{' or None' if optional else ''}, "
                    f"got {type(x).__name__}: {x!r}")


def check_activation(activation: Any) -> str:
    """``activation`` if it is one of :data:`ACTIVATIONS`."""
    if not isinstance(activation, str):
        raise TypeError(f"an activation is a name, one of {ACTIVATIONS}, got "
                        f"{type(activation).__name__}: {activation!r}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {ACTIVATIONS}")
    return activation
