"""``sl.backtest``: hand-computed cases, boundaries, leakage, the audit, sweeps and the statistics.

The differential test against the plain-Python reference is ``test_backtest_reference``.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import segment_lab as sl
import tests.strategies_data as sd
from segment_lab import analytics as an
from segment_lab import templates
from segment_lab.analytics import _backtest as bt_module
from segment_lab.engine import BacktestPlan, Grid, backtest_counts
from segment_lab.errors import IncompleteSnapshotWarning, InvalidValueError, LookAheadError
from tests.helpers import dataset_workspace, diff_settings

pytestmark = pytest.mark.filterwarnings("ignore::segment_lab.errors.CurrentValueWarning")

COLUMNS = [
    "segment", "snapshot", "population", "members", "positives", "true_positives",
    "base_rate", "precision", "recall", "f1", "lift", "coverage", "rate_nonmembers",
    "precision_lo", "precision_hi", "recall_lo", "recall_hi", "base_rate_lo", "base_rate_hi",
]  # fmt: skip
T0 = dt.datetime(2024, 1, 1)
DAY = dt.timedelta(days=1)


def _hand_ws(events: list[tuple[int, str, dt.datetime]], now=T0 + 30 * DAY) -> sl.Workspace:
    """Four contacts (4 created on day 3) with ``plan`` and the events given."""
    contacts = pd.DataFrame({
        "contact_id": [1, 2, 3, 4],
        "plan": ["pro", "pro", "free", "free"],
        "created_at": [T0 - DAY, T0 - DAY, T0 - DAY, T0 + 3 * DAY],
    })  # fmt: skip
    ev = pd.DataFrame(events, columns=["contact_id", "event_type", "ts"])
    ev["ts"] = pd.to_datetime(ev["ts"])
    return sl.Workspace.from_pandas(contacts, ev, now=now)


def _run(ws, segments, outcome, **kw):
    args = {"start": T0, "end": T0 + 4 * DAY, "every": "1d", "horizon": "2d", "progress": False}
    return sl.backtest(ws, segments, outcome, **{**args, **kw})


# -- hand-computed --------------------------------------------------------------------------


def test_hand_case_counts_and_ratios():
    # visits make membership; purchases are the outcome
    ws = _hand_ws([
        (1, "visit", T0), (2, "visit", T0 + DAY), (3, "visit", T0 + 2 * DAY),
        (1, "purchase", T0 + DAY), (3, "purchase", T0 + 3 * DAY), (4, "purchase", T0 + 4 * DAY),
    ])  # fmt: skip
    seg = sl.Segment("visitors", sl.event("visit").exists(within="2d"))
    frame = _run(ws, seg, sl.event("purchase"))
    assert list(frame.columns) == COLUMNS
    got = frame[["snapshot", "population", "members", "positives", "true_positives"]]
    # t0: members {1}, purchases in (t0, t0+2d]: 1 (day 1) -> tp 1
    # t1: members {1, 2}, purchases in (d1, d3]: 3 (day 3) -> tp 0
    # t2: members {2, 3}, purchases in (d2, d4]: 3; 4 not yet created -> positives {3}
    # t3: members {3}, population 4 (4 created at d3), purchases (d3, d5]: 4 -> positives {4}
    # t4: members {}, purchases (d4, d6]: none
    assert got.values.tolist() == [
        [pd.Timestamp(T0), 3, 1, 1, 1],
        [pd.Timestamp(T0 + DAY), 3, 2, 1, 0],
        [pd.Timestamp(T0 + 2 * DAY), 3, 2, 1, 1],
        [pd.Timestamp(T0 + 3 * DAY), 4, 1, 1, 0],
        [pd.Timestamp(T0 + 4 * DAY), 4, 0, 0, 0],
    ]
    r = frame.iloc[2]
    assert r["precision"] == 0.5 and r["recall"] == 1.0 and r["base_rate"] == pytest.approx(1 / 3)
    assert r["lift"] == pytest.approx(1.5) and r["coverage"] == pytest.approx(2 / 3)
    assert r["rate_nonmembers"] == 0.0 and r["f1"] == pytest.approx(2 / 3)
    last = frame.iloc[4]  # empty segment, no positives: every ratio over them is NaN
    for c in ("precision", "recall", "lift", "f1", "precision_lo", "recall_hi"):
        assert math.isnan(last[c]), c
    assert last["coverage"] == 0.0 and last["rate_nonmembers"] == 0.0


def test_outcome_event_at_t_does_not_count_but_at_t_plus_horizon_does():
    ws = _hand_ws([(1, "purchase", T0), (2, "purchase", T0 + 2 * DAY)])
    frame = _run(ws, sl.field("plan") == "pro", sl.event("purchase"), end=T0)
    # at t0: 1's purchase is at t0 exactly (not in (t0, t0+2d]); 2's at t0 + 2d exactly
    assert frame[["positives", "true_positives"]].values.tolist() == [[1, 1]]
    # a purchase at t1 exactly: in t0's horizon, not in t1's
    on_t1 = _hand_ws([(1, "purchase", T0 + DAY)])
    assert _run(on_t1, sl.field("plan") == "pro", "purchase", end=T0 + DAY)[
        "positives"
    ].tolist() == [1, 0]
    later = _hand_ws([(2, "purchase", T0 + 2 * DAY + dt.timedelta(microseconds=1))])
    assert _run(later, sl.field("plan") == "pro", "purchase", end=T0)["positives"].tolist() == [0]


def test_empty_population_gives_nan_not_zero():
    ws = _hand_ws([(1, "purchase", T0)])
    frame = _run(ws, sl.field("plan") == "pro", "purchase", start=T0 - 5 * DAY, end=T0 - 3 * DAY)
    assert frame["population"].tolist() == [0, 0, 0]
    for c in ("base_rate", "coverage", "rate_nonmembers", "base_rate_lo", "lift"):
        assert frame[c].isna().all(), c
    summary = frame.summary()
    assert math.isnan(summary["z"].iloc[0]) and math.isnan(summary["q_value"].iloc[0])


def test_rule_outcome_is_membership_at_t_plus_horizon():
    ws = _hand_ws([(1, "visit", T0 + DAY), (4, "visit", T0 + 3 * DAY)])
    outcome = sl.event("visit").exists(within="1d")
    frame = _run(ws, sl.field("plan") == "free", outcome, horizon="1d", end=T0 + 2 * DAY)
    # member of the outcome at t0+1d: {1}; at t1+1d: {} ; at t2+1d: {4}, not yet in population
    assert frame["positives"].tolist() == [1, 0, 0]


def test_incomplete_snapshots_dropped_with_warning_or_kept_flagged():
    ws = _hand_ws([(1, "purchase", T0 + 4 * DAY)], now=T0 + 3 * DAY)
    with pytest.warns(IncompleteSnapshotWarning, match="3 of 5 snapshots are incomplete"):
        frame = _run(ws, sl.field("plan") == "pro", "purchase")
    assert frame["snapshot"].tolist() == [pd.Timestamp(T0), pd.Timestamp(T0 + DAY)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", IncompleteSnapshotWarning)
        kept = _run(ws, sl.field("plan") == "pro", "purchase", partial=True)
    assert list(kept.columns) == [*COLUMNS, "partial"]
    assert kept["partial"].tolist() == [False, False, True, True, True]
    assert kept["positives"].tolist() == [0] * 5  # the purchase after now is never read
    with pytest.warns(IncompleteSnapshotWarning):
        none = _run(ws, sl.field("plan") == "pro", "purchase", start=T0 + 2 * DAY)
    assert none.empty and list(none.columns) == COLUMNS


def test_bad_input_is_a_clear_error(demo_ws):
    with pytest.raises(InvalidValueError, match="outcome must be an event spec"):
        _run(demo_ws, demo_ws.catalog["churn-risk"], 42)
    with pytest.raises(sl.errors.InvalidTimeError, match="horizon: Invalid duration 'soon'"):
        _run(demo_ws, demo_ws.catalog["churn-risk"], "purchase", horizon="soon")
    with pytest.raises(InvalidValueError, match="audit"):
        _run(demo_ws, demo_ws.catalog["churn-risk"], "purchase", audit=-1)
    with pytest.raises(InvalidValueError, match="relative to t"):
        _run(
            demo_ws,
            demo_ws.catalog["churn-risk"],
            sl.event("purchase").where(sl.field("ts") > "-7d"),
        )
    with pytest.raises(InvalidValueError, match=r"horizon '3mo'.*midnights.*not every 6:00"):
        _run(demo_ws, demo_ws.catalog["churn-risk"], "purchase", horizon="3mo", every="6h")
    with pytest.raises(InvalidValueError, match="Workspace first"):
        sl.backtest("ws", [], "purchase", start=T0, end=T0, every="1d", horizon="1d")


def test_calendar_horizon_ends_on_the_clipped_day():
    """t + 1mo from Jan 29-31 2024 is Feb 29 (clipped): an event then counts, one at t does not."""
    leap = dt.datetime(2024, 2, 29)
    ws = _hand_ws([(1, "purchase", leap), (2, "purchase", leap + dt.timedelta(seconds=1)),
                   (3, "purchase", dt.datetime(2024, 2, 1))], now=dt.datetime(2024, 6, 1))  # fmt: skip
    got = _run(ws, sl.field("plan") == "pro", "purchase", start="2024-01-28",
               end="2024-02-01", horizon="1mo")  # fmt: skip
    assert got["snapshot"].dt.day.tolist() == [28, 29, 30, 31, 1]
    # Jan 28 reaches Feb 28 (only contact 3's Feb 1 purchase); Jan 29-31 reach Feb 29
    # (contact 1's too); Feb 1 reaches Mar 1 (1 and 2, not 3's purchase at exactly t)
    assert got["positives"].tolist() == [1, 2, 2, 2, 2]
    assert got["true_positives"].tolist() == [0, 1, 1, 1, 2]
    monthly = _run(ws, sl.field("plan") == "pro", "purchase", start="2023-12-01",
                   end="2024-03-01", every="1mo", horizon="1mo", audit=2)  # fmt: skip
    assert monthly["snapshot"].dt.month.tolist() == [12, 1, 2, 3]
    assert monthly["positives"].tolist() == [0, 1, 2, 0]  # (Feb 1, Mar 1]: not 3, at t
    assert (
        len(monthly.audit) == 2 and (monthly.audit["backtest"] == monthly.audit["truncated"]).all()
    )


# -- leakage ------------------------------------------------------------------------------


@diff_settings(10)
@given(data=st.data())
def test_data_after_a_snapshot_changes_only_outcomes(data):
    dataset = data.draw(sd.datasets(), label="dataset")
    rule = data.draw(sd.rules_for_schema(2), label="rule")
    start, end, every = data.draw(sd.grids(dataset, rule, max_points=5), label="grid")
    t = data.draw(st.sampled_from(_grid_points(start, end, every)), label="snapshot")
    later = data.draw(sd.future_additions(dataset, t), label="additions after t")
    kw = {"start": start, "end": end, "every": every, "horizon": "1d", "progress": False}
    now = dt.datetime(2030, 1, 1)
    before = sl.backtest(dataset_workspace(dataset).with_now(now), rule, "purchase", **kw)
    after = sl.backtest(dataset_workspace(later).with_now(now), rule, "purchase", **kw)
    upto = before["snapshot"] <= t
    same = ["segment", "snapshot", "population", "members", "coverage"]
    pd.testing.assert_frame_equal(
        pd.DataFrame(after[upto][same]), pd.DataFrame(before[upto][same]), obj="membership"
    )


def _grid_points(start, end, every):
    step = sl.model.Duration.parse(every).to_timedelta()
    return [start + k * step for k in range((end - start) // step + 1)]


def test_audit_passes_and_keeps_its_proof(demo_ws):
    frame = sl.backtest(
        demo_ws, [demo_ws.catalog["churn-risk"], demo_ws.catalog["recent-spenders"]],
        "purchase", start="2025-03-03", end="2025-05-26", every="1w", horizon="4w",
        audit=3, progress=False,
    )  # fmt: skip
    log = frame.audit
    assert len(log) == 6 and (log["backtest"] == log["truncated"]).all()
    assert sorted(set(log["snapshot"])) == [
        dt.datetime(2025, 3, 3), dt.datetime(2025, 4, 14), dt.datetime(2025, 5, 26)
    ]  # fmt: skip


def test_audit_catches_a_leaking_engine_path(demo_ws, monkeypatch):
    """A membership path that reads one snapshot ahead (t_(k+1) for t_k) is caught."""

    def peeking(rule, outcome, tables, plan):
        g = plan.grid
        ahead = BacktestPlan(Grid(g.start, g.step, g.n + 1), plan.horizon, plan.now)
        counts = backtest_counts(rule, outcome, tables, ahead)  # outcome on n points: fine
        return counts[:, 1:]

    monkeypatch.setattr(bt_module, "backtest_counts", peeking)
    seg = demo_ws.catalog["churn-risk"]
    kw = {"start": "2025-03-03", "end": "2025-05-26", "every": "1w", "horizon": "4w"}
    with pytest.raises(
        LookAheadError, match=r"'churn-risk' at snapshot 2025-03-03.*counts \d+ members"
    ):
        sl.backtest(demo_ws, seg, "purchase", audit=2, progress=False, **kw)
    leaky = sl.backtest(demo_ws, seg, "purchase", progress=False, **kw)  # no audit: unnoticed
    assert len(leaky) == 13


# -- sweeps --------------------------------------------------------------------------------


def test_sweep_names_params_and_backtest(demo_ws):
    sw = sl.sweep(templates.newsletter_readers, min_opens=[1, 3], within=["7d", "30d"])
    assert sw.names == (
        "newsletter_readers(min_opens=1, within='7d')",
        "newsletter_readers(min_opens=1, within='30d')",
        "newsletter_readers(min_opens=3, within='7d')",
        "newsletter_readers(min_opens=3, within='30d')",
    )
    assert sw[3].rule == templates.newsletter_readers(min_opens=3, within="30d").rule
    frame = sl.backtest(
        demo_ws, sw, sl.event("email_click"), start="2025-05-05", end="2025-05-26",
        every="1w", horizon="1w", progress=False,
    )  # fmt: skip
    assert frame["segment"].unique().tolist() == list(sw.names)
    table = frame.summary().merge(sw.params, on="segment")
    assert set(table["min_opens"]) == {1, 3} and len(table) == 4
    # fewer opens required: at least as many members (the same window)
    m = dict(zip(table["segment"], table["members"]))
    assert m[sw.names[0]] >= m[sw.names[2]] and m[sw.names[1]] >= m[sw.names[3]]


def test_sweep_of_a_lambda_and_bad_input():
    sw = sl.sweep(lambda n: sl.event("purchase").count(within="30d") >= n, n=range(1, 4))
    assert sw.names == ("<lambda>(n=1)", "<lambda>(n=2)", "<lambda>(n=3)")
    with pytest.raises(InvalidValueError, match="at least one parameter"):
        sl.sweep(templates.dormant)
    with pytest.raises(InvalidValueError, match="no values for 'n'"):
        sl.sweep(lambda n: sl.field("a") == n, n=[])
    with pytest.raises(InvalidValueError, match="must return a Segment or a rule"):
        sl.sweep(lambda n: n, n=[1])


# -- statistics, against published values -----------------------------------------------------


@pytest.mark.parametrize(
    ("x", "n", "lo", "hi"),
    # Newcombe, R. G. (1998), Statistics in Medicine 17, 857-872, Table I, method 3
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe(x, n, lo, hi):
    got = an.wilson(x, n)
    assert round(got[0], 4) == lo and round(got[1], 4) == hi


def test_wilson_edges():
    assert all(math.isnan(v) for v in an.wilson(0, 0))
    lo, hi = an.wilson(20, 20)
    assert hi == 1.0 and round(lo, 4) == 0.8389  # mirror of 0/20


def test_two_proportion_test_known_values():
    # 30/100 vs 20/100: chi-square without correction 2.6667, p = 0.1025
    z, p = an.two_proportion_test(30, 100, 20, 100)
    assert z**2 == pytest.approx(8 / 3) and round(p, 4) == 0.1025
    z, p = an.two_proportion_test(0, 1, 0, 1)
    assert math.isnan(z) and math.isnan(p)  # no variance
    assert all(math.isnan(v) for v in an.two_proportion_test(1, 0, 3, 4))


def test_benjamini_hochberg_matches_r_p_adjust():
    # R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "BH") -> 0.02 0.04 0.04 0.02
    assert an.benjamini_hochberg([0.01, 0.04, 0.03, 0.005]) == pytest.approx(
        [0.02, 0.04, 0.04, 0.02]
    )
    # R: p.adjust(c(0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205), "BH")
    got = an.benjamini_hochberg([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205])
    assert np.round(got, 4).tolist() == [0.008, 0.032, 0.0672, 0.0672, 0.0672, 0.08, 0.0846, 0.205]
    q = an.benjamini_hochberg([0.02, float("nan"), 0.01])
    assert q[0] == pytest.approx(0.02) and math.isnan(q[1]) and q[2] == pytest.approx(0.02)
