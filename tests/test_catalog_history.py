"""Histories of several segments sharing their work (engine/_catalog.py).

``ws.history([s1, s2, ...])`` runs segments together in shared batched queries (a
pruned frame, or every contact at every instant) or alone, as estimated cheaper.  Every
way is held to ``tests/reference.py`` (exact as-of evaluation at each grid instant, so
nothing after an instant can influence it), and to the per-segment histories.
"""

from __future__ import annotations

import datetime as dt

import ibis
import pytest
from hypothesis import given
from hypothesis import strategies as st

import segment_lab as sl
import tests.strategies_data as sd
from segment_lab.engine._bitmask import _static_parts
from segment_lab.engine._catalog import (
    _bitmask_queries,
    _interval_groups,
    assign,
    bitmask_members,
    catalog_rows,
    has_support,
)
from segment_lab.engine._checks import TableStats
from segment_lab.engine._history import history_frame
from segment_lab.engine._queries import make_grid
from segment_lab.errors import UnknownFieldError
from segment_lab.model import Segment
from tests.helpers import WITH_HISTORY, dataset_workspace, diff_settings
from tests.reference import Dataset, history

COLUMNS = ["segment", "period", "size", "entered", "exited"]


def _expected(segments, grid, dataset, catalog) -> list[tuple]:
    start, end, every = grid
    rows = []
    for i, s in enumerate(segments):
        name = s.name if isinstance(s, Segment) else f"rule_{i}"
        for r in history(s, start, end, every, dataset, catalog):
            rows.append((name, r["period"], r["size"], r["entered"], r["exited"]))
    return rows


def _rows(frame) -> list[tuple]:
    return [
        (s, p.to_pydatetime(), int(n), int(e), int(x))
        for s, p, n, e, x in frame[COLUMNS].itertuples(index=False)
    ]


@WITH_HISTORY
@diff_settings(4)
@given(data=st.data())
def test_shared_histories_match_the_reference(data, with_history):
    """All shared, the pruned and the full frame forced, and the grouped intervals are exact.

    (The chosen plan runs under ``trends`` in tests/test_analytics_reference.py.)
    """
    dataset = data.draw(sd.datasets(with_history), label="dataset")
    catalog = data.draw(sd.catalogs(), label="catalog")
    n = data.draw(st.integers(2, 4), label="segments")
    rule = sd.rules_for_schema(2, catalog.names)
    segments = [
        Segment(f"s{i}", r) if i % 2 else r
        for i, r in enumerate(data.draw(st.lists(rule, min_size=n, max_size=n)))
    ]
    segments.append(catalog[catalog.names[-1]])  # a catalog segment: references inlined
    calendar = data.draw(st.booleans(), label="calendar")
    grid = data.draw(sd.grids(dataset, segments[0], catalog, calendar=calendar), label="grid")
    ws = dataset_workspace(dataset, catalog)
    expected = _expected(segments, grid, dataset, catalog)
    # batched: all shared; intervals: those sharing a sub-rule in one interval query
    for plan in ("batched", "intervals"):
        got = ws.history(segments, *grid, plan=plan, progress=False)
        assert list(got.columns) == COLUMNS
        assert _rows(got) == expected, f"plan={plan}"
    # both frames forced, on the engine's rules (references inlined)
    g = ws.grid(*grid)
    instants = [g.before, *g.points]
    rules = [ws.resolve(s) for s in segments]
    by_segment = _chunks(expected, g.n)
    for pruned in (False, True):
        chosen = [i for i, r in enumerate(rules) if has_support(r) or not pruned]
        if not chosen:
            continue
        got = catalog_rows([rules[i] for i in chosen], ws.tables, g, pruned)
        for i, rows in zip(chosen, got):
            frame = history_frame(rows, instants)
            sizes = [
                (int(a), int(b), int(c)) for a, b, c in frame[["size", "entered", "exited"]].values
            ]
            assert sizes == [r[2:] for r in by_segment[i]], f"pruned={pruned}, segment {i}"


def _chunks(rows: list, size: int) -> list[list]:
    return [rows[i : i + size] for i in range(0, len(rows), size)]


@pytest.fixture(scope="module")
def catalog_histories(demo_ws):
    """The demo catalog (segments referencing each other) on a short weekly grid."""
    args = ("2025-04-28", "2025-06-02", "1w")
    return args, demo_ws.history(demo_ws.catalog, *args, progress=False)


