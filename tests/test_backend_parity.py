"""The differential suites on every engine: DuckDB, PostgreSQL and PySpark.

The same random cases as ``test_differential`` and ``test_analytics_reference`` draw
(``strategies_data``: NULLs, mixed case, lists, window edges, int or string ids, with or
without SCD2 history), checked against the same plain-Python reference, on each engine
of the ``backend`` fixture (``tests/backends.py``).  A case is drawn once per backend
with the same derandomised seed, so PostgreSQL's and Spark's cases are the first of
DuckDB's.  Each case loads one dataset (one bulk load per table) and checks many things
on it, because a query costs a few milliseconds on DuckDB but a second on Spark:

* as-of: ``members`` and ``count`` of a random rule at two instants aimed at its edges,
  of one of its conditions alone, and of a single (mostly event) condition;
* history: ``ws.history`` on a grid against the reference (sizes, entries, exits),
  ``ws.members`` at grid instants, ``ws.intervals`` sampled at every grid instant;
* analytics: overlap, transitions, funnel, trends and retention of random segments.

The DuckDB suites run hundreds of cases; here each engine runs :data:`EXAMPLES` of them
(PostgreSQL 10-20 per test, Spark 2-4, never none).  ``SEGMENT_LAB_DIFF_EXAMPLES`` scales
every engine, as in the DuckDB suites.
"""

from __future__ import annotations

import hypothesis
import pytest
from hypothesis import Phase, given
from hypothesis import strategies as st

import tests.reference_analytics as ra
import tests.strategies_data as sd
from segment_lab import analytics as an
from segment_lab.model import InSegment
from tests.differential import (
    aim,
    assert_rows,
    check_disjoint,
    check_history,
    diff,
    first,
    interval_members,
    leaves,
    members,
    records,
    rules_of,
    scenes,
)
from tests.helpers import diff_settings
from tests.reference import evaluate

pytestmark = [
    pytest.mark.filterwarnings("ignore::segment_lab.errors.CurrentValueWarning"),
    pytest.mark.filterwarnings("ignore::segment_lab.errors.OutsideDataWarning"),
]

#: Cases per test and engine (DuckDB: a few, its own suites run hundreds; a Spark query
#: costs about a second on two cores).
EXAMPLES = {
    "as-of": {"duckdb": 3, "postgres": 20, "pyspark": 4},
    "history": {"duckdb": 3, "postgres": 10, "pyspark": 2},
    "calendar": {"duckdb": 3, "postgres": 10, "pyspark": 3},
    "analytics": {"duckdb": 3, "postgres": 10, "pyspark": 3},
}


def run_cases(backend, check, suite: str) -> None:
    """Run ``check(data)`` on ``backend`` for its number of cases of ``suite``.

    Off DuckDB a failing case is reported as drawn: shrinking it would take minutes of
    queries (the same case, shrunk, usually fails on DuckDB's suites too).
    """
    settings = diff_settings(EXAMPLES[suite][backend.name])
    if backend.name != "duckdb":
        settings = hypothesis.settings(settings, phases=[Phase.explicit, Phase.generate])
    given(data=st.data())(settings(check))()


# -- as-of ------------------------------------------------------------------------------------


def test_as_of_parity(backend):
    def check(data):
        dataset = data.draw(sd.datasets(data.draw(st.booleans(), label="history")), label="data")
        rule, catalog = data.draw(sd.rules_with_catalog(), label="rule, catalog")
        aimed = sd.instants_for(dataset, rule, catalog)
        checks = [(rule, catalog, t) for t in data.draw(st.lists(aimed, min_size=2, max_size=2))]
        leaf = data.draw(st.sampled_from(leaves(rule)), label="condition")
        leaf_catalog = catalog if isinstance(leaf, InSegment) else None
        aimed = sd.instants_for(dataset, leaf, leaf_catalog, universe_edges=False)
        checks.append((leaf, leaf_catalog, data.draw(aimed, label="t for the condition")))
        single = data.draw(sd.single_conditions(), label="single condition")
        aimed = sd.instants_for(dataset, single, universe_edges=False)
        checks.append((single, None, data.draw(aimed, label="t for the single condition")))
        ws = backend.workspace(dataset, catalog, validate=False)
        for r, c, t in checks:
            expected = evaluate(r, t, dataset, c)
            got = members(ws, r, t)
            assert got == expected, f"{backend.name}: {r!r} as_of={t}: {diff(got, expected)}"
            assert ws.count(r, as_of=t) == len(expected), f"{backend.name}: {r!r} count {t}"

    run_cases(backend, check, "as-of")


