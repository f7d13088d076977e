"""As-of evaluation at bench scale: segment_lab vs hand-written DuckDB SQL vs pandas.

For each reference segment (benchmarks/segments.py), in one run: the median of
``repeat`` timings of ``ws.count(segment, as_of=u)`` at ``repeat`` different instants
u (t, t - 1 min, ...) and of the hand-written SQL of the same logic at the same
instants on the same connection; the median of a rule's *first* count in a fresh
workspace (its count plan compiled, see segment_lab/engine/_plans.py); pandas on
frames already in memory, and both starting from the same Parquet files.  Also: the
compile time of a 20-node rule and the peak memory of the process while only
segment_lab had run.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from typing import Any

import ibis
import pandas as pd

import segment_lab as sl
from benchmarks import _common
from benchmarks.segments import CATALOG, REFERENCES, twenty_node_rule


def _frames_from_parquet(pq) -> dict[str, pd.DataFrame]:
    return {
        "contacts": pd.read_parquet(pq / "contacts.parquet", columns=["contact_id", "created_at"]),
        "events": pd.read_parquet(
            pq / "events.parquet", columns=["contact_id", "event_type", "ts", "url", "value"]
        ).astype({"event_type": "category"}),
        "contact_history": pd.read_parquet(
            pq / "contact_history.parquet",
            columns=[
                "contact_id",
                "valid_from",
                "valid_to",
                "city",
                "job_title",
                "lifecycle_stage",
            ],
        ),
    }


def _at_instants(
    fn: Callable[[dt.datetime], Any], instants: list[dt.datetime]
) -> tuple[float, list]:
    """Median wall time of ``fn(u)`` over ``instants[1:]`` (``instants[0]`` warms up) and
    every result, in order."""
    results = [fn(instants[0])]
    times = []
    for u in instants[1:]:
        start = time.perf_counter()
        results.append(fn(u))
        times.append(time.perf_counter() - start)
    return statistics.median(times), results


def _first_calls(
    ws: sl.Workspace, seg: sl.Segment, t: dt.datetime, repeat: int
) -> tuple[float, int]:
    """Median time of a rule's first count in a workspace: compiling its plan included."""
    times, n = [], None
    for _ in range(repeat):
        fresh = ws.with_catalog(CATALOG)  # same tables and connection, no plans yet
        start = time.perf_counter()
        n = fresh.count(seg, as_of=t)
        times.append(time.perf_counter() - start)
    return statistics.median(times), n


def run(scale: str = "bench", repeat: int = 5) -> dict[str, Any]:
    from segment_lab import sample

    t = sample.END
    ws = sl.Workspace.connect(_common.database(scale), catalog=CATALOG, now=t)
    con = ws.tables.contacts._find_backend().con
    rows: list[dict[str, Any]] = []
    # each timed run counts at an instant of its own (t, t - 1 min, ...): a count plan is
    # compiled per rule, never per instant, and no two runs send the same SQL
    instants = [t - dt.timedelta(minutes=k) for k in range(repeat + 1)]
    for ref in REFERENCES:
        seg = ref.segment
        first, n_first = _first_calls(ws, seg, t, repeat)
        engine, n_engine = _at_instants(lambda u, s=seg: ws.count(s, as_of=u), instants)
        sql, n_sql = _at_instants(lambda u, r=ref: con.execute(r.sql(u)).fetchone()[0], instants)
        if n_engine != n_sql or n_first != n_sql[0]:
            raise AssertionError(f"{ref.name}: segment_lab counted {n_engine}, hand SQL {n_sql}")
        n_engine = n_engine[0]
        # the generated SQL alone: how much of the difference is the query, how much compiling
        generated = str(ibis.to_sql(ws.members(ref.segment, as_of=t).count(), dialect="duckdb"))
        query, _ = _common.timeit(lambda q=generated: con.execute(q).fetchone()[0], repeat)
        rows.append(
            {
                "segment": ref.name,
                "members": n_engine,
                "engine_s": engine,
                "engine_first_s": first,
                "sql_s": sql,
                "query_s": query,
            }
        )
    # compile time of a 20-node rule: building the Ibis expression and its SQL
    rule = twenty_node_rule()
    compile_s, _ = _common.timeit(lambda: ibis.to_sql(ws.members(rule, as_of=t)), repeat)
    peak_engine = _common.peak_rss_gib()

    pq = _common.parquet_dir(scale)
    frames = _frames_from_parquet(pq)
    for row, ref in zip(rows, REFERENCES):
        pd_s, n_pd = _common.timeit(lambda r=ref: r.pandas(frames, t), repeat)
        if n_pd != row["members"]:
            raise AssertionError(f"{ref.name}: pandas counted {n_pd}, segment_lab {row['members']}")
        row["pandas_mem_s"] = pd_s
    frames.clear()  # free the memory before the Parquet runs

    def engine_from_parquet(ref):
        c = ibis.duckdb.connect()
        w = sl.Workspace.from_ibis(
            c.read_parquet(pq / "contacts.parquet"),
            c.read_parquet(pq / "events.parquet"),
            c.read_parquet(pq / "contact_history.parquet"),
            catalog=CATALOG,
            now=t,
            validate=False,
        )
        return w.count(ref.segment, as_of=t)

    for row, ref in zip(rows, REFERENCES):
        e_s, n_e = _common.timeit(lambda r=ref: engine_from_parquet(r), max(1, repeat // 2))
        p_s, n_p = _common.timeit(
            lambda r=ref: r.pandas(_frames_from_parquet(pq), t), max(1, repeat // 2)
        )
        if not (n_e == n_p == row["members"]):
            raise AssertionError(
                f"{ref.name}: parquet counts differ: {n_e}, {n_p}, {row['members']}"
            )
        row["engine_parquet_s"], row["pandas_parquet_s"] = e_s, p_s
    for row in rows:
        row["vs_sql"] = row["engine_s"] / row["sql_s"]
        row["first_vs_sql"] = row["engine_first_s"] / row["sql_s"]
        row["pandas_mem_speedup"] = row["pandas_mem_s"] / row["engine_s"]
        row["pandas_parquet_speedup"] = row["pandas_parquet_s"] / row["engine_parquet_s"]
    return {
        "benchmark": "asof",
        "scale": scale,
        "repeat": repeat,
        "as_of": str(t),
        "contacts": int(ws.tables.contacts.count().execute()),
        "events": int(ws.tables.events.count().execute()),
        "compile_20_nodes_ms": compile_s * 1000,
        "peak_rss_engine_gib": peak_engine,
        "machine": _common.machine(),
        "rows": rows,
        "finished": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
