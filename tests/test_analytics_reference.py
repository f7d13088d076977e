"""``segment_lab.analytics`` against the plain-Python reference (``reference_analytics``).

Three kinds of tests:

* hand-computed cases: a five-contact dataset whose overlap, transitions, funnel,
  lifecycle, trends, retention and alerts were worked out on paper; the reference and
  the engine must both give them;
* differential: random small datasets (with or without SCD2 history) x 1-4 random rules
  (``in_segment`` through a random catalog) x grids and instants from
  ``strategies_data``; every number of the engine's frame must be the reference's
  (counts exactly, ratios to 1e-12, NaN where the reference has NaN or no value);
* no look-ahead: events, contacts and history rows added after the evaluation instant
  (and after the workspace's now, for lifecycle) change no result.

Readings of ``docs/analytics.md`` chosen where it leaves room are listed at the top of
``tests/reference_analytics.py``.  Runs are reproducible; ``SEGMENT_LAB_DIFF_EXAMPLES``
scales every test (``=5000``) and ``SEGMENT_LAB_DIFF_RANDOM=1`` draws fresh examples,
as in ``test_differential``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import segment_lab as sl
import tests.reference_analytics as ra
import tests.strategies_data as sd
from segment_lab import analytics as an
from segment_lab.model import And, Catalog, Duration, Segment
from tests.differential import (
    aim,
    assert_rows,
    first,
    py,
    records,
    rules_of,
    same,
    scenes,
)
from tests.helpers import WITH_HISTORY, dataset_workspace, diff_settings
from tests.reference import Dataset, grid

pytestmark = pytest.mark.filterwarnings("ignore::segment_lab.errors.CurrentValueWarning")


OVERLAP_COLUMNS = ["segment_a", "segment_b", "size_a", "size_b", "both", "either", "jaccard"]
TRANSITION_COLUMNS = ["from", "to", "contacts"]
FUNNEL_COLUMNS = ["step", "condition", "kept", "removed", "kept_share", "alone", "blocks"]
LIFECYCLE_COLUMNS = ["period", "status", "contacts"]
RETENTION_COLUMNS = ["cohort", "periods_later", "cohort_size", "retained", "share"]
TREND_COLUMNS = [
    "segment",
    "period",
    "size",
    "entered",
    "exited",
    "net",
    "previous",
    "growth",
    "entry_rate",
    "exit_rate",
]
ALERT_COLUMNS = [
    "segment",
    "period",
    "direction",
    "severity",
    "z",
    "net",
    "baseline_median",
    "baseline_mad",
    "baseline_periods",
    "size",
    "previous",
    "growth",
    "message",
]


# -- engine calls as reference-shaped rows ---------------------------------------------------


def engine_overlap(ws: sl.Workspace, segments: Any, t: dt.datetime) -> list[dict]:
    frame = an.overlap(ws, segments, as_of=t)
    assert list(frame.columns) == OVERLAP_COLUMNS
    return records(frame, OVERLAP_COLUMNS)


def engine_transitions(ws, segments, start, end, exclusive: bool) -> list[dict]:
    frame = an.transitions(ws, segments, start, end, exclusive=exclusive)
    assert list(frame.columns) == TRANSITION_COLUMNS
    return records(frame, TRANSITION_COLUMNS)


def engine_funnel(ws, segment, t) -> tuple[list[dict], str]:
    frame = an.funnel(ws, segment, as_of=t)
    assert list(frame.columns) == FUNNEL_COLUMNS
    assert isinstance(frame.attrs.get("message"), str)
    return records(frame, FUNNEL_COLUMNS), frame.attrs.get("bottleneck")


def engine_lifecycle(ws, activity, start, end, every) -> list[dict]:
    frame = an.lifecycle(ws, activity, start, end, every)
    assert list(frame.columns) == LIFECYCLE_COLUMNS
    rows = records(frame, LIFECYCLE_COLUMNS)
    assert all(r["contacts"] >= 0 for r in rows), "lifecycle counts must be positive"
    return rows


def engine_retention(ws, segment, start, end, every, periods, continuous) -> list[dict]:
    frame = an.retention(ws, segment, start, end, every, periods, continuous=continuous)
    assert list(frame.columns) == RETENTION_COLUMNS
    return records(frame, RETENTION_COLUMNS)


def engine_trends(ws, segments, start, end, every, lookback=1) -> list[dict]:
    frame = an.trends(ws, segments, start, end, every, lookback=lookback, progress=False)
    assert list(frame.columns) == TREND_COLUMNS
    return records(frame, TREND_COLUMNS)


def full_lifecycle(rows: list[dict], periods: list[dt.datetime]) -> list[dict]:
    """Lifecycle rows with every (period, status) present (absent rows count 0), checking
    that each period's statuses come in the documented order."""
    order = {s: i for i, s in enumerate(ra.LIFECYCLE_STATUSES)}
    for p in periods:
        statuses = [r["status"] for r in rows if r["period"] == p]
        assert statuses == sorted(statuses, key=order.__getitem__), f"status order at {p}"
    have = {(r["period"], r["status"]): r["contacts"] for r in rows}
    assert set(have) <= {(p, s) for p in periods for s in order}, "unknown period or status"
    return [
        {"period": p, "status": s, "contacts": have.get((p, s), 0)}
        for p in periods
        for s in ra.LIFECYCLE_STATUSES
    ]


