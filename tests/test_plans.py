"""Count plans: a rule compiled once per workspace, run at any instant (engine/_plans.py).

The differential tests check ``ws.count`` against the reference evaluator at random
instants; these check what a plan is: compiled once per rule, bound to each instant
(relative times and day anchors included), never a stored result.
"""

from __future__ import annotations

import datetime as dt

import pytest

import segment_lab as sl
from segment_lab.engine._plans import STAND_IN, compile_count
from segment_lab.errors import UnknownFieldError

INSTANTS = [
    dt.datetime(2024, 3, 1),
    dt.datetime(2025, 1, 15, 13, 30),
    dt.datetime(2025, 6, 30, 23, 59, 59),
]

RULES = {
    "window": sl.event("email_open").count(within="30d") >= 3,
    "day anchor": sl.event("page_visit").exists(between=("today-14d", "today")),
    "relative field": sl.field("created_at") > "-90d",
    "last_seen": sl.event("purchase").last_seen() < "yesterday-30d",
    "sum": sl.event("purchase").sum("value", within="90d") >= 100,
    "nested": sl.all_of(
        sl.field("lifecycle_stage").isin(["mql", "sql"]),
        sl.any_of(~sl.event("email_open").exists(within="21d"), sl.field("points") >= 50),
    ),
}


@pytest.fixture(scope="module")
def ws(demo_ws) -> sl.Workspace:
    """The shared demo workspace (tests/conftest.py)."""
    return demo_ws


def _fresh(ws: sl.Workspace, rule, t: dt.datetime) -> int:
    """The count compiled at t itself, through Ibis: no plan involved."""
    return int(ws.members(rule, as_of=t).count().execute())


@pytest.mark.parametrize("name", list(RULES))
def test_one_plan_serves_every_instant(name):
    ws = sl.Workspace.demo()  # a workspace of its own: its plans start empty
    rule = RULES[name]
    counts = [ws.count(rule, as_of=t) for t in INSTANTS]
    assert counts == [_fresh(ws, rule, t) for t in INSTANTS]
    assert len(set(counts)) > 1, "the instants should give different sizes"
    assert len(ws._plans) == 1


def test_the_plan_holds_the_stand_in_not_an_instant(ws):
    plan = compile_count(ws.resolve(RULES["day anchor"]), ws.tables)
    assert plan is not None
    assert plan.marker in plan.sql
    for t in INSTANTS:
        assert f"{t:%Y-%m-%d}" not in plan.sql
    assert "2026" not in plan.sql and f"{STAND_IN:%Y}" not in plan.sql.replace(plan.marker, "")


def test_a_rule_quoting_the_stand_in_is_compiled_per_call(ws):
    plan = compile_count(ws.resolve(RULES["window"]), ws.tables)
    rule = sl.field("email").contains(plan.marker) | (sl.field("points") >= 50)
    assert compile_count(ws.resolve(rule), ws.tables) is None
    t = INSTANTS[-1]
    assert ws.count(rule, as_of=t) == _fresh(ws, rule, t)
    # the stand-in instant as a value: its literal is the marker's (was counted as t: 0)
    since = sl.field("created_at") > STAND_IN
    assert compile_count(ws.resolve(since), ws.tables) is None
    assert ws.count(since, as_of=t) == _fresh(ws, since, t) > 0


def test_errors_are_raised_at_every_call_and_nothing_is_kept(ws):
    bad = sl.field("citty") == "Tokyo"
    before = len(ws._plans)
    for _ in range(2):
        with pytest.raises(UnknownFieldError, match="city"):
            ws.count(bad, as_of=INSTANTS[0])
    assert len(ws._plans) == before


def test_plans_are_bounded():
    ws = sl.Workspace.demo()
    ws._plans._size = 3
    for n in range(1, 6):
        ws.count(sl.field("points") >= n)
    assert len(ws._plans) == 3
