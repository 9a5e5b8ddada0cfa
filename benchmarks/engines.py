"""The scalar engines under test, each behind the same small duck-typed interface."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Engine:
    """What the shared workload code needs from a scalar engine.

    ``leaf(x)`` makes a trainable scalar; ``sigmoid(v)`` and ``relu(v)`` are the
    activations; ``backward(v)`` runs reverse mode from ``v``; ``grad_of(p)`` reads a
    leaf's gradient and ``zero_grad(p)`` resets it; ``data_of(v)`` reads a value;
    ``step(params)`` takes a gradient step (learning rate 1) and zeroes the gradients.
    The operators ``+ - *`` come from the engine's Value class itself.
    """

    name: str
    leaf: Callable[[float], Any]
    sigmoid: Callable[[Any], Any]
    relu: Callable[[Any], Any]
    backward: Callable[[Any], None]
    grad_of: Callable[[Any], float]
    zero_grad: Callable[[Any], None]
    data_of: Callable[[Any], float]
    step: Callable[[list], None]


def _grad_of(p: Any) -> float:
    return p.grad


def _zero_grad(p: Any) -> None:
    p.grad = 0.0


def _data_of(p: Any) -> float:
    return p.data


def _step(params: list) -> None:
    for p in params:
        p.data -= p.grad
        p.grad = 0.0


def value_engine(name: str, value_class: type, sigmoid: Callable[[Any], Any]) -> Engine:
    """An engine whose Values have ``.data``, ``.grad``, ``.relu()`` and ``.backward()``."""
    return Engine(name, value_class, sigmoid, value_class.relu, value_class.backward,
                  _grad_of, _zero_grad, _data_of, _step)


def autodiff_engine() -> Engine:
    """This project's eager engine."""
    from autodiff import Value
    return value_engine("autodiff eager", Value, Value.sigmoid)


def micrograd_engine() -> Engine:
    """micrograd 0.1.0, with a sigmoid written in its own style (one node, one closure)."""
    from micrograd.engine import Value

    def sigmoid(self: Value) -> Value:
        s = 1.0 / (1.0 + math.exp(-self.data))
        out = Value(s, (self,), "sigmoid")

        def _backward() -> None:
            self.grad += s * (1.0 - s) * out.grad
        out._backward = _backward

        return out

    return value_engine("micrograd 0.1.0", Value, sigmoid)


def torch_scalar_engine() -> Engine:
    """PyTorch with every scalar a 0-d float64 tensor (raises ImportError without torch)."""
    import torch

    def leaf(x: float) -> Any:
        return torch.tensor(x, dtype=torch.float64, requires_grad=True)

    def grad_of(p: Any) -> float:
        return 0.0 if p.grad is None else p.grad.item()

    def zero_grad(p: Any) -> None:
        p.grad = None

    def data_of(p: Any) -> float:
        return p.item()

    def step(params: list) -> None:
        with torch.no_grad():
            for p in params:
                p -= p.grad
                p.grad = None

    return Engine("torch scalar", leaf, torch.sigmoid, torch.relu, torch.Tensor.backward,
                  grad_of, zero_grad, data_of, step)
