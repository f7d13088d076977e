"""Own data from files, and ``connect`` on what is not a DuckDB database (issue 11, item 8).

Written as the analyst meets it: their contacts in a CSV, their events exported month by
month into Parquet files, a semicolon CSV from a European spreadsheet; the counts are
checked against the plain-Python reference evaluator on the same rows.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

import segment_lab as sl
from segment_lab import event, field
from segment_lab.errors import BindingError, DatabaseLockedError, MissingTableWarning
from tests import reference

NOW = dt.datetime(2024, 6, 30)
CONTACTS = [
    {"contact_id": "c1", "plan": "pro", "city": "Tokyo"},
    {"contact_id": "c2", "plan": "free", "city": "Paris"},
    {"contact_id": "c3", "plan": "pro", "city": "Paris"},
]
EVENTS = [
    {"contact_id": c, "event_type": e, "ts": dt.datetime(2024, m, d)}
    for c, e, m, d in [
        ("c1", "login", 5, 3),
        ("c1", "login", 6, 12),
        ("c2", "login", 6, 20),
        ("c3", "purchase", 5, 28),
        ("c3", "login", 4, 1),
    ]
]
DATA = reference.Dataset(CONTACTS, EVENTS)
RULES = [
    event("login").count(within="60d") >= 2,
    (field("plan") == "pro") & event("login").exists(within="30d"),
    event("purchase").exists() | (field("city") == "Paris"),
]


@pytest.fixture
def files(tmp_path):
    """contacts.csv and events/2024-MM.parquet, one file per month."""
    pd.DataFrame(CONTACTS).to_csv(tmp_path / "contacts.csv", index=False)
    (tmp_path / "events").mkdir()
    events = pd.DataFrame(EVENTS)
    for month, rows in events.groupby(events["ts"].dt.month):
        rows.to_parquet(tmp_path / "events" / f"2024-{month:02d}.parquet", index=False)
    return tmp_path


@pytest.mark.parametrize("rule", RULES, ids=[r.describe() for r in RULES])
def test_csv_contacts_and_a_glob_of_parquet_events(files, rule):
    ws = sl.Workspace.read(
        contacts=files / "contacts.csv", events=str(files / "events" / "*.parquet"), now=NOW
    )
    assert ws.count(rule) == len(reference.evaluate(rule, NOW, DATA))
    assert set(ws.members(rule).execute()["contact_id"]) == reference.evaluate(rule, NOW, DATA)


def test_recursive_glob_and_csv_options(tmp_path):
    (tmp_path / "exports" / "2024").mkdir(parents=True)
    pd.DataFrame(CONTACTS).to_csv(tmp_path / "contacts.csv", sep=";", index=False)
    events = pd.DataFrame(EVENTS)
    events.iloc[:2].to_csv(tmp_path / "exports" / "a.csv", sep=";", index=False)
    events.iloc[2:].to_csv(tmp_path / "exports" / "2024" / "b.csv", sep=";", index=False)
    ws = sl.Workspace.read(
        tmp_path / "contacts.csv", str(tmp_path / "exports" / "**" / "*.csv"), now=NOW, delim=";"
    )
    rule = event("login").count(within="60d") >= 1
    assert ws.count(rule) == len(reference.evaluate(rule, NOW, DATA))
    assert ws.count(field("city") == "Paris") == 2


def test_a_history_file_is_read_too(files):
    rows = [
        {"contact_id": "c1", "valid_from": dt.datetime(2024, 1, 1),
         "valid_to": dt.datetime(2024, 6, 1), "plan": "free"},
        {"contact_id": "c1", "valid_from": dt.datetime(2024, 6, 1), "valid_to": None,
         "plan": "pro"},
    ]  # fmt: skip
    pd.DataFrame(rows).to_parquet(files / "history.parquet", index=False)
    ws = sl.Workspace.read(
        files / "contacts.csv", contact_history=files / "history.parquet", now=NOW
    )
    data = reference.Dataset(CONTACTS, [], rows)
    for t in (dt.datetime(2024, 5, 15), NOW):
        rule = field("plan") == "free"
        assert set(ws.members(rule, as_of=t).execute()["contact_id"]) == reference.evaluate(
            rule, t, data
        )


def test_a_misspelt_file_names_what_the_folder_holds(files):
    with pytest.raises(BindingError, match="does not exist") as info:
        sl.Workspace.read(files / "contact.csv")
    assert "'contacts.csv'" in str(info.value) and "Did you mean 'contacts.csv'?" in str(info.value)


def test_an_empty_glob_names_the_folder_and_its_files(files):
    with pytest.raises(BindingError, match="matches no file") as info:
        sl.Workspace.read(files / "contacts.csv", str(files / "events" / "*.csv"))
    assert "'2024-05.parquet'" in str(info.value)
    with pytest.raises(BindingError, match="does not exist either") as info:
        sl.Workspace.read(files / "contacts.csv", str(files / "event" / "*.parquet"))
    assert "Did you mean 'events'?" in str(info.value)


def test_an_unknown_suffix_lists_the_formats(files):
    (files / "contacts.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(BindingError, match=r"from its suffix.*\.parquet.*\.csv"):
        sl.Workspace.read(files / "contacts.xlsx")


def test_a_csv_without_contact_id_says_which_column_to_bind(tmp_path):
    pd.DataFrame({"id": ["c1"], "plan": ["pro"]}).to_csv(tmp_path / "c.csv", index=False)
    with pytest.raises(BindingError, match=r"no column 'contact_id'.*'id'.*Bindings\(contact_id="):
        sl.Workspace.read(tmp_path / "c.csv")
    ws = sl.Workspace.read(tmp_path / "c.csv", bindings=sl.Bindings(contact_id="id"))
    assert ws.count(field("plan") == "pro") == 1


# -- connect() on what is not a DuckDB database ----------------------------------------------
def test_connect_on_a_csv_points_to_read(files):
    with pytest.raises(
        BindingError, match=r"not a DuckDB database: read it with sl.Workspace.read"
    ):
        sl.Workspace.connect(files / "contacts.csv")
    with pytest.raises(BindingError, match="is a folder"):
        sl.Workspace.connect(files / "events")


def test_connect_on_a_sqlite_file_says_how_to_open_it(tmp_path):
    path = tmp_path / "crm.db"
    con = sqlite3.connect(path)
    con.execute("create table contacts (contact_id text)")
    con.commit()
    con.close()
    with pytest.raises(BindingError, match=r"SQLite database.*ibis.sqlite.connect"):
        sl.Workspace.connect(path)


def test_connect_on_a_database_without_events_says_how_to_bind_them(tmp_path):
    import duckdb

    path = tmp_path / "crm.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table contacts as select 'c1' as contact_id")
    con.execute(
        "create table event_log as select 'c1' as contact_id, 'login' as event_type, "
        "timestamp '2024-06-01' as ts"
    )
    con.close()
    with pytest.warns(MissingTableWarning, match=r"no table 'events'.*'event_log'") as rec:
        sl.Workspace.connect(path, now=NOW)
    (warning,) = [w for w in rec if w.category is MissingTableWarning]
    assert "bindings=sl.Bindings(events_table='event_log')" in str(warning.message)
    ws = sl.Workspace.connect(path, bindings=sl.Bindings(events_table="event_log"), now=NOW)
    assert ws.count(event("login").exists()) == 1


def test_connect_while_another_process_writes_says_what_to_do(tmp_path):
    import duckdb

    path = tmp_path / "crm.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table contacts as select 'c1' as contact_id")
    con.execute("create table events (contact_id text, event_type text, ts timestamp)")
    con.close()
    holder = textwrap.dedent(
        f"""
        import duckdb, sys, time
        con = duckdb.connect({str(path)!r})
        print("ready", flush=True)
        sys.stdin.read()
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", holder], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "ready"
        with pytest.raises(DatabaseLockedError, match="locked by another process") as info:
            sl.Workspace.connect(path)
        assert "Close that connection" in str(info.value)
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    # the lock goes with the process: the file opens again
    assert sl.Workspace.connect(path, validate=False).count(field("contact_id") == "c1") == 1
