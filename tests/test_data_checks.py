"""Wrong or silent results an analyst met on their own data (issue 11): each now says why.

Every test builds the user's small frames with ``sl.Workspace.from_pandas`` and makes the
call they made: overlapping contact_history rows, a misspelt event type or ``where`` value,
a "now" far from the data, events the engine ignores, and ``ws.changes`` over a span.
"""

from __future__ import annotations

import datetime as dt
import itertools
import warnings

import pandas as pd
import pytest

import segment_lab as sl
from segment_lab import analytics as an
from segment_lab import errors as E
from segment_lab import event, field
from tests import reference as ref

T = pd.Timestamp
NOW = "2025-06-30"


def _contacts(ids=(1, 2, 3)) -> pd.DataFrame:
    return pd.DataFrame({
        "contact_id": list(ids),
        "plan": ["free"] * len(ids),
        "city": ["Tokyo", "Paris", "Lyon"][: len(ids)],
        "created_at": [T("2025-01-01")] * len(ids),
    })  # fmt: skip


def _events() -> pd.DataFrame:
    return pd.DataFrame({
        "contact_id": [3, 1, 1, 2, 3, 2],
        "event_type": ["login", "login", "login", "purchase", "login", "page_visit"],
        "ts": pd.to_datetime(["2025-01-05", "2025-06-01", "2025-06-20", "2025-06-10",
                              "2025-06-25", "2025-06-28"]),
        "url": [None, None, None, None, None, "/pricing"],
        "value": [None, None, None, 30.0, None, None],
    })  # fmt: skip


def _ws(**kw) -> sl.Workspace:
    kw.setdefault("now", NOW)
    return sl.Workspace.from_pandas(_contacts(), _events(), **kw)


@pytest.fixture
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        yield


# -- 1. overlapping contact_history rows -------------------------------------------------


def _overlapping() -> pd.DataFrame:
    """A misconfigured dbt snapshot: contact 1 free [01-01, 04-01) and pro [03-01, open)."""
    return pd.DataFrame({
        "contact_id": [1, 1, 2],
        "valid_from": pd.to_datetime(["2025-01-01", "2025-03-01", "2025-01-01"]),
        "valid_to": pd.to_datetime(["2025-04-01", None, None]),
        "plan": ["free", "pro", "free"],
    })  # fmt: skip


def test_overlapping_history_rows_are_a_data_error_naming_the_contact_and_rows():
    with pytest.raises(E.DataError) as info:
        sl.Workspace.from_pandas(_contacts(), _events(), _overlapping(), now=NOW)
    msg = str(info.value)
    assert "overlapping rows for 1 contact" in msg
    assert "contact_id 1 has rows valid [2025-01-01, 2025-04-01) and [2025-03-01, open)" in msg
    assert "from 2025-03-01" in msg
    assert "dbt snapshot" in msg and "unique_key" in msg


def test_several_open_history_rows_are_a_data_error():
    hist = pd.DataFrame({
        "contact_id": ["a", "a", "b"],
        "valid_from": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-01-01"]),
        "valid_to": pd.to_datetime([None, None, None]),
        "plan": ["free", "pro", "free"],
    })  # fmt: skip
    contacts = _contacts(["a", "b"])
    with pytest.raises(E.DataError, match=r"several open rows \(valid_to NULL\).*'a' has rows"):
        sl.Workspace.from_pandas(contacts, None, hist, now=NOW)


def test_rows_that_touch_are_not_an_overlap():
    hist = _overlapping().assign(
        valid_from=pd.to_datetime(["2025-01-01", "2025-04-01", "2025-01-01"])
    )
    ws = sl.Workspace.from_pandas(_contacts(), _events(), hist, now=NOW)
    rule = field("plan").isin(["free", "pro"])
    assert ws.count(rule, as_of="2025-04-01") == 2  # 1 (pro from 04-01) and 2; 3 has no row


def test_unvalidated_overlapping_rows_never_count_a_contact_twice():
    ws = sl.Workspace.from_pandas(_contacts(), _events(), _overlapping(), now=NOW, validate=False)
    rule = field("plan").isin(["free", "pro"])
    members = ws.members(rule, as_of="2025-03-15").to_pandas()["contact_id"].tolist()
    assert sorted(members) == [1, 2]
    assert ws.count(rule, as_of="2025-03-15") == len(members) == len(set(members)) == 2
    assert ws.sizes([rule], as_of="2025-03-15")["size"].tolist() == [2]
    h = ws.history(rule, start="2025-03-15", end="2025-03-15")
    assert h["size"].tolist() == [2]
    o = an.overlap(ws, [rule, field("plan") == "pro"], as_of="2025-03-15")
    assert o["both"].tolist() == [2, 1, 1, 1]


