"""The engine against the independent reference evaluator (``tests/reference.py``).

Random datasets (NULLs, mixed case, lists, events on window edges, contacts created
after t, int or string ids, with or without SCD2 history) x random rules of every node
type (depth 3, ``where`` filters, between windows, relative times, ``in_segment``
through a random catalog) x random instants.  Each test states one acceptance criterion:

* as-of: ``ws.members(rule, as_of=t)`` is exactly the reference set;
* no look-ahead: adding events, contacts and history rows after t changes nothing;
* history: every period of ``ws.history`` matches the reference (sizes, entries, exits,
  the previous period at ``start - every``), ``ws.members`` at each grid instant, and
  the membership intervals of ``ws.intervals`` sampled at the same instants.

Runs are reproducible (``derandomize=True``).  ``SEGMENT_LAB_DIFF_EXAMPLES=5000``
scales every test up; ``SEGMENT_LAB_DIFF_RANDOM=1`` draws fresh examples each run.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os

import ibis
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import segment_lab as sl
import tests.strategies_data as sd
from segment_lab.errors import InvalidSegmentError
from segment_lab.model import EventCondition, InSegment, RelativeTime, walk
from tests.reference import Dataset, evaluate, history_sets

pytestmark = pytest.mark.filterwarnings("ignore:Attributes .* have no history bound")

_SCALE = int(os.environ.get("SEGMENT_LAB_DIFF_EXAMPLES", "0"))
_RANDOM = os.environ.get("SEGMENT_LAB_DIFF_RANDOM") == "1"


def _settings(examples: int) -> settings:
    return settings(
        max_examples=_SCALE or examples,
        deadline=None,
        derandomize=not _RANDOM,
        database=None,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


WITH_HISTORY = pytest.mark.parametrize("with_history", [False, True], ids=["plain", "scd2"])


# -- the engine side ------------------------------------------------------------------------


def workspace(
    data: Dataset, catalog: sl.Catalog | None = None, validate: bool = True
) -> sl.Workspace:
    """The dataset as in-memory Ibis tables (default DuckDB backend)."""
    frames = data.to_frames()
    history = frames["contact_history"]
    return sl.Workspace.from_ibis(
        contacts=ibis.memtable(frames["contacts"]),
        events=ibis.memtable(frames["events"]),
        contact_history=None if history is None else ibis.memtable(history),
        catalog=catalog,
        validate=validate,
    )


def members(ws: sl.Workspace, rule, t: dt.datetime) -> set:
    return set(ws.members(rule, as_of=t).to_pandas()["contact_id"].tolist())


def _instant(value) -> dt.datetime | None:
    return None if pd.isna(value) else pd.Timestamp(value).to_pydatetime()


def interval_members(intervals: pd.DataFrame, t: dt.datetime) -> set:
    """Contacts with an interval ``entered_at <= t < exited_at`` (NaT: unbounded)."""
    out = set()
    for cid, lo, hi in intervals[["contact_id", "entered_at", "exited_at"]].itertuples(index=False):
        lo, hi = _instant(lo), _instant(hi)
        if (lo is None or lo <= t) and (hi is None or t < hi):
            out.add(cid.item() if hasattr(cid, "item") else cid)
    return out


def _check_disjoint(intervals: pd.DataFrame) -> None:
    for cid, group in intervals.groupby("contact_id", sort=False):
        spans = sorted(
            (_instant(lo) or dt.datetime.min, _instant(hi) or dt.datetime.max)
            for lo, hi in zip(group["entered_at"], group["exited_at"])
        )
        for lo, hi in spans:
            assert lo < hi, f"empty interval for {cid!r}: {lo} .. {hi}"
        for (_, hi), (lo, _) in itertools.pairwise(spans):
            assert hi <= lo, f"overlapping intervals for {cid!r}: {spans}"


def _diff(got: set, expected: set) -> str:
    return f"engine only: {sorted(got - expected, key=str)}, reference only: {sorted(expected - got, key=str)}"


# -- 1. as-of -------------------------------------------------------------------------------


@WITH_HISTORY
@_settings(500)
@given(data=st.data())
def test_as_of_matches_reference(data, with_history):
    dataset = data.draw(sd.datasets(with_history), label="dataset")
    rule, catalog = data.draw(sd.rules_with_catalog(), label="rule, catalog")
    instants = data.draw(st.lists(sd.instants_for(dataset), min_size=1, max_size=2), label="t")
    ws = workspace(dataset, catalog, validate=False)  # the other tests validate; this saves 25%
    for i, t in enumerate(instants):
        expected = evaluate(rule, t, dataset, catalog)
        got = members(ws, rule, t)
        assert got == expected, f"as_of={t}: {_diff(got, expected)}"
        if i == 0:
            assert ws.count(rule, as_of=t) == len(expected)


# -- 2. no look-ahead -----------------------------------------------------------------------


@WITH_HISTORY
@_settings(100)
@given(data=st.data())
def test_nothing_after_t_is_visible(data, with_history):
    dataset = data.draw(sd.datasets(with_history), label="dataset")
    rule, catalog = data.draw(sd.rules_with_catalog(), label="rule, catalog")
    t = data.draw(sd.instants_for(dataset), label="t")
    later = data.draw(sd.future_additions(dataset, t), label="with additions after t")
    expected = evaluate(rule, t, dataset, catalog)
    assert evaluate(rule, t, later, catalog) == expected
    before = members(workspace(dataset, catalog), rule, t)
    after = members(workspace(later, catalog), rule, t)
    assert before == expected, _diff(before, expected)
    assert after == before, f"data after t changed the result: {_diff(after, before)}"


# -- 3. history -----------------------------------------------------------------------------


def _relative_time_in_where(rule, catalog: sl.Catalog | None) -> bool:
    """Whether an ``event(...).where()`` (here or in a referenced segment) uses "now"."""
    rule = rule.rule if isinstance(rule, sl.Segment) else rule
    for node in walk(rule):
        if isinstance(node, InSegment) and _relative_time_in_where(catalog[node.name], catalog):
            return True
        if isinstance(node, EventCondition) and node.where is not None:
            for inner in walk(node.where):
                values = [getattr(inner, a, None) for a in ("value", "low", "high")]
                values += list(getattr(inner, "values", ()))
                if any(isinstance(v, RelativeTime) for v in values):
                    return True
    return False


def _check_history(ws, rule, catalog, dataset, grid) -> list[dt.datetime]:
    """``ws.history`` on one grid against the reference; returns the grid instants."""
    start, end, every = grid
    sets = history_sets(rule, start, end, every, dataset, catalog)
    frame = ws.history(rule, start=start, end=end, every=every)
    assert list(frame.columns) == ["period", "size", "entered", "exited"]
    assert [_instant(p) for p in frame["period"]] == [t for t, _ in sets[1:]]
    got_rows = list(zip(frame["size"], frame["entered"], frame["exited"]))
    expected_rows = [
        (len(now), len(now - before), len(before - now))
        for (_, before), (_, now) in itertools.pairwise(sets)
    ]
    assert got_rows == expected_rows, f"history {grid}"
    size = len(sets[0][1])
    for k, (n, entered, exited) in enumerate(got_rows):
        assert n == size + entered - exited, f"period {k}: size identity broken"
        size = n
    for t, expected in sets[1:]:
        got = members(ws, rule, t)
        assert got == expected, f"members(as_of={t}) vs history grid: {_diff(got, expected)}"
    return [t for t, _ in sets]


@WITH_HISTORY
@_settings(75)
@given(data=st.data())
def test_history_matches_reference(data, with_history):
    dataset = data.draw(sd.datasets(with_history), label="dataset")
    rule, catalog = data.draw(sd.rules_with_catalog(), label="rule, catalog")
    grids = data.draw(st.lists(sd.grids(dataset), min_size=2, max_size=2), label="grids")
    probes = data.draw(st.lists(sd.instants_for(dataset), max_size=3), label="probes")
    ws = workspace(dataset, catalog)
    if _relative_time_in_where(rule, catalog):
        # Known gap, refused on purpose by the interval compiler: remove this branch
        # when history supports "now"-relative times inside where().
        with pytest.raises(InvalidSegmentError, match="relative times inside"):
            ws.history(rule, start=grids[0][0], end=grids[0][1], every=grids[0][2])
        return

    instants = [t for grid in grids for t in _check_history(ws, rule, catalog, dataset, grid)]
    instants += probes
    intervals = ws.intervals(rule, end=max(instants))
    assert list(intervals.columns) == ["contact_id", "entered_at", "exited_at"]
    _check_disjoint(intervals)
    for t in instants:
        expected = evaluate(rule, t, dataset, catalog)
        got = interval_members(intervals, t)
        assert got == expected, f"intervals sampled at {t}: {_diff(got, expected)}"
