"""Charts render in JupyterLab with no internet (docs/decisions.md), checked in a real browser.

The server and browser machinery is shared with the widget test, in ``tests/browser.py``.

A JupyterLab server on 127.0.0.1 (configuration, runtime, settings and workspace folders
all in a temporary folder; the kernel is this interpreter on this checkout, through a
kernel spec on a temporary ``JUPYTER_PATH`` as in ``test_notebooks.py``) serves two small
notebooks.  Debian's ``chromium``, driven by ``playwright`` (no browser download), opens
each one with **every request to a host other than 127.0.0.1/localhost aborted and
recorded**, runs all cells through JupyterLab's own ``notebook:run-all-cells`` command
(the app is exposed as ``window.jupyterapp``) and inspects the output area.

* ``charts.enable_offline()``: the chart must be drawn (a vega-embed ``canvas.marks`` or
  ``svg.marks`` of nonzero size, with pixels in the size, entries and exits colours) and
  no request may have left the machine.
* Negative control, Altair's ``"default"`` renderer: it loads Vega from a CDN, so with the
  network blocked the chart must *not* be drawn and the blocked list must show the CDN.
  This proves the first test can fail.

A missing ``chromium`` or ``playwright`` fails (never skips): ``make test`` installs both.
On failure, a screenshot and the server log are left in the test's ``tmp_path``.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import Lab, launch_chromium, open_and_run, start_lab

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
KERNEL = "segment-lab-browser-tests"
RENDER_TIMEOUT = 90  # seconds, from "run all cells" to the chart on screen
CONTROL_WAIT = 15  # seconds the negative control waits for a chart that must not appear

# The chart under test, then a line that proves the kernel is this interpreter.
CHART_CELL = """\
import segment_lab as sl
from segment_lab import analytics as an, charts, sample
{renderer}
ws = sl.Workspace.demo()
charts.size_chart(an.trends(ws, sample.PRICING_INTENT, "2025-04-07", "2025-06-02"))
"""
WHERE_CELL = """\
import sys
print("SEGMENT_LAB_KERNEL", sys.executable, sl.__file__)
"""
NOTEBOOKS = {
    "offline.ipynb": "charts.enable_offline()",
    "cdn.ipynb": 'import altair as alt\n_ = alt.renderers.enable("default")',
}

# Colours of size_chart's marks (segment_lab/charts/_theme.py: SIZE, ENTERED, EXITED).
MARK_COLOURS = {"size": "#1f3a68", "entered": "#2e9e5b", "exited": "#d9502f"}

# Reads the vega-embed output of the notebook: how many drawn views, their size, and how
# many pixels (canvas) or SVG elements carry each mark colour.
INSPECT_JS = """
(colours) => {
  const hex = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
  const want = Object.fromEntries(Object.entries(colours).map(([k, v]) => [k, hex(v)]));
  const near = (rgb, ref) => rgb.every((c, i) => Math.abs(c - ref[i]) <= 12);
  const outputs = [...document.querySelectorAll('.jp-OutputArea-output')];
  const views = outputs.flatMap((o) => [...o.querySelectorAll('.marks')]);
  return {
    outputs: outputs.length,
    embeds: outputs.flatMap((o) => [...o.querySelectorAll('.vega-embed')]).length,
    text: outputs.map((o) => o.innerText).join('\\n').slice(0, 4000),
    views: views.map((v) => {
      const box = v.getBoundingClientRect();
      const view = {tag: v.tagName.toLowerCase(), width: box.width, height: box.height};
      const counts = Object.fromEntries(Object.keys(want).map((k) => [k, 0]));
      if (view.tag === 'canvas') {
        const data = v.getContext('2d').getImageData(0, 0, v.width, v.height).data;
        let painted = 0;
        for (let p = 0; p < data.length; p += 4) {
          if (data[p + 3] === 0) continue;
          const rgb = [data[p], data[p + 1], data[p + 2]];
          if (rgb.some((c) => c < 250)) painted += 1;
          for (const k in want) if (near(rgb, want[k])) counts[k] += 1;
        }
        view.painted = painted;
      } else {
        const shapes = [...v.querySelectorAll('path, rect, line, circle')];
        view.painted = shapes.length;
        for (const s of shapes) {
          const style = getComputedStyle(s);
          for (const value of [style.fill, style.stroke]) {
            const m = /rgb\\((\\d+), (\\d+), (\\d+)\\)/.exec(value);
            if (!m) continue;
            for (const k in want) if (near(m.slice(1).map(Number), want[k])) counts[k] += 1;
          }
        }
      }
      view.colours = counts;
      return view;
    }),
  };
}
"""


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A JupyterLab server on 127.0.0.1 serving the two chart notebooks."""
    notebooks = {
        name: [CHART_CELL.format(renderer=renderer), WHERE_CELL]
        for name, renderer in NOTEBOOKS.items()
    }
    with start_lab(tmp_path_factory.mktemp("jupyterlab"), notebooks, KERNEL) as lab:
        yield lab


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's chromium through playwright, headless."""
    with launch_chromium() as chromium:
        yield chromium


