"""The step-through page in headless Chromium (Playwright): it pages, and reads on any screen.

For the seed's network (the network-level steps) and the README's expression (the op-level
steps), at 1280×800, 1366×768 and 390×844: at the first, a middle and the last step the
focused step's labels are at least 11 CSS px and inside the picture's viewport, the document
never scrolls sideways, tables scroll inside the panel, and on a phone the panel stacks above
the picture. Screenshots go to ``$FRAMES_SHOTS`` (or the test's temporary folder).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nn
from autodiff import Value, explain, save_frames

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
SIZES = [(1280, 800), (1366, 768), (390, 844)]
SVG = "{http://www.w3.org/2000/svg}"
FOCUS = "#e8710a"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")


def page_frames(index: Path) -> list[dict[str, Any]]:
    text = index.read_text(encoding="utf-8")
    return json.loads(re.search(r'<script type="application/json" id="frames">(.*?)</script>',
                                text, re.S)[1])


def small_graph() -> Value:
    x, w, b = Value(0.5, "x"), Value(-1.5, "w"), Value(0.25, "b")
    z = x * w + b
    z.label = "z"
    return 0.5 * (z.sigmoid() - 1.0) ** 2


def readme_expression() -> Value:
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    return a * b + a.sigmoid()


def seed_network_loss() -> Value:
    """The seed's 3-4-1 network (np.random.seed(1) weights) on sample x = [0, 1, 1], y = 1."""
    np.random.seed(1)
    model = nn.MLP.from_weights([2 * np.random.random((3, 4)) - 1,
                                 2 * np.random.random((4, 1)) - 1])
    loss = nn.half_squared_error(model([0.0, 1.0, 1.0]), 1.0)
    loss.label = "E"
    return loss


def seed_batch_loss() -> Value:
    """The seed's network on its whole batch of four samples: E = Σ ½(a − y)²."""
    np.random.seed(1)
    model = nn.MLP.from_weights([2 * np.random.random((3, 4)) - 1,
                                 2 * np.random.random((4, 1)) - 1])
    X = [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]
    return nn.half_squared_error([model([float(v) for v in x]) for x in X], [0.0, 1.0, 1.0, 0.0])


# --- offline checks (no browser) -------------------------------------------------------------

@needs_dot
def test_one_frame_per_step_and_the_page_lists_them(tmp_path):
    e = explain(small_graph())
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


def test_frames_refuse_a_leaf_a_bad_folder_and_a_network_step_for_a_non_network(tmp_path):
    with pytest.raises(ValueError, match="leaf"):
        save_frames(explain(Value(1.0, "x")), tmp_path)
    with pytest.raises(TypeError, match="folder"):
        save_frames(explain(Value(1.0) * 2.0), 3)
    with pytest.raises(ValueError, match="step_by='op'"):
        save_frames(explain(readme_expression()), tmp_path, step_by="network")
    with pytest.raises(ValueError, match="step_by must be one of"):
        save_frames(explain(readme_expression()), tmp_path, step_by="unit")


@needs_dot
def test_hostile_labels_stay_text_in_the_page(tmp_path):
    x = Value(1.0, '</script><script>window.hacked=1</script>{frames}')
    index = save_frames(explain(x * 2.0), tmp_path)
    assert page_frames(index)[0]["rows"][0][0] == x.label


