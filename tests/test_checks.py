"""autodiff/core/checks.py, the one home of the argument checks: precision, real numbers
and flags are each checked there, with one message, and nowhere else."""

import re
from pathlib import Path

import numpy as np
import pytest

import nn
from autodiff import Value, compile_grad, draw, grad
from autodiff.core.checks import check_flag, check_precision, real_as_float

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(p for package in ("autodiff", "nn") for p in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("x", [1, 6, 17, np.int64(4)])
def test_a_precision_is_an_int_from_1_to_17(x):
    assert check_precision(x) == x


@pytest.mark.parametrize("x", [0, 18, True, 4.0, "4", None])
def test_any_other_precision_is_refused_with_one_message(x):
    with pytest.raises(ValueError, match=f"precision must be an int from 1 to 17, got {x!r}"):
        check_precision(x)


def test_every_precision_argument_goes_through_the_one_check():
    x = Value(2.0)
    for call in (lambda: draw(x * x, precision=True), lambda: nn.draw_deltas(
            nn.MLP(3, [1], seed=0), [[0, 0, 1]], [0], precision=18)):
        with pytest.raises(ValueError, match="precision must be an int from 1 to 17"):
            call()


@pytest.mark.parametrize("x, expected", [(2, 2.0), (-0.0, -0.0), (np.float32(0.5), 0.5)])
def test_a_real_number_becomes_a_float(x, expected):
    result = real_as_float(x, "x")
    assert type(result) is float and result.hex() == expected.hex()


@pytest.mark.parametrize("x", [True, "1", None, 1j, Value(1.0)])
def test_anything_else_is_not_a_real_number(x):
    with pytest.raises(TypeError, match=f"x must be a real number \\(int or float\\), got "
                                        f"{type(x).__name__}"):
        real_as_float(x, "x")


def test_an_int_too_large_for_a_float_says_so():
    with pytest.raises(OverflowError, match=r"x 10000000000000000000… \(401 digits\) is too "
                                            "large for a float"):
        real_as_float(10 ** 400, "x")


def test_bool_is_not_a_real_number_anywhere():
    for call in (lambda: Value(True), lambda: grad(lambda x: x * x)(True),
                 lambda: compile_grad(lambda x: x * x, 1)(True)):
        with pytest.raises(TypeError, match="real number"):
            call()


def test_a_flag_is_true_or_false():
    assert check_flag(False, "flow") is False
    with pytest.raises(TypeError, match="flow must be True or False, got int: 1"):
        check_flag(1, "flow")
    with pytest.raises(TypeError, match="from_logits must be True or False, got int: 1"):
        nn.binary_cross_entropy([Value(0.5)], [1.0], from_logits=1)


@pytest.mark.parametrize("message", ["must be an int from 1 to 17", "must be True or False",
                                     r"must be a real number \(int or float\)"])
def test_each_message_is_written_once(message):
    places = [p.relative_to(ROOT).as_posix() for p in SOURCES
              if re.search(message, p.read_text(encoding="utf-8"))]
    assert places == ["autodiff/core/checks.py"]
