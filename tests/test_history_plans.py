"""History plans: the choice (engine/_batched.py), the option, and compiled plans (engine/_plans.py).

The differential suites hold both plans to the reference evaluator (each forced, on
hourly, 6-hourly, daily, weekly, monthly, two-monthly and quarterly grids); these check
what the choice reads (grid density, windows, table statistics), that the option is
validated, the DuckDB settings of ``Workspace.configure``, and the compiled history
plans: bound to other grids of their shape they give the reference's numbers and a
fresh compilation's, their cache is keyed by rule, plan, step and points and bounded,
an unsafe substitution compiles per call, and two threads bind one plan to their own
grids.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

import segment_lab as sl
import tests.strategies_data as sd
from segment_lab.engine import (
    Grid,
    HistoryPlans,
    choose_plan,
    compile_history,
    make_grid,
    plan_costs,
    release_cursors,
    segment_history,
)
from segment_lab.engine._checks import TableStats
from segment_lab.engine._plans import GRID_STAND_INS, grid_instants
from segment_lab.errors import InvalidValueError
from tests.differential import check_history
from tests.helpers import PLANS, dataset_workspace, diff_settings, split_examples

END = dt.datetime(2025, 6, 30)
YEAR = END - dt.timedelta(days=364)
#: 1M contacts and a year of 6M opens: the shape of the bench data
STATS = TableStats(1_000_000, 0, {"email_open": (6_000_000, END - dt.timedelta(days=365), END)})
OPENS = sl.event("email_open").count(within="30d") >= 3


def test_sparse_grids_and_short_windows_are_batched():
    assert choose_plan(OPENS, STATS, make_grid(YEAR, END, "1mo")) == "batched"
    assert choose_plan(OPENS, STATS, make_grid(YEAR, END, "1d")) == "intervals"
    week = sl.event("email_open").count(within="7d") >= 3
    assert choose_plan(week, STATS, make_grid(YEAR, END, "1w")) == "batched"


def test_the_estimate_follows_the_grid_and_the_window():
    monthly, daily = make_grid(YEAR, END, "1mo"), make_grid(YEAR, END, "1d")
    # the interval engine's estimate does not depend on the grid, the batched one grows
    assert plan_costs(OPENS, STATS, monthly)["intervals"] == pytest.approx(
        plan_costs(OPENS, STATS, daily)["intervals"], rel=0.1
    )
    assert (
        plan_costs(OPENS, STATS, daily)["batched"]
        > 10 * plan_costs(OPENS, STATS, monthly)["batched"]
    )
    # a rule that holds without events has every contact at every instant in its frame
    quiet = ~sl.event("email_open").exists(within="30d")
    assert plan_costs(quiet, STATS, monthly)["batched"] > 12 * STATS.contacts


def test_forced_plans_agree_and_bad_plans_are_refused(demo_ws):
    rule = sl.event("purchase").sum("value", within="90d") >= 100
    args = (rule, "2025-03-01", "2025-06-30", "1w")
    batched = demo_ws.history(*args, plan="batched")
    assert batched.equals(demo_ws.history(*args, plan="intervals"))
    assert batched.equals(demo_ws.history(*args))
    with pytest.raises(InvalidValueError, match=r"plan=.batch.*Did you mean .batched."):
        demo_ws.history(*args, plan="batch")


def test_configure_sets_and_refuses_duckdb_settings(tmp_path):
    ws = sl.Workspace.demo()
    settings = ws.configure(memory_limit="3GB", temp_directory=str(tmp_path))
    assert settings["temp_directory"] == str(tmp_path)
    assert settings["memory_limit"].endswith("GiB")
    with pytest.raises(InvalidValueError, match="memory_limit='plenty'"):
        ws.configure(memory_limit="plenty")


def test_a_batched_plan_bound_to_other_grids_matches_a_fresh_compilation():
    ws = sl.Workspace.demo()  # its own plans
    rule = ws.resolve("churn-risk")  # events, a NOT, last_seen relative to t, SCD2 fields
    for start in ("2025-01-06", "2025-02-10 08:00", "2025-03-17"):
        grid = ws.grid(start, None, "1w")
        grid = make_grid(grid.start, grid.start + dt.timedelta(weeks=9), "1w")  # 10 points
        bound = ws.history(rule, grid.start, grid.end, "1w", plan="batched")
        assert bound.equals(segment_history(rule, ws.tables, grid, "batched"))
    assert len(ws._history_plans) == 1  # compiled once for the three grids


# -- compiled history plans (engine/_plans.py) --------------------------------------------------


def _fresh(ws: sl.Workspace) -> sl.Workspace:
    """A workspace on ``ws``'s tables with no history plans yet (statistics shared)."""
    return sl.Workspace(ws.tables, ws.catalog, ws.now, ws._facts)


def _same_shape(ws: sl.Workspace, grid: Grid, start: dt.datetime, every: str) -> tuple:
    """``(start, end, every)`` of the grid shaped as ``grid`` (step, points) from ``start``."""
    aligned = ws.grid(start, start, every)
    other = Grid(aligned.start, grid.step, grid.n, grid.months)
    return other.start, other.end, every


