"""`Value`: a float that records the operation that made it, so gradients can flow back."""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any, TypeAlias

from . import tape as _tape
from .ops import UNARY, DomainError, Op
from .specialize import compile_methods

Number: TypeAlias = int | float
Operand: TypeAlias = "Value | int | float"


def _as_float(data: Any, what: str) -> float:
    if isinstance(data, numbers.Real) and not isinstance(data, (Value, bool)):
        return float(data)
    raise TypeError(f"{what} must be a real number (int or float), "
                    f"got {type(data).__name__}: {data!r}")


def describe_operands(operands: tuple[Any, ...]) -> str:
    """Operands for an error message: a Value's number and label, a constant's number."""
    return ", ".join(
        (f"{v.data!r} (node {v.label!r})" if v.label else f"{v.data!r} (unlabelled node)")
        if isinstance(v, Value) else repr(v) for v in operands)


def describe_node(node: Value) -> str:
    """`` of node 'label'`` for an error message, or nothing for an unlabelled node."""
    return f" of node {node.label!r}" if node.label else ""


def _op_error(op: Op, operands: tuple[Any, ...], exc: Exception) -> Exception:
    """The error for a failed forward: names the op, the operand(s) and their labels."""
    shown = describe_operands(operands)
    reason = str(exc) or type(exc).__name__
    if isinstance(exc, OverflowError):
        return OverflowError(f"{op.name}: result overflows a float for operand {shown}: {reason}")
    domain = f" (domain: {op.domain})" if op.domain else ""
    return DomainError(f"{op.name}: operand {shown} is outside its domain{domain}: {reason}")


class Value:
    """A scalar in a computation graph.

    ``data`` is the number, ``grad`` the derivative that ``backward()`` leaves here,
    ``op`` the name of the op that made it (``""`` for a leaf) and ``parents`` its
    operands, in order (``a * a`` has the same parent twice). Numbers mixed in as
    constants (``x * 2.0``) are kept on the node, not made into nodes of their own.
    """

    __slots__ = ("data", "grad", "_label", "_op", "_a", "_b", "_tape")

    data: float
    grad: Any  # a float, or a Value after `gradients(..., create_graph=True)` users set it
    _label: str  # left unset on op nodes (one store fewer per node): see `label`
    _op: Op | None  # the primitive that made this node; None for a leaf
    _a: Any  # first operand: a Value, or a float for a constant-left op
    _b: Any  # second operand: a Value, a float for a constant-right op, None if unary
    _tape: _tape.Tape | None  # the tape this node was recorded on (None for a leaf)

    def __init__(self, data: Number, label: str = "") -> None:
        self.data = _as_float(data, "Value data")
        self.grad = 0.0
        self.label = label
        self._op = None
        self._a = None
        self._b = None
        self._tape = None

    @property
    def label(self) -> str:
        """A name for this node, shown in drawings, explanations and errors (``""``: none)."""
        try:
            return self._label
        except AttributeError:  # an op node nobody has named
            return ""

    @label.setter
    def label(self, label: str) -> None:
        if not isinstance(label, str):
            raise TypeError(f"Value label must be a str, got {type(label).__name__}")
        self._label = label

    # --- graph structure --------------------------------------------------------------
    @property
    def op(self) -> str:
        """Name of the op that made this node (a key of ``autodiff.ops.OPS``), or ``""``."""
        return self._op.name if self._op is not None else ""

    @property
    def parents(self) -> tuple[Value, ...]:
        """The Values this node was computed from, in operand order."""
        op = self._op
        if op is None:
            return ()
        if op.kind == UNARY:
            return (self._a,)
        return tuple(v for v in (self._a, self._b) if type(v) is Value)

    @property
    def operands(self) -> tuple[Any, ...]:
        """All operands in order: parents as Values, constants as floats."""
        op = self._op
        if op is None:
            return ()
        return (self._a,) if op.kind == UNARY else (self._a, self._b)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        op = f", op={self.op!r}" if self._op is not None else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label}{op})"

    def __float__(self) -> float:
        return self.data

    def __bool__(self) -> bool:
        raise TypeError("the truth value of a Value is ambiguous; compare v.data instead")

    # Operators and math functions, generated from the op table (see the end of this file).
    __add__: Callable[[Value, Operand], Value]
    __radd__: Callable[[Value, Number], Value]
    __sub__: Callable[[Value, Operand], Value]
    __rsub__: Callable[[Value, Number], Value]
    __mul__: Callable[[Value, Operand], Value]
    __rmul__: Callable[[Value, Number], Value]
    __truediv__: Callable[[Value, Operand], Value]
    __rtruediv__: Callable[[Value, Number], Value]
    __pow__: Callable[[Value, Operand], Value]
    __rpow__: Callable[[Value, Number], Value]
    __neg__: Callable[[Value], Value]
    exp: Callable[[Value], Value]
    log: Callable[[Value], Value]
    sqrt: Callable[[Value], Value]
    tanh: Callable[[Value], Value]
    sigmoid: Callable[[Value], Value]
    relu: Callable[[Value], Value]
    sin: Callable[[Value], Value]
    cos: Callable[[Value], Value]
    abs: Callable[[Value], Value]
    __abs__: Callable[[Value], Value]

    def __pos__(self) -> Value:
        return self

    def backward(self, grad: float = 1.0) -> None:
        """Accumulate d self / d node into ``.grad`` of every node reachable from here.

        Gradients add up across calls, as in PyTorch: reset with ``autodiff.zero_grad``.
        """
        (_backward_pass or _load_backward_pass())(self, grad)


