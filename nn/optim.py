"""`SGD`: gradient descent on parameters whose ``.grad`` the engine has filled."""

from __future__ import annotations

from collections.abc import Iterable

from autodiff import Value

from .checks import check_number
from .module import Module


class SGD:
    """``p ← p − lr · v`` with ``v ← momentum · v + ∂E/∂p`` (PyTorch's convention).

    With ``momentum=0`` this is the seed's update ``Θ ← Θ − lr · ∂E/∂Θ``. ``parameters``
    may be a Module: then ``zero_grad()`` calls the module's, which also forgets its
    recorded forward calls (see ``Module.zero_grad``).
    """

    def __init__(self, parameters: Iterable[Value] | Module, lr: float,
                 momentum: float = 0.0) -> None:
        self.module = parameters if isinstance(parameters, Module) else None
        params = parameters.parameters() if isinstance(parameters, Module) else list(parameters)
        for i, p in enumerate(params):
            if not isinstance(p, Value):
                raise TypeError(f"parameter {i} must be a Value, got {type(p).__name__}")
        if not params:
            raise ValueError("SGD got no parameters to optimise")
        self.parameters = params
        self.lr = check_number(lr, "lr")
        self.momentum = check_number(momentum, "momentum")
        if self.momentum >= 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
        self.velocity = [0.0] * len(params)

    def step(self) -> None:
        """Move every parameter one step against its gradient."""
        lr, momentum = self.lr, self.momentum
        if momentum == 0.0:
            for p in self.parameters:
                p.data -= lr * p.grad
            return
        velocity = self.velocity
        for i, p in enumerate(self.parameters):
            velocity[i] = momentum * velocity[i] + p.grad
            p.data -= lr * velocity[i]

    def zero_grad(self) -> None:
        """Set the gradients to 0 (through the module, when SGD was given one)."""
        if self.module is not None:
            self.module.zero_grad()
            return
        for p in self.parameters:
            p.grad = 0.0

    def __repr__(self) -> str:
        return (f"SGD({len(self.parameters)} parameters, lr={self.lr!r}, "
                f"momentum={self.momentum!r})")

