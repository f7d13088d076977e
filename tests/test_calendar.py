"""Calendar months and quarters, and calendar-aligned grids, as a user meets them.

Numbers are checked against pandas (``DateOffset``, the literal SQL-style filter
``ts > t - DateOffset(months=n)`` on the events) and the plain-Python reference, never
against the engine's own arithmetic.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import segment_lab as sl
from segment_lab import analytics as an
from segment_lab import event, field
from segment_lab.errors import InvalidDurationError, InvalidValueError
from segment_lab.model import Duration, Within
from segment_lab.model._describe import describe_rule
from segment_lab.model._time import add_months
from segment_lab.serde import from_yaml, to_yaml
from tests.helpers import PLANS
from tests.reference import grid as ref_grid
from tests.reference import shift_months

D = dt.datetime

# -- calendar arithmetic ------------------------------------------------------------------

DAYS = [D(y, m, d, h, 30) for y in (2023, 2024) for m in range(1, 13) for d in (1, 15, 28, 29, 30, 31) for h in (0, 13) if d <= pd.Timestamp(y, m, 1).days_in_month]  # fmt: skip


@pytest.mark.parametrize("months", [-13, -12, -3, -2, -1, 0, 1, 2, 3, 6, 12, 25])
def test_month_arithmetic_is_pandas_dateoffset(months):
    """The reference's and the model's month arithmetic both equal pandas' DateOffset."""
    for t in DAYS:
        expected = (pd.Timestamp(t) + pd.DateOffset(months=months)).to_pydatetime()
        assert shift_months(t, months) == expected, (t, months)
        assert add_months(t, months) == expected, (t, months)


def test_clipping_examples():
    assert add_months(D(2025, 3, 31), -1) == D(2025, 2, 28)
    assert add_months(D(2024, 3, 31), -1) == D(2024, 2, 29)
    assert _ws(EVENTS, now="2025-03-31 10:00").instant("-1mo") == D(2025, 2, 28, 10)
    assert _ws(EVENTS, now="2025-05-31").instant("-1q") == D(2025, 2, 28)


def test_grammar_months_and_quarters():
    assert Duration.parse("6mo") == Duration(6, "mo")
    assert Duration.parse("-1q").months == -3
    assert Within("3mo").duration.is_calendar
    with pytest.raises(InvalidDurationError, match="one unit per duration"):
        Duration.parse("1mo2d")
    with pytest.raises(InvalidDurationError, match="no fixed length"):
        Duration.parse("1mo").to_timedelta()
    rule = event("purchase").count(within="3mo") >= 2
    assert "in the last 3 months" in describe_rule(rule)
    assert "1 quarter ago" in describe_rule(field("created_at") >= "-1q")
    assert from_yaml(to_yaml(rule)) == rule


# -- windows of months on hand-made data ---------------------------------------------------


def _ws(events: list[tuple[str, D]], now: str = "2024-07-01") -> sl.Workspace:
    contacts = pd.DataFrame(
        {"contact_id": sorted({c for c, _ in events}), "created_at": D(2023, 1, 1)}
    )
    ev = pd.DataFrame(
        {"contact_id": [c for c, _ in events], "event_type": "login", "ts": [t for _, t in events]}
    )
    return sl.Workspace.from_pandas(contacts, ev, now=now)


def _pandas_within(events: list[tuple[str, D]], t: D, months: int) -> set:
    """The literal filter an analyst would write: ts in (t - DateOffset, t]."""
    lo = pd.Timestamp(t) - pd.DateOffset(months=months)
    return {c for c, ts in events if lo < pd.Timestamp(ts) <= pd.Timestamp(t)}


EVENTS = [("jan31", D(2025, 1, 31, 12)), ("feb28", D(2024, 2, 28, 12)), ("feb29", D(2024, 2, 29, 12)),
          ("apr30", D(2024, 4, 30, 6)), ("mar15", D(2024, 3, 15, 0))]  # fmt: skip
