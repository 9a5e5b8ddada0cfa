"""User-defined primitives: new rows of the op table, read by every pass like the built-ins."""

from __future__ import annotations

import inspect
import keyword
import threading
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import Any

from .checks import is_real, number_operand
from .errors import check_contribution, op_error
from .graph import checked_partial, creation_order, value_operands
from .operators import STEPS
from .ops import (
    ALL_OPS,
    BINARY,
    CONST_LEFT,
    CONST_LEFT_OPS,
    CONST_RIGHT,
    CONST_RIGHT_OPS,
    OPERAND_NAMES,
    OPS,
    UNARY,
    Op,
)
from .tape import creation_counter, enable_grad, join, no_grad, record_rarely
from .tape import current as start_tape
from .tape import current_or_none as tape_now
from .value import Value

__all__ = ["Primitive", "custom_derivative", "primitive"]

_LOCK = threading.Lock()


class Primitive:
    """A user-defined op (see :func:`primitive`): call it on Values or numbers.

    ``op`` is its row of the op table (``autodiff.OPS[name]``). ``unregister()`` removes
    it from the table; used as a context manager (``with primitive(...) as f:``) it is
    removed at the end of the block, so a primitive defined in a test does not leak.
    """

    def __init__(self, op: Op) -> None:
        self.op = op
        self.name = op.name

    def __repr__(self) -> str:
        return f"<autodiff primitive {self.name!r}: out = {self.op.formula}>"

    def __call__(self, *operands: Any) -> Any:
        """Apply the op: a Value recording it when an operand is a Value, else a float."""
        op = self.op
        if OPS.get(self.name) is not op:
            raise ValueError(f"primitive {self.name!r} is unregistered: define it again to "
                             "call it (graphs built before keep their gradients)")
        if len(operands) != op.arity:
            raise TypeError(f"primitive {self.name!r} takes {op.arity} operand"
                            f"{'s' if op.arity > 1 else ''}, got {len(operands)}")
        for x in operands:
            if type(x) is not Value and not is_real(x):
                raise TypeError(f"primitive {self.name!r}: an operand must be a Value or a "
                                f"real number, got {type(x).__name__}: {x!r}")
        with_values = [type(x) is Value for x in operands]
        if op.arity == 2 and with_values == [True, False]:
            op = CONST_RIGHT_OPS[self.name]
        elif op.arity == 2 and with_values == [False, True]:
            op = CONST_LEFT_OPS[self.name]
        node = next(x for x in operands if type(x) is Value) if any(with_values) else None
        args = tuple(x if type(x) is Value else number_operand(x, op, x if node is None else node)
                     for x in operands)
        data = self._forward(op, args)
        if node is None:
            return data
        return _record(op, data, *args, *((None,) if op.arity == 1 else ()))

    def _forward(self, op: Op, args: tuple[Any, ...]) -> float:
        floats = [x.data if type(x) is Value else x for x in args]
        try:
            data = op.forward(*floats)
        except (ArithmeticError, ValueError) as exc:
            raise op_error(op, args, exc) from None
        if not is_real(data):
            raise TypeError(f"primitive {self.name!r}: forward returned "
                            f"{type(data).__name__} {data!r}, not a real number")
        data = float(data)
        if data - data != 0.0 and all(x - x == 0.0 for x in floats):
            raise op_error(op, args, OverflowError("the result is not finite"))
        return data

    def unregister(self) -> None:
        """Remove this primitive from the op table, freeing its name: it can no longer be
        called, nor graphs using it unpickled, but graphs built before keep working in
        every pass (its backward step stays, keyed by its op). Removing one that is not
        registered does nothing."""
        with _LOCK:
            if OPS.get(self.name) is not self.op:
                return
            for table in (OPS, CONST_RIGHT_OPS, CONST_LEFT_OPS):
                table.pop(self.name, None)

    def __enter__(self) -> Primitive:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.unregister()


