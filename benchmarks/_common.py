"""Shared benchmark plumbing: data, timing, machine facts, results files."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def database(scale: str) -> str:
    """The generated DuckDB database of ``scale`` (built on first use)."""
    from segment_lab import sample

    return sample.ensure_database(scale)


def parquet_dir(scale: str) -> Path:
    """The same tables as Parquet files (written once next to the database)."""
    import duckdb

    db = Path(database(scale))
    out = db.with_suffix(".parquet.d")
    done = out / "events.parquet"
    if not done.exists() or done.stat().st_mtime < db.stat().st_mtime:
        out.mkdir(exist_ok=True)
        with duckdb.connect(str(db), read_only=True) as con:
            for table in ("contacts", "events", "contact_history"):
                tmp = out / f"{table}.parquet.tmp"
                con.execute(f"COPY {table} TO '{tmp}' (FORMAT parquet)")
                os.replace(tmp, out / f"{table}.parquet")
    return out


def timeit(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time of ``repeat`` calls (after one warm-up call) and the last result."""
    result = fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def peak_rss_gib() -> float:
    """Peak resident memory of this process so far, in GiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def peak_rss_children_gib() -> float:
    """Peak resident memory of the largest finished child process (0 if none), in GiB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2


def machine() -> dict[str, Any]:
    import duckdb
    import ibis
    import pandas

    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem, 1),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "ibis": ibis.__version__,
        "pandas": pandas.__version__,
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def save(name: str, payload: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2, default=str))
    os.replace(tmp, path)
    return path
