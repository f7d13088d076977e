"""Shared machinery of the browser tests: JupyterLab on 127.0.0.1, offline chromium.

``start_lab`` runs a JupyterLab server whose configuration, runtime, settings and
workspace folders all live in a temporary folder, with a kernel spec for this interpreter
on this checkout (as in ``test_notebooks.py``); ``launch_chromium`` starts Debian's
``chromium`` through ``playwright`` (no browser download); ``open_and_run`` opens a
notebook with **every request to a host other than 127.0.0.1/localhost aborted and
recorded** and runs all its cells through JupyterLab's ``notebook:run-all-cells``.
``start_voila`` and ``open_voila`` do the same for a notebook served by Voila.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
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

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
SERVER_START_TIMEOUT = 120  # seconds

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_notebooks(root: Path, notebooks: dict[str, list[str]], kernel: str) -> None:
    """Write each notebook (name -> the sources of its code cells) for ``kernel``."""
    for name, cells in notebooks.items():
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {
            "name": kernel,
            "display_name": "segment_lab browser tests",
            "language": "python",
        }
        nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
        nbformat.write(nb, root / name)


def wait_for_server(proc: subprocess.Popen, runtime: Path, token: str, log: Path) -> str:
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


def stop(proc: subprocess.Popen, marker: str) -> None:
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


def _isolated_env(base: Path, notebooks: dict[str, list[str]], kernel: str) -> dict[str, Path]:
    """Make the server's folders under ``base``, its kernel spec and notebooks; return them."""
    dirs = {
        name: base / name
        for name in ("root", "config", "data", "runtime", "settings", "workspaces", "ipython")
    }
    for d in dirs.values():
        d.mkdir()
    write_kernel_spec(dirs["data"], kernel, "segment_lab browser tests")
    write_notebooks(dirs["root"], notebooks, kernel)
    return dirs


def _server_env(dirs: dict[str, Path]) -> dict[str, str]:
    return {
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


@contextlib.contextmanager
def start_lab(base: Path, notebooks: dict[str, list[str]], kernel: str) -> Iterator[Lab]:
    """Run a JupyterLab server on 127.0.0.1 that leaks nothing outside ``base``."""
    dirs = _isolated_env(base, notebooks, kernel)
    env = _server_env(dirs)
    token = secrets.token_hex(16)
    log = base / "jupyterlab.log"
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={free_port()}",  # taken meanwhile: the server tries the next ports
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
        url = wait_for_server(proc, dirs["runtime"], token, log)
        yield Lab(url=url, token=token, root=dirs["root"], log=log)
    finally:
        stop(proc, str(dirs["runtime"]))


#: Voila prints the address it listens on (it moves on to another port if ours was taken).
_VOILA_URL = re.compile(rb"(http://127\.0\.0\.1:\d+/)")


@contextlib.contextmanager
def start_voila(base: Path, notebook: str, cells: list[str], kernel: str) -> Iterator[Lab]:
    """Serve ``notebook`` (made of ``cells``) with Voila on 127.0.0.1, isolated in ``base``.

    Voila runs the notebook in a kernel of this checkout for each page load and shows its
    outputs only; the server is stopped (with its kernels) when the block ends.
    """
    dirs = _isolated_env(base, {notebook: cells}, kernel)
    token = secrets.token_hex(16)
    log = base / "voila.log"
    cmd = [
        sys.executable,
        "-m",
        "voila",
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        f"--port={free_port()}",
        f"--token={token}",
        f"--Voila.connection_dir_root={dirs['runtime']}",  # the kernels' files: see stop()
        str(dirs["root"] / notebook),
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=dirs["root"], env=_server_env(dirs), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        url = _wait_for_voila(proc, log)
        yield Lab(url=url, token=token, root=dirs["root"], log=log)
    finally:
        stop(proc, str(dirs["runtime"]))


def _wait_for_voila(proc: subprocess.Popen, log: Path) -> str:
    """Voila's URL once it is printed and the port accepts connections.

    (Any page but a static file would run the notebook in a new kernel.)
    """
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"voila exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        found = _VOILA_URL.search(log.read_bytes())
        if found:
            url = found.group(1).decode()
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", urlsplit(url).port), timeout=5),
            ):
                return url
        time.sleep(0.5)
    pytest.fail(f"voila did not start in {SERVER_START_TIMEOUT} s:\n{log.read_text()[-4000:]}")


@contextlib.contextmanager
def launch_chromium() -> Iterator[object]:
    """Start Debian's chromium through playwright, headless; fail (never skip) if missing."""
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
def offline_page(browser, name: str, tmp_path: Path) -> Iterator[Run]:
    """A page on which every request to another host than this one is aborted and recorded.

    On an error a full-page screenshot ``<tmp_path>/<name>.png`` is kept, and the blocked
    requests and the browser console are printed.
    """
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
        yield Run(kernel="", blocked=blocked, console=console, page=page)
    except BaseException:
        page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
        print(f"screenshot: {tmp_path / f'{name}.png'}")
        print("blocked requests:", *blocked, sep="\n  ")
        print("browser console:", *console[-40:], sep="\n  ")
        raise
    finally:
        context.close()


@contextlib.contextmanager
def open_and_run(browser, lab: Lab, name: str, tmp_path: Path) -> Iterator[Run]:
    """Open ``name`` in JupyterLab offline and run all cells; yield while the page is open."""
    with offline_page(browser, name, tmp_path) as run:
        page = run.page
        try:
            page.goto(f"{lab.url}lab/tree/{name}?token={lab.token}", timeout=60_000)
            page.wait_for_function(NOTEBOOK_READY_JS, arg=name, timeout=SERVER_START_TIMEOUT * 1000)
            run.kernel = page.evaluate(RUN_ALL_JS, name)
            yield run
        except BaseException:
            print(f"server log: {lab.log}")
            raise


@contextlib.contextmanager
def open_voila(browser, voila: Lab, name: str, tmp_path: Path) -> Iterator[Run]:
    """Open the notebook Voila serves, offline; yield once the page has loaded.

    Voila runs the notebook while it sends the page, so the widgets appear as its cells
    finish: wait for them on ``run.page``.
    """
    with offline_page(browser, name, tmp_path) as run:
        try:
            run.page.goto(f"{voila.url}?token={voila.token}", timeout=SERVER_START_TIMEOUT * 1000)
            yield run
        except BaseException:
            print(f"server log: {voila.log}")
            raise
