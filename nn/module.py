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

from .files import FILE_FORMAT, FILE_VERSION, json_difference, read_model_file, write_atomically


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
        """Write the architecture and the weights to ``path`` as JSON, atomically.

        Floats are written with ``repr``, which reads back to the identical float; a
        non-finite weight is refused (ValueError). The file is written under a unique
        temporary name in the same folder, flushed to disk, then renamed over ``path``:
        readers and concurrent writers see the old file or one complete new one, never a
        mix. It keeps an existing file's permissions (a new file gets the umask default);
        saving through a symbolic link replaces the file the link points to.
        If anything fails, the temporary file is removed and the old file is untouched.
        """
        state = self.state_dict()
        for name, value in state.items():
            if not math.isfinite(value):
                raise ValueError(f"cannot save: parameter {name} is {value!r} (not finite)")
        payload = {"format": FILE_FORMAT, "version": FILE_VERSION, "model": self.config(),
                   "parameters": state}
        text = json.dumps(payload, ensure_ascii=False, indent=1, allow_nan=False) + "\n"
        # through a symbolic link, the file it points to is replaced (the link stays)
        write_atomically(Path(os.path.realpath(path)), text.encode("utf-8"))

    def load(self, path: str | os.PathLike[str]) -> None:
        """Read weights saved by :meth:`save` into this module, in place.

        A file that is not valid JSON (truncated, corrupt), has another format or
        version, holds another architecture, or misses or adds parameters raises
        ``ValueError`` saying so, and the module keeps its weights.
        """
        config, state = read_model_file(path)
        try:
            mismatch = json_difference(config, self.config(), "model")
        except RecursionError:
            mismatch = "the file's architecture is nested too deeply"
        if mismatch:
            raise ValueError(f"{path}: the file holds {_describe(config)}, "
                             f"but this model is {_describe(self.config())}: {mismatch}")
        try:
            self.load_state_dict(state)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{path}: {exc}") from None


def _finite_number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"parameter {name} must be a number, got {type(value).__name__}: "
                        f"{value!r}")
    try:
        number = float(value)
    except OverflowError:
        raise ValueError(f"parameter {name} is an integer of {len(str(value))} digits, too "
                         f"large for a float") from None
    if not math.isfinite(number):
        raise ValueError(f"parameter {name} is {number!r} (not finite)")
    return number


def _few(names: list[str], limit: int = 4) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _describe(config: dict[str, Any], limit: int = 300) -> str:
    """The architecture as JSON text, cut short if long (a hostile file may hold anything)."""
    try:
        text = json.dumps(config, ensure_ascii=False, sort_keys=True)
    except (RecursionError, TypeError, ValueError):
        return "an architecture nested too deeply to show"
    return text if len(text) <= limit else text[:limit] + f"… ({len(text):,} characters)"
