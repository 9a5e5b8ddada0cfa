"""Forward mode from the op table: tangents pushed through the recorded graph, and
`jvp`, `vjp`, `jacobian` and `hvp` built on the two sweeps.

Forward mode is the mirror image of the backward pass. It walks the same creation order,
oldest node first, and gives each node the tangent

    tangent(node) = Σᵢ ∂node/∂operandᵢ · tangent(operandᵢ),

with every local derivative read off the op table
(:func:`autodiff.core.graph.local_partial`), so there is no second copy of any derivative.
:func:`forward_sweep` is that sweep, written once: ``forward_tangents``, ``jvp``, forward
``jacobian``, ``hvp`` and :func:`autodiff.explain_forward` are its readers. The rules,
stated as exactly as the backward pass states its own:

- The *seeded* leaves are the ones given a tangent (all the primals, in ``jvp``). A node
  is *reached* when one of its Value operands is a seeded leaf or a reached node.
- A reached node's tangent starts at +0.0 and adds ``local × tangent(operand)`` for each
  reached Value operand, in operand order (``u`` then ``v``; ``x * x`` adds twice). Each
  of those terms evaluates one local derivative, and nothing else evaluates one: one
  sweep costs one local derivative (and one multiply-add) per edge whose operand is
  reached, whatever the tangents' values (a zero tangent is summed like any other).
- A node that is not reached has tangent 0 and costs nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..core import tape as _tape
from ..core.checks import check_finite, check_finites
from ..core.errors import GradientOverflowError, describe_node
from ..core.graph import creation_order, local_partial, value_operands
from ..core.value import Value
from .gradients import gradients
from .matrix import Jacobian

# One term of a node's tangent: (operand position, operand, local derivative, the
# operand's tangent, their product, the node's tangent so far).
Term = tuple[int, Value, float, float, float, float]


def forward_sweep(nodes: Iterable[Value], tangents: dict[int, float],
                  visit: Callable[[Value, list[Term], float], None] | None = None) -> None:
    """The forward sweep, for every forward pass: each op node of ``nodes`` (oldest first)
    gets ``Σ local derivative × tangent(operand)`` over its reached operands.

    ``tangents`` holds the seeded leaves' tangents by id and receives each reached node's.
    A node is reached when one of its operands is; its sum starts at +0.0 and adds one term
    per reached operand, in operand order (one rule evaluation each). ``visit(node, terms,
    tangent)`` is told of every node, reached (with its terms) or not (with none).
    """
    for node in nodes:
        total = 0.0
        terms: list[Term] = []
        for position, operand in value_operands(node):
            t = tangents.get(id(operand))
            if t is not None:
                local = local_partial(node, position)
                product = local * t
                total += product
                terms.append((position, operand, local, t, product, total))
        if terms:
            check_tangent(node, total, [term[3] for term in terms] + [term[2] for term in terms])
            tangents[id(node)] = total
        if visit is not None:
            visit(node, terms, total)


def check_tangent(node: Value, total: float, terms: Sequence[float]) -> None:
    """A tangent that became inf or nan from finite numbers is an error, never silent."""
    if math.isfinite(total) or not all(math.isfinite(t) for t in terms):
        return
    raise GradientOverflowError(f"{node._op.name}: the tangent{describe_node(node)} overflows "
                                f"a float (value {node.data!r}, terms {list(terms)!r})")


def seed_tangents(seeds: Mapping[Any, Any], named: bool = False) -> dict[int, float]:
    """The seeded leaves' tangents by id, checked (``named``: errors name the leaf)."""
    tangents = {}
    for leaf, t in seeds.items():
        if not isinstance(leaf, Value):
            raise TypeError(f"tangents are keyed by Values, got {type(leaf).__name__}")
        if leaf._op is not None:
            raise ValueError(f"tangents seed leaves; {leaf!r} is made by {leaf.op!r}")
        what = f"the tangent of {leaf.label or 'a leaf'}" if named else "a tangent"
        tangents[id(leaf)] = check_finite(t, what)
    return tangents


def sweep_to(outputs: Sequence[Value], seeds: Mapping[Value, float]) -> dict[int, float]:
    """One forward sweep to ``outputs``: the tangent of every reached node (by id)."""
    tangents = seed_tangents(seeds)
    forward_sweep([n for n in creation_order(*outputs) if n._op is not None], tangents)
    return tangents


def forward_tangents(outputs: Value | Sequence[Value], seeds: Mapping[Value, float]
                     ) -> Any:
    """d output along the seeded direction: one forward sweep over the recorded graph.

    ``seeds`` maps leaves to their tangent (unlisted leaves get 0). Returns a float for
    one output, a tuple of floats for a sequence of outputs. The mirror of
    :func:`autodiff.gradients`: it never touches ``.grad``.
    """
    many = not isinstance(outputs, Value)
    outs = check_outputs(outputs, "forward_tangents")
    if not isinstance(seeds, Mapping):
        raise TypeError(f"seeds must be a dict of Value → tangent, got {type(seeds).__name__}")
    reached = sweep_to(outs, seeds)
    result = tuple(reached.get(id(out), 0.0) for out in outs)
    return result if many else result[0]


# --- argument checks -------------------------------------------------------------------

