"""Checks and strategies shared by the differential suites and their backend parity runs.

``tests/test_differential.py`` and ``tests/test_analytics_reference.py`` run them on
DuckDB with many random cases; ``tests/test_backend_parity.py`` runs the same checks on
every engine of the ``backend`` fixture (DuckDB, PostgreSQL, PySpark) with fewer.

* as-of and history: :func:`members`, :func:`interval_members`, :func:`check_disjoint`,
  :func:`check_history` (one ``ws.history`` grid against ``tests.reference``),
  :func:`leaves`, :func:`diff`;
* analytics: :func:`records` and :func:`assert_rows` (engine frames against the rows of
  ``tests.reference_analytics``), :func:`same`, :func:`py`; the random segment lists
  :func:`scenes` and :func:`segment_lists`, :func:`rules_of`, :func:`first`, :func:`aim`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from typing import Any

import pandas as pd
from hypothesis import strategies as st

import segment_lab as sl
import tests.strategies_data as sd
from segment_lab.model import And, Catalog, Segment
from tests.reference import Dataset, history_sets

# -- as-of and history ------------------------------------------------------------------------


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


def check_disjoint(intervals: pd.DataFrame) -> None:
    for cid, group in intervals.groupby("contact_id", sort=False):
        spans = sorted(
            (_instant(lo) or dt.datetime.min, _instant(hi) or dt.datetime.max)
            for lo, hi in zip(group["entered_at"], group["exited_at"])
        )
        for lo, hi in spans:
            assert lo < hi, f"empty interval for {cid!r}: {lo} .. {hi}"
        for (_, hi), (lo, _) in itertools.pairwise(spans):
            assert hi <= lo, f"overlapping intervals for {cid!r}: {spans}"


def diff(got: set, expected: set) -> str:
    return f"engine only: {sorted(got - expected, key=str)}, reference only: {sorted(expected - got, key=str)}"


def leaves(rule) -> list:
    """The conditions a rule combines (``in_segment`` included, ``where`` rules not)."""
    rule = rule.rule if isinstance(rule, sl.Segment) else rule
    kids = rule.children()
    return [leaf for kid in kids for leaf in leaves(kid)] if kids else [rule]


def check_history(
    ws, rule, catalog, dataset, grid, probes: int | None = 3, plan: str | None = None
) -> list[dt.datetime]:
    """``ws.history`` on one grid against the reference; returns the grid instants.

    ``ws.history`` runs by ``plan`` (None: the engine's choice).  ``ws.members`` is
    checked at ``probes`` grid instants spread over the grid, first and last included
    (``None``: at every one): each is a whole as-of query, which the as-of suites check
    against the reference at aimed instants already, and they were most of these
    suites' time.
    """
    start, end, every = grid
    sets = history_sets(rule, start, end, every, dataset, catalog)
    kwargs = {} if plan is None else {"plan": plan}
    frame = ws.history(rule, start=start, end=end, every=every, **kwargs)
    assert list(frame.columns) == ["period", "size", "entered", "exited"]
    assert [_instant(p) for p in frame["period"]] == [t for t, _ in sets[1:]]
    got_rows = list(zip(frame["size"], frame["entered"], frame["exited"]))
    expected_rows = [
        (len(now), len(now - before), len(before - now))
        for (_, before), (_, now) in itertools.pairwise(sets)
    ]
    assert got_rows == expected_rows, f"history {grid} ({plan or 'chosen plan'})"
    size = len(sets[0][1])
    for k, (n, entered, exited) in enumerate(got_rows):
        assert n == size + entered - exited, f"period {k}: size identity broken"
        size = n
    for t, expected in _spread(sets[1:], probes):
        got = members(ws, rule, t)
        assert got == expected, f"members(as_of={t}) vs history grid: {diff(got, expected)}"
    return [t for t, _ in sets]


# -- analytics --------------------------------------------------------------------------------


def _spread(items: list, k: int | None) -> list:
    """``k`` of ``items`` evenly spread, first and last included (all when ``k`` is None)."""
    if k is None or len(items) <= k:
        return items
    if k == 1:
        return items[-1:]
    return [items[round(i * (len(items) - 1) / (k - 1))] for i in range(k)]


def py(value: Any) -> Any:
    """A frame cell as a plain Python value; NaN, NaT and NA are None."""
    if isinstance(value, (list, tuple)):
        return value
    if value is None or pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):
        return value.item()
    return value


def records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    """The frame's rows, restricted to ``columns``, as dicts of plain values."""
    return [
        {c: py(v) for c, v in zip(columns, row)}
        for row in frame[columns].itertuples(index=False, name=None)
    ]


def same(got: Any, expected: Any) -> bool:
    """Equal, with None/NaN alike and floats to 1e-12 (relative)."""
    got, expected = py(got), py(expected)
    if got is None or expected is None:
        return got is None and expected is None
    if isinstance(got, float) or isinstance(expected, float):
        return math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-12)
    return got == expected


def assert_rows(got: list[dict], expected: list[dict], key: tuple[str, ...], what: str) -> None:
    """Same keys and, for each key, the same values in every column of ``expected``."""
    by_key = {tuple(py(r[k]) for k in key): r for r in got}
    assert len(by_key) == len(got), f"{what}: duplicate keys in the engine's rows"
    want = {tuple(py(r[k]) for k in key): r for r in expected}
    extra, missing = set(by_key) - set(want), set(want) - set(by_key)
    assert not extra and not missing, f"{what}: engine only {extra}, reference only {missing}"
    for k, row in want.items():
        bad = {
            c: (by_key[k][c], v)
            for c, v in row.items()
            if c in by_key[k] and not same(by_key[k][c], v)
        }
        assert not bad, f"{what} {dict(zip(key, k))}: (engine, reference) {bad}"


@st.composite
def segment_lists(draw: st.DrawFn, catalog: Catalog, max_size: int = 4) -> Any:
    """1-4 segments: bare rules (rule_i), named Segments, or the catalog itself."""
    if draw(st.integers(0, 5)) == 0:
        return catalog
    n = draw(st.integers(1, max_size))
    rule = sd.rules_for_schema(2, catalog.names)
    out = []
    for i in range(n):
        r = draw(rule)
        out.append(Segment(f"s{i}", r) if draw(st.booleans()) else r)
    return out


def rules_of(segments: Any) -> list:
    """The rules of a list of segments/rules or of a catalog."""
    return [s.rule if isinstance(s, Segment) else s for s in segments]


def first(segments: Any) -> Any:
    """The first of a list of segments or of a catalog."""
    return next(iter(segments))


@st.composite
def scenes(draw: st.DrawFn, with_history: bool, max_segments: int = 4) -> tuple:
    """``(dataset, catalog, segments)``."""
    dataset = draw(sd.datasets(with_history))
    catalog = draw(sd.catalogs())
    segments = draw(segment_lists(catalog, max_segments))
    return dataset, catalog, segments


def aim(dataset: Dataset, segments: Any, catalog: Catalog) -> st.SearchStrategy:
    """Instants aimed at the edges of every segment (and of the catalog)."""
    rules = rules_of(segments)
    return sd.instants_for(dataset, And(tuple(rules)) if len(rules) > 1 else rules[0], catalog)
