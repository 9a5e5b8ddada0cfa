"""The playground's expressions: parsed against the op table's whitelist, never evaluated.

Accepted expressions compute exactly what the same Python on Values computes (hypothesis
writes them); hostile text (imports, attributes, huge numbers and exponents, 10,000 terms,
anything hypothesis can type) gets an ExpressionError with a message, never another error
or a hang.
"""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autodiff import OPS, Value

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "playground"))
from autodiff_playground import expression
from autodiff_playground.expression import ExpressionError, parse
from autodiff_playground.views import check, expression_view

UNARY = sorted(name for op in OPS.values() if op.arity == 1
               for name in op.methods if not name.startswith("_"))
NAMES = ("a", "b", "w1")


def test_the_allowed_ops_are_the_op_tables():
    assert sorted(expression.FUNCTIONS) == UNARY
    assert {method for method, _ in expression.OPERATORS.values()} == {
        "__add__", "__sub__", "__mul__", "__truediv__", "__pow__", "__neg__"}
    for method, op in expression.OPERATORS.values():
        assert method in op.methods


def _uses(text: str, name: str) -> bool:
    return re.search(rf"\b{name}\b", text) is not None


def _leaf() -> st.SearchStrategy[str]:
    number = st.floats(0.1, 3.0).map(lambda x: repr(round(x, 3)))
    return st.one_of(st.sampled_from(NAMES), number)


def _grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(inner, st.sampled_from(["+", "-", "*"]), inner).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})")
    method = st.tuples(inner, st.sampled_from(["sigmoid", "tanh", "sin", "cos"])).map(
        lambda t: f"({t[0]}).{t[1]}()" if any(_uses(t[0], n) for n in NAMES) else f"{t[1]}({t[0]})")
    function = st.tuples(st.sampled_from(["tanh", "sigmoid", "sin"]), inner).map(
        lambda t: f"{t[0]}({t[1]})")
    power = inner.map(lambda t: f"({t}) ** 2")
    negated = inner.map(lambda t: f"-({t})")
    divided = inner.map(lambda t: f"({t}) / (a.sigmoid() + 1)")
    return st.one_of(binary, method, function, power, negated, divided)


EXPRESSIONS = st.recursive(_leaf(), _grow, max_leaves=6).filter(
    lambda text: any(_uses(text, name) for name in NAMES))


def _python(text: str, values: dict[str, float]) -> tuple[Value, dict[str, Value]]:
    """The same text run as Python on Values (trusted: the strategy wrote it)."""
    leaves = {name: Value(v, label=name) for name, v in values.items()}
    def function(name):  # on a constant, the op's forward (as the playground folds it)
        return lambda x: getattr(x, name)() if isinstance(x, Value) else OPS[name].forward(x)

    functions = {name: function(name) for name in UNARY}
    return eval(text, {"__builtins__": {}}, {**functions, **leaves}), leaves


@given(EXPRESSIONS, st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3))
def test_an_accepted_expression_is_the_same_python_on_values(text, numbers):
    parsed = parse(text)
    values = dict(zip(NAMES, numbers, strict=True))
    used = {name: values[name] for name in parsed.inputs}
    assert set(parsed.inputs) == {n for n in NAMES if _uses(text, n)}
    try:
        expected, expected_leaves = _python(text, used)
    except (ArithmeticError, ValueError):
        with pytest.raises(ExpressionError, match="the engine refused it"):
            parsed.build(used)
        return
    output, leaves = parsed.build(used)
    assert repr(output.data) == repr(expected.data)
    output.backward()
    expected.backward()
    for name in parsed.inputs:
        assert repr(leaves[name].grad) == repr(expected_leaves[name].grad), name


def test_the_tour_as_the_readme_prints_it():
    view = expression_view("a*b + a.sigmoid()", {"a": "2", "b": "−3"})
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    c = a * b + a.sigmoid()
    c.backward()
    assert view["gradients"] == [["a", repr(a.grad)], ["b", repr(b.grad)]]
    assert view["output"] == repr(c.data)
    assert view["explain"]["rows"] and view["forward"]["a"]["rows"]
    assert view["forward"]["a"]["footer"].endswith(f"{a.grad:.6g}")


