"""Segment intelligence at bench scale: each analysis vs the program a user would write.

Each analysis of ``segment_lab.analytics`` is timed against a baseline in the same run
and the two must give the same numbers (an AssertionError otherwise):

1. ``overlap`` of six demo segments at END vs fetching each segment's members
   (``ws.members(...).to_pandas()``) and intersecting Python sets for every pair;
2. ``transitions`` among three segments from END - 12 weeks to END vs member sets at
   both instants, the universe (contacts with ``created_at <= END``) and pandas;
3. ``lifecycle`` of ``email_open`` over the 26 weeks ending at END vs pandas (reading
   the events included; the compute alone reported too);
4. ``retention`` of ``newsletter-readers`` (26 weekly cohorts, 8 periods) vs member sets
   at the 27 grid instants and Python cohorts;
5. ``alerts`` for the demo catalog over 52 weeks (its histories sharing work across
   segments, engine/_catalog.py) vs the naive loop of ``ws.sizes`` at the 53 grid
   instants (checked against the sizes of ``trends``), and beside them the histories
   one segment at a time, each on its own plan (checked equal to the shared ones).

Times are medians of ``repeat`` runs after a warm-up (:func:`_common.timeit`), for
segment_lab and the baselines alike, with two exceptions for the slowest step: the
``alerts`` call is warmed up by the ``trends`` call its check needs, and the naive
``ws.sizes`` loop and the per-segment histories run ``min(repeat, naive_repeat)`` times
(default once) without a separate warm-up (the segment_lab runs just before read the
same tables).
"""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import segment_lab as sl
from benchmarks import _common
from segment_lab import analytics as an

OVERLAP = (
    "newsletter-readers",
    "churn-risk",
    "pricing-intent",
    "recent-spenders",
    "dormant",
    "control-germany-established",
)
TRANSITIONS = ("newsletter-readers", "churn-risk", "dormant")
WEEK = dt.timedelta(weeks=1)


def _naive_time(fn: Callable[[], Any], n: int) -> tuple[float, Any]:
    """Median wall time of ``n`` calls (no separate warm-up) and the last result."""
    times, result = [], None
    for _ in range(max(1, n)):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def _ids(ws: sl.Workspace, seg: sl.Segment, t: dt.datetime) -> set[int]:
    """The naive way to get members: fetch them into pandas, make a set."""
    return set(ws.members(seg, as_of=t).to_pandas()["contact_id"].tolist())


def _log(msg: str) -> None:
    print(f"[analytics {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def _row(analysis: str, workload: str, engine: float, baseline: str, base: float,
         base_repeat: int, **extra: Any) -> dict[str, Any]:  # fmt: skip
    _log(f"{analysis}: segment_lab {engine:.3f} s, baseline {base:.3f} s ({base / engine:.1f}x)")
    return {
        "analysis": analysis,
        "workload": workload,
        "segment_lab_s": engine,
        "baseline": baseline,
        "baseline_s": base,
        "baseline_repeat": base_repeat,
        "speedup": base / engine,
        "agree": True,
        **extra,
    }


# -- 1. overlap -----------------------------------------------------------------------
def _overlap(ws: sl.Workspace, cat: sl.Catalog, end: dt.datetime, repeat: int) -> dict:
    segs = [cat[name] for name in OVERLAP]
    engine, frame = _common.timeit(lambda: an.overlap(ws, segs, as_of=end), repeat)

    def naive() -> tuple[dict, float]:
        sets = {s.name: _ids(ws, s, end) for s in segs}
        t0 = time.perf_counter()
        out = {}
        for a, b in itertools.product(OVERLAP, repeat=2):
            both = len(sets[a] & sets[b])
            out[a, b] = (len(sets[a]), len(sets[b]), both, len(sets[a] | sets[b]))
        return out, time.perf_counter() - t0

    base, (expected, sets_s) = _common.timeit(naive, repeat)
    got = {
        (r.segment_a, r.segment_b): (r.size_a, r.size_b, r.both, r.either)
        for r in frame.itertuples(index=False)
    }
    if got != expected:
        raise AssertionError(f"overlap: segment_lab {got} != naive sets {expected}")
    sizes = {a: expected[a, a][0] for a in OVERLAP}
    return _row(
        "overlap", f"{len(segs)} segments, {len(frame)} ordered pairs, at END", engine,
        "ws.members(...).to_pandas() per segment + Python set intersections", base, repeat,
        baseline_sets_s=sets_s, sizes=sizes,
    )  # fmt: skip


