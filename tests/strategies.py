"""Hypothesis strategies (and the numeric helpers they go with) shared by the test suite."""

from __future__ import annotations

import math
import operator
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from autodiff import Value
from autodiff.core.ops import (
    BINARY,
    CONST_LEFT,
    CONST_LEFT_OPS,
    CONST_RIGHT,
    CONST_RIGHT_OPS,
    OPS,
    Op,
)

Interval = tuple[float, float]
Region = tuple[Interval, ...]  # a union of closed intervals

BIG = 1e3  # the "large operand" edge every op is tried at where its domain allows
WIDE: Region = ((-BIG, BIG),)
POSITIVE: Region = ((1e-2, BIG),)
NONZERO: Region = ((-BIG, -1e-2), (1e-2, BIG))
AWAY_FROM_KINK: Region = ((-BIG, -1e-3), (1e-3, BIG))

# Where each op is smooth and defined, per operand: finite differences are valid here
# (every stencil point stays inside). A new op in the table must get an entry (a test
# says so). pow's negative-base half lives in NEGATIVE_BASE_POW.
SMOOTH_REGIONS: dict[str, tuple[Region, ...]] = {
    "add": (WIDE, WIDE), "sub": (WIDE, WIDE), "mul": (WIDE, WIDE),
    "div": (WIDE, NONZERO), "pow": (((1e-2, 10.0),), ((-3.0, 3.0),)),
    "neg": (WIDE,), "exp": (((-700.0, 700.0),),), "log": (POSITIVE,), "sqrt": (POSITIVE,),
    "tanh": (WIDE,), "sigmoid": (WIDE,), "relu": (AWAY_FROM_KINK,),
    "sin": (WIDE,), "cos": (WIDE,), "abs": (AWAY_FROM_KINK,),
}
NEGATIVE_BASE_POW: tuple[Region, Sequence[float]] = (((-10.0, -1e-2),), (-3.0, -1.0, 2.0, 3.0))

# What each op computes, written with `math` (the reference the table is checked against).
# Adding an op to the table means adding its entry here, in SMOOTH_REGIONS and in EDGES.
REFERENCE = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
    "pow": math.pow, "neg": operator.neg, "exp": math.exp, "log": math.log,
    "sqrt": math.sqrt, "tanh": math.tanh,
    "sigmoid": lambda a: 1 / (1 + math.exp(-a)) if a > -700 else math.exp(a),
    "relu": lambda a: max(0.0, a), "sin": math.sin, "cos": math.cos, "abs": math.fabs,
}


# Edge operands per op (kinks, 0, ±1e3, domain boundaries) at which forward must be exact.
EDGES: dict[str, tuple[tuple[float, ...], ...]] = {
    "add": ((0.0, -0.0, 1.0, -BIG, BIG), (0.0, -1.0, BIG, -BIG)),
    "sub": ((0.0, 1.0, -BIG, BIG), (0.0, 1.0, BIG, -BIG)),
    "mul": ((0.0, 1.0, -1.0, BIG, -BIG), (0.0, -1.0, BIG, -BIG)),
    "div": ((0.0, 1.0, -BIG, BIG), (1.0, -1.0, BIG, -BIG)),
    "pow": ((0.0, 1.0, 2.0, BIG), (0.0, 1.0, 2.0, 3.0)),
    "neg": ((0.0, -0.0, 1.0, BIG, -BIG),), "exp": ((0.0, 1.0, -BIG, 700.0),),
    "log": ((1.0, BIG, 1e-300, math.e),), "sqrt": ((0.0, 1.0, 4.0, BIG),),
    "tanh": ((0.0, BIG, -BIG, 20.0),), "sigmoid": ((0.0, BIG, -BIG, 40.0, -40.0),),
    "relu": ((0.0, -0.0, BIG, -BIG, 1.0, -1.0),), "sin": ((0.0, BIG, -BIG, math.pi),),
    "cos": ((0.0, BIG, -BIG, math.pi),), "abs": ((0.0, -0.0, BIG, -BIG, -1.0),),
}


