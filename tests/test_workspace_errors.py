"""Binding and data errors: each a clear SegmentLabError naming what is wrong."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import duckdb
import ibis
import pandas as pd
import pytest

import segment_lab as sl
from segment_lab import errors as E
from segment_lab import event, field, in_segment

T = pd.Timestamp


def _contacts(**over):
    df = pd.DataFrame(
        {
            "contact_id": [1, 2, 3],
            "city": ["Tokyo", "Paris", None],
            "points": [1, 2, 3],
            "tags": [["a"], [], None],
            "created_at": [T("2024-01-01")] * 3,
        }
    )
    return df.assign(**over) if over else df


def _events(**over):
    df = pd.DataFrame(
        {
            "contact_id": [1, 2],
            "event_type": ["email_open", "purchase"],
            "ts": [T("2024-01-05"), T("2024-01-06")],
            "url": ["/a", None],
            "value": [None, 3.5],
        }
    )
    return df.assign(**over) if over else df


def _history(**over):
    df = pd.DataFrame(
        {
            "contact_id": [1],
            "valid_from": [T("2024-01-01")],
            "valid_to": [pd.NaT],
            "city": ["Osaka"],
        }
    )
    return df.assign(**over) if over else df


def ws_with(contacts=None, events=None, history=None, **kw):
    con = ibis.duckdb.connect()
    c = con.create_table("c", _contacts() if contacts is None else contacts)
    e = con.create_table("e", _events() if events is None else events)
    h = None if history is None else con.create_table("h", history)
    return sl.Workspace.from_ibis(c, e, h, **kw)


def _locked_db(tmp_path):
    path = tmp_path / "locked.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table contacts as select 1 as contact_id")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import duckdb, sys, time
                con = duckdb.connect({str(path)!r})
                print('ready', flush=True)
                sys.stdin.read()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "ready"
    return path, holder


CASES = {
    "missing contact_id column": (
        lambda: ws_with(contacts=_contacts().rename(columns={"contact_id": "id"})),
        E.BindingError,
        "no column 'contact_id'",
    ),
    "events missing ts": (
        lambda: ws_with(events=_events().rename(columns={"ts": "time"})),
        E.BindingError,
        "has no column 'ts'",
    ),
    "ts is a string": (
        lambda: ws_with(events=_events(ts=["2024-01-05", "x"])),
        E.BindingError,
        "must be a timestamp",
    ),
    "event_type is a number": (
        lambda: ws_with(events=_events(event_type=[1, 2])),
        E.BindingError,
        "must be a string",
    ),
    "history missing valid_to": (
        lambda: ws_with(history=_history().drop(columns="valid_to")),
        E.BindingError,
        "'valid_to'",
    ),
    "history valid_from is text": (
        lambda: ws_with(history=_history(valid_from=["2024-01-01"])),
        E.BindingError,
        "valid_from",
    ),
    "contact_id types differ": (
        lambda: ws_with(events=_events(contact_id=["1", "2"])),
        E.BindingError,
        "must match",
    ),
    "created_at is text": (
        lambda: ws_with(contacts=_contacts(created_at=["2024-01-01"] * 3)),
        E.BindingError,
        "created_at",
    ),
    "unknown field": (
        lambda: ws_with().count(field("citty") == "Tokyo"),
        E.UnknownFieldError,
        "Did you mean 'city'",
    ),
    "unknown event column": (
        lambda: ws_with().count(event("email_open").where(field("uri") == "/a").exists()),
        E.UnknownFieldError,
        "Did you mean 'url'",
    ),
    "sum of a text column": (
        lambda: ws_with().count(event("purchase").sum("url") > 1),
        E.InvalidValueError,
        "numeric",
    ),
    "text field compared with a number": (
        lambda: ws_with().count(field("city") == 3),
        E.InvalidValueError,
        "'city' holds text",
    ),
    "contains on a number field": (
        lambda: ws_with().count(field("points").contains("1")),
        E.InvalidValueError,
        "text fields only",
    ),
    "has_any on a non-list field": (
        lambda: ws_with().count(field("city").has_any(["x"])),
        E.InvalidValueError,
        "not a list",
    ),
    "relative time against a text field": (
        lambda: ws_with().count(field("city") > "-7d"),
        E.InvalidValueError,
        "times only compare",
    ),
    "empty contacts": (
        lambda: ws_with(contacts=_contacts().iloc[:0].drop(columns="tags")),
        E.DataError,
        "empty",
    ),
    "duplicate contact ids": (
        lambda: ws_with(contacts=_contacts(contact_id=[1, 1, 2])),
        E.DataError,
        "not unique",
    ),
    "null contact id": (
        lambda: ws_with(
            contacts=_contacts(contact_id=[1.0, None, 2.0]), events=_events(contact_id=[1.0, 2.0])
        ),
        E.DataError,
        "NULL",
    ),
    "history row ends before it starts": (
        lambda: ws_with(history=_history(valid_to=[T("2023-01-01")])),
        E.DataError,
        "valid_to",
    ),
    "missing database file": (
        lambda: sl.Workspace.connect("/nonexistent/x.duckdb"),
        E.BindingError,
        "does not exist",
    ),
    "in_segment without a catalog": (
        lambda: ws_with().count(in_segment("vip")),
        E.UnknownSegmentError,
        "no catalog",
    ),
    "a pandas frame instead of a table": (
        lambda: sl.Workspace.from_ibis(_contacts()),
        E.BindingError,
        "must be an Ibis table",
    ),
    "bad as_of": (
        lambda: ws_with().count(field("city") == "Tokyo", as_of="last tuesday"),
        E.InvalidTimeError,
        "as_of",
    ),
    "bad every": (
        lambda: ws_with().history(
            field("city") == "x", start="2024-01-01", end="2024-02-01", every="1 day"
        ),
        E.InvalidDurationError,
        "1 day",
    ),
    "end before start": (
        lambda: ws_with().history(field("city") == "x", start="2024-02-01", end="2024-01-01"),
        E.InvalidValueError,
        "before start",
    ),
    "a frame column with no values": (
        lambda: sl.Workspace.from_pandas(
            _contacts().assign(city=[None, None, None]).drop(columns="tags")
        ),
        E.BindingError,
        "drop them or give them a dtype",
    ),
    "unknown event column in a relative where, in history": (
        lambda: ws_with().history(
            event("email_open").where(field("seen") > "-1d").exists(),
            start="2024-01-01",
            end="2024-01-10",
        ),
        E.UnknownFieldError,
        "Unknown field 'seen' in the events table",
    ),
    "a segment name without a catalog": (
        lambda: ws_with().count("city == Tokyo"),
        E.UnknownSegmentError,
        "this workspace has no catalog to look it up in: bind one with ws = ws.with_catalog(",
    ),
    "not a rule": (
        lambda: ws_with().count(3),
        TypeError,
        "Expected a Segment, a rule (e.g. field('city') == 'Tokyo') or the name of a catalog",
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_binding_and_data_errors(case):
    make, exc, text = CASES[case]
    with pytest.raises(exc) as info:
        make()
    assert text in str(info.value)
    # exactly the class promised: pytest.raises(BindingError) would also pass on a DataError
    assert type(info.value) is exc, f"{type(info.value).__name__}: {info.value}"
    # the error is raised by segment_lab, not from deep inside Ibis or DuckDB
    origin = info.traceback[-1].path
    assert "site-packages" not in str(origin), origin


def test_database_without_contacts_table(tmp_path):
    path = tmp_path / "x.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table contact as select 1 as contact_id")
    with pytest.raises(E.BindingError, match=r"no table 'contacts'.*Did you mean 'contact'"):
        sl.Workspace.connect(path)


def test_locked_database(tmp_path):
    path, holder = _locked_db(tmp_path)
    try:
        with pytest.raises(E.DatabaseLockedError, match="locked by another process"):
            sl.Workspace.connect(path)
    finally:
        holder.communicate("")
    # once released, it opens
    assert sl.Workspace.connect(path).count(field("contact_id") == 1) == 1


def test_current_value_warning_for_past_instants():
    ws = ws_with()
    with pytest.warns(E.CurrentValueWarning, match="'city'"):
        ws.count(field("city") == "Tokyo", as_of="2024-01-02")
    ws_static = ws_with(bindings=sl.Bindings(static=("city",)))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", E.CurrentValueWarning)
        assert ws_static.count(field("city") == "Tokyo", as_of="2024-01-02") == 1
