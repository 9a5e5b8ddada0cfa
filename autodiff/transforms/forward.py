"""Forward mode from the op table: tangents pushed through the recorded graph, and
`jvp`, `vjp`, `jacobian` and `hvp` built on the two sweeps.

Forward mode is the mirror image of the backward pass. It walks the same creation order,
oldest node first, and gives each node the tangent

    tangent(node) = Σᵢ ∂node/∂operandᵢ · tangent(operandᵢ),

with every local derivative read off the op table
(:func:`autodiff.core.graph.local_partial`), so there is no second copy of any derivative.
:func:`forward_sweep` is that sweep, written once: ``forward_tangents``, ``jvp``, forward
``jacobian``, ``hvp`` and :func:`autodiff.explain_forward` are its readers. Its walk,
:func:`forward_walk`, also writes ``compile_grad``'s forward code. The rules, stated as
exactly as the backward pass states its own:

- The *seeded* leaves are the ones given a tangent (all the primals, in ``jvp``). A node
  is *reached* when one of its Value operands is a seeded leaf or a reached node.
- A reached node's tangent starts at +0.0 (on floats) and adds ``local × tangent(operand)`` for each
  reached Value operand, in operand order (``u`` then ``v``; ``x * x`` adds twice). Each
  of those terms evaluates one local derivative, and nothing else evaluates one: one
  sweep costs one local derivative (and one multiply-add) per edge whose operand is
  reached, whatever the tangents' values (a zero tangent is summed like any other).
- A node that is not reached has tangent 0 and costs nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import nullcontext
from typing import Any

from ..core import tape as _tape
from ..core.checks import check_finite, check_finites
from ..core.errors import GradientOverflowError, describe_node
from ..core.graph import checked_partial, creation_order, value_operands
from ..core.ops import FLOAT_MATH
from ..core.value import Value
from .gradients import VALUE_MATH, gradients
from .matrix import Jacobian
from .nesting import as_value, evaluating, fresh_input, is_nested, refuse_floats_inside

# One term of a node's tangent: (operand position, operand, local derivative, the
# operand's tangent, their product, the node's tangent so far); floats, or Values when
# the sweep is differentiable.
Term = tuple[int, Value, Any, Any, Any, Any]


# What the walk hands a step for each operand it has reached: (operand position, operand,
# what the walk holds for that operand).
Reached = tuple[int, Value, Any]


def forward_walk(nodes: Iterable[Value], reached: dict[int, Any],
                 step: Callable[[Value, list[Reached]], Any]) -> None:
    """The forward walk that every forward pass reads: each op node of ``nodes`` (oldest
    first; leaves are passed over) goes to ``step(node, inputs)``, ``inputs`` being its
    Value operands that ``reached`` holds (by id), in operand order. What the step returns
    is held for the node, unless it is None (the node is then not reached). Readers:
    :func:`forward_sweep` (tangents) and ``compile_grad``'s forward code (symbols)."""
    for node in nodes:
        if node._op is None:
            continue
        inputs = []
        for position, operand in value_operands(node):
            held = reached.get(id(operand))
            if held is not None:
                inputs.append((position, operand, held))
        result = step(node, inputs)
        if result is not None:
            reached[id(node)] = result


def forward_sweep(nodes: Iterable[Value], tangents: dict[int, Any],
                  visit: Callable[[Value, list[Term], Any], None] | None = None,
                  differentiable: bool = False) -> None:
    """The forward sweep, for every forward pass: each op node of ``nodes`` (oldest first)
    gets ``Σ local derivative × tangent(operand)`` over its reached operands.

    ``tangents`` holds the seeded leaves' tangents by id and receives each reached node's.
    A node is reached when one of its operands is; its sum adds one term per reached
    operand, in operand order (one rule evaluation each), and starts at +0.0 on floats. A
    local derivative that is infinite or undefined raises, whatever the tangent it
    multiplies (the edge-point rule, :func:`autodiff.core.graph.checked_partial`). With
    ``differentiable=True`` the rules run on Values, so the tangents can be differentiated
    again. ``visit(node, terms, tangent)`` is told of every node, reached (with its terms)
    or not (with none). The walk is :func:`forward_walk`.
    """
    m = VALUE_MATH if differentiable else FLOAT_MATH

    def tangent(node: Value, inputs: list[Reached]) -> Any:
        total: Any = 0.0
        terms: list[Term] = []
        for position, operand, t in inputs:
            local = checked_partial(node, position, m, differentiable)
            product = local * t
            total = product if differentiable and not terms else total + product
            terms.append((position, operand, local, t, product, total))
        if terms and not differentiable:
            check_tangent(node, total, [term[3] for term in terms] + [term[2] for term in terms])
        if visit is not None:
            visit(node, terms, total)
        return total if terms else None

    forward_walk(nodes, tangents, tangent)


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