def check_funnel(got: list[dict], bottleneck: str, expected: dict) -> None:
    """Every step and column; the bottleneck is the condition text of the reference's step."""
    rows = expected["rows"]
    assert [r["step"] for r in got] == [r["step"] for r in rows], "funnel steps"
    for g, e in zip(got, rows):
        bad = {c: (g[c], e[c]) for c in e if not same(g[c], e[c])}
        assert not bad, f"funnel step {e['step']}: (engine, reference) {bad}"
        assert isinstance(g["condition"], str) and g["condition"]
    assert bottleneck == got[expected["bottleneck"]]["condition"], "bottleneck"


# -- hand-computed cases ------------------------------------------------------------------------
#
# Contacts (created): 1 (03-01) Tokyo 10 points, 2 (03-01) Paris 5, 3 (03-02) Tokyo 1,
# 4 (03-05) Tokyo 7, 5 (no created_at) no city, no points.  email_open: 1 at 03-01 10h,
# 03-02 10h, 03-04 10h; 2 at 03-02 9h, 03-03 9h; 3 at 03-03 12h; 5 at 03-04 0h; a page
# visit of 5 at 03-01; an email_open of the unknown contact 99 at 03-02.


def d(day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2024, 3, day, hour)


def _contact(cid: int, created, city, points) -> dict:
    return {"contact_id": cid, "created_at": created, "city": city, "points": points}


def _open(cid: int, ts: dt.datetime, kind: str = "email_open") -> dict:
    return {"contact_id": cid, "event_type": kind, "ts": ts, "url": None, "value": None}


HAND = Dataset(
    [
        _contact(1, d(1), "Tokyo", 10),
        _contact(2, d(1), "Paris", 5),
        _contact(3, d(2), "Tokyo", 1),
        _contact(4, d(5), "Tokyo", 7),
        _contact(5, None, None, None),
    ],
    [
        _open(1, d(1, 10)),
        _open(1, d(2, 10)),
        _open(1, d(4, 10)),
        _open(2, d(2, 9)),
        _open(2, d(3, 9)),
        _open(3, d(3, 12)),
        _open(5, d(4)),
        _open(5, d(1), "page_visit"),
        _open(99, d(2)),
    ],
    event_columns=sd.EVENT_COLUMNS,
)
TOKYO = Segment("tokyo", sl.field("city") == "Tokyo")
HIGH = Segment("high", sl.field("points") >= 5)
OPENED = sl.event("email_open").exists()
RECENT = Segment("recent", sl.event("email_open").count(within="1d") >= 1)
THIRD = 1 / 3


def _nan_rows(rows: list[tuple], columns: list[str]) -> list[dict]:
    return [dict(zip(columns, r)) for r in rows]


HAND_OVERLAP = _nan_rows(
    [
        ("tokyo", "tokyo", 2, 2, 2, 2, 1.0),
        ("tokyo", "high", 2, 2, 1, 3, THIRD),
        ("high", "tokyo", 2, 2, 1, 3, THIRD),
        ("high", "high", 2, 2, 2, 2, 1.0),
    ],
    OVERLAP_COLUMNS,
)


