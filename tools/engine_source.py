"""Writes ``autodiff/core/operators.py``, the eager engine's per-op code, from the op table.

Run ``make generate`` (``python tools/engine_source.py``) after changing
``autodiff/core/ops.py``; ``tests/test_engine_source.py`` fails while the file on disk and
the table disagree (CPython's Argument Clinic works this way). It lives outside the
package, as PyTorch keeps its autograd codegen: the wheel ships the generated file only.

For every op the table declares, the file has:

- its **methods** on ``Value`` (``__mul__`` and ``__rmul__``, ``sigmoid``...): the op's
  forward on floats, with its checks, and the recording of one node;
- its **backward step** per variant (``mul_backward``, ``mul_const_right_backward``...):
  the chain rule for one node, each operand's ``.grad`` += ``g`` · (the table's rule).

The rules run on code-generation symbols (:mod:`autodiff.codegen.symbols`), so a step reads
as its derivative formula (``s = before + g * v`` for a product) and no derivative is
written here. Forwards that are Python operators (``+ − ×``, negation, ``abs``) are written
inline; the others are called from the table, which keeps their domain checks.
"""

from __future__ import annotations

import argparse
import operator
import re
import sys
import textwrap
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "autodiff" / "core" / "operators.py"

if __name__ == "__main__" and "autodiff" not in sys.modules:
    # Run as a script: load the package's modules without autodiff/__init__.py (which imports the
    # generated file), so that the generator works while that file is stale or broken.
    _package = types.ModuleType("autodiff")
    _package.__path__ = [str(ROOT / "autodiff")]
    sys.modules["autodiff"] = _package

from autodiff.codegen.symbols import SYMBOL_MATH, contribution, name  # noqa: E402
from autodiff.core.ops import (  # noqa: E402
    ALL_OPS,
    BINARY,
    CONST_LEFT,
    CONST_RIGHT,
    OPERAND_NAMES,
    OPS,
    UNARY,
    Op,
)

_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
# Forwards written inline, as their Python operator: on floats they never raise.
INLINE_FORWARDS = (operator.add, operator.sub, operator.mul, operator.neg, operator.abs)
U, V = OPERAND_NAMES


def _doc(text: str, indent: int) -> list[str]:
    """A docstring wrapped to the line length (100) at ``indent`` spaces."""
    text = " ".join(text.split()).replace("\\", "\\\\")
    lines = textwrap.wrap(f'"""{text}"""', width=100 - indent, break_on_hyphens=False)
    return [(" " * indent + line) if line else "" for line in lines]


def _forward_lines(op: Op, args: list[str], used: str, operands: str) -> list[str]:
    """``data = ...``: inline for a Python operator, else a call to the table's forward
    whose error names the op variant ``used`` and its ``operands``."""
    if op.forward in INLINE_FORWARDS:
        return [f"data = {op.forward(*map(name, args)).text}"]
    return ["try:",
            f"    data = {op.name}_forward({', '.join(args)})",
            "except (ArithmeticError, ValueError) as exc:",
            f"    raise op_error({used}, {operands}, exc) from None"]


def _method(signature: str, doc: str, body: list[str]) -> str:
    return "\n".join([f"    def {signature}:", *_doc(doc, 8),
                      *(f"        {line}" if line else "" for line in "\n".join(body).split("\n"))])


def _unary_method(op: Op, method: str) -> str:
    body = [f"{U} = self.data", *_forward_lines(op, [U], f"OP_{op.name}", "(self,)"),
            *_record(f"OP_{op.name}", "self", "None")]
    doc = f"{op.name}: out = {op.formula}; ∂out/∂{U} = {op.derivative_formulas[0]}."
    return _method(f"{method}(self)", doc, body)


