"""draw(): DOT and SVG structure, hostile labels, the path without `dot`, options and marks."""

from __future__ import annotations

import shutil
import unicodedata
import xml.etree.ElementTree as ET

import graphviz
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from autodiff import DotNotFoundError, Drawing, Value, creation_order, draw, explain
from autodiff.labels import (
    activation_label,
    bias_label,
    input_label,
    parse_label,
    pre_activation_label,
    weight_label,
)
from tests.strategies import expressions

SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")


def svg_tree(drawing: Drawing) -> ET.Element:
    return ET.fromstring(drawing.pipe(format="svg"))  # well-formed XML or ParseError


def groups(root: ET.Element, kind: str) -> dict[str, list[ET.Element]]:
    """SVG <g class=kind> elements by their <title> (a node's name, or "tail->head")."""
    found: dict[str, list[ET.Element]] = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == kind:
            found.setdefault(g.find(f"{SVG}title").text, []).append(g)
    return found


def texts(g: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in g.iter(f"{SVG}text")]


def small() -> tuple[Value, Value, Value]:
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    return a, b, (a * b + a * a).tanh()


@needs_dot
@settings(max_examples=15)
@given(expressions())
def test_svg_has_one_node_per_value_and_one_edge_per_operand(case):
    build, args = case
    out = build(*(Value(x, f"x{i}") for i, x in enumerate(args)))
    order = creation_order(out)
    index = {id(v): i for i, v in enumerate(order)}
    root = svg_tree(draw(out))
    nodes, edges = groups(root, "node"), groups(root, "edge")
    assert sorted(n for n in nodes if n.startswith("v")) == sorted(f"v{i}" for i in
                                                                  range(len(order)))
    ops = [v for v in order if v.op]
    assert sorted(n for n in nodes if n.startswith("o")) == sorted(f"o{index[id(v)]}"
                                                                  for v in ops)
    expected: dict[str, int] = {}
    for v in ops:
        for p in v.parents:  # a*a: the same (input, op) pair twice
            key = f"v{index[id(p)]}->o{index[id(v)]}"
            expected[key] = expected.get(key, 0) + 1
        expected[f"o{index[id(v)]}->v{index[id(v)]}"] = 1
    assert {k: len(v) for k, v in edges.items()} == expected


@needs_dot
def test_square_shows_both_edges_and_constants_cost_no_value():
    x = Value(3.0, "x")
    out = (x * x) * 2.0 + 1.5
    root = svg_tree(draw(out))
    nodes, edges = groups(root, "node"), groups(root, "edge")
    assert len(edges["v0->o1"]) == 2
    assert sum(1 for n in nodes if n.startswith("v")) == 4  # x, x*x, (x*x)*2, +1.5
    op_texts = {name: texts(g[0]) for name, g in nodes.items() if name.startswith("o")}
    assert sorted(t[0] for t in op_texts.values()) == ["+ 1.5", "×", "× 2"]
    assert "2 −" in draw(2.0 - x).source and "^ 3" in draw(x ** 3).source


HOSTILE = ['say "hi"', "<b>&amp;</b>", "{a|b}", "back\\slash\\", "two\nlines", "θ₁ ✓ 😀",
           "<>", '"', "\\", "|", "{", "\\n", "tab\there", "]; node [", "a0[1]", "\x00\x1b",
           "two \\\\ backslashes"]


def escaped(c: str) -> str:
    code = ord(c)
    return (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000
            else f"\\U{code:08x}")


def shown(label: str) -> list[str]:
    """The lines a label should show as: control and format characters, lone surrogates
    and line/paragraph separators made visible (Unicode categories Cc, Cf, Cs, Zl, Zp)."""
    label = label.replace("\r\n", "\n").replace("\r", "\n")
    visible = "".join(escaped(c) if c not in "\n\t" and unicodedata.category(c) in (
        "Cc", "Cf", "Cs", "Zl", "Zp") else c for c in label)
    return [" ".join(line.split()) for line in visible.split("\n") if line.strip()]


@needs_dot
@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_labels_give_valid_dot_and_show_as_written(label):
    x = Value(1.0, label)
    out = (x * 2.0).tanh()
    out.label = label
    root = svg_tree(draw(out))
    nodes = groups(root, "node")
    for name in ("v0", "v2"):
        got = [" ".join(t.split()) for t in texts(nodes[name][0])]
        want = shown(label)
        assert got[:len(want)] == want


