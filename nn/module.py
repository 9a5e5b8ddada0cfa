"""`Module`: parameters in a stable order, zero_grad, and saving/loading weights as JSON."""

from __future__ import annotations

import json
import math
import numbers
import os
from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from autodiff import Value

FILE_FORMAT = "autodiff.nn"  # the "format" field of a saved model
FILE_VERSION = 1  # bump when the layout of a saved model changes


class Module(ABC):
    """Something with parameters: a neuron, a layer, a network.

    Subclasses name their parameters (:meth:`named_parameters`) and describe their
    architecture (:meth:`config`); everything else here is built on those two.
    """

    @abstractmethod
    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(name, parameter)`` pairs in a fixed, documented order; names are unique."""

    @abstractmethod
    def config(self) -> dict[str, Any]:
        """The architecture as plain JSON data (saved with the weights, checked on load)."""

    def children(self) -> list[Module]:
        """The modules this one is made of (none by default)."""
        return []

    def parameters(self) -> list[Value]:
        """The parameter Values, in the order of :meth:`named_parameters`."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0 and forget the forward calls recorded so far.

        Neurons keep the pre-activations of the forward calls since the last
        ``backward()`` so that ``deltas()`` can read their gradients (see ``Neuron``);
        that record, with the graphs it keeps alive, is dropped here too.
        """
        for p in self.parameters():
            p.grad = 0.0
        self._forget_forward_calls()

    def _forget_forward_calls(self) -> None:
        for child in self.children():
            child._forget_forward_calls()

    # --- weights as data -------------------------------------------------------------
    def state_dict(self) -> dict[str, float]:
        """``{name: value}`` of every parameter, in parameter order."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Set the parameters from ``{name: number}``; the names must match exactly.

        Everything is checked before anything is assigned: on a ``ValueError`` or
        ``TypeError`` the module is left exactly as it was.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"a state dict must be a mapping, got {type(state).__name__}")
        named = self.named_parameters()
        expected = [name for name, _ in named]
        missing = [n for n in expected if n not in state]
        unexpected = [n for n in state if n not in set(expected)]
        if missing or unexpected:
            parts = []
            if missing:
                parts.append(f"missing {_few(missing)}")
            if unexpected:
                parts.append(f"unexpected {_few(unexpected)}")
            raise ValueError(f"parameters do not match this {type(self).__name__} "
                             f"({len(expected)} parameters): " + "; ".join(parts))
        values = [_finite_number(state[name], name) for name in expected]
        for (_, p), value in zip(named, values, strict=True):
            p.data = value

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the architecture and the weights to ``path`` as JSON.

        Floats are written with ``repr``, which reads back to the identical float. The
        file is written next to ``path`` first and then moved over it, so an existing
        file is never left half-written.
        """
        state = self.state_dict()
        for name, value in state.items():
            if not math.isfinite(value):
                raise ValueError(f"cannot save: parameter {name} is {value!r} (not finite)")
        payload = {"format": FILE_FORMAT, "version": FILE_VERSION, "model": self.config(),
                   "parameters": state}
        text = json.dumps(payload, ensure_ascii=False, indent=1, allow_nan=False)
        path = Path(path)
        partial = path.with_name(path.name + ".partial")
        partial.write_text(text + "\n", encoding="utf-8")
        os.replace(partial, path)

    def load(self, path: str | os.PathLike[str]) -> None:
        """Read weights saved by :meth:`save` into this module, in place.

        A file that is not valid JSON (truncated, corrupt), has another format or
        version, holds another architecture, or misses or adds parameters raises
        ``ValueError`` saying so, and the module keeps its weights.
        """
        config, state = read_model_file(path)
        if config != self.config():
            raise ValueError(f"{path}: the file holds {_describe(config)}, "
                             f"but this model is {_describe(self.config())}")
        try:
            self.load_state_dict(state)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{path}: {exc}") from None


def read_model_file(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``(config, parameters)`` of a saved model, after checking the file's layout."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not a saved model (not UTF-8 text: {exc})") from None
    try:
        payload = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON, the file is truncated or corrupt "
                         f"({exc})") from None
    except ValueError as exc:  # NaN or Infinity, which strict JSON does not have
        raise ValueError(f"{path}: {exc}") from None
    if not isinstance(payload, dict) or payload.get("format") != FILE_FORMAT:
        raise ValueError(f"{path}: not a saved model (expected a JSON object with "
                         f'"format": "{FILE_FORMAT}")')
    version = payload.get("version")
    if version != FILE_VERSION or isinstance(version, bool):
        raise ValueError(f"{path}: unsupported format version {version!r} "
                         f"(this code reads version {FILE_VERSION})")
    config, state = payload.get("model"), payload.get("parameters")
    if not isinstance(config, dict):
        raise ValueError(f'{path}: "model" must be an object describing the architecture')
    if not isinstance(state, dict):
        raise ValueError(f'{path}: "parameters" must be an object {{name: number}}')
    return config, state


def _reject_constant(token: str) -> float:
    raise ValueError(f"non-finite number {token} in a saved model")


def _finite_number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"parameter {name} must be a number, got {type(value).__name__}: "
                        f"{value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"parameter {name} is {value!r} (not finite)")
    return value


def _few(names: list[str], limit: int = 4) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _describe(config: dict[str, Any]) -> str:
    return json.dumps(config, ensure_ascii=False, sort_keys=True)
