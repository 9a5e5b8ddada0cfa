"""An expression typed in the playground, parsed and checked, never evaluated as Python.

``parse(text)`` reads ``text`` with :func:`ast.parse` and accepts only a whitelist: names
(the inputs), numbers, ``+ - * / **``, unary minus, and the op table's unary ops, either as
a method (``a.sigmoid()``) or as a function (``tanh(a)``). The allowed operators and names
come from the op table (:data:`autodiff.OPS`), so a new op is allowed the day it is added.
Anything else is an :class:`ExpressionError` saying what was refused. Sizes are bounded
before the parser runs, so no input can make the page hang.

``Expression.build(values)`` then computes the expression on the engine's own ``Value``s:
each operator is the ``Value`` method the op table names for it.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass
from typing import Any

from autodiff import OPS, Value

MAX_CHARACTERS = 400
MAX_NODES = 120  # operators, calls, names and numbers together
MAX_DEPTH = 40  # nesting of operators and calls
MAX_INPUTS = 8
MAX_EXPONENT = 1000.0  # |constant exponent| of ``**``
MAX_CONSTANT = 1e15
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,11}")

# Python's syntax for each operator, mapped to the Value method that implements it; an
# operator is allowed only if an op of the table lists that method.
_SYNTAX = {ast.Add: ("+", "__add__"), ast.Sub: ("-", "__sub__"), ast.Mult: ("*", "__mul__"),
           ast.Div: ("/", "__truediv__"), ast.Pow: ("**", "__pow__"),
           ast.USub: ("unary -", "__neg__")}


def _table() -> tuple[dict[type, tuple[str, Any]], dict[str, Any]]:
    """(operator syntax → (method, op), unary op name → op), read off the op table."""
    by_method = {method: op for op in OPS.values() for method in op.methods}
    operators = {syntax: (method, by_method[method]) for syntax, (_, method) in _SYNTAX.items()
                 if method in by_method}
    functions = {method: op for op in OPS.values() if op.arity == 1
                 for method in op.methods if not method.startswith("_")}
    return operators, functions


OPERATORS, FUNCTIONS = _table()


class ExpressionError(ValueError):
    """The text is not an expression the playground accepts; the message says why."""


@dataclass(frozen=True)
class Expression:
    """A checked expression: its ``text``, its ``tree`` and its ``inputs`` in order of
    first appearance."""

    text: str
    tree: ast.expr
    inputs: tuple[str, ...]

    def build(self, values: dict[str, float]) -> tuple[Value, dict[str, Value]]:
        """``(output, leaves)``: the expression computed on Values labelled by their names.

        The engine's errors (a domain error, an overflow) are ExpressionErrors naming it.
        """
        missing = [name for name in self.inputs if name not in values]
        if missing:
            raise ExpressionError(f"no value given for {', '.join(missing)}")
        leaves = {name: Value(check_value(name, values[name]), label=name)
                  for name in self.inputs}
        try:
            output = _compute(self.tree, leaves)
        except (ArithmeticError, ValueError) as error:
            raise ExpressionError(f"the engine refused it: {error}") from error
        if not isinstance(output, Value):
            raise ExpressionError("the expression uses no input, so it has no gradient: "
                                  f"use a name such as a or b (it is the number {output!r})")
        return output, leaves


def check_value(name: str, value: Any) -> float:
    """``value`` as a finite float, or an ExpressionError naming the input."""
    if isinstance(value, str):
        try:
            value = float(value.strip().replace("−", "-"))
        except ValueError:
            raise ExpressionError(f"{name} = {value[:40]!r} is not a number") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExpressionError(f"{name} must be a number, got {type(value).__name__}")
    if not math.isfinite(value) or abs(value) > MAX_CONSTANT:
        raise ExpressionError(f"{name} = {value!r} is out of range: the playground takes "
                              f"finite numbers up to {MAX_CONSTANT:g} in size")
    return float(value)


def parse(text: str) -> Expression:
    """The checked expression, or an ExpressionError saying what is not accepted."""
    if not isinstance(text, str):
        raise ExpressionError(f"the expression must be text, got {type(text).__name__}")
    text = text.replace("−", "-").replace("×", "*").strip()
    if not text:
        raise ExpressionError("type an expression, for example a*b + a.sigmoid()")
    if len(text) > MAX_CHARACTERS:
        raise ExpressionError(f"the expression is {len(text):,} characters long; the "
                              f"playground takes at most {MAX_CHARACTERS}")
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError as error:
        where = f" at column {error.offset}" if error.offset else ""
        raise ExpressionError(f"not a formula{where}: {error.msg}") from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionError("not a formula the playground can read") from None
    inputs: dict[str, None] = {}
    count = _check(tree, inputs, 1, [0])
    if count > MAX_NODES:
        raise ExpressionError(f"the expression has {count} parts; the playground takes at "
                              f"most {MAX_NODES}")
    if len(inputs) > MAX_INPUTS:
        raise ExpressionError(f"the expression has {len(inputs)} inputs; the playground "
                              f"takes at most {MAX_INPUTS}")
    return Expression(text, tree, tuple(inputs))


def _allowed() -> str:
    return ("names, numbers, + - * / **, unary minus and the ops "
            + ", ".join(sorted(FUNCTIONS)) + " (as a.tanh() or tanh(a))")


def _check(node: ast.AST, inputs: dict[str, None], depth: int, count: list[int]) -> int:
    """Refuse anything outside the whitelist; return the number of parts checked."""
    count[0] += 1
    if depth > MAX_DEPTH:
        raise ExpressionError(f"the expression nests deeper than {MAX_DEPTH} levels")
    if count[0] > MAX_NODES:
        return count[0]
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ExpressionError(f"{value!r} is not allowed: only numbers and {_allowed()}")
        if (isinstance(value, int) and value.bit_length() > 64) or abs(value) > MAX_CONSTANT:
            raise ExpressionError(f"the number {_short(value)} is too large: the playground "
                                  f"takes numbers up to {MAX_CONSTANT:g} in size")
    elif isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise ExpressionError(f"{node.id} is an op: call it, as {node.id}(a) or "
                                  f"a.{node.id}()")
        if not NAME.fullmatch(node.id):
            raise ExpressionError(f"{node.id!r} is not allowed as a name: use a letter and "
                                  "up to 11 letters, digits or _")
        inputs.setdefault(node.id, None)
    elif isinstance(node, (ast.BinOp, ast.UnaryOp)):
        if type(node.op) not in OPERATORS:
            raise ExpressionError(f"the operator {_syntax(node.op)} is not allowed: only "
                                  f"{_allowed()}")
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Pow):
                _check_exponent(node.right)
            _check(node.left, inputs, depth + 1, count)
            _check(node.right, inputs, depth + 1, count)
        else:
            _check(node.operand, inputs, depth + 1, count)
    elif isinstance(node, ast.Call):
        _, operand = _call_parts(node)
        _check(operand, inputs, depth + 1, count)
    elif isinstance(node, ast.Attribute):
        raise ExpressionError(f".{node.attr} without a call is not allowed: the ops are "
                              "methods called with no arguments, as a.sigmoid()")
    else:
        raise ExpressionError(f"{_describe(node)} is not allowed: only {_allowed()}")
    return count[0]


def _call_parts(node: ast.Call) -> tuple[str, ast.expr]:
    """``(op name, operand)`` of ``f(x)`` or ``x.f()``; refuses any other call."""
    if node.keywords:
        raise ExpressionError("keyword arguments are not allowed")
    if isinstance(node.func, ast.Attribute):
        if node.func.attr not in FUNCTIONS:
            raise ExpressionError(f".{node.func.attr}() is not an op of the table: the "
                                  f"methods are {', '.join(sorted(FUNCTIONS))}")
        if node.args:
            raise ExpressionError(f".{node.func.attr}() takes no arguments")
        return node.func.attr, node.func.value
    if isinstance(node.func, ast.Name):
        if node.func.id not in FUNCTIONS:
            raise ExpressionError(f"{node.func.id}() is not allowed: the functions are "
                                  f"{', '.join(sorted(FUNCTIONS))}")
        if len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise ExpressionError(f"{node.func.id}() takes exactly one argument")
        return node.func.id, node.args[0]
    raise ExpressionError(f"calling {_describe(node.func)} is not allowed: only {_allowed()}")


def _check_exponent(node: ast.expr) -> None:
    """A literal exponent (possibly negated) is bounded in size before anything runs; one
    computed from constants is checked as it is computed."""
    value = node
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub):
        value = value.operand
    if isinstance(value, ast.Constant) and isinstance(value.value, (int, float)) \
            and not isinstance(value.value, bool) and abs(value.value) > MAX_EXPONENT:
        raise ExpressionError(f"the exponent {_short(value.value)} is too large: the "
                              f"playground takes exponents up to {MAX_EXPONENT:g} in size")


def _compute(node: ast.expr, leaves: dict[str, Value]) -> Value | float:
    """The checked tree on Values: every operation is the method the op table names."""
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return leaves[node.id]
    if isinstance(node, ast.UnaryOp):
        method, op = OPERATORS[type(node.op)]
        operand = _compute(node.operand, leaves)
        return getattr(operand, method)() if isinstance(operand, Value) \
            else _finite(op.forward(operand), op.name)
    if isinstance(node, ast.BinOp):
        method, op = OPERATORS[type(node.op)]
        left, right = _compute(node.left, leaves), _compute(node.right, leaves)
        if isinstance(node.op, ast.Pow) and isinstance(right, float) \
                and abs(right) > MAX_EXPONENT:
            raise ExpressionError(f"the exponent {_short(right)} is too large: the "
                                  f"playground takes exponents up to {MAX_EXPONENT:g} in size")
        if isinstance(left, Value):
            return getattr(left, method)(right)
        if isinstance(right, Value):
            return getattr(right, op.methods[1])(left)  # the reflected method, e.g. __rmul__
        return _finite(op.forward(left, right), op.name)
    name, operand_node = _call_parts(node)  # type: ignore[arg-type]
    operand = _compute(operand_node, leaves)
    if isinstance(operand, Value):
        return getattr(operand, name)()
    return _finite(FUNCTIONS[name].forward(operand), name)


def _finite(result: float, name: str) -> float:
    if not math.isfinite(result):
        raise ExpressionError(f"{name} of the constants gives {result!r}")
    return result


def _syntax(op: ast.AST) -> str:
    symbols = {ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.BitAnd: "&",
               ast.BitOr: "|", ast.BitXor: "^ (use ** for powers)", ast.LShift: "<<",
               ast.RShift: ">>", ast.Invert: "~", ast.Not: "not", ast.UAdd: "unary +"}
    return symbols.get(type(op), type(op).__name__)


def _describe(node: ast.AST) -> str:
    kinds = {ast.Compare: "a comparison", ast.BoolOp: "and/or", ast.Lambda: "lambda",
             ast.Subscript: "indexing", ast.IfExp: "if/else", ast.Tuple: "a tuple",
             ast.List: "a list", ast.Dict: "a dict", ast.Set: "a set",
             ast.JoinedStr: "an f-string", ast.NamedExpr: ":=", ast.Starred: "*",
             ast.Await: "await", ast.ListComp: "a comprehension",
             ast.GeneratorExp: "a generator", ast.Slice: "a slice"}
    return kinds.get(type(node), type(node).__name__)


def _short(value: float) -> str:
    text = repr(value)
    return text if len(text) <= 20 else f"{text[:8]}…({len(text)} digits)"