# -- 2. transitions -------------------------------------------------------------------
def _transitions(ws: sl.Workspace, cat: sl.Catalog, end: dt.datetime, repeat: int) -> dict:
    segs = [cat[name] for name in TRANSITIONS]
    start = end - 12 * WEEK
    engine, frame = _common.timeit(lambda: an.transitions(ws, segs, start, end), repeat)
    states = [*TRANSITIONS, an.IN_NONE]

    def naive() -> dict:
        c = ws.tables.contacts
        alive = c.filter(c.created_at.isnull() | (c.created_at <= end)).select("contact_id")
        ids = pd.Series(alive.to_pandas()["contact_id"].to_numpy())
        labels = []
        for t in (start, end):
            sets = [_ids(ws, s, t) for s in segs]
            # exclusive: the first segment (list order) a contact is in, else "in none"
            labels.append(np.select([ids.isin(s) for s in sets], TRANSITIONS, an.IN_NONE))
        pairs = pd.Series(list(zip(*labels, strict=True))).value_counts()
        return {(a, b): int(pairs.get((a, b), 0)) for a, b in itertools.product(states, repeat=2)}

    base, expected = _common.timeit(naive, repeat)
    got = {(r[0], r[1]): int(r[2]) for r in frame.itertuples(index=False)}
    if got != expected:
        raise AssertionError(f"transitions: segment_lab {got} != naive {expected}")
    return _row(
        "transitions", f"{len(segs)} segments (exclusive), END - 12 weeks → END", engine,
        "member sets at both instants + universe (created_at <= END) + pandas", base, repeat,
        contacts=int(frame["contacts"].sum()),
    )  # fmt: skip


# -- 3. lifecycle ---------------------------------------------------------------------
def _classify(cid: np.ndarray, ts: np.ndarray, p0: dt.datetime, n: int) -> dict:
    """Lifecycle counts ``{(k, status): contacts}`` from the events, in pandas/NumPy."""
    k = (ts - np.datetime64(p0, "us")) // np.timedelta64(WEEK)
    active = pd.DataFrame({"cid": cid, "k": k.astype("int64")}).drop_duplicates()
    active = active.sort_values(["cid", "k"], ignore_index=True)
    c, kk = active["cid"].to_numpy(), active["k"].to_numpy()
    has_prev = np.r_[False, c[1:] == c[:-1]]
    has_next = np.r_[c[:-1] == c[1:], False]
    prev = np.r_[0, kk[:-1]]
    nxt = np.r_[kk[1:], 0]
    status = np.where(~has_prev, 0, np.where(prev == kk - 1, 1, 2))
    on = (kk >= 0) & (kk < n)
    gone = (kk >= -1) & (kk < n - 1) & (~has_next | (nxt > kk + 1))
    frame = pd.DataFrame({
        "k": np.r_[kk[on], kk[gone] + 1],
        "s": np.r_[status[on], np.full(int(gone.sum()), 3)],
    })  # fmt: skip
    counts = frame.value_counts()
    return {(int(k_), an.STATUSES[s]): int(v) for (k_, s), v in counts.items()}


