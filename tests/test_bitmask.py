"""The bitmask history plan (engine/_bitmask.py): when it is chosen, its refusals, its edges.

The differential suites hold it to the reference evaluator on random data (forced, as
every plan); these check the choice, the grid-size limit and the cases it handles
specially: gaps in the history (NULL attributes), duplicate contacts, conditions
with times relative to t, windows shorter than a step, ``last_seen``/``first_seen``
as runs with events on and next to every boundary, and keys of one event set sharing
one scan.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random

import ibis
import pytest
from hypothesis import given
from hypothesis import strategies as st

import segment_lab as sl
import tests.strategies_data as sd
from segment_lab.engine import choose_plan, make_grid
from segment_lab.engine._bitmask import _Masks, _method, bitmask_many
from segment_lab.errors import InvalidValueError
from tests.differential import check_history
from tests.helpers import dataset_workspace, diff_settings
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
    # last_seen() < "-90d" is runs: read once, not at every instant
    at_risk = demo.resolve("customers-at-risk")
    assert choose_plan(at_risk, stats, make_grid(*year, "1w"), tables=tables) == "bitmask"
    lapsed = sl.event("purchase").last_seen() < "today-90d"  # a midnight: step by step
    assert choose_plan(lapsed, stats, make_grid(*year, "1w"), tables=tables) != "bitmask"


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


# -- last_seen / first_seen as runs, and event sets sharing one scan -------------------------

US1 = dt.timedelta(microseconds=1)
GRIDS = {"1w": (D(2025, 2, 3), D(2025, 5, 5)), "1mo": (D(2025, 1, 1), D(2025, 6, 1))}
#: Relative values and windows per grid: shorter and longer than its step.
SEEN = {"1w": (("-10d", "-3d", "-40d"), (None, "10d")), "1mo": (("-40d",), (None, "30d"))}


def _edges(every: str) -> tuple[list[dt.datetime], list[dt.datetime]]:
    """The grid's instants, and event times on and next to them and to ``t - 3d, 10d, 30d, 40d``."""
    grid = make_grid(*GRIDS[every], every)
    instants = [grid.before, *grid.points]
    shifts = [dt.timedelta(days=d) for d in (0, 3, 10, 30, 40)]
    times = {t - s + o for t in instants for s in shifts for o in (-US1, dt.timedelta(0), US1)}
    return instants, sorted(times)