def check_outputs(out: Any, who: str) -> tuple[Value, ...]:
    """What ``f`` returned, as a non-empty tuple of Values (a TypeError names anything else)."""
    outs = (out,) if isinstance(out, Value) else out
    if not isinstance(outs, (tuple, list)) or not outs:
        raise TypeError(f"{who}: f must return a Value or a non-empty tuple of Values, got "
                        f"{type(out).__name__}: {out!r}")
    for i, o in enumerate(outs):
        if not isinstance(o, Value):
            raise TypeError(f"{who}: output {i} of f must be a Value (use Value(c) for a "
                            f"constant), got {type(o).__name__}: {o!r}")
    return tuple(outs)


def trace(f: Callable[..., Any], primals: tuple[float, ...], who: str
          ) -> tuple[list[Value], tuple[Value, ...], bool]:
    """Call ``f`` on fresh leaves ``x0, x1, …`` (recording, even under ``no_grad``)."""
    if not callable(f):
        raise TypeError(f"{who} needs a callable f, got {type(f).__name__}")
    if not primals:
        raise ValueError(f"{who} needs at least one primal")
    leaves = [Value(x, f"x{i}") for i, x in enumerate(primals)]
    with _tape.enable_grad():
        out = f(*leaves)
    return leaves, check_outputs(out, who), isinstance(out, Value)


def _shape(values: tuple[float, ...], single: bool) -> Any:
    return values[0] if single else values


# --- the transforms ----------------------------------------------------------------------

def jvp(f: Callable[..., Any], primals: Sequence[float], tangents: Sequence[float]
        ) -> tuple[Any, Any]:
    """``(f(primals), ∇f(primals)·tangents)`` by one forward sweep: floats, or tuples of
    floats when ``f`` returns a tuple of Values."""
    xs = check_finites(primals, "primals")
    vs = check_finites(tangents, "tangents", len(xs))
    leaves, outs, single = trace(f, xs, "jvp")
    reached = sweep_to(outs, dict(zip(leaves, vs, strict=True)))
    values = tuple(out.data for out in outs)
    return _shape(values, single), _shape(tuple(reached.get(id(o), 0.0) for o in outs), single)


def reverse_cotangent(outs: tuple[Value, ...], leaves: Sequence[Value],
                      cotangents: tuple[float, ...]) -> tuple[float, ...]:
    """Σⱼ cotangentⱼ · ∂outⱼ/∂leaf for each leaf, by one reverse sweep (``gradients``) from
    the node Σⱼ cotangentⱼ · outⱼ that this adds to the graph."""
    with _tape.enable_grad():
        total = cotangents[0] * outs[0]
        for c, out in zip(cotangents[1:], outs[1:], strict=True):
            total = total + c * out
    return gradients(total, leaves)


def vjp(f: Callable[..., Any], primals: Sequence[float], cotangents: Any) -> tuple[Any, Any]:
    """``(f(primals), cotangents·J)`` by one reverse sweep: the value as ``f`` returns it
    (float or tuple), the cotangent of the inputs as a tuple of floats (one per primal).

    ``cotangents`` is a number for an ``f`` with one output, else a tuple, one per output.
    """
    xs = check_finites(primals, "primals")
    leaves, outs, single = trace(f, xs, "vjp")
    cs = ((check_finite(cotangents, "the cotangent"),) if single and not isinstance(
        cotangents, (tuple, list)) else check_finites(cotangents, "cotangents", len(outs)))
    values = tuple(out.data for out in outs)
    return _shape(values, single), reverse_cotangent(outs, leaves, cs)


def jacobian(f: Callable[..., Any], mode: str = "auto") -> Callable[..., Jacobian]:
    """``jacobian(f, mode)(*primals)``: the m × n matrix ∂outᵢ/∂xⱼ, a :class:`Jacobian`
    (a list of lists).

    ``"forward"`` takes n forward sweeps (one per input), ``"reverse"`` m reverse sweeps
    (one per output), both over one recorded graph; ``"auto"`` takes forward when n < m,
    else reverse (ties go to reverse).
    """
    if mode not in ("auto", "forward", "reverse"):
        raise ValueError(f"mode must be 'auto', 'forward' or 'reverse', got {mode!r}")
    if not callable(f):
        raise TypeError(f"jacobian needs a callable f, got {type(f).__name__}")

    def jac(*primals: float) -> Jacobian:
        xs = check_finites(list(primals), "primals")
        leaves, outs, _ = trace(f, xs, "jacobian")
        n, m = len(leaves), len(outs)
        if mode == "forward" or (mode == "auto" and n < m):
            columns = []
            for leaf in leaves:
                reached = sweep_to(outs, {leaf: 1.0})
                columns.append([reached.get(id(out), 0.0) for out in outs])
            return Jacobian([[columns[j][i] for j in range(n)] for i in range(m)])
        return Jacobian([list(gradients(out, leaves)) for out in outs])

    return jac


def hvp(f: Callable[..., Any], primals: Sequence[float], tangents: Sequence[float]
        ) -> tuple[float, ...]:
    """The Hessian-vector product H(primals)·tangents of a scalar ``f``, forward over
    reverse: one forward sweep through the graph of ∇f that ``gradients(create_graph=True)``
    builds from the op table's rules."""
    xs = check_finites(primals, "primals")
    vs = check_finites(tangents, "tangents", len(xs))
    leaves, outs, single = trace(f, xs, "hvp")
    if not single:
        raise TypeError(f"hvp needs f to return one Value, got {len(outs)} outputs")
    grads = gradients(outs[0], leaves, create_graph=True)
    reached = sweep_to(grads, dict(zip(leaves, vs, strict=True)))
    return tuple(reached.get(id(g), 0.0) for g in grads)
