"""Trends and alerts: the planted truth of the sample data is found, the control is quiet."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import segment_lab as sl
from segment_lab import analytics as an
from segment_lab import sample
from segment_lab.errors import InvalidValueError

WEEK = dt.timedelta(weeks=1)
SPAN = ("2024-01-01", "2025-06-30")
PLANTED = [sample.CHURN_RISK, sample.PRICING_INTENT, sample.CONTROL]


@pytest.fixture(scope="module")
def ws(demo_ws) -> sl.Workspace:
    """The shared demo workspace (tests/conftest.py)."""
    return demo_ws


@pytest.fixture(scope="module")
def weekly(ws) -> pd.DataFrame:
    return an.alerts(ws, PLANTED, *SPAN, every="1w")


@pytest.fixture(scope="module")
def four_weekly(ws) -> pd.DataFrame:
    return an.alerts(ws, PLANTED, *SPAN, every="4w")


def _first(alerts: pd.DataFrame, segment: str, after: dt.datetime) -> pd.Series:
    rows = alerts[(alerts.segment == segment) & (alerts.period > after)]
    assert len(rows), f"no alert for {segment} after {after}"
    return rows.iloc[0]


def _quiet_before(alerts: pd.DataFrame, segment: str, lo: str, hi: dt.datetime) -> None:
    rows = alerts[(alerts.segment == segment) & (alerts.period >= lo) & (alerts.period <= hi)]
    assert rows.empty, rows[["period", "direction", "z"]].to_string()


# -- acceptance ----------------------------------------------------------------------------


def test_intent_surge_is_flagged_growing_in_the_first_weekly_period(weekly):
    start = sample.INTENT_SURGE_START
    first = _first(weekly, "pricing-intent", start - WEEK)
    assert first.direction == "growing"
    assert start < first.period <= start + WEEK  # the first grid instant after the start
    _quiet_before(weekly, "pricing-intent", "2025-01-01", start)


def test_churn_wave_is_flagged_growing_in_the_period_that_contains_its_start(four_weekly):
    start = sample.CHURN_WAVE_START
    first = _first(four_weekly, "churn-risk", start - 4 * WEEK)
    assert first.direction == "growing"
    assert start < first.period <= start + 4 * WEEK
    assert first.severity == "critical"
    _quiet_before(four_weekly, "churn-risk", "2024-06-01", start)


def test_intent_surge_on_the_four_weekly_grid(four_weekly):
    start = sample.INTENT_SURGE_START
    first = _first(four_weekly, "pricing-intent", start - 4 * WEEK)
    assert first.direction == "growing"
    assert start < first.period <= start + 4 * WEEK


def test_churn_risk_alerts_weekly_in_the_week_the_data_card_says_it_jumps(weekly):
    # "no opens in 21 days": the segment jumps three weeks after the wave (data card)
    start = sample.CHURN_WAVE_START
    first = _first(weekly, "churn-risk", start - WEEK)
    assert first.direction == "growing"
    assert first.period == start + 3 * WEEK
    _quiet_before(weekly, "churn-risk", "2024-09-01", start + 2 * WEEK)


@pytest.mark.parametrize("every", ["1d", "1w", "4w"])
def test_control_never_alerts(ws, every):
    a = an.alerts(ws, sample.CONTROL, *SPAN, every=every)
    assert a.empty, a[["period", "z", "message"]].to_string()
    # and not because nothing was computed: the control has a real, constant size
    t = an.trends(ws, sample.CONTROL, *SPAN, every=every)
    assert t["size"].min() == t["size"].max() > 0


def test_every_alert_carries_the_numbers_behind_it(weekly):
    assert set(an._trends.ALERT_COLUMNS) == set(weekly.columns)
    for row in weekly.itertuples():
        scale = max(1.4826 * row.baseline_mad, 1.0)
        assert row.z == pytest.approx((row.net - row.baseline_median) / scale, abs=0.01)
        assert row.size - row.previous == row.net
        assert f"{row.previous:,} → {row.size:,}" in row.message
        assert f"{abs(row.z):.1f}σ" in row.message


def test_alerts_follow_the_surge_down_again(weekly):
    after = weekly[(weekly.segment == "pricing-intent") & (weekly.direction == "shrinking")]
    assert after.period.min() == sample.INTENT_SURGE_START + 3 * WEEK  # 179 -> 13 on 05-26


# -- trends --------------------------------------------------------------------------------


def test_trend_columns_follow_from_history(ws):
    t = an.trends(ws, sample.CHURN_RISK, "2025-01-06", "2025-04-28", every="1w")
    h = ws.history(sample.CHURN_RISK, "2024-12-30", "2025-04-28", every="1w")
    sizes = dict(zip(h.period, h["size"]))
    for row in t.itertuples():
        before = sizes[row.period - WEEK]
        assert row.net == row.size - before == row.entered - row.exited
        assert row.previous == before
        assert row.growth == pytest.approx(row.size / before - 1)
        assert row.entry_rate == pytest.approx(row.entered / before)
        assert row.exit_rate == pytest.approx(row.exited / before)


def test_lookback_as_duration_or_periods(ws):
    a = an.trends(ws, sample.CHURN_RISK, "2025-01-06", "2025-04-28", every="1w", lookback="4w")
    b = an.trends(ws, sample.CHURN_RISK, "2025-01-06", "2025-04-28", every="1w", lookback=4)
    pd.testing.assert_frame_equal(a, b)
    assert a["previous"].iloc[:3].isna().all()
    assert a["previous"].iloc[4] == a["size"].iloc[0]
    assert a["growth"].iloc[4] == pytest.approx(a["size"].iloc[4] / a["size"].iloc[0] - 1)


def test_trends_of_a_catalog_keep_names_and_order(ws, demo_catalog):
    cat = demo_catalog
    t = an.trends(ws.with_catalog(cat), cat, "2025-06-02", "2025-06-30", every="1w")
    assert list(t.segment.unique()) == list(cat.names)  # in the order given
    assert len(t) == len(cat) * 5


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lookback": "10d"}, "whole number of periods"),
        ({"lookback": 0}, "at least one period"),
        ({"every": "0d"}, "positive"),
        ({"every": "fortnight"}, "fortnight"),
    ],
)
def test_bad_trend_arguments(ws, kwargs, match):
    args = {"every": "1w", **kwargs}
    with pytest.raises(sl.errors.SegmentLabError, match=match):
        an.trends(ws, sample.CONTROL, "2025-01-06", "2025-03-03", **args)


# -- detection on hand-made frames ----------------------------------------------------------


def _frame(sizes: list[int], name: str = "vip") -> pd.DataFrame:
    diff = pd.Series(sizes).diff().fillna(0).astype(int)
    return pd.DataFrame({
        "segment": name,
        "period": pd.date_range("2025-01-06", periods=len(sizes), freq="7D"),
        "size": sizes,
        "entered": diff.clip(lower=0),
        "exited": (-diff).clip(lower=0),
    })  # fmt: skip


def test_flat_segment_with_zero_mad_needs_a_real_change():
    flat = [50] * 10
    assert an.detect_alerts(_frame([*flat, 53])).empty  # 3 contacts: under min_change
    a = an.detect_alerts(_frame([*flat, 60]))  # MAD 0: scale floored at one contact
    assert list(a.z) == [10.0] and a.severity.iloc[0] == "warning"


def test_min_periods_and_baseline_window():
    early = [100, 160, *[160] * 12]  # a jump before there is any baseline: never alerts
    assert an.detect_alerts(_frame(early), min_periods=6).empty
    assert len(an.detect_alerts(_frame(early), min_periods=1)) == 1
    a = an.detect_alerts(_frame([*[100] * 12, 130]), baseline=4, min_periods=4)
    assert a.baseline_periods.tolist() == [4]


def test_severity_bands_and_threshold():
    a = an.detect_alerts(_frame([*[100] * 10, 110, 100, 100]), threshold=2.0)
    assert a.iloc[0].severity == "critical"  # z = 10 >= 4 * 2
    assert an.detect_alerts(_frame([*[100] * 10, 110]), threshold=11).empty


def test_shrinking_alert_message():
    a = an.detect_alerts(_frame([*[200] * 8, 150]))
    row = a.iloc[0]
    assert row.direction == "shrinking" and row.net == -50
    assert row.message == (
        "vip shrank 25% week over week (200 → 150 contacts, net -50), 50.0σ below its 8-week norm."
    )


def test_growth_from_zero_is_said_without_a_percentage():
    a = an.detect_alerts(_frame([*[0] * 8, 40]))
    assert a.iloc[0].message.startswith("vip grew week over week (0 → 40 contacts")
    assert np.isnan(a.iloc[0].growth)


def test_detect_alerts_checks_its_input():
    with pytest.raises(InvalidValueError, match="missing"):
        an.detect_alerts(pd.DataFrame({"segment": ["a"], "period": [pd.Timestamp(2025, 1, 1)]}))
    with pytest.raises(InvalidValueError, match="min_periods"):
        an.detect_alerts(_frame([1, 2, 3]), baseline=4, min_periods=5)
