"""The compiled SQL of representative segments, pinned in ``tests/snapshots/sql/``.

Each segment below is compiled on the demo workspace at ``AS_OF`` in the DuckDB and the
Postgres dialect (``ws.sql``; Postgres goes through Ibis' compiler and sqlglot only, no
server) and compared with ``<name>.<dialect>.sql`` exactly. A change in the compiled SQL
then shows up as a reviewable diff. When it is intended, rewrite the files::

    SEGMENT_LAB_UPDATE_SNAPSHOTS=1 python -m pytest -n 0 tests/test_sql_snapshots.py

and review ``git diff tests/snapshots``. The pinned text is checked for what it does as
well: the DuckDB file run on the workspace's connection, and the Postgres file read back
by sqlglot and run there, select exactly ``ws.count`` contacts.
"""

from __future__ import annotations

import pytest

from segment_lab import all_of, any_of, event, field, in_segment
from tests.helpers import SNAPSHOTS, assert_matches_snapshot, count_rows

AS_OF = "2025-06-30 12:00:00"
DIALECTS = ("duckdb", "postgres")
SQL = SNAPSHOTS / "sql"

SEGMENTS = {
    # a comparison on an attribute with SCD2 history (the as-of join on contact_history)
    "attribute_compare": field("points") >= 50,
    # notin keeps NULL stages; isnull is the only test that selects a NULL city
    "isin_null": field("lifecycle_stage").notin(["customer", "lead"]) | field("city").isnull(),
    # text matching ignores case
    "text_match": field("job_title").contains("cto"),
    "list_has_any": field("technologies").has_any(["python", "go"]),
    # within="30d" is (t - 30d, t]
    "count_within": event("email_open").count(within="30d") >= 3,
    # no matching event: count == 0, contacts without any events included
    "not_exists": ~event("page_visit").exists(within="14d"),
    "sum": event("purchase").sum("value", within="90d") >= 100,
    "last_seen": event("purchase").last_seen() < "-30d",
    # between is [a, b)
    "between_window": event("email_click").count(between=("-60d", "-30d")) >= 1,
    "where_event_property": (
        event("page_visit").where(field("url").contains("/pricing")).count(within="30d") >= 2
    ),
    "nested_and_or_not": all_of(
        any_of(field("country") == "Germany", field("points") > 80),
        ~(field("is_customer") == True),  # noqa: E712 (a rule, not a comparison)
        ~event("unsubscribe").exists(),
    ),
    # references to the demo catalog, inlined
    "in_segment": in_segment("churn-risk") & ~in_segment("dormant"),
}


def _path(name: str, dialect: str):
    return SQL / f"{name}.{dialect}.sql"


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("name", list(SEGMENTS))
def test_compiled_sql_is_the_pinned_snapshot(demo_ws, name, dialect):
    text = demo_ws.sql(SEGMENTS[name], as_of=AS_OF, dialect=dialect)
    assert_matches_snapshot(_path(name, dialect), text)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("name", list(SEGMENTS))
def test_pinned_sql_selects_the_members(demo_ws, name, dialect):
    pinned = _path(name, dialect).read_text()
    expected = demo_ws.count(SEGMENTS[name], as_of=AS_OF)
    assert count_rows(demo_ws, pinned, dialect) == expected
    # a segment that selected nobody or everybody would not tell a wrong WHERE apart
    everyone = demo_ws.count(field("contact_id").notnull(), as_of=AS_OF)
    assert 0 < expected < everyone, (name, expected, everyone)


def test_every_snapshot_file_belongs_to_a_segment():
    expected = {_path(name, dialect).name for name in SEGMENTS for dialect in DIALECTS}
    assert {p.name for p in SQL.glob("*.sql")} == expected