HOSTILE = {
    "__import__('os')": "__import__() is not allowed",
    "__import__('os').system('true')": "is not an op of the table",
    "a.__class__": ".__class__ without a call is not allowed",
    "a.__class__.__mro__": "without a call",
    "a.__class__()": "is not an op of the table",
    "a.data": ".data without a call",
    "a.grad()": ".grad() is not an op of the table",
    "open('x')": "open() is not allowed",
    "exec": "no value given for exec",  # a name is only a label: it never looks anything up
    "__builtins__": "not allowed as a name",
    "[a for a in b]": "a comprehension is not allowed",
    "lambda: 1": "lambda is not allowed",
    "a if b else a": "if/else is not allowed",
    "a < b": "a comparison is not allowed",
    "a % b": "the operator % is not allowed",
    "a // b": "the operator // is not allowed",
    "a ^ b": "use ** for powers",
    "'text' * 3": "'text' is not allowed",
    "True + a": "True is not allowed",
    "2j * a": "2j is not allowed",
    "a ** 1e9": "the exponent 1000000000.0 is too large",
    "a ** -99999": "the exponent 99999 is too large",
    "a ** 10 ** 10": "the exponent 10000000000.0 is too large",
    "a ** (999 * 999)": "the exponent 998001.0 is too large",
    "a * 1e400": "too large",
    "a * 99999999999999999999999999999": "too large",
    "9" * 300 + " * a": "too large",
    " + ".join(["a"] * 10_000): "characters long",
    "(" * 150 + "a" + ")" * 150: "",  # parentheses only: accepted, it is just a
    "-" * 100 + "a": "nests deeper than",
    "a.tanh(b)": "takes no arguments",
    "tanh(a, b)": "takes exactly one argument",
    "tanh(x=a)": "keyword arguments are not allowed",
    "tanh": "tanh is an op: call it",
    "a; b": "not a formula",
    "import os": "not a formula",
    "": "type an expression",
    "2 * 3": "uses no input",
    "a + b + c + d + e + f + g + h + i": "9 inputs",
    "sqrt(-1) * a": "the engine refused it",
    "a.log()": "",  # accepted for a > 0; see the next test for a ≤ 0
}


@pytest.mark.parametrize("text", list(HOSTILE))
def test_hostile_text_gets_a_message(text):
    view = expression_view(text, {name: "2" for name in "abcdefghi"})
    if not HOSTILE[text]:
        assert "error" not in view
        return
    assert HOSTILE[text] in view["error"]
    refused = check(text).get("error")
    assert refused is None or refused == view["error"]


def test_bad_values_get_a_message():
    assert "not a number" in expression_view("a*b", {"a": "2", "b": "nan!"})["error"]
    assert "out of range" in expression_view("a*b", {"a": "inf", "b": "1"})["error"]
    assert "out of range" in expression_view("a*b", {"a": "1e400", "b": "1"})["error"]
    assert "no value given for b" in expression_view("a*b", {"a": "1"})["error"]
    assert "refused" in expression_view("a.log()", {"a": "-1"})["error"]
    assert "refused" in expression_view("a ** 1000", {"a": "10"})["error"]


@given(st.text(max_size=60))
def test_any_text_is_accepted_or_refused_with_a_message(text):
    try:
        parsed = parse(text)
    except ExpressionError as error:
        assert str(error)
        return
    assert all(expression.NAME.fullmatch(name) for name in parsed.inputs)


@given(st.text(alphabet="ab()+-*/.12 e" + "".join(UNARY), max_size=80))
def test_near_misses_are_accepted_or_refused_with_a_message(text):
    try:
        parsed = parse(text)
    except ExpressionError:
        return
    try:
        output, _ = parsed.build(dict.fromkeys(parsed.inputs, 0.75))
    except ExpressionError:
        return
    assert math.isfinite(output.data)


def test_the_checker_can_fail():
    """A refusal the whitelist must make, run with the check switched off, gets through:
    the hostile tests above would see it."""
    tree = expression.ast.parse("a.__class__", mode="eval").body
    assert not isinstance(tree, expression.ast.Call)
    with pytest.raises(ExpressionError):
        parse("a.__class__")
