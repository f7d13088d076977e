"""History per segment and grid density: the chosen plan, the other plans, the naive loop, floors.

For the reference segments (benchmarks/segments.py) and the seed example
(``sample.demo_catalog()["tokyo-cto-python-quiet"]``), on the four grids of :data:`GRIDS`
(each ending at the data's end), in one run and one process:

- one as-of evaluation at the data's end (median over 3 instants a minute apart);
- the plan ``ws.history(..., plan="auto")`` chooses, timed by :func:`_timed` (a warm-up,
  then the median of ``repeat``; one run when the first takes over :data:`SLOW_S`);
- every other plan forced, once, where its estimated rows are at most
  :data:`AFFORDABLE` times the chosen plan's, and checked to give the same frame;
- the naive loop, one ``ws.count(as_of=p)`` per grid point: all points on the weekly
  and monthly grids, :data:`NAIVE_SAMPLE` spread points scaled on the dense ones,
  checked to give the history's sizes at those points;
- the floors (:func:`floors`): hand-written DuckDB SQL that only *reads* the events the
  history must consider, and that only *orders* each contact's events in time.

Then the issue's targets, each with its measured value and met or not (:func:`targets`),
and 20 segments x one year daily in one call.

Hook: when a module ``benchmarks.history_plans`` exists and defines
``rows(ws, segments, end) -> list[dict]``, its rows (repeat-call Python cost of history
plans) are included as ``history_plans`` and rendered as a table of their keys.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import segment_lab as sl
from benchmarks import _common
from benchmarks.segments import CATALOG, REFERENCES
from segment_lab.engine import choose_plan, make_grid, plan_costs
from segment_lab.engine._bitmask import suits, why_not

#: The grids: name, every, number of points (ending at the data's end).
GRIDS = (("hourly", "1h", 720), ("daily", "1d", 365), ("weekly", "1w", 52), ("monthly", "1mo", 12))

#: A timed call whose first run takes longer than this (seconds) is run once.
SLOW_S = 5.0

#: Another plan is forced only where estimated at most this many times the chosen plan's
#: rows, and where the chosen plan's time scaled by that ratio stays under :data:`OTHER_MAX_S`.
AFFORDABLE = 10.0
OTHER_MAX_S = 30.0

#: What a forced plan interrupted after :data:`OTHER_MAX_S` records instead of its time.
STOPPED = "stopped"

#: Points the naive loop times on the dense grids (hourly, daily), spread over the grid.
NAIVE_SAMPLE = 30

#: The name of the seed example's row.
SEED = "seed example"

#: DuckDB memory limit of the benchmark's connection: with it the process stays within
#: 4 GiB (DuckDB spills the rest to its temporary directory); None leaves DuckDB's default.
MEMORY_LIMIT = "3GB"


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


#: The events each segment's history must read: (type, window in days or None for all
#: events up to the end, extra SQL condition), written by hand.
EVENT_SETS = {
    SEED: [("page_visit", 14, "")],
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


def _median(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median wall time of ``runs`` calls (no warm-up) and the last result."""
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def _timed(fn: Callable[[], Any], repeat: int) -> tuple[float, int, Any]:
    """(seconds, runs, result): the first run alone when it took over :data:`SLOW_S`,
    else the median of ``repeat`` runs after it (the first is the warm-up)."""
    t0 = time.perf_counter()
    result = fn()
    first = time.perf_counter() - t0
    if first > SLOW_S or repeat < 1:
        return first, 1, result
    seconds, result = _median(fn, repeat)
    return seconds, repeat, result


def floors(
    con: Any, name: str, start: dt.datetime, end: dt.datetime, repeat: int
) -> dict[str, Any]:
    """Hand-written DuckDB SQL for the least any exact history of ``name`` on ``[start, end]``
    must do: *read* its events (a filtered count), and *order* each contact's events in
    time (a ``LAG`` over them), which exact entries and exits of a sliding-window
    condition need.  Summed over the segment's event sets; medians of ``repeat`` runs."""
    read = order = 0.0
    rows = 0
    for etype, days, extra in EVENT_SETS[name]:
        src = _events_sql(etype, days, extra, start, end)
        r, n = _median(lambda q=f"SELECT count(*) FROM {src}": con.execute(q).fetchone()[0], repeat)
        q = (
            "SELECT count(prev) FROM (SELECT LAG(ts) OVER (PARTITION BY contact_id ORDER BY ts) "
            f"AS prev FROM {src})"
        )
        o, _ = _median(lambda q=q: con.execute(q).fetchone()[0], repeat)
        read, order, rows = read + r, order + o, rows + n
    return {"events": rows, "read_s": read, "order_s": order}


