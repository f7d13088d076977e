"""The engine against the independent reference evaluator (``tests/reference.py``).

Random datasets (NULLs, mixed case, lists, events on window edges, contacts created
after t, int or string ids, with or without SCD2 history) x random rules of every node
type (depth 3, ``where`` filters, between windows, relative times, ``in_segment``
through a random catalog) x instants aimed at the edges of the rule (events exactly at
t and at t - window, between bounds, relative times landing on data times, creations,
history boundaries).  Each test states one acceptance criterion:

* as-of: ``ws.members(rule, as_of=t)`` is exactly the reference set, for the whole rule
  and for one of its conditions alone (a deep rule often masks its parts), and for
  single conditions aimed at their own edges; ``ws.count`` (a plan compiled once per
  rule and bound to each instant) gives the reference's size at every one of them; the
  hand-computed cases of ``tests/hand_cases.py`` run on the engine too;
* no look-ahead: adding events, contacts and history rows after t changes nothing;
* history: every period of ``ws.history`` matches the reference (sizes, entries, exits,
  the previous period at ``start - every``), ``ws.members`` at each grid instant, and
  the membership intervals of ``ws.intervals`` sampled at the same instants.

Runs are reproducible (``derandomize=True``).  ``SEGMENT_LAB_DIFF_EXAMPLES=5000``
scales every test up; ``SEGMENT_LAB_DIFF_RANDOM=1`` draws fresh examples each run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

import segment_lab as sl
import tests.strategies_data as sd
from segment_lab.model import InSegment, Not
from segment_lab.model._time import Duration, Within
from tests.differential import (
    check_disjoint,
    check_history,
    diff,
    interval_members,
    leaves,
    members,
)
from tests.hand_cases import CASES, HISTORY_CASES, T
from tests.helpers import PLANS, WITH_HISTORY, dataset_workspace, diff_settings, split_examples
from tests.reference import evaluate

# random rules use attributes without history on purpose: the warning is expected there
pytestmark = pytest.mark.filterwarnings("ignore::segment_lab.errors.CurrentValueWarning")

# -- 0. the hand-computed cases (tests/hand_cases.py), on the engine ----------------------


@pytest.mark.parametrize(("rule", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hand_cases(hand_ws, rule, expected):
    assert members(hand_ws, rule, T) == expected


@pytest.mark.parametrize(("t", "expected"), HISTORY_CASES)
def test_hand_history_cases(hand_history_ws, t, expected):
    assert members(hand_history_ws, sl.field("city") == "Tokyo", t) == expected


# -- 1. as-of -------------------------------------------------------------------------------


@WITH_HISTORY
@diff_settings(300)
@given(data=st.data())
def test_as_of_matches_reference(data, with_history):
    """The whole rule at 1-2 instants aimed at its edges, and one of its conditions alone
    at an instant aimed at that condition (a deep rule often masks its parts)."""
    dataset = data.draw(sd.datasets(with_history), label="dataset")
    rule, catalog = data.draw(sd.rules_with_catalog(), label="rule, catalog")
    aimed = sd.instants_for(dataset, rule, catalog)
    checks = [(rule, t) for t in data.draw(st.lists(aimed, min_size=1, max_size=2), label="t")]
    leaf = data.draw(st.sampled_from(leaves(rule)), label="condition")
    leaf_catalog = catalog if isinstance(leaf, InSegment) else None
    aimed = sd.instants_for(dataset, leaf, leaf_catalog, universe_edges=False)
    checks.append((leaf, data.draw(aimed, label="t for the condition")))
    # the other tests validate; this saves 25%
    ws = dataset_workspace(dataset, catalog, validate=False)
    for r, t in checks:
        expected = evaluate(r, t, dataset, catalog)
        got = members(ws, r, t)
        assert got == expected, f"{r!r} as_of={t}: {diff(got, expected)}"
        # count runs the rule's plan: compiled at a stand-in instant, bound to each t
        assert ws.count(r, as_of=t) == len(expected), f"{r!r} count as_of={t}"


@WITH_HISTORY
@diff_settings(100)
@given(data=st.data())
def test_single_conditions_at_their_edges(data, with_history):
    """One condition (mostly an event condition) at three instants aimed at its edges:
    events exactly at t and at t - window, between bounds, relative times."""
    dataset = data.draw(sd.datasets(with_history), label="dataset")
    leaf = data.draw(sd.single_conditions(), label="condition")
    aimed = sd.instants_for(dataset, leaf, universe_edges=False)
    instants = data.draw(st.lists(aimed, min_size=3, max_size=3), label="t")
    ws = dataset_workspace(dataset, validate=False)
    for t in instants:
        expected = evaluate(leaf, t, dataset)
        got = members(ws, leaf, t)
        assert got == expected, f"as_of={t}: {diff(got, expected)}"
        assert ws.count(leaf, as_of=t) == len(expected), f"count as_of={t}"


# -- 2. no look-ahead -----------------------------------------------------------------------


@WITH_HISTORY
@diff_settings(60)
@given(data=st.data())
def test_nothing_after_t_is_visible(data, with_history):
    dataset = data.draw(sd.datasets(with_history), label="dataset")
    rule, catalog = data.draw(sd.rules_with_catalog(), label="rule, catalog")
    t = data.draw(sd.instants_for(dataset, rule, catalog), label="t")
    later = data.draw(sd.future_additions(dataset, t), label="with additions after t")
    expected = evaluate(rule, t, dataset, catalog)
    assert evaluate(rule, t, later, catalog) == expected
    before = dataset_workspace(dataset, catalog)
    after = dataset_workspace(later, catalog)
    assert members(before, rule, t) == expected, diff(members(before, rule, t), expected)
    assert members(after, rule, t) == expected, "data after t changed the result"
    assert after.count(rule, as_of=t) == len(expected)


# -- 3. history -----------------------------------------------------------------------------


@PLANS
@WITH_HISTORY
@diff_settings(50)
@given(data=st.data())
def test_single_condition_history(data, with_history, plan):
    """One condition (mostly an event condition) on a grid of up to 12 points aimed at
    its edges: every window length against hourly to weekly steps, so that windows of
    whole steps (one grid index per event) and the others are both met."""
    split_examples(data, plan)
    dataset = data.draw(sd.datasets(with_history), label="dataset")
    leaf = data.draw(sd.single_conditions(), label="condition")
    grid = data.draw(sd.grids(dataset, leaf, max_points=12), label="grid")
    check_history(dataset_workspace(dataset, validate=False), leaf, None, dataset, grid, plan=plan)


@PLANS
@WITH_HISTORY
@diff_settings(30)
@given(data=st.data())
def test_sliding_windows_on_grids(data, with_history, plan):
    """count and sum over a sliding window of a whole number of grid steps (the engine
    then places each event by one grid index), on grids long enough for events to
    leave the window: up to twice its length, at most 40 points."""
    split_examples(data, plan)
    dataset = data.draw(sd.datasets(with_history), label="dataset")
    every = data.draw(st.sampled_from(["1h", "6h", "1d"]), label="every")
    step = Duration.parse(every).to_timedelta()
    fits = [w for w in sd.WINDOWS if Duration.parse(w).to_timedelta() % step == dt.timedelta(0)]
    window = data.draw(st.sampled_from(fits), label="window")
    width = Duration.parse(window).to_timedelta()
    leaf = data.draw(sd.event_rules().filter(lambda r: r.measure in ("count", "sum")), label="rule")
    leaf = dataclasses.replace(leaf, window=Within(window))
    if data.draw(st.booleans(), label="negated"):
        leaf = Not(leaf)
    start = data.draw(sd.instants_for(dataset, leaf, universe_edges=False), label="start")
    points = min(2 * (width // step) + 2, 40)
    check_history(
        dataset_workspace(dataset, validate=False),
        leaf,
        None,
        dataset,
        (start, start + (points - 1) * step, every),
        plan=plan,
    )


@PLANS
@WITH_HISTORY
@diff_settings(30)
@given(data=st.data())
def test_history_matches_reference(data, with_history, plan):
    split_examples(data, plan)
    dataset = data.draw(sd.datasets(with_history), label="dataset")
    rule, catalog = data.draw(sd.rules_with_catalog(), label="rule, catalog")
    grids = data.draw(
        st.lists(sd.grids(dataset, rule, catalog), min_size=2, max_size=2), label="grids"
    )
    probes = data.draw(
        st.lists(sd.instants_for(dataset, rule, catalog), max_size=3), label="probes"
    )
    ws = dataset_workspace(dataset, catalog)
    instants = [
        t for grid in grids for t in check_history(ws, rule, catalog, dataset, grid, plan=plan)
    ]
    instants += probes
    intervals = ws.intervals(rule, end=max(instants))
    assert list(intervals.columns) == ["contact_id", "entered_at", "exited_at"]
    check_disjoint(intervals)
    for t in instants:
        expected = evaluate(rule, t, dataset, catalog)
        got = interval_members(intervals, t)
        assert got == expected, f"intervals sampled at {t}: {diff(got, expected)}"


# -- 4. calendar months and quarters ----------------------------------------------------------


@WITH_HISTORY
@diff_settings(40)
@given(data=st.data())
def test_calendar_conditions_as_of(data, with_history):
    """Conditions in calendar months (``within="3mo"``, ``between=("-2mo", "-1mo")``,
    ``last_seen() < "-1mo"``, ``field("created_at") >= "today-1q"``) on data spread over
    month ends (leap February, 30- and 31-day months, several times of day), at instants
    aimed at where ``t - n months`` lands on a data time or is clipped."""
    dataset = data.draw(sd.calendar_datasets(with_history), label="dataset")
    leaf = data.draw(sd.calendar_conditions(), label="condition")
    aimed = sd.instants_for(dataset, leaf, universe_edges=False)
    ws = dataset_workspace(dataset, validate=False)
    for t in data.draw(st.lists(aimed, min_size=3, max_size=3), label="t"):
        expected = evaluate(leaf, t, dataset)
        got = members(ws, leaf, t)
        assert got == expected, f"as_of={t}: {diff(got, expected)}"
        assert ws.count(leaf, as_of=t) == len(expected), f"count as_of={t}"


@PLANS
@WITH_HISTORY
@diff_settings(15)
@given(data=st.data())
def test_calendar_history(data, with_history, plan):
    """The same conditions on monthly, quarterly and two-monthly grids (steps of unequal
    length), on a daily grid, and their membership intervals sampled at aimed instants."""
    split_examples(data, plan)
    dataset = data.draw(sd.calendar_datasets(with_history), label="dataset")
    leaf = data.draw(sd.calendar_conditions(), label="condition")
    grid = data.draw(sd.grids(dataset, leaf, max_points=6, calendar=True), label="grid")
    daily = data.draw(sd.grids(dataset, leaf, max_points=12), label="fixed grid")
    ws = dataset_workspace(dataset, validate=False)
    instants = check_history(ws, leaf, None, dataset, grid, plan=plan)
    instants += check_history(ws, leaf, None, dataset, daily, plan=plan)
    instants += data.draw(st.lists(sd.instants_for(dataset, leaf), max_size=3), label="probes")
    intervals = ws.intervals(leaf, end=max(instants))
    check_disjoint(intervals)
    for t in instants:
        expected = evaluate(leaf, t, dataset)
        got = interval_members(intervals, t)
        assert got == expected, f"intervals sampled at {t}: {diff(got, expected)}"