PROBES = [D(2024, 3, 28, 11), D(2024, 3, 28, 13), D(2024, 3, 29, 9), D(2024, 3, 29, 11, 59), D(2024, 3, 29, 12), D(2024, 3, 30, 13), D(2024, 3, 31, 23),
          D(2024, 4, 1), D(2024, 4, 15), D(2024, 5, 30, 5), D(2024, 5, 31, 5), D(2024, 5, 31, 7), D(2025, 2, 28, 23, 59, 59, 999999),
          D(2025, 3, 1), D(2025, 2, 1)]  # fmt: skip


def test_within_a_month_matches_the_dateoffset_filter():
    """Leaving a 1-month window: ts + 1mo, or the next month's first instant when clipped,
    and back again on the longer month's last days (exactly as the pandas filter)."""
    ws = _ws(EVENTS, now="2025-06-01")
    rule = event("login").exists(within="1mo")
    for t in PROBES:
        expected = _pandas_within(EVENTS, t, 1)
        got = set(ws.members(rule, as_of=t).to_pandas()["contact_id"])
        assert got == expected, t
    # the same instants through the interval engine
    iv = ws.intervals(rule, start=D(2024, 1, 1), end=D(2025, 6, 1))
    for t in PROBES:
        inside = iv[(iv.entered_at <= t) & (iv.exited_at.isna() | (iv.exited_at > t))]
        assert set(inside.contact_id) == _pandas_within(EVENTS, t, 1), t
    # the event of 2025-01-31 12:00 leaves at 2025-03-01 00:00 (February never reaches it)
    jan = iv[iv.contact_id == "jan31"]
    assert list(jan.exited_at) == [pd.Timestamp("2025-03-01")]
    # 2024-02-29 12:00 (leap): out at 03-29 12:00, in again on 03-30 and 03-31 until 12:00
    feb = iv[iv.contact_id == "feb29"].sort_values("entered_at")
    assert [str(x) for x in feb.entered_at] == [
        "2024-02-29 12:00:00",
        "2024-03-30 00:00:00",
        "2024-03-31 00:00:00",
    ]
    assert [str(x) for x in feb.exited_at] == [
        "2024-03-29 12:00:00",
        "2024-03-30 12:00:00",
        "2024-03-31 12:00:00",
    ]


@PLANS
def test_relative_months_on_attributes_and_last_seen(plan):
    ws = _ws(EVENTS, now="2024-05-31 05:00")
    seen = set(ws.members(event("login").last_seen() >= "-3mo").to_pandas()["contact_id"])
    lo = pd.Timestamp("2024-05-31 05:00") - pd.DateOffset(months=3)  # 2024-02-29 05:00
    assert seen == {c for c, ts in EVENTS if ts <= D(2024, 5, 31, 5) and pd.Timestamp(ts) >= lo}
    h = ws.history(
        event("login").last_seen() >= "-3mo",
        start="2024-05-25",
        end="2024-06-02",
        every="1d",
        plan=plan,
    )
    for p, size in zip(h.period, h["size"]):
        assert ws.count(event("login").last_seen() >= "-3mo", as_of=p) == size


# -- calendar-aligned grids -------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo():
    return sl.Workspace.demo()


def test_weekly_history_falls_on_mondays(demo):
    h = demo.history(sample_rule(), start="2025-01-15 13:15", end="2025-03-10", every="1w")
    assert [str(p.date()) for p in h.period] == ["2025-01-13", "2025-01-20", "2025-01-27", "2025-02-03", "2025-02-10", "2025-02-17", "2025-02-24", "2025-03-03", "2025-03-10"]  # fmt: skip
    assert all(p.weekday() == 0 and p == p.normalize() for p in h.period)


def sample_rule():
    return event("purchase").exists(within="30d")


def test_relative_start_does_not_take_the_clock_time(demo):
    """now is 23:59:59; start="-120d" used to give grid points at 23:59:59."""
    for every in ("1d", "1w"):
        h = demo.history(sample_rule(), start="-120d", every=every)
        assert all(p == p.normalize() for p in h.period), every
        assert h.period.iloc[-1] <= pd.Timestamp(demo.now)