def _matrix(counts: dict) -> list[dict]:
    states = ["tokyo", "high", "in none"]
    return [{"from": a, "to": b, "contacts": counts.get((a, b), 0)} for a in states for b in states]


T, H, N = "tokyo", "high", "in none"
HAND_TRANSITIONS = {
    True: _matrix({(T, T): 1, (H, H): 1, (N, T): 2, (N, N): 1}),
    False: _matrix({(T, T): 1, (T, H): 1, (H, T): 1, (H, H): 2, (N, T): 2, (N, H): 1, (N, N): 1}),
}

NAN = float("nan")
FUNNEL_COLS = ["step", "kept", "removed", "kept_share", "alone", "blocks"]
HAND_FUNNELS = [
    # all three: every condition blocks one contact (2, 3, 4): the first is the bottleneck
    (
        [TOKYO.rule, HIGH.rule, OPENED],
        [(0, 5, 0, 1.0, 5, 0), (1, 3, 2, 0.6, 3, 1), (2, 2, 1, 0.4, 3, 1), (3, 1, 1, 0.2, 4, 1)],
        1,
    ),
    # points >= 5 blocks 3 and 5, opened only 4
    (
        sl.all_of(HIGH.rule, OPENED),
        [(0, 5, 0, 1.0, 5, 0), (1, 3, 2, 0.6, 3, 2), (2, 2, 1, 0.4, 4, 1)],
        1,
    ),
]

LIFECYCLE_NOW = {
    # now after everything: 1 returns on 03-02, 3 is new on 03-03, 1 resurrects on 03-04
    d(10): [(d(2), 1, 1, 0, 0), (d(3), 1, 1, 0, 1), (d(4), 1, 0, 1, 2)],
    # now = 03-04 5h: 1's open at 03-04 10h has not happened yet
    d(4, 5): [(d(2), 1, 1, 0, 0), (d(3), 1, 1, 0, 1), (d(4), 1, 0, 0, 2)],
}

# recent = an email_open in (t - 1d, t]: {} at 03-01, {1} 03-02, {1,2} 03-03,
# {2,3,5} 03-04 (5's open exactly at t), {1} 03-05 (5's open exactly at t - 1d)
HAND_TRENDS = _nan_rows(
    [
        ("recent", d(2), 1, 1, 0, 1, 0, NAN, NAN, NAN),
        ("recent", d(3), 2, 1, 0, 1, 1, 1.0, 1.0, 0.0),
        ("recent", d(4), 3, 2, 1, 1, 2, 0.5, 1.0, 0.5),
        ("recent", d(5), 1, 1, 3, -2, 3, 1 / 3 - 1, THIRD, 1.0),
    ],
    TREND_COLUMNS,
)
HAND_RETENTION = {
    # cohort day: (cohort size, retained after 0, 1, ... periods)
    False: {2: (1, [1, 1, 0, 1]), 3: (1, [1, 1, 0]), 4: (2, [2, 0]), 5: (1, [1])},
    True: {2: (1, [1, 1, 0, 0]), 3: (1, [1, 1, 0]), 4: (2, [2, 0]), 5: (1, [1])},
}


def _retention_rows(cohorts: dict) -> list[dict]:
    return [
        {"cohort": d(c), "periods_later": k, "cohort_size": n, "retained": r, "share": r / n}
        for c, (n, kept) in cohorts.items()
        for k, r in enumerate(kept)
    ]


def _lifecycle_rows(rows: list[tuple]) -> list[dict]:
    return [
        {"period": p, "status": s, "contacts": n}
        for p, *counts in rows
        for s, n in zip(ra.LIFECYCLE_STATUSES, counts)
    ]


def _hand_ws() -> sl.Workspace:
    return dataset_workspace(HAND)


def test_hand_overlap():
    expected = HAND_OVERLAP
    assert_rows(ra.overlap([TOKYO, HIGH], d(3), HAND), expected, ("segment_a", "segment_b"), "ref")
    got = engine_overlap(_hand_ws(), [TOKYO, HIGH], d(3))
    assert_rows(got, expected, ("segment_a", "segment_b"), "engine")


