"""autodiff: a scalar reverse-mode autograd engine for learning and checking the chain rule."""

from .backward import gradients, topological_order, zero_grad
from .check import GradcheckReport, gradcheck
from .codegen import compile_grad
from .functional import grad, value_and_grad
from .ops import OPS, DomainError, Op
from .tape import enable_grad, no_grad
from .value import Value

__all__ = [
    "OPS", "DomainError", "GradcheckReport", "Op", "Value",
    "compile_grad", "enable_grad", "grad", "gradcheck",
    "gradients", "no_grad",
    "topological_order", "value_and_grad", "zero_grad",
]
