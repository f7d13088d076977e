"""Binding tables of every engine: DuckDB, PostgreSQL and PySpark (``tests/backends.py``).

* ``Workspace.from_ibis`` on the engine's own tables counts what the reference counts;
* a bad binding (a missing column, a column of the wrong type, a missing table) is the
  same :class:`~segment_lab.errors.BindingError`, word for word, as on DuckDB, never a
  driver's traceback;
* ``Workspace.connect`` takes a database URL (PostgreSQL) or an Ibis backend (any engine)
  and finds the tables by the names of the bindings;
* the DuckDB-only paths: ``interrupt`` says it sent nothing off DuckDB, and counts (a
  compiled plan on DuckDB, a fresh query elsewhere) agree;
* the worked Spark example of ``docs/backends.md`` prints what the page says.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import ibis
import pandas as pd
import pytest

import segment_lab as sl
from segment_lab.engine import interrupt
from segment_lab.errors import BindingError
from tests.backends import BACKEND_PARAMS
from tests.reference import Dataset, evaluate

pytestmark = pytest.mark.filterwarnings("ignore::segment_lab.errors.CurrentValueWarning")

T = dt.datetime(2024, 3, 5)
DATA = Dataset(
    [
        {"contact_id": 1, "created_at": dt.datetime(2024, 3, 1), "city": "Tokyo", "points": 3},
        {"contact_id": 2, "created_at": dt.datetime(2024, 3, 2), "city": "Paris", "points": 9},
        {"contact_id": 3, "created_at": dt.datetime(2024, 3, 6), "city": "Tokyo", "points": 1},
    ],
    [
        {"contact_id": 1, "event_type": "email_open", "ts": dt.datetime(2024, 3, 4, 10)},
        {"contact_id": 2, "event_type": "email_open", "ts": dt.datetime(2024, 3, 5)},
        {"contact_id": 2, "event_type": "purchase", "ts": dt.datetime(2024, 3, 3)},
    ],
)
RULES = [
    sl.field("city") == "Tokyo",
    sl.event("email_open").count(within="2d") >= 1,
    sl.any_of(sl.field("points") > 5, sl.event("purchase").exists(within="1w")),
]


def test_from_ibis_counts_like_the_reference(backend):
    ws = backend.workspace(DATA)
    for rule in RULES:
        assert ws.count(rule, as_of=T) == len(evaluate(rule, T, DATA)), f"{backend.name}: {rule}"


def _binding_error(contacts, events) -> str:
    with pytest.raises(BindingError) as info:
        sl.Workspace.from_ibis(contacts, events)
    return str(info.value)


BAD = {
    "no contact_id": lambda c, e: (c.rename(id="contact_id"), e),
    "ts is a string": lambda c, e: (c, e.mutate(ts=e.ts.cast("string"))),
    "event_type is a number": lambda c, e: (c, e.mutate(event_type=ibis.literal(1))),
    "created_at is a number": lambda c, e: (c.mutate(created_at=c.points), e),
    "contact ids differ": lambda c, e: (c, e.mutate(contact_id=e.contact_id.cast("string"))),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_binding_is_the_duckdb_error(backend, case):
    frames = DATA.to_frames()
    expected = _binding_error(
        *BAD[case](*(ibis.memtable(frames[k]) for k in ("contacts", "events")))
    )
    tables = backend.tables(DATA)
    got = _binding_error(*BAD[case](tables["contacts"], tables["events"]))
    assert got == expected, backend.name


def _connect(backend, **bindings):
    """``Workspace.connect`` by URL where the engine has one, else on its Ibis backend."""
    where = backend.url or backend.con
    return sl.Workspace.connect(where, bindings=sl.Bindings(**bindings), now=T)


def test_connect_binds_tables_by_name(backend):
    tables = backend.tables(DATA)
    names = {k: tables[k].op().name for k in ("contacts", "events")}
    ws = _connect(backend, contacts_table=names["contacts"], events_table=names["events"])
    for rule in RULES:
        assert ws.count(rule) == len(evaluate(rule, T, DATA)), f"{backend.name}: {rule}"


def test_connect_to_a_missing_table(backend):
    name = backend.tables(DATA)["contacts"].op().name
    with pytest.raises(BindingError, match=f"has no table 'customers'.*'{name}'"):
        _connect(backend, contacts_table="customers")
    with pytest.warns(sl.errors.MissingTableWarning, match="no table 'clicks'"):
        ws = _connect(backend, contacts_table=name, events_table="clicks")
    assert ws.count(sl.field("city") == "Tokyo") == 1


def test_connect_to_something_else():
    with pytest.raises(BindingError, match="got int: 5"):
        sl.Workspace.connect(5)
    with pytest.raises(BindingError, match=r"Could not connect to 'postgresql://me:\*\*\*@"):
        sl.Workspace.connect("postgresql://me:secret@127.0.0.1:1/none")
    with pytest.raises(BindingError, match="Could not connect to 'nosuch://x'"):
        sl.Workspace.connect("nosuch://x")


def test_interrupt_off_duckdb_sends_nothing(backend):
    """Only DuckDB's connection can interrupt a query; elsewhere interrupt says False."""
    ws = backend.workspace(DATA)
    assert interrupt(ws.tables.contacts) is (backend.name == "duckdb")
    assert ws.count(RULES[0], as_of=T) == 1


def test_members_frame_has_the_ids(backend):
    ws = backend.workspace(DATA)
    ids = ws.members(RULES[2], as_of=T).to_pandas()["contact_id"]
    assert sorted(ids.tolist()) == [2]
    assert pd.api.types.is_integer_dtype(ids.dtype)


DOCS = Path(__file__).resolve().parent.parent / "docs" / "backends.md"


def _block(text: str, language: str) -> str:
    start = text.index(f"```{language}\n") + len(language) + 4
    return text[start : text.index("```", start)]


@pytest.mark.parametrize("backend", [BACKEND_PARAMS[2]], indirect=True)
def test_docs_spark_example(backend, capsys):
    """The worked Spark example of docs/backends.md prints what the page shows (its
    ``getOrCreate`` finds the session of the ``backend`` fixture)."""
    text = DOCS.read_text()
    exec(compile(_block(text, "python"), str(DOCS), "exec"), {})
    assert capsys.readouterr().out == _block(text, "text")
