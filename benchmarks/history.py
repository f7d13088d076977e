"""History at bench scale: one interval evaluation vs one as-of evaluation vs a naive loop.

For each reference segment, in one run: the median as-of time at the last instant;
365 daily points; 720 hourly points (30 days); and the naive loop (one as-of
evaluation per point) timed on 30 points and scaled to 365.  Then 20 segments x one
year daily in one call, with its progress bar.

Floors: for the segments with event conditions, hand-written DuckDB SQL that only
reads the events a history must consider, and that only orders them per contact
(see :func:`floors`), on the same connection in the same run.  They show how much of
a ratio to one as-of evaluation is the work itself rather than the engine.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from typing import Any

import segment_lab as sl
from benchmarks import _common
from benchmarks.segments import CATALOG, REFERENCES
from segment_lab.engine import choose_plan, plan_costs

#: The grids of the plan table: name, every, number of points (ending at the data's end).
GRIDS = (("hourly", "1h", 720), ("daily", "1d", 365), ("weekly", "1w", 52), ("monthly", "1mo", 12))


def _twenty(references: list) -> list[sl.Segment]:
    """20 segments: the references and variants of them with other thresholds and windows."""
    from segment_lab import event, field

    extra = [
        sl.Segment(f"openers-{n}-{d}d", event("email_open").count(within=f"{d}d") >= n)
        for n, d in ((1, 7), (2, 14), (5, 60), (1, 90))
    ] + [
        sl.Segment(f"city-{c}", field("city") == c) for c in ("London", "Berlin", "Paris", "New York")
    ] + [
        sl.Segment("clickers-14d", event("email_click").exists(within="14d")),
        sl.Segment("buyers-365d", event("purchase").exists(within="365d")),
        sl.Segment("forms-30d", event("form_submit").count(within="30d") >= 1),
        sl.Segment("no-open-60d", ~event("email_open").exists(within="60d")),
        sl.Segment("customers", field("lifecycle_stage") == "customer"),
        sl.Segment("new-30d", field("created_at") > "-30d"),
    ]  # fmt: skip
    return [r.segment for r in references] + extra


#: The events each reference segment's history must read: (type, window in days or None
#: for all events up to the end, extra SQL condition), written by hand.
EVENT_SETS = {
    "count in window": [("email_open", 30, "")],
    "not exists": [("page_visit", 14, "")],
    "sum": [("purchase", 90, "")],
    "last_seen": [("purchase", None, "")],
    "nested any/all + in_segment": [
        ("email_open", 30, ""),
        ("page_visit", 14, " AND contains(lower(url), '/pricing')"),
    ],
}


def _events_sql(
    etype: str, days: int | None, extra: str, start: dt.datetime, end: dt.datetime
) -> str:
    """Events of ``etype`` that can count at some instant of ``[start, end]``."""
    lit = lambda x: f"TIMESTAMP '{x:%Y-%m-%d %H:%M:%S}'"  # noqa: E731
    since = f" AND ts > {lit(start)} - INTERVAL {days} DAY" if days else ""
    return f"events WHERE event_type = '{etype}' AND ts <= {lit(end)}{since}{extra}"


def floors(
    con: Any, name: str, start: dt.datetime, end: dt.datetime, repeat: int
) -> dict[str, Any]:
    """Hand-written DuckDB SQL for the least any exact history of ``name`` on ``[start, end]``
    must do: *read* its events (a filtered count), and *order* each contact's events in
    time (a ``LAG`` over them), which exact entries and exits of a sliding-window
    condition need.  Summed over the segment's event sets."""
    read = order = 0.0
    rows = 0
    for etype, days, extra in EVENT_SETS[name]:
        src = _events_sql(etype, days, extra, start, end)
        r, n = _common.timeit(
            lambda q=f"SELECT count(*) FROM {src}": con.execute(q).fetchone()[0], repeat
        )
        q = (
            "SELECT count(prev) FROM (SELECT LAG(ts) OVER (PARTITION BY contact_id ORDER BY ts) "
            f"AS prev FROM {src})"
        )
        o, _ = _common.timeit(lambda q=q: con.execute(q).fetchone()[0], repeat)
        read, order, rows = read + r, order + o, rows + n
    return {"events": rows, "read_s": read, "order_s": order}


