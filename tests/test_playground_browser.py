"""The playground in headless Chromium, offline: built from this checkout, served on 127.0.0.1.

One browser and four page loads: the desktop (1280×800) types, steps, follows a link and
trains; a shared link with hostile text runs nothing; the phone (390×844) and 1366×768
load and must not scroll sideways. Every number read from the page is compared, as
printed, with the CPython engine. Any request to another host fails the test.
Screenshots go to $PLAYGROUND_SHOTS (else a temporary folder).
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest

import nn
from autodiff import Value, explain, save_frames

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
LOAD_TIMEOUT = 60_000  # ms: a loaded machine; the timings are reported, not asserted


def _missing() -> str:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is not installed (.ci/run installs it)"
    if not (ROOT / "playground" / "node_modules" / "pyodide" / "pyodide.mjs").is_file():
        return "playground/node_modules is missing: run `npm ci` in playground/ (.ci/run does)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (.ci/run installs it)"
    return ""


pytestmark = pytest.mark.skipif(bool(_missing()), reason=_missing() or "ready")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """``make playground``'s build, into a temporary folder, served on 127.0.0.1."""
    folder = tmp_path_factory.mktemp("site") / "playground"
    subprocess.run([sys.executable, str(ROOT / "playground" / "build.py"), str(folder)],
                   check=True, cwd=ROOT, capture_output=True)
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", folder
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = Path(os.environ.get("PLAYGROUND_SHOTS") or tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Page:
    """One page load; records every request that leaves 127.0.0.1, and page errors."""

    def __init__(self, browser, url: str, width: int, height: int) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.outside: list[str] = []
        self.errors: list[str] = []

        def route(r):
            if r.request.url.startswith(("http://127.0.0.1", "data:", "blob:", "about:")):
                r.continue_()
            else:
                self.outside.append(r.request.url)
                r.abort()

        self.context.route("**/*", route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        started = time.perf_counter()
        self.page.goto(url)
        self.page.wait_for_function("document.body.dataset.ready || "
                                    "!document.getElementById('message').hidden",
                                    timeout=LOAD_TIMEOUT)
        self.load_seconds = time.perf_counter() - started

    def ready(self) -> dict:
        assert self.page.get_attribute("body", "data-ready"), self.message()
        return json.loads(self.page.get_attribute("body", "data-timings"))

    def message(self) -> str:
        return "" if self.page.is_hidden("#message") else self.page.inner_text("#message")

    def gradients(self) -> dict[str, str]:
        rows = self.page.eval_on_selector_all(
            "#gradients tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent))")
        return {name: grad for name, _, grad in rows}

    def compute(self, text: str, **values: str) -> None:
        self.page.fill("#text", text)
        self.page.click("#compute")
        for name, value in values.items():
            self.page.fill(f"#value-{name}", value)
        self.page.click("#compute")

    def no_sideways_scroll(self) -> None:
        overflow = self.page.evaluate("document.documentElement.scrollWidth - "
                                      "document.documentElement.clientWidth")
        assert overflow <= 0, f"the page scrolls sideways by {overflow}px"

    def close(self) -> None:
        assert not self.outside, f"requests left 127.0.0.1: {self.outside}"
        assert not self.errors, self.errors
        self.context.close()


def _engine(text: str, **values: float) -> dict[str, str]:
    """The gradients as CPython prints them: the same formula, written as Python."""
    leaves = {name: Value(v, label=name) for name, v in values.items()}
    functions = {"tanh": lambda x: x.tanh(), "sigmoid": lambda x: x.sigmoid()}
    out = eval(text, {"__builtins__": {}}, {**functions, **leaves})
    out.backward()
    return {name: repr(leaf.grad) for name, leaf in leaves.items()}


def _frames(text: str, **values: float) -> list[dict]:
    """The step-through page's frames for the same formula, written by CPython."""
    leaves = {name: Value(v, label=name) for name, v in values.items()}
    functions = {"tanh": lambda x: x.tanh(), "sigmoid": lambda x: x.sigmoid()}
    out = eval(text, {"__builtins__": {}}, {**functions, **leaves})
    with tempfile.TemporaryDirectory() as folder:
        page = save_frames(explain(out), folder).read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="frames">(.*?)</script>', page, re.S)
    return json.loads(found[1])


def _seed_deltas(epochs: int) -> list[list[list[str]]]:
    """δ(1), δ(2) per sample on the CPython engine after ``epochs`` epochs, as printed."""
    reference = nn.seed_reference()
    model = nn.MLP.from_weights(reference["initial_theta"])
    optimizer = nn.SGD(model, reference["learning_rate"])
    for _ in range(epochs):
        optimizer.zero_grad()
        nn.half_squared_error([model(x) for x in reference["X"]], reference["y"]).backward()
        optimizer.step()
    optimizer.zero_grad()
    nn.half_squared_error([model(x) for x in reference["X"]], reference["y"]).backward()
    return [[[repr(float(v)) for v in row] for row in delta] for delta in model.deltas()]


def _page_deltas(page) -> list[list[list[str]]]:
    return [page.eval_on_selector_all(
        f"#delta-{layer} tbody tr",
        "rows => rows.map(r => [...r.cells].slice(1).map(c => c.textContent))")
        for layer in (1, 2)]


def test_desktop_expression_steps_forward_mode_and_the_seed_network(site, browser, shots):
    url, folder = site
    page = Page(browser, url + "index.html", 1280, 800)
    timings = page.ready()
    p = page.page
    # It opens on the README's tour, a = 2, b = −3, with its gradients already shown.
    assert p.input_value("#text") == "a*b + a.sigmoid()"
    assert page.gradients() == _engine("a*b + a.sigmoid()", a=2.0, b=-3.0)
    p.screenshot(path=str(shots / "playground-1280-tour.png"))

    page.compute("tanh(a*b + a)", a="0.5", b="-1.5")
    assert page.message() == ""
    assert page.gradients() == _engine("tanh(a*b + a)", a=0.5, b=-1.5)
    frame = p.frame_locator("#steps")
    frame.locator("#counter").wait_for()
    step_ms = []
    for k in range(2, 4):  # tanh(a*b + a) has 3 steps: mul, add, tanh
        started = time.perf_counter()
        frame.locator("#next").click()
        frame.locator("#counter").filter(has_text=f"{k} / ").wait_for()
        step_ms.append(1000 * (time.perf_counter() - started))
    # The last step's table (mul sends to a and b) is the frame CPython writes, cell for cell.
    rows = frame.locator("#rows tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.textContent))")
    assert rows == _frames("tanh(a*b + a)", a=0.5, b=-1.5)[-1]["rows"]
    assert {row[0] for row in rows} == {"a", "b"}
    p.screenshot(path=str(shots / "playground-1280-steps.png"))
    p.click("[data-tab=forward]")
    assert "Forward sweep" in p.inner_text("#forward")
    p.click("[data-tab=explain]")
    assert "Backward pass" in p.inner_text("#explain")
    p.screenshot(path=str(shots / "playground-1280-explain.png"))

    for text, expected in [("__import__('os')", "__import__() is not allowed"),
                           ("a.__class__", "without a call is not allowed"),
                           ("a ** 1e9", "exponent"),
                           (" + ".join(["a"] * 10_000), "characters long")]:
        started = time.perf_counter()
        p.fill("#text", text)
        p.click("#compute")
        assert expected in page.message(), (text[:40], page.message())
        assert time.perf_counter() - started < 10, f"{text[:40]} took too long"
    p.screenshot(path=str(shots / "playground-1280-refused.png"))

    p.click("#mode-network")
    p.wait_for_selector("#delta-2 tbody tr")
    assert _page_deltas(p) == _seed_deltas(0)[:2]
    p.screenshot(path=str(shots / "playground-1280-network.png"))
    p.fill("#epochs", "1000")
    p.click("#train")
    p.wait_for_function("document.getElementById('loss').textContent.includes('1000 epochs')")
    train_seconds = float(p.get_attribute("body", "data-train-seconds"))
    assert _page_deltas(p) == _seed_deltas(1000)[:2]
    p.screenshot(path=str(shots / "playground-1280-trained.png"))
    page.close()
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    print(f"\nplayground: ready in {page.load_seconds:.2f} s ({timings}), steps "
          f"{[round(ms) for ms in step_ms]} ms, 1000 epochs {train_seconds:.2f} s, "
          f"folder {size / 1e6:.1f} MB")


def test_a_shared_link_opens_on_its_expression_and_never_runs_other_code(site, browser, shots):
    url, _ = site
    link = "#" + "&".join(f"{k}={quote(v)}" for k, v in
                          {"e": "a.sigmoid() * b", "a": "-1.25", "b": "3"}.items())
    page = Page(browser, url + "index.html" + link, 1280, 800)
    page.ready()
    assert page.page.input_value("#text") == "a.sigmoid() * b"
    assert page.gradients() == _engine("a.sigmoid() * b", a=-1.25, b=3.0)
    page.close()
    hostile = "#e=" + quote("__import__('os').system('touch pwned')") + "&a=1"
    page = Page(browser, url + "index.html" + hostile, 1280, 800)
    assert "is not an op of the table" in page.message()
    assert page.gradients() == {}
    page.page.screenshot(path=str(shots / "playground-1280-hostile-link.png"))
    page.close()


@pytest.mark.parametrize("width, height", [(390, 844), (1366, 768)])
def test_small_and_wide_screens_never_scroll_sideways(site, browser, shots, width, height):
    url, _ = site
    page = Page(browser, url + "index.html", width, height)
    page.ready()
    assert page.gradients() == _engine("a*b + a.sigmoid()", a=2.0, b=-3.0)
    page.no_sideways_scroll()
    page.page.screenshot(path=str(shots / f"playground-{width}-tour.png"), full_page=True)
    page.page.click("#mode-network")
    page.page.wait_for_selector("#delta-2 tbody tr")
    page.no_sideways_scroll()
    page.page.screenshot(path=str(shots / f"playground-{width}-network.png"), full_page=True)
    page.close()