@pytest.mark.parametrize("exclusive", [True, False], ids=["exclusive", "all-pairs"])
def test_hand_transitions(exclusive):
    expected = HAND_TRANSITIONS[exclusive]
    ref_rows = ra.transitions([TOKYO, HIGH], d(1, 12), d(6), HAND, exclusive=exclusive)
    assert ref_rows == expected
    got = engine_transitions(_hand_ws(), [TOKYO, HIGH], d(1, 12), d(6), exclusive)
    assert_rows(got, expected, ("from", "to"), "engine")


@pytest.mark.parametrize(("segment", "rows", "bottleneck"), HAND_FUNNELS, ids=["tie", "points"])
def test_hand_funnel(segment, rows, bottleneck):
    expected = {"rows": _nan_rows(rows, FUNNEL_COLS), "bottleneck": bottleneck}
    reference = ra.funnel(segment, d(6), HAND)
    assert reference["bottleneck"] == bottleneck
    for g, e in zip(reference["rows"], expected["rows"], strict=True):
        assert all(same(g[c], e[c]) for c in FUNNEL_COLS), (g, e)
    got, name = engine_funnel(_hand_ws(), segment, d(6))
    check_funnel(got, name, expected)


@pytest.mark.parametrize("now", sorted(LIFECYCLE_NOW), ids=["later", "mid-period"])
def test_hand_lifecycle(now):
    expected = _lifecycle_rows(LIFECYCLE_NOW[now])
    assert ra.lifecycle("email_open", d(2), d(4), "1d", now, HAND) == expected
    ws = _hand_ws().with_now(now)
    got = full_lifecycle(engine_lifecycle(ws, "email_open", d(2), d(4), "1d"), [d(2), d(3), d(4)])
    assert_rows(got, expected, ("period", "status"), "engine")


def test_hand_trends():
    reference = ra.trends([RECENT], d(2), d(5), "1d", HAND)
    assert_rows(reference, HAND_TRENDS, ("segment", "period"), "reference")
    got = engine_trends(_hand_ws(), [RECENT], d(2), d(5), "1d")
    assert_rows(got, HAND_TRENDS, ("segment", "period"), "engine")


@pytest.mark.parametrize("continuous", [False, True], ids=["point", "continuous"])
def test_hand_retention(continuous):
    expected = _retention_rows(HAND_RETENTION[continuous])
    reference = ra.retention(RECENT, d(2), d(5), "1d", HAND, continuous=continuous)
    assert_rows(reference, expected, ("cohort", "periods_later"), "reference")
    got = engine_retention(_hand_ws(), RECENT, d(2), d(5), "1d", None, continuous)
    assert_rows(got, expected, ("cohort", "periods_later"), "engine")
    got = engine_retention(_hand_ws(), RECENT, d(2), d(5), "1d", 1, continuous)
    short = [r for r in expected if r["periods_later"] <= 1]
    assert_rows(got, short, ("cohort", "periods_later"), "engine, periods=1")


def _trend_frame(
    name: str, sizes: list[int], start: dt.datetime, lookback: int = 1
) -> pd.DataFrame:
    """A trends frame for a series of sizes (``size_(-1)`` = the first size)."""
    history = []
    for k, size in enumerate(sizes):
        net = size - (sizes[k - 1] if k else sizes[0])
        history.append(
            {
                "period": start + k * dt.timedelta(weeks=1),
                "size": size,
                "entered": max(net, 0),
                "exited": max(-net, 0),
            }
        )
    rows = ra._trend_rows(name, history, sizes[0], lookback)
    return pd.DataFrame(rows, columns=TREND_COLUMNS)


def test_hand_alerts():
    """Net flows 0, 1, 0, 1, 0, 1, 0 then +10: baseline median 0, MAD 0 (floor 1), z = 10."""
    sizes = [100, 101, 101, 102, 102, 103, 103, 113]
    frame = _trend_frame("vip", sizes, d(4))
    expected = [
        {
            "segment": "vip",
            "period": d(4) + 7 * dt.timedelta(weeks=1),
            "direction": "growing",
            "severity": "warning",
            "z": 10.0,
            "net": 10,
            "baseline_median": 0.0,
            "baseline_mad": 0.0,
            "baseline_periods": 7,
            "size": 113,
            "previous": 103,
            "growth": 113 / 103 - 1,
        }
    ]
    rows = frame.to_dict("records")
    assert_rows(ra.detect_alerts(rows), expected, ("segment", "period"), "reference")
    got = an.detect_alerts(frame)
    assert list(got.columns) == ALERT_COLUMNS
    assert_rows(records(got, ALERT_COLUMNS), expected, ("segment", "period"), "engine")
    assert "vip" in got["message"].iloc[0]