def _lifecycle_by_sets(cid: np.ndarray, ts: np.ndarray, p0: dt.datetime, n: int) -> dict:
    """The same counts straight from the definitions, with per-period sets (a cross-check)."""
    k = ((ts - np.datetime64(p0, "us")) // np.timedelta64(WEEK)).astype("int64")
    frame = pd.DataFrame({"cid": cid, "k": k})
    first = frame.groupby("cid")["k"].min().value_counts()
    active = {p: np.unique(cid[k == p]) for p in range(-1, n)}
    out = {}
    for p in range(n):
        now, before = active[p], active[p - 1]
        returning = len(np.intersect1d(now, before, assume_unique=True))
        new = int(first.get(p, 0))
        out[p, "new"] = new
        out[p, "returning"] = returning
        out[p, "resurrecting"] = len(now) - new - returning
        out[p, "dormant"] = len(before) - returning
    return {key: v for key, v in out.items() if v}


def _lifecycle(ws: sl.Workspace, end: dt.datetime, repeat: int) -> dict:
    # 26 weeks from a Monday (weekly grids start at Monday midnight), END in the last one
    monday = dt.datetime.combine((end - dt.timedelta(days=end.weekday())).date(), dt.time())
    start, n = monday - 25 * WEEK, 26
    engine, frame = _common.timeit(lambda: an.lifecycle(ws, "email_open", start, end), repeat)
    if frame["period"].nunique() != n:
        raise AssertionError(f"lifecycle: {frame['period'].nunique()} periods, expected {n}")
    ev, c = ws.tables.events, ws.tables.contacts
    query = (
        ev.filter((ev.event_type == "email_open") & (ev.ts <= end))
        .semi_join(c, ev.contact_id == c.contact_id)
        .select("contact_id", "ts")
    )
    timings: dict[str, list[float]] = {"read": [], "compute": []}  # [0]: the warm-up

    def naive() -> dict:
        t0 = time.perf_counter()
        df = query.to_pandas()
        t1 = time.perf_counter()
        out = _classify(df["contact_id"].to_numpy(), df["ts"].to_numpy("datetime64[us]"), start, n)
        timings["read"].append(t1 - t0)
        timings["compute"].append(time.perf_counter() - t1)
        return out

    base, expected = _common.timeit(naive, repeat)
    got = {
        (int((r.period - pd.Timestamp(start)) // WEEK), r.status): int(r.contacts)
        for r in frame.itertuples(index=False)
        if r.contacts
    }
    if got != expected:
        raise AssertionError(f"lifecycle: segment_lab {got} != pandas {expected}")
    df = query.to_pandas()
    cid, ts = df["contact_id"].to_numpy(), df["ts"].to_numpy("datetime64[us]")
    by_sets = _lifecycle_by_sets(cid, ts, start, n)
    if by_sets != expected:
        raise AssertionError(f"lifecycle: per-period sets {by_sets} != pandas {expected}")
    return _row(
        "lifecycle", f"email_open, 26 weekly periods, END in the last ({len(df):,} events read)",
        engine, "pandas: read the events (contact_id, ts), period index, sort, classify", base,
        repeat, baseline_read_s=statistics.median(timings["read"][1:]),
        baseline_compute_s=statistics.median(timings["compute"][1:]),
        compute_vs_engine=statistics.median(timings["compute"][1:]) / engine, events_read=len(df),
    )  # fmt: skip


# -- 4. retention ---------------------------------------------------------------------
def _retention(ws: sl.Workspace, cat: sl.Catalog, end: dt.datetime, repeat: int) -> dict:
    seg = cat["newsletter-readers"]
    n, kmax = 26, 8
    g = ws.grid(end - (n - 1) * WEEK, end, "1w")  # Monday midnights, as retention's own grid
    start = g.start
    engine, frame = _common.timeit(
        lambda: an.retention(ws, seg, start, end, "1w", periods=kmax), repeat
    )

    def naive() -> dict:
        grid = [g.before, *g.points]  # t_(-1) .. t_25
        if len(grid) != n + 1:
            raise AssertionError(f"retention: {len(grid) - 1} grid points, expected {n}")
        sets = [_ids(ws, seg, t) for t in grid]
        out = {}
        for j in range(n):
            cohort = sets[j + 1] - sets[j]
            for k in range(min(kmax, n - 1 - j) + 1):
                out[j, k] = (len(cohort), len(cohort & sets[j + 1 + k]))
        return out

    base, expected = _common.timeit(naive, repeat)
    got = {
        (int((r.cohort - pd.Timestamp(start)) // WEEK), int(r.periods_later)): (
            int(r.cohort_size),
            int(r.retained),
        )
        for r in frame.itertuples(index=False)
    }
    if got != expected:
        raise AssertionError(f"retention: segment_lab {got} != naive {expected}")
    return _row(
        "retention", f"{seg.name}, 26 weekly cohorts, up to {kmax} periods later", engine,
        f"ws.members at the {n + 1} grid instants + Python set cohorts", base, repeat,
        cohorts=n, rows=len(frame),
    )  # fmt: skip


# -- 5. alerts ------------------------------------------------------------------------
def _spread(items: list, k: int | None) -> list:
    """``k`` of ``items`` evenly spread, first and last included (all when ``k`` is None)."""
    if k is None or k >= len(items):
        return list(items)
    return [items[round(i * (len(items) - 1) / (k - 1))] for i in range(k)]


def _assignment(ws: sl.Workspace, cat: sl.Catalog, start: dt.datetime, end: dt.datetime) -> dict:
    """Which segments the history of ``cat`` runs in its bitmask query, shared queries, alone."""
    from segment_lab.engine._catalog import assign, bitmask_members

    rules = [ws.resolve(s) for s in cat]
    grid = ws.grid(start, end, "1w")
    names = list(cat.names)
    masked = bitmask_members(rules, ws.tables, grid, "auto")
    rest = [i for i in range(len(rules)) if i not in masked]
    chosen = assign([rules[i] for i in rest], ws._facts.stats(), grid) if rest else None
    return {
        "bitmask": [names[i] for i in masked],
        "pruned": [names[rest[i]] for i in chosen.pruned] if chosen else [],
        "full": [names[rest[i]] for i in chosen.full] if chosen else [],
        "alone": [names[rest[i]] for i in chosen.alone] if chosen else [],
        "estimated_rows": chosen.costs if chosen else {},
    }


def _alerts(
    ws: sl.Workspace,
    cat: sl.Catalog,
    end: dt.datetime,
    repeat: int,
    naive_repeat: int,
    naive_points: int | None = None,
) -> dict:
    start = end - 52 * WEEK
    # trends (for the check) is the warm-up of alerts, which computes it again
    trends = an.trends(ws, cat, start, end, "1w", progress=False)
    engine, found = _naive_time(
        lambda: an.alerts(ws, cat, start, end, "1w", progress=False), repeat
    )
    grid = ws.grid(start, end, "1w").points  # Mondays 00:00 (calendar-aligned)
    if len(grid) != 53 or sorted(trends["period"].unique()) != [pd.Timestamp(t) for t in grid]:
        raise AssertionError("alerts: the trends grid is not the 53 weekly instants")

    def per_segment() -> pd.DataFrame:  # the histories one by one, each on its own plan
        frames = [ws.history(s, start, end, "1w").assign(segment=s.name) for s in cat]
        return pd.concat(frames, ignore_index=True)

    reps = min(repeat, naive_repeat)
    alone_s, alone = _naive_time(per_segment, reps)
    cols = ["segment", "period", "size", "entered", "exited"]
    if not alone[cols].equals(trends[cols]):
        raise AssertionError("alerts: the shared histories differ from the per-segment ones")
    points = _spread(grid, naive_points)

    def naive() -> dict:
        out = {}
        for t in points:
            s = ws.sizes(cat, as_of=t)
            out.update({(name, pd.Timestamp(t)): int(v) for name, v in zip(s.segment, s["size"])})
        return out

    base, expected = _naive_time(naive, reps)
    base *= len(grid) / len(points)  # timed on the spread points, scaled to all 53
    got = {(r.segment, r.period): int(r.size) for r in trends.itertuples(index=False)}
    if any(got.get(k) != v for k, v in expected.items()):
        bad = sorted(k for k in expected if got.get(k) != expected[k])[:5]
        raise AssertionError(f"alerts: trends sizes differ from ws.sizes at {bad}")
    # net flow (entered - exited) must be the change of the naive sizes
    if len(points) == len(grid):
        for name in cat.names:
            sizes = [expected[name, pd.Timestamp(t)] for t in grid]
            net = trends.loc[trends.segment == name, "net"].tolist()
            if net[1:] != list(np.diff(sizes)):
                raise AssertionError(f"alerts: {name}: net flow != change of the naive sizes")
    listed = [
        {"segment": r.segment, "period": str(r.period.date()), "direction": r.direction,
         "severity": r.severity, "z": float(r.z)}
        for r in found.itertuples(index=False)
    ]  # fmt: skip
    return _row(
        "alerts", f"{len(cat)} catalog segments, 53 weekly instants (52 weeks)", engine,
        "ws.sizes(catalog, as_of=t) at each of the 53 instants", base, reps,
        alerts=len(found), alert_list=listed, per_segment_s=alone_s,
        per_segment_vs_engine=alone_s / engine, naive_points=len(points),
        plan=_assignment(ws, cat, start, end),
    )  # fmt: skip


def run(
    scale: str = "bench",
    repeat: int = 5,
    naive_repeat: int = 1,
    only: tuple[str, ...] | None = None,
    naive_points: int | None = None,
) -> dict[str, Any]:
    """Run the analyses (``only``: those named) and return the results.

    ``naive_points``: time the naive loop of alerts at that many of its 53 instants
    (spread, first and last included), checked there and scaled to 53 (default: all).
    """
    from segment_lab import sample

    end = sample.END
    cat = sample.demo_catalog()
    ws = sl.Workspace.demo(scale).with_catalog(cat)
    _log(
        f"scale {scale}, end {end}, repeat {repeat}, alerts naive loop {min(repeat, naive_repeat)}x"
    )
    steps = {
        "overlap": lambda: _overlap(ws, cat, end, repeat),
        "transitions": lambda: _transitions(ws, cat, end, repeat),
        "lifecycle": lambda: _lifecycle(ws, end, repeat),
        "retention": lambda: _retention(ws, cat, end, repeat),
        "alerts": lambda: _alerts(ws, cat, end, repeat, naive_repeat, naive_points),
    }
    rows = [step() for name, step in steps.items() if only is None or name in only]
    return {
        "benchmark": "analytics",
        "scale": scale,
        "repeat": repeat,
        "naive_repeat": min(repeat, naive_repeat),
        "naive_note": (
            "all times: median of `repeat` after a warm-up, except alerts: segment_lab's alerts "
            "call is warmed up by the trends call of its check, and the naive ws.sizes loop "
            "and the per-segment histories run `naive_repeat` times without a separate warm-up"
        ),
        "end": str(end),
        "contacts": int(ws.tables.contacts.count().execute()),
        "events": int(ws.tables.events.count().execute()),
        "peak_rss_gib": _common.peak_rss_gib(),
        "machine": _common.machine(),
        "rows": rows,
        "finished": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
