"""The exported dashboard in a real browser, offline: Debian's chromium through playwright.

Every request other than the file itself is blocked and recorded; the page must make none,
log no console error, draw every chart (Vega views counted against the charts expected),
fit a 375 px screen without horizontal scrolling, print its collapsibles on white, and
render hostile segment names, descriptions and attribute values as text (no dialog fires);
both pages carry a backtest section, whose lift chart is counted and whose table is escaped.
Screenshots at 1280 px and 375 px are kept in ``tests/artifacts/`` (git-ignored).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

import segment_lab as sl
from segment_lab import dashboard
from tests.browser import launch_chromium
from tests.helpers import HOSTILE, hostile_workspace

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
RENDERED_JS = """() => {
  const views = document.querySelectorAll('div.vega');
  return views.length > 0 && [...views].every(v => v.hasAttribute('data-rendered'));
}"""


@dataclass
class Visit:
    page: object
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser():
    with launch_chromium() as b:
        yield b


@pytest.fixture(scope="module")
def demo_page(tmp_path_factory, demo_ws) -> Path:
    """The demo dashboard with a backtest section (so its lift chart is counted too)."""
    out = tmp_path_factory.mktemp("dash") / "dashboard.html"
    bt = sl.backtest(
        demo_ws, demo_ws.catalog, sl.event("purchase"), start="2025-04-07", end="2025-06-02",
        every="1w", horizon="4w", progress=False,
    )  # fmt: skip
    return dashboard.export(demo_ws, path=out, progress=False, backtest=bt)


def _visit(browser, path: Path, width: int, **context) -> Visit:
    ctx = browser.new_context(viewport={"width": width, "height": 900}, **context)
    page = ctx.new_page()
    visit = Visit(page)
    url = path.resolve().as_uri()

    def route(r):
        visit.requests.append(r.request.url)
        if r.request.url == url:
            r.continue_()
        else:
            r.abort("internetdisconnected")

    ctx.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and visit.errors.append(m.text))
    page.on("pageerror", lambda e: visit.errors.append(f"pageerror: {e}"))

    def dialog(d):
        visit.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    page.goto(url)
    page.wait_for_function(RENDERED_JS, timeout=120_000)
    return visit


@pytest.mark.parametrize("width", [1280, 375])
def test_offline_page_draws_every_chart(browser, demo_page, demo_ws, width):
    visit = _visit(browser, demo_page, width)
    page = visit.page
    try:
        states = page.evaluate(
            "[...document.querySelectorAll('div.vega')].map(v => v.dataset.rendered)"
        )
        views = page.evaluate("document.querySelectorAll('div.vega > svg').length")
        expected = len(demo_ws.catalog) + 3  # one per segment, overlap, transitions, lift
        assert states == ["true"] * expected and views == expected
        assert visit.requests == [demo_page.resolve().as_uri()]
        assert visit.errors == [] and visit.dialogs == []
        labels = page.evaluate(
            "[...document.querySelectorAll('div.vega')].map(v => [v.getAttribute('role'),"
            " v.getAttribute('aria-label')])"
        )
        assert len(labels) == expected and all(
            r in ("img", "graphics-document") and len(a) > 40 for r, a in labels
        )
        for seg, (_, label) in zip(demo_ws.catalog, labels):
            assert label.startswith(f"{seg.name}: members per period")
        assert labels[-1][1].startswith("Lift over time of 10 definitions")
        scroll = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll[0] <= scroll[1], f"horizontal scroll at {width} px: {scroll}"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"dashboard-{width}.png"), full_page=width == 375)
    finally:
        page.context.close()


def test_print_expands_collapsibles_on_white(browser, demo_page):
    visit = _visit(browser, demo_page, 1280, color_scheme="dark")
    page = visit.page
    try:
        body = "getComputedStyle(document.body).backgroundColor"
        assert page.evaluate(body) != "rgb(255, 255, 255)"  # dark on screen
        assert not page.locator("section.segment pre").first.is_visible()
        page.emulate_media(media="print")
        assert page.evaluate(body) == "rgb(255, 255, 255)"
        assert page.locator("section.segment pre").first.is_visible()
    finally:
        page.context.close()


def test_hostile_strings_run_no_script(browser, tmp_path):
    ws, catalog = hostile_workspace()
    bt = sl.backtest(
        ws, catalog, sl.event("email_open"), start="2025-03-03", end="2025-04-14", every="1w",
        horizon="2w", progress=False,
    )  # fmt: skip
    out = dashboard.export(
        ws, catalog, tmp_path / "hostile.html", start="2025-03-01", every="1w", progress=False,
        backtest=bt,
    )  # fmt: skip
    visit = _visit(browser, out, 1280)
    page = visit.page
    try:
        page.wait_for_timeout(500)
        assert visit.dialogs == [] and visit.errors == []
        assert page.evaluate("document.querySelectorAll('img').length") == 0
        text = page.evaluate("document.body.innerText")
        for s in HOSTILE:
            assert s in text
        assert visit.requests == [out.resolve().as_uri()]  # no img src=x request either
    finally:
        page.context.close()
