"""`Value`: a float that records the operation that made it, so gradients can flow back.

Read this after ``ops.py`` (the table of ops and their derivative rules). The operators
themselves (``__mul__``, ``sigmoid``...) and each op's backward step are in
``operators.py``, generated from that table; ``backward.py`` walks the graph.
"""

from __future__ import annotations

import copy
from typing import Any

from .backward import backward
from .checks import real_as_float
from .graph import creation_order, float_outside_rules
from .operators import ValueOperators
from .ops import UNARY, variant
from .tape import creation_counter


class Value(ValueOperators):
    """A scalar in a computation graph.

    ``data`` is the number, ``grad`` the derivative that ``backward()`` leaves here,
    ``op`` the name of the op that made it (``""`` for a leaf) and ``parents`` its
    operands, in order (``a * a`` has the same parent twice). Numbers mixed in as
    constants (``x * 2.0``) are kept on the node, not made into nodes of their own.

    A node made by an op stores: the op (``_op``, a row of the op table), its operands
    (``_a`` and ``_b``: Values, or a float for a constant operand, ``_b`` None for a
    unary op), its creation index (``_index``, the order every pass uses) and the tape
    it was recorded on (``_tape``, a cache of that order).
    """

    __slots__ = ("_a", "_b", "_index", "_label", "_op", "_tape", "data", "grad")

    def __init__(self, data: float | int, label: str = "") -> None:
        self.data = real_as_float(data, "Value data")
        self.grad = 0.0
        self.label = label
        self._op = None
        self._a = None
        self._b = None
        self._tape = None
        self._index = next(creation_counter)

    @property
    def label(self) -> str:
        """A name for this node, shown in drawings, explanations and errors (``""``: none)."""
        try:
            return self._label
        except AttributeError:  # an op node nobody has named (one store fewer per node)
            return ""

    @label.setter
    def label(self, label: str) -> None:
        if not isinstance(label, str):
            raise TypeError(f"Value label must be a str, got {type(label).__name__}")
        self._label = label

    # --- graph structure --------------------------------------------------------------
    @property
    def op(self) -> str:
        """Name of the op that made this node (a key of ``autodiff.OPS``), or ``""``."""
        return self._op.name if self._op is not None else ""

    @property
    def parents(self) -> tuple[Value, ...]:
        """The Values this node was computed from, in operand order."""
        return tuple(v for v in self.operands if type(v) is not float)

    @property
    def operands(self) -> tuple[Any, ...]:
        """All operands in order: parents as Values, constants as floats."""
        op = self._op
        if op is None:
            return ()
        return (self._a,) if op.kind == UNARY else (self._a, self._b)

    @property
    def creation_index(self) -> int:
        """When this node was made, relative to every other Value (larger is newer)."""
        return self._index

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        op = f", op={self.op!r}" if self._op is not None else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label}{op})"

    def __float__(self) -> float:
        return float_outside_rules(self)

    def __bool__(self) -> bool:
        raise TypeError("the truth value of a Value is ambiguous; compare v.data instead")

    def __pos__(self) -> Value:
        return self

    def backward(self, grad: float = 1.0) -> None:
        """Add d self / d node (times ``grad``) to ``.grad`` of every node reachable from here.

        Gradients add up across calls, as in PyTorch: reset with ``autodiff.zero_grad``.

        Examples:
            >>> a = autodiff.Value(2.0, "a")
            >>> (a * a + a).backward()       # two paths from the sum to a: 2a + 1
            >>> a.grad
            5.0
        """
        backward(self, grad)

    # --- copies and pickling: by structure, never recursively ---------------------------
    def __copy__(self) -> Value:
        """A new node with the same op, operands, data, grad and label (and a new index)."""
        return _node(self._op, self._a, self._b, self.data, self.grad, self.label)

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        """A copy of the whole graph (nodes shared with other copied objects stay shared)."""
        for node in creation_order(self):
            if id(node) in memo:
                continue
            operands = [memo[id(x)] if type(x) is Value else x for x in (node._a, node._b)]
            grad = node.grad if type(node.grad) is float else copy.deepcopy(node.grad, memo)
            memo[id(node)] = _node(node._op, *operands, node.data, grad, node.label)
        return memo[id(self)]

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle the graph as a flat list in creation order (no recursion: a chain of a
        million nodes pickles). Leaves are pickled as objects, so a leaf shared by several
        pickled Values stays shared; op nodes are rebuilt for each pickled Value."""
        if self._op is None:
            return _leaf, (self.data, self.grad, self.label)
        order = creation_order(self)
        position = {id(node): i for i, node in enumerate(order)}
        records = [node if node._op is None else (
            node._op.name, node._op.kind,
            *(position[id(x)] if type(x) is Value else x for x in (node._a, node._b)),
            node.data, node.grad, node.label) for node in order]
        return _rebuild, (records,)


def _node(op: Any, a: Any, b: Any, data: float, grad: Any, label: str) -> Value:
    """A new op node (newest of all), not on any tape: backward() sorts its graph."""
    node = object.__new__(Value)
    node.data, node.grad, node._op, node._a, node._b = data, grad, op, a, b
    node._tape = None
    node._index = next(creation_counter)
    if label:
        node.label = label
    return node


def _leaf(data: float, grad: Any, label: str) -> Value:
    leaf = Value(data, label)
    leaf.grad = grad
    return leaf


def _rebuild(records: list[Any]) -> Value:
    """The last node of a pickled graph, rebuilt in creation order (new indices, same
    order); a record is a leaf Value, or ``(op, kind, operand, operand, data, grad,
    label)`` with each Value operand given by its position."""
    nodes: list[Value] = []
    for record in records:
        if type(record) is Value:
            nodes.append(record)
            continue
        name, kind, a, b, data, grad, label = record
        a, b = (nodes[x] if type(x) is int else x for x in (a, b))
        nodes.append(_node(variant(name, kind), a, b, data, grad, label))
    return nodes[-1]
