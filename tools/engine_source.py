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

from autodiff.codegen.symbols import SYMBOL_MATH, name  # noqa: E402
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


def _doc(text: str) -> str:
    return '"""' + " ".join(text.split()).replace("\\", "\\\\") + '"""'


def _forward_lines(op: Op, args: list[str], used: str, operands: str) -> list[str]:
    """``data = ...``: inline for a Python operator, else a call to the table's forward
    whose error names the op variant ``used`` and its ``operands``."""
    if op.forward in INLINE_FORWARDS:
        return [f"data = {op.forward(*map(name, args)).text}"]
    return ["try:",
            f"    data = {op.name}_forward({', '.join(args)})",
            "except (ArithmeticError, ValueError) as exc:",
            f"    raise op_error({used}, {operands}, exc) from None"]


def _join(operand: str) -> list[str]:
    """An operand Value not yet on this tape: a leaf joins it, an op node from elsewhere
    makes it impure (backward() then sorts the graph instead of walking the tape)."""
    return [f"if {operand}._tape is not tape:", f"    if {operand}._op is None:",
            f"        {operand}._tape = tape", f"        tape.leaves.append({operand})",
            "    else:", "        tape.pure = False"]


def _record(op: str, left: str, right: str, values: list[str]) -> list[str]:
    """Make the node and put it on this context's tape (no_grad and a full tape: in
    record_rarely); ``values`` are the operands that are Values."""
    return ["out = new(Value)", "out.data = data", "out.grad = 0.0", f"out._op = {op}",
            f"out._a = {left}", f"out._b = {right}", "out._index = next(creation_counter)",
            "tape = tape_now() or start_tape()", "out._tape = tape", "nodes = tape.nodes",
            "if len(nodes) >= tape.limit:  # no_grad, or the tape is full",
            f"    record_rarely(out, tape, {left}, {right})", "    return out",
            *(line for operand in values for line in _join(operand)),
            "nodes.append(out)", "return out"]


def _method(signature: str, doc: str, body: list[str]) -> str:
    return "\n".join([f"    def {signature}:", f"        {_doc(doc)}",
                      *(f"        {line}" if line else "" for line in "\n".join(body).split("\n"))])


def _unary_method(op: Op, method: str) -> str:
    body = [f"{U} = self.data", *_forward_lines(op, [U], f"OP_{op.name}", "(self,)"),
            *_record(f"OP_{op.name}", "self", "None", ["self"])]
    doc = f"{op.name}: out = {op.formula}; ∂out/∂{U} = {op.derivative_formulas[0]}."
    return _method(f"{method}(self)", doc, body)


def _binary_method(op: Op, method: str, reflected: bool) -> str:
    """``self ∘ other`` (or, reflected, ``other ∘ self`` for a number ``other``): one
    block for a Value ``other``, one for a number kept on the node as a constant."""
    constant = f"OP_{op.name}_{'const_left' if reflected else 'const_right'}"
    left, right = ("other", "self") if reflected else ("self", "other")

    def block(variant: str, u: str, v: str, values: list[str]) -> list[str]:
        return [
            f"{U} = {u}", f"{V} = {v}",
            *_forward_lines(op, [U, V], variant, f"({left}, {right})"),
            f"if data - data != 0.0 and {U} - {U} == 0.0 and {V} - {V} == 0.0:",
            "    # finite operands, an inf or nan result: + − × ÷ overflowed without raising",
            f"    raise op_error({variant}, ({left}, {right}), "
            "OverflowError('the float result is not finite'))",
            *_record(variant, left, right, values)]

    indent = [f"    {line}" for line in block(f"OP_{op.name}", f"{left}.data", f"{right}.data",
                                                ["self", "other"])]
    number = [f"    {line}" for line in block(
        constant, "other" if reflected else "self.data", "self.data" if reflected else "other",
        ["self"])]
    body = ["if type(other) is Value:", *indent,
            "if type(other) is float or is_real(other):",
            "    if type(other) is not float:",
            f"        other = number_operand(other, {constant}, self)", *number,
            f"return unsupported({op.name!r}, self, other, {reflected})"]
    side = f"{'number' if reflected else 'self'} {op.symbol} {'self' if reflected else 'other'}"
    rules = ", ".join(f"∂out/∂{n} = {f}" for n, f in zip(OPERAND_NAMES, op.derivative_formulas,
                                                         strict=True))
    doc = (f"{op.name}: {side}, out = {op.formula}; {rules}. One node: a number operand is "
           "kept on it as a constant.")
    return _method(f"{method}(self, other)", doc, body)


def _step(op: Op) -> str:
    """``<variant>_backward(node, g)``: add g · ∂out/∂operand to each operand Value's .grad."""
    symbols = [name(U)] if op.kind == UNARY else [name(U), name(V)]
    targets = {UNARY: (0,), BINARY: (0, 1), CONST_RIGHT: (0,), CONST_LEFT: (1,)}[op.kind]
    sums = {i: (name("g") * op.partials[i](SYMBOL_MATH, *symbols, name("out"))).text
            for i in targets}
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
    return "\n".join([f"def {op.variant_name}_backward(node, g):", f"    {_doc(doc)}",
                      *(f"    {line}" for line in lines)])


HEADER = '''\
"""The eager engine's per-op code: each op's Value methods and its backward steps.

GENERATED from the op table (autodiff/core/ops.py) by tools/engine_source.py:
do not edit. After changing the table, run `make generate`; tests/test_engine_source.py
fails while this file and the table disagree.

Each method computes its op's forward on floats and records one node; each
``<op>_backward(node, g)`` is the chain rule for one node: every operand's ``.grad`` gets
``g`` (the node's own gradient) times the table's local derivative. ``Value`` is set by
autodiff/core/value.py, which defines the class from ``ValueOperators`` (this file cannot
import it: value.py imports this file).
"""
# ruff: noqa: E501

from __future__ import annotations

from typing import Any

from .checks import is_real, number_operand, unsupported
from .errors import check_contribution as check
from .errors import op_error
from .ops import CONST_LEFT_OPS, CONST_RIGHT_OPS, FLOAT_MATH, OPS
from .tape import creation_counter, record_rarely
from .tape import current as start_tape
from .tape import current_or_none as tape_now

Value: Any = None  # the Value class (set by autodiff/core/value.py)
new = object.__new__
'''


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
            methods += [_unary_method(op, method) for method in op.methods]
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
        "", "    __slots__ = ()", "", "\n\n".join(methods), "", "",
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
