"""Scaling: the reference segments' as-of and history cost at 100k, 1M and 4M contacts.

The generated data has the same per-contact behaviour at every size (the generator
draws independently seeded chunks of 50,000 contacts), so events grow in proportion
to contacts.  For each scale and reference segment (benchmarks/segments.py), in a
process of its own, so that each peak memory figure is that run's alone:

- one as-of count at the data's end (median over 3 instants a minute apart);
- ``ws.history`` over 365 daily and 52 weekly points ending there (the plan chosen
  by ``plan="auto"``), timed as in benchmarks/history.py, each checked against an
  as-of count at its last point;
- the process's peak RSS, and its peak before the first query (imports, connection).

Per contact: microseconds per contact and KiB per contact of peak memory above that
baseline; ``growth`` is the cost's growth from the previous scale divided by the
contacts' growth (1 = linear, below 1 = better than linear).

``python -m benchmarks scaling --scales 100k,1M`` is the default; ``make bench-scale``
adds 4M (it generates a 4M database on first use; see BENCHMARKS.md for its time).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import _common
from segment_lab import sample
from segment_lab.sample import Scale

#: The scales by label: 1M is the bench database; the others are generated on first use.
SIZES: dict[str, Scale] = {
    "100k": Scale("100k", 100_000, 50_000, "scaling benchmark: about 3.5 million events"),
    "1M": sample.SCALES["bench"],
    "4M": Scale("4M", 4_000_000, 50_000, "scaling benchmark: about 140 million events"),
}

#: The default scales (4M is opt-in: ``make bench-scale``).
DEFAULT = "100k,1M"


def _size(label: str) -> Scale:
    """The :class:`Scale` of ``label``: one of :data:`SIZES` or of ``sample.SCALES``."""
    if label in SIZES:
        return SIZES[label]
    if label in sample.SCALES:
        return sample.SCALES[label]
    raise SystemExit(
        f"Unknown scale {label!r} for the scaling benchmark; use "
        f"{', '.join(map(repr, [*SIZES, *sample.SCALES]))}."
    )


def _database(label: str) -> dict[str, Any]:
    """Ensure the database of ``label``; its path, size, rows, and the build time if built."""
    import duckdb

    sc = _size(label)
    path = sample.default_path(sc)
    built = None
    if not sample.is_current(path, sc):
        t0 = time.perf_counter()
        sample.ensure_database(sc)
        built = time.perf_counter() - t0
    with duckdb.connect(os.fspath(path), read_only=True) as con:
        contacts = con.execute("SELECT count(*) FROM contacts").fetchone()[0]
        events = con.execute("SELECT count(*) FROM events").fetchone()[0]
    return {
        "scale": label,
        "path": os.fspath(path),
        "contacts": contacts,
        "events": events,
        "file_gib": Path(path).stat().st_size / 1024**3,
        "build_s": built,
    }


def measure(path: str, segment: str, repeat: int) -> dict[str, Any]:
    """One segment at one scale, in this process: as-of, daily and weekly history, peak RSS."""
    import segment_lab as sl
    from benchmarks.history import MEMORY_LIMIT, _asof, _grid_start, _timed
    from benchmarks.segments import CATALOG, REFERENCES

    end = sample.END
    seg = {r.name: r.segment for r in REFERENCES}[segment]
    static = sl.Bindings(static=sample.STATIC_ATTRIBUTES)
    ws = sl.Workspace.connect(path, bindings=static, catalog=CATALOG, now=end)
    if MEMORY_LIMIT:
        ws.configure(memory_limit=MEMORY_LIMIT)
    base = _common.peak_rss_gib()  # imports and the connection, before any query
    out: dict[str, Any] = {"segment": segment, "base_rss_gib": base, "asof_s": _asof(ws, seg, end)}
    for name, every, points in (("daily", "1d", 365), ("weekly", "1w", 52)):
        start = _grid_start(end, every, points)
        seconds, runs, h = _timed(lambda s=start, e=every: ws.history(seg, s, end, e), repeat)
        last = h["period"].iloc[-1].to_pydatetime()
        if len(h) != points or int(h["size"].iloc[-1]) != ws.count(seg, as_of=last):
            raise AssertionError(f"{segment} {name}: history disagrees with as-of at {last}")
        out.update({f"{name}_s": seconds, f"{name}_runs": runs})
    out["peak_rss_gib"] = _common.peak_rss_gib()
    return out


def _one(path: str, segment: str, repeat: int) -> dict[str, Any]:
    """:func:`measure` in a subprocess of its own (its own peak RSS)."""
    cmd = [sys.executable, "-m", "benchmarks.scaling", "--one", path, segment, str(repeat)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=_common.RESULTS.parent.parent)
    if done.returncode:
        raise RuntimeError(f"scaling {segment} on {path} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _growth(rows: list[dict[str, Any]]) -> None:
    """Per row: cost per contact and growth over the previous scale of the same segment."""
    previous: dict[str, dict[str, Any]] = {}
    for r in rows:
        n = r["contacts"]
        for key in ("asof", "daily", "weekly"):
            r[f"{key}_us_per_contact"] = r[f"{key}_s"] / n * 1e6
        r["kib_per_contact"] = (r["peak_rss_gib"] - r["base_rss_gib"]) * 1024**2 / n
        before = previous.get(r["segment"])
        if before:
            grow = n / before["contacts"]
            for key in ("asof", "daily", "weekly"):
                r[f"{key}_growth"] = r[f"{key}_s"] / before[f"{key}_s"] / grow
            if before["kib_per_contact"] > 0:
                r["memory_growth"] = r["kib_per_contact"] / before["kib_per_contact"]
        previous[r["segment"]] = r


def run(
    scale: str = "bench", repeat: int = 3, scales: str | None = None, segments: list | None = None
) -> dict[str, Any]:
    """Every reference segment (or ``segments``, by name) at each of ``scales``
    (comma-separated labels, default :data:`DEFAULT`); ``scale`` is ignored."""
    from benchmarks.segments import REFERENCES

    labels = [s.strip() for s in (scales or DEFAULT).split(",") if s.strip()]
    names = [r.name for r in REFERENCES if segments is None or r.name in segments]
    databases, rows = [], []
    for label in labels:
        db = _database(label)
        databases.append(db)
        for name in names:
            got = _one(db["path"], name, repeat)
            rows.append({"scale": label, "contacts": db["contacts"], "events": db["events"], **got})
    _growth(rows)
    return {
        "benchmark": "scaling",
        "scales": labels,
        "repeat": repeat,
        "end": str(sample.END),
        "databases": databases,
        "rows": rows,
        "machine": _common.machine(),
        "finished": time.strftime("%Y-%m-%d %H:%M:%S"),
    }


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.scaling --one PATH SEGMENT REPEAT``: one measurement as JSON."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.scaling")
    p.add_argument("--one", nargs=3, metavar=("PATH", "SEGMENT", "REPEAT"), required=True)
    args = p.parse_args(argv)
    path, segment, repeat = args.one
    print(json.dumps(measure(path, segment, int(repeat))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