def _grid_start(end: dt.datetime, every: str, points: int) -> dt.datetime:
    if every == "1mo":
        return dt.datetime(end.year - 1, end.month, 1) + dt.timedelta(days=32)  # 12 month starts
    step = {"1h": dt.timedelta(hours=1), "1d": dt.timedelta(days=1), "1w": dt.timedelta(weeks=1)}
    return end - (points - 1) * step[every]


def _naive(ws: sl.Workspace, seg: sl.Segment, h: Any, label: str) -> tuple[float, int]:
    """The naive loop's time over all of ``h``'s points (timed on a sample of the dense
    grids, scaled) and the points timed; raises when a count differs from the history."""
    pts = list(h["period"])
    step = max(1, len(pts) // NAIVE_SAMPLE)
    sample_pts = pts if len(pts) <= 60 else pts[::step][:NAIVE_SAMPLE]
    t0 = time.perf_counter()
    sizes = [ws.count(seg, as_of=p.to_pydatetime()) for p in sample_pts]
    naive = (time.perf_counter() - t0) / len(sample_pts) * len(pts)
    expect = [int(h.loc[h["period"] == p, "size"].iloc[0]) for p in sample_pts]
    if sizes != expect:
        raise AssertionError(f"{label}: history sizes {expect} differ from as-of counts {sizes}")
    return naive, len(sample_pts)


def _others(ws: sl.Workspace, seg: sl.Segment, span: tuple, chosen: tuple, h: Any, label: str):
    """Every plan but the chosen one, forced once where affordable (None where not run),
    checked to give the same frame; ``chosen`` is (plan, seconds, estimated rows per plan)."""
    chosen, seconds, costs = chosen
    out: dict[str, float | str | None] = {}
    rule = ws.resolve(seg)
    grid = make_grid(*span)
    if (
        chosen != "bitmask"
    ):  # forced where it applies and suits the rule (else it is slow by design)
        fits = why_not(rule, ws.tables, grid.n + 1) is None and suits(rule, grid.positions)
        out["bitmask"] = _forced(ws, seg, span, h, label, chosen, "bitmask") if fits else None
    for plan in sorted(costs):
        if plan == chosen:
            continue
        if chosen == "bitmask":
            ratio = 1.0 if seconds * 10 < OTHER_MAX_S else AFFORDABLE + 1
        else:
            ratio = costs[plan] / max(costs[chosen], 1.0)
        if ratio > AFFORDABLE or seconds * ratio > OTHER_MAX_S:
            out[plan] = None
            continue
        out[plan] = _forced(ws, seg, span, h, label, chosen, plan)
    return out


def _forced(ws, seg, span, h, label, chosen, plan) -> float | str:
    """One run of ``plan`` forced, checked to give the chosen plan's frame ``h``.

    Interrupted after :data:`OTHER_MAX_S` (the estimates that chose to run it can be far
    off): then ``"stopped"``, rendered as "over OTHER_MAX_S s".
    """
    from segment_lab.engine import interrupt
    from segment_lab.errors import EvaluationError

    timer = threading.Timer(OTHER_MAX_S, interrupt, args=(ws.tables.contacts,))
    t0 = time.perf_counter()
    timer.start()
    try:
        h2 = ws.history(seg, *span, plan=plan)
    except EvaluationError:
        if time.perf_counter() - t0 < OTHER_MAX_S:
            raise
        return STOPPED
    finally:
        timer.cancel()
    seconds = time.perf_counter() - t0
    if not h.equals(h2):
        raise AssertionError(f"{label}: plans {chosen} and {plan} differ")
    return seconds


def _asof(ws: sl.Workspace, seg: sl.Segment, end: dt.datetime) -> float:
    """Median of 3 counts at end, end - 1 min, end - 2 min (after a warm-up at end - 3 min)."""
    ws.count(seg, as_of=end - dt.timedelta(minutes=3))
    times = []
    for k in range(3):
        t0 = time.perf_counter()
        ws.count(seg, as_of=end - dt.timedelta(minutes=k))
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _row(ws, con, label, seg, grid_spec, end, asof, repeat) -> dict[str, Any]:
    """One (segment, grid) row of the plan table."""
    name, every, points = grid_spec
    start = _grid_start(end, every, points)
    grid = make_grid(start, end, every)
    rule = ws.resolve(seg)
    stats = ws._facts.stats()
    chosen = choose_plan(rule, stats, grid, tables=ws.tables)
    costs = plan_costs(rule, stats, grid)
    span = (start, end, every)
    plan_s, runs, h = _timed(lambda: ws.history(seg, *span, plan=chosen), repeat)
    where = f"{label} {name}"
    if len(h) != grid.n:
        raise AssertionError(f"{where}: {len(h)} periods, the grid has {grid.n}")
    others = _others(ws, seg, span, (chosen, plan_s, costs), h, where)
    naive, timed = _naive(ws, seg, h, where)
    row: dict[str, Any] = {
        "segment": label,
        "grid": name,
        "points": grid.n,
        "plan": chosen,
        "plan_s": plan_s,
        "plan_runs": runs,
        "others_s": others,
        "estimates": costs,
        "naive_s": naive,
        "naive_points_timed": timed,
        "asof_s": asof,
        "plan_vs_naive": plan_s / naive,
        "naive_vs_plan": naive / plan_s,
        "plan_vs_asof": plan_s / asof,
        "other_max_s": OTHER_MAX_S,
    }
    if label in EVENT_SETS:
        f = floors(con, label, grid.before, end, repeat)
        row.update(
            events=f["events"],
            read_s=f["read_s"],
            order_s=f["order_s"],
            plan_vs_order=plan_s / f["order_s"],
            order_vs_asof=f["order_s"] / asof,
        )
    return row


def _target(name: str, rows: list[dict], value: Callable, ok: Callable, fmt: str) -> dict:
    """One target over ``rows``: the range of the measured values, the rows failing it
    (with their values), and whether all are met (None: no row measures it)."""
    measured = [(f"{r['segment']} {r['grid']}", value(r), r) for r in rows]
    failing = [f"{k} {fmt.format(v)}" for k, v, r in measured if not ok(r, v)]
    values = [v for _, v, _ in measured]
    return {
        "target": name,
        "measured": f"{fmt.format(min(values))} to {fmt.format(max(values))} over {len(values)} rows"
        if values
        else "no row",
        "met": not failing if values else None,
        "failing": failing,
    }


def targets(rows: list[dict], peak_rss_gib: float) -> list[dict[str, Any]]:
    """The issue's targets against the plan rows: measured values, met or not."""
    weekly = [r for r in rows if r["grid"] == "weekly"]
    dense = [r for r in rows if r["grid"] in ("hourly", "daily") and "order_s" in r]
    hourly = [r for r in rows if r["grid"] == "hourly"]
    by = {(r["segment"], r["grid"]): r for r in rows}
    monthly = [
        {**r, "weekly_s": by[(r["segment"], "weekly")]["plan_s"]}
        for r in rows
        if r["grid"] == "monthly" and (r["segment"], "weekly") in by
    ]
    out = [
        _target(
            "never slower than the naive loop (plan ÷ naive ≤ 1), every grid",
            rows,
            lambda r: r["plan_vs_naive"],
            lambda r, v: v <= 1,
            "{:.2f}",
        ),
        _target(
            "≥ 5× the naive loop at 52 weekly points",
            weekly,
            lambda r: r["naive_vs_plan"],
            lambda r, v: v >= 5,
            "{:.1f}×",
        ),
        _target(
            "monthly no slower than weekly (monthly s ÷ weekly s ≤ 1)",
            monthly,
            lambda r: r["plan_s"] / r["weekly_s"],
            lambda r, v: v <= 1,
            "{:.2f}",
        ),
        _target(
            "dense grids within 2× the order floor (goal 1.5×)",
            dense,
            lambda r: r["plan_vs_order"],
            lambda r, v: v <= 2,
            "{:.1f}×",
        ),
        _target(
            "hourly ≤ 4× one as-of wherever the order floor is below it",
            [r for r in hourly if r.get("order_vs_asof", 0) < 4],
            lambda r: r["plan_vs_asof"],
            lambda r, v: v <= 4,
            "{:.1f}×",
        ),
    ]
    out.append(
        {
            "target": "peak memory of the history benchmark ≤ 4 GiB",
            "measured": f"{peak_rss_gib:.2f} GiB",
            "met": peak_rss_gib <= 4,
            "failing": [] if peak_rss_gib <= 4 else [f"peak RSS {peak_rss_gib:.2f} GiB"],
        }
    )
    return out


def _plan_hook(ws: sl.Workspace, segments: list, end: dt.datetime) -> list[dict] | None:
    """Rows of ``benchmarks.history_plans.rows(ws, segments, end)`` if that module exists."""
    import importlib

    try:  # by name: sys.modules first, as the package attribute may be an older import
        history_plans = importlib.import_module("benchmarks.history_plans")
    except ImportError:
        return None
    rows = getattr(history_plans, "rows", None)
    return rows(ws, segments, end) if callable(rows) else None


def run(
    scale: str = "bench",
    repeat: int = 3,
    segments: list[str] | None = None,
    grids: list[str] | None = None,
    twenty: bool = True,
) -> dict[str, Any]:
    """Run the history benchmark at ``scale``; ``segments`` and ``grids`` (row and grid
    names) restrict it, ``twenty`` adds the 20 segments x 1 year daily call."""
    from segment_lab import sample

    end = sample.END
    static = sl.Bindings(static=sample.STATIC_ATTRIBUTES)  # as Workspace.demo binds them
    ws = sl.Workspace.connect(_common.database(scale), bindings=static, catalog=CATALOG, now=end)
    settings = ws.configure(memory_limit=MEMORY_LIMIT) if MEMORY_LIMIT else {}
    con = ws.tables.events._find_backend().con
    named = [(SEED, sample.demo_catalog()["tokyo-cto-python-quiet"])]
    named += [(r.name, r.segment) for r in REFERENCES]
    named = [(n, s) for n, s in named if segments is None or n in segments]
    specs = [g for g in GRIDS if grids is None or g[0] in grids]
    t_start = time.perf_counter()
    rows = []
    for label, seg in named:
        asof = _asof(ws, seg, end)
        for g in specs:
            rows.append(_row(ws, con, label, seg, g, end, asof, repeat))
            r = rows[-1]
            print(  # progress on stderr: the run takes minutes at bench scale
                f"history: {label} {r['grid']}: {r['plan']} {r['plan_s']:.2f} s, naive loop "
                f"{r['naive_s']:.2f} s ({time.perf_counter() - t_start:.0f} s so far)",
                file=sys.stderr,
                flush=True,
            )
    result: dict[str, Any] = {
        "benchmark": "history",
        "scale": scale,
        "repeat": repeat,
        "slow_s": SLOW_S,
        "naive_sample": NAIVE_SAMPLE,
        "end": str(end),
        "duckdb_settings": settings,
        "plans": rows,
    }
    if twenty:
        t0 = time.perf_counter()
        many = ws.history(
            _twenty(REFERENCES), start=end - dt.timedelta(days=364), end=end, every="1d"
        )
        result["twenty_segments_year_daily_s"] = time.perf_counter() - t0
        if many["segment"].nunique() != 20:
            raise AssertionError("20 segments in, not 20 out")
    hook = _plan_hook(ws, [s for _, s in named], end)
    if hook is not None:
        result["history_plans"] = hook
    result["peak_rss_gib"] = _common.peak_rss_gib()
    result["targets"] = targets(rows, result["peak_rss_gib"])
    result["total_s"] = time.perf_counter() - t_start
    result["machine"] = _common.machine()
    result["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    return result
