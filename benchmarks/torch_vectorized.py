"""The workloads as a PyTorch user would write them with tensors (float64, CPU)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from workloads import SEED_X, SEED_Y


def mlp(init: list[list[tuple]]) -> tuple[list[tuple[Any, Any]], list[Any]]:
    """The same MLP as one weight matrix and bias vector per layer."""
    layers = []
    for layer in init:
        weights = torch.tensor([ws for ws, _ in layer], dtype=torch.float64).T.contiguous()
        bias = torch.tensor([b for _, b in layer], dtype=torch.float64)
        layers.append((weights.requires_grad_(), bias.requires_grad_()))
    return layers, [p for pair in layers for p in pair]


def mlp_train_samples(model: tuple[list, list], samples: list) -> float:
    """Forward + backward of (out − y)² one sample at a time (batch of one)."""
    layers, params = model
    loss = None
    for x, y in samples:
        a = torch.tensor(x, dtype=torch.float64)
        for k, (weights, bias) in enumerate(layers):
            a = a @ weights + bias
            if k < len(layers) - 1:
                a = torch.relu(a)
        loss = ((a - y) ** 2).sum()
        loss.backward()
        for p in params:
            p.grad = None
    return loss.item()


def seed(init: tuple[list[list[float]], list[float]]) -> tuple[Any, Any]:
    theta0 = torch.tensor(init[0], dtype=torch.float64, requires_grad=True)
    theta1 = torch.tensor([[w] for w in init[1]], dtype=torch.float64, requires_grad=True)
    return theta0, theta1


def seed_epochs_fn() -> Callable[[tuple[Any, Any], int], float]:
    x = torch.tensor(SEED_X, dtype=torch.float64)
    y = torch.tensor([[t] for t in SEED_Y], dtype=torch.float64)

    def seed_epochs(model: tuple[Any, Any], epochs: int) -> float:
        """Full-batch gradient steps of the seed's network, E = Σ ½(a − y)², rate 1."""
        theta0, theta1 = model
        error = None
        for _ in range(epochs):
            a2 = torch.sigmoid(torch.sigmoid(x @ theta0) @ theta1)
            error = 0.5 * ((a2 - y) ** 2).sum()
            error.backward()
            with torch.no_grad():
                for p in model:
                    p -= p.grad
                    p.grad = None
        return error.item()

    return seed_epochs


def seed_weights(model: tuple[Any, Any]) -> list[float]:
    return model[0].detach().flatten().tolist() + model[1].detach().flatten().tolist()
