"""Atomic writes of several files into one folder, recoverable after a kill.

A write puts every new file under a temporary name first (``.NAME.<random>.tmp``, flushed to
disk), then records the renames it is about to do in a journal (itself written
atomically), does them in order, removes the files it replaces for good, and deletes the
journal. Killed at any point (SIGKILL, a power cut), the folder holds either no journal,
and the next write deletes the temporaries (a roll back: the old files are untouched), or
a journal, and the next write finishes its renames and removals (a roll forward).
Interrupted by an exception (Ctrl-C) during the renames, the write finishes them before
the exception goes on. Only files this module names (its temporaries, the journal, and
the files listed in a journal) are ever renamed or removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

JOURNAL = ".autodiff-journal.json"
_TEMPORARY = re.compile(r"\.(?P<name>[\w.-]+)\.[\w]+\.tmp")


def write_temporary(folder: Path, name: str, text: str) -> Path:
    """``text`` in a new temporary file next to ``folder / name``, flushed to disk."""
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Path(temporary)


def discard(temporaries: Sequence[Path]) -> None:
    """Remove temporaries of a write that will not happen."""
    for temporary in temporaries:
        with contextlib.suppress(OSError):
            temporary.unlink()


def commit(folder: Path, renames: Sequence[tuple[Path, str]], removals: Sequence[str],
           owned: re.Pattern[str]) -> None:
    """Rename each temporary onto its name, in order, then remove ``removals``: all of it
    happens, now or at the next :func:`recover` of ``folder``. ``owned`` matches the names
    this writer may replace or remove (a journal that names others is not followed)."""
    journal = {"renames": [[t.name, name] for t, name in renames],
               "removals": list(removals)}
    staged = None
    try:
        staged = write_temporary(folder, JOURNAL, json.dumps(journal))
        os.replace(staged, folder / JOURNAL)
    except BaseException:  # no journal: roll back
        discard([t for t, _ in renames] + ([staged] if staged else []))
        raise
    _fsync_folder(folder)
    _finish(folder, journal, owned)


def recover(folder: Path, owned: re.Pattern[str]) -> None:
    """Finish a write that a journal in ``folder`` records, then delete the temporaries
    of writes that never reached their journal (only names ``owned`` or the journal's)."""
    if not folder.is_dir():
        return
    journal = read_json(folder / JOURNAL)
    if _valid(journal, owned):
        _finish(folder, journal, owned)
    for leftover in folder.iterdir():
        match = _TEMPORARY.fullmatch(leftover.name)
        if match and (owned.fullmatch(match["name"]) or match["name"] == JOURNAL):
            with contextlib.suppress(OSError):
                leftover.unlink()


def read_json(path: Path) -> object:
    """The JSON in ``path``, or None if there is no such file or it is not JSON."""
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None


def _valid(journal: object, owned: re.Pattern[str]) -> bool:
    if not isinstance(journal, dict):
        return False
    renames, removals = journal.get("renames"), journal.get("removals")
    return (isinstance(renames, list) and isinstance(removals, list)
            and all(isinstance(r, list) and len(r) == 2 and all(isinstance(s, str) for s in r)
                    and _TEMPORARY.fullmatch(r[0]) and owned.fullmatch(r[1]) for r in renames)
            and all(isinstance(n, str) and owned.fullmatch(n) for n in removals))


def _finish(folder: Path, journal: dict, owned: re.Pattern[str]) -> None:
    """Do the journal's renames (those not done yet) and removals, then drop it. An
    exception (Ctrl-C) on the way does not stop it: the rest is done, then it goes on."""
    interrupted: BaseException | None = None
    steps = [("rename", t, n) for t, n in journal["renames"]] + [
        ("remove", n, "") for n in journal["removals"]]
    for kind, name, target in steps:
        while True:
            try:
                if kind == "rename":
                    with contextlib.suppress(FileNotFoundError):  # done before a kill
                        os.replace(folder / name, folder / target)
                else:
                    (folder / name).unlink(missing_ok=True)
                break
            except (KeyboardInterrupt, SystemExit) as exc:
                interrupted = interrupted or exc  # finish first, then let it through
    _fsync_folder(folder)
    (folder / JOURNAL).unlink(missing_ok=True)
    if interrupted is not None:
        raise interrupted


def _fsync_folder(folder: Path) -> None:
    """Make the folder's renames durable where the platform allows it."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