def test_the_demo_catalog_equals_its_per_segment_histories(demo_ws, catalog_histories):
    args, shared = catalog_histories
    rules = [demo_ws.resolve(s) for s in demo_ws.catalog]
    chosen = assign(rules, demo_ws._facts.stats(), demo_ws.grid(*args))
    assert chosen.pruned or chosen.full, "the weekly demo catalog shares no query"
    referring = ("churn-risk", "customers-at-risk", "pricing-intent", "high-intent-leads")
    for s in [*(demo_ws.catalog[n] for n in referring), demo_ws.catalog["dormant"]]:
        alone = demo_ws.history(s, *args, plan="intervals")
        mine = shared[shared["segment"] == s.name].drop(columns="segment")
        assert mine.reset_index(drop=True).equals(alone), s.name


def test_calendar_grids_and_forced_plans_agree(demo_ws):
    segs = [demo_ws.catalog[n] for n in ("customers-at-risk", "churn-risk", "dormant")]
    args = ("2025-03-15", "2025-06-30", "1mo")
    auto = demo_ws.history(segs, *args, progress=False)
    assert auto.equals(demo_ws.history(segs, *args, plan="batched", progress=False))
    assert auto.equals(demo_ws.history(segs, *args, plan="intervals", progress=False))


def test_an_error_names_its_segment(demo_ws):
    bad = Segment("typo", sl.field("citty") == "Tokyo")
    with pytest.raises(UnknownFieldError, match=r"Segment 'typo': Unknown field 'citty'.*'city'"):
        demo_ws.history([demo_ws.catalog["churn-risk"], bad], "2025-05-01", every="1w")
    with pytest.raises(UnknownFieldError, match=r"Segment 'rule_1': Unknown field 'citty'"):
        demo_ws.history([sl.field("city") == "Oslo", sl.field("citty") == "x"], "2025-05-01")


def test_segments_referencing_each_other_share_one_interval_query(demo_ws):
    segs = [demo_ws.catalog[n] for n in ("churn-risk", "customers-at-risk", "new-leads")]
    args = ("2025-06-20", "2025-06-30", "1d")
    rules = [demo_ws.resolve(s) for s in segs]
    grid = demo_ws.grid(*args)
    assert _interval_groups(rules, [0, 1, 2], grid, "intervals", None) == [[0, 1]]
    shared = demo_ws.history(segs, *args, plan="intervals", progress=False)
    for s in segs:
        alone = demo_ws.history(s, *args, plan="intervals")
        mine = shared[shared["segment"] == s.name].drop(columns="segment")
        assert mine.reset_index(drop=True).equals(alone), s.name


def test_the_progress_bar_counts_segments(demo_ws, capsys):
    segs = [demo_ws.catalog[n] for n in ("newsletter-readers", "churn-risk", "new-leads")]
    frame = demo_ws.history(segs, "2025-05-01", every="1w", progress=True)
    assert sorted(frame["segment"].unique()) == sorted(s.name for s in segs)
    err = capsys.readouterr().err
    assert "history" in err and "3/3" in err


END = dt.datetime(2025, 6, 30)
STATS = TableStats(1_000_000, 0, {"email_open": (6_000_000, END - dt.timedelta(days=365), END)})


def test_the_choice_shares_sparse_grids_and_not_dense_ones():
    opens = sl.event("email_open")
    month = opens.count(within="30d")
    city = sl.field("city") == "Oslo"
    rules = [month >= 3, month >= 5, (month >= 3) & city, (month >= 2) & ~city]
    weekly = assign(rules, STATS, make_grid(END - dt.timedelta(days=364), END, "1w"))
    assert sorted(weekly.pruned + weekly.full) == [0, 1, 2, 3] and not weekly.alone
    assert weekly.costs["chosen"] < weekly.costs["per-segment"]
    hourly = assign(rules, STATS, make_grid(END - dt.timedelta(days=30), END, "1h"))
    assert hourly.alone == [0, 1, 2, 3]
    # a segment that holds without events needs every contact at every instant
    quiet = ~opens.exists(within="7d")
    assert not has_support(quiet) and not has_support(quiet | (month >= 2))
    assert has_support((month >= 2) | opens.exists(within="7d"))
    forced = assign(
        [*rules, quiet], STATS, make_grid(END - dt.timedelta(days=364), END, "1w"), "batched"
    )
    assert 4 in forced.full and not forced.alone
    assert assign(rules, STATS, make_grid(END, END, "1w"), "intervals").alone == [0, 1, 2, 3]


# -- the bitmask plan for a catalog: every rule in one query ------------------------------------

