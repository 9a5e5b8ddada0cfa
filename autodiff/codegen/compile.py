"""`compile_grad`: trace a function and compile straight-line Python for its gradient.

The trace runs ``f`` on Values. Each op node then becomes one line of generated code:
its forward value, and in reverse order its gradient, taken from the op table's rules run
on code-generation symbols (:mod:`autodiff.codegen.symbols`), never from a second copy of them.

It is a trace, as in JAX: Python control flow in ``f`` runs at the example point, and the
compiled code repeats the branch that was taken then, whatever its inputs. (A second
trace, slightly away from the example, only checks that no value was frozen.)
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from ..core.checks import is_integer, is_real, real_as_float
from ..core.graph import creation_order
from ..core.ops import FLOAT_MATH, UNARY, Op, is_primitive
from ..core.primitives import Primitive
from ..core.tape import enable_grad, no_grad
from ..core.value import Value
from ..transforms.gradients import gradients
from ..transforms.nesting import TRACING, evaluating, outside
from .calls import call_functions, primitive_calls
from .emit import OPERATOR_FORWARDS, forward_name, generate_source

_FILENAME = "<autodiff.compile_grad>"


class CompiledGrad(Protocol):
    """``g(*floats) -> (value, grads)`` (and ``aux`` values third, if asked for);
    ``g.source`` is the generated Python, ``g.nargs`` the number of arguments."""

    source: str
    nargs: int

    def __call__(self, *args: float) -> tuple[Any, ...]: ...


def compile_grad(f: Callable[..., Any], nargs: int,
                 example: Sequence[float] | None = None) -> CompiledGrad:
    """Trace ``f(x0, ..., x{nargs-1})`` and compile its value and gradient.

    Returns ``g`` with ``g(*floats) == (f(*floats), (df/dx0, ..., df/dx{nargs-1}))``,
    equal to the eager engine (``autodiff.value_and_grad``), as straight-line Python
    generated from the op table; ``g.source`` shows it.

    ``f`` is traced at ``example`` (default 0.5, 0.625, 0.75, ...): choose a point inside
    its domain. Like a JAX trace, the compiled code is specialised to that trace:
    Python control flow that depends on the inputs' values is fixed to the branch taken
    at the example. Comparing a traced Value or taking its truth value raises TypeError;
    branching on ``x.data`` (or on ``==``, identity for Values) cannot be seen and
    silently specialises. A value computed from the arguments where the trace cannot see
    it (under ``no_grad()``, or from ``x.data`` or ``float(x)``) would be frozen at the
    example point: to catch that, ``f`` is traced a second time slightly away from the
    example (so it runs twice), and a constant of the trace that moved raises TypeError.
    Values ``f`` uses that do not depend on its arguments (including ones made under
    ``no_grad``, and Values it closes over) are constants of the compiled code, with
    their numbers at compile time on every path: changing one later does not change
    ``g`` (compile again).

    Calling ``g`` outside an op's domain raises the same error as the eager engine,
    naming the op, the operand and the node's label. A call in which an input or a value
    of the forward pass is inf or nan is run on the eager engine, which follows IEEE
    arithmetic there (``inf · 0`` is nan), so the results are the engine's.

    A user primitive (``autodiff.primitive``, ``autodiff.custom_derivative``) is called
    by its name: its forward, and each of its rules on floats (``softplus_du(u, out)``).
    """
    if not callable(f):
        raise TypeError(f"compile_grad needs a callable f, got {type(f).__name__}")
    if not is_integer(nargs) or nargs < 0:
        raise TypeError(f"nargs must be a non-negative int, got {nargs!r}")
    point = _example_point(nargs, example)
    inputs, output = _trace(f, point)
    order = _creation_order([output])
    _refuse_frozen_values(f, point, _fingerprint(inputs, output, order))
    return _compile(inputs, output, None, order)


def compile_graph(output: Value | float, inputs: Sequence[Value],
                  aux: Sequence[Value | float] | None = None) -> CompiledGrad:
    """Compile a graph already built: ``g(*floats)`` puts the floats in place of the leaf
    Values ``inputs`` and returns ``(output, (d output/d input, ...))``, plus the values
    of ``aux`` (other nodes of the graph, e.g. a model's predictions) as a third item
    when given. Like :func:`compile_grad`, the graph is a trace: it is replayed as it is.
    """
    inputs = list(inputs)
    for i, v in enumerate(inputs):
        if not isinstance(v, Value) or v.op:
            shown = repr(v) if isinstance(v, Value) else type(v).__name__
            raise TypeError(f"inputs[{i}] must be a leaf Value (no op), got {shown}")
    if len({id(v) for v in inputs}) != len(inputs):
        raise ValueError("inputs must be distinct Values")
    for i, x in enumerate([output, *(aux or ())]):
        if not isinstance(x, Value) and not is_real(x):
            raise TypeError(f"{'output' if i == 0 else f'aux[{i - 1}]'} must be a Value or "
                            f"a number, got {type(x).__name__}")
    aux = None if aux is None else list(aux)
    order = _creation_order([output, *(aux or ())])
    return _compile(inputs, output, aux, order)


def _compile(inputs: list[Value], output: Any, aux: list[Any] | None,
             order: list[Value]) -> CompiledGrad:
    source = generate_source(inputs, output, aux, order)
    namespace = _namespace(order, inputs, output, aux)
    exec(compile(source, _FILENAME, "exec"), namespace)
    g = namespace["compiled_grad"]
    g.source = source
    g.nargs = len(inputs)
    return g


def _example_point(nargs: int, example: Sequence[float] | None) -> list[float]:
    if example is None:
        return [0.5 + 0.125 * i for i in range(nargs)]
    point = list(example)
    if len(point) != nargs:
        raise ValueError(f"example has {len(point)} values but nargs is {nargs}")
    return [real_as_float(x, f"example[{i}]") for i, x in enumerate(point)]


# CPython's message when no operand defines < <= > >= (Objects/object.c, do_richcompare:
# "'%s' not supported between instances of '%.100s' and '%.100s'", as of Python 3.6); Value
# defines none of them. The interpreter raises it in f's frame (or in max, min, sorted),
# with no structural mark, so this exact form of the message is all there is to read.
_NO_ORDER = re.compile(r"'(<|<=|>|>=)' not supported between instances of '(\w+)' and '(\w+)'")


def _is_control_flow_error(exc: TypeError) -> bool:
    """The TypeError of ``bool(x)`` or of ``x < y`` (<=, >, >=) on a Value."""
    innermost = exc.__traceback__
    while innermost is not None and innermost.tb_next is not None:
        innermost = innermost.tb_next
    if innermost is not None and innermost.tb_frame.f_code is Value.__bool__.__code__:
        return True  # raised by Value.__bool__ itself, whatever its message says
    ordering = _NO_ORDER.fullmatch(str(exc))
    return ordering is not None and Value.__name__ in ordering.group(2, 3)


def _trace(f: Callable[..., Any], point: list[float]) -> tuple[list[Value], Any]:
    """Run ``f`` once on fresh input Values labelled x0, x1, ... on a private tape;
    return the inputs and the output."""
    with no_grad(), enable_grad(), evaluating(TRACING):
        inputs = [Value(x, f"x{i}") for i, x in enumerate(point)]
        try:
            output = f(*inputs)
        except TypeError as exc:
            if _is_control_flow_error(exc):
                raise TypeError(
                    "compile_grad: f compared a traced Value or took its truth value "
                    f"({exc}). compile_grad runs f once with Values standing in for its "
                    "arguments and compiles that single trace, so Python control flow "
                    "that depends on their values (if/while on a Value, <, >, min, max) "
                    "cannot be compiled. Write it without branching (e.g. x.relu(), "
                    "x.abs()), or branch on x.data to fix the branch at the example point "
                    "on purpose.") from exc
            raise
        except (ArithmeticError, ValueError) as exc:
            exc.add_note(f"compile_grad traced f at example={point}: pass an example "
                         "point inside f's domain")
            raise
    if not isinstance(output, Value) and not is_real(output):
        raise TypeError(f"compile_grad: f must return a Value or a number, "
                        f"got {type(output).__name__}")
    return inputs, output


# What a trace computes, as (structure, constants): the structure lists each node's op and
# operand positions; the constants are the numbers the compiled code would hold, each
# with a description of where it sits.
_Fingerprint = tuple[list[Any], list[tuple[float, str]]]


def _fingerprint(inputs: list[Value], output: Any, order: list[Value]) -> _Fingerprint:
    position = {id(v): i for i, v in enumerate(order)}
    argument = {id(v): i for i, v in enumerate(inputs)}
    structure: list[Any] = []
    constants: list[tuple[float, str]] = []
    for v in order:
        if v._op is None:
            structure.append(argument.get(id(v), "leaf"))
            if id(v) not in argument:
                constants.append((v.data, f"a Value that is not one of f's arguments "
                                          f"(label {v.label!r})"))
            continue
        structure.append((v._op.name, v._op.kind, tuple(
            position[id(x)] if isinstance(x, Value) else None for x in v.operands)))
        constants += [(x, f"the number operand of {v._op.name} ({v._op.formula})")
                      for x in v.operands if not isinstance(x, Value)]
    if isinstance(output, Value):
        structure.append(position[id(output)])
    else:
        structure.append("number")
        constants.append((float(output), "the number f returned"))
    return structure, constants


def _refuse_frozen_values(f: Callable[..., Any], point: list[float],
                          traced: _Fingerprint) -> None:
    """Trace ``f`` again a little away from ``point``: a constant of the trace that moved
    was computed from the arguments where the trace cannot see it (under ``no_grad``, or
    from ``.data`` / ``float()``), and the compiled code would keep it frozen."""
    nearby = [x + (abs(x) + 1.0) * 2.0 ** -20 for x in point]
    try:
        inputs, output = _trace(f, nearby)
    except Exception:  # f fails near the example (a domain's edge): nothing to compare
        return
    structure, constants = _fingerprint(inputs, output, _creation_order([output]))
    if structure != traced[0]:
        return  # f branched on .data differently: specialised to the example, as documented
    for (at_example, where), (at_nearby, _) in zip(traced[1], constants, strict=True):
        if repr(at_example) != repr(at_nearby):
            raise TypeError(
                f"compile_grad: {where} is {at_example!r} at example={point} but "
                f"{at_nearby!r} at {nearby}: it was computed from f's arguments where the "
                "trace cannot see it, under no_grad() or from x.data or float(x) (or f is "
                "not deterministic). compile_grad compiles the trace of one run of f, so "
                "such a value would be frozen at the example point. Compute it with Value "
                "operations outside no_grad (x * 2.0, not x.data * 2.0).")


def _creation_order(roots: list[Any]) -> list[Value]:
    """Every node the roots depend on, in creation order: the order every pass walks
    (backwards), so the compiled sums round like the eager engine's."""
    return creation_order(*(root for root in roots if isinstance(root, Value)))


def _apply(op: Op, operands: list[Any]) -> Value:
    """``op`` on Values (and numbers) through the engine, with all of its checks."""
    if is_primitive(op):
        return Primitive(op.base or op)(*operands)
    if op.kind == UNARY:
        return getattr(operands[0], op.methods[0])()
    left, right = operands
    if isinstance(left, Value):
        return getattr(left, op.methods[0])(right)
    return getattr(right, op.methods[1])(left)  # a number on the left: the reflected method


def _replay(order: list[Value], inputs: list[Value], output: Any, aux: list[Any] | None,
            frozen: dict[int, float], args: tuple[float, ...]) -> tuple[Any, ...]:
    """Re-run the trace on the eager engine: raises the engine's own error, or returns its
    results (``value_and_grad``'s, and the aux values) where the compiled code's folds
    might differ, i.e. for an inf or nan anywhere. Every node that is not an input counts
    with its number at compile time (``frozen``), as in the generated code."""
    with no_grad(), enable_grad(), outside():
        new: dict[int, Value] = {id(v): Value(x, v.label) for v, x in zip(inputs, args,
                                                                          strict=True)}
        for node in order:
            if id(node) not in new:
                new[id(node)] = Value(frozen[id(node)], node.label)
        live = {id(v) for v in inputs}
        for node in order:
            if node._op is None or not any(isinstance(v, Value) and id(v) in live
                                           for v in node.operands):
                continue
            result = _apply(node._op, [new[id(v)] if isinstance(v, Value) else v
                                       for v in node.operands])
            result.label = node.label
            new[id(node)] = result
            live.add(id(node))
        if isinstance(output, Value) and id(output) in live:
            grads = gradients(new[id(output)], [new[id(v)] for v in inputs])
        else:
            grads = (0.0,) * len(inputs)

    def value_of(x: Any) -> float:
        return float(new.get(id(x), x).data if isinstance(x, Value) else x)

    if aux is None:
        return value_of(output), grads
    return value_of(output), grads, tuple(value_of(x) for x in aux)


def _real_arguments(*args: Any) -> tuple[float, ...]:
    """The arguments of a compiled gradient as floats; a TypeError names one that is not a
    real number (bool, str, None and complex are not), as the eager engine's Value does."""
    return tuple(real_as_float(x, f"compiled gradient: argument {i}") for i, x in enumerate(args))


def _namespace(order: list[Value], inputs: list[Value], output: Any, aux: list[Any] | None
               ) -> dict[str, Any]:
    """What the generated code may see: the op table's functions and nothing else."""
    # The numbers of the graph at compile time: the generated code holds them as constants.
    frozen = {id(node): node.data for node in order}

    def replay_on_engine(*args: float) -> tuple[Any, ...]:
        try:
            return _replay(order, inputs, output, aux, frozen, args)
        except (ArithmeticError, ValueError) as exc:
            raise exc.with_traceback(None) from None

    namespace: dict[str, Any] = {
        "__builtins__": {}, "ArithmeticError": ArithmeticError, "ValueError": ValueError,
        "abs": abs, "inf": math.inf, "nan": math.nan, "replay_on_engine": replay_on_engine,
        "type": type, "float": float, "real_arguments": _real_arguments}
    namespace.update(vars(FLOAT_MATH))
    for node in order:
        if node._op is not None and node._op.forward not in OPERATOR_FORWARDS and not (
                is_primitive(node._op)):
            namespace[forward_name(node._op)] = node._op.forward
    namespace.update(call_functions(primitive_calls(node._op for node in order)))
    return namespace
