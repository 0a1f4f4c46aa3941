"""The HTML report in a real browser: headless Chromium over the DevTools protocol.

For a run page (one whose strings try to become markup) and a comparison page, the page
must load from a file with no console error, no uncaught exception and no network request
other than the document itself and ``data:`` URIs; every image must decode; the hostile
strings must show as text, with no script in the document; and a screenshot of the page
and of a chart must not be blank. Chromium is required, not optional: without it the test
fails and says how to install it (``make test`` installs Debian's ``chromium``).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from sim.report.html import render_folder
from tests.report.cdp import CHROMIUM_ENV, Browser, chromium_path, open_browser
from tests.report.html_support import ALERT, SCRIPT, TARGET

WIDTH, HEIGHT = 1280, 900


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        pytest.fail(
            "headless Chromium is needed to test the HTML report and is not on PATH: "
            "`make test` installs Debian's chromium package (apt-get install chromium), "
            f"or set {CHROMIUM_ENV} to a Chromium or Chrome binary",
            pytrace=False,
        )
    with open_browser(executable, tmp_path_factory.mktemp("chromium") / "profile") as started:
        started.send("Target.setDiscoverTargets", {"discover": False})
        yield started


@dataclass
class Loaded:
    """A page loaded in its own tab, and what the browser said while loading it."""

    browser: Browser
    session: str
    url: str
    events: list[dict[str, Any]]

    def evaluate(self, expression: str) -> Any:
        answer = self.browser.send(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
            self.session,
        )
        assert "exceptionDetails" not in answer, answer["exceptionDetails"]
        return answer["result"].get("value")

    def screenshot(self, clip: dict[str, float] | None = None) -> np.ndarray:
        self.browser.send("Page.bringToFront", session=self.session)  # a hidden tab never paints
        params: dict[str, Any] = {"format": "png"}
        if clip is not None:
            params |= {"clip": {**clip, "scale": 1}, "captureBeyondViewport": True}
        data = self.browser.send("Page.captureScreenshot", params, self.session)["data"]
        return np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"))


def load(browser: Browser, page: Path) -> Loaded:
    """Open ``page`` in a new tab with the console, log and network watched."""
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
        "sessionId"
    ]
    for domain in ("Runtime", "Log", "Network", "Page"):
        browser.send(f"{domain}.enable", session=session)
    browser.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
        session,
    )
    first = len(browser.events)
    url = page.resolve().as_uri()
    browser.send("Page.navigate", {"url": url}, session)
    browser.wait_for("Page.loadEventFired", session)
    loaded = Loaded(browser, session, url, [])
    images = loaded.evaluate(
        """Promise.all(Array.from(document.images, async (img) => {
             try { await img.decode(); } catch (e) { return {ok: false, error: String(e)}; }
             return {ok: img.complete && img.naturalWidth > 0,
                     width: img.naturalWidth, height: img.naturalHeight};
           }))"""
    )
    browser.drain(0.5)  # anything the page would still fetch or complain about
    loaded.events = [e for e in browser.events[first:] if e.get("sessionId") == session]
    loaded.images = images  # type: ignore[attr-defined]
    return loaded


def problems(loaded: Loaded) -> list[str]:
    """Console errors, uncaught exceptions, error log entries and outside requests."""
    found = []
    for event in loaded.events:
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            found.append(f"console.{params['type']}: {params.get('args')}")
        elif method == "Runtime.exceptionThrown":
            found.append(f"exception: {params.get('exceptionDetails')}")
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            found.append(f"log: {params['entry'].get('text')} ({params['entry'].get('url')})")
        elif method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if url != loaded.url and not url.startswith("data:"):
                found.append(f"request: {url}")
        elif method == "Network.loadingFailed":
            found.append(f"failed load: {params.get('errorText')}")
    return found


def not_blank(pixels: np.ndarray, what: str) -> None:
    """Some of the picture is ink, and it is not one flat colour."""
    ink = (pixels.astype(int).sum(axis=2) < 3 * 235).mean()
    assert ink > 0.02, f"{what}: only {ink:.1%} of pixels are not near white"
    assert pixels.std() > 20, f"{what}: pixel values barely vary (std {pixels.std():.1f})"


@pytest.fixture(scope="module")
def run_tab(
    browser: Browser, hostile_run_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Loaded:
    page = tmp_path_factory.mktemp("pages") / "run.html"
    page.write_text(render_folder(hostile_run_dir)[1], encoding="utf-8")
    return load(browser, page)


@pytest.fixture(scope="module")
def compare_tab(
    browser: Browser, compare_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Loaded:
    page = tmp_path_factory.mktemp("pages") / "compare.html"
    page.write_text(render_folder(compare_dir)[1], encoding="utf-8")
    return load(browser, page)


@pytest.mark.parametrize("tab", ["run_tab", "compare_tab"])
def test_loads_offline_with_no_error_and_no_request(
    tab: str, request: pytest.FixtureRequest
) -> None:
    loaded: Loaded = request.getfixturevalue(tab)
    assert loaded.evaluate("document.readyState") == "complete"
    assert any(e["method"] == "Network.requestWillBeSent" for e in loaded.events), (
        "the network domain saw no request at all, not even the document's"
    )
    assert problems(loaded) == []


@pytest.mark.parametrize(("tab", "count"), [("run_tab", 8), ("compare_tab", 1)])
def test_every_inline_image_decodes(tab: str, count: int, request: pytest.FixtureRequest) -> None:
    loaded: Loaded = request.getfixturevalue(tab)
    images = loaded.images  # type: ignore[attr-defined]
    assert len(images) == count
    assert all(image["ok"] for image in images), images
    assert all(image["width"] > 300 and image["height"] > 100 for image in images), images


def test_hostile_strings_show_as_text_and_nothing_runs(run_tab: Loaded) -> None:
    assert run_tab.evaluate("document.scripts.length") == 0
    assert run_tab.evaluate("document.querySelectorAll('img:not([src^=\"data:\"])').length") == 0
    text = run_tab.evaluate("document.body.innerText")
    for hostile in (SCRIPT, TARGET, ALERT):
        assert hostile in text
    assert run_tab.evaluate("document.title") == f"o2csim run report: {SCRIPT}"


@pytest.mark.parametrize("tab", ["run_tab", "compare_tab"])
def test_screenshots_are_not_blank(tab: str, request: pytest.FixtureRequest) -> None:
    loaded: Loaded = request.getfixturevalue(tab)
    whole = loaded.screenshot()
    assert whole.shape[:2] == (HEIGHT, WIDTH)
    not_blank(whole, f"{tab}: the first screen")
    box = loaded.evaluate(
        """(() => { const r = document.querySelector('figure img').getBoundingClientRect();
                   return {x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height};
                 })()"""
    )
    chart = loaded.screenshot(box)
    assert chart.shape[1] == round(box["width"])
    not_blank(chart, f"{tab}: the first chart")
    colour = np.ptp(chart.astype(int), axis=2) > 60  # saturated pixels: lines, bars
    assert colour.mean() > 0.002, f"{tab}: the first chart has no coloured pixels"