def _binary_method(op: Op, method: str, reflected: bool) -> str:
    """``self ∘ other`` (or, reflected, ``other ∘ self``): first the variant (``other`` a
    Value, or a number kept on the node as a constant), then one forward and one node."""
    constant = f"OP_{op.name}_{'const_left' if reflected else 'const_right'}"
    left, right = ("other", "self") if reflected else ("self", "other")
    first, second = (V, U) if reflected else (U, V)  # what self and other are in the formula
    body = [f"{first} = self.data",
            "if type(other) is Value:", f"    op = OP_{op.name}", f"    {second} = other.data",
            "elif type(other) is float or is_real(other):", f"    op = {constant}",
            "    if type(other) is not float:",
            "        other = number_operand(other, op, self)", f"    {second} = other",
            "else:", f"    return unsupported({op.name!r}, self, other, {reflected})",
            *_forward_lines(op, [U, V], "op", f"({left}, {right})"),
            f"if data - data != 0.0 and {U} - {U} == 0.0 and {V} - {V} == 0.0:",
            f"    raise op_error(op, ({left}, {right}), NOT_FINITE)",
            *_record("op", left, right, f"OP_{op.name}")]
    side = f"{'number' if reflected else 'self'} {op.symbol} {'self' if reflected else 'other'}"
    rules = ", ".join(f"∂out/∂{n} = {f}" for n, f in zip(OPERAND_NAMES, op.derivative_formulas,
                                                         strict=True))
    doc = f"{op.name}: {side}, out = {op.formula}; {rules}."
    return _method(f"{method}(self, other)", doc, body)


def _record(op: str, left: str, right: str, value_other: str = "") -> list[str]:
    """Make the node ``out = op(left, right)`` and put it on this context's tape.

    Written out in each method rather than called: a shared function costs 8-13 % of the
    time to build a graph (measured paired against this form). No recording (no_grad) and
    a full tape are in ``record_rarely``; a Value operand not yet on this tape joins it
    (``join``: a leaf is listed, an op node from elsewhere makes the tape impure).
    ``value_other``: the variant whose ``other`` is a Value (binary methods only)."""
    joins = ["if self._tape is not tape:  # a leaf's first use on this tape, or a node from "
             "elsewhere", "    join(tape, self)"]
    if value_other:
        joins += [f"if op is {value_other} and other._tape is not tape:",
                  "    join(tape, other)"]
    return ["out = new(Value)", "out.data = data", "out.grad = 0.0", f"out._op = {op}",
            f"out._a = {left}", f"out._b = {right}", "out._index = next(creation_counter)",
            "out._tape = tape = tape_now() or start_tape()",
            "if len(tape.nodes) >= tape.limit:  # no_grad, or the tape is full",
            f"    record_rarely(out, tape, {left}, {right})", "    return out",
            *joins, "tape.nodes.append(out)", "return out"]


def _step(op: Op) -> str:
    """``<variant>_backward(node, g)``: add g · ∂out/∂operand to each operand Value's .grad."""
    symbols = [name(U)] if op.kind == UNARY else [name(U), name(V)]
    targets = {UNARY: (0,), BINARY: (0, 1), CONST_RIGHT: (0,), CONST_LEFT: (1,)}[op.kind]
    sums = {i: contribution(op, i, name("g"), symbols, name("out")).text for i in targets}
    used = set(_IDENTIFIER.findall(" ".join(sums.values())))
    # Where each name comes from: an operand Value's data, or the constant on the node.
    sources = {U: "left.data" if op.kind != CONST_LEFT else "node._a",
               V: "right.data" if op.kind != CONST_RIGHT else "node._b", "out": "node.data"}
    lines = []
    if op.kind != CONST_LEFT:
        lines.append("left = node._a")
    if op.kind in (BINARY, CONST_LEFT):
        lines.append("right = node._b")
    lines += [f"{symbol} = {sources[symbol]}" for symbol in (U, V, "out") if symbol in used]
    for i in targets:
        operand = ("left", "right")[i]
        lines += [f"before = {operand}.grad", f"s = before + {sums[i]}", f"{operand}.grad = s",
                  "if s - s != 0.0:  # inf or nan: an error if only finite numbers went in",
                  f"    check(node, {operand}, g, before)"]
    rules = ", ".join(f"∂out/∂{OPERAND_NAMES[i]} = {op.derivative_formulas[i]}"
                      for i in targets)
    doc = f"{op.variant_name}: out = {op.formula}; {rules}."
    return "\n".join([f"def {op.variant_name}_backward(node, g):", *_doc(doc, 4),
                      *(f"    {line}" for line in lines)])