def _every_kind_of_rule() -> list[sl.Segment | object]:
    login = event("login")
    return [
        field("city") == "Tokyo",
        field("plan") == "pro",  # from the history
        ~(field("plan") == "pro"),
        login.exists(),
        login.count(within="30d") >= 1,
        login.count() == 0,
        event("purchase").sum("value") >= 10,
        login.last_seen() >= "2025-06-15",
        login.first_seen() <= "2025-06-15",
        event("page_visit").where(field("url") == "/pricing").exists(),
        sl.all_of(login.exists(), field("plan").isin(["free", "pro"])),
        sl.any_of(login.exists(), event("purchase").exists(), field("plan") == "pro"),
        sl.in_segment("logged-in"),
    ]


def test_members_of_every_rule_kind_are_distinct(no_warnings):
    hist = _overlapping().assign(
        valid_from=pd.to_datetime(["2025-01-01", "2025-04-01", "2025-01-01"])
    )
    catalog = [sl.Segment("logged-in", event("login").exists())]
    bindings = sl.Bindings(static=("city",))
    ws = sl.Workspace.from_pandas(
        _contacts(), _events(), hist, now=NOW, catalog=catalog, bindings=bindings
    )
    for rule, t in itertools.product(_every_kind_of_rule(), ["2025-03-15", "2025-06-30"]):
        ids = ws.members(rule, as_of=t).to_pandas()["contact_id"].tolist()
        assert len(ids) == len(set(ids)) == ws.count(rule, as_of=t), (rule, t)
        iv = ws.intervals(rule, end=t)
        live = iv[iv["exited_at"].isna()]
        assert sorted(live["contact_id"]) == sorted(ids), (rule, t)


# -- 2. event types, where fields and values that never occur ---------------------------


@pytest.mark.parametrize(("typo", "meant"), [("logins", "login"), ("Login", "login")])
def test_a_misspelt_event_type_raises_with_did_you_mean(typo, meant):
    ws = _ws()
    with pytest.raises(E.UnknownEventTypeError) as info:
        ws.count(event(typo).exists(within="14d"))
    assert isinstance(info.value, (E.SegmentLabError, KeyError, ValueError))
    msg = str(info.value)
    assert f"Unknown event type {typo!r}" in msg and f"Did you mean {meant!r}?" in msg
    assert "'login', 'page_visit', 'purchase'" in msg
    assert f"sl.Bindings(event_types=({typo!r},))" in msg


def test_every_evaluation_path_checks_event_types():
    ws = _ws(catalog=[sl.Segment("typo", event("logins").exists())])
    rule = ~event("logins").exists()  # would be true for everyone, silently
    calls = [
        lambda: ws.count(rule),
        lambda: ws.members(rule),
        lambda: ws.sql(rule),
        lambda: ws.sizes([rule]),
        lambda: ws.history(rule, start="2025-06-01"),
        lambda: ws.intervals(rule),
        lambda: ws.changes(rule, start="2025-06-01"),
        lambda: ws.changes(rule, start="2025-06-01", net=True),
        lambda: ws.count(sl.in_segment("typo")),
        lambda: ws.sizes(),
        lambda: an.overlap(ws, [rule, field("city") == "Tokyo"]),
        lambda: an.trends(ws, [rule], start="2025-06-01"),
        lambda: an.funnel(ws, [event("login").exists(), rule]),
    ]
    for call in calls:
        with pytest.raises(E.UnknownEventTypeError, match="Did you mean 'login'"):
            call()


def test_an_event_type_without_events_in_the_window_is_zero_without_a_word(no_warnings):
    ws = _ws()
    assert ws.count(event("purchase").exists(within="7d")) == 0  # last purchase 06-10
    assert ws.count(event("purchase").exists(within="30d")) == 1


def test_a_declared_event_type_that_has_not_occurred_counts_zero(no_warnings):
    ws = _ws(bindings=sl.Bindings(event_types=("demo_request",)))
    assert ws.count(event("demo_request").exists()) == 0
    assert ws.count(~event("demo_request").exists()) == 3


