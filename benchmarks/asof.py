"""As-of evaluation at bench scale: segment_lab vs hand-written DuckDB SQL vs pandas.

For each reference segment (benchmarks/segments.py), in one run: the median of
``repeat`` timings of ``ws.count(segment, as_of=t)``, of the hand-written SQL of the
same logic on the same connection, of pandas on frames already in memory, and of
both starting from the same Parquet files.  Also: compile time of a 20-node rule and
the peak memory of the process while only segment_lab had run.
"""

from __future__ import annotations

import time
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


def run(scale: str = "bench", repeat: int = 5) -> dict[str, Any]:
    from segment_lab import sample

    t = sample.END
    ws = sl.Workspace.connect(_common.database(scale), catalog=CATALOG, now=t)
    con = ws.tables.contacts._find_backend().con
    rows: list[dict[str, Any]] = []
    for ref in REFERENCES:
        engine, n_engine = _common.timeit(lambda r=ref: ws.count(r.segment, as_of=t), repeat)
        sql, n_sql = _common.timeit(lambda r=ref: con.execute(r.sql(t)).fetchone()[0], repeat)
        if n_engine != n_sql:
            raise AssertionError(f"{ref.name}: segment_lab counted {n_engine}, hand SQL {n_sql}")
        # the generated SQL alone: how much of the difference is the query, how much compiling
        generated = str(ibis.to_sql(ws.members(ref.segment, as_of=t).count(), dialect="duckdb"))
        query, _ = _common.timeit(lambda q=generated: con.execute(q).fetchone()[0], repeat)
        rows.append(
            {
                "segment": ref.name,
                "members": n_engine,
                "engine_s": engine,
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
