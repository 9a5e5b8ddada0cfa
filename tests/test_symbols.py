"""Code-generation symbols: printed Python that computes exactly what the rule computes."""

from __future__ import annotations

import inspect
import math

import engine_source
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import floats_in

from autodiff.codegen import compile as codegen
from autodiff.codegen import emit as generate
from autodiff.codegen import symbols
from autodiff.codegen.symbols import SYMBOL_MATH, Sym, constant, name


def test_symbols_print_python_that_keeps_the_evaluation_order():
    a, b, c = name("a"), name("b"), name("c")
    assert (a - (b - c)).text == "a - (b - c)"
    assert (a + (b + c)).text == "a + (b + c)"
    assert ((a + b) * c).text == "(a + b) * c"
    assert (a / (b * c)).text == "a / (b * c)"
    assert (-(a ** b)).text == "-a ** b"
    assert ((-a) ** b).text == "(-a) ** b"
    minus_a = -a
    assert (-minus_a).text == "-(-a)"
    assert (a * -1.0).text == "-a" and (a * 0.0).const == 0.0 and (0.0 + a) is a
    assert (constant(2.0) * 3.0).const == 6.0
    assert [constant(v).text for v in (math.inf, -math.inf, -0.0, 1e-300)] == [
        "inf", "-inf", "-0.0", "1e-300"]
    assert math.isnan(constant(math.nan).const)
    assert SYMBOL_MATH.scaled_pow(2.0, a, 1.0).text == "2.0 * a"
    assert SYMBOL_MATH.scaled_pow(a, b, 0.5).text == "scaled_pow(a, b, 0.5)"
    assert SYMBOL_MATH.cos(0.0).const == 1.0


SYMBOL_OPERATIONS = [  # (on symbols, on floats): the same arithmetic
    *[(f, f) for f in (lambda x, y: x + y, lambda x, y: x - y, lambda x, y: x * y,
                       lambda x, y: x / y, lambda x, y: -x, lambda x, y: abs(x))],
    (lambda x, y: SYMBOL_MATH.sin(x), lambda x, y: math.sin(x)),
]


@st.composite
def symbol_programs(draw):
    """Random straight-line arithmetic over a, b, c and constants (0, ±1 for folding)."""
    leaves = ["a", "b", "c", 0.0, 1.0, -1.0, 2.5, -0.0]
    steps = []
    for k in range(draw(st.integers(1, 10))):
        available = len(leaves) + k
        pick = st.one_of(st.integers(0, available - 1),  # mostly the newest values
                         st.integers(max(0, available - 3), available - 1))
        steps.append((draw(st.integers(0, len(SYMBOL_OPERATIONS) - 1)), draw(pick), draw(pick)))
    return leaves, steps


@settings(max_examples=500)  # cheap: pure arithmetic
@given(symbol_programs(), st.tuples(*(floats_in(-3.0, 3.0) for _ in range(3))))
def test_symbol_text_evaluates_exactly_like_the_same_arithmetic_on_floats(program, point):
    leaves, steps = program
    env = dict(zip("abc", point, strict=True))
    values = [env[x] if isinstance(x, str) else x for x in leaves]
    symbols = [name(x) if isinstance(x, str) else constant(x) for x in leaves]
    for op, i, j in steps:
        on_symbols, on_floats = SYMBOL_OPERATIONS[op]
        try:
            values.append(on_floats(values[i], values[j]))
        except ZeroDivisionError:
            return
        if not math.isfinite(values[-1]):
            return  # x · 0 folds to 0 only for finite x (documented)
        symbols.append(on_symbols(symbols[i], symbols[j]))
        assert eval(symbols[-1].text, {"sin": math.sin, **env}) == values[-1], symbols[-1].text


def test_a_rule_that_branches_on_a_symbol_is_an_error():
    with pytest.raises(TypeError, match="branch-free"):
        bool(name("a") > 0)
    with pytest.raises(TypeError, match="cannot use str"):
        Sym("a") + "b"


@pytest.mark.parametrize("module", [symbols, codegen, generate, engine_source])
def test_public_functions_classes_and_methods_have_docstrings(module):
    undocumented = []
    for name_, obj in vars(module).items():
        if name_.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(obj) or inspect.isclass(obj):
            undocumented += [name_] if not obj.__doc__ else []
        if inspect.isclass(obj):
            for attribute, member in vars(obj).items():
                member = member.fget if isinstance(member, property) else member
                if not attribute.startswith("_") and callable(member) and not member.__doc__:
                    undocumented.append(f"{name_}.{attribute}")
    assert undocumented == []