D = dt.datetime
TIDY = Dataset(  # validated: one row per contact, history rows never overlapping
    contacts=[
        {"contact_id": 1, "created_at": D(2025, 1, 1), "country": "JP"},
        {"contact_id": 2, "created_at": D(2025, 1, 1), "country": "FR"},
        {"contact_id": 3, "created_at": D(2025, 3, 20), "country": "JP"},
        {"contact_id": 4, "created_at": D(2025, 1, 10), "country": None},  # no history row
        {"contact_id": 5, "created_at": D(2025, 2, 1), "country": "FR"},
    ],
    events=[
        {"contact_id": c, "event_type": "email_open", "ts": D(2025, 1, 1) + dt.timedelta(days=d)}
        for c, d in [
            (1, 5),
            (1, 9),
            (1, 40),
            (2, 30),
            (2, 33),
            (2, 37),
            (3, 80),
            (3, 81),
            (3, 99),
            (4, 20),
            (4, 22),
            (5, 60),
            (5, 61),
            (5, 120),
        ]
    ],
    history=[  # gaps: contact 2 in March, contact 3 before April, contact 5's NULL city
        {"contact_id": 1, "valid_from": D(2025, 1, 1), "valid_to": D(2025, 2, 14), "city": "Tokyo"},
        {"contact_id": 1, "valid_from": D(2025, 2, 14), "valid_to": None, "city": "Osaka"},
        {"contact_id": 2, "valid_from": D(2025, 1, 1), "valid_to": D(2025, 3, 1), "city": "Tokyo"},
        {"contact_id": 2, "valid_from": D(2025, 3, 20), "valid_to": None, "city": "Paris"},
        {"contact_id": 3, "valid_from": D(2025, 4, 1), "valid_to": None, "city": "Tokyo"},
        {"contact_id": 5, "valid_from": D(2025, 2, 1), "valid_to": D(2025, 4, 2), "city": None},
        {"contact_id": 5, "valid_from": D(2025, 4, 2), "valid_to": None, "city": "Tokyo"},
    ],
)
city, country = sl.field("city"), sl.field("country")
opens = sl.event("email_open")
CATALOG_RULES = [
    (city == "Tokyo") & (opens.count(within="30d") >= 2),  # SCD2 and events
    ~((city == "Tokyo") & (country == "JP")) & opens.exists(within="21d"),  # SCD2 with static
    city.isnull() | ~opens.exists(within="14d"),  # holds in history gaps (NULL)
    opens.count(within="60d") >= 3,  # events alone
    ~(city == "Paris"),  # attributes alone, SCD2: NULL in gaps is not "not Paris"
    (country == "FR") & (sl.field("created_at") > "-30d"),  # attributes alone, relative
]


@pytest.fixture(scope="module")
def tidy_ws():
    tables = {name: ibis.memtable(frame) for name, frame in TIDY.to_frames().items()}
    return sl.Workspace.from_ibis(**tables, bindings=sl.Bindings(static=("country",)))


@pytest.mark.parametrize("every", ["1w", "1mo"])
def test_one_bitmask_query_for_scd2_events_and_attributes_matches_the_reference(tidy_ws, every):
    args = (D(2025, 1, 6), D(2025, 4, 28), every)
    grid = tidy_ws.grid(*args)
    members = bitmask_members(CATALOG_RULES, tidy_ws.tables, grid, "auto")
    assert tidy_ws.tables.validated
    assert members == list(range(len(CATALOG_RULES)))  # attributes alone run with the rest
    assert _bitmask_queries(CATALOG_RULES, tidy_ws.tables, members) == [members]
    for plan in ("auto", "bitmask"):
        got = tidy_ws.history(CATALOG_RULES, *args, plan=plan, progress=False)
        assert _rows(got) == _expected(CATALOG_RULES, args, TIDY, None), plan


def test_attributes_alone_stay_on_their_plan_without_a_bitmask_query(tidy_ws):
    grid = tidy_ws.grid("2025-01-06", "2025-04-28", "1w")
    assert bitmask_members(CATALOG_RULES[4:], tidy_ws.tables, grid, "auto") == []
    assert bitmask_members(CATALOG_RULES, tidy_ws.tables, grid, "batched") == []


STATIC_RULES = [  # each with a part of static attributes: the contacts failing all are pruned
    (country == "JP") & ~opens.exists(within="14d"),
    (country == "FR") & (city == "Tokyo") & (opens.count(within="30d") >= 2),
    (country != "FR") & ~(city == "Paris"),
]


def test_contacts_pruned_by_static_attributes_match_the_reference(tidy_ws):
    args = (D(2025, 1, 6), D(2025, 4, 28), "1w")
    assert all(_static_parts(r, tidy_ws.tables) for r in STATIC_RULES)
    for rules in (STATIC_RULES, STATIC_RULES[:1]):
        got = tidy_ws.history(rules, *args, plan="bitmask", progress=False)
        assert _rows(got) == _expected(rules, args, TIDY, None)