def floats_in(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Finite floats in [lo, hi] (no NaN, no infinities)."""
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def in_region(region: Region) -> st.SearchStrategy[float]:
    """Floats from a union of intervals, with each interval's ends and 0/±1/±1e3 if inside."""
    special = sorted({x for lo, hi in region for x in (lo, hi, 0.0, 1.0, -1.0, BIG, -BIG)
                      if any(a <= x <= b for a, b in region)})
    return st.one_of(st.sampled_from(special), *(floats_in(lo, hi) for lo, hi in region))


def all_variants() -> list[Op]:
    """Every Op object the engine uses: the table's ops and each binary op's const variants."""
    return [*OPS.values(), *CONST_RIGHT_OPS.values(), *CONST_LEFT_OPS.values()]


def variant_id(op: Op) -> str:
    """A readable test id: ``mul``, ``mul[x∘c]``, ``mul[c∘x]``."""
    return op.name + {CONST_RIGHT: "[x∘c]", CONST_LEFT: "[c∘x]"}.get(op.kind, "")


def live_partials(op: Op) -> list[int]:
    """Indexes of the partials an op actually uses (a const variant has one live operand)."""
    if op.kind == CONST_RIGHT:
        return [0]
    if op.kind == CONST_LEFT:
        return [1]
    return list(range(op.arity))


def apply_op(op: Op, operands: Sequence[float], leaves: Sequence[Any] | None = None) -> Any:
    """One node of ``op``, built as user code would: through the methods the op table names
    (``op.methods``); a const variant's number stays a plain number. ``leaves`` are the
    live operands already made (Values or torch tensors); by default fresh Values."""
    live = list(leaves) if leaves is not None else [
        Value(operands[i]) for i in live_partials(op)]
    if op.kind == CONST_RIGHT:
        return getattr(live[0], op.methods[0])(operands[1])
    if op.kind == CONST_LEFT:
        return getattr(live[0], op.methods[1])(operands[0])
    return getattr(live[0], op.methods[0])(*live[1:])


def smooth_operands(op: Op) -> st.SearchStrategy[tuple[float, ...]]:
    """Operand tuples inside the op's smooth region (derivatives valid, no kink nearby)."""
    return st.tuples(*(in_region(r) for r in SMOOTH_REGIONS[op.name]))


def fixed_points(op: Op, count: int = 6, seed: int = 0) -> list[tuple[float, ...]]:
    """Deterministic operand tuples spread over the smooth region (O(1)-sized derivatives)."""
    rng = random.Random(f"{op.name}:{seed}")
    points = []
    for _ in range(count):
        point = []
        for region in SMOOTH_REGIONS[op.name]:
            lo, hi = rng.choice(region)
            lo, hi = max(lo, -5.0), min(hi, 5.0)  # keep derivatives O(1): sharp checks
            point.append(rng.uniform(lo, hi))
        points.append(tuple(point))
    return points


def step_for(x: float) -> float:
    """Finite-difference step at x: 1e-4, shrunk near 0 (singularities stay >= 1e-2 away)."""
    return 1e-4 * min(1.0, max(abs(x), 1e-2))


def derivative(f: Callable[[float], float], x: float, h: float = 1e-4) -> float:
    """Five-point central difference f'(x) (error O(h⁴)); used as the numeric reference."""
    return (f(x - 2 * h) - 8 * f(x - h) + 8 * f(x + h) - f(x + 2 * h)) / (12 * h)


def derivative_tolerance(f: Callable[[float], float], x: float, h: float = 1e-4) -> float:
    """Rounding noise of ``derivative`` at x: a few ulps of |f| divided by the step."""
    scale = max(abs(f(x + k * h)) for k in (-2, -1, 1, 2))
    return 64 * 2.2e-16 * (1.0 + scale) / h


# --- random expression graphs ---------------------------------------------------------
# An expression is a nested tuple: ("x", i), ("c", value), (form, child) or
# (form, left, right). Every form maps any finite operands to a valid input of its ops
# (log(c² + 1), l / (r² + 1), ...), so generated graphs never hit a domain error.

UNARY_FORMS: dict[str, Callable[[Any], Any]] = {
    "neg": lambda x: -x, "tanh": lambda x: x.tanh(), "sigmoid": lambda x: x.sigmoid(),
    "sin": lambda x: x.sin(), "cos": lambda x: x.cos(),
    "exp": lambda x: x.tanh().exp(), "log": lambda x: (x * x + 1.0).log(),
    "sqrt": lambda x: (x * x + 1.0).sqrt(), "square": lambda x: x ** 2,
    "cube": lambda x: x ** 3.0, "rpow": lambda x: 2.0 ** x.tanh(),
    "rdiv": lambda x: 1.0 / (x * x + 1.0), "rsub": lambda x: 3.0 - x,
    "radd": lambda x: 0.5 + x, "rmul": lambda x: 2.0 * x, "cdiv": lambda x: x / 4.0,
    "csub": lambda x: x - 0.5, "cmul": lambda x: x * 0.5,
}
KINKED_FORMS: dict[str, Callable[[Any], Any]] = {
    "relu": lambda x: x.relu(), "abs": lambda x: x.abs(),
}
BINARY_FORMS: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
    "div": lambda x, y: x / (y * y + 1.0), "pow": lambda x, y: (x * x + 1.0) ** y.tanh(),
}


