"""`Jacobian`: the matrix ``jacobian`` returns, a list of rows that prints short."""

from __future__ import annotations


class Jacobian(list):  # type: ignore[type-arg]  # list[list[float]]
    """The m × n matrix ∂outᵢ/∂xⱼ: a ``list`` of m rows of n floats (index it, compare it,
    loop over it as a list of lists). Its ``repr`` shows the shape and the first and last
    entries; ``.rows`` is the plain list of lists.

    Examples:
        >>> J = autodiff.jacobian(lambda x, y: (x * y, x + y, x.exp()))(2.0, 3.0)
        >>> J
        Jacobian(3 × 2: [[3.0, 2.0], [1.0, 1.0], [7.38905609893065, 0.0]])
        >>> J[0][1], J.shape
        (2.0, (3, 2))
    """

    @property
    def shape(self) -> tuple[int, int]:
        """(m, n): outputs × inputs."""
        return len(self), len(self[0]) if self else 0

    @property
    def rows(self) -> list[list[float]]:
        """The matrix as a plain list of lists (a copy)."""
        return [list(row) for row in self]

    def __repr__(self) -> str:
        def cut(items: list[str], keep: int = 2) -> str:
            shown = items if len(items) <= 2 * keep + 1 else [*items[:keep], "…", *items[-keep:]]
            return "[" + ", ".join(shown) + "]"

        m, n = self.shape
        return f"Jacobian({m} × {n}: {cut([cut([repr(x) for x in row]) for row in self])})"
