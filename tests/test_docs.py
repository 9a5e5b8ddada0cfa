"""The documentation site: its strict build, its Python blocks run, its reference complete."""

from __future__ import annotations

import doctest
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from doc_blocks import run_page

import autodiff
import nn

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(DOCS).as_posix())
def test_every_python_block_of_the_page_runs_and_prints_what_the_page_shows(page, tmp_path):
    if shutil.which("dot") is None and ".render(" in page.read_text(encoding="utf-8"):
        pytest.skip("the page renders a drawing: Graphviz `dot` is not installed")
    run_page(page, ROOT, tmp_path)


def test_the_block_checker_can_fail(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("```python\nprint(1 + 1)\n```\n\n```text\n3\n```\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="differs from the real output"):
        run_page(page, ROOT, tmp_path)
    page.write_text('```python title="pyproject.toml"\nnot in the file\n```\n', encoding="utf-8")
    with pytest.raises(AssertionError, match="excerpt not in"):
        run_page(page, ROOT, tmp_path)


def reference_names(page: str) -> list[str]:
    text = (DOCS / "reference" / page).read_text(encoding="utf-8")
    return re.findall(r"^::: (\S+)$", text, re.M)


@pytest.mark.parametrize("module", [autodiff, nn], ids=lambda m: m.__name__)
def test_the_reference_covers_every_public_name_by_its_public_path(module):
    documented = reference_names(f"{module.__name__}.md")
    expected = {f"{module.__name__}.{name}" for name in module.__all__}
    assert set(documented) == expected, (sorted(expected - set(documented)),
                                         sorted(set(documented) - expected))
    assert len(documented) == len(set(documented))


@pytest.mark.parametrize("module", [autodiff, nn], ids=lambda m: m.__name__)
def test_the_examples_in_the_public_docstrings_run(module, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    examples = 0
    for name in module.__all__:
        obj = getattr(module, name)
        if not callable(obj) or getattr(obj, "__module__", "").split(".")[0] != module.__name__:
            continue
        for test in finder.find(obj, name, globs={"autodiff": autodiff, "ad": autodiff, "nn": nn}):
            examples += len(test.examples)
            runner.run(test)
    assert runner.failures == 0
    assert examples > 0


@needs_dot
def test_the_site_builds_strictly_with_the_generated_pages(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    site = tmp_path / "site"
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                             "--site-dir", str(site)], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stderr[-3000:]  # strict: any warning fails the build
    api = (site / "reference" / "autodiff.html").read_text(encoding="utf-8")
    assert 'id="autodiff.Value.backward"' in api
    assert (site / "step-through" / "index.html").is_file()
    # the network-level steps: one per layer and one per unit of the seed network at least
    assert len(list((site / "step-through").glob("step-*.svg"))) >= 2 + 4
    notebook = (site / "notebook.html").read_text(encoding="utf-8")
    assert "the seed printed" in notebook  # an output of the executed notebook
    assert (site / ".nojekyll").is_file()  # GitHub Pages serves the folder as it is
    for html in set(site.rglob("*.html")) - {site / "404.html"}:  # relative links only
        text = html.read_text(encoding="utf-8")
        assert not re.search(r'(?:href|src)="/(?!/)', text), html
        assert "fonts.googleapis" not in text, html  # nothing loaded from other hosts


def test_every_page_is_in_the_navigation():
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in PAGES:
        assert page.relative_to(DOCS).as_posix() in nav, page



@pytest.mark.parametrize("module", [autodiff, nn], ids=lambda m: m.__name__)
def test_every_public_function_and_class_has_its_own_docstring(module):
    missing = []
    for name in module.__all__:
        obj = getattr(module, name)
        if callable(obj) and not (obj.__doc__ or "").strip():
            missing.append(name)
        elif isinstance(obj, type) and obj.__doc__ == obj.__mro__[1].__doc__:
            missing.append(name)  # only a base class's docstring (list's, NamedTuple's...)
    assert not missing