def _record(op: Op, data: float, a: Any, b: Any) -> Value:
    """A new node of ``op``, recorded on this context's tape as the built-ins' are."""
    out = object.__new__(Value)
    out.data, out.grad, out._op, out._a, out._b = data, 0.0, op, a, b
    out._index = next(creation_counter)
    out._tape = tape = tape_now() or start_tape()
    if len(tape.nodes) >= tape.limit:  # no_grad, or the tape is full
        record_rarely(out, tape, a, b)
        return out
    for operand in (a, b):
        if type(operand) is Value and operand._tape is not tape:
            join(tape, operand)
    tape.nodes.append(out)
    return out


def _step(node: Any, g: float) -> None:
    """The backward step of every primitive: ``g`` × each local derivative (the user's
    rule, on floats) into each Value operand's ``.grad``, checked as the built-ins are."""
    for position, operand in value_operands(node):
        local = checked_partial(node, position, in_backward=True)
        before = operand.grad
        s = before + g * local
        operand.grad = s
        if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
            check_contribution(node, operand, g, before)


def _accepts(fn: Callable[..., Any], count: int) -> bool:
    """Can ``fn`` be called with ``count`` positional arguments? (True when unknown.)"""
    try:
        inspect.signature(fn).bind(*range(count))
    except TypeError:
        return False
    except ValueError:  # no signature to read (some built-in functions)
        return True
    return True


def _check_name(name: Any) -> str:
    if not isinstance(name, str):
        raise TypeError(f"a primitive's name must be a str, got {type(name).__name__}")
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"a primitive's name must be a Python identifier (not a keyword), "
                         f"got {name!r}")
    if any(op.variant_name == name for op in ALL_OPS):
        raise ValueError(f"{name!r} is a built-in op of the table: choose another name")
    return name


def _check_texts(name: str, formulas: Sequence[str] | None, arity: int) -> tuple[str, ...]:
    operands = ", ".join(OPERAND_NAMES[:arity])
    if formulas is None:
        return (f"{name}({operands})",
                *(f"∂{name}/∂{OPERAND_NAMES[i]}" for i in range(arity)))
    if isinstance(formulas, str) or not isinstance(formulas, Sequence):
        raise TypeError(f"primitive {name!r}: formulas must be a sequence of {arity + 1} "
                        f"strs (out, then ∂out/∂ each operand), got {type(formulas).__name__}")
    texts = tuple(formulas)
    if len(texts) != arity + 1 or not all(isinstance(t, str) for t in texts):
        raise ValueError(f"primitive {name!r}: formulas must be {arity + 1} strs, the "
                         f"forward's text then one per partial, got {texts!r}")
    return texts


def primitive(name: str, forward: Callable[..., float],
              partials: Sequence[Callable[..., Any]],
              formulas: Sequence[str] | None = None) -> Primitive:
    """Add an op to the table: ``forward`` on floats and one derivative rule per operand.

    The arity (1 or 2) is ``len(partials)``. Each rule is ``rule(m, u, out)`` (or
    ``rule(m, u, v, out)``) in the table's plain arithmetic, with ``m`` the math namespace
    (``m.exp``, ``m.log``, ``m.sin``, ``m.cos``...), so it runs on floats, on Values
    (higher order) and in forward mode. ``formulas`` are texts for ``explain`` and the
    drawings: the forward's, then one per partial. A name taken by a built-in op or
    another primitive, a wrong number of partials or a non-callable is refused here.

    Examples:
        >>> with autodiff.primitive("cube", lambda u: u ** 3,
        ...                         [lambda m, u, out: 3 * u * u]) as cube:
        ...     x = autodiff.Value(2.0)
        ...     autodiff.gradients(cube(x), [x])
        (12.0,)
    """
    name = _check_name(name)
    if not callable(forward):
        raise TypeError(f"primitive {name!r}: forward must be callable, "
                        f"got {type(forward).__name__}")
    if isinstance(partials, str) or not isinstance(partials, (Sequence, Iterable)):
        raise TypeError(f"primitive {name!r}: partials must be a sequence of 1 or 2 rules, "
                        f"got {type(partials).__name__}")
    rules = tuple(partials)
    if len(rules) not in (1, 2):
        raise ValueError(f"primitive {name!r}: partials must hold 1 rule (a unary op) or 2 "
                         f"(a binary op), got {len(rules)}")
    arity = len(rules)
    if not _accepts(forward, arity):
        raise TypeError(f"primitive {name!r}: forward must take {arity} number"
                        f"{'s' if arity > 1 else ''} (as many as there are partials)")
    shape = "(m, u, out)" if arity == 1 else "(m, u, v, out)"
    for i, rule in enumerate(rules):
        if not callable(rule) or not _accepts(rule, arity + 2):
            raise TypeError(f"primitive {name!r}: partial {i} (∂out/∂{OPERAND_NAMES[i]}) "
                            f"must be a callable taking {shape}, got {rule!r}")
    texts = _check_texts(name, formulas, arity)
    op = Op(name, name, texts[0], forward, rules, texts[1:], kind=UNARY if arity == 1 else BINARY)
    with _LOCK:
        if name in OPS:
            raise ValueError(f"a primitive named {name!r} is already registered: "
                             "unregister it first, or choose another name")
        OPS[name] = op
        STEPS[op] = _step
        if arity == 2:
            for side, table in ((CONST_RIGHT, CONST_RIGHT_OPS), (CONST_LEFT, CONST_LEFT_OPS)):
                table[name] = op.with_constant(side)
                STEPS[table[name]] = _step
    return Primitive(op)


