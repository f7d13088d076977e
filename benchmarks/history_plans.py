"""History plans: the first ``ws.history`` call of a grid shape vs repeat calls on other grids.

A history plan (engine/_plans.py) is compiled on the first call of a rule, plan and
grid shape (step and number of points); a repeat call on another grid of that shape
(another start and end) substitutes the grid's instants into the compiled SQL.  For
each segment, grid and plan, :func:`repeat_calls` times the first call of a fresh
workspace and repeat calls shifted by one step each, and splits each into its SQL
(the query running in DuckDB, timed around the connection's ``execute`` and fetch)
and its Python (everything else: grid, choice of plan, binding, the history frame).
The baseline, measured in the same run, is what a call without plans pays in Python:
building and compiling the history query (``compile_ms``).  Wall and CPU time (this
thread's, DuckDB's own threads not included) are both reported: on a shared machine
the CPU time of the Python is the steadier figure.

``python -m benchmarks.history_plans [--scale bench]`` runs it on the reference
segments and saves ``results/history_plans_<scale>.json``; :mod:`benchmarks.history` may call
:func:`repeat_calls` on its own workspace.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import statistics
import time
from collections.abc import Iterator, Sequence
from typing import Any

import segment_lab as sl
from benchmarks import _common
from segment_lab.engine import _execute
from segment_lab.model._time import Duration, add_months

#: Grid shapes: name, every, number of points (ending at the data's end).
GRIDS = (
    ("hourly", "1h", 720),
    ("6h", "6h", 120),
    ("daily", "1d", 365),
    ("weekly", "1w", 52),
    ("monthly", "1mo", 12),
    ("quarterly", "1q", 8),
)


class _SqlClock:
    """Time spent running SQL on DuckDB connections (the binding of tables included).

    ``seconds`` is wall time, ``cpu`` this thread's CPU time (DuckDB's own threads not
    included): on a shared machine the CPU time of the Python around the SQL is the
    steadier figure.
    """

    def __init__(self) -> None:
        self.seconds = 0.0
        self.cpu = 0.0

    @contextlib.contextmanager
    def installed(self) -> Iterator[_SqlClock]:
        inner = _execute._bound_rows

        def timed(con: Any, sql: str, tables: dict[str, Any]) -> list[tuple]:
            t0, c0 = time.perf_counter(), time.thread_time()
            try:
                return inner(con, sql, tables)
            finally:
                self.seconds += time.perf_counter() - t0
                self.cpu += time.thread_time() - c0

        _execute._bound_rows = timed
        try:
            yield self
        finally:
            _execute._bound_rows = inner


def _grid(end: dt.datetime, every: str, points: int, shift: int) -> tuple[dt.datetime, dt.datetime]:
    """``(start, end)`` of ``points`` instants every ``every`` ending ``shift`` steps before ``end``."""
    months = {"1mo": 1, "1q": 3}.get(every)
    if months is not None:
        last = add_months(dt.datetime(end.year, end.month, 1), -shift * months)
        return add_months(last, -(points - 1) * months), last
    step = Duration.parse(every).to_timedelta()
    last = end - shift * step
    return last - (points - 1) * step, last


def _call(ws: sl.Workspace, seg: Any, start: Any, end: Any, every: str, plan: str) -> tuple:
    """One ``ws.history`` call: ``(total s, SQL s, Python CPU s, frame)``."""
    clock = _SqlClock()
    with clock.installed():
        t0, c0 = time.perf_counter(), time.thread_time()
        frame = ws.history(seg, start, end, every, plan=plan)
        total, cpu = time.perf_counter() - t0, time.thread_time() - c0
    return total, clock.seconds, cpu - clock.cpu, frame


def _compile_ms(
    ws: sl.Workspace, seg: Any, start: Any, end: Any, every: str, plan: str
) -> tuple[float, float]:
    """Python to build and compile the history query afresh (what a call without plans
    pays): ``(wall ms, CPU ms)``."""
    from segment_lab.engine import history_counts
    from segment_lab.engine._execute import compile_sql, duckdb_backend

    rule, grid = ws.resolve(seg), ws.grid(start, end, every)
    t0, c0 = time.perf_counter(), time.thread_time()
    expr = history_counts(rule, ws.tables, grid, plan)
    compile_sql(duckdb_backend(expr), expr)
    return (time.perf_counter() - t0) * 1000, (time.thread_time() - c0) * 1000


def repeat_calls(
    ws: sl.Workspace,
    segments: Sequence[Any],
    end: dt.datetime,
    grids: Sequence[tuple[str, str, int]] = GRIDS,
    plans: Sequence[str] = ("intervals", "batched"),
    repeats: int = 3,
) -> list[dict[str, Any]]:
    """First call vs repeat calls of ``ws.history`` per segment, grid and plan.

    ``ws`` gives the tables and catalog; each (segment, grid, plan) starts from a fresh
    workspace on them, sharing ``ws``'s table statistics, so that its first call
    compiles the plan.  The repeat calls run on grids of the same shape shifted by
    1, 2, ... steps back from ``end`` and must give, on the instants they share with
    the first grid, the same sizes.  Times are in ms: ``*_python_ms`` is the call's
    total minus its SQL (wall), ``*_python_cpu_ms`` the CPU time of this thread
    outside the SQL; repeat figures are medians (and maxima).
    """
    rows = []
    for seg in segments:
        name = getattr(seg, "name", str(seg))
        for grid_name, every, points in grids:
            for plan in plans:
                fresh = sl.Workspace(ws.tables, ws.catalog, ws.now, ws._facts)
                start, last = _grid(end, every, points, 0)
                first, first_sql, first_cpu, frame = _call(fresh, seg, start, last, every, plan)
                sizes = dict(zip(frame["period"], frame["size"]))
                totals, sqls, cpus = [], [], []
                for shift in range(1, repeats + 1):
                    s, e = _grid(end, every, points, shift)
                    total, sql, cpu, again = _call(fresh, seg, s, e, every, plan)
                    totals.append(total)
                    sqls.append(sql)
                    cpus.append(cpu)
                    for p, size in zip(again["period"], again["size"]):
                        if p in sizes and sizes[p] != size:
                            raise AssertionError(f"{name} {grid_name} {plan}: {p} differs")
                python = [t - q for t, q in zip(totals, sqls)]
                compile_ms, compile_cpu_ms = _compile_ms(fresh, seg, start, last, every, plan)
                rows.append(
                    {
                        "segment": name,
                        "grid": grid_name,
                        "points": len(frame),
                        "plan": plan,
                        "compiled": len(fresh._history_plans) == 1
                        and fresh._history_plans.get(
                            fresh.resolve(seg), plan, fresh.grid(start, last, every)
                        )
                        is not None,
                        "first_ms": first * 1000,
                        "first_sql_ms": first_sql * 1000,
                        "first_python_ms": (first - first_sql) * 1000,
                        "first_python_cpu_ms": first_cpu * 1000,
                        "repeat_ms": statistics.median(totals) * 1000,
                        "repeat_sql_ms": statistics.median(sqls) * 1000,
                        "repeat_python_ms": statistics.median(python) * 1000,
                        "repeat_python_max_ms": max(python) * 1000,
                        "repeat_python_cpu_ms": statistics.median(cpus) * 1000,
                        "repeat_python_cpu_max_ms": max(cpus) * 1000,
                        "compile_ms": compile_ms,
                        "compile_cpu_ms": compile_cpu_ms,
                    }
                )
    return rows


#: The reference segments of a bench-scale run (each history there takes seconds): a
#: sliding count, a sum, and the nested rule with a segment reference.
BENCH_SEGMENTS = ("count in window", "sum", "nested any/all + in_segment")


def run(
    scale: str = "bench",
    repeats: int = 2,
    segments: Sequence[str] | None = None,
    save: bool = False,
) -> dict[str, Any]:
    """:func:`repeat_calls` on the reference segments at ``scale``, one workspace.

    ``segments``: names of reference segments (default: :data:`BENCH_SEGMENTS` at bench
    scale, all of them otherwise).  The dense grids (hourly, 6-hourly, daily) run the
    interval plan only, the sparse ones (weekly, monthly, quarterly) all three: a batched
    history of 720 hourly points reads each event in up to 720 instants' windows.
    ``save``: write ``results/history_plans_<scale>.json`` after each grid.
    """
    from benchmarks.segments import CATALOG, REFERENCES
    from segment_lab import sample

    if segments is None and scale == "bench":
        segments = BENCH_SEGMENTS
    refs = [r for r in REFERENCES if segments is None or r.name in segments]
    end = sample.END
    ws = sl.Workspace.connect(_common.database(scale), catalog=CATALOG, now=end)
    ws._facts.stats()  # the table statistics: once, outside the first calls
    dense, sparse = GRIDS[:3], GRIDS[3:]
    result: dict[str, Any] = {"benchmark": "history_plans", "scale": scale, "repeats": repeats}
    result.update(end=str(end), machine=_common.machine(), rows=[])
    for ref in refs:
        for grid in (*dense, *sparse):
            plans = ("intervals",) if grid in dense else ("intervals", "batched", "bitmask")
            for row in repeat_calls(ws, [ref.segment], end, [grid], plans, repeats):
                result["rows"].append({"reference": ref.name, **row})
            if save:  # each grid as it comes: a long run stopped early keeps what it measured
                _common.save(f"history_plans_{scale}", {**result, "complete": False})
    result.update(peak_rss_gib=_common.peak_rss_gib(), complete=True)
    result["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    if save:
        _common.save(f"history_plans_{scale}", result)
    return result


def table(result: dict[str, Any]) -> str:
    """The rows of :func:`run` as a Markdown table."""
    lines = [
        "| segment | grid | plan | plan compiled | first ms (Python) | repeat ms (Python, max) "
        "| repeat Python CPU ms (max) | compile ms, CPU (no plan) |",
        "|---|---|---|---|---:|---:|---:|---:|",
    ]
    for r in result["rows"]:
        lines.append(
            f"| {r.get('reference', r['segment'])} | {r['grid']} | {r['plan']} | {'yes' if r['compiled'] else 'no'} "
            f"| {r['first_ms']:.0f} ({r['first_python_ms']:.0f}) | {r['repeat_ms']:.0f} "
            f"({r['repeat_python_ms']:.1f}, {r['repeat_python_max_ms']:.1f}) "
            f"| {r['repeat_python_cpu_ms']:.1f} ({r['repeat_python_cpu_max_ms']:.1f}) "
            f"| {r['compile_ms']:.0f}, {r['compile_cpu_ms']:.0f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="bench")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--segments", nargs="*", default=None, help="reference segment names")
    args = parser.parse_args()
    print(table(run(args.scale, args.repeats, args.segments, save=True)))