def sweep_to(outputs: Sequence[Value], tangents: dict[int, Any], differentiable: bool = False
             ) -> dict[int, Any]:
    """One forward sweep to ``outputs`` from checked seed ``tangents`` (by leaf id): the
    tangent of every reached node (by id), seeds included."""
    with _tape.enable_grad() if differentiable else nullcontext():
        forward_sweep([n for n in creation_order(*outputs) if n._op is not None], tangents,
                      differentiable=differentiable)
    return tangents


def forward_tangents(outputs: Value | Sequence[Value], seeds: Mapping[Value, float]
                     ) -> Any:
    """d output along the seeded direction: one forward sweep over the recorded graph.

    ``seeds`` maps leaves to their tangent (unlisted leaves get 0). Returns a float for
    one output, a tuple of floats for a sequence of outputs. The mirror of
    :func:`autodiff.gradients`: it never touches ``.grad``.
    """
    refuse_floats_inside("forward_tangents")
    many = not isinstance(outputs, Value)
    outs = check_outputs(outputs, "forward_tangents")
    if not isinstance(seeds, Mapping):
        raise TypeError(f"seeds must be a dict of Value → tangent, got {type(seeds).__name__}")
    reached = sweep_to(outs, seed_tangents(seeds))
    result = tuple(reached.get(id(out), 0.0) for out in outs)
    return result if many else result[0]


# --- argument checks -------------------------------------------------------------------

def check_point(xs: Any, what: str, who: str, length: int | None = None) -> tuple[Any, ...]:
    """A point or a direction of a transform: a sequence with one finite number (or, when
    transforms nest, a Value) per argument of ``f``; a TypeError shows the calling form."""
    if not isinstance(xs, (tuple, list)):
        raise TypeError(f"{who}: {what} must be a sequence with one number per argument of "
                        f"f, as in {who}(f, (2.0, 3.0), (1.0, 0.0)); got "
                        f"{type(xs).__name__}: {xs!r}")
    return check_finites(xs, what, length, values_too=True)


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


def trace(f: Callable[..., Any], primals: tuple[Any, ...], who: str
          ) -> tuple[list[Value], tuple[Value, ...], bool]:
    """Call ``f`` on fresh inputs ``x0, x1, …`` (recording, even under ``no_grad``)."""
    if not callable(f):
        raise TypeError(f"{who} needs a callable f, got {type(f).__name__}")
    if not primals:
        raise ValueError(f"{who} needs at least one primal")
    leaves = [fresh_input(x, f"x{i}") for i, x in enumerate(primals)]
    with evaluating(who):
        out = f(*leaves)
    return leaves, check_outputs(out, who), isinstance(out, Value)


def _results(values: Sequence[Any], nested: bool, single: bool = False) -> Any:
    """Floats, or Values when transforms nest; one result or a tuple (as ``f`` returns)."""
    shown = tuple(as_value(x) if nested else x for x in values)
    return shown[0] if single else shown


def _outputs(outs: tuple[Value, ...], nested: bool, single: bool) -> Any:
    return _results(outs if nested else [out.data for out in outs], nested, single)


# --- the transforms ----------------------------------------------------------------------

def jvp(f: Callable[..., Any], primals: Sequence[float], tangents: Sequence[float]
        ) -> tuple[Any, Any]:
    """``(f(primals), ∇f(primals)·tangents)`` by one forward sweep: floats, or tuples of
    floats when ``f`` returns a tuple of Values."""
    xs = check_point(primals, "primals", "jvp")
    vs = check_point(tangents, "tangents", "jvp", len(xs))
    nested = is_nested(xs, vs)
    leaves, outs, single = trace(f, xs, "jvp")
    reached = sweep_to(outs, {id(leaf): v for leaf, v in zip(leaves, vs, strict=True)}, nested)
    return (_outputs(outs, nested, single),
            _results([reached.get(id(o), 0.0) for o in outs], nested, single))