class Expression:
    """A generated expression: call it on leaves (Values or torch tensors) to build it.

    Structurally equal subtrees are built once and shared, so the graph is a DAG.
    """

    def __init__(self, tree: tuple, arity: int) -> None:
        self.tree = tree
        self.arity = arity

    def __call__(self, *leaves: Any) -> Any:
        built: dict[tuple, Any] = {}

        def build(tree: tuple) -> Any:
            if tree in built:
                return built[tree]
            kind = tree[0]
            if kind == "x":
                result = leaves[tree[1]]
            elif kind == "c":
                result = leaves[0] * 0.0 + tree[1]
            elif kind in BINARY_FORMS:
                result = BINARY_FORMS[kind](build(tree[1]), build(tree[2]))
            else:
                result = {**UNARY_FORMS, **KINKED_FORMS}[kind](build(tree[1]))
            built[tree] = result
            return result

        return build(self.tree)

    def __repr__(self) -> str:
        def show(tree: tuple) -> str:
            if tree[0] == "x":
                return f"x{tree[1]}"
            if tree[0] == "c":
                return repr(tree[1])
            return f"{tree[0]}({', '.join(show(t) for t in tree[1:])})"
        return show(self.tree)


def expression_trees(arity: int, kinks: bool = False, max_leaves: int = 12
                     ) -> st.SearchStrategy[tuple]:
    """Expression trees over x0..x{arity-1}, with self-pairs (f(e, e)) for explicit reuse."""
    unary = sorted({**UNARY_FORMS, **KINKED_FORMS} if kinks else UNARY_FORMS)
    leaf = st.one_of(st.tuples(st.just("x"), st.integers(0, arity - 1)),
                     st.tuples(st.just("c"), floats_in(-2.0, 2.0)))

    def extend(children: st.SearchStrategy[tuple]) -> st.SearchStrategy[tuple]:
        return st.one_of(
            st.tuples(st.sampled_from(unary), children),
            st.tuples(st.sampled_from(sorted(BINARY_FORMS)), children, children),
            children.flatmap(lambda c: st.sampled_from(sorted(BINARY_FORMS)).map(
                lambda name: (name, c, c))),
        )

    return st.recursive(leaf, extend, max_leaves=max_leaves)


@st.composite
def expressions(draw: st.DrawFn, max_arity: int = 3, kinks: bool = False,
                max_leaves: int = 12) -> tuple[Expression, tuple[float, ...]]:
    """(build_fn, argument values): a random valid expression graph and a point to take it at."""
    arity = draw(st.integers(1, max_arity))
    tree = draw(expression_trees(arity, kinks, max_leaves))
    args = draw(st.tuples(*(floats_in(-2.0, 2.0) for _ in range(arity))))
    return Expression(tree, arity), args


