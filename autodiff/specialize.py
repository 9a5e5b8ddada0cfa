"""The eager engine's per-op code, written as Python from the op table and compiled once.

For every op the table declares, this module writes two functions:

- its **method** on ``Value`` (``__mul__``, ``sigmoid``...): the op's forward on floats,
  with its checks, and the recording of one node on the tape;
- its **backward step** (``mul_backward``...): the chain rule for one node, each operand's
  ``.grad`` += ``g`` · (the table's rule for that operand).

The rules run on code-generation symbols, as in :mod:`autodiff.codegen`, so a backward
step reads as its derivative formula (``s = left.grad + g * b`` for a product) and no
derivative is written here. Writing the code out, instead of calling each rule through
the table per node, makes the eager engine about 10% faster; ``print(specialize.source())``
shows all of it. Forwards that are Python operators (``+ − ×``, negation, ``abs``) are
written inline; the others are called from the table, which keeps their domain checks.
"""

from __future__ import annotations

import linecache
import operator
import re
from collections.abc import Callable
from typing import Any

from .ops import (
    BINARY,
    CONST_LEFT,
    CONST_LEFT_OPS,
    CONST_RIGHT,
    CONST_RIGHT_OPS,
    FLOAT_MATH,
    OPS,
    UNARY,
    Op,
)
from .symbols import SYMBOL_MATH, name

ALL_OPS: tuple[Op, ...] = tuple(op for table in (OPS, CONST_RIGHT_OPS, CONST_LEFT_OPS)
                                for op in table.values())
# The Python operator of each binary op: `add` gives Value.__add__ and Value.__radd__.
DUNDERS = {"add": "add", "sub": "sub", "mul": "mul", "div": "truediv", "pow": "pow"}
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
# Forwards written inline, as their Python operator: on floats they never raise.
INLINE_FORWARDS = (operator.add, operator.sub, operator.mul, operator.neg, operator.abs)


def op_name(op: Op) -> str:
    """The identifier of an op variant in the generated code: ``mul``, ``mul_const_right``."""
    return op.name if op.kind in (BINARY, UNARY) else f"{op.name}_{op.kind}"


def _quoted(text: str) -> str:
    return repr(" ".join(text.split()))


# --- forward: one method per op, and per side for the binary ops ----------------------

def _forward_lines(op: Op, args: list[str], used: str, operands: str) -> list[str]:
    """``data = ...``: inline for a Python operator, else a call to the table's forward
    whose error names the op variant ``used`` and its ``operands``."""
    if op.forward in INLINE_FORWARDS:
        return [f"data = {op.forward(*map(name, args)).text}"]
    return ["try:",
            f"    data = {op_name(op)}_forward({', '.join(args)})",
            "except (ArithmeticError, ValueError) as exc:",
            f"    raise op_error({used}, {operands}, exc) from None"]


_RECORD = """\
out = new(Value)
out.data = data
out.grad = 0.0
out._op = {op}
out._a = {left}
out._b = {right}
tape = tape_now() or start_tape()
out._tape = tape
nodes = tape.nodes
if {rare}:
    record_rarely(out, tape, {left}, {right})
else:
    nodes.append(out)
return out"""

_FOREIGN = "(self._tape is not tape and self._op is not None)"


def _unary_method(op: Op) -> str:
    method = "__neg__" if op.name == "neg" else op.name
    body = ["a = self.data", *_forward_lines(op, ["a"], f"OP_{op.name}", "(self,)"),
            *_RECORD.format(op=f"OP_{op.name}", left="self", right="None",
                            rare=f"len(nodes) >= tape.limit or {_FOREIGN}").splitlines()]
    doc = f"{op.formula}; derivative {op.derivative_formulas[0]}."
    return "\n".join([f"def {method}(self):", f"    {_quoted(doc)}",
                      *(f"    {line}" for line in body)])


def _binary_method(op: Op, reflected: bool) -> str:
    """``self ∘ other`` (or, reflected, ``other ∘ self`` for a number ``other``)."""
    constant = (CONST_LEFT_OPS if reflected else CONST_RIGHT_OPS)[op.name]
    left, right = ("other", "self") if reflected else ("self", "other")
    method = f"__{'r' if reflected else ''}{DUNDERS[op.name]}__"
    other_foreign = (f"(op is OP_{op.name} and other._tape is not tape "
                     "and other._op is not None)")
    body = [
        "if type(other) is Value:",
        f"    op = OP_{op.name}",
        f"    a = {left}.data",
        f"    b = {right}.data",
        "elif type(other) is float or is_number(other):",
        f"    op = OP_{op_name(constant)}",
        "    if type(other) is not float:",
        "        other = float(other)",
        f"    a = {'other' if reflected else 'self.data'}",
        f"    b = {'self.data' if reflected else 'other'}",
        "else:",
        f"    return unsupported({op.name!r}, self, other, {reflected})",
        *_forward_lines(op, ["a", "b"], "op", f"({left}, {right})"),
        "if data - data != 0.0 and a - a == 0.0 and b - b == 0.0:",
        "    # finite operands, an inf or nan result: + − × ÷ overflowed without raising",
        f"    raise op_error(op, ({left}, {right}), "
        "OverflowError('the float result is not finite'))",
        *_RECORD.format(op="op", left=left, right=right,
                        rare=f"(len(nodes) >= tape.limit or {_FOREIGN}\n"
                             f"        or {other_foreign})").splitlines(),
    ]
    side = f"{'number' if reflected else 'self'} {op.symbol} {'self' if reflected else 'other'}"
    doc = f"{side}: {op.formula}, one node (a number operand is kept on it as a constant)."
    return "\n".join([f"def {method}(self, other):", f"    {_quoted(doc)}",
                      *(f"    {line}" for line in body)])


