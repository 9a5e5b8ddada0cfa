"""`gradients`: d output / d input for chosen inputs, as floats or as differentiable Values.

The rules of the op table run here on floats (``FLOAT_MATH``) or on Values
(``VALUE_MATH``, for higher-order derivatives), as the steps of the one reverse sweep
(:func:`autodiff.core.backward.reverse_sweep`), so the floats are bit for bit the
``.grad`` that ``backward()`` leaves. A rule is evaluated only for an edge that leads to
a requested input; at a zero gradient, only the rules that can be infinite are (the
edge-point rule: :func:`checked_partial`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from ..core import tape as _tape
from ..core.backward import as_raised, every_op, reverse_sweep
from ..core.errors import check_contribution
from ..core.graph import check_at_zero_gradient, checked_partial, creation_order, value_operands
from ..core.ops import (
    FLOAT_MATH,
    _log,
    _pow,
    log_scaled_taken_as_zero,
    scaled_pow_taken_as_zero,
)
from ..core.value import Value
from .nesting import refuse_floats_inside


def _value_or_float(method: str, on_float: Any) -> Any:
    def fn(x: Any) -> Any:
        return getattr(x, method)() if isinstance(x, Value) else on_float(x)
    fn.__name__ = method
    return fn


def _data(x: Any) -> float:
    return x.data if isinstance(x, Value) else x


def _singular_zero(label: str, *args: Any) -> Value:
    """0, as a Value that cannot be differentiated: ``(x · 0) ** 0.5`` over the Value
    arguments, whose pow rule raises (naming pow) once a gradient reaches it.

    A "taken as 0" case of pow's rules (∂/∂v = out·ln u at u = 0; ∂/∂u = v·u^(v−1) at v = 0
    with u ≤ 0) is 0 as a first derivative, as in PyTorch, but its own derivative there is
    infinite or undefined (PyTorch's masked rules give NaN): differentiating it again
    raises instead of giving a silent 0."""
    product: Any = 0.0
    for arg in args:
        if isinstance(arg, Value):
            product = arg * 0.0 if isinstance(product, float) else product * arg
    node = (product * 0.0) ** 0.5
    node.label = label
    return node


def _scaled_pow(c: Any, u: Any, e: Any) -> Any:
    if not scaled_pow_taken_as_zero(_data(c)):
        return c * (u ** e if isinstance(u, Value) or isinstance(e, Value) else _pow(u, e))
    if isinstance(c, Value) and _data(u) <= 0:  # a Value exponent at 0, base ≤ 0
        # Singular along the exponent (ln u, or 1/u at u = 0), and along u only at u = 0.
        along = (c, e, u) if _data(u) == 0 else (c, e)
        return _singular_zero("∂(u^v)/∂u at v = 0, u ≤ 0", *along)
    return 0.0


def _log_scaled(x: Any, u: Any) -> Any:
    if not log_scaled_taken_as_zero(_data(x), _data(u)):
        return x * VALUE_MATH.log(u)
    if _data(u) == 0 and (isinstance(x, Value) or isinstance(u, Value)):
        return _singular_zero("∂(u^v)/∂v at u = 0", x, u)
    return 0.0


VALUE_MATH = SimpleNamespace(
    exp=_value_or_float("exp", math.exp), log=_value_or_float("log", _log),
    sin=_value_or_float("sin", math.sin), cos=_value_or_float("cos", math.cos),
    # Piecewise-constant factors: their own derivative is 0, so they enter as constants.
    step=lambda u: FLOAT_MATH.step(_data(u)),
    sign=lambda u: FLOAT_MATH.sign(_data(u)),
    # pow's "taken as 0" cases: 0, but a second derivative through them raises where
    # PyTorch's is NaN (see _singular_zero).
    scaled_pow=_scaled_pow, log_scaled=_log_scaled,
)


def gradients(output: Value, inputs: Sequence[Value] | Value, create_graph: bool = False
              ) -> tuple[Any, ...]:
    """d output / d input for each input, leaving every ``.grad`` untouched.

    With ``create_graph=True`` the results are Values in a new graph built from the op
    table's rules, so they can be differentiated again (second, third derivatives...).
    An input that ``output`` does not depend on gets 0.

    Examples:
        >>> x, y = autodiff.Value(3.0, "x"), autodiff.Value(2.0, "y")
        >>> out = x * x * y
        >>> autodiff.gradients(out, [x, y])           # (2xy, x²)
        (12.0, 9.0)
        >>> (dx,) = autodiff.gradients(out, [x], create_graph=True)
        >>> autodiff.gradients(dx, [x, y])            # (2y, 2x)
        (4.0, 6.0)
    """
    inputs = (inputs,) if isinstance(inputs, Value) else tuple(inputs)
    for v in inputs:
        if not isinstance(v, Value):
            raise TypeError(f"gradients() inputs must be Values, got {type(v).__name__}")
    if not isinstance(output, Value):
        raise TypeError(f"gradients() needs a Value output, got {type(output).__name__}")
    if not create_graph:
        refuse_floats_inside("gradients(create_graph=False)")
    order = creation_order(output)
    # The nodes from which a requested input can be reached: only their edges are used.
    leads = {id(v) for v in inputs}
    for node in order:
        if node._op is not None and any(id(v) in leads for _, v in value_operands(node)):
            leads.add(id(node))
    m = VALUE_MATH if create_graph else FLOAT_MATH
    grads: dict[int, Any] = {id(output): 1.0}

    def send(node: Value, g: Any) -> None:
        """``g`` × ∂node/∂parent into each parent that leads to an input (the sum starts
        with the first contribution; +0.0 is added to the results)."""
        for position, parent in value_operands(node):
            key = id(parent)
            if key not in leads:
                continue
            local = checked_partial(node, position, m, create_graph)
            before = grads.get(key)
            try:
                contribution = g * local
                total = (contribution if create_graph else 0.0 + contribution) if (
                    before is None) else before + contribution
            except OverflowError:  # on Values (create_graph): the same error as on floats
                check_contribution(node, parent, _data(g),
                                   0.0 if before is None else _data(before), in_backward=False)
                raise
            grads[key] = total
            if type(total) is float and total - total != 0.0:
                check_contribution(node, parent, g, 0.0 if before is None else before,
                                   in_backward=False)

    nodes = [node for node in reversed(order) if node._op is not None and id(node) in leads]
    with (_tape.enable_grad() if create_graph else _tape.no_grad()):
        reverse_sweep(nodes, every_op(send), grads,
                      lambda node, g: check_at_zero_gradient(node, leads, False), as_raised)
    results = []
    for v in inputs:
        g = grads.get(id(v), 0.0)
        if create_graph and not isinstance(g, Value):
            g = Value(g + 0.0)
        elif create_graph and g.data == 0.0:
            g = g + 0.0  # a gradient starts at +0.0: a −0.0 sum shows as 0.0
        results.append(g)
    return tuple(results)
