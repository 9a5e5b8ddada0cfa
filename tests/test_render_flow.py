"""draw(flow=True): widths bounded and strictly increasing with |flow|, colour by sign, a legend."""

from __future__ import annotations

import itertools
import math
import re
import shutil
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings

from autodiff import Value, creation_order, draw
from autodiff.core.graph import local_partials, value_operands
from autodiff.render.marks import MAX_PENWIDTH, flow_width
from tests.strategies import expressions

SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")


def vanishing() -> Value:
    """The README's L = tanh(a*b + a): tanh saturates, so the gradients below it vanish."""
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    out = (a * b + a).tanh()
    out.label = "L"
    out.backward()
    return out


def expected_flows(out: Value) -> dict[str, float]:
    """Edge name (as draw names it) → the gradient it carries, from the op table's partials."""
    order = creation_order(out)
    index = {id(v): i for i, v in enumerate(order)}
    flows: dict[str, float] = {}
    for v in order:
        if not v.op:
            continue
        for (_, parent), (_, local) in zip(value_operands(v), local_partials(v), strict=True):
            edge = f"v{index[id(parent)]}->o{index[id(v)]}"
            k = sum(1 for name in flows if name.startswith(edge + "#"))
            flows[f"{edge}#{k}"] = v.grad * float(local)
        flows[f"o{index[id(v)]}->v{index[id(v)]}#0"] = v.grad
    return flows


def drawn_widths(out: Value) -> dict[str, tuple[float, str]]:
    """Edge name → (penwidth, colour) from the DOT source (the SVG rounds widths)."""
    widths: dict[str, tuple[float, str]] = {}
    seen: dict[str, int] = {}
    for line in draw(out, flow=True).source.splitlines():
        m = re.match(r'\s*(\w+) -> (\w+) \[(.*)\]', line)
        if not m or m[1].startswith("legend"):
            continue
        key = f"{m[1]}->{m[2]}"
        k = seen.get(key, 0)
        seen[key] = k + 1
        width = re.search(r"penwidth=([0-9.]+)", m[3])
        color = re.search(r'color="(#\w+)"', m[3])
        widths[f"{key}#{k}"] = (float(width[1]) if width else 1.0, color[1] if color else "")
    return widths


def check_widths(out: Value) -> set[float]:
    flows, widths = expected_flows(out), drawn_widths(out)
    assert set(flows) == set(widths)
    ranked = sorted(flows, key=lambda name: abs(flows[name]))
    # flow_width itself is strictly increasing (tested below); a drawing writes widths to
    # 6 decimals, on a log scale, so flows 1% apart must show as different widths.
    for lower, higher in itertools.pairwise(ranked):
        if abs(flows[higher]) > abs(flows[lower]) * (1 + 1e-2):
            assert widths[higher][0] > widths[lower][0], (lower, higher)
    for name, (width, color) in widths.items():
        assert 1.0 <= width <= MAX_PENWIDTH
        assert color == ("#1a73e8" if flows[name] > 0 else "#d93025" if flows[name] < 0
                         else "#bdc1c6"), name
    return {w for w, _ in widths.values()}


def test_the_vanishing_gradient_example_shows_bounded_distinct_widths():
    out = vanishing()
    assert abs(expected_flows(out)["v0->o2#0"]) < 0.01  # it does vanish
    assert len(check_widths(out)) >= 3


@settings(max_examples=25, deadline=None)
@given(expressions())
def test_widths_grow_strictly_with_flow_and_stay_bounded(case):
    build, args = case
    out = build(*(Value(x, f"x{i}") for i, x in enumerate(args)))
    try:
        out.backward()
    except (ArithmeticError, ValueError):
        return
    if all(math.isfinite(v.grad) for v in creation_order(out)):
        check_widths(out)


def test_flow_width_is_bounded_and_strictly_increasing():
    sizes = [0.0, 1e-300, 1e-30, 1e-6, 1e-3, 0.01, 0.5, 0.99, 1.0]
    widths = [flow_width(s) for s in sizes]
    assert widths[0] == 1.0 and widths[-1] == MAX_PENWIDTH
    assert all(a < b for a, b in itertools.pairwise(widths))


@needs_dot
def test_the_svg_has_a_legend_for_colour_and_width():
    root = ET.fromstring(draw(vanishing(), flow=True).pipe(format="svg"))
    text = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert "flow > 0" in text and "flow < 0" in text and "largest |flow| = 1" in text
    widths = [float(p.get("stroke-width", "1")) for g in root.iter(f"{SVG}g")
              if g.get("class") == "edge" for p in g.iter(f"{SVG}path")]
    assert max(widths) <= MAX_PENWIDTH
    assert "legend" not in draw(vanishing()).source  # no flow: no legend
