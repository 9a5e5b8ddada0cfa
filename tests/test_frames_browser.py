"""Frames of a backward pass: one SVG per step, and the HTML pager driven in headless chromium.

The browser is driven through the DevTools protocol over ``--remote-debugging-pipe``
(file descriptors 3 and 4, NUL-separated JSON), so no Python package or driver is needed.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from autodiff import Value, explain, save_frames

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-pipe"]


def graph() -> Value:
    x, w, b = Value(0.5, "x"), Value(-1.5, "w"), Value(0.25, "b")
    z = x * w + b
    z.label = "z"
    return 0.5 * (z.sigmoid() - 1.0) ** 2


def page_frames(index: Path) -> list[dict[str, Any]]:
    text = index.read_text(encoding="utf-8")
    data = re.search(r'<script type="application/json" id="frames">(.*?)</script>', text, re.S)
    return json.loads(data[1])


@needs_dot
def test_one_frame_per_step_and_the_page_lists_them(tmp_path):
    e = explain(graph())
    index = save_frames(e, tmp_path, precision=3)
    svgs = sorted(tmp_path.glob("step-*.svg"))
    assert index == tmp_path / "index.html"
    assert len(svgs) == len(e.steps) == len(page_frames(index))
    assert [f["file"] for f in page_frames(index)] == [p.name for p in svgs]
    assert all(p.read_text().lstrip().startswith("<?xml") for p in svgs)
    assert "http://" not in index.read_text().replace("http://www.w3.org", "")
    assert "https://" not in index.read_text()
    save_frames(explain(Value(1.0) * 2.0), tmp_path)  # a shorter pass: stale frames go
    assert len(list(tmp_path.glob("step-*.svg"))) == 1


def test_frames_refuse_a_leaf_and_a_bad_folder(tmp_path):
    with pytest.raises(ValueError, match="leaf"):
        save_frames(explain(Value(1.0, "x")), tmp_path)
    with pytest.raises(TypeError, match="folder"):
        save_frames(explain(Value(1.0) * 2.0), 3)


@needs_dot
def test_hostile_labels_stay_text_in_the_page(tmp_path):
    x = Value(1.0, '</script><script>window.hacked=1</script>{frames}')
    index = save_frames(explain(x * 2.0), tmp_path)
    assert page_frames(index)[0]["rows"][0][0] == x.label


class Chromium:
    """A headless chromium spoken to over the DevTools pipe."""

    def __init__(self, profile: Path) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire_fds() -> None:  # in the child: its fd 3 reads our writes, fd 4 answers
            low_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
            low_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
            os.dup2(low_r, 3)
            os.dup2(low_w, 4)

        self.process = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            pass_fds=(3, 4), preexec_fn=wire_fds,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._id = 0
        self.session: str | None = None

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if self.session and not method.startswith(("Target.", "Browser.")):
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("id") == self._id:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply["result"]
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buffer += chunk

    def open(self, url: str) -> None:
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target,
                                 flatten=True)["sessionId"]
        self.call("Page.enable")
        self.call("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete' && frames.length > 0")

    def js(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, condition: str, timeout: float = 20.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                if self.js(f"!!({condition})"):
                    return
            except RuntimeError:
                pass  # the page is still loading
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {condition}")

    def key(self, key: str, code: int) -> None:
        for kind in ("keyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", type=kind, key=key, code=key,
                      windowsVirtualKeyCode=code)

    def click(self, element_id: str) -> None:
        box = self.js(f"(() => {{ const r = document.getElementById('{element_id}')"
                      ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]"
                      "; })()")
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1],
                      button="left", clickCount=1)

    def close(self) -> None:
        try:
            self.call("Browser.close")
            self.process.wait(timeout=20)
        except (RuntimeError, OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        finally:
            os.close(self._to_browser)
            os.close(self._from_browser)


@needs_dot
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
def test_the_page_pages_through_the_frames_in_a_real_browser(tmp_path):
    e = explain(graph())
    index = save_frames(e, tmp_path / "frames")
    browser = Chromium(tmp_path / "profile")
    try:
        browser.open(index.as_uri())

        def shown() -> tuple[str, str]:
            browser.wait_for("document.getElementById('frame').complete")
            src = browser.js("document.getElementById('frame').getAttribute('src')")
            return src, browser.js("document.getElementById('counter').textContent")

        n = len(e.steps)
        assert browser.js("frames.length") == n
        assert shown() == ("step-000.svg", f"1 / {n}")
        assert browser.js("document.getElementById('frame').naturalWidth") > 0  # SVG loaded
        assert browser.js("document.getElementById('prev').disabled") is True
        browser.key("ArrowRight", 39)
        assert shown() == ("step-001.svg", f"2 / {n}")
        browser.click("next")
        assert shown() == ("step-002.svg", f"3 / {n}")
        assert browser.js("document.getElementById('title').textContent").startswith(
            f"step 3 of {n}: ")
        browser.key("ArrowLeft", 37)
        assert shown() == ("step-001.svg", f"2 / {n}")
        browser.key("End", 35)
        assert shown() == (f"step-{n - 1:03d}.svg", f"{n} / {n}")
        browser.key("ArrowRight", 39)  # already at the last frame: stays
        assert shown()[1] == f"{n} / {n}"
        browser.click("first")
        assert shown() == ("step-000.svg", f"1 / {n}")
        rows = browser.js("document.querySelectorAll('#rows tr').length")
        assert rows == len(e.steps[0].contributions)
    finally:
        browser.close()


def seed_network_loss() -> Value:
    """The seed's 3-4-1 network (np.random.seed(1) weights) on sample x = [0, 1, 1], y = 1."""
    import numpy as np

    import nn

    np.random.seed(1)
    model = nn.MLP.from_weights([2 * np.random.random((3, 4)) - 1,
                                 2 * np.random.random((4, 1)) - 1])
    loss = nn.half_squared_error(model([0.0, 1.0, 1.0]), 1.0)
    loss.label = "E"
    return loss


