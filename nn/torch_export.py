"""The way out to tensors: an `MLP` as a `torch.nn.Sequential` of `Linear` layers, and back.

PyTorch is optional: it is imported only when a conversion is asked for, and its absence
is an ImportError that says how to install it. The mapping to the seed's Θ convention:
``model.weights()[l]`` is Θ(l), ``M(l) × M(l+1)``, entry ``[i, j]`` from unit i of layer l
to unit j of layer l+1; a ``torch.nn.Linear`` computes ``x @ weight.T + bias`` with
``weight`` of shape ``M(l+1) × M(l)``, so ``Linear.weight`` is Θ(l) transposed
(``weight[j, i] == Θ(l)[i, j]``) and ``Linear.bias`` is the bias vector of layer l+1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np  # pragma: no cover
    import torch

INSTALL_HINT = ("PyTorch is not installed. Install it from this repository with "
                "`pip install -e '.[torch]'` (the package named `autodiff` on PyPI is an "
                "unrelated project, so `pip install autodiff[torch]` would not work)")

#: nn's activation name → the torch.nn module class name that computes it.
TORCH_ACTIVATIONS = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU"}
_FROM_TORCH = {cls: name for name, cls in TORCH_ACTIVATIONS.items()} | {"Identity": "linear"}


def import_torch() -> Any:
    """The ``torch`` module, or an ImportError saying how to install it."""
    try:
        import torch
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    return torch


def to_torch(model: Any) -> torch.nn.Sequential:
    """``model`` (an ``nn.MLP``) as ``torch.nn.Sequential(Linear, activation, Linear, ...)``
    in float64, with the same weights: the same outputs and gradients, to rounding.

    A linear layer gets no activation module. The result is a new module: training it
    leaves ``model`` unchanged (convert back with ``nn.MLP.from_torch``).
    """
    import numpy as np

    torch = import_torch()
    biases = model.biases()
    modules: list[Any] = []
    for k, (layer, theta) in enumerate(zip(model.layers, model.weights(), strict=True)):
        linear = torch.nn.Linear(layer.nin, layer.nout, bias=biases is not None,
                                 dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(theta.T)))
            if biases is not None:
                linear.bias.copy_(torch.from_numpy(biases[k]))
        modules.append(linear)
        if layer.activation != "linear":
            modules.append(getattr(torch.nn, TORCH_ACTIVATIONS[layer.activation])())
    return torch.nn.Sequential(*modules)


def from_torch(build: Callable[..., Any], module: Any) -> Any:
    """``build(weights, biases, activations)`` (``MLP.from_weights``) from a torch module:
    a ``Linear``, or a ``Sequential`` of ``Linear`` layers each followed by at most one of
    ``Sigmoid``, ``Tanh``, ``ReLU`` or ``Identity``. Anything else is a ValueError naming
    the part that cannot be converted."""
    torch = import_torch()
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"from_torch converts a torch.nn.Module, got {type(module).__name__}")
    children = (list(module.named_children()) if isinstance(module, torch.nn.Sequential)
                else [("", module)])
    if not children:
        raise ValueError("from_torch got an empty Sequential: there are no layers to convert")
    linears: list[tuple[str, Any]] = []
    activations: list[str] = []
    for name, child in children:
        where = f"module[{name}] ({type(child).__name__})" if name else type(child).__name__
        kind = type(child).__name__
        if type(child) is torch.nn.Linear:
            if linears and len(activations) < len(linears):
                activations.append("linear")
            linears.append((where, child))
        elif type(child).__name__ in _FROM_TORCH and type(child) is getattr(torch.nn, kind):
            if len(activations) == len(linears):
                raise ValueError(f"{where} cannot be converted: an activation must follow a "
                                 f"Linear layer, and each Linear has at most one")
            activations.append(_FROM_TORCH[kind])
        else:
            raise ValueError(
                f"{where} cannot be converted: from_torch converts Linear layers, each "
                f"followed by at most one of {', '.join([*TORCH_ACTIVATIONS.values(), 'Identity'])}"
                f" (an nn.MLP has no other layers)")
    if len(activations) < len(linears):
        activations.append("linear")
    return build(*_weights(linears), activations)


def _weights(linears: list[tuple[str, Any]]) -> tuple[list[np.ndarray], list[np.ndarray] | None]:
    import numpy as np

    with_bias = [where for where, linear in linears if linear.bias is not None]
    if with_bias and len(with_bias) != len(linears):
        without = next(where for where, linear in linears if linear.bias is None)
        raise ValueError(f"{with_bias[0]} has a bias but {without} has none: an nn.MLP has "
                         f"biases in every layer or in none")
    weights, biases = [], []
    for k, (where, linear) in enumerate(linears):
        weight = _numbers(linear.weight, where, "weights")
        if k and weight.shape[1] != weights[-1].shape[1]:
            raise ValueError(f"{where} takes {weight.shape[1]} inputs, but the layer before it "
                             f"gives {weights[-1].shape[1]}: the shapes must chain")
        if not np.isfinite(weight).all():
            raise ValueError(f"{where} has non-finite weights")
        weights.append(weight.T)
        if linear.bias is not None:
            bias = _numbers(linear.bias, where, "bias")
            if not np.isfinite(bias).all():
                raise ValueError(f"{where} has a non-finite bias")
            biases.append(bias)
    return weights, (biases if with_bias else None)


def _numbers(tensor: Any, where: str, what: str) -> np.ndarray:
    """A parameter's numbers as a float64 array; a ValueError names the layer whose
    parameter holds none (on the meta device) or cannot be read on the CPU."""
    if tensor.is_meta:
        raise ValueError(f"{where} is on the meta device: its {what} have no values to "
                         f"convert (materialise the module first, e.g. "
                         f"module.to_empty(device='cpu') and load its state_dict)")
    try:
        return tensor.detach().to("cpu").double().numpy()
    except (NotImplementedError, RuntimeError, TypeError) as exc:
        raise ValueError(f"{where}'s {what} cannot be read on the CPU: {exc}") from None
