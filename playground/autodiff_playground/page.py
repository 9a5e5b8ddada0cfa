"""The page's one entry point: ``call(name, arguments_json)`` returns a view as JSON.

Only the views named in :data:`VIEWS` can be called. An input the views refuse (an
expression outside the whitelist, a number of epochs out of range) comes back as
``{"error": message}``, shown in the page.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from .dot import use_renderer
from .expression import FUNCTIONS
from .views import check, expression_view

_network: Any = None


def connect(render: Callable[[str, str, str], str]) -> None:
    """Draw with ``render(dot_source, engine, format)``: Graphviz in WebAssembly."""
    use_renderer(render)


def network() -> Any:
    """The seed's network, made on first use (importing nn takes a moment)."""
    global _network
    if _network is None:
        import nn

        from .network import SeedNetwork

        _network = SeedNetwork(nn.seed_reference())
    return _network


def network_view(step_by: str = "layer") -> dict[str, Any]:
    """The network's current pass, stepped ``step_by`` "layer" or "neuron"."""
    return network().view(step_by)


def network_train(epochs: int, step_by: str = "layer") -> dict[str, Any]:
    """Train ``epochs`` more epochs, then the new pass (and how long the training took)."""
    started = time.perf_counter()
    network().train(epochs)
    seconds = time.perf_counter() - started
    return {**network().view(step_by), "trained": [epochs, seconds]}


def network_reset(step_by: str = "layer") -> dict[str, Any]:
    """Back to the seed's initial weights."""
    network().reset()
    return network().view(step_by)


def ops() -> list[str]:
    """The op table's ops the expression may use (as ``a.tanh()`` or ``tanh(a)``)."""
    return sorted(FUNCTIONS)


VIEWS: dict[str, Callable[..., Any]] = {
    "ops": ops, "check": check, "expression_view": expression_view, "network_view": network_view,
    "network_train": network_train, "network_reset": network_reset}


def call(name: str, arguments: str) -> str:
    """``VIEWS[name](*json.loads(arguments))`` as JSON; a refused input is an error view."""
    if name not in VIEWS:
        return json.dumps({"error": f"the page asked for an unknown view {name!r}"})
    try:
        view = VIEWS[name](*json.loads(arguments))
    except (ValueError, TypeError, ArithmeticError) as error:
        view = {"error": f"{type(error).__name__}: {error}"}
    return json.dumps(view, ensure_ascii=False)