@PLANS
def test_monthly_and_quarterly_grids(demo, plan):
    months = demo.history(
        sample_rule(), start="2024-11-20", end="2025-06-30", every="1mo", plan=plan
    )
    assert [p.strftime("%Y-%m-%d") for p in months.period] == ["2024-11-01", "2024-12-01", "2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01", "2025-05-01", "2025-06-01"]  # fmt: skip
    quarters = demo.grid("2024-08-15", "2025-06-30", every="1q")
    assert [p.strftime("%m-%d") for p in quarters.points] == ["07-01", "10-01", "01-01", "04-01"]
    assert quarters.before == D(2024, 4, 1)
    for p, size in zip(months.period, months["size"]):
        assert demo.count(sample_rule(), as_of=p) == size
    # the first period's moves are counted from t_(-1), the 1st of the month before
    first = demo.count(sample_rule(), as_of="2024-10-01")
    assert months["size"].iloc[0] - months["entered"].iloc[0] + months["exited"].iloc[0] == first


@pytest.mark.parametrize(
    ("start", "end", "every"),
    [("2025-01-15 13:15", "2025-03-10", "1w"), ("2025-01-15 13:15", "2025-01-20 02:00", "1d"),
     ("2025-01-15 13:15", "2025-01-16 09:00", "6h"), ("2024-12-31 23:00", "2025-07-01", "1q"),
     ("2025-02-28 12:00", "2025-06-30", "2mo"), ("2025-01-15", "2025-03-10", "14d")],
)  # fmt: skip
def test_grids_match_the_reference(demo, start, end, every):
    g = demo.grid(start, end, every)
    assert g.points == ref_grid(
        pd.Timestamp(start).to_pydatetime(), pd.Timestamp(end).to_pydatetime(), every
    )


def test_sub_day_grids_are_not_aligned(demo):
    g = demo.grid("2025-01-15 13:15", "2025-01-16 09:00", "6h")
    assert g.start == D(2025, 1, 15, 13, 15) and g.n == 4


def test_trends_and_alerts_by_month(demo):
    t = an.trends(demo, sample_rule(), "2024-09-01", "2025-06-30", every="1mo", lookback="3mo")
    assert list(t.period.dt.day.unique()) == [1]
    assert t.previous.iloc[3] == t["size"].iloc[0]
    found = an.alerts(demo, demo.catalog, "2024-07-01", every="1mo", progress=False)
    assert all("month over month" in m for m in found["message"])
    with pytest.raises(InvalidValueError, match="calendar months"):
        an.trends(demo, sample_rule(), "2024-09-01", "2025-06-30", every="1mo", lookback="4w")
    with pytest.raises(InvalidValueError, match="fixed steps"):
        an.lifecycle(demo, "purchase", "2025-01-01", "2025-06-30", every="1mo")


def test_alerts_read_the_same_whatever_the_start(demo):
    """The README's alerts (start 2024-09-02) and the CLI's (38 weeks before now, a
    23:59:59 instant) sample the same Mondays at midnight, so they agree."""
    readme = an.alerts(demo, demo.catalog, start="2024-09-02", every="1w", progress=False)
    start = pd.Timestamp(demo.now) - pd.Timedelta(weeks=38)
    cli = an.alerts(demo, demo.catalog, start.to_pydatetime(), demo.now, every="1w", progress=False)
    watch = pd.Timestamp(demo.now) - pd.Timedelta(weeks=26)
    cli = cli[cli.period > watch]
    assert len(cli) > 0
    both = cli.merge(readme, on=["segment", "period"], suffixes=("_cli", "_readme"))
    assert len(both) == len(cli)
    assert (both["z_cli"] == both["z_readme"]).all()
    assert set(cli.period.dt.weekday) == {0}


def test_templates_take_calendar_windows(demo):
    from segment_lab import templates

    seg = templates.churn_risks(active_within="3mo", quiet_for="1mo")
    assert "3 months" in seg.description and "1 month" in seg.description
    with pytest.raises(InvalidValueError, match="shorter"):
        templates.churn_risks(active_within="1mo", quiet_for="31d")
