"""Charts render in JupyterLab with no internet (docs/decisions.md), checked in a real browser.

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

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest

from tests.kernelspec import checkout_pythonpath, write_kernel_spec

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
KERNEL = "segment-lab-browser-tests"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
SERVER_START_TIMEOUT = 120  # seconds
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

# Waits for the notebook to be open with its kernel idle, then runs every cell.
RUN_ALL_JS = """
async (path) => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  if (panel.context.path !== path) throw new Error(`${panel.context.path} is in front`);
  await panel.context.ready;
  await panel.sessionContext.ready;
  await app.commands.execute('notebook:run-all-cells');
  return panel.sessionContext.session.kernel.name;
}
"""
NOTEBOOK_READY_JS = """
(path) => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = w && w.sessionContext && w.sessionContext.session
    && w.sessionContext.session.kernel;
  return !!(w && w.context && w.context.path === path && kernel && kernel.status === 'idle');
}
"""


NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Lab:
    url: str  # http://127.0.0.1:<port>/
    token: str
    root: Path
    log: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_notebooks(root: Path) -> None:
    for name, renderer in NOTEBOOKS.items():
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {
            "name": KERNEL,
            "display_name": "segment_lab browser tests",
            "language": "python",
        }
        nb.cells = [
            nbformat.v4.new_code_cell(CHART_CELL.format(renderer=renderer)),
            nbformat.v4.new_code_cell(WHERE_CELL),
        ]
        nbformat.write(nb, root / name)


def _wait_for_server(proc: subprocess.Popen, runtime: Path, token: str, log: Path) -> str:
    """The server's URL once /api/status answers; fails with the log if it does not."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"jupyter lab exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        # The server writes its actual port here (it moves on if ours was taken meanwhile).
        for info_file in runtime.glob(f"jpserver-{proc.pid}.json"):
            try:
                url = f"http://127.0.0.1:{json.loads(info_file.read_text())['port']}/"
                with NO_PROXY.open(f"{url}api/status?token={token}", timeout=5) as r:
                    if r.status == 200:
                        return url
            except (OSError, ValueError, KeyError):  # not written, or not answering, yet
                pass
        time.sleep(0.5)
    pytest.fail(
        f"jupyter lab did not start in {SERVER_START_TIMEOUT} s:\n{log.read_text()[-4000:]}"
    )


def _stop(proc: subprocess.Popen, marker: str) -> None:
    """SIGTERM (the server shuts its kernels down), then kill whatever still names ``marker``."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    # Kernels started by this server have a connection file under ``marker`` in argv.
    for _ in range(20):
        left = []
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                if marker.encode() in cmdline.read_bytes():
                    left.append(int(cmdline.parent.name))
            except OSError:
                continue
        if not left:
            return
        time.sleep(0.5)
    for pid in left:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A JupyterLab server on 127.0.0.1 that leaks nothing outside its temporary folder."""
    base = tmp_path_factory.mktemp("jupyterlab")
    dirs = {
        name: base / name
        for name in ("root", "config", "data", "runtime", "settings", "workspaces", "ipython")
    }
    for d in dirs.values():
        d.mkdir()
    write_kernel_spec(dirs["data"], KERNEL, "segment_lab browser tests")
    _write_notebooks(dirs["root"])

    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(dirs["config"]),
        "JUPYTER_DATA_DIR": str(dirs["data"]),
        "JUPYTER_PATH": str(dirs["data"]),
        "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
        "JUPYTERLAB_SETTINGS_DIR": str(dirs["settings"]),
        "JUPYTERLAB_WORKSPACES_DIR": str(dirs["workspaces"]),
        "IPYTHONDIR": str(dirs["ipython"]),
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYTHONPATH": checkout_pythonpath(),
    }
    token = secrets.token_hex(16)
    log = base / "jupyterlab.log"
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={_free_port()}",  # taken meanwhile: the server tries the next ports
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={dirs['root']}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    if os.geteuid() == 0:  # CI containers run as root
        cmd.append("--allow-root")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=dirs["root"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        url = _wait_for_server(proc, dirs["runtime"], token, log)
        yield Lab(url=url, token=token, root=dirs["root"], log=log)
    finally:
        _stop(proc, str(dirs["runtime"]))


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's chromium through playwright, headless; fails (never skips) if missing."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is not on PATH: run `make test` (it installs Debian's chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is missing: run `make test` (pip install -e '.[dev]')")
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Run:
    kernel: str
    blocked: list[str]
    console: list[str]
    page: object


@contextlib.contextmanager
def _open_and_run(browser, lab: Lab, name: str, tmp_path: Path) -> Iterator[Run]:
    """Open ``name`` in JupyterLab offline, run all cells; yields while the page is open."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, service_workers="block")
    blocked: list[str] = []
    console: list[str] = []

    def only_local(route) -> None:
        url = route.request.url
        host = urlsplit(url).hostname
        if host is None or host in LOCAL_HOSTS:  # data:, blob: and this server
            route.continue_()
        else:
            blocked.append(url)
            route.abort("internetdisconnected")

    context.route("**/*", only_local)
    page = context.new_page()
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    try:
        page.goto(f"{lab.url}lab/tree/{name}?token={lab.token}", timeout=60_000)
        page.wait_for_function(NOTEBOOK_READY_JS, arg=name, timeout=SERVER_START_TIMEOUT * 1000)
        kernel = page.evaluate(RUN_ALL_JS, name)
        yield Run(kernel=kernel, blocked=blocked, console=console, page=page)
    except BaseException:
        page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
        print(f"screenshot: {tmp_path / f'{name}.png'}; server log: {lab.log}")
        print("blocked requests:", *blocked, sep="\n  ")
        print("browser console:", *console[-40:], sep="\n  ")
        raise
    finally:
        context.close()


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
    with _open_and_run(browser, lab, "offline.ipynb", tmp_path) as run:
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
    with _open_and_run(browser, lab, "cdn.ipynb", tmp_path) as run:
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