def focused_labels(svg: Path) -> tuple[float, list[tuple[float, float, float, str]]]:
    """(viewBox width, [(x, y, font size, text)]) of the step's labels, in viewBox units,
    read from the frame's SVG file itself (not from the page's data)."""
    ns = "{http://www.w3.org/2000/svg}"
    root = ET.parse(svg).getroot()
    graph = next(g for g in root.iter(f"{ns}g") if g.get("id") == "graph0")
    tx, ty = (float(v) for v in re.findall(r"translate\(([-\d.]+) ([-\d.]+)\)",
                                            graph.get("transform"))[0])
    labels = [(float(t.get("x")) + tx, float(t.get("y")) + ty, float(t.get("font-size")), t.text)
              for g in root.iter(f"{ns}g") if g.get("class") == "edge"
              for t in g.iter(f"{ns}text") if t.get("fill") == "#e8710a"]
    return float(root.get("viewBox").split()[2]), labels


@needs_dot
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
def test_the_seed_network_steps_through_readably_at_1366_by_768(tmp_path):
    e = explain(seed_network_loss())
    n = len(e.steps)
    folder = tmp_path / "frames"
    index = save_frames(e, folder, group="neuron", precision=3)
    browser = Chromium(tmp_path / "profile")
    try:
        browser.open(index.as_uri())
        browser.call("Emulation.setDeviceMetricsOverride", width=1366, height=768,
                     deviceScaleFactor=1, mobile=False)
        assert browser.js("[innerWidth, innerHeight]") == [1366, 768]

        def check_step(k: int) -> None:
            browser.wait_for(f"document.getElementById('counter').textContent === "
                             f"'{k + 1} / {n}' && document.getElementById('frame').complete")
            src = browser.js("document.getElementById('frame').getAttribute('src')")
            assert src == f"step-{k:03d}.svg"
            rect = browser.js("(() => { const r = document.getElementById('frame')"
                              ".getBoundingClientRect(); return [r.left, r.top, r.width]; })()")
            width, labels = focused_labels(folder / src)
            assert labels, f"step {k + 1} shows no label on its edges"
            scale = rect[2] / width  # CSS px per viewBox unit, as the browser draws it
            for _, _, size, text in labels:
                assert size * scale >= 11, f"step {k + 1}: {text!r} is {size * scale:.1f} px"
            first = e.steps[k].contributions[0].operand + ":"
            x, y, size, text = next(label for label in labels if label[3].startswith(first))
            left, top = rect[0] + x * scale, rect[1] + y * scale
            assert 0 <= left <= 1366 and size * scale <= top <= 768, (k, text, left, top)

        check_step(0)
        for _ in range(n // 2):
            browser.key("ArrowRight", 39)
        check_step(n // 2)
        browser.click("last")
        check_step(n - 1)
        browser.click("prev")
        check_step(n - 2)
        browser.key("Home", 36)
        check_step(0)

        def zoom() -> str:
            return browser.js("document.getElementById('zoom').textContent")

        browser.click("zoom-one")
        assert zoom() == "100%"
        browser.click("zoom-in")
        assert zoom() == "125%"
        browser.key("-", 189)
        assert zoom() == "100%"
        browser.key("0", 48)  # the whole graph: smaller than 100%
        assert int(zoom().rstrip("%")) < 100
        browser.click("zoom-one")
        assert zoom() == "100%"
        before = browser.js("parseFloat(document.getElementById('frame').style.left)")
        for kind, x in (("mousePressed", 900), ("mouseMoved", 800), ("mouseReleased", 800)):
            browser.call("Input.dispatchMouseEvent", type=kind, x=x, y=400, button="left",
                         clickCount=1)
        after = browser.js("parseFloat(document.getElementById('frame').style.left)")
        assert after == pytest.approx(before - 100)  # dragged 100 px to the left
        shot = browser.call("Page.captureScreenshot", format="png")["data"]
        (tmp_path / "seed-step.png").write_bytes(__import__("base64").b64decode(shot))

        by_layer = save_frames(e, tmp_path / "layers", group="neuron", precision=3,
                               step_by="layer")
        browser.open(by_layer.as_uri())
        browser.key("End", 35)  # the last frame: layer 1, δ(1) from δ(2)
        browser.wait_for("document.getElementById('deltas').textContent.startsWith('δ(1)')")
        assert "z1[2] = 0.0259" in browser.js("document.getElementById('deltas').textContent")
        assert browser.js("document.querySelectorAll('#rows tr').length") > 4
    finally:
        browser.close()
