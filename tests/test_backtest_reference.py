"""``sl.backtest`` against a plain-Python reference on small random data (hypothesis).

The reference (``tests/helpers.py``, shared with the CLI's tests) evaluates membership at every snapshot with ``tests/reference.py`` (as of
``t_k``), the population as the universe at ``t_k`` and the outcome by a plain scan of
the events (type, ``where``, ``t_k < ts <= min(t_k + horizon, now)``) or as the
reference's membership of the outcome rule at ``min(t_k + horizon, now)``.  Its ratios
and Wilson intervals are written out here again (the interval in its closed quadratic
form), so the engine's counts *and* its arithmetic are checked.  Empty populations
(grids before every ``created_at``) and empty segments come up often.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import segment_lab as sl
import tests.reference as ref
import tests.strategies_data as sd
from segment_lab.model import And, Catalog, Duration, RelativeTime, Segment, walk
from segment_lab.model._time import looks_relative
from tests.helpers import (
    BACKTEST_COUNTS,
    WITH_HISTORY,
    backtest_ratios,
    dataset_workspace,
    diff_settings,
    reference_backtest,
)

pytestmark = pytest.mark.filterwarnings("ignore::segment_lab.errors.CurrentValueWarning")

HORIZONS = ("1h", "3h", "6h", "1d", "2d", "1w")


# -- strategies -------------------------------------------------------------------------------


def _relative(rule: Any) -> bool:
    for node in walk(rule):
        for value in vars(node).values():
            if isinstance(value, RelativeTime) or (
                isinstance(value, str) and looks_relative(value)
            ):
                return True
    return False


@st.composite
def outcomes(draw: st.DrawFn, catalog: Catalog) -> Any:
    """An event spec (optionally with a where of absolute values) or a rule."""
    kind = draw(st.sampled_from(["event", "event", "where", "rule"]))
    if kind == "rule":
        return draw(sd.rules_for_schema(2, catalog.names))
    types = draw(st.lists(st.sampled_from(sd.EVENT_TYPES), min_size=1, max_size=2, unique=True))
    spec = sl.event(types)
    if kind == "where":
        where = draw(sd.where_rules(1))
        if not _relative(where):
            spec = spec.where(where)
    return spec


@st.composite
def _on_events(draw: st.DrawFn, dataset: ref.Dataset, grid: tuple) -> tuple:
    """Often move the grid so that an event falls exactly on a later snapshot (or its t + h)."""
    start, end, every = grid
    step = Duration.parse(every).to_timedelta()
    n = (end - start) // step + 1
    if not dataset.events or draw(st.booleans()):
        return grid
    ts = draw(st.sampled_from(sorted(e["ts"] for e in dataset.events)))
    k = draw(st.integers(1, max(1, n)))
    start = ts - k * step
    return start, start + (max(n, k) - 1) * step + (end - grid[0] - (n - 1) * step), every


@st.composite
def scenes(draw: st.DrawFn, with_history: bool) -> tuple:
    dataset = draw(sd.datasets(with_history), label="dataset")
    catalog = draw(sd.catalogs(), label="catalog")
    n = draw(st.integers(1, 3))
    segments = []
    for i in range(n):
        rule = draw(sd.rules_for_schema(2, catalog.names))
        segments.append(Segment(f"s{i}", rule) if draw(st.booleans()) else rule)
    rules = [s.rule if isinstance(s, Segment) else s for s in segments]
    grid = draw(sd.grids(dataset, And(tuple(rules)) if n > 1 else rules[0], catalog, 6))
    grid = draw(_on_events(dataset, grid), label="grid")
    horizon = draw(st.sampled_from(HORIZONS), label="horizon")
    outcome = draw(outcomes(catalog), label="outcome")
    h = Duration.parse(horizon).to_timedelta()
    now = draw(
        st.sampled_from(
            [grid[1] + h, grid[1], grid[0] + h, grid[1] + h * 3, dt.datetime(2030, 1, 1)]
        )
        | sd.instants(),
        label="now",
    )
    return dataset, catalog, segments, grid, horizon, outcome, now


def engine_rows(frame) -> list[dict]:
    return [
        {k: (v.to_pydatetime() if hasattr(v, "to_pydatetime") else v) for k, v in r.items()}
        for r in frame.to_dict("records")
    ]


def _same(a: Any, b: Any) -> bool:
    if isinstance(b, float):
        return (
            (math.isnan(a) and math.isnan(b))
            if math.isnan(b)
            else math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
        )
    return a == b


def assert_same_rows(got: list[dict], expected: list[dict]) -> None:
    assert len(got) == len(expected)
    key = lambda r: (r["segment"], r["snapshot"])  # noqa: E731
    for g, e in zip(sorted(got, key=key), sorted(expected, key=key)):
        assert set(g) == set(e), (sorted(g), sorted(e))
        bad = {c: (g[c], v) for c, v in e.items() if not _same(g[c], v)}
        assert not bad, f"{e['segment']} at {e['snapshot']}: (engine, reference) {bad}"


# -- tests -------------------------------------------------------------------------------------


@WITH_HISTORY
@diff_settings(12)
@given(data=st.data())
def test_backtest_matches_reference(data, with_history):
    dataset, catalog, segments, grid, horizon, outcome, now = data.draw(scenes(with_history))
    partial = data.draw(st.booleans(), label="partial")
    ws = dataset_workspace(dataset, catalog).with_now(now)
    expected = reference_backtest(segments, outcome, grid, horizon, now, dataset, catalog, partial)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sl.errors.IncompleteSnapshotWarning)
        start, end, every = grid
        frame = sl.backtest(
            ws, segments, outcome, start=start, end=end, every=every, horizon=horizon,
            partial=partial, progress=False,
        )  # fmt: skip
    assert_same_rows(engine_rows(frame), expected)
    if len(frame):
        summary = frame.summary()
        lifts = summary["lift"].tolist()
        known = [x for x in lifts if not math.isnan(x)]
        assert lifts[: len(known)] == sorted(known, reverse=True)  # ranked, NaN last
        for _, row in summary.iterrows():
            mine = [r for r in expected if r["segment"] == row["segment"]]
            counts = tuple(sum(r[c] for r in mine) for c in BACKTEST_COUNTS)
            assert tuple(int(row[c]) for c in BACKTEST_COUNTS) == counts
            for c, v in backtest_ratios(*counts).items():
                assert _same(row[c], v), (c, row[c], v)


@st.composite
def calendar_scenes(draw: st.DrawFn, with_history: bool) -> tuple:
    """Data around month ends; calendar grids, or daily / weekly grids with calendar horizons."""
    dataset = draw(sd.calendar_datasets(with_history), label="dataset")
    catalog = draw(sd.catalogs(), label="catalog")
    segments = [draw(sd.rules_for_schema(2, catalog.names)) for _ in range(draw(st.integers(1, 2)))]
    if draw(st.booleans()):
        grid = draw(sd.grids(dataset, segments[0], catalog, 6, calendar=True), label="grid")
        horizon = draw(st.sampled_from(["1mo", "1q", "2d", "30d"]), label="horizon")
    else:
        start = draw(st.sampled_from(sd.CALENDAR_TIMES), label="start")
        every = draw(st.sampled_from(["1d", "1d", "1w"]), label="every")
        n = draw(st.integers(0, 7))
        grid = (start, start + n * Duration.parse(every).to_timedelta(), every)
        horizon = draw(st.sampled_from(["1mo", "2mo", "1q"]), label="horizon")
    points = ref.grid(*grid)
    h = Duration.parse(horizon)
    reach = ref.shift(points[-1], h) if points else grid[1]
    now = draw(
        st.sampled_from([reach, reach - dt.timedelta(days=1), ref.shift(grid[0], h),
                         dt.datetime(2030, 1, 1)]) | sd.instants(),
        label="now",
    )  # fmt: skip
    outcome = draw(outcomes(catalog), label="outcome")
    return dataset, catalog, segments, grid, horizon, outcome, now


@WITH_HISTORY
@diff_settings(12)
@given(data=st.data())
def test_calendar_grids_and_horizons_match_reference(data, with_history):
    """Calendar steps (snapshots as ws.history's) and horizons (t + months, clipped)."""
    dataset, catalog, segments, grid, horizon, outcome, now = data.draw(
        calendar_scenes(with_history)
    )
    partial = data.draw(st.booleans(), label="partial")
    ws = dataset_workspace(dataset, catalog).with_now(now)
    expected = reference_backtest(segments, outcome, grid, horizon, now, dataset, catalog, partial)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sl.errors.IncompleteSnapshotWarning)
        start, end, every = grid
        frame = sl.backtest(
            ws, segments, outcome, start=start, end=end, every=every, horizon=horizon,
            partial=partial, progress=False,
        )  # fmt: skip
    assert_same_rows(engine_rows(frame), expected)
