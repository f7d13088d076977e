"""The reference segments on PostgreSQL and PySpark local against DuckDB, at 100k contacts.

The bench database's contacts whose id is a multiple of ``1_000_000 // contacts`` (100k
by default), with their events and history rows, are written once as Parquet files; DuckDB
and Spark read those files in place, PostgreSQL (a throwaway cluster on 127.0.0.1, as in
the tests) loads them with one server-side ``COPY`` per table.  For each reference segment,
on each engine: the median as-of count at the data's end and the median history of 13
weekly points ending there; every engine's numbers must equal DuckDB's.  To know the
overhead, not to win.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import ibis

import segment_lab as sl
from benchmarks import _common
from benchmarks.segments import CATALOG, REFERENCES

ENGINES = ("duckdb", "postgres", "pyspark")
TABLES = ("contacts", "events", "contact_history")


def subset(scale: str, contacts: int, folder: Path) -> dict[str, int]:
    """Write every ``1_000_000 // contacts``-th contact (ids, events, history) as Parquet."""
    import duckdb

    step = max(1, 1_000_000 // contacts)
    counts = {}
    with duckdb.connect(_common.database(scale), read_only=True) as con:
        cols = [r[0] for r in con.sql("DESCRIBE contacts").fetchall() if "[]" not in r[1]]
        select = {  # list columns stay out: PostgreSQL's CSV COPY does not read DuckDB lists
            "contacts": f"SELECT {', '.join(cols)} FROM contacts",
            "events": "SELECT * FROM events",
            "contact_history": "SELECT * FROM contact_history",
        }
        for table in TABLES:
            query = f"{select[table]} WHERE contact_id % {step} = 0"
            con.execute(f"COPY ({query}) TO '{folder / table}.parquet' (FORMAT parquet)")
            con.execute(f"COPY ({query}) TO '{folder / table}.csv' (FORMAT csv, HEADER)")
            counts[table] = con.sql(f"SELECT count(*) FROM ({query})").fetchone()[0]
    return counts


def _postgres(con: Any, folder: Path) -> dict[str, Any]:
    """Load the CSV files with one server-side COPY per table (schemas from the Parquet)."""
    tables = {}
    for table in TABLES:
        schema = ibis.duckdb.connect().read_parquet(str(folder / f"{table}.parquet")).schema()
        tables[table] = con.create_table(table, schema=schema, overwrite=True)
        os.chmod(folder / f"{table}.csv", 0o644)
        con.raw_sql(f"COPY \"{table}\" FROM '{folder / table}.csv' (FORMAT csv, HEADER)")
    con.raw_sql("ANALYZE")
    return tables


def _workspace(engine: str, con: Any, folder: Path, now: dt.datetime) -> sl.Workspace:
    if engine == "postgres":
        tables = _postgres(con, folder)
    else:
        tables = {t: con.read_parquet(str(folder / f"{t}.parquet"), table_name=t) for t in TABLES}
    return sl.Workspace.from_ibis(
        tables["contacts"], tables["events"], tables["contact_history"], catalog=CATALOG, now=now
    )


def _measure(ws: sl.Workspace, now: dt.datetime, repeat: int) -> dict[str, Any]:
    rows = {}
    start = now - dt.timedelta(weeks=12)
    for ref in REFERENCES:
        asof_s, n = _common.timeit(lambda s=ref.segment: ws.count(s), repeat)
        history_s, frame = _common.timeit(
            lambda s=ref.segment: ws.history(s, start=start, end=now, every="1w"), repeat
        )
        rows[ref.name] = {
            "members": n,
            "asof_s": asof_s,
            "history_s": history_s,
            "history_sizes": [int(x) for x in frame["size"]],
        }
    return rows


def run(scale: str = "bench", repeat: int = 3, contacts: int = 100_000) -> dict[str, Any]:
    """Time the reference segments on each engine; raises if any number differs from DuckDB's."""
    from segment_lab import sample
    from tests.backends import start_backend

    now = sample.END
    folder = Path(tempfile.mkdtemp(prefix="segment_lab_backends_"))
    os.chmod(folder, 0o755)
    try:
        counts = subset(scale, contacts, folder)
        results = {}
        for engine in ENGINES:
            with start_backend(engine) as backend:
                ws = _workspace(engine, backend.con, folder, now)
                results[engine] = _measure(ws, now, repeat)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    rows = []
    for ref in REFERENCES:
        base = results["duckdb"][ref.name]
        for engine in ENGINES:
            r = results[engine][ref.name]
            if (r["members"], r["history_sizes"]) != (base["members"], base["history_sizes"]):
                raise AssertionError(f"{ref.name} on {engine}: {r} but DuckDB {base}")
            rows.append(
                {
                    "segment": ref.name,
                    "engine": engine,
                    "members": r["members"],
                    "asof_s": r["asof_s"],
                    "history_s": r["history_s"],
                    "asof_vs_duckdb": r["asof_s"] / base["asof_s"],
                    "history_vs_duckdb": r["history_s"] / base["history_s"],
                }
            )
    return {
        "benchmark": "backends",
        "scale": f"{scale}, every {1_000_000 // contacts}th contact",
        "contacts": counts["contacts"],
        "events": counts["events"],
        "history_rows": counts["contact_history"],
        "repeat": repeat,
        "history_points": 13,
        "machine": _common.machine(),
        "rows": rows,
        "peak_rss_gib": _common.peak_rss_gib(),
    }
