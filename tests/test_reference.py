"""The reference evaluator checked by hand: tiny data, expected sets worked out on paper.

The evaluation instant is ``T = 2024-03-10 12:00``.  Contacts (``created_at`` in
brackets; contact 4 is created after T, contact 5 has no ``created_at``):

====  ==========  =========  ================  ======  =====  ===========  ==========  ===============
id    created     city       job_title         points  score  is_customer  signup      technologies
====  ==========  =========  ================  ======  =====  ===========  ==========  ===============
1     03-01       'Tokyo'    'CTO'             10      1.5    True         03-02       [python, aws]
2     03-02       ' tokyo'   'cto'             None    None   None         None        []
3     03-03       None       'Developer'       3       0.0    False        03-09       None
4     03-12       'Tokyo'    'CTO'             50      9.0    True         03-12       [python]
5     None        ''         'VP Engineering'  0       -1.0   None         None        [go]
====  ==========  =========  ================  ======  =====  ===========  ==========  ===============
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import tests.strategies_data as sd
from segment_lab import Catalog, Segment, all_of, any_of, event, field, in_segment
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
from tests.reference import Dataset, evaluate, history, history_sets, like_to_regex

T = dt.datetime(2024, 3, 10, 12)
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


def d(day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2024, 3, day, hour)


def _contact(cid, created, city, job, points, score, customer, signup, tech) -> dict:
    return {
        "contact_id": cid,
        "created_at": created,
        "city": city,
        "job_title": job,
        "points": points,
        "score": score,
        "is_customer": customer,
        "signup_date": signup,
        "technologies": tech,
    }


CONTACTS = [
    _contact(1, d(1), "Tokyo", "CTO", 10, 1.5, True, d(2), ["python", "aws"]),
    _contact(2, d(2), " tokyo", "cto", None, None, None, None, []),
    _contact(3, d(3), None, "Developer", 3, 0.0, False, d(9), None),
    _contact(4, d(12), "Tokyo", "CTO", 50, 9.0, True, d(12), ["python"]),
    _contact(5, None, "", "VP Engineering", 0, -1.0, None, None, ["go"]),
]


def _event(cid, kind, ts, url=None, value=None) -> dict:
    return {"contact_id": cid, "event_type": kind, "ts": ts, "url": url, "value": value}


EVENTS = [
    _event(1, "email_open", T),  # exactly at t
    _event(1, "email_open", T - DAY),  # exactly on the edge of within="1d" (excluded)
    _event(1, "email_open", T - 3 * DAY),
    _event(2, "email_open", T + HOUR),  # after t: invisible
    _event(2, "purchase", d(1, 12), "/pricing", 20.0),
    _event(2, "purchase", d(5, 12), "/PRICING", None),
    _event(3, "page_visit", d(9), "/docs"),
    _event(3, "purchase", d(9), None, 5.0),
    _event(4, "email_open", T - HOUR),  # contact 4 does not exist yet at T
    _event(99, "email_open", T),  # no such contact
]

DATA = Dataset(CONTACTS, EVENTS)
CATALOG = Catalog(
    [
        Segment("tokyo", field("city") == "Tokyo"),
        Segment("tokyo-buyers", in_segment("tokyo") & event("purchase").exists()),
    ]
)

CASES = [
    # comparisons: NULL never satisfies a positive comparison; != is exactly ~(==)
    ("eq", field("city") == "Tokyo", {1}),
    ("ne includes NULL", field("city") != "Tokyo", {2, 3, 5}),
    ("gt int", field("points") > 5, {1}),
    ("lt int skips NULL", field("points") < 5, {3, 5}),
    ("ge float", field("score") >= 0, {1, 3}),
    ("le float", field("score") <= 0, {3, 5}),
    ("string order", field("job_title") < "D", {1}),  # 'CTO' < 'D' < 'Developer'
    ("bool eq", field("is_customer") == False, {3}),  # noqa: E712
    ("bool ne includes NULL", field("is_customer") != True, {2, 3, 5}),  # noqa: E712
    ("iso string vs timestamp", field("signup_date") >= "2024-03-05", {3}),
    ("relative time", field("signup_date") < "-3d", {1}),
    ("datetime value", field("signup_date") == d(9), {3}),
    ("created_at NULL is no match", field("created_at") <= "today", {1, 2, 3}),
    ("tomorrow anchor", field("signup_date") < "tomorrow", {1, 3}),
    ("yesterday anchor", field("signup_date") >= "yesterday", {3}),
    # isin / notin / between
    ("isin", field("city").isin(["Tokyo", ""]), {1, 5}),
    ("notin includes NULL", field("city").notin(["Tokyo", ""]), {2, 3}),
    ("isin numbers", field("points").isin([0, 3, 7]), {3, 5}),
    ("between inclusive", field("points").between(0, 3), {3, 5}),
    ("between float", field("score").between(0, 1.5), {1, 3}),
    ("between times", field("signup_date").between("2024-03-02", "2024-03-09"), {1, 3}),
    ("between relative", field("signup_date").between("-2d", "now"), {3}),
    # text: contains/startswith/endswith/like ignore case; matches is a case-sensitive search
    ("contains", field("city").contains("TOK"), {1, 2}),
    ("startswith", field("city").startswith("tok"), {1}),
    ("endswith", field("city").endswith("YO"), {1, 2}),
    ("contains empty", field("city").contains(""), {1, 2, 5}),
    ("like whole value", field("city").like("tokyo"), {1}),
    ("like underscore", field("city").like("_tokyo"), {2}),
    ("like percent matches empty", field("city").like("%"), {1, 2, 5}),
    ("like mixed", field("job_title").like("%eng%r%"), {5}),
    ("matches anywhere", field("city").matches("okyo"), {1, 2}),
    ("matches case", field("city").matches("^T"), {1}),
    ("matches empty", field("city").matches("^$"), {5}),
    # null / empty
    ("isnull", field("city").isnull(), {3}),
    ("notnull", field("city").notnull(), {1, 2, 5}),
    ("empty string", field("city").empty(), {3, 5}),
    ("notempty", field("city").notempty(), {1, 2}),
    ("empty list", field("technologies").empty(), {2, 3}),
    ("isnull list", field("technologies").isnull(), {3}),
    # lists
    ("has_any", field("technologies").has_any(["python", "go"]), {1, 5}),
    ("has_all", field("technologies").has_all(["python", "aws"]), {1}),
    ("has_all missing one", field("technologies").has_all(["python", "go"]), set()),
    ("has_none on NULL and []", field("technologies").has_none(["python"]), {2, 3, 5}),
    # events: windows, clipping at t, unknown contacts, contacts not yet created
    ("within includes t, excludes t-d", event("email_open").count(within="1d") == 1, {1}),
    ("within 2d", event("email_open").count(within="2d") == 2, {1}),
    ("exists ignores the future", event("email_open").exists(), {1}),
    ("count == 0", event("email_open").count() == 0, {2, 3, 5}),
    ("count != 3", event("email_open").count() != 3, {2, 3, 5}),
    (
        "between [a, b)",
        event("email_open").count(between=(T - 3 * DAY, T)) == 2,
        {1},
    ),
    ("between clipped at t", event("email_open").count(between=("-1d", "+1d")) == 2, {1}),
    (
        "between relative end excluded",
        event("email_open").count(between=("-3d", "-1d")) == 1,
        {1},
    ),
    ("several types", event(["page_visit", "purchase"]).count() == 2, {2, 3}),
    ("sum skips NULL values", event("purchase").sum("value") >= 20, {2}),
    ("sum is 0 without events", event("purchase").sum("value") == 0, {1, 5}),
    ("sum within", event("purchase").sum("value", within="2d") < 10, {1, 2, 3, 5}),
    ("last_seen", event("purchase").last_seen() < "-3d", {2}),
    ("last_seen != false without events", event("purchase").last_seen() != "-100d", {2, 3}),
    ("first_seen", event("purchase").first_seen() == d(1, 12), {2}),
    ("first_seen within", event("purchase").first_seen(within="7d") > "2024-03-01", {2, 3}),
    (
        "where text",
        event("purchase").where(field("url").contains("pricing")).count() == 2,
        {2},
    ),
    ("where null", event("purchase").where(field("url").isnull()).exists(), {3}),
    ("where number", event("purchase").where(field("value") > 4).exists(), {2, 3}),
    (
        "where ne keeps NULL urls",
        event("purchase").where(field("url") != "/pricing").count() == 1,
        {2, 3},
    ),
    # composition and universe
    ("not is complement in universe", ~(field("city") == "Tokyo"), {2, 3, 5}),
    ("not of nothing is the universe", ~(field("points") > 100), {1, 2, 3, 5}),
    ("and", (field("job_title").contains("cto")) & (field("points") > 0), {1}),
    ("or", (field("points") > 5) | field("city").empty(), {1, 3, 5}),
    ("all_of / any_of", all_of(any_of(field("points") == 0, field("points") == 3)), {3, 5}),
    ("universe excludes later contacts", field("points") > 40, set()),
    # segments
    ("in_segment", in_segment("tokyo") | (field("points") < 1), {1, 5}),
    ("not in_segment", ~in_segment("tokyo"), {2, 3, 5}),
    ("nested in_segment", in_segment("tokyo-buyers"), set()),
]


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
    data = Dataset(CONTACTS, [*EVENTS, _event(1, "purchase", T)])
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

HISTORY = [
    # contact 1: Paris until 03-05, then Tokyo until 03-10 12:00 (exclusive), then Osaka
    {"contact_id": 1, "valid_from": d(1), "valid_to": d(5), "city": "Paris", "points": 1},
    {"contact_id": 1, "valid_from": d(5), "valid_to": T, "city": "Tokyo", "points": 2},
    {"contact_id": 1, "valid_from": T, "valid_to": None, "city": "Osaka", "points": 3},
    # contact 2: first row starts a day after its creation
    {"contact_id": 2, "valid_from": d(3), "valid_to": None, "city": "Tokyo", "points": 7},
    # contact 3: a closed row only
    {"contact_id": 3, "valid_from": d(3), "valid_to": d(6), "city": "Tokyo", "points": 4},
    # contact 5: a row that starts after T is invisible at T
    {"contact_id": 5, "valid_from": T + HOUR, "valid_to": None, "city": "Tokyo", "points": 9},
]
HDATA = Dataset(CONTACTS, EVENTS, HISTORY)


HISTORY_CASES = [
    (d(4), {2, 3}),
    (d(5), {1, 2, 3}),  # valid_from is inclusive
    (d(6), {1, 2}),  # valid_to is exclusive
    (T - dt.timedelta(microseconds=1), {1, 2}),
    (T, {2}),
    (T + HOUR, {2, 5}),
]


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
    frames = Dataset([_contact(1, d(1), None, None, None, None, None, None, None)], []).to_frames()
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
