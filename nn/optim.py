"""`SGD`: gradient descent on parameters whose ``.grad`` the engine has filled."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from autodiff import Value
from autodiff.core.checks import check_nonnegative, check_positive, is_real

from .module import Module


class SGD:
    """``p ← p − lr · v`` with ``v ← momentum · v + ∂E/∂p`` (PyTorch's convention).

    With ``momentum=0`` this is the seed's update ``Θ ← Θ − lr · ∂E/∂Θ``. ``parameters``
    may be a Module: then ``zero_grad()`` calls the module's, which also forgets its
    recorded forward calls (see ``Module.zero_grad``), and errors name parameters by
    their names in the module.

    ``lr`` must be a finite number > 0 (it can be changed between steps, for a schedule);
    ``momentum`` a number in [0, 1). A step never writes a non-finite number: if an
    update would make any parameter or momentum buffer inf or NaN, :meth:`step` raises
    ``OverflowError`` naming that parameter and leaves every parameter and buffer as it
    was before the step.
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
        self.lr = lr
        self.momentum = check_nonnegative(momentum, "momentum")
        if self.momentum >= 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
        self.velocity = [0.0] * len(params)

    @property
    def lr(self) -> float:
        """The learning rate: a finite number > 0."""
        return self._lr

    @lr.setter
    def lr(self, lr: float) -> None:
        self._lr = check_positive(lr, "lr")

    def step(self) -> None:
        """Move every parameter one step against its gradient, or raise and move none.

        All new values are computed first and checked; only then are they assigned.
        """
        params, momentum = self.parameters, self.momentum
        grads = [p.grad for p in params]
        if not all(type(g) is float for g in grads):
            self._check_gradient_types(grads)
        update = self.update
        steps = [update(p.data, g, v) for p, g, v in zip(params, grads, self.velocity,
                                                          strict=True)]
        new = [weight for weight, _ in steps]
        velocity = [v for _, v in steps] if momentum != 0.0 else None
        if not math.isfinite(sum(new)):  # rare: then look at each (a sum may overflow)
            self._check_finite(new, velocity)
        for p, value in zip(params, new, strict=True):
            p.data = value
        if velocity is not None:
            self.velocity[:] = velocity

    def update(self, weight: Any, gradient: Any, velocity: Any) -> tuple[Any, Any]:
        """One parameter's step: ``(new weight, new velocity)``. Plain arithmetic, so the
        same rule runs on floats (:meth:`step`) and on the code generator's symbols
        (``fit(..., compiled=True)`` writes it into its training loop)."""
        if self.momentum == 0.0:
            return weight - self._lr * gradient, velocity
        velocity = self.momentum * velocity + gradient
        return weight - self._lr * velocity, velocity

    def _name(self, i: int) -> str:
        if self.module is not None:
            return self.module.named_parameters()[i][0]
        label = self.parameters[i].label
        return f"{label} (parameters[{i}])" if label else f"parameters[{i}]"

    def _check_gradient_types(self, grads: list[object]) -> None:
        for i, g in enumerate(grads):
            if not is_real(g):
                raise TypeError(f"SGD: the gradient of parameter {self._name(i)} must be a "
                                f"number, got {type(g).__name__}: {g!r}")

    def _check_finite(self, new: list[float], velocity: list[float] | None) -> None:
        for i, value in enumerate(new):
            if math.isfinite(value):
                continue
            buffer = None if velocity is None else velocity[i]
            p = self.parameters[i]
            # lr > 0, so a non-finite buffer always makes the parameter non-finite too
            if not math.isfinite(p.data):
                cause = "it is not finite already"
            elif not math.isfinite(p.grad):
                cause = f"its gradient is {p.grad!r}"
            elif buffer is not None and not math.isfinite(buffer):
                cause = (f"the momentum buffer {self.velocity[i]!r} × {self.momentum!r} + "
                         f"gradient overflows")
            else:
                move = p.grad if buffer is None else buffer
                cause = f"lr × step = {self._lr!r} × {move!r} overflows"
            raise OverflowError(
                f"SGD step would make parameter {self._name(i)} {value!r} (it is {p.data!r}, "
                f"its gradient {p.grad!r}): "
                f"{cause}. No parameter or momentum buffer was changed by this step; "
                f"lower lr, or scale the data or the loss")

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