def custom_derivative(name: str, f: Callable[..., Any], partials: Sequence[Callable[..., Any]],
                      formulas: Sequence[str] | None = None) -> Primitive:
    """A function ``f`` of 1 or 2 Values, computed as written, whose derivative is given by
    ``partials`` (one rule per argument, as for :func:`primitive`) instead of being taken
    through ``f``'s ops: jax.custom_jvp's shape. Calling the result records one node.

    Examples:
        >>> with autodiff.custom_derivative(
        ...         "log1pexp", lambda x: (1.0 + x.exp()).log(),
        ...         [lambda m, u, out: 1.0 / (1.0 + m.exp(-u))]) as log1pexp:
        ...     autodiff.grad(lambda x: log1pexp(x))(709.7)
        1.0
    """
    if not callable(f):
        raise TypeError(f"custom_derivative {name!r}: f must be callable, got {type(f).__name__}")
    count = len(partials) if isinstance(partials, Sequence) else 0
    if count in (1, 2) and not isinstance(partials, str) and not _accepts(f, count):
        raise TypeError(f"custom_derivative {name!r}: f must take {count} argument"
                        f"{'s' if count > 1 else ''}, one per rule in partials")

    def forward(*floats: float) -> Any:
        with no_grad(), enable_grad():  # f's ops go on a tape of their own, then are dropped
            args = [Value(x) for x in floats]
            start = next(creation_counter)
            try:
                out = f(*args)
            except TypeError as exc:
                exc.add_note(f"custom_derivative {name!r}: f runs on Values; to branch on "
                             "an argument x, test x.data")
                raise
        if type(out) is Value:
            _refuse_captured(name, out, args, start)
            return out.data
        if not is_real(out):
            raise TypeError(f"custom_derivative {name!r}: f returned {type(out).__name__} "
                            f"{out!r}, not a Value or a real number")
        return out

    forward.__name__ = forward.__qualname__ = getattr(f, "__name__", name)
    return primitive(name, forward, partials, formulas)


def _refuse_captured(name: str, out: Value, args: list[Value], start: int) -> None:
    """A TypeError if ``out`` depends on a Value made before f ran that is not one of its
    arguments (a weight f closes over): the custom node would lose its gradient."""
    given = {id(a) for a in args}
    for node in creation_order(out):
        if node._index < start and id(node) not in given:
            raise TypeError(
                f"custom_derivative {name!r}: f uses a Value it was not given as an argument "
                f"({node!r}), whose gradient the custom node would lose: pass it as an "
                "argument with a rule of its own, or use a float if it is a constant")
