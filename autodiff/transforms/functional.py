"""JAX-style function transforms on plain floats: `grad` and `value_and_grad`."""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable, Sequence
from typing import Any

from ..core.checks import is_integer, is_real
from ..core.value import Value
from .gradients import gradients
from .nesting import as_value, evaluating, fresh_input, is_nested


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

    Arguments are plain numbers; the results are floats. Called on Values, or inside
    another transform's ``f`` (as in ``grad(grad(f))`` or ``jvp(lambda x: grad(...))``),
    the results are differentiable Values, so the transforms nest. ``f`` records its
    graph even under ``no_grad()``.
    ``argnums`` may be a tuple, giving a tuple of derivatives.
    """
    return _value_and_grad(f, argnums, "value_and_grad")


def _value_and_grad(f: Callable[..., Any], argnums: int | Sequence[int], who: str
                    ) -> Callable[..., tuple[Any, Any]]:
    positions, as_tuple = _argnums(argnums)

    @functools.wraps(f)
    def wrapped(*args: Any) -> tuple[Any, Any]:
        for i in positions:
            if not -len(args) <= i < len(args):
                raise IndexError(f"argnums {i} is out of range for {len(args)} arguments")
        nested = is_nested(args)
        args_list = list(args)
        inputs = []
        for i in positions:
            arg = args[i]
            if not isinstance(arg, Value) and not is_real(arg):
                raise TypeError(f"argument {i} must be a real number, got {type(arg).__name__}")
            x = fresh_input(arg)
            args_list[i] = x
            inputs.append(x)
        with evaluating(who):
            out = f(*args_list)
        if not isinstance(out, Value):
            if not isinstance(out, numbers.Real):
                raise TypeError(f"{getattr(f, '__name__', 'f')} must return a Value or a "
                                f"number, got {type(out).__name__}")
            grads: tuple[Any, ...] = tuple(as_value(0.0) if nested else 0.0 for _ in inputs)
            return out, grads if as_tuple else grads[0]
        grads = gradients(out, inputs, create_graph=nested)
        value = out if nested else out.data
        return value, grads if as_tuple else grads[0]

    return wrapped


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Return the derivative function of ``f``: ``grad(f)(x) == f'(x)``; it nests.

    ``f`` takes and returns Values (use their methods: ``x.sin()``); the derivative
    function takes plain numbers. ``argnums`` picks the argument(s) differentiated by; a
    tuple of them gives a tuple of derivatives.

    Examples:
        >>> f = lambda x, y: x * y + x.sin()
        >>> autodiff.grad(f)(0.0, 2.0)               # y + cos x
        3.0
        >>> autodiff.grad(f, argnums=(0, 1))(0.0, 2.0)
        (3.0, 0.0)
        >>> autodiff.grad(autodiff.grad(f))(0.0, 2.0)  # −sin x (a zero is +0.0)
        0.0
    """
    vg = _value_and_grad(f, argnums, "grad")

    @functools.wraps(f)
    def wrapped(*args: Any) -> Any:
        return vg(*args)[1]

    return wrapped
