"""What pictures say: tooltips as written, ``grad —`` for a pending gradient, flags that are
bools, step titles counted as the page counts them."""

from __future__ import annotations

import html
import re
import shutil

import pytest

from autodiff import Value, draw, explain

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")


def tooltips(svg: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'xlink:title="([^"]*)"', svg)]


@needs_dot
@pytest.mark.parametrize("label", ["\\N \\G \\L \\E \\T \\H", "&amp; &lt;b&gt; &#38;", "a\\",
                                   "\\\\x", 'say "hi" <b>'])
def test_tooltips_show_the_label_as_written(label):
    x = Value(1.5, label)
    svg = draw(x * 2.0).svg()
    assert f"{label}: data 1.5, grad 0.0" in tooltips(svg)


@needs_dot
def test_a_pending_gradient_reads_grad_dash_in_tooltips_too():
    x = Value(0.5, "x")
    out = (x * 3.0).tanh()
    svg = draw(out, step=0).svg()
    assert "x: data 0.5, grad —" in tooltips(svg)
    assert not any("None" in t for t in tooltips(svg))


@pytest.mark.parametrize("flag", ["show_grad", "flow", "why_zero", "collapse"])
@pytest.mark.parametrize("value", ["no", 0, 1, None, "False"])
def test_flags_must_be_bools(flag, value):
    with pytest.raises(TypeError, match=flag):
        draw(Value(1.0) * 2.0, **{flag: value})


def test_step_titles_count_from_one_as_the_page_does():
    out = (Value(0.5, "x") * 3.0).tanh()
    n = len(explain(out).steps)
    assert f"step {n} of {n}:" in draw(out, step=n - 1).source
    assert "steps[" not in draw(out, step=0).source