def reverse_cotangent(outs: tuple[Value, ...], leaves: Sequence[Value],
                      cotangents: tuple[Any, ...], nested: bool = False) -> tuple[Any, ...]:
    """Σⱼ cotangentⱼ · ∂outⱼ/∂leaf for each leaf, by one reverse sweep (``gradients``) from
    the node Σⱼ cotangentⱼ · outⱼ that this adds to the graph."""
    with _tape.enable_grad():
        total = cotangents[0] * outs[0]
        for c, out in zip(cotangents[1:], outs[1:], strict=True):
            total = total + c * out
    return _results(gradients(total, leaves, create_graph=nested), nested)


def vjp(f: Callable[..., Any], primals: Sequence[float], cotangents: Any) -> tuple[Any, Any]:
    """``(f(primals), cotangents·J)`` by one reverse sweep: the value as ``f`` returns it
    (float or tuple), the cotangent of the inputs as a tuple of floats (one per primal).

    ``cotangents`` is a number for an ``f`` with one output, else a tuple, one per output.
    """
    xs = check_point(primals, "primals", "vjp")
    leaves, outs, single = trace(f, xs, "vjp")
    cs = ((check_finite(cotangents, "the cotangent", True),) if single and not isinstance(
        cotangents, (tuple, list)) else check_point(cotangents, "cotangents", "vjp", len(outs)))
    nested = is_nested(xs, cs)
    return _outputs(outs, nested, single), reverse_cotangent(outs, leaves, cs, nested)


def jacobian(f: Callable[..., Any], mode: str = "auto") -> Callable[..., Jacobian]:
    """``jacobian(f, mode)(primals)``: the m × n matrix ∂outᵢ/∂xⱼ, a :class:`Jacobian`
    (a list of lists).

    ``primals`` is a sequence, as for ``jvp``, ``vjp`` and ``hvp`` (the older
    ``jacobian(f)(x0, x1, …)`` works too). ``"forward"`` takes n forward sweeps (one per
    input), ``"reverse"`` m reverse sweeps (one per output), both over one recorded graph;
    ``"auto"`` takes forward when n < m, else reverse (ties go to reverse). Every mode
    gives the same matrix, or raises the same error at an edge point.
    """
    if mode not in ("auto", "forward", "reverse"):
        raise ValueError(f"mode must be 'auto', 'forward' or 'reverse', got {mode!r}")
    if not callable(f):
        raise TypeError(f"jacobian needs a callable f, got {type(f).__name__}")

    def jac(*primals: Any) -> Jacobian:
        if len(primals) == 1 and isinstance(primals[0], (tuple, list)):
            primals = tuple(primals[0])  # jacobian(f)(primals): the one convention
        elif any(isinstance(x, (tuple, list)) for x in primals):
            raise TypeError("jacobian(f, mode)(primals) takes one sequence with a number per "
                            "argument of f, as in jacobian(f)((2.0, 3.0)) (or the numbers "
                            f"themselves, jacobian(f)(2.0, 3.0)); got {primals!r}")
        xs = check_point(list(primals), "primals", "jacobian")
        nested = is_nested(xs)
        leaves, outs, _ = trace(f, xs, "jacobian")
        n, m = len(leaves), len(outs)
        if mode == "forward" or (mode == "auto" and n < m):
            columns = []
            for leaf in leaves:
                reached = sweep_to(outs, {id(leaf): 1.0}, nested)
                columns.append(_results([reached.get(id(out), 0.0) for out in outs], nested))
            return Jacobian([[columns[j][i] for j in range(n)] for i in range(m)])
        return Jacobian([list(_results(gradients(out, leaves, create_graph=nested), nested))
                         for out in outs])

    return jac


def hvp(f: Callable[..., Any], primals: Sequence[float], tangents: Sequence[float]
        ) -> tuple[Any, ...]:
    """The Hessian-vector product H(primals)·tangents of a scalar ``f``, forward over
    reverse: one forward sweep through the graph of ∇f that ``gradients(create_graph=True)``
    builds from the op table's rules."""
    xs = check_point(primals, "primals", "hvp")
    vs = check_point(tangents, "tangents", "hvp", len(xs))
    nested = is_nested(xs, vs)
    leaves, outs, single = trace(f, xs, "hvp")
    if not single:
        raise TypeError(f"hvp needs f to return one Value, got {len(outs)} outputs")
    grads = gradients(outs[0], leaves, create_graph=True)
    reached = sweep_to(grads, {id(leaf): v for leaf, v in zip(leaves, vs, strict=True)}, nested)
    return _results([reached.get(id(g), 0.0) for g in grads], nested)
