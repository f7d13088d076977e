"""History plans (engine/_batched.py): the choice, the option and its errors.

The differential suites hold both plans to the reference evaluator (each forced); these
check what the choice reads (grid density, windows, table statistics), that the option
is validated, and the DuckDB settings of ``Workspace.configure``.
"""

from __future__ import annotations

import datetime as dt

import pytest

import segment_lab as sl
from segment_lab.engine import choose_plan, make_grid, plan_costs
from segment_lab.engine._checks import TableStats
from segment_lab.errors import InvalidValueError

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
    from segment_lab.engine import segment_history

    ws = sl.Workspace.demo()  # its own plans
    rule = ws.resolve("churn-risk")  # events, a NOT, last_seen relative to t, SCD2 fields
    for start in ("2025-01-06", "2025-02-10 08:00", "2025-03-17"):
        grid = ws.grid(start, None, "1w")
        grid = make_grid(grid.start, grid.start + dt.timedelta(weeks=9), "1w")  # 10 points
        bound = ws.history(rule, grid.start, grid.end, "1w", plan="batched")
        assert bound.equals(segment_history(rule, ws.tables, grid, "batched"))
    assert len(ws._history_plans) == 1  # compiled once for the three grids