def _wait_for_output(page, text: str, timeout: float) -> dict:
    """Poll the output area until ``text`` is printed; fail early on a traceback."""
    deadline = time.monotonic() + timeout
    while True:
        seen = page.evaluate(INSPECT_JS, MARK_COLOURS)
        if "Traceback" in seen["text"]:
            pytest.fail(f"a cell failed:\n{seen['text']}")
        if text in seen["text"]:
            return seen
        if time.monotonic() > deadline:
            pytest.fail(f"no {text!r} after {timeout} s; outputs:\n{seen['text']}")
        time.sleep(0.5)


def _assert_kernel_is_this_interpreter(seen: dict) -> None:
    line = next(x for x in seen["text"].splitlines() if x.startswith("SEGMENT_LAB_KERNEL"))
    _, python, package = line.split()
    assert Path(python).resolve() == Path(sys.executable).resolve()
    assert Path(package).resolve() == (ROOT / "segment_lab" / "__init__.py").resolve()


def test_offline_renderer_draws_the_chart_with_the_network_blocked(
    browser, lab: Lab, tmp_path: Path
) -> None:
    with open_and_run(browser, lab, "offline.ipynb", tmp_path) as run:
        assert run.kernel == KERNEL
        seen = _wait_for_output(run.page, "SEGMENT_LAB_KERNEL", RENDER_TIMEOUT)
        _assert_kernel_is_this_interpreter(seen)
        deadline = time.monotonic() + RENDER_TIMEOUT
        while not seen["views"] and time.monotonic() < deadline:
            time.sleep(0.5)
            seen = run.page.evaluate(INSPECT_JS, MARK_COLOURS)
        print("offline chart:", json.dumps({k: seen[k] for k in ("embeds", "views")}))
        assert seen["views"], f"no vega view rendered; outputs:\n{seen['text']}"
        assert "JavaScript Error" not in seen["text"], seen["text"]
        (view,) = seen["views"]  # one vega-embed for the whole vconcat chart
        assert view["width"] > 100 and view["height"] > 100, view
        assert view["painted"] > 1000 if view["tag"] == "canvas" else view["painted"] > 10, view
        missing = [k for k, n in view["colours"].items() if n == 0]
        assert not missing, f"no marks in the {missing} colours: {view}"
        assert not run.blocked, f"requests left the machine: {run.blocked}"


def test_negative_control_default_renderer_needs_the_cdn(browser, lab: Lab, tmp_path: Path) -> None:
    """NEGATIVE CONTROL: Altair's default renderer loads Vega from a CDN, so it must fail.

    If this chart ever renders with the network blocked, the blocking (or the check for a
    drawn chart) is broken and the offline test above proves nothing.
    """
    with open_and_run(browser, lab, "cdn.ipynb", tmp_path) as run:
        assert run.kernel == KERNEL
        seen = _wait_for_output(run.page, "SEGMENT_LAB_KERNEL", RENDER_TIMEOUT)
        _assert_kernel_is_this_interpreter(seen)
        # Altair's page prints "Error loading script" once the CDN request fails; wait
        # for that, or CONTROL_WAIT seconds, for a chart that must not appear.
        deadline = time.monotonic() + CONTROL_WAIT
        while time.monotonic() < deadline and not seen["views"]:
            if "Error loading script" in seen["text"]:
                time.sleep(2)  # a chart drawn anyway would show up by now
                seen = run.page.evaluate(INSPECT_JS, MARK_COLOURS)
                break
            time.sleep(0.5)
            seen = run.page.evaluate(INSPECT_JS, MARK_COLOURS)
        print("control:", json.dumps({k: seen[k] for k in ("embeds", "views")}))
        print("control blocked:", run.blocked)
        print("control output:", seen["text"][:300])
        assert not seen["views"], f"the chart rendered without the CDN: {seen['views']}"
        cdn = [u for u in run.blocked if "vega" in u]
        assert cdn, f"expected a blocked request for Vega from a CDN; blocked: {run.blocked}"
