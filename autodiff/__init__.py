"""autodiff: a scalar reverse-mode autograd engine for learning and checking the chain rule.

The package, in the order its imports run (each layer uses only those before it):
``core`` (the op table, Value and its generated operators, the graph's order, the tape and
its memory, backward, the checks), ``transforms`` (gradients, grad, value_and_grad,
gradcheck; forward mode: jvp, vjp, jacobian, hvp; count_rules), ``text`` (numbers and
names as text), ``explain`` and ``explain_forward`` (the backward pass and the forward
sweep as steps, text only), ``labels`` (nn's labels: the writers and the one parser;
every node's name), ``network`` (an nn network read back from its labels), ``recursion``
(its backward pass as the δ recursion, text only), ``stepping`` (steps grouped per neuron
or layer, text only), ``codegen`` (symbols, compile_grad) and ``render`` (draw, the network
view, step-through frames).
"""

__version__ = "0.1.0"  # the one place the version is written (pyproject.toml reads it)

from .codegen.compile import compile_grad, compile_graph
from .codegen.training import compile_training
from .core.backward import backward_passes, zero_grad
from .core.errors import DomainError, GradientOverflowError
from .core.graph import creation_order
from .core.memory import gc_paused
from .core.ops import OPS, Op
from .core.primitives import Primitive, custom_derivative, primitive
from .core.tape import enable_grad, no_grad
from .core.value import Value
from .explain import Contribution, Explanation, Step, explain
from .explain_forward import ForwardExplanation, explain_forward
from .labels import LABEL_RE, LabelParts, parse_label
from .recursion import NetworkStep, network_steps
from .render.drawing import DotNotFoundError, Drawing
from .render.frames import save_frames
from .render.graph import draw
from .render.network import NetworkDrawing, draw_network
from .stepping import GroupedStep, group_steps
from .transforms.counting import count_rules
from .transforms.forward import forward_tangents, hvp, jacobian, jvp, vjp
from .transforms.functional import grad, value_and_grad
from .transforms.gradcheck import GradcheckReport, gradcheck
from .transforms.gradients import gradients
from .transforms.matrix import Jacobian

__all__ = [
    "LABEL_RE", "OPS", "Contribution", "DomainError", "DotNotFoundError", "Drawing", "Explanation",
    "ForwardExplanation", "GradcheckReport", "GradientOverflowError", "GroupedStep", "Jacobian",
    "LabelParts", "NetworkDrawing", "NetworkStep", "Op", "Primitive", "Step", "Value",
    "backward_passes", "compile_grad", "compile_graph", "compile_training", "count_rules",
    "creation_order", "custom_derivative", "draw", "draw_network", "enable_grad", "explain",
    "explain_forward",
    "forward_tangents", "gc_paused", "grad", "gradcheck", "gradients", "group_steps", "hvp",
    "jacobian", "jvp", "network_steps", "no_grad", "parse_label", "primitive", "save_frames",
    "value_and_grad", "vjp", "zero_grad",
]