# -- differential tests -------------------------------------------------------------------------


@WITH_HISTORY
@diff_settings(30)
@given(data=st.data())
def test_overlap_matches_reference(data, with_history):
    dataset, catalog, segments = data.draw(scenes(with_history), label="scene")
    t = data.draw(aim(dataset, segments, catalog), label="as_of")
    ws = dataset_workspace(dataset, catalog)
    expected = ra.overlap(segments, t, dataset, catalog)
    got = engine_overlap(ws, segments, t)
    assert_rows(got, expected, ("segment_a", "segment_b"), f"overlap at {t}")


@WITH_HISTORY
@diff_settings(20)
@given(data=st.data())
def test_transitions_match_reference(data, with_history):
    dataset, catalog, segments = data.draw(scenes(with_history), label="scene")
    instants = st.lists(aim(dataset, segments, catalog), min_size=2, max_size=2).map(sorted)
    start, end = data.draw(instants, label="start, end")
    ws = dataset_workspace(dataset, catalog)
    for exclusive in (True, False):
        expected = ra.transitions(segments, start, end, dataset, catalog, exclusive)
        got = engine_transitions(ws, segments, start, end, exclusive)
        assert len(got) == (len(rules_of(segments)) + 1) ** 2
        assert_rows(got, expected, ("from", "to"), f"transitions exclusive={exclusive}")
        if exclusive:
            assert sum(r["contacts"] for r in got) == len(ra.universe(end, dataset))


@st.composite
def funnels(draw: st.DrawFn, catalog: Catalog) -> Any:
    """A segment or rule with a top-level And of 2-4 conditions, a list of rules, or one rule."""
    rule = sd.rules_for_schema(2, catalog.names)
    kind = draw(st.sampled_from(["and", "and", "segment", "list", "single"]))
    if kind == "single":
        return draw(rule)
    parts = tuple(draw(st.lists(rule, min_size=1 if kind == "list" else 2, max_size=4)))
    if kind == "list":
        return list(parts)
    return Segment("funnel", And(parts)) if kind == "segment" else And(parts)


@WITH_HISTORY
@diff_settings(30)
@given(data=st.data())
def test_funnel_matches_reference(data, with_history):
    dataset = data.draw(sd.datasets(with_history), label="dataset")
    catalog = data.draw(sd.catalogs(), label="catalog")
    segment = data.draw(funnels(catalog), label="funnel")
    conditions = ra.funnel_conditions(segment)
    t = data.draw(aim(dataset, conditions, catalog), label="as_of")
    expected = ra.funnel(segment, t, dataset, catalog)
    got, bottleneck = engine_funnel(dataset_workspace(dataset, catalog), segment, t)
    check_funnel(got, bottleneck, expected)


@st.composite
def activities(draw: st.DrawFn) -> Any:
    """An event type, a list of types, or ``event(types).where(rule)``."""
    types = draw(st.lists(st.sampled_from(sd.EVENT_TYPES), min_size=1, max_size=2, unique=True))
    kind = draw(st.sampled_from(["type", "list", "where", "where"]))
    if kind == "type":
        return types[0]
    if kind == "list":
        return types
    return sl.event(types).where(draw(sd.where_rules()))


@st.composite
def lifecycle_grids(draw: st.DrawFn, dataset: Dataset) -> tuple:
    """``(start, end, every, now)``: now before, inside or after the grid."""
    start, end, every = draw(sd.grids(dataset, max_points=6))
    now = draw(_pick_instant(dataset, [end, start, end + Duration.parse(every).to_timedelta()]))
    return start, end, every, now


def _pick_instant(dataset: Dataset, anchors: list[dt.datetime]) -> st.SearchStrategy:
    times = sorted({e["ts"] for e in dataset.events} | set(anchors))
    near = st.sampled_from(times).flatmap(
        lambda t: st.sampled_from([t, t, t - dt.timedelta(microseconds=1), t + sd.H])
    )
    return st.one_of(near, sd.instants())


