"""JAX-style function transforms on plain floats: `grad` and `value_and_grad`."""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any

from ..core.checks import is_integer
from ..core.value import Value
from .gradients import gradients

# How many transformed functions are being evaluated right now (in this context). Inside
# one, a transform's results must stay Values even when its own arguments are floats:
# the function may close over the outer transform's Values (grad(lambda x: x * grad(...))).
_depth: ContextVar[int] = ContextVar("autodiff_transform_depth", default=0)


def _argnums(argnums: int | Sequence[int]) -> tuple[tuple[int, ...], bool]:
    if is_integer(argnums):
        return (argnums,), False
    if isinstance(argnums, Sequence) and argnums and all(
            is_integer(i) for i in argnums):
        if len(set(argnums)) != len(argnums):
            raise ValueError(f"argnums names an argument twice: {argnums!r}")
        return tuple(argnums), True
    raise TypeError(f"argnums must be an int or a non-empty sequence of ints, got {argnums!r}")


def value_and_grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0
                   ) -> Callable[..., tuple[Any, Any]]:
    """Return ``g`` with ``g(*args) == (f(*args), df/dargs[argnums])``.

    Arguments are plain numbers; the results are floats. Called on Values (as happens in
    ``grad(grad(f))``), the results are differentiable Values, so the transforms nest.
    ``argnums`` may be a tuple, giving a tuple of derivatives.
    """
    positions, as_tuple = _argnums(argnums)

    @functools.wraps(f)
    def wrapped(*args: Any) -> tuple[Any, Any]:
        for i in positions:
            if not -len(args) <= i < len(args):
                raise IndexError(f"argnums {i} is out of range for {len(args)} arguments")
        depth = _depth.get()
        nested = depth > 0 or any(isinstance(arg, Value) for arg in args)
        args_list = list(args)
        inputs = []
        for i in positions:
            arg = args[i]
            if isinstance(arg, Value):
                # A fresh node on top of an outer trace's Value: derivatives are taken
                # with respect to this node only, so nested transforms don't mix levels.
                x = arg + 0.0
            elif isinstance(arg, numbers.Real):
                x = Value(arg)
            else:
                raise TypeError(f"argument {i} must be a real number, got {type(arg).__name__}")
            args_list[i] = x
            inputs.append(x)
        token = _depth.set(depth + 1)
        try:
            out = f(*args_list)
        finally:
            _depth.reset(token)
        if not isinstance(out, Value):
            if not isinstance(out, numbers.Real):
                raise TypeError(f"{getattr(f, '__name__', 'f')} must return a Value or a "
                                f"number, got {type(out).__name__}")
            zero = Value(0.0) if nested else 0.0
            grads: tuple[Any, ...] = tuple(zero for _ in inputs)
            return out, grads if as_tuple else grads[0]
        grads = gradients(out, inputs, create_graph=nested)
        value = out if nested else out.data
        return value, grads if as_tuple else grads[0]

    return wrapped


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Return the derivative function of ``f``: ``grad(f)(x) == f'(x)``; it nests."""
    vg = value_and_grad(f, argnums)

    @functools.wraps(f)
    def wrapped(*args: Any) -> Any:
        return vg(*args)[1]

    return wrapped
