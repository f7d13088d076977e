"""A workspace shown in Jupyter summarises its data (issue 11, item 10).

The analyst evaluates ``ws`` in a cell: the tables with their row counts, the events'
span, the event types by count (the ten most frequent), "now" and the catalog's
segments; every string from their data is escaped. Numbers are checked against the
frames the workspace was built from.
"""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd
import pytest

import segment_lab as sl
from segment_lab import field
from segment_lab.engine import _summary

TYPES = [f"type_{i:02d}" for i in range(12)] + ["<script>alert(1)</script>"]


@pytest.fixture(scope="module")
def frames():
    contacts = pd.DataFrame({"contact_id": [f"c{i}" for i in range(7)], "plan": ["pro"] * 7})
    rows = [
        (f"c{i % 7}", t, dt.datetime(2024, 1, 1) + dt.timedelta(hours=3 * i + k))
        for k, t in enumerate(TYPES)
        for i in range(k + 1)  # type k occurs k + 1 times
    ]
    events = pd.DataFrame(rows, columns=["contact_id", "event_type", "ts"])
    return contacts, events


def test_tables_counts_span_types_now_and_catalog(frames):
    contacts, events = frames
    seg = sl.Segment("pro <&> plan", field("plan") == "pro", description='It\'s "pro"')
    ws = sl.Workspace.from_pandas(contacts, events, catalog=[seg], now="2024-03-01")
    out = ws._repr_html_()
    assert f"<code>contacts</code></td><td style='text-align:right'>{len(contacts):,}" in out
    assert f"<code>events</code></td><td style='text-align:right'>{len(events):,}" in out
    first, last = events["ts"].min(), events["ts"].max()
    assert f"{first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M}" in out
    counts = events["event_type"].value_counts()
    top = counts.sort_values(ascending=False).head(10)
    for name, n in top.items():
        assert f"<code>{html.escape(name)}</code> {n:,}" in out
    rest = counts.drop(top.index)
    assert f"and {len(rest)} more types ({rest.sum():,} events)" in out
    assert "<script>" not in out  # the user's event type is escaped
    assert "2024-03-01 00:00:00" in out
    assert "pro &lt;&amp;&gt; plan" in out and "title='It&#x27;s &quot;pro&quot;'" in out


def test_without_events_and_with_history(frames):
    contacts, _ = frames
    history = pd.DataFrame(
        {
            "contact_id": ["c0", "c1"],
            "valid_from": pd.to_datetime(["2024-01-01", "2024-01-01"]),
            "valid_to": pd.to_datetime([None, None]),
            "plan": ["pro", "pro"],
        }
    )
    out = sl.Workspace.from_pandas(contacts, None, history, now="2024-03-01")._repr_html_()
    assert "<code>contact_history</code></td><td style='text-align:right'>2<" in out
    assert "Event types" not in out and "<code>events</code>" not in out


def test_the_summary_is_two_queries(frames, monkeypatch):
    contacts, events = frames
    ws = sl.Workspace.from_pandas(contacts, events, now="2024-03-01")
    calls = []
    real = _summary.execute_rows
    monkeypatch.setattr(_summary, "execute_rows", lambda expr: calls.append(1) or real(expr))
    ws._repr_html_()
    assert len(calls) == 2


def test_the_demo_summary_matches_its_counts(demo_ws):
    out = demo_ws._repr_html_()
    n_events = int(demo_ws.tables.events.count().execute())
    assert f"{n_events:,}" in out
    assert all("<code title=" in out and name in out for name in demo_ws.catalog.names)


def test_a_time_zone_aware_ts_column_shows_its_span_in_utc(frames):
    contacts, events = frames
    aware = events.assign(ts=events["ts"].dt.tz_localize("Europe/Paris"))
    out = sl.Workspace.from_pandas(contacts, aware, now="2024-03-01")._repr_html_()
    utc = aware["ts"].dt.tz_convert("UTC")
    assert f"{utc.min():%Y-%m-%d %H:%M} to {utc.max():%Y-%m-%d %H:%M}" in out
