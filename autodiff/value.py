"""`Value`: a float that records the operation that made it, so gradients can flow back."""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any, TypeAlias

from . import tape as _tape
from .ops import CONST_LEFT_OPS, CONST_RIGHT_OPS, OPS, UNARY, DomainError, Op

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

    __slots__ = ("data", "grad", "label", "_op", "_a", "_b", "_tape")

    data: float
    grad: Any  # a float, or a Value after `gradients(..., create_graph=True)` users set it
    label: str
    _op: Op | None  # the primitive that made this node; None for a leaf
    _a: Any  # first operand: a Value, or a float for a constant-left op
    _b: Any  # second operand: a Value, a float for a constant-right op, None if unary
    _tape: _tape.Tape | None  # the tape this node was recorded on (None for a leaf)

    def __init__(self, data: Number, label: str = "") -> None:
        self.data = _as_float(data, "Value data")
        if not isinstance(label, str):
            raise TypeError(f"Value label must be a str, got {type(label).__name__}")
        self.grad = 0.0
        self.label = label
        self._op = None
        self._a = None
        self._b = None
        self._tape = None

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
# One method per op, made here once (not per node). Each computes the op's forward on
# floats and records one node on the tape. They are the hot path, so the recording is
# written out in place rather than in a helper; `_note_other_tape` is its rare branch.

_new = object.__new__
_tape_now = _tape.current_or_none
_start_tape = _tape.current


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


def _note_other_tape(out: Value, tape: _tape.Tape, a: Any, b: Any) -> None:
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


def _unary_method(op: Op) -> Callable[[Value], Value]:
    forward = op.forward

    def method(self: Value) -> Value:
        try:
            data = forward(self.data)
        except (ArithmeticError, ValueError) as exc:
            raise _op_error(op, (self,), exc) from None
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        tape = _tape_now() or _start_tape()
        out._op = op
        out._a = self
        out._b = None
        out._tape = tape
        nodes = tape.nodes
        if len(nodes) >= tape.limit or (self._tape is not tape and self._op is not None):
            _note_other_tape(out, tape, self, None)
        else:
            nodes.append(out)
        return out

    method.__name__ = op.name
    method.__doc__ = f"{op.formula}; derivative {op.derivative_formulas[0]}."
    return method


def _binary_method(name: str, reflected: bool) -> Callable[[Value, Any], Value]:
    """``self <op> other``, or with ``reflected`` ``other <op> self`` for a number other."""
    op = OPS[name]
    with_constant = (CONST_LEFT_OPS if reflected else CONST_RIGHT_OPS)[name]
    forward = op.forward

    def method(self: Value, other: Any) -> Value:
        if type(other) is Value:
            used = op
            a = self
            b = other
            x = self.data
            y = other.data
        elif type(other) is float or _is_number(other):
            used = with_constant
            other = float(other)
            if reflected:
                a = x = other
                b = self
                y = self.data
            else:
                a = self
                x = self.data
                b = y = other
        else:
            return _unsupported(name, self, other, reflected)
        try:
            data = forward(x, y)
        except (ArithmeticError, ValueError) as exc:
            raise _op_error(used, (a, b), exc) from None
        if data - data != 0.0 and x - x == 0.0 and y - y == 0.0:
            # finite operands, inf or nan result: + - × ÷ overflowed without raising
            raise _op_error(used, (a, b), OverflowError("the float result is not finite"))
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        tape = _tape_now() or _start_tape()
        out._op = used
        out._a = a
        out._b = b
        out._tape = tape
        nodes = tape.nodes
        if (len(nodes) >= tape.limit or (self._tape is not tape and self._op is not None)
                or (used is op and other._tape is not tape and other._op is not None)):
            _note_other_tape(out, tape, a, b)
        else:
            nodes.append(out)
        return out

    method.__name__ = f"__{'r' if reflected else ''}{name}__"
    return method


_DUNDER = {"add": "add", "sub": "sub", "mul": "mul", "div": "truediv", "pow": "pow"}
for _name, _dunder in _DUNDER.items():
    setattr(Value, f"__{_dunder}__", _binary_method(_name, reflected=False))
    setattr(Value, f"__r{_dunder}__", _binary_method(_name, reflected=True))
for _op in OPS.values():
    if _op.kind == UNARY:
        setattr(Value, "__neg__" if _op.name == "neg" else _op.name, _unary_method(_op))
Value.__abs__ = Value.abs  # type: ignore[method-assign]