@diff_settings(60)
@given(data=st.data())
def test_lifecycle_matches_reference(data):
    """Lifecycle reads events only (history tables play no part)."""
    dataset = data.draw(sd.datasets(), label="dataset")
    activity = data.draw(activities(), label="activity")
    start, end, every, now = data.draw(lifecycle_grids(dataset), label="start, end, every, now")
    expected = ra.lifecycle(activity, start, end, every, now, dataset)
    ws = dataset_workspace(dataset).with_now(now)
    got = engine_lifecycle(ws, activity, start, end, every)
    periods = grid(start, end, every)
    assert_rows(full_lifecycle(got, periods), expected, ("period", "status"), "lifecycle")


@WITH_HISTORY
@diff_settings(15)
@given(data=st.data())
def test_retention_matches_reference(data, with_history):
    dataset, catalog, segments = data.draw(scenes(with_history, 1), label="scene")
    segment = first(segments)
    start, end, every = data.draw(
        sd.grids(dataset, rules_of([segment])[0], catalog, 6), label="grid"
    )
    periods = data.draw(st.sampled_from([None, None, 0, 1, 2]), label="periods")
    continuous = data.draw(st.booleans(), label="continuous")
    expected = ra.retention(segment, start, end, every, dataset, catalog, periods, continuous)
    ws = dataset_workspace(dataset, catalog)
    got = engine_retention(ws, segment, start, end, every, periods, continuous)
    what = f"retention continuous={continuous}"
    assert_rows(got, expected, ("cohort", "periods_later"), what)


LOOKBACKS = {"1h": ["2h", "3h"], "6h": ["12h", "1d"], "1d": ["2d", "1w"], "1w": ["2w"]}


@WITH_HISTORY
@diff_settings(12)
@given(data=st.data())
def test_trends_match_reference(data, with_history):
    dataset, catalog, segments = data.draw(scenes(with_history, 2), label="scene")
    start, end, every = data.draw(
        sd.grids(dataset, rules_of(segments)[0], catalog, 6), label="grid"
    )
    lookback = data.draw(st.sampled_from([1, 1, 2, 3, *LOOKBACKS[every]]), label="lookback")
    expected = ra.trends(segments, start, end, every, dataset, catalog, lookback)
    got = engine_trends(dataset_workspace(dataset, catalog), segments, start, end, every, lookback)
    assert_rows(got, expected, ("segment", "period"), f"trends lookback={lookback}")


CALENDAR_LOOKBACKS = {"1mo": ["2mo", "1q"], "1q": ["2q"], "2mo": ["2mo"]}


@WITH_HISTORY
@diff_settings(10)
@given(data=st.data())
def test_trends_and_retention_on_calendar_grids(data, with_history):
    """Monthly, quarterly and two-monthly grids (steps of unequal length, on the 1st of
    months): trends with lookbacks in months, and retention, against the reference."""
    dataset, catalog, segments = data.draw(scenes(with_history, 2), label="scene")
    grid = data.draw(
        sd.grids(dataset, rules_of(segments)[0], catalog, 6, calendar=True), label="grid"
    )
    start, end, every = grid
    lookback = data.draw(st.sampled_from([1, 2, *CALENDAR_LOOKBACKS[every]]), label="lookback")
    ws = dataset_workspace(dataset, catalog)
    expected = ra.trends(segments, start, end, every, dataset, catalog, lookback)
    got = engine_trends(ws, segments, start, end, every, lookback)
    assert_rows(got, expected, ("segment", "period"), f"trends lookback={lookback}")
    segment = first(segments)
    expected = ra.retention(segment, start, end, every, dataset, catalog, None, False)
    got = engine_retention(ws, segment, start, end, every, None, False)
    assert_rows(got, expected, ("cohort", "periods_later"), "retention on a calendar grid")


ALERT_OPTIONS = st.fixed_dictionaries(
    {
        "baseline": st.integers(2, 6),
        "min_periods": st.integers(1, 2),
        "threshold": st.sampled_from([0.5, 1.0, 2.0, 3.5]),
        "min_change": st.sampled_from([0, 1, 2, 5]),
    }
)


