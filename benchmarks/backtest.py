"""Backtest at bench scale: 52 weekly snapshots x the demo catalog's 10 definitions.

In one run, on one connection:

* ``sl.backtest`` of the 10 definitions against "a purchase in the next 28 days";
* the same work as histories: ``ws.history`` of the 10 definitions on the same grid,
  plus the outcome's history on the grid shifted by the horizon
  (``event("purchase").exists(within="28d")`` at ``t_k + 28d``), which together hold
  everything a backtest reports (target: backtest <= 1.5x their sum);
* the naive loop: per snapshot, the universe, the outcome and every definition's members
  as Python sets through ``ws.members``, intersected in Python; timed on ``naive_points``
  of the weekly snapshots (and of 365 daily ones) spread over the year and scaled to 52
  and 365 (as ``benchmarks/history.py`` does; the whole loop at 365 daily would take
  about 17 minutes), its numbers checked against the backtest's.

The backtest and the histories are timed at most ``MAX_REPEAT`` times after a warm-up
(about a minute each at bench scale), so the whole benchmark takes a few minutes.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import segment_lab as sl
from benchmarks import _common

HORIZON = dt.timedelta(days=28)
#: Timed runs of the backtest and of the histories (after a warm-up), whatever ``repeat``.
MAX_REPEAT = 2


def _ids(ws: sl.Workspace, table: Any) -> set:
    return set(table.to_pandas()[ws.bindings.contact_id])


def naive_snapshot(ws: sl.Workspace, segments: list, t: dt.datetime) -> list[tuple[int, ...]]:
    """``(population, members, positives, true_positives)`` per segment at ``t``, with sets."""
    c, ev = ws.tables.contacts, ws.tables.events
    pop = _ids(ws, c.filter(c.created_at <= t).select("contact_id"))
    window = (ev.event_type == "purchase") & (ev.ts > t) & (ev.ts <= t + HORIZON)
    happened = _ids(ws, ev.filter(window).select("contact_id").distinct())
    positives = pop & happened
    out = []
    for seg in segments:
        members = _ids(ws, ws.members(seg, as_of=t))
        out.append((len(pop), len(members), len(positives), len(members & positives)))
    return out


def _naive(ws: sl.Workspace, segments: list, points: list[dt.datetime]) -> tuple[float, list]:
    t0 = time.perf_counter()
    got = [naive_snapshot(ws, segments, t) for t in points]
    return (time.perf_counter() - t0) / len(points), got


def run(scale: str = "bench", repeat: int = 3, naive_points: int = 6) -> dict[str, Any]:
    from segment_lab import sample

    end = sample.END
    catalog = sample.demo_catalog()
    ws = sl.Workspace.connect(_common.database(scale), catalog=catalog, now=end)
    segments = list(catalog)
    last = (end - HORIZON).replace(hour=0, minute=0, second=0)
    last -= dt.timedelta(days=last.weekday())  # a Monday
    start = last - dt.timedelta(weeks=51)
    grid = {"start": start, "end": last, "every": "1w"}
    outcome = sl.event("purchase")

    def backtest() -> Any:
        return sl.backtest(ws, segments, outcome, horizon="28d", progress=False, **grid)

    def histories() -> Any:
        h = ws.history(segments, progress=False, **grid)
        o = ws.history(
            outcome.exists(within="28d"), start=start + HORIZON, end=last + HORIZON, every="1w"
        )
        return h, o

    repeat = max(1, min(repeat, MAX_REPEAT))
    bt_s, frame = _common.timeit(backtest, repeat)
    hist_s, (h, _o) = _common.timeit(histories, repeat)
    if len(frame) != 520 or frame["members"].tolist() != h["size"].tolist():
        raise AssertionError("backtest members differ from the histories' sizes")
    weekly = [start + k * dt.timedelta(weeks=1) for k in range(0, 52, 52 // naive_points)]
    weekly = weekly[:naive_points]
    per_point, naive = _naive(ws, segments, weekly)
    for t, rows in zip(weekly, naive):
        mine = frame[frame["snapshot"] == t]
        want = [
            tuple(int(x) for x in r)
            for r in mine[["population", "members", "positives", "true_positives"]].values
        ]
        if rows != want:
            raise AssertionError(f"naive loop differs from the backtest at {t}: {rows} != {want}")
    daily = [last - dt.timedelta(days=d) for d in range(0, 365, 365 // naive_points)][:naive_points]
    per_day, _ = _naive(ws, segments, daily)
    naive_s = per_point * len(weekly) + per_day * len(daily)
    return {
        "benchmark": "backtest",
        "scale": scale,
        "repeat": repeat,
        "start": str(start),
        "end": str(last),
        "horizon_days": 28,
        "definitions": len(segments),
        "snapshots": 52,
        "backtest_s": bt_s,
        "histories_s": hist_s,
        "backtest_vs_histories": bt_s / hist_s,
        "naive_points": naive_points,
        "naive_timed_s": naive_s,
        "naive52_weekly_s": per_point * 52,
        "naive365_daily_s": per_day * 365,
        "naive_vs_backtest": per_point * 52 / bt_s,
        "peak_rss_gib": _common.peak_rss_gib(),
        "machine": _common.machine(),
        "finished": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