HEADER = '''\
"""The eager engine's per-op code: each op's Value methods and its backward steps.

GENERATED from the op table (autodiff/core/ops.py) by tools/engine_source.py: do not edit.
After changing the table, run `make generate`; tests/test_engine_source.py fails while this
file and the table disagree.

Each method computes its op's forward on floats and makes one node, put on this context's
tape (autodiff/core/tape.py); each ``<op>_backward(node, g)`` is the chain rule for one
node: every operand's ``.grad`` gets ``g`` (the node's own gradient) times the table's
local derivative. The backward pass (autodiff/core/backward.py) finds a node's step in
``STEPS`` at the end of this file (``OP_mul`` → ``mul_backward``). ``Value`` is the
subclass of ``ValueOperators`` that autodiff/core/value.py defines (this file cannot import
it: value.py imports this file).
"""

from __future__ import annotations

from typing import Any

from .checks import is_real, number_operand, unsupported
from .errors import check_contribution as check
from .errors import op_error
from .ops import CONST_LEFT_OPS, CONST_RIGHT_OPS, FLOAT_MATH, OPS
from .tape import creation_counter, join, record_rarely
from .tape import current as start_tape
from .tape import current_or_none as tape_now

Value: Any = None  # the Value class, set when autodiff/core/value.py defines it
new = object.__new__
NOT_FINITE = OverflowError("the float result is not finite")  # + − × ÷ overflowed silently
'''


# Value is ValueOperators' first subclass: the methods make and test for it.
SUBCLASS = ["    def __init_subclass__(cls, **kwargs):",
            '        """Value (autodiff/core/value.py), the first subclass, is what ops make."""',
            "        super().__init_subclass__(**kwargs)", "        global Value",
            "        if Value is None:", "            Value = cls", ""]


def source() -> str:
    """The whole text of ``autodiff/core/operators.py``."""
    tables = {UNARY: "OPS", BINARY: "OPS", CONST_RIGHT: "CONST_RIGHT_OPS",
              CONST_LEFT: "CONST_LEFT_OPS"}
    names = [f"OP_{op.variant_name} = {tables[op.kind]}[{op.name!r}]" for op in ALL_OPS]
    forwards = [f"{op.name}_forward = OPS[{op.name!r}].forward" for op in OPS.values()
                if op.forward not in INLINE_FORWARDS]
    math_names = [f"{fn} = FLOAT_MATH.{fn}" for fn in vars(SYMBOL_MATH)]
    methods = []
    for op in OPS.values():
        if op.kind == UNARY:
            methods.append(_unary_method(op, op.methods[0]))
            methods += [f"    {method} = {op.methods[0]}" for method in op.methods[1:]]
        else:
            methods += [_binary_method(op, op.methods[0], False),
                        _binary_method(op, op.methods[1], True)]
    steps = [_step(op) for op in ALL_OPS]
    table = ["STEPS = {", *(f"    OP_{op.variant_name}: {op.variant_name}_backward,"
                            for op in ALL_OPS), "}"]
    return "\n".join([
        HEADER, "# The op table's rows, by variant.", *names, "",
        "# Forwards that check their domain (the others are written inline).", *forwards, "",
        "# The math namespace the derivative rules use, on floats.", *math_names, "", "",
        "class ValueOperators:",
        '    """The operators and math methods of Value, one for each op of the table."""',
        "", "    __slots__ = ()", "", *SUBCLASS, "\n\n".join(methods), "", "",
        "# --- backward steps: the chain rule for one node of each op variant ---", "", "",
        "\n\n\n".join(steps), "", "",
        "# The step for each op variant, as backward() looks it up.", *table, ""])


def main(argv: list[str] | None = None) -> int:
    """Write the file (or, with ``--check``, say whether it is up to date)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    parser.add_argument("--output", type=Path, default=TARGET)
    args = parser.parse_args(argv)
    text = source()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        print("up to date" if current == text else f"{args.output} is stale: make generate")
        return 0 if current == text else 1
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({text.count(chr(10))} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