@diff_settings(12)
@given(data=st.data())
def test_alerts_match_reference(data):
    dataset, catalog, segments = data.draw(scenes(False, 2), label="scene")
    start, end, every = data.draw(
        sd.grids(dataset, rules_of(segments)[0], catalog, max_points=12), label="grid"
    )
    options = data.draw(ALERT_OPTIONS, label="options")
    expected = ra.alerts(segments, start, end, every, dataset, catalog, **options)
    ws = dataset_workspace(dataset, catalog)
    frame = an.alerts(ws, segments, start, end, every, progress=False, **options)
    assert list(frame.columns) == ALERT_COLUMNS
    assert_rows(records(frame, ALERT_COLUMNS), expected, ("segment", "period"), "alerts")


@diff_settings(200)
@given(
    series=st.lists(st.lists(st.integers(0, 40), min_size=1, max_size=16), min_size=1, max_size=3),
    options=ALERT_OPTIONS,
    lookback=st.integers(1, 3),
)
def test_detect_alerts_matches_reference(series, options, lookback):
    """detect_alerts alone, on trends frames of random size series (no database); the
    alert's ``previous`` and ``growth`` are one period back whatever the lookback."""
    frames = [_trend_frame(f"s{i}", sizes, d(4), lookback) for i, sizes in enumerate(series)]
    frame = pd.concat(frames, ignore_index=True)
    expected = ra.detect_alerts(frame.to_dict("records"), **options)
    got = an.detect_alerts(frame, **options)
    assert list(got.columns) == ALERT_COLUMNS
    assert_rows(records(got, ALERT_COLUMNS), expected, ("segment", "period"), "detect_alerts")


# -- no look-ahead ------------------------------------------------------------------------------


def _frames(ws: sl.Workspace, segments, activity, span, t) -> dict[str, pd.DataFrame]:
    """Every analysis that ends at or before ``t`` (lifecycle: the workspace's now)."""
    start, end, every = span
    one = first(segments)
    return {
        "overlap": an.overlap(ws, segments, as_of=t),
        "transitions": an.transitions(ws, segments, start, t),
        "transitions (all pairs)": an.transitions(ws, segments, start, t, exclusive=False),
        "funnel": an.funnel(ws, one, as_of=t),
        "retention": an.retention(ws, one, start, end, every, continuous=True),
        "lifecycle": an.lifecycle(ws, activity, start, end, every),
    }


def _references(data: Dataset, catalog, segments, activity, span, t) -> dict[str, Any]:
    """The reference's side of :func:`_frames` (NaN made None, so results compare equal)."""
    start, end, every = span
    one = first(segments)
    results = {
        "overlap": ra.overlap(segments, t, data, catalog),
        "transitions": ra.transitions(segments, start, t, data, catalog),
        "transitions (all pairs)": ra.transitions(segments, start, t, data, catalog, False),
        "funnel": ra.funnel(one, t, data, catalog)["rows"],
        "retention": ra.retention(one, start, end, every, data, catalog, continuous=True),
        "lifecycle": ra.lifecycle(activity, start, end, every, t, data),
    }
    return {k: [{c: py(v) for c, v in r.items()} for r in rows] for k, rows in results.items()}


@WITH_HISTORY
@diff_settings(6)
@given(data=st.data())
def test_nothing_after_t_is_visible(data, with_history):
    """Data after t (= the workspace's now and the end of every analysis) changes nothing,
    in the engine and in the reference."""
    dataset, catalog, segments = data.draw(scenes(with_history, 3), label="scene")
    activity = data.draw(activities(), label="activity")
    span = data.draw(sd.grids(dataset, rules_of(segments)[0], catalog), label="start, end, every")
    t = span[1] + data.draw(st.sampled_from([0, 0, 1, 5]), label="hours after end") * sd.H
    later = data.draw(sd.future_additions(dataset, t), label="with additions after t")
    before = _frames(dataset_workspace(dataset, catalog).with_now(t), segments, activity, span, t)
    after = _frames(dataset_workspace(later, catalog).with_now(t), segments, activity, span, t)
    for name, frame in before.items():
        pd.testing.assert_frame_equal(after[name], frame, obj=name)
    expected = _references(dataset, catalog, segments, activity, span, t)
    assert _references(later, catalog, segments, activity, span, t) == expected