@needs_dot
@settings(max_examples=20)
@given(st.text(max_size=12))
@example(']')
@example(']]')
@example('a\n]')
@example(']\n]')
@example('z1[0]')
@example('<]>')
def test_any_text_label_renders(label):
    x = Value(1.0, label)
    root = svg_tree(draw(x * 3.0))
    # A line of only white space renders as an empty <text>; `shown` leaves such lines out.
    got = [line for line in (" ".join(t.split()) for t in texts(groups(root, "node")["v0"][0]))
           if line]
    assert got[:len(shown(label))] == shown(label)


def test_dot_source_needs_no_binary_and_rendering_names_dot(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` anywhere
    out = small()[2]
    drawing = draw(out)
    assert isinstance(drawing, graphviz.Digraph)
    assert drawing.source.startswith("digraph") and "tanh" in drawing.source
    for render in (lambda: drawing.pipe(format="svg"), drawing.svg,
                   drawing._repr_mimebundle_, lambda: drawing.render(tmp_path / "g")):
        with pytest.raises(DotNotFoundError) as caught:
            render()
        message = str(caught.value)
        assert "`dot`" in message and "apt-get install graphviz" in message
        assert isinstance(caught.value, graphviz.ExecutableNotFound)


@needs_dot
def test_formats_and_jupyter_inline_svg():
    _, _, out = small()
    drawing = draw(out)
    assert drawing.pipe(format="png").startswith(b"\x89PNG")
    assert drawing.pipe(format="pdf").startswith(b"%PDF")
    bundle = drawing._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")
    assert drawing._repr_svg_().count("<svg") == 1


def test_options_reach_the_source():
    out = small()[2]
    out.backward()
    assert "rankdir=TB" in draw(out, rankdir="TB").source
    assert "grad " not in draw(out, show_grad=False).source
    assert "<TD>data -0.964</TD>" in draw(out, precision=3).source
    assert "<TD>data -0.96403</TD>" in draw(out, precision=5).source


@pytest.mark.parametrize("kwargs", [{"rankdir": "XY"}, {"precision": 0}, {"precision": 2.5},
                                    {"group": "neurons"}, {"max_nodes": 0}, {"step": 99}])
def test_bad_options_are_value_errors(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        draw(small()[2], **kwargs)


def test_bad_arguments_are_type_errors():
    with pytest.raises(TypeError, match="Value"):
        draw(1.0)
    with pytest.raises(TypeError, match="step"):
        draw(small()[2], step="1")
    with pytest.raises(TypeError, match="highlight"):
        draw(small()[2], highlight="a")


def test_highlight_nodes_and_paths():
    a, b, out = small()
    product = out.parents[0].parents[0]  # a*b
    source = draw(out, highlight=[a, [b, product]]).source
    assert source.count('BORDER="2"') == 3  # a, b and a*b
    assert source.count("penwidth=2.5") == 2  # b -> op(a*b) -> a*b
    with pytest.raises(ValueError, match="not an edge"):
        draw(out, highlight=[[a, out]])
    with pytest.raises(ValueError, match="not in the graph"):
        draw(out, highlight=Value(1.0))


def test_step_shows_the_explained_step_and_pending_gradients():
    out = small()[2]
    e = explain(out)
    first = draw(out, step=0).source
    assert "step 1 of 4" in first and "grad —" in first  # inputs not reached yet
    last = draw(out, step=len(e.steps) - 1).source
    assert "grad —" not in last
    assert 'label="u: ×-3 = -0.212"' in last  # u × v sends v × upstream to u


def test_flow_thickens_edges_by_contribution_and_colours_by_sign():
    x = Value(1.0, "x")
    out = x * 10.0 - x * 0.1
    out.backward()
    source = draw(out, flow=True).source
    assert "penwidth=8.000000" in source  # the largest flow
    assert "#d93025" in source and "#1a73e8" in source  # negative and positive


def test_why_a_gradient_is_zero():
    x, y, w = Value(-1.0, "x"), Value(2.0, "y"), Value(3.0, "w")
    out = x.relu() * w + y * 0.0
    out.backward()
    source = draw(out).source
    assert "why 0: inactive ReLU: ∂/∂u = 1 if u &gt; 0 else 0 is 0 here" in source
    assert "why 0: multiplied by the constant 0" in source
    assert "style=dashed" in source
    assert "why 0" not in draw(out, why_zero=False).source
    assert "why 0" not in draw((x * 2.0).tanh()).source  # no backward yet: nothing to explain


def net(samples: int = 1) -> Value:
    """A 2-2-1 sigmoid net labelled as nn labels it; E summed over ``samples``."""
    th0 = [[Value(0.1 * (i + j + 1), f"θ0[{i},{j}]") for j in range(2)] for i in range(2)]
    th1 = [Value(0.3 * (j + 1), f"θ1[{j},0]") for j in range(2)]
    bias = Value(0.05, "b2[0]")
    loss = Value(0.0)
    for s in range(samples):
        a0 = [Value(float(s + i), f"a0[{i}]") for i in range(2)]
        a1 = []
        for j in range(2):
            z = a0[0] * th0[0][j] + a0[1] * th0[1][j]
            z.label = f"z1[{j}]"
            a = z.sigmoid()
            a.label = f"a1[{j}]"
            a1.append(a)
        z2 = a1[0] * th1[0] + a1[1] * th1[1] + bias
        z2.label = "z2[0]"
        a2 = z2.sigmoid()
        a2.label = "a2[0]"
        loss = loss + 0.5 * (a2 - 1.0) ** 2
    return loss


def test_labels_parse_as_nn_labels_them():
    assert parse_label("θ0[2,1]") == ("θ", 1, 1)
    assert parse_label("b2[0]") == ("b", 2, 0)
    assert parse_label("a0[3]") == ("a", 0, 3)
    assert parse_label("z0[1]") is None and parse_label("x") is None
    for k, i, j in ((0, 2, 1), (12, 0, 3)):
        assert parse_label(weight_label(k, i, j)) == ("θ", k + 1, j)
    assert parse_label(bias_label(1, 0)) == ("b", 2, 0)
    assert parse_label(pre_activation_label(0, 3)) == ("z", 1, 3)
    assert parse_label(activation_label(0, 0)) == ("a", 1, 0)
    assert parse_label(input_label(2)) == ("a", 0, 2)
    for label in ("z0[1]", "w[1]", "a1[0", "θ1[2]"):
        assert parse_label(label) is None


def test_there_is_one_label_parser_and_nn_uses_it():
    import re
    from pathlib import Path

    import autodiff
    import nn

    assert "parse_label" not in nn.__all__ and "LABEL_RE" not in nn.__all__
    with pytest.warns(DeprecationWarning, match="use autodiff.parse_label"):
        assert nn.parse_label is autodiff.parse_label
    root = Path(autodiff.__file__).resolve().parent.parent
    sources = [p for folder in ("autodiff", "nn") for p in (root / folder).rglob("*.py")]
    regexes = [p.relative_to(root).as_posix() for p in sources
               if re.search(r"re\.compile\(", p.read_text(encoding="utf-8"))
               and "[bza]" in p.read_text(encoding="utf-8")]
    assert regexes == ["autodiff/labels.py"]


def test_nn_graphs_cluster_by_layer_and_neuron():
    source = draw(net(), group="neuron").source
    for cluster in ("cluster_layer0", "cluster_layer1_unit0", "cluster_layer1_unit1",
                    "cluster_layer2_unit0"):
        assert f"subgraph {cluster}" in source
    assert "subgraph cluster_layer1_unit0" not in draw(net(), group="layer").source


@needs_dot
def test_collapse_folds_each_neuron_into_one_box():
    out = net(samples=2)
    full = groups(svg_tree(draw(out)), "node")
    folded_drawing = draw(out, collapse=True, group="neuron")
    folded = groups(svg_tree(folded_drawing), "node")
    assert len(folded) < len(full) / 2
    assert folded_drawing.source.count("neuron folded") == 6  # 3 neurons × 2 samples
    assert "θ0[0,0]" not in folded_drawing.source  # parameters folded into their boxes


def test_past_the_node_limit_draw_summarizes_with_a_message():
    x = Value(0.5, "x")
    out = x
    for _ in range(3000):
        out = (out * 0.999).sin()
    with pytest.warns(UserWarning, match="max_nodes=400"):
        drawing = draw(out)
    assert "max_nodes=None" in drawing.source and "sin ops" in drawing.source
    assert drawing.source.count("->") == 0
    assert "v5" in draw(out, max_nodes=None).source