# --- small graphs for the path-sum rule -------------------------------------------------

@st.composite
def small_graphs(draw: st.DrawFn, max_steps: int = 7, kinks: bool = True
                 ) -> tuple[list[tuple], tuple[float, ...]]:
    """(steps, leaf values): each step applies a form to earlier nodes (reuse is frequent).

    Build with :func:`build_small_graph`; indexes < len(leaf values) are the leaves.
    """
    n_leaves = draw(st.integers(1, 3))
    unary = sorted({**UNARY_FORMS, **KINKED_FORMS} if kinks else UNARY_FORMS)
    steps = []
    for k in range(draw(st.integers(1, max_steps))):
        available = n_leaves + k
        pick = st.integers(0, available - 1)
        if draw(st.booleans()):
            steps.append((draw(st.sampled_from(unary)), draw(pick)))
        else:
            i = draw(pick)
            j = draw(st.one_of(st.just(i), pick))  # same operand twice: a*a, a+a
            steps.append((draw(st.sampled_from(sorted(BINARY_FORMS))), i, j))
    leaves = draw(st.tuples(*(floats_in(-2.0, 2.0) for _ in range(n_leaves))))
    return steps, leaves


def build_small_graph(steps: list[tuple], leaves: Sequence[Any]) -> list[Any]:
    """All nodes of a small graph (leaves first); its output is the last one."""
    nodes = list(leaves)
    for step in steps:
        if step[0] in BINARY_FORMS:
            nodes.append(BINARY_FORMS[step[0]](nodes[step[1]], nodes[step[2]]))
        else:
            nodes.append({**UNARY_FORMS, **KINKED_FORMS}[step[0]](nodes[step[1]]))
    return nodes


def binary_ops() -> list[Op]:
    """The table's binary ops (each has a CONST_RIGHT and a CONST_LEFT variant)."""
    return [op for op in OPS.values() if op.kind == BINARY]


# --- networks (nn tests) ------------------------------------------------------------------

@dataclass(frozen=True)
class NetworkCase:
    """A random MLP and batch in the seed's convention: ``weights[l]`` is M(l) × M(l+1),
    ``X`` is batch × M(0), ``Y`` batch × M(L); ``biases`` is None or one list per layer."""

    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    weights: list[list[list[float]]]
    biases: list[list[float]] | None
    X: list[list[float]]
    Y: list[list[float]]


@st.composite
def network_cases(draw: st.DrawFn, max_depth: int = 4, max_width: int = 6, max_batch: int = 5,
                  activations: Sequence[str] = ("sigmoid",)) -> NetworkCase:
    """Depth 1..max_depth, widths 1..max_width, with or without biases, batch 1..max_batch,
    weights and inputs in [-2, 2], targets in [0, 1], one activation drawn per layer."""
    depth = draw(st.integers(1, max_depth))
    sizes = tuple(draw(st.lists(st.integers(1, max_width), min_size=depth + 1,
                                max_size=depth + 1)))
    acts = tuple(draw(st.sampled_from(tuple(activations))) for _ in range(depth))
    value = floats_in(-2.0, 2.0)

    def matrix(rows: int, cols: int, element: st.SearchStrategy[float]) -> list[list[float]]:
        return draw(st.lists(st.lists(element, min_size=cols, max_size=cols),
                             min_size=rows, max_size=rows))

    weights = [matrix(sizes[k], sizes[k + 1], value) for k in range(depth)]
    biases = ([matrix(1, sizes[k + 1], value)[0] for k in range(depth)]
              if draw(st.booleans()) else None)
    batch = draw(st.integers(1, max_batch))
    return NetworkCase(sizes, acts, weights, biases, matrix(batch, sizes[0], value),
                       matrix(batch, sizes[-1], floats_in(0.0, 1.0)))