def test_event_types_are_read_once_per_workspace(monkeypatch):
    from segment_lab.engine import _checks

    calls = []
    real = _checks.event_types_present
    monkeypatch.setattr(
        _checks, "event_types_present", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    ws = _ws()
    rule = event("login").exists(within="14d")
    ws.count(rule), ws.members(rule), ws.history(rule, start="2025-06-01")
    ws.with_catalog([sl.Segment("x", rule)]).count(rule)
    ws.with_now("2025-06-29").count(rule)
    assert len(calls) == 1


def test_an_unknown_where_column_raises():
    ws = _ws()
    with pytest.raises(E.UnknownFieldError, match=r"Unknown field 'uri' in the events.*'url'"):
        ws.history(event("page_visit").where(field("uri") == "/pricing").exists(), "2025-06-01")


def test_a_where_value_that_never_occurs_warns_once_with_did_you_mean():
    ws = _ws()
    rule = event("page_visit").where(field("url") == "/Pricing").exists()
    with pytest.warns(
        E.UnknownValueWarning,
        match=r"url == '/Pricing' never occurs on 'page_visit' events.*Did you mean '/pricing'\?",
    ):
        assert ws.count(rule) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ws.count(rule), ws.history(rule, start="2025-06-01")  # once per workspace
    with pytest.warns(E.UnknownValueWarning, match="'/pricng' never occurs"):
        ws.count(event("page_visit").where(field("url").isin(["/pricing", "/pricng"])).exists())


def test_a_where_value_of_another_event_type_warns():
    ws = _ws()
    with pytest.warns(E.UnknownValueWarning, match="never occurs on 'login' events"):
        ws.count(event("login").where(field("url") == "/pricing").exists())


def test_a_where_value_that_occurs_is_silent(no_warnings):
    ws = _ws()
    assert ws.count(event("page_visit").where(field("url") == "/pricing").exists()) == 1
    assert ws.count(event("page_visit").where(field("url").contains("pric")).exists()) == 1


# -- 3. "now" far from the data ---------------------------------------------------------


def test_a_stale_now_says_so_once_with_the_fix():
    ws = sl.Workspace.from_pandas(_contacts(), _events())  # now: the wall clock
    with pytest.warns(E.StaleNowWarning) as record:
        assert ws.count(event("login").exists(within="14d")) == 0
        ws.history(event("login").exists(), start="-120d", every="1w")
        ws.count(field("city") == "Tokyo")
    stale = [w for w in record if issubclass(w.category, E.StaleNowWarning)]
    assert len(stale) == 1
    msg = str(stale[0].message)
    assert "after the last event (2025-06-28 00:00)" in msg
    assert 'ws.with_now("2025-06-28")' in msg and "now=" in msg


def test_the_fix_silences_it(no_warnings):
    ws = sl.Workspace.from_pandas(_contacts(), _events()).with_now("2025-06-30")
    assert ws.count(event("login").exists(within="14d")) == 2


def test_a_now_before_the_first_event_warns():
    ws = _ws(now="2024-01-01")
    with pytest.warns(E.StaleNowWarning, match="before the first event"):
        ws.count(event("login").exists())


def test_a_now_a_few_days_after_the_data_is_fine(no_warnings):
    assert _ws(now="2025-07-04").count(event("login").exists(within="14d")) == 1


def test_an_as_of_outside_the_data_warns_once_per_argument():
    ws = _ws()
    with pytest.warns(E.OutsideDataWarning) as record:
        ws.count(event("login").exists(), as_of="2023-01-01")
        ws.count(event("login").exists(), as_of="2023-02-01")
        ws.history(event("login").exists(), start="2023-01-01", end="2025-06-30", every="1w")
    outside = [str(w.message) for w in record if issubclass(w.category, E.OutsideDataWarning)]
    assert len(outside) == 2
    assert (
        outside[0].startswith("as_of=2023-01-01 00:00 is ")
        and "before the first event" in outside[0]
    )
    assert outside[1].startswith("start=2023-01-01")


def test_instants_inside_the_data_are_silent(no_warnings):
    ws = _ws()
    ws.count(event("login").exists(), as_of="2025-06-15")
    ws.history(event("login").exists(), start="2025-06-01", every="1w")
    ws.changes(event("login").exists(within="7d"), start="-30d")


# -- 5. events the engine ignores --------------------------------------------------------


def test_events_with_a_null_time_or_an_unknown_contact_are_reported():
    events = pd.concat([
        _events(),
        pd.DataFrame({"contact_id": [1, 99, 99, 98], "event_type": ["login"] * 4,
                      "ts": pd.to_datetime([None, "2025-06-01", "2025-06-02", "2025-06-03"])}),
    ], ignore_index=True)  # fmt: skip
    with pytest.warns(E.DataWarning) as record:
        ws = sl.Workspace.from_pandas(_contacts(), events, now=NOW)
    (w,) = [w for w in record if issubclass(w.category, E.DataWarning)]
    msg = str(w.message)
    assert "1 event with a NULL 'ts'" in msg
    assert "3 events of 2 contact_ids not in the contacts table (e.g. 98)" in msg
    assert w.filename == __file__
    assert ws.count(event("login").count() >= 1) == 2  # they are ignored, as documented


def test_events_with_a_null_contact_id_are_reported():
    events = (
        _events()
        .astype({"contact_id": "string"})
        .assign(contact_id=["a", None, "b", "c", "c", "b"])
    )
    with pytest.warns(E.DataWarning, match="1 event with a NULL 'contact_id'"):
        sl.Workspace.from_pandas(_contacts(["a", "b", "c"]), events, now=NOW)


def test_clean_events_are_silent(no_warnings):
    _ws()


# -- 6. ws.changes: every entry and exit ------------------------------------------------


def _dataset() -> ref.Dataset:
    day = lambda d: dt.datetime(2025, 6, d)  # noqa: E731
    return ref.Dataset(
        contacts=[{"contact_id": i, "created_at": day(1)} for i in (1, 2, 3)]
        + [{"contact_id": 4, "created_at": day(12)}],
        events=[
            {"contact_id": 1, "event_type": "login", "ts": day(2)},
            {"contact_id": 1, "event_type": "login", "ts": day(15)},  # enters twice
            {"contact_id": 2, "event_type": "login", "ts": day(5)},
            {"contact_id": 2, "event_type": "login", "ts": day(9)},  # stays, no change
            {"contact_id": 3, "event_type": "purchase", "ts": day(6)},
            {"contact_id": 4, "event_type": "login", "ts": day(20)},
            {"contact_id": 3, "event_type": "purchase", "ts": day(29)},
        ],
    )


def _reference_changes(rule, data, start, end):
    """Entries and exits by the reference: membership just before and at each instant."""
    us = dt.timedelta(microseconds=1)
    base = {e["ts"] for e in data.events} | {c["created_at"] for c in data.contacts}
    base |= {t + dt.timedelta(days=7) for t in base}  # the within window's end
    candidates = sorted({t + k * us for t in base for k in (0, 1)} | {end})
    out = []
    for t in candidates:
        if not start < t <= end:
            continue
        before, now = ref.evaluate(rule, t - us, data), ref.evaluate(rule, t, data)
        out += [(c, "entered", t) for c in sorted(now - before)]
        out += [(c, "exited", t) for c in sorted(before - now)]
    return sorted(out, key=lambda r: (r[2], r[0]))


@pytest.mark.parametrize(
    "rule",
    [
        event("login").exists(within="7d"),
        ~event("login").exists(within="7d"),
        event("login").count(within="7d") >= 1,
    ],
    ids=["recent", "not-recent", "count"],
)
@pytest.mark.parametrize(
    ("start", "end"), [("2025-06-01", "2025-06-30"), ("2025-06-09", "2025-06-22")]
)
def test_changes_lists_every_entry_and_exit_as_the_reference(rule, start, end, no_warnings):
    data = _dataset()
    frames = data.to_frames()
    ws = sl.Workspace.from_pandas(frames["contacts"], frames["events"], now=NOW)
    got = ws.changes(rule, start, end, columns=[])
    rows = [(int(r.contact_id), r.direction, r.at.to_pydatetime()) for r in got.itertuples()]
    t0, t1 = dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(end)
    assert rows == _reference_changes(rule, data, t0, t1)
    assert list(got.columns) == ["contact_id", "direction", "at"]


def test_a_contact_entering_twice_shows_twice(no_warnings):
    frames = _dataset().to_frames()
    ws = sl.Workspace.from_pandas(frames["contacts"], frames["events"], now=NOW)
    got = ws.changes(
        event("login").exists(within="7d"), "2025-06-01", "2025-06-30", columns=["created_at"]
    )
    one = got[got["contact_id"] == 1]
    assert one["direction"].tolist() == ["entered", "exited", "entered", "exited"]
    assert one["at"].tolist() == [
        T("2025-06-02"),
        T("2025-06-09"),
        T("2025-06-15"),
        T("2025-06-22"),
    ]
    net = ws.changes(event("login").exists(within="7d"), "2025-06-01", "2025-06-30", net=True)
    assert 1 not in set(net["contact_id"])  # out at both ends: no net move
    assert list(net.columns) == ["contact_id", "direction", "created_at"]


def test_lifecycle_checks_its_activity_event_types():
    with pytest.raises(E.UnknownEventTypeError, match="Did you mean 'purchase'"):
        an.lifecycle(_ws(), "purchases", "2025-06-02", "2025-06-16", every="1w")


def test_where_values_of_a_column_with_many_values_are_checked_one_by_one(monkeypatch):
    from segment_lab.engine import _checks

    monkeypatch.setattr(_checks, "_VALUE_LIMIT", 0)  # as if '/pricing' were one of millions
    ws = _ws()
    with warnings.catch_warnings():
        warnings.simplefilter("error", E.UnknownValueWarning)
        assert ws.count(event("page_visit").where(field("url") == "/pricing").exists()) == 1
    with pytest.warns(E.UnknownValueWarning, match="'/pricng' never occurs"):
        ws.count(event("page_visit").where(field("url") == "/pricng").exists())


def test_a_relative_instant_far_before_the_data_warns():
    with pytest.warns(E.OutsideDataWarning, match=r"as_of=2024-06-25 00:00 is \d+ days before"):
        _ws().count(field("city") == "Tokyo", as_of="-370d")
