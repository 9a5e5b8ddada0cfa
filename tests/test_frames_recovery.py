"""save_frames killed between its renames (SIGKILL in a real process, or Ctrl-C) leaves a
folder whose page is never a mix of two runs, and the next save finishes or rolls back,
removing only its own leftovers."""

import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap

import pytest

from autodiff import Value, explain, save_frames
from autodiff.render import folder_writes
from autodiff.render.frames import BEING_WRITTEN_PAGE

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")

GRAPHS = textwrap.dedent("""
    from autodiff import Value, explain, save_frames
    def old():  # 4 steps
        x = Value(0.5, "x")
        return explain(((x * x).tanh() * x).sin())
    def new():  # 2 steps: frames 2 and 3 of the old run are removed
        x = Value(0.25, "x")
        return explain((x * 3.0).exp())
""")

KILLER = GRAPHS + textwrap.dedent("""
    import os, signal, sys
    folder, kill_at = sys.argv[1], int(sys.argv[2])
    real, calls = os.replace, []
    def replace(a, b):
        if len(calls) == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        calls.append(b)
        return real(a, b)
    os.replace = replace
    save_frames(new(), folder)
""")


def old_run():
    x = Value(0.5, "x")
    return explain(((x * x).tanh() * x).sin())


def new_run():
    x = Value(0.25, "x")
    return explain((x * 3.0).exp())


def page_frames(folder):
    """The frames the page refers to: each exists and belongs to the page's own run."""
    page = (folder / "index.html").read_text(encoding="utf-8")
    if page == BEING_WRITTEN_PAGE:
        return "being written"
    files = re.findall(r'"file": "(step-\d+\.svg)"', page)
    for name in files:
        assert f"step 1 of {len(files)}" in (folder / files[0]).read_text(encoding="utf-8")
        assert f"of {len(files)}" in (folder / name).read_text(encoding="utf-8"), name
    return len(files)


def prepare(tmp_path):
    folder = tmp_path / "frames"
    save_frames(old_run(), folder)
    (folder / "notes.txt").write_text("mine")
    (folder / ".notes.txt.abc.tmp").write_text("mine too")  # a temporary, not of ours
    return folder


def assert_clean(folder, frames):
    assert page_frames(folder) == frames
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted([".notes.txt.abc.tmp", "frames-manifest.json", "index.html",
                            "notes.txt", *(f"step-{k:03d}.svg" for k in range(frames))])


@needs_dot
@pytest.mark.parametrize("kill_at", range(7))  # journal, "being written", manifest, 2 frames,
def test_a_save_killed_between_renames_is_recovered(tmp_path, kill_at):  # page, (none)
    folder = prepare(tmp_path)
    done = subprocess.run([sys.executable, "-c", KILLER, str(folder), str(kill_at)],
                          timeout=120, capture_output=True)
    assert done.returncode == (-signal.SIGKILL if kill_at < 6 else 0), done.stderr
    shown = page_frames(folder)  # never a mix: old page, the "being written" page or the new page
    assert shown == (4 if kill_at <= 1 else "being written" if kill_at < 6 else 2)
    assert (folder / "notes.txt").read_text() == "mine"
    # The next save finishes or rolls back, then writes: a clean folder, leftovers gone.
    save_frames(new_run(), folder)
    assert_clean(folder, 2)
    save_frames(old_run(), folder)
    assert_clean(folder, 4)


@needs_dot
def test_a_kill_that_the_next_save_does_not_follow_is_finished_by_it(tmp_path):
    """Even a different pass, saved next, first finishes the interrupted one: the manifest
    lists every file on disk, so nothing is refused with a false message."""
    folder = prepare(tmp_path)
    subprocess.run([sys.executable, "-c", KILLER, str(folder), "4"], timeout=120)
    assert (folder / folder_writes.JOURNAL).exists()
    x = Value(2.0, "x")
    save_frames(explain(x * x * x), folder)  # 2 steps, different numbers
    assert_clean(folder, 2)


@needs_dot
@pytest.mark.parametrize("interrupt_at", range(6))
def test_ctrl_c_during_the_renames_finishes_or_rolls_back_at_once(tmp_path, monkeypatch,
                                                                    interrupt_at):
    folder = prepare(tmp_path)
    real, calls = os.replace, []

    def replace(a, b):
        calls.append(b)
        if len(calls) == interrupt_at + 1:
            raise KeyboardInterrupt
        return real(a, b)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        save_frames(new_run(), folder)
    monkeypatch.setattr(os, "replace", real)
    # At the journal: rolled back (the old page, no temporaries); later: finished.
    assert_clean(folder, 4 if interrupt_at == 0 else 2)


def test_a_journal_naming_other_files_is_not_followed(tmp_path):
    owned = re.compile(r"step-\d+\.svg|index\.html")
    (tmp_path / "mine.txt").write_text("mine")
    (tmp_path / ".index.html.x1.tmp").write_text("page")
    (tmp_path / folder_writes.JOURNAL).write_text(
        '{"renames": [[".index.html.x1.tmp", "mine.txt"]], "removals": ["mine.txt"]}')
    folder_writes.recover(tmp_path, owned)
    assert (tmp_path / "mine.txt").read_text() == "mine"
    assert not (tmp_path / ".index.html.x1.tmp").exists()  # our own leftover: removed
