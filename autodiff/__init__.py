"""autodiff: a scalar reverse-mode autograd engine for learning and checking the chain rule."""

from .backward import GradientOverflowError, gradients, topological_order, zero_grad
from .check import GradcheckReport, gradcheck
from .codegen import compile_grad, compile_graph
from .drawing import DotNotFoundError, Drawing
from .explain import Contribution, Explanation, Step, explain
from .functional import grad, value_and_grad
from .ops import OPS, DomainError, Op
from .render import draw
from .tape import enable_grad, no_grad
from .value import Value

__all__ = [
    "OPS", "Contribution", "DomainError", "DotNotFoundError", "Drawing", "Explanation",
    "GradcheckReport", "GradientOverflowError", "Op", "Step", "Value",
    "compile_grad", "compile_graph", "draw", "enable_grad", "explain", "grad", "gradcheck",
    "gradients", "no_grad",
    "topological_order", "value_and_grad", "zero_grad",
]