def _grid_start(end: dt.datetime, every: str, points: int) -> dt.datetime:
    if every == "1mo":
        return dt.datetime(end.year - 1, end.month, 1) + dt.timedelta(days=32)  # 12 month starts
    step = {"1h": dt.timedelta(hours=1), "1d": dt.timedelta(days=1), "1w": dt.timedelta(weeks=1)}
    return end - (points - 1) * step[every]


def plans(ws: sl.Workspace, segments: list, end: dt.datetime, repeat: int) -> list[dict[str, Any]]:
    """Per segment and grid: the chosen plan, its time, the other plan's, the naive loop.

    The naive loop counts as-of at every grid point (all of them on the weekly and
    monthly grids, 30 of them scaled on the others) and must give the history's sizes.
    ``build_ms`` is the Python time to build and compile the history query (no run).
    """
    from segment_lab.engine import make_grid
    from segment_lab.engine._batched import batched_counts
    from segment_lab.engine._history import grid_counts
    from segment_lab.engine._intervals import IntervalContext, membership

    stats = ws._facts.stats()
    rows = []
    for seg in segments:
        rule = ws.resolve(seg)
        for name, every, points in GRIDS:
            start = _grid_start(end, every, points)
            grid = make_grid(start, end, every)
            chosen = choose_plan(rule, stats, grid)
            other = "intervals" if chosen == "batched" else "batched"
            call = functools.partial(ws.history, seg, start, end, every, plan=chosen)
            t_chosen, h = _common.timeit(call, repeat)
            costs = plan_costs(rule, stats, grid)
            t_other = None  # not run where estimated at over 10x the rows (hours, GiBs)
            if costs[other] <= 10 * costs[chosen]:
                t0 = time.perf_counter()  # one run: it is there to show the choice
                h2 = ws.history(seg, start, end, every, plan=other)
                t_other = time.perf_counter() - t0
                if not h.equals(h2):
                    raise AssertionError(f"{seg.name} {name}: the two plans differ")
            pts = list(h["period"])
            sample_pts = pts if len(pts) <= 60 else pts[:: max(1, len(pts) // 30)][:30]
            t0 = time.perf_counter()
            sizes = [ws.count(seg, as_of=p.to_pydatetime()) for p in sample_pts]
            naive = (time.perf_counter() - t0) / len(sample_pts) * len(pts)
            expect = [int(h.loc[h["period"] == p, "size"].iloc[0]) for p in sample_pts]
            if sizes != expect:
                raise AssertionError(f"{seg.name} {name}: history differs from as-of")
            t0 = time.perf_counter()
            instants = [grid.before, *grid.points]
            if chosen == "batched":
                expr = batched_counts(rule, ws.tables, grid.positions, instants)
            else:
                ctx = IntervalContext(
                    ws.tables, end=grid.end, horizon=grid.before, grid=grid.positions
                )
                expr = grid_counts(membership(rule, ctx))
            ws.tables.contacts._find_backend().compile(expr)
            build = time.perf_counter() - t0
            rows.append(
                {
                    "segment": seg.name,
                    "grid": name,
                    "points": grid.n,
                    "plan": chosen,
                    "plan_s": t_chosen,
                    "other_plan": other,
                    "other_s": t_other,
                    "naive_s": naive,
                    "naive_points_timed": len(sample_pts),
                    "naive_vs_plan": naive / t_chosen,
                    "build_ms": build * 1000,
                    "est_batched": costs["batched"],
                    "est_intervals": costs["intervals"],
                }
            )
    return rows


def run(scale: str = "bench", repeat: int = 5, naive_points: int = 30) -> dict[str, Any]:
    from segment_lab import sample

    end = sample.END
    ws = sl.Workspace.connect(_common.database(scale), catalog=CATALOG, now=end)
    start_year = end - dt.timedelta(days=364)
    start_month = end - dt.timedelta(hours=719)
    rows = []
    for ref in REFERENCES:
        seg = ref.segment
        asof, n = _common.timeit(lambda s=seg: ws.count(s, as_of=end), repeat)
        daily, h = _common.timeit(
            lambda s=seg: ws.history(s, start=start_year, end=end, every="1d"), repeat
        )
        last = h["period"].iloc[-1]  # daily grids fall on midnights: the last is end's day
        n_last = ws.count(seg, as_of=last)
        if int(h["size"].iloc[-1]) != n_last or len(h) != 365:
            raise AssertionError(
                f"{ref.name}: history ends at {h['size'].iloc[-1]} != as-of {n_last} at {last}"
            )
        hourly, hh = _common.timeit(
            lambda s=seg: ws.history(s, start=start_month, end=end, every="1h"), repeat
        )
        if len(hh) != 720 or int(hh["size"].iloc[-1]) != n:
            raise AssertionError(f"{ref.name}: hourly history is inconsistent")
        points = list(h["period"].iloc[:: max(1, 365 // naive_points)][:naive_points])
        t0 = time.perf_counter()
        naive_sizes = [ws.count(seg, as_of=p.to_pydatetime()) for p in points]
        naive = (time.perf_counter() - t0) / len(points) * 365
        expected = [int(h.loc[h["period"] == p, "size"].iloc[0]) for p in points]
        if naive_sizes != expected:
            raise AssertionError(f"{ref.name}: history differs from as-of on the grid")
        floor = {}
        if ref.name in EVENT_SETS:
            con = ws.tables.events._find_backend().con
            daily_f = floors(con, ref.name, start_year, end, repeat)
            hourly_f = floors(con, ref.name, start_month, end, repeat)
            floor = {
                "daily_events": daily_f["events"],
                "daily_read_s": daily_f["read_s"],
                "daily_order_s": daily_f["order_s"],
                "daily_order_vs_asof": daily_f["order_s"] / asof,
                "hourly_events": hourly_f["events"],
                "hourly_read_s": hourly_f["read_s"],
                "hourly_order_s": hourly_f["order_s"],
                "hourly_order_vs_asof": hourly_f["order_s"] / asof,
                "naive_vs_daily_order": naive / daily_f["order_s"],
            }
        rows.append(
            {
                "segment": ref.name,
                "asof_s": asof,
                "daily365_s": daily,
                "hourly720_s": hourly,
                "naive365_s": naive,
                "daily_vs_asof": daily / asof,
                "hourly_vs_asof": hourly / asof,
                "naive_vs_engine": naive / daily,
                **floor,
            }
        )
    seed = sample.demo_catalog()["tokyo-cto-python-quiet"]
    fresh = sl.Workspace.connect(_common.database(scale), catalog=CATALOG, now=end)
    weekly = _grid_start(end, "1w", 52)
    t0 = time.perf_counter()  # the first history of a fresh workspace: statistics included
    fresh.history(seed, weekly, end, "1w")
    first_call = time.perf_counter() - t0
    plan_rows = plans(ws, [seed, *(r.segment for r in REFERENCES)], end, min(repeat, 3))
    segs = _twenty(REFERENCES)
    t0 = time.perf_counter()
    many = ws.history(segs, start=start_year, end=end, every="1d", progress=True)
    twenty = time.perf_counter() - t0
    assert many["segment"].nunique() == 20
    return {
        "benchmark": "history",
        "scale": scale,
        "repeat": repeat,
        "end": str(end),
        "naive_points": naive_points,
        "twenty_segments_year_daily_s": twenty,
        "peak_rss_gib": _common.peak_rss_gib(),
        "machine": _common.machine(),
        "rows": rows,
        "plans": plan_rows,
        "seed_first_weekly_s": first_call,
        "finished": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
