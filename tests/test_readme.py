"""The README: one screen, and every command and output in it checked.

Its Python blocks run and print exactly its output blocks (``doc_blocks`` rules); the tour
is ``demos/tour.py`` line for line, and running that file prints the same output; every
``make`` target it names exists; the install line matches the wheel the build makes; every
relative link points at a file of the repository.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from doc_blocks import blocks, is_excerpt, normalized, run_page

import autodiff

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
TEXT = README.read_text(encoding="utf-8")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")


def commands() -> list[str]:
    """Each command of the README: the lines of its ``sh`` blocks (comments cut off) and
    the inline code spans that start with ``make `` or ``.venv/bin/``."""
    found = [line.split("#")[0].strip() for block in blocks(TEXT) if block.language == "sh"
             for line in block.code.splitlines()]
    found += re.findall(r"`((?:make |\.venv/bin/)[^`]+)`", TEXT)
    return [c for c in found if c]


def test_the_readme_fits_on_a_screen_or_two():
    assert len(TEXT.splitlines()) <= 150


@needs_dot
def test_the_readme_python_runs_and_prints_its_output_blocks(tmp_path):
    assert run_page(README, ROOT, tmp_path) >= 1
    assert (tmp_path / "out" / "tour.svg").is_file()


@needs_dot
def test_demos_tour_is_the_readme_tour_and_prints_the_readme_output(tmp_path):
    page = blocks(TEXT)
    k = next(i for i, b in enumerate(page) if b.language == "python")
    tour, output = page[k], page[k + 1]
    assert output.language == "text" and output.follows_block
    demo = ROOT / "demos" / "tour.py"
    assert is_excerpt(tour.code, demo.read_text(encoding="utf-8"))
    assert ".venv/bin/python demos/tour.py" in commands()
    result = subprocess.run([sys.executable, str(demo)], cwd=tmp_path, capture_output=True,
                            text=True, check=True)
    assert normalized(result.stdout) == normalized(output.code)


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z][\w.-]*):", text, re.M))


def test_every_command_is_a_make_target_a_venv_command_or_the_wheel_install():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wheel = (f"{re.sub(r'[-_.]+', '_', project['name']).lower()}-{autodiff.__version__}"
             "-py3-none-any.whl")
    targets = makefile_targets()
    seen = set()
    for command in commands():
        words = command.split()
        if words[0] == "make":
            assert len(words) == 2 and words[1] in targets, command
            seen.add(words[1])
        elif words[:2] == ["pip", "install"]:
            assert len(words) == 3 and fnmatch.fnmatch(f"dist/{wheel}", words[2]), command
        else:
            assert words[0] == ".venv/bin/python" and (ROOT / words[1]).is_file(), command
    assert {"demo", "test", "docs", "dist"} <= seen


@pytest.mark.parametrize(("target", "runs", "proof", "evidence"), [
    ("demo", ".venv/bin/python demos/xor.py", "tests/test_nn_demos.py", '"xor.py"'),
    ("docs", "mkdocs build --strict", "tests/test_docs.py", '"mkdocs", "build", "--strict"'),
    ("dist", ".venv/bin/python tools/check_dist.py", ".ci/run", "tools/check_dist.py"),
    ("test", ".venv/bin/python -m pytest", ".ci/run", "make test"),
])
def test_each_make_target_runs_what_a_test_or_ci_runs(target, runs, proof, evidence):
    """The README's make commands are not run inside the suite (make test would recurse);
    each runs what a test, or CI, runs."""
    recipe = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True,
                            check=True, env={**os.environ, "MAKEFLAGS": ""}).stdout
    assert runs in recipe
    assert evidence in (ROOT / proof).read_text(encoding="utf-8")


def test_every_relative_link_and_picture_exists():
    links = re.findall(r"\]\(([^)\s]+)\)", TEXT)
    relative = [link for link in links if not re.match(r"[a-z]+:", link)]
    assert relative
    for link in relative:
        assert (ROOT / link.split("#")[0]).exists(), link
