"""The exported dashboard: the demo catalog (10 segments) over one year, daily.

For the sample and for ``scale`` (bench: 1M contacts), one ``dashboard.export`` run each
(a marketer's export is one run): wall time, file size, and the time of the first
``vl_convert.javascript_bundle`` call (paid once per process, included in the first run).
Targets: under 2 MB and 30 s on the sample, under 120 s at bench scale.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import segment_lab as sl
from benchmarks import _common
from segment_lab import dashboard, sample


def _one(scale: str, folder: Path) -> dict[str, Any]:
    ws = sl.Workspace.demo(scale).with_catalog(sample.demo_catalog())
    end = sample.END
    start = end - dt.timedelta(days=365)
    out = folder / f"dashboard-{scale}.html"
    t0 = time.perf_counter()
    dashboard.export(ws, path=out, start=start, end=end, every="1d", progress=sys.stderr.isatty())
    seconds = time.perf_counter() - t0
    html = out.read_text(encoding="utf-8")
    return {
        "scale": scale,
        "contacts": int(ws.tables.contacts.count().execute()),
        "segments": len(ws.catalog),
        "periods": ws.grid(start, end, "1d").n,
        "seconds": seconds,
        "bytes": out.stat().st_size,
        "charts": html.count('class="vega"'),
    }


def run(scale: str = "bench", repeat: int = 1) -> dict[str, Any]:
    from segment_lab.dashboard._specs import runtime, vega_lite_version

    t0 = time.perf_counter()
    runtime_bytes = len(runtime(vega_lite_version()))
    bundle_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        rows = [_one(s, Path(tmp)) for s in dict.fromkeys(("sample", scale))]
    return {
        "benchmark": "dashboard",
        "scale": scale,
        "repeat": 1,
        "bundle_s": bundle_s,
        "runtime_bytes": runtime_bytes,
        "rows": rows,
        "peak_rss_gib": _common.peak_rss_gib(),
        "machine": _common.machine(),
    }
