"""Model files: written atomically, read strictly (every bad file is a ValueError)."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
import threading
from pathlib import Path
from typing import Any

FILE_FORMAT = "autodiff.nn"  # the "format" field of a saved model
FILE_VERSION = 1  # bump when the layout of a saved model changes
_UMASK_LOCK = threading.Lock()


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