def _edge_data(every: str) -> tuple[Dataset, list[dt.datetime]]:
    """Contacts with one to four events each at the edge times (two types, two campaigns)."""
    instants, times = _edges(every)
    rng = random.Random(16)
    contacts, events = [], []
    for cid in range(1, 81):
        created = D(2024, 1, 1) if cid % 9 else instants[len(instants) // 2]
        contacts.append({"contact_id": cid, "created_at": created})
        for ts in rng.sample(times, rng.randint(1, 4)):
            kind = "email_open" if rng.random() < 0.8 else "purchase"
            events.append(
                {"contact_id": cid, "event_type": kind, "ts": ts, "campaign": rng.choice("ab")}
            )
    return Dataset(contacts=contacts, events=events, history=None), instants


def _seen_rules(instants: list[dt.datetime], data: Dataset, every: str) -> list:
    """Every operator of last_seen/first_seen, relative and absolute, with and without windows."""
    absolute = [instants[3], data.events[0]["ts"]]  # a grid instant, an event's time
    relative, windows = SEEN[every]
    values = [*relative, *(a.isoformat() for a in absolute)]
    rules = []
    for measure, op, value, window in itertools.product(
        ("last_seen", "first_seen"), ("<", "<=", ">", ">="), values, windows
    ):
        seen = getattr(sl.event("email_open"), measure)(**({"within": window} if window else {}))
        rules.append(
            {"<": seen < value, "<=": seen <= value, ">": seen > value}.get(op, seen >= value)
        )
    seen = sl.event("email_open").last_seen(within="30d")
    rules += [seen == absolute[1].isoformat(), seen != "-10d"]  # step by step
    return rules


def _history_by_rule(
    ws: sl.Workspace, rules: list, every: str, chunk: int = 16
) -> list[list[tuple]]:
    """Each rule's (size, entered, exited) rows: one bitmask query per ``chunk`` rules.

    (A query's Ibis compilation grows faster than its rules: chunks keep the tests cheap.)
    """
    out = []
    for lo in range(0, len(rules), chunk):
        segments = [sl.Segment(f"r{i}", r) for i, r in enumerate(rules[lo : lo + chunk])]
        frame = ws.history(segments, *GRIDS[every], every, plan="bitmask", progress=False)
        groups = dict(list(frame.groupby("segment", sort=False)))
        out += [
            list(zip(*(groups[s.name][c] for c in ("size", "entered", "exited")))) for s in segments
        ]
    return out


@pytest.mark.parametrize("every", ["1w", "1mo"])
def test_last_and_first_seen_at_their_edges_match_the_reference(every):
    data, instants = _edge_data(every)
    rules = _seen_rules(instants, data, every)
    step = make_grid(*GRIDS[every], every).positions[1]
    methods = [_method(r, step) for r in rules]
    assert methods.count("runs") >= 40  # relative (fixed shifts) and absolute, every operator
    got = _history_by_rule(dataset_workspace(data, validate=False), rules, every)
    for rule, rows in zip(rules, got):
        assert rows == _reference_rows(rule, data, *GRIDS[every], every), str(rule)


def test_keys_of_one_event_set_share_one_scan():
    data, instants = _edge_data("1w")
    opens = sl.event("email_open")
    campaign = opens.where(sl.field("campaign") == "a")
    rules = [
        opens.count(within="7d") >= 1,
        (opens.count(within="30d") >= 2) & ~(opens.count(within="60d") >= 3),
        opens.count(within="60d") == 2,  # n = 2 and 3
        campaign.count(within="30d") >= 2,
        (campaign.last_seen() < "-10d") | (opens.first_seen(within="30d") >= "-3d"),
        opens.count() >= 3,
    ]
    grid = make_grid(*GRIDS["1w"], "1w")
    tables = dataset_workspace(data, validate=False).tables
    m = _Masks(rules, tables, grid.positions, instants)
    for key in m.events:
        m.event_table(key)
    assert set(m.scans) == {(("email_open",), None), (("email_open",), campaign.where_rule)}
    sql = ibis.to_sql(bitmask_many(rules, tables, grid.positions, instants))
    assert sql.count('"event_type" IN') == 2  # one scan each
    assert sql.count("LAG(") == 3  # n = 2 and 3 of the plain opens (one pass), n = 2 of a's
    got = _history_by_rule(dataset_workspace(data, validate=False), rules, "1w")
    for rule, rows in zip(rules, got):
        assert rows == _reference_rows(rule, data, *GRIDS["1w"], "1w"), str(rule)


@diff_settings(8)
@given(data=st.data())
def test_seen_runs_see_nothing_after_each_instant(data):
    """Random last_seen/first_seen conditions on aimed grids: data added after the grid
    changes nothing, and each instant's size is the reference's on the data up to it."""
    dataset = data.draw(sd.datasets(), label="dataset")
    rule = data.draw(
        sd.event_rules().filter(lambda r: r.measure in ("last_seen", "first_seen")), label="rule"
    )
    grid = data.draw(sd.grids(dataset, rule, max_points=12), label="grid")
    end = grid[1]
    later = data.draw(sd.future_additions(dataset, end), label="with additions after the grid")
    got = check_history(
        dataset_workspace(later, validate=False), rule, None, later, grid, 1, "bitmask"
    )
    assert got == check_history(
        dataset_workspace(dataset, validate=False), rule, None, dataset, grid, 1, "bitmask"
    )
