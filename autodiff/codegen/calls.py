"""How generated code calls a user primitive (``autodiff.primitive``): by its own name.

Its forward is called as ``softplus(x0)`` and each derivative rule, on floats, as
``softplus_du(x0, t0)`` (operands, then the op's value ``out``), as the eager engine calls
them, so the results are the same floats. The rules are called rather than written out,
as a rule may be any Python on floats (``math.erf``, a branch). A name the generated
code uses already (``finite``, ``t3``, ``exp``, ``e``...) is prefixed with ``user_``.

The functions these names stand for check a result as the eager engine does: a real
number that is not a float (``round`` gives an int) becomes one, and anything else (a
str, None) raises ValueError, which hands the call to the eager engine, whose error
names the primitive.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..core.checks import is_real
from ..core.ops import ALL_OPS, FLOAT_MATH, OPERAND_NAMES, Op, is_primitive

# Names of generated code and of the namespace it runs in (compile.py, training.py).
_USED = re.compile(r"(x|t|s|edge)\d+|(g|new)_\w*|\w+_forward|_\w*|finite|epochs?|stop|losses"
                   r"|weights|states|append|range|type|float|abs|inf|nan|replay_on_engine"
                   r"|real_arguments|compiled_grad|train|ArithmeticError|ValueError"
                   r"|KeyboardInterrupt")
# The math namespace, and the names in forwards written inline (σ's ``e := exp(-u)``).
_TAKEN = frozenset(vars(FLOAT_MATH)) | {
    word for op in ALL_OPS for word in re.findall(r"[A-Za-z_]\w*",
                                                  getattr(op.forward, "expression", ""))}


@dataclass(frozen=True)
class PrimitiveCall:
    """The names under which generated code calls ``op``'s forward and its rules."""

    op: Op
    forward: str
    partials: tuple[str, ...]


def primitive_calls(ops: Iterable[Op | None]) -> dict[str, PrimitiveCall]:
    """A :class:`PrimitiveCall` for each user primitive among ``ops``, by op name; the
    same ops in the same order always get the same names."""
    calls: dict[str, PrimitiveCall] = {}
    taken = set(_TAKEN)
    for op in ops:
        if op is None or not is_primitive(op) or op.name in calls:
            continue
        forward = _free(op.name, taken)
        partials = tuple(_free(f"{forward}_d{OPERAND_NAMES[i]}", taken)
                         for i in range(op.arity))
        calls[op.name] = PrimitiveCall(op.base or op, forward, partials)
    return calls


def _free(candidate: str, taken: set[str]) -> str:
    while candidate in taken or _USED.fullmatch(candidate):
        candidate = f"user_{candidate}"
    taken.add(candidate)
    return candidate


def call_functions(calls: dict[str, PrimitiveCall]) -> dict[str, Callable[..., float]]:
    """What each name of :func:`primitive_calls` stands for in the generated code's namespace."""
    functions: dict[str, Callable[..., float]] = {}
    for call in calls.values():
        functions[call.forward] = _checked(call.op.forward)
        for name, rule in zip(call.partials, call.op.partials, strict=True):
            functions[name] = _checked(rule, FLOAT_MATH)
    return functions


def _checked(function: Callable[..., Any], *first: Any) -> Callable[..., float]:
    def call(*args: float) -> float:
        result = function(*first, *args)
        if type(result) is float:
            return result
        if is_real(result):
            return float(result)
        raise ValueError("not a real number: the eager engine names the primitive")

    return call