@PLANS
@pytest.mark.parametrize("calendar", [False, True], ids=["fixed", "calendar"])
@diff_settings(2)
@given(data=st.data())
def test_a_plan_bound_to_other_grids_matches_the_reference_and_a_fresh_compilation(
    data, calendar, plan
):
    """One plan per workspace, rule and grid shape, bound to two grids of that shape
    (other starts and ends; hourly to weekly or calendar months and quarters): each
    history is the reference's and the same as the query compiled for that grid.

    (Every ``ws.history`` of the differential suites runs a plan bound to its grid too:
    these add the fresh compilation and a second grid of one shape.)"""
    split_examples(data, plan)
    if calendar:
        dataset = data.draw(sd.calendar_datasets(True), label="dataset")
        rule, catalog = data.draw(sd.calendar_conditions(), label="condition"), None
    else:
        dataset = data.draw(sd.datasets(True), label="dataset")
        rule, catalog = data.draw(sd.rules_with_catalog(depth=2), label="rule, catalog")
    first = data.draw(sd.grids(dataset, rule, catalog, 6, calendar), label="grid")
    other = data.draw(sd.instants_for(dataset, rule, catalog), label="other start")
    ws = dataset_workspace(dataset, catalog)
    shape = ws.grid(*first)
    resolved = ws.resolve(rule)
    for grid in (first, _same_shape(ws, shape, other, first[2])):
        check_history(ws, rule, catalog, dataset, grid, probes=0, plan=plan)
        bound = ws.history(rule, *grid, plan=plan)
        assert bound.equals(segment_history(resolved, ws.tables, ws.grid(*grid), plan)), grid
    assert len(ws._history_plans) == 1
    assert ws._history_plans.get(resolved, plan, shape) is not None  # bound, not recompiled


def test_the_plan_cache_is_keyed_by_rule_plan_step_and_points(demo_ws):
    ws = _fresh(demo_ws)
    buyers = sl.event("purchase").exists(within="30d")
    calls = [  # (rule, start, end, every, plan, distinct shapes so far)
        (buyers, "2025-03-03", "2025-04-28", "1w", "intervals", 1),  # 9 points
        (buyers, "2025-03-10", "2025-05-05", "7d", "intervals", 1),  # the same shape
        (sl.event("purchase").exists(within="31d"), "2025-03-10", "2025-05-05", "1w", "intervals", 2),
        (buyers, "2025-03-10", "2025-05-05", "1w", "batched", 3),
        (buyers, "2025-03-10", "2025-05-12", "1w", "intervals", 4),  # 10 points
        (buyers, "2025-03-10", "2025-03-18", "1d", "intervals", 5),  # 9 days
        (buyers, "2024-09-01", "2025-05-01", "1mo", "intervals", 6),  # 9 months
        (buyers, "2023-05-01", "2025-05-01", "1q", "intervals", 7),  # 9 quarters
        (buyers, "2023-06-01", "2025-06-01", "1q", "intervals", 7),
    ]  # fmt: skip
    seen = 0
    for rule, start, end, every, plan, shapes in calls:
        grid = ws.grid(start, end, every)
        got = ws.history(rule, start, end, every, plan=plan)
        if shapes == seen:  # a plan reused: the numbers of the query compiled for the grid
            assert got.equals(segment_history(rule, ws.tables, grid, plan)), (start, every)
        assert len(ws._history_plans) == shapes, (start, every, plan)
        assert list(grid_instants(grid)) == [grid.before, *grid.points]
        seen = shapes


def test_plans_are_few_and_unsafe_substitutions_compile_per_call(demo_ws):
    plans = HistoryPlans(demo_ws.tables, size=2)
    weekly = demo_ws.grid("2025-03-03", "2025-04-28", "1w")
    rules = [sl.event("purchase").exists(within=f"{d}d") for d in (10, 20, 30)]
    for rule in rules:
        plans.get(rule, "intervals", weekly)
    assert len(plans) == 2 and (rules[0], "intervals") not in {k[:2] for k in plans._plans}
    # a literal of the rule that is the stand-in's t_(-1) would be substituted too: no plan
    odd = sl.field("created_at") > GRID_STAND_INS[0]
    for plan in ("intervals", "batched"):
        assert compile_history(odd, demo_ws.tables, plan, weekly.step, weekly.n + 1) is None
        got = segment_history(odd, demo_ws.tables, weekly, plan, plans=plans)
        assert got.equals(segment_history(odd, demo_ws.tables, weekly, plan))
        assert int(got["size"].iloc[-1]) == demo_ws.count(odd, as_of=weekly.end)


@pytest.mark.parametrize("plan", ["batched", "intervals"])
def test_two_threads_bind_one_plan_to_their_own_grids(demo_ws, plan):
    """The explorer widget draws its history on a worker thread: two threads binding
    the same plan (the batched plan's grid table included) to different grids."""
    ws = _fresh(demo_ws)
    rule = demo_ws.resolve("churn-risk")
    grids = [("2025-01-06", "2025-03-03", "1w"), ("2025-03-10", "2025-05-05", "1w")]
    expected = [segment_history(rule, ws.tables, ws.grid(*g), plan) for g in grids]
    got: dict[int, list] = {0: [], 1: []}

    def work(i: int) -> None:
        try:
            for _ in range(3):
                got[i].append(ws.history(rule, *grids[i], plan=plan))
        finally:
            release_cursors()

    threads = [threading.Thread(target=work, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in (0, 1):
        assert len(got[i]) == 3 and all(f.equals(expected[i]) for f in got[i]), grids[i]
    assert len(ws._history_plans) == 1
