"""The labels `nn` gives its Values, in the seed's notation: their writers and the one parser.

autodiff does not import nn, so it knows neurons and layers only from labels. nn writes
them with the writers below and reads them back with :func:`parse_label`, so the notation
and its one regex live side by side. Layer 0 is the input; for unit ``j`` of layer ``l``
(l ≥ 1):
``θ{l-1}[i,j]`` is its weight from unit ``i`` of layer ``l-1``, ``b{l}[j]`` its bias,
``z{l}[j]`` its pre-activation, ``a{l}[j]`` its activation; ``a0[i]`` is input unit ``i``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from .core.value import Value

#: One regex for every nn label. Groups: ``kind`` (b, z or a), ``layer`` (the number after
#: the kind), ``unit`` (the index in brackets); for a weight ``θk[i,j]``: ``theta``,
#: ``theta_layer`` (k), ``source`` (the sending unit i) and ``theta_unit`` (the receiving j).
LABEL_RE = re.compile(
    r"^(?:(?P<theta>θ)(?P<theta_layer>\d+)\[(?P<source>\d+),(?P<theta_unit>\d+)\]"
    r"|(?P<kind>[bza])(?P<layer>\d+)\[(?P<unit>\d+)\])$")


class LabelParts(NamedTuple):
    """What a label says: ``kind`` in "θ", "b", "z", "a"; the ``layer`` (seed numbering,
    0 = inputs) and ``unit`` of the neuron the node belongs to."""

    kind: str
    layer: int
    unit: int


def parse_label(label: str) -> LabelParts | None:
    """``(kind, layer, unit)`` of a label nn made, or None for any other label.

    ``layer`` and ``unit`` name the neuron the node belongs to, in the seed's numbering:
    ``θk[i,j]`` belongs to unit ``j`` of layer ``k + 1`` (the weight feeding it), so it
    parses as ``("θ", k + 1, j)``; ``b2[0]`` as ``("b", 2, 0)``; ``z1[3]`` as
    ``("z", 1, 3)``; an input ``a0[2]`` as ``("a", 0, 2)``. The sending unit ``i`` of a
    weight is the ``source`` group of :data:`LABEL_RE`.
    """
    if not isinstance(label, str):
        raise TypeError(f"parse_label needs a str, got {type(label).__name__}")
    match = LABEL_RE.match(label)
    if match is None:
        return None
    if match["theta"]:
        return LabelParts("θ", int(match["theta_layer"]) + 1, int(match["theta_unit"]))
    kind, layer = match["kind"], int(match["layer"])
    if kind != "a" and layer == 0:
        return None  # layer 0 is the input: it has no bias and no pre-activation
    return LabelParts(kind, layer, int(match["unit"]))


# --- the writers (for neuron j of ``MLP.layers[k]``, that is unit j of layer k + 1) ---

def weight_label(k: int, i: int, j: int) -> str:
    """``θk[i,j]``: the weight from unit i of layer k to unit j of layer k + 1."""
    return f"θ{k}[{i},{j}]"


def bias_label(k: int, j: int) -> str:
    """``b{k+1}[j]``: the bias of neuron j of ``MLP.layers[k]``."""
    return f"b{k + 1}[{j}]"


def pre_activation_label(k: int, j: int) -> str:
    """``z{k+1}[j]``: the pre-activation of neuron j of ``MLP.layers[k]`` in one call."""
    return f"z{k + 1}[{j}]"


def activation_label(k: int, j: int) -> str:
    """``a{k+1}[j]``: the activation of neuron j of ``MLP.layers[k]`` in one call."""
    return f"a{k + 1}[{j}]"


def input_label(i: int) -> str:
    """``a0[i]``: input unit i, given as a plain number."""
    return f"a0[{i}]"


def children_of(order: list[Value]) -> dict[int, list[Value]]:
    """For each node id, the nodes that use it (once per use, so ``a*a`` lists ``a*a`` twice)."""
    children: dict[int, list[Value]] = {id(node): [] for node in order}
    for node in order:  # (a part of a graph: a parent outside it gets its users too)
        for parent in node.parents:
            children.setdefault(id(parent), []).append(node)
    return children


def neuron_groups(order: list[Value], children: dict[int, list[Value]]
                  ) -> dict[int, tuple[int, int]]:
    """``(layer, unit)`` for every node that belongs to one neuron.

    Labelled nodes say it themselves; an unlabelled op node (a product θ·a, a partial sum)
    belongs to the neuron all of its users belong to.
    """
    groups: dict[int, tuple[int, int]] = {}
    for node in reversed(order):  # users before the nodes they use
        part = parse_label(node.label)
        if part is not None:
            groups[id(node)] = (part.layer, part.unit)
            continue
        if node._op is None:
            continue
        owners = {groups.get(id(child)) for child in children[id(node)]}
        if len(owners) == 1 and None not in owners:
            groups[id(node)] = owners.pop()
    return groups


def loss_piece_labels(output: str) -> tuple[str, str, str]:
    """The seed's E = ½(a − y)² of one output, piece by piece, as nn labels it:
    ``a2[0] − y``, ``(a2[0] − y)²`` and ``½(a2[0] − y)²`` for the output ``a2[0]``."""
    return f"{output} − y", f"({output} − y)²", f"½({output} − y)²"


# --- names for every node ------------------------------------------------------------------

#: Past this many characters a node's expression is shortened (``½·(…)``, ``t + … + t``).
MAX_NAME = 40
_ATOM, _POWER, _PREFIX, _PRODUCT, _SUM, _SPACED = 9, 4, 3, 2, 1, 0  # binding strength
_BINARY_TEXT = {"add": (" + ", _SUM), "sub": (" − ", _SUM), "mul": ("·", _PRODUCT),
                "div": ("/", _PRODUCT), "pow": ("^", _POWER)}
_SUPERSCRIPTS = {2.0: "²", 3.0: "³"}
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")  # innermost (…) and […]


class _Name(NamedTuple):
    text: str
    strength: int  # how tightly it binds: operands weaker than their op are parenthesised
    first: str  # an unlabelled sum's first and last terms and how many it has
    last: str
    terms: int


def constant_text(c: float, precision: int = 4) -> str:
    """A constant as a graph shows it: ``2`` for 2.0, else short (``0.5``, ``0.3333``)."""
    if c.is_integer() and abs(c) < 1e15:
        return str(int(c))
    short = repr(c)
    return short if len(short) <= precision + 3 else f"{c + 0.0:.{precision}g}"


class NodeNames:
    """What every table, page and picture calls a node: its label; else, for a node made by
    an op, the expression it computes in its inputs' names (``a·b``, ``θ1[3,0]·a1[3]``,
    a partial sum as the sum it is), shortened past :data:`MAX_NAME` characters (``½·(…)``,
    ``t₀ + … + tₙ``); else, for an unlabelled leaf, its value."""

    def __init__(self, precision: int = 4) -> None:
        self.precision = precision
        self._names: dict[int, tuple[Value, _Name]] = {}

    def __call__(self, node: Value) -> str:
        return self._name(node).text

    def _name(self, node: Value) -> _Name:
        got = self._names.get(id(node))
        if got is not None:
            return got[1]
        stack = [node]  # an explicit stack: chains of any length
        while stack:
            top = stack[-1]
            if id(top) in self._names:
                stack.pop()
                continue
            missing = [p for p in top.parents if id(p) not in self._names] \
                if not top.label else []
            if missing:
                stack.extend(missing)
                continue
            stack.pop()
            self._names[id(top)] = (top, self._make(top))
        return self._names[id(node)][1]

    def _make(self, node: Value) -> _Name:
        if node.label:  # spaces inside brackets (``½(a2[0] − y)²``) leave it one piece
            outside, inner = node.label, None
            while inner != outside:
                inner, outside = outside, _BRACKETED.sub("", outside)
            return _Name(node.label, _SPACED if " " in outside else _ATOM, "", "", 0)
        op = node._op
        if op is None:
            return _Name(constant_text(node.data, self.precision), _ATOM, "", "", 0)
        operands = node.operands
        a = self._operand(operands[0])
        if op.kind == "unary":
            if op.name == "neg":
                return self._fit(f"−{self._wrap(a, _PREFIX)}", _PREFIX, [a],
                                 lambda x: f"−{self._wrap(x, _PREFIX)}")
            if op.name == "abs":
                return self._fit(f"|{a.text}|", _ATOM, [a], lambda x: f"|{x.text}|")
            return self._fit(f"{op.symbol}({a.text})", _ATOM, [a],
                             lambda x: f"{op.symbol}({x.text})")
        b = self._operand(operands[1])
        if op.name == "pow" and type(operands[1]) is float and operands[1] in _SUPERSCRIPTS:
            sup = _SUPERSCRIPTS[operands[1]]
            return self._fit(f"{self._wrap(a, _ATOM)}{sup}", _POWER, [a],
                             lambda x: f"{self._wrap(x, _ATOM)}{sup}")
        if op.symbol.isidentifier():  # a user's binary primitive: hypot(x, y)
            return self._fit(f"{op.symbol}({a.text}, {b.text})", _ATOM, [a, b],
                             lambda x, y: f"{op.symbol}({x.text}, {y.text})")
        sep, strength = _BINARY_TEXT.get(op.name, (f" {op.symbol} ", _SUM))
        right = strength + 1 if op.name in ("sub", "div", "pow") else strength
        left = strength + 1 if op.name == "pow" else strength
        text = f"{self._wrap(a, left)}{sep}{self._wrap(b, right)}"
        if op.name == "add":
            first = a.first if a.terms else self._wrap(a, left)
            count = (a.terms or 1) + 1
            last = self._wrap(b, right)
            if count > 2 and (len(text) > MAX_NAME or a.text.startswith(f"{first} + … + ")):
                text = f"{first} + … + {last}"
            if len(text) <= MAX_NAME:
                return _Name(text, _SUM, first, last, count)
        return self._fit(text, strength, [a, b],
                         lambda x, y: f"{self._wrap(x, left)}{sep}{self._wrap(y, right)}")

    def _operand(self, operand: Any) -> _Name:
        if isinstance(operand, float):
            return _Name(constant_text(operand, self.precision), _ATOM, "", "", 0)
        return self._name(operand)

    @staticmethod
    def _wrap(name: _Name, strength: int) -> str:
        return f"({name.text})" if name.strength < strength else name.text

    def _fit(self, text: str, strength: int, operands: list[_Name], show: Any) -> _Name:
        """``text``, or past MAX_NAME the same with its longest operands shown as ``…``."""
        shown = list(operands)
        for k in sorted(range(len(shown)), key=lambda k: -len(shown[k].text)):
            if len(text) <= MAX_NAME:
                break
            shown[k] = _Name("…", _ATOM, "", "", 0)
            text = show(*shown)
        return _Name(self._cut(text), strength, "", "", 0)

    @staticmethod
    def _cut(text: str) -> str:
        return text if len(text) <= MAX_NAME else text[:MAX_NAME - 1] + "…"
