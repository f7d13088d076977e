"""The bitmask history plan (engine/_bitmask.py): when it is chosen, its refusals, its edges.

The differential suites hold it to the reference evaluator on random data (forced, as
every plan); these check the choice, the grid-size limit and the cases it handles
specially: gaps in the history (NULL attributes), duplicate contacts, conditions
with times relative to t, windows shorter than a step.
"""

from __future__ import annotations

import datetime as dt
import itertools

import ibis
import pytest

import segment_lab as sl
from segment_lab.engine import choose_plan, make_grid
from segment_lab.errors import InvalidValueError
from tests.reference import Dataset, evaluate

D = dt.datetime


@pytest.fixture(scope="module")
def demo():
    return sl.Workspace.demo()


def test_chosen_for_event_counts_on_sparse_grids_only(demo):
    stats, tables = demo._facts.stats(), demo.tables
    opens = sl.event("email_open").count(within="30d") >= 3
    year = (D(2024, 7, 1), D(2025, 6, 30))
    assert choose_plan(opens, stats, make_grid(*year, "1w"), tables=tables) == "bitmask"
    assert choose_plan(opens, stats, make_grid(*year, "1mo"), tables=tables) == "bitmask"
    assert choose_plan(opens, stats, make_grid(*year, "1d"), tables=tables) != "bitmask"
    # a 90-day sum on a weekly grid would read each event 13 times; attributes alone
    spend = sl.event("purchase").sum("value", within="90d") >= 100
    assert choose_plan(spend, stats, make_grid(*year, "1w"), tables=tables) != "bitmask"
    assert choose_plan(spend, stats, make_grid(*year, "1q"), tables=tables) == "bitmask"
    city = sl.field("city") == "Tokyo"
    assert choose_plan(city, stats, make_grid(*year, "1w"), tables=tables) != "bitmask"


def test_forced_beyond_its_grid_size_says_why(demo):
    rule = sl.event("email_open").exists(within="7d")
    with pytest.raises(InvalidValueError, match=r"at most 61 grid instants.*'batched'"):
        demo.history(rule, "2025-01-01", "2025-06-30", "1d", plan="bitmask")
    sixty = demo.history(rule, "2025-05-01", "2025-06-29", "1d", plan="bitmask")
    assert len(sixty) == 60
    assert sixty.equals(demo.history(rule, "2025-05-01", "2025-06-29", "1d", plan="intervals"))


def _reference_rows(rule, data, start, end, every):
    grid = make_grid(start, end, every)
    instants = [grid.before, *grid.points]
    sets = [evaluate(rule, t, data) for t in instants]
    return [
        (len(now), len(now - before), len(before - now)) for before, now in itertools.pairwise(sets)
    ]


def _workspace(data: Dataset) -> sl.Workspace:
    frames = data.to_frames()
    tables = {name: ibis.memtable(frame) for name, frame in frames.items()}
    return sl.Workspace.from_ibis(**tables, validate=False)


UNTIDY = Dataset(  # contact 1 twice; contact 2 without a valid history row in March
    contacts=[
        {"contact_id": 1, "created_at": D(2025, 1, 1), "plan": "pro"},
        {"contact_id": 1, "created_at": D(2025, 2, 10), "plan": "free"},
        {"contact_id": 2, "created_at": D(2025, 1, 1), "plan": "free"},
        {"contact_id": 3, "created_at": D(2025, 3, 20), "plan": "pro"},
    ],
    events=[
        {"contact_id": c, "event_type": "email_open", "ts": D(2025, 1, 1) + dt.timedelta(days=d)}
        for c, d in [(1, 5), (1, 9), (1, 40), (2, 30), (2, 33), (2, 37), (3, 80), (3, 81), (3, 99)]
    ],
    history=[
        {"contact_id": 1, "valid_from": D(2025, 1, 1), "valid_to": None, "city": "Tokyo"},
        {"contact_id": 2, "valid_from": D(2025, 1, 1), "valid_to": D(2025, 3, 1), "city": "Tokyo"},
        {"contact_id": 2, "valid_from": D(2025, 3, 20), "valid_to": None, "city": "Paris"},
        {"contact_id": 3, "valid_from": D(2025, 4, 1), "valid_to": None, "city": "Osaka"},
    ],
)
RULES = [
    ~(sl.field("city") == "Tokyo"),
    (sl.field("city") == "Tokyo") & (sl.event("email_open").count(within="10d") >= 2),
    ~((sl.field("city") == "Paris") | (sl.event("email_open").count(within="30d") >= 3)),
    sl.field("city").isnull() & sl.event("email_open").exists(within="21d"),
    (sl.field("plan") == "pro") & (sl.field("created_at") > "-30d"),
    sl.event("email_open").count(within="3d") == 1,  # shorter than a week: step by step
    sl.event("email_open").count(within="1mo") < 2,  # calendar window: step by step
]


@pytest.mark.parametrize("every", ["1w", "1mo"])
@pytest.mark.parametrize("rule", RULES, ids=[f"rule{i}" for i in range(len(RULES))])
def test_untidy_data_matches_the_reference(rule, every):
    ws = _workspace(UNTIDY)
    got = ws.history(rule, "2025-01-01", "2025-05-31", every, plan="bitmask")
    expected = _reference_rows(rule, UNTIDY, D(2025, 1, 1), D(2025, 5, 31), every)
    assert list(zip(got["size"], got["entered"], got["exited"])) == expected