# --- in Chromium -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); the page tests "
                    "drive the system browser and download none")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="Playwright for Python is not installed")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def shots_folder(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("FRAMES_SHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def focused_labels(svg: Path) -> tuple[float, list[tuple[float, float, float, str]]]:
    """(viewBox width, [(x, y, font size, text)]) of the step's highlighted labels, in
    viewBox units, read from the frame's SVG file itself (not from the page's data)."""
    root = ET.parse(svg).getroot()
    graph = next(g for g in root.iter(f"{SVG}g") if g.get("id") == "graph0")
    tx, ty = (float(v) for v in re.findall(r"translate\(([-\d.]+) ([-\d.]+)\)",
                                            graph.get("transform"))[0])
    labels = [(float(t.get("x")) + tx, float(t.get("y")) + ty, float(t.get("font-size")),
               "".join(t.itertext()))
              for g in root.iter(f"{SVG}g") if g.get("class") in ("edge", "node")
              for t in g.iter(f"{SVG}text") if t.get("fill") == FOCUS]
    return float(root.get("viewBox").split()[2]), labels


def check_readable(page: Any, folder: Path, k: int, where: str, shots: Path) -> None:
    """The page at step k: labels readable and in view, nothing scrolls sideways."""
    n = page.evaluate("frames.length")
    page.wait_for_function(f"document.getElementById('counter').textContent === "
                           f"'{k + 1} / {n}' && document.getElementById('frame').complete")
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    src = page.get_attribute("#frame", "src")
    assert src == f"step-{k:03d}.svg"
    img = page.locator("#frame").bounding_box()
    view = page.locator("#viewport").bounding_box()
    vb_width, labels = focused_labels(folder / src)
    assert labels, f"{where} step {k + 1} highlights no label"
    scale = img["width"] / vb_width  # CSS px per viewBox unit, as the browser draws it
    for _, _, size, text in labels:
        assert size * scale >= 11, f"{where} step {k + 1}: {text!r} is {size * scale:.1f} px"
    anchor = page.evaluate(f"frames[{k}].anchor")
    left, top = img["x"] + anchor[0] * scale, img["y"] + anchor[1] * scale
    right, bottom = left + anchor[2] * scale, top + anchor[3] * scale
    assert view["x"] <= left and right <= view["x"] + view["width"] + 1, (where, k, anchor)
    assert view["y"] <= top and bottom <= view["y"] + view["height"] + 1, (where, k, anchor)
    inside = [t for x, y, size, t in labels
              if view["x"] <= img["x"] + x * scale <= view["x"] + view["width"]
              and view["y"] + size * scale <= img["y"] + y * scale <= view["y"] + view["height"]]
    assert inside, f"{where} step {k + 1}: no highlighted label inside the viewport"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate("document.body.scrollWidth") <= width
    assert view["x"] >= 0 and view["x"] + view["width"] <= width + 1
    for box in page.locator(".scroll").all():  # tables scroll inside the panel
        b = box.bounding_box()
        panel = page.locator("#panel").bounding_box()
        assert b["x"] >= panel["x"] - 1 and b["x"] + b["width"] <= panel["x"] + panel["width"] + 1
    page.screenshot(path=str(shots / f"{where}-{width}x{height}-step{k + 1}.png"))


@needs_dot
@pytest.mark.parametrize("what", ["seed", "readme", "seed_batch"])
def test_the_page_is_readable_at_three_screen_sizes(tmp_path, chromium, what):
    loss = {"seed": seed_network_loss, "readme": readme_expression,
            "seed_batch": seed_batch_loss}[what]()
    index = save_frames(explain(loss), tmp_path / what, precision=3)
    n = len(page_frames(index))
    shots = shots_folder(tmp_path)
    for width, height in SIZES:
        page = chromium.new_page(viewport={"width": width, "height": height})
        try:
            page.goto(index.as_uri())
            check_readable(page, index.parent, 0, what, shots)
            for _ in range(n // 2):
                page.keyboard.press("ArrowRight")
            check_readable(page, index.parent, n // 2, what, shots)
            page.click("#last")
            check_readable(page, index.parent, n - 1, what, shots)
            panel = page.locator("#panel").bounding_box()
            view = page.locator("#viewport").bounding_box()
            if width < 760:  # a phone: the panel above the picture, the picture full width
                assert panel["y"] + panel["height"] <= view["y"] + 1
                assert view["width"] >= width - 1 and view["height"] >= 0.5 * height
            else:  # beside it
                assert panel["x"] + panel["width"] <= view["x"] + 1
            legend = page.locator("#legend dt").all_text_contents()
            assert "orange" in legend and len(legend) >= 4
            sizes = page.evaluate("[...document.querySelectorAll('#panel td, #panel th, "
                                  "#deltas, #title')].map(e => parseFloat("
                                  "getComputedStyle(e).fontSize))")
            assert min(sizes) >= 12
        finally:
            page.close()


@needs_dot
def test_the_page_pages_through_the_frames_and_zooms(tmp_path, chromium):
    e = explain(small_graph())
    index = save_frames(e, tmp_path / "frames")
    page = chromium.new_page(viewport={"width": 1366, "height": 768})
    try:
        page.goto(index.as_uri())
        n = len(e.steps)

        def shown() -> tuple[str, str]:
            page.wait_for_function("document.getElementById('frame').complete")
            return page.get_attribute("#frame", "src"), page.text_content("#counter")

        assert page.evaluate("frames.length") == n
        assert shown() == ("step-000.svg", f"1 / {n}")
        assert page.evaluate("document.getElementById('frame').naturalWidth") > 0
        assert page.is_disabled("#prev")
        page.keyboard.press("ArrowRight")
        assert shown() == ("step-001.svg", f"2 / {n}")
        page.click("#next")
        assert shown() == ("step-002.svg", f"3 / {n}")
        assert page.text_content("#title").startswith(f"step 3 of {n}: ")
        page.keyboard.press("ArrowLeft")
        assert shown() == ("step-001.svg", f"2 / {n}")
        page.keyboard.press("End")
        assert shown() == (f"step-{n - 1:03d}.svg", f"{n} / {n}")
        page.keyboard.press("ArrowRight")  # already at the last frame: stays
        assert shown()[1] == f"{n} / {n}"
        page.click("#first")
        assert shown() == ("step-000.svg", f"1 / {n}")
        assert page.locator("#rows tr").count() == len(e.steps[0].contributions)
        page.evaluate("location.hash = '#3'")  # a link to a step
        assert shown() == ("step-003.svg", f"4 / {n}")

        def zoom() -> str:
            return page.text_content("#zoom")

        page.click("#zoom-one")
        assert zoom() == "100%"
        page.click("#zoom-in")
        assert zoom() == "125%"
        page.keyboard.press("-")
        assert zoom() == "100%"
        page.keyboard.press("0")  # the whole graph
        page.click("#zoom-one")
        before = page.evaluate("parseFloat(document.getElementById('frame').style.left)")
        page.mouse.move(900, 400)
        page.mouse.down()
        page.mouse.move(800, 400)
        page.mouse.up()
        after = page.evaluate("parseFloat(document.getElementById('frame').style.left)")
        assert after == pytest.approx(before - 100)  # dragged 100 px to the left
    finally:
        page.close()


@needs_dot
def test_from_a_unit_the_page_leads_into_its_op_level_steps(tmp_path, chromium):
    index = save_frames(explain(seed_network_loss()), tmp_path / "seed", precision=3)
    page = chromium.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(index.as_uri())
        page.keyboard.press("End")  # the last step: unit a1[3]
        page.wait_for_function("document.getElementById('counter').textContent === '7 / 7'")
        assert page.text_content("#title").startswith("step 7 of 7: unit a1[3]: δ(1)[3]")
        assert "∂E/∂θ0[2,3] = a0[2]·δ(1)[3] = 1 × (−0.0109) = −0.0109" in \
            page.text_content("#deltas")
        page.click("#links a")
        page.wait_for_function("typeof frames !== 'undefined' && frames.length > 0")
        assert "/unit-1-3/index.html" in page.url
        title = page.text_content("h1")
        assert title.startswith("Backward pass of a1[3] = 0.515") and "#" not in title
        rows = " ".join(page.locator("#rows td").all_text_contents())
        assert "z1[3]" in rows and not re.search(r"#\d", rows)
        page.keyboard.press("End")
        page.wait_for_function("document.getElementById('frame').complete")
        assert "θ0[0,3]·a0[0]" in page.text_content("#title")
        assert page.text_content("#links a") == "back to the network ›"
        page.click("#links a")
        page.wait_for_function("typeof frames !== 'undefined' && frames.length === 7")
        page.goto(index.as_uri() + "#4")  # unit a1[1]'s step: click unit a1[0] in the picture
        page.wait_for_function("document.getElementById('frame').complete")
        box = next(a for a in page.evaluate("frames[4].areas") if a[4].startswith("unit-1-0"))
        img = page.locator("#frame").bounding_box()
        scale = img["width"] / page.evaluate("JSON.parse(document.getElementById('size')"
                                             ".textContent)[0]")
        page.mouse.click(img["x"] + (box[0] + box[2] / 2) * scale,
                         img["y"] + (box[1] + box[3] / 2) * scale)
        page.wait_for_url("**/unit-1-0/index.html*")
        assert page.text_content("h1").startswith("Backward pass of a1[0]")
    finally:
        page.close()
