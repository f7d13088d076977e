"""Workspace features on the sample data and on CDNOW: sizes, history, intervals, changes."""

from __future__ import annotations

import datetime as dt
import importlib.util

import ibis
import pandas as pd
import pytest

import segment_lab as sl
from segment_lab import event, field, sample
from tests.helpers import count_rows


@pytest.fixture(scope="module")
def ws(demo_ws) -> sl.Workspace:
    """The shared demo workspace (tests/conftest.py)."""
    return demo_ws


def test_demo_catalog_sizes_match_counts(ws):
    sizes = ws.sizes(as_of="2025-05-01")
    assert list(sizes.columns) == ["segment", "size", "description"]
    for name, size in zip(sizes["segment"], sizes["size"]):
        assert size == ws.count(ws.catalog[name], as_of="2025-05-01"), name


def test_history_equals_asof_on_the_grid(ws):
    for seg in ws.catalog:
        h = ws.history(seg, start="2025-01-06", end="2025-06-30", every="2w")
        for k in (0, 5, len(h) - 1):
            t = h["period"].iloc[k].to_pydatetime()
            assert h["size"].iloc[k] == ws.count(seg, as_of=t), (seg.name, t)
        prev = ws.count(seg, as_of=dt.datetime(2025, 1, 6) - dt.timedelta(weeks=2))
        sizes = [prev, *h["size"]]
        assert all(
            sizes[k + 1] == sizes[k] + e - x
            for k, (e, x) in enumerate(zip(h["entered"], h["exited"]))
        )


def test_history_of_several_segments_is_long(ws):
    h = ws.history(ws.catalog, start="2025-06-01", end="2025-06-29", every="1w", progress=False)
    assert list(h.columns) == ["segment", "period", "size", "entered", "exited"]
    assert h["segment"].nunique() == len(ws.catalog) and len(h) == 5 * len(ws.catalog)


def test_planted_truths_move_the_right_way(ws):
    churn = ws.history(sample.CHURN_RISK, start="2025-02-03", end="2025-04-07", every="1w")
    before = churn.loc[churn["period"] < sample.CHURN_WAVE_START, "size"].max()
    assert churn["size"].iloc[-1] > 1.5 * before
    intent = ws.history(sample.PRICING_INTENT, start="2025-04-07", end="2025-05-19", every="1w")
    assert intent["size"].iloc[-1] > 10 * max(1, intent["size"].iloc[0])


def test_intervals_reproduce_membership(ws):
    seg = ws.catalog["churn-risk"]
    iv = ws.intervals(seg, start="2025-01-01")
    for t in ("2025-01-15", "2025-03-24 12:00", "2025-06-30 23:59:59"):
        at = pd.Timestamp(t)
        live = iv[
            (iv["entered_at"].isna() | (iv["entered_at"] <= at))
            & (iv["exited_at"].isna() | (iv["exited_at"] > at))
        ]
        members = set(ws.members(seg, as_of=t).to_pandas()["contact_id"])
        assert set(live["contact_id"]) == members, t


def test_changes_net_are_net_movers(ws):
    seg = ws.catalog["newsletter-readers"]
    ch = ws.changes(seg, start="2025-05-01", end="2025-06-01", columns=["city"], net=True)
    a = set(ws.members(seg, as_of="2025-05-01").to_pandas()["contact_id"])
    b = set(ws.members(seg, as_of="2025-06-01").to_pandas()["contact_id"])
    assert set(ch.loc[ch["direction"] == "entered", "contact_id"]) == b - a
    assert set(ch.loc[ch["direction"] == "exited", "contact_id"]) == a - b
    assert list(ch.columns) == ["contact_id", "direction", "city"]


