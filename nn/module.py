"""`Module`: parameters in a stable order, zero_grad, and saving/loading weights as JSON files
(written atomically, read strictly: every bad file is a ValueError)."""

from __future__ import annotations

import contextlib
import json
import math
import os
import stat
import tempfile
import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from autodiff import Value
from autodiff.core.checks import is_real

FILE_FORMAT = "autodiff.nn"  # the "format" field of a saved model
FILE_VERSION = 1  # bump when the layout of a saved model changes
_UMASK_LOCK = threading.Lock()


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
    if not is_real(value):
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


# --- model files ------------------------------------------------------------------------

def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` by a file holding ``data``, all at once (see :meth:`Module.save`)."""
    if path.is_dir():
        raise IsADirectoryError(f"cannot save to {path}: it is a folder; give a file name, "
                                f"e.g. {path / 'model.json'}")
    folder = path.parent
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    """Flush the rename itself to disk where the platform allows it (POSIX)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _umask() -> int:
    """The process's umask: read from /proc on Linux, elsewhere by setting and restoring
    it (under a lock, so that nn's own threads never see the temporary value)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def read_model_file(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``(config, parameters)`` of a saved model, after checking the file's layout.

    Anything but a file :meth:`Module.save` could have written is a ValueError: not
    UTF-8 JSON, NaN or Infinity, a repeated key, nesting too deep, an integer of more than
    4300 digits, another format, or a ``version`` that is not exactly the integer 1.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not a saved model (not UTF-8 text: {exc})") from None
    try:
        payload = json.loads(text, parse_constant=_reject_constant,
                             object_pairs_hook=_object_without_repeats)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON, the file is truncated or corrupt "
                         f"({exc})") from None
    except RecursionError:
        raise ValueError(f"{path}: not a saved model (JSON nested too deeply)") from None
    except ValueError as exc:  # NaN, Infinity, a repeated key, an integer too long
        raise ValueError(f"{path}: not a saved model ({exc})") from None
    if not isinstance(payload, dict) or payload.get("format") != FILE_FORMAT:
        raise ValueError(f"{path}: not a saved model (expected a JSON object with "
                         f'"format": "{FILE_FORMAT}")')
    version = payload.get("version")
    if type(version) is not int or version != FILE_VERSION:
        raise ValueError(f"{path}: unsupported format version {version!r} "
                         f"(this code reads version {FILE_VERSION}, an integer)")
    config, state = payload.get("model"), payload.get("parameters")
    if not isinstance(config, dict):
        raise ValueError(f'{path}: "model" must be an object describing the architecture')
    if not isinstance(state, dict):
        raise ValueError(f'{path}: "parameters" must be an object {{name: number}}')
    return config, state


def _reject_constant(token: str) -> float:
    raise ValueError(f"non-finite number {token} in a saved model")


def _object_without_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        repeated = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise ValueError(f"the key {repeated!r} appears twice in one object")
    return obj


def json_difference(found: Any, expected: Any, where: str = "the value") -> str | None:
    """Where two JSON values differ, in value or in exact type (``3.0`` is not ``3``, ``1``
    is not ``true``), as a sentence about ``where``; None if they are the same."""
    def shown(x: Any) -> str:
        text = json.dumps(x, ensure_ascii=False)
        return text if len(text) <= 80 else text[:80] + "…"

    if type(found) is not type(expected):
        return (f"{where} is {shown(found)} ({type(found).__name__}), this model has "
                f"{shown(expected)} ({type(expected).__name__})")
    if isinstance(expected, dict):
        for key in sorted(set(found) | set(expected)):
            if key not in found or key not in expected:
                side = "this model" if key not in found else "the file"
                return f"only {side} has the field {where}.{key}"
            inner = json_difference(found[key], expected[key], f"{where}.{key}")
            if inner:
                return inner
        return None
    if isinstance(expected, list):
        if len(found) != len(expected):
            return f"{where} has {len(found)} entries, this model {len(expected)}"
        for i, (a, b) in enumerate(zip(found, expected, strict=True)):
            inner = json_difference(a, b, f"{where}[{i}]")
            if inner:
                return inner
        return None
    return None if found == expected else (f"{where} is {shown(found)}, this model has "
                                           f"{shown(expected)}")
