"""gradcheck: passes on correct functions (order 1 and 2), fails on a wrong rule, reports."""

import math

import pytest

import autodiff as ad
from autodiff.core.ops import OPS


def smooth(x, y):
    return (x * y).sin() + x.exp() / (y * y + 1.0) + x ** 3.0 + (x * x + 1.0).log() * y.sigmoid()


def test_passes_on_correct_functions():
    assert ad.gradcheck(smooth, 0.3, -1.2)
    assert ad.gradcheck(lambda x: x.tanh() * x.sqrt(), 1.7)
    assert ad.gradcheck(lambda x, y: x ** y, 1.3, 0.7)


def test_order_two_checks_every_second_derivative():
    report = ad.gradcheck(smooth, 0.3, -1.2, order=2)
    assert report
    a, b = smooth.__code__.co_varnames[:2]
    assert [row.wrt for row in report.rows] == [a, b, f"{a},{a}", f"{a},{b}", f"{b},{a}",
                                                f"{b},{b}"]


def test_rows_are_named_after_the_parameters_of_f():
    assert [r.wrt for r in ad.gradcheck(lambda a, b: a * b + a, 1.0, 2.0).rows] == ["a", "b"]
    assert [r.wrt for r in ad.gradcheck(lambda *xs: xs[0] * xs[1], 1.0, 2.0).rows] == [
        "xs[0]", "xs[1]"]
    assert [r.wrt for r in ad.gradcheck(lambda w, *rest: w * rest[0], 1.0, 2.0).rows] == [
        "w", "rest[0]"]
    report = ad.gradcheck(lambda a, b: a * b, 1.0, 2.0)
    assert "| a |" in report._repr_markdown_() and "| b |" in report._repr_markdown_()


@pytest.fixture
def broken_sin(monkeypatch):
    """OPS["sin"] with its derivative off by 0.1%; monkeypatch restores the rule."""
    op = OPS["sin"]
    wrong = (lambda m, a, out: 1.001 * m.cos(a),)
    monkeypatch.setitem(vars(op), "partials", wrong)  # Op is frozen: patch its __dict__
    return op


def test_fails_on_a_deliberately_wrong_rule(broken_sin):
    report = ad.gradcheck(lambda x: x.sin() * 2.0, 0.4)
    assert not report
    (row,) = report.failures
    assert row.wrt == "x"
    assert row.analytic == pytest.approx(2 * 1.001 * math.cos(0.4), rel=1e-12)
    assert row.numeric == pytest.approx(2 * math.cos(0.4), rel=1e-8)
    assert "1 disagree" in str(report) and "NO" in str(report)


def test_order_two_catches_a_wrong_rule_seen_only_in_second_derivatives(broken_sin):
    # d/dx cos(x) = -sin(x): cos's rule is right, but the second derivative of cos
    # runs sin's (broken) rule.
    assert ad.gradcheck(lambda x: x.cos(), 0.4)
    assert not ad.gradcheck(lambda x: x.cos(), 0.4, order=2)


def test_rule_is_restored_after_the_fixture():
    assert ad.gradcheck(lambda x: x.sin(), 0.4, order=2)


def test_report_shows_a_row_per_input():
    text = str(ad.gradcheck(smooth, 0.3, -1.2))
    lines = text.splitlines()
    assert "all agree" in lines[0] and "analytic" in lines[1] and "numeric" in lines[1]
    a, b = smooth.__code__.co_varnames[:2]
    assert lines[2].startswith(a) and lines[3].startswith(b) and len(lines) == 4
    assert lines[2].split()[-1] == "yes"


def test_bad_arguments():
    with pytest.raises(ValueError, match="order"):
        ad.gradcheck(smooth, 0.3, -1.2, order=3)
    with pytest.raises(ValueError, match="at least one"):
        ad.gradcheck(smooth)
    with pytest.raises(TypeError, match="str"):
        ad.gradcheck(smooth, "0.3", 1.0)
    with pytest.raises(ValueError, match="eps"):
        ad.gradcheck(smooth, 0.3, 1.0, eps=0.0)
    with pytest.raises(TypeError, match="must return a Value"):
        ad.gradcheck(lambda x: 1.0, 0.3)