_backward_pass: Callable[[Value, float], None] | None = None  # autodiff.backward.backward


def _load_backward_pass() -> Callable[[Value, float], None]:
    """Import the backward pass on first use (autodiff.backward imports this module)."""
    global _backward_pass
    from .backward import backward
    _backward_pass = backward
    return backward


# --- the operators, generated from the op table ------------------------------------------
# One method per op (and per side for a binary op), written as Python by
# autodiff.specialize from the table and compiled once, not per node. Each computes the
# op's forward on floats and records one node on the tape; `_record_rarely` is the rare
# branch of the recording.

def _is_number(x: Any) -> bool:
    """A real number that can be a constant operand (bool and complex are not)."""
    return type(x) is int or (isinstance(x, numbers.Real) and not isinstance(x, (Value, bool)))


_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}


def _unsupported(name: str, self: Value, other: Any, reflected: bool) -> Any:
    """Let Python try ``other``'s own method, unless it is plainly not a number."""
    if isinstance(other, (str, bytes, complex, list, tuple, dict, set, type(None))) or (
            isinstance(other, numbers.Complex) and not isinstance(other, numbers.Real)):
        left, right = (type(other).__name__, "Value") if reflected else (
            "Value", type(other).__name__)
        raise TypeError(f"unsupported operand type(s) for {_SYMBOLS[name]}: '{left}' and "
                        f"'{right}': a Value combines with Values and real numbers (int, float)")
    return NotImplemented


def _record_rarely(out: Value, tape: _tape.Tape, a: Any, b: Any) -> None:
    """Rare cases of recording: no_grad, a full tape, an operand from an older tape."""
    if not tape.recording:
        out._op = out._a = out._b = out._tape = None
        return
    if len(tape.nodes) >= tape.limit:
        _tape.make_room(tape)
    if (type(a) is Value and a._tape is not tape and a._op is not None) or (
            type(b) is Value and b._tape is not tape and b._op is not None):
        tape.pure = False  # backward() then sorts this graph instead of walking the tape
    tape.nodes.append(out)


for _method_name, _method in compile_methods({
        "Value": Value, "new": object.__new__, "tape_now": _tape.current_or_none,
        "start_tape": _tape.current, "is_number": _is_number, "unsupported": _unsupported,
        "op_error": _op_error, "record_rarely": _record_rarely}).items():
    _method.__qualname__ = f"Value.{_method_name}"
    _method.__module__ = __name__
    setattr(Value, _method_name, _method)
Value.__abs__ = Value.abs  # type: ignore[method-assign]
