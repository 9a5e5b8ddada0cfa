"""`gradcheck`: the engine's derivatives against central finite differences."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..core.checks import is_real
from ..core.tape import no_grad
from ..core.value import Value
from .gradients import gradients


@dataclass(frozen=True)
class CheckRow:
    """One compared derivative: ``wrt`` names it, e.g. ``"x0"`` or ``"x0,x1"``."""

    wrt: str  # the argument(s) differentiated by: f's parameter names
    analytic: float
    numeric: float
    error: float
    ok: bool


@dataclass(frozen=True)
class GradcheckReport:
    """Truthy when every analytic derivative matches its finite difference."""

    rows: tuple[CheckRow, ...]
    eps: float
    rtol: float
    atol: float

    def __bool__(self) -> bool:
        return all(row.ok for row in self.rows)

    @property
    def failures(self) -> tuple[CheckRow, ...]:
        """The rows whose analytic and numeric derivatives disagree."""
        return tuple(row for row in self.rows if not row.ok)

    def __str__(self) -> str:
        verdict = "all agree" if self else f"{len(self.failures)} disagree"
        lines = [f"gradcheck (eps={self.eps:g}, rtol={self.rtol:g}, atol={self.atol:g}): "
                 f"{verdict}",
                 f"{'d/d':<8} {'analytic':>22} {'numeric':>22} {'error':>10}  ok"]
        for row in self.rows:
            lines.append(f"{row.wrt:<8} {row.analytic:>22.15g} {row.numeric:>22.15g} "
                         f"{row.error:>10.2e}  {'yes' if row.ok else 'NO'}")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        verdict = "all agree" if self else f"{len(self.failures)} disagree"
        lines = [f"**gradcheck** (eps={self.eps:g}, rtol={self.rtol:g}, atol={self.atol:g}): "
                 f"{verdict}", "", "| d/d | analytic | numeric | error | ok |",
                 "|---|---:|---:|---:|---|"]
        lines += [f"| {row.wrt} | {row.analytic:.15g} | {row.numeric:.15g} | {row.error:.2e} | "
                  f"{'yes' if row.ok else '**NO**'} |" for row in self.rows]
        return "\n".join(lines) + "\n"


def _evaluate(f: Callable[..., Any], args: list[float]) -> float:
    with no_grad():
        out = f(*(Value(a) for a in args))
    return float(out.data if isinstance(out, Value) else out)


def input_names(f: Callable[..., Any], count: int) -> list[str]:
    """Names for ``f``'s ``count`` arguments: its positional parameters' names (``a``, ``b``),
    ``args[k]`` for those a ``*args`` takes, ``x{i}`` when the signature cannot be read."""
    try:
        parameters = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    names: list[str] = []
    for p in parameters:
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
        elif p.kind is p.VAR_POSITIONAL:
            names += [f"{p.name}[{k}]" for k in range(count - len(names))]
    names = names[:count]
    names += [f"x{i}" for i in range(len(names), count)]
    return names if len(set(names)) == count else [f"x{i}" for i in range(count)]


def _first_derivatives(f: Callable[..., Any], args: list[float], create_graph: bool = False
                       ) -> tuple[Any, tuple[Value, ...]]:
    inputs = tuple(Value(a, name) for a, name in zip(args, input_names(f, len(args)),
                                                      strict=True))
    out = f(*inputs)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    return gradients(out, inputs, create_graph=create_graph), inputs


def _row(wrt: str, analytic: float, numeric: float, rtol: float, atol: float) -> CheckRow:
    error = abs(analytic - numeric)
    ok = error <= atol + rtol * abs(numeric) and math.isfinite(analytic)
    return CheckRow(wrt, analytic, numeric, error, ok)


def gradcheck(f: Callable[..., Any], *args: float, eps: float = 1e-6, rtol: float = 1e-5,
              atol: float = 1e-8, order: int = 1) -> GradcheckReport:
    """Compare ``f``'s derivatives at ``args`` with central differences.

    ``f`` takes one Value per argument and returns a Value. ``order=1`` checks each
    d f/d x_i against ``(f(x + eps e_i) - f(x - eps e_i)) / 2 eps``; ``order=2`` also checks
    every second derivative d²f/dx_i dx_j against central differences of the first.
    A derivative passes when ``|analytic - numeric| <= atol + rtol * |numeric|``.
    """
    if order not in (1, 2):
        raise ValueError(f"gradcheck: order must be 1 or 2, got {order!r}")
    if not args:
        raise ValueError("gradcheck: give at least one argument to differentiate at")
    for a in args:
        if not is_real(a):
            raise TypeError(f"gradcheck: arguments must be real numbers, got {type(a).__name__}")
    if not eps > 0:
        raise ValueError(f"gradcheck: eps must be positive, got {eps!r}")
    point = [float(a) for a in args]

    def shifted(i: int, delta: float) -> list[float]:
        moved = list(point)
        moved[i] += delta
        return moved

    names = input_names(f, len(point))
    rows = []
    analytic, _ = _first_derivatives(f, point)
    for i in range(len(point)):
        numeric = (_evaluate(f, shifted(i, eps)) - _evaluate(f, shifted(i, -eps))) / (2 * eps)
        rows.append(_row(names[i], analytic[i], numeric, rtol, atol))
    if order == 2:
        firsts, inputs = _first_derivatives(f, point, create_graph=True)
        for i, first in enumerate(firsts):
            seconds = gradients(first, inputs)
            for j in range(len(point)):
                def d_first(at: list[float], i: int = i) -> float:
                    return float(_first_derivatives(f, at)[0][i])
                numeric = (d_first(shifted(j, eps)) - d_first(shifted(j, -eps))) / (2 * eps)
                rows.append(_row(f"{names[i]},{names[j]}", seconds[j], numeric, rtol, atol))
    return GradcheckReport(tuple(rows), eps, rtol, atol)