# --- backward: one step per op variant --------------------------------------------------

def _step(op: Op) -> str:
    """``<op>_backward(node, g)``: add g · ∂out/∂operand to each operand Value's .grad."""
    symbols = [name("a")] if op.kind == UNARY else [name("a"), name("b")]
    targets = {UNARY: (0,), BINARY: (0, 1), CONST_RIGHT: (0,), CONST_LEFT: (1,)}[op.kind]
    sums = {i: (name("g") * op.partials[i](SYMBOL_MATH, *symbols, name("out"))).text
            for i in targets}
    used = set(_IDENTIFIER.findall(" ".join(sums.values())))
    # Where each name comes from: an operand Value's data, or the constant on the node.
    sources = {"a": "left.data" if op.kind != CONST_LEFT else "node._a",
               "b": "right.data" if op.kind != CONST_RIGHT else "node._b",
               "out": "node.data"}
    lines = []
    if op.kind != CONST_LEFT:
        lines.append("left = node._a")
    if op.kind in (BINARY, CONST_LEFT):
        lines.append("right = node._b")
    lines += [f"{symbol} = {sources[symbol]}" for symbol in ("a", "b", "out") if symbol in used]
    for i in targets:
        operand = ("left", "right")[i]
        lines += [f"s = {operand}.grad + {sums[i]}",
                  f"{operand}.grad = s",
                  "if s - s != 0.0:  # inf or nan: an error if only finite numbers went in",
                  f"    check(node, {operand}, g)"]
    rules = ", ".join(f"∂out/∂{'ab'[i]} = {op.derivative_formulas[i]}" for i in targets)
    doc = f"{op_name(op)}: out = {op.formula}; {rules}."
    return "\n".join([f"def {op_name(op)}_backward(node, g):", f"    {_quoted(doc)}",
                      *(f"    {line}" for line in lines)])


def methods_source() -> str:
    """Python source of every op's ``Value`` method, as the body of a class ``Methods``
    (in a class body a method named ``abs`` does not hide the built-in ``abs``)."""
    parts = []
    for op in OPS.values():
        if op.kind == UNARY:
            parts.append(_unary_method(op))
        else:
            parts += [_binary_method(op, reflected=False), _binary_method(op, reflected=True)]
    body = "\n\n".join(parts).splitlines()
    return "class Methods:\n" + "\n".join(f"    {line}" if line else "" for line in body) + "\n"


def steps_source() -> str:
    """Python source of every op variant's backward step."""
    return "\n\n\n".join(_step(op) for op in ALL_OPS) + "\n"


def source() -> str:
    """All the generated code, as ``print`` shows it: the methods, then the backward steps."""
    return (f"# --- Value methods: forward and recording ---\n\n{methods_source()}\n\n"
            f"# --- backward steps: the chain rule per op ---\n\n{steps_source()}")


def _run(text: str, filename: str, namespace: dict[str, Any]) -> dict[str, Any]:
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    exec(compile(text, filename, "exec"), namespace)
    return namespace


def op_namespace() -> dict[str, Any]:
    """The names generated code refers to: ``OP_<variant>`` and ``<variant>_forward``."""
    namespace: dict[str, Any] = {}
    for op in ALL_OPS:
        namespace[f"OP_{op_name(op)}"] = op
        if op.forward not in INLINE_FORWARDS:
            namespace[f"{op_name(op)}_forward"] = op.forward
    return namespace


def compile_methods(helpers: dict[str, Any]) -> dict[str, Callable[..., Any]]:
    """The methods by name (``__mul__``, ``sigmoid``...), compiled with ``helpers``
    (Value, new, tape_now, start_tape, is_number, unsupported, op_error, record_rarely)."""
    namespace = _run(methods_source(), "<autodiff.specialize: Value methods>",
                     {**op_namespace(), **helpers})
    names = [f"__{p}{d}__" for d in DUNDERS.values() for p in ("", "r")]
    names += ["__neg__" if op.name == "neg" else op.name
              for op in OPS.values() if op.kind == UNARY]
    return {method: vars(namespace["Methods"])[method] for method in names}


def compile_steps(check: Callable[..., None]) -> dict[Op, Callable[[Any, Any], None]]:
    """Each op variant's backward step, keyed by the Op; ``check(node, operand, g)``
    is called when a sum turns inf or nan."""
    namespace = _run(steps_source(), "<autodiff.specialize: backward steps>",
                     {**vars(FLOAT_MATH), **op_namespace(), "check": check})
    return {op: namespace[f"{op_name(op)}_backward"] for op in ALL_OPS}
