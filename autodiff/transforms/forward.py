"""Forward mode from the op table: tangents pushed through the recorded graph, and
`jvp`, `vjp`, `jacobian` and `hvp` built on the two sweeps.

Forward mode is the mirror image of the backward pass. It walks the same creation order,
oldest node first, and gives each node the tangent

    tangent(node) = Σᵢ ∂node/∂operandᵢ · tangent(operandᵢ),

with every local derivative read off the op table
(:func:`autodiff.core.graph.local_partial`), so there is no second copy of
any derivative. The rules, stated as exactly as the backward pass states its own:

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
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from typing import Any

from ..core import tape as _tape
from ..core.checks import check_finite, check_finites
from ..core.errors import GradientOverflowError, describe_node
from ..core.graph import checked_partial, creation_order, value_operands
from ..core.ops import FLOAT_MATH
from ..core.value import Value
from .gradients import VALUE_MATH, gradients
from .nesting import as_value, evaluating, fresh_input, is_nested, refuse_floats_inside


def tangent_terms(node: Value, reached: Mapping[int, Any], differentiable: bool = False
                  ) -> list[tuple[int, Value, Any]]:
    """``(operand position, operand, local derivative)`` for each reached operand of
    ``node``, in operand order: the terms of its tangent (one rule evaluation each). A
    local derivative that is infinite or undefined raises, whatever the tangent it
    multiplies (the edge-point rule, :func:`autodiff.transforms.gradients.checked_partial`)."""
    m = VALUE_MATH if differentiable else FLOAT_MATH
    return [(position, operand, checked_partial(node, position, m, differentiable))
            for position, operand in value_operands(node) if id(operand) in reached]


def check_tangent(node: Value, total: float, terms: Sequence[float]) -> None:
    """A tangent that became inf or nan from finite numbers is an error, never silent."""
    if math.isfinite(total) or not all(math.isfinite(t) for t in terms):
        return
    raise GradientOverflowError(f"{node._op.name}: the tangent{describe_node(node)} overflows "
                                f"a float (value {node.data!r}, terms {list(terms)!r})")


def forward_sweep(outputs: Sequence[Value], seeds: Mapping[Value, Any],
                  differentiable: bool = False) -> dict[int, Any]:
    """One forward sweep: the tangent of every reached node (by id), seeds included.

    A seeded node keeps its seed. With ``differentiable=True`` the rules run on Values
    (and the tangents may be Values), so the tangents can be differentiated again."""
    reached: dict[int, Any] = {id(node): t for node, t in seeds.items()}
    seeded = set(reached)
    with _tape.enable_grad() if differentiable else nullcontext():
        for node in creation_order(*outputs):
            if node._op is None or id(node) in seeded:
                continue  # a leaf or a seed: its tangent is its seed, or it is not reached
            terms = tangent_terms(node, reached, differentiable)
            if not terms:
                continue
            if differentiable:
                total = None
                for _, operand, local in terms:
                    term = local * reached[id(operand)]
                    total = term if total is None else total + term
            else:
                total = 0.0
                for _, operand, local in terms:
                    total += local * reached[id(operand)]
                check_tangent(node, total, [reached[id(o)] for _, o, _ in terms] +
                              [local for _, _, local in terms])
            reached[id(node)] = total
    return reached


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
    for leaf, t in seeds.items():
        if not isinstance(leaf, Value):
            raise TypeError(f"tangents are keyed by Values, got {type(leaf).__name__}")
        if leaf._op is not None:
            raise ValueError(f"tangents seed leaves; {leaf!r} is made by {leaf.op!r}")
        check_finite(t, "a tangent")
    reached = forward_sweep(outs, {leaf: float(t) for leaf, t in seeds.items()})
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
    reached = forward_sweep(outs, dict(zip(leaves, vs, strict=True)), nested)
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


def jacobian(f: Callable[..., Any], mode: str = "auto") -> Callable[..., list[list[Any]]]:
    """``jacobian(f, mode)(primals)``: the m × n matrix ∂outᵢ/∂xⱼ as a list of lists.

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

    def jac(*primals: Any) -> list[list[Any]]:
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
                reached = forward_sweep(outs, {leaf: 1.0}, nested)
                columns.append(_results([reached.get(id(out), 0.0) for out in outs], nested))
            return [[columns[j][i] for j in range(n)] for i in range(m)]
        return [list(_results(gradients(out, leaves, create_graph=nested), nested))
                for out in outs]

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
    reached = forward_sweep(grads, dict(zip(leaves, vs, strict=True)), nested)
    return _results([reached.get(id(g), 0.0) for g in grads], nested)