# -- history ----------------------------------------------------------------------------------


def test_history_parity(backend):
    """Random rules' histories; on Spark single conditions: a deep rule's interval query
    took minutes to plan there (about 4 minutes a case on a loaded two-core machine)."""
    rules = sd.rules_with_catalog()
    if backend.name == "pyspark":
        rules = sd.single_conditions().map(lambda rule: (rule, None))

    def check(data):
        dataset = data.draw(sd.datasets(data.draw(st.booleans(), label="history")), label="data")
        rule, catalog = data.draw(rules, label="rule, catalog")
        grid = data.draw(sd.grids(dataset, rule, catalog, max_points=8), label="grid")
        ws = backend.workspace(dataset, catalog, validate=False)
        instants = check_history(ws, rule, catalog, dataset, grid, probes=1)
        intervals = ws.intervals(rule, end=max(instants))
        assert list(intervals.columns) == ["contact_id", "entered_at", "exited_at"]
        check_disjoint(intervals)
        for t in instants:
            expected = evaluate(rule, t, dataset, catalog)
            got = interval_members(intervals, t)
            assert got == expected, f"{backend.name}: intervals at {t}: {diff(got, expected)}"

    run_cases(backend, check, "history")


def test_calendar_history_parity(backend):
    """Calendar months and quarters: conditions in months, on a monthly or quarterly grid."""

    def check(data):
        dataset = data.draw(sd.calendar_datasets(data.draw(st.booleans())), label="data")
        leaf = data.draw(sd.calendar_conditions(), label="condition")
        grid = data.draw(sd.grids(dataset, leaf, max_points=6, calendar=True), label="grid")
        check_history(backend.workspace(dataset, validate=False), leaf, None, dataset, grid, 1)

    run_cases(backend, check, "calendar")


# -- analytics --------------------------------------------------------------------------------

#: The columns of each analysis compared with the reference's rows.
COLUMNS = {
    "overlap": ["segment_a", "segment_b", "size_a", "size_b", "both", "either", "jaccard"],
    "transitions": ["from", "to", "contacts"],
    "trends": ["segment", "period", "size", "entered", "exited", "net", "previous", "growth"],
    "retention": ["cohort", "periods_later", "cohort_size", "retained", "share"],
}


def test_analytics_parity(backend):
    """Overlap, transitions (exclusive and all pairs), funnel, trends and retention of the
    same random segments on one dataset."""

    def check(data):
        history = data.draw(st.booleans(), label="history")
        dataset, catalog, segments = data.draw(scenes(history, 3), label="scene")
        start, end = data.draw(
            st.lists(aim(dataset, segments, catalog), min_size=2, max_size=2).map(sorted),
            label="start, end",
        )
        # validated tables take other query paths (no deduplication of members)
        ws = backend.workspace(dataset, catalog, validate=data.draw(st.booleans()))
        what = f"{backend.name}:"
        got = records(an.overlap(ws, segments, as_of=end), COLUMNS["overlap"])
        expected = ra.overlap(segments, end, dataset, catalog)
        assert_rows(got, expected, ("segment_a", "segment_b"), f"{what} overlap")
        for exclusive in (True, False):
            frame = an.transitions(ws, segments, start, end, exclusive=exclusive)
            expected = ra.transitions(segments, start, end, dataset, catalog, exclusive)
            assert_rows(records(frame, COLUMNS["transitions"]), expected, ("from", "to"), what)
        one = first(segments)
        frame = an.funnel(ws, one, as_of=end)
        expected = ra.funnel(one, end, dataset, catalog)
        assert records(frame, ["step", "kept", "removed", "alone", "blocks"]) == [
            {k: r[k] for k in ("step", "kept", "removed", "alone", "blocks")}
            for r in expected["rows"]
        ], f"{what} funnel"
        grid = data.draw(sd.grids(dataset, rules_of(segments)[0], catalog, 6), label="grid")
        frame = an.trends(ws, segments, *grid, progress=False)
        expected = ra.trends(segments, *grid, dataset, catalog, 1)
        assert_rows(records(frame, COLUMNS["trends"]), expected, ("segment", "period"), what)
        frame = an.retention(ws, one, *grid)
        expected = ra.retention(one, *grid, dataset, catalog, None, False)
        key = ("cohort", "periods_later")
        assert_rows(records(frame, COLUMNS["retention"]), expected, key, what)

    run_cases(backend, check, "analytics")
