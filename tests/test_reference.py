"""The reference evaluator checked by hand: tiny data, expected sets worked out on paper.

The data and the cases (with a table of the contacts) are in ``tests/hand_cases.py``;
``test_differential`` runs the same cases on the engine.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import tests.strategies_data as sd
from segment_lab import Segment, event, field, in_segment
from segment_lab.model import (
    NODE_TYPES,
    Between,
    Compare,
    EventCondition,
    InSegment,
    IsEmpty,
    IsIn,
    IsNull,
    ListHas,
    Not,
    RelativeTime,
    TextMatch,
    Within,
    walk,
)
from tests.hand_cases import (
    CASES,
    CATALOG,
    CONTACTS,
    DATA,
    DAY,
    EVENTS,
    HDATA,
    HISTORY_CASES,
    HOUR,
    T,
    contact_row,
    d,
    event_row,
)
from tests.reference import Dataset, evaluate, history, history_sets, like_to_regex


@pytest.mark.parametrize(("rule", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_case(rule, expected):
    assert evaluate(rule, T, DATA, CATALOG) == expected


def test_segment_object_and_later_instant():
    seg = Segment("big", field("points") > 40)
    assert evaluate(seg, T, DATA) == set()
    assert evaluate(seg, d(12), DATA) == {4}
    # at 03-12 contact 4 exists and its earlier event counts; contact 2's is no longer future
    assert evaluate(event("email_open").exists(), d(12), DATA) == {1, 2, 4}


def test_before_any_creation_only_undated_contacts_exist():
    assert evaluate(~(field("points") > 100), d(1) - HOUR, DATA) == {5}


def test_in_segment_through_chain():
    catalog = CATALOG.with_segment(Segment("paris-or-tokyo-buyer", in_segment("tokyo-buyers")))
    data = Dataset(CONTACTS, [*EVENTS, event_row(1, "purchase", T)])
    assert evaluate(in_segment("paris-or-tokyo-buyer"), T, data, catalog) == {1}
    assert evaluate(in_segment("tokyo-buyers"), T - HOUR, data, catalog) == set()


def test_like_escapes_regex_characters():
    data = Dataset(
        [
            {"contact_id": "a", "created_at": d(1), "city": "a.c"},
            {"contact_id": "b", "created_at": d(1), "city": "abc"},
            {"contact_id": "c", "created_at": d(1), "city": "A*C+"},
        ]
    )
    assert evaluate(field("city").like("a.c"), T, data) == {"a"}
    assert evaluate(field("city").like("a_c"), T, data) == {"a", "b"}
    assert evaluate(field("city").like("a*c+"), T, data) == {"c"}
    assert evaluate(field("city").contains("*C"), T, data) == {"c"}
    assert like_to_regex("%a_") == ".*a."


# -- contact history ----------------------------------------------------------------------
# -- contact history ----------------------------------------------------------------------


@pytest.mark.parametrize(("t", "expected"), HISTORY_CASES)
def test_history_attribute_as_of(t, expected):
    assert evaluate(field("city") == "Tokyo", t, HDATA) == expected


def test_history_gaps_are_null_and_other_columns_come_from_contacts():
    # contact 2 has no row before 03-03: its city is NULL then; contact 5 none before T+1h
    assert evaluate(field("city").isnull(), d(2, 12), HDATA) == {2, 5}
    # contact 3's only row closed on 03-06
    assert evaluate(field("city").isnull(), T, HDATA) == {3, 5}
    # points comes from history, job_title (not in history) from the contacts table
    assert evaluate(field("points") >= 4, T, HDATA) == {2}
    assert evaluate(field("job_title") == "CTO", d(2), HDATA) == {1}


def test_history_columns_declared_without_rows():
    data = Dataset(CONTACTS, EVENTS, [], history_columns=("city",))
    assert evaluate(field("city").isnull(), T, data) == {1, 2, 3, 5}
    assert evaluate(field("points") > 5, T, data) == {1}


# -- history (docs/semantics.md#history) ---------------------------------------------------


def test_history_counts_and_previous_period():
    rule = event("email_open").exists(within="1d")
    rows = history(rule, T - DAY, T + DAY, "12h", DATA)
    assert [r["period"] for r in rows] == [T - DAY, T - DAY / 2, T, T + DAY / 2, T + DAY]
    # S_-1 at T-1.5d: {}; T-1d: {1}; T-12h: {1}; T: {1}; T+12h: {1, 2}; T+1d: {2}
    # (contact 4's event at T-1h does not count: contact 4 is created on 03-12)
    assert [(r["size"], r["entered"], r["exited"]) for r in rows] == [
        (1, 1, 0),
        (1, 0, 0),
        (1, 0, 0),
        (2, 1, 0),
        (1, 0, 1),
    ]


def test_history_sets_start_one_step_early():
    sets = history_sets(field("points") > 40, d(11), d(13), dt.timedelta(days=1), DATA)
    assert sets == [(d(10), set()), (d(11), set()), (d(12), {4}), (d(13), {4})]


def test_history_grid_stops_at_end():
    rows = history(field("points") > 40, d(11), d(12, 23), "1d", DATA)
    assert [r["period"] for r in rows] == [d(11), d(12)]


# -- properties of the reference alone (cheap, no engine) ------------------------------------

_FAST = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@_FAST
@given(data=st.data(), with_history=st.booleans())
def test_not_is_complement_and_results_inside_universe(data, with_history):
    dataset = data.draw(sd.datasets(with_history))
    rule, catalog = data.draw(sd.rules_with_catalog())
    t = data.draw(sd.instants_for(dataset, rule, catalog))
    universe = evaluate(~(field("points") > 10**9), t, dataset)
    assert universe == {
        c["contact_id"] for c in dataset.contacts if c["created_at"] is None or c["created_at"] <= t
    }
    got = evaluate(rule, t, dataset, catalog)
    assert got <= universe
    bare = rule.rule if isinstance(rule, Segment) else rule
    assert evaluate(Not(bare), t, dataset, catalog) == universe - got


@_FAST
@given(data=st.data(), with_history=st.booleans())
def test_reference_has_no_look_ahead(data, with_history):
    dataset = data.draw(sd.datasets(with_history))
    rule, catalog = data.draw(sd.rules_with_catalog())
    t = data.draw(sd.instants_for(dataset, rule, catalog))
    later = data.draw(sd.future_additions(dataset, t))
    assert evaluate(rule, t, later, catalog) == evaluate(rule, t, dataset, catalog)


# -- the strategies reach every construct --------------------------------------------------


def _bare(rule):
    return rule.rule if isinstance(rule, Segment) else rule


def _sample(strategy, n: int = 300) -> list:
    """``n`` examples of ``strategy``, reproducibly (no shrinking, unlike ``find``)."""
    out: list = []

    @settings(max_examples=n, database=None, derandomize=True, deadline=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate])  # fmt: skip
    @given(strategy)
    def collect(value):
        out.append(value)

    collect()
    return out


CONSTRUCTS = {
    **{t.__name__: (lambda n, t=t: isinstance(n, t)) for t in NODE_TYPES},
    "where": lambda n: isinstance(n, EventCondition) and n.where is not None,
    "within": lambda n: isinstance(n, EventCondition) and isinstance(n.window, Within),
    "between": lambda n: isinstance(n, EventCondition) and isinstance(n.window, Between),
    "count": lambda n: isinstance(n, EventCondition) and n.measure == "count",
    "sum": lambda n: isinstance(n, EventCondition) and n.measure == "sum",
    "last_seen": lambda n: isinstance(n, EventCondition) and n.measure == "last_seen",
    "first_seen": lambda n: isinstance(n, EventCondition) and n.measure == "first_seen",
    "relative": lambda n: isinstance(n, Compare) and isinstance(n.value, RelativeTime),
    "iso-string": lambda n: (
        isinstance(n, Compare) and n.field == "signup_date" and isinstance(n.value, str)
    ),
    "notin": lambda n: isinstance(n, IsIn) and n.negate,
    "notnull": lambda n: isinstance(n, IsNull) and n.negate,
    "empty-list": lambda n: isinstance(n, IsEmpty) and n.field == "technologies",
    "has_none": lambda n: isinstance(n, ListHas) and n.mode == "none",
    "like": lambda n: isinstance(n, TextMatch) and n.op == "like",
    "matches": lambda n: isinstance(n, TextMatch) and n.op == "matches",
    "not-in_segment": lambda n: isinstance(n, Not) and isinstance(n.rule, InSegment),
}


def _depth(rule) -> int:
    return 1 + max((_depth(c) for c in rule.children()), default=0)


def test_strategies_reach_every_construct():
    # 2,000 draws: rare constructs must show up whatever Hypothesis version draws them
    samples = _sample(sd.rules_with_catalog(), 2000)
    rules = [_bare(rule) for rule, _ in samples]
    everything = rules + [s.rule for _, catalog in samples for s in catalog]
    seen = {name for name, hit in CONSTRUCTS.items() for r in everything for n in walk(r) if hit(n)}
    assert seen == set(CONSTRUCTS)
    assert sum(_depth(r) >= 3 for r in rules) > len(rules) / 3
    assert any(isinstance(rule, Segment) for rule, _ in samples)
    assert any(len(catalog) == 3 for _, catalog in samples)


DATA_PROPERTIES = {
    "string ids": lambda ds: any(isinstance(c["contact_id"], str) for c in ds.contacts),
    "int ids": lambda ds: all(isinstance(c["contact_id"], int) for c in ds.contacts),
    "null city": lambda ds: any(c["city"] is None for c in ds.contacts),
    "empty list": lambda ds: any(c["technologies"] == [] for c in ds.contacts),
    "no events": lambda ds: not ds.events,
    "unknown contact": lambda ds: any(
        e["contact_id"] not in {c["contact_id"] for c in ds.contacts} for e in ds.events
    ),
    "contact without rows": lambda ds: (
        len({r["contact_id"] for r in ds.history}) < len(ds.contacts)
    ),
    "open row": lambda ds: any(r["valid_to"] is None for r in ds.history),
    "closed last row": lambda ds: any(
        r["valid_to"] is not None and not any(s["valid_from"] == r["valid_to"] for s in ds.history)
        for r in ds.history
    ),
    "late first row": lambda ds: any(
        r["valid_from"] > c["created_at"]
        for c in ds.contacts
        for r in ds.history
        if r["contact_id"] == c["contact_id"]
    ),
}


def test_strategy_datasets_have_nulls_ids_and_history():
    samples = _sample(sd.datasets(with_history=True), 200)
    missing = [name for name, has in DATA_PROPERTIES.items() if not any(map(has, samples))]
    assert missing == []


def test_to_frames_keeps_types_of_empty_and_null_columns():
    frames = Dataset(
        [contact_row(1, d(1), None, None, None, None, None, None, None)], []
    ).to_frames()
    contacts, events = frames["contacts"], frames["events"]
    assert str(contacts["technologies"].dtype).startswith("list<item: string>")
    assert str(contacts["points"].dtype) == "int64[pyarrow]"
    assert str(events["ts"].dtype) == "timestamp[us][pyarrow]"
    assert list(events.columns)[:3] == ["contact_id", "event_type", "ts"]
    assert frames["contact_history"] is None


def test_to_frames_keeps_declared_event_columns_without_events():
    frames = Dataset(CONTACTS, [], event_columns=("url", "value")).to_frames()
    assert list(frames["events"].columns) == ["contact_id", "event_type", "ts", "url", "value"]
    assert str(frames["events"]["value"].dtype) == "double[pyarrow]"