def test_changes_every_entry_and_exit_adds_up_to_the_net_movers(ws):
    seg = ws.catalog["newsletter-readers"]
    ch = ws.changes(seg, start="2025-05-01", end="2025-06-01", columns=["city"])
    assert list(ch.columns) == ["contact_id", "direction", "at", "city"]
    assert ch["at"].between(pd.Timestamp("2025-05-01"), pd.Timestamp("2025-06-01")).all()
    assert (ch["at"] > pd.Timestamp("2025-05-01")).all()
    a = set(ws.members(seg, as_of="2025-05-01").to_pandas()["contact_id"])
    b = set(ws.members(seg, as_of="2025-06-01").to_pandas()["contact_id"])
    net = ch.assign(d=ch["direction"].map({"entered": 1, "exited": -1})).groupby("contact_id")["d"]
    net = net.sum()
    assert set(net[net == 1].index) == b - a
    assert set(net[net == -1].index) == a - b
    # each contact alternates: an entry, then an exit, ...
    for _, moves in ch.groupby("contact_id"):
        first = "exited" if moves["contact_id"].iloc[0] in a else "entered"
        other = "entered" if first == "exited" else "exited"
        expected = [first if i % 2 == 0 else other for i in range(len(moves))]
        assert moves.sort_values("at")["direction"].tolist() == expected
    assert len(ch) > len(b ^ a)  # some contacts came and went within the month


@pytest.mark.parametrize(
    ("dialect", "read"),
    [
        ("duckdb", "duckdb"),
        ("postgres", "postgres"),
        ("postgresql", "postgres"),
        ("snowflake", "snowflake"),
    ],
)
def test_sql_in_other_dialects_selects_the_members(ws, dialect, read):
    """The SQL of each dialect, read back by sqlglot and run on DuckDB, counts like ws.count
    at two instants (the instant is in the SQL, not a parameter)."""
    rule = ws.catalog["high-intent-leads"]
    counts = []
    for t in ("2025-05-12", "2025-06-01"):
        text = ws.sql(rule, as_of=t, dialect=dialect)
        counts.append(count_rows(ws, text, read))
        assert counts[-1] == ws.count(rule, as_of=t), (dialect, t)
    assert counts[0] != counts[1]
    if dialect == "postgresql":  # an alias of postgres
        assert text == ws.sql(rule, as_of=t, dialect="postgres")


def test_history_has_no_look_ahead(tiny_frames):
    """Events and history rows after the last grid point change no history row."""
    frames = tiny_frames
    c, e, h = frames["contacts"], frames["events"], frames["contact_history"]
    end = dt.datetime(2024, 9, 1)
    rules = [
        event("email_open").count(within="30d") >= 2,
        ~event("page_visit").exists(within="14d"),
        field("lifecycle_stage") == "customer",
        event("purchase").last_seen() < "-30d",
    ]
    base = sl.Workspace.from_pandas(c, e[e["ts"] <= end], h[h["valid_from"] <= end], now=end)
    full = sl.Workspace.from_pandas(c, e, h, now=end)
    for rule in rules:
        a = base.history(rule, start="2024-06-01", end=end, every="1w")
        b = full.history(rule, start="2024-06-01", end=end, every="1w")
        pd.testing.assert_frame_equal(a, b)


@pytest.mark.skipif(importlib.util.find_spec("lifetimes") is None, reason="needs lifetimes")
def test_cdnow_repeat_buyers_against_pandas():
    ws = sl.Workspace.from_cdnow()
    from segment_lab.interop import cdnow

    ev = cdnow.load_cdnow_frames()["events"]
    t = pd.Timestamp("1997-09-30 23:59:59")
    recent = ev[(ev["ts"] > t - pd.Timedelta(days=90)) & (ev["ts"] <= t)]
    expected = int((recent.groupby("contact_id").size() >= 2).sum())
    assert ws.count(ws.catalog["repeat-buyers"], as_of=t) == expected
    # daily grid: its last instant is 09-30 00:00, the same day (CDNOW events are dates)
    h = ws.history(ws.catalog["repeat-buyers"], start="1997-09-02", end=t, every="1d")
    assert h["size"].iloc[-1] == expected


def test_from_ibis_accepts_any_backend_tables():
    con = ibis.duckdb.connect()
    c = con.create_table(
        "people",
        pd.DataFrame({"id": ["a", "b"], "signup": pd.to_datetime(["2024-01-01", "2024-02-01"])}),
    )
    e = con.create_table(
        "acts", pd.DataFrame({"id": ["a"], "kind": ["x"], "at": pd.to_datetime(["2024-01-02"])})
    )
    b = sl.Bindings(contact_id="id", created_at="signup", event_type="kind", ts="at")
    ws = sl.Workspace.from_ibis(c, e, bindings=b, now="2024-03-01")
    assert ws.count(event("x").exists()) == 1
    assert ws.count(~event("x").exists(), as_of="2024-01-15") == 0  # b does not exist yet
    assert set(ws.members(~event("x").exists()).to_pandas()["id"]) == {"b"}
