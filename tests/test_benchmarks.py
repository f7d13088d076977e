"""The benchmark modules at small scale: history plan rows, targets, scaling, rendering.

The benchmarks check their own numbers as they run (a history's sizes against as-of
counts, the plans against each other) and raise when they differ; these tests run them
on the sample and tiny databases, cheaply, and check the bookkeeping around them
(targets, growth, rendering) against hand-computed values.
"""

from __future__ import annotations

import sys
import types

import pytest

from benchmarks import _render_history, history, scaling
from segment_lab.engine._batched import HISTORY_PLANS


@pytest.fixture(scope="module")
def small_history():
    """The history benchmark on the sample data: one segment, the weekly and monthly grids."""
    return history.run(
        "sample", repeat=1, segments=["count in window"], grids=["weekly", "monthly"], twenty=False
    )


def test_history_rows_cover_each_grid_with_the_naive_loop_at_every_point(small_history):
    rows = small_history["plans"]
    assert [(r["segment"], r["grid"], r["points"]) for r in rows] == [
        ("count in window", "weekly", 52),
        ("count in window", "monthly", 12),
    ]
    for r in rows:
        assert r["plan"] in HISTORY_PLANS and r["plan"] != "auto"
        assert r["naive_points_timed"] == r["points"]  # sparse grids: every point, checked
        assert set(r["others_s"]) == set(r["estimates"]) - {r["plan"]}
        assert r["events"] > 0 and r["order_s"] > 0
        assert r["plan_vs_naive"] == pytest.approx(r["plan_s"] / r["naive_s"])
        assert r["plan_vs_order"] == pytest.approx(r["plan_s"] / r["order_s"])


def test_history_renders_every_row_and_target(small_history):
    text = "\n".join(_render_history.render_history(small_history))
    assert "| count in window | weekly | 52 |" in text
    assert "| count in window | monthly | 12 |" in text
    met = {True: "met", False: "not met", None: "not measured"}
    for t in small_history["targets"]:
        assert f"| {t['target']} | {met[t['met']]} | {t['measured']} |" in text


def _row(grid, plan_s, naive_s, asof_s=1.0, order_s=None, segment="s"):
    r = {"segment": segment, "grid": grid, "plan_s": plan_s, "naive_s": naive_s}
    r.update(plan_vs_naive=plan_s / naive_s, naive_vs_plan=naive_s / plan_s)
    r.update(asof_s=asof_s, plan_vs_asof=plan_s / asof_s)
    if order_s is not None:
        r.update(order_s=order_s, plan_vs_order=plan_s / order_s, order_vs_asof=order_s / asof_s)
    return r


def test_targets_met_and_not_met_by_hand_made_rows():
    rows = [
        _row("hourly", 3.0, 60.0, asof_s=1.0, order_s=2.0),  # 3× as-of, 1.5× floor: both met
        _row("daily", 5.0, 50.0, asof_s=1.0, order_s=2.0),  # 2.5× the floor: not met
        _row("weekly", 1.0, 4.0),  # 4× the naive loop: < 5×
        _row("monthly", 1.5, 1.0),  # slower than the loop and than weekly
    ]
    got = {t["target"]: t for t in history.targets(rows, peak_rss_gib=4.5)}
    by_start = {k.split(" (")[0].split(" wherever")[0]: v for k, v in got.items()}
    assert by_start["never slower than the naive loop"]["failing"] == ["s monthly 1.50"]
    assert by_start["never slower than the naive loop"]["measured"] == "0.05 to 1.50 over 4 rows"
    assert by_start["≥ 5× the naive loop at 52 weekly points"]["failing"] == ["s weekly 4.0×"]
    assert by_start["monthly no slower than weekly"]["failing"] == ["s monthly 1.50"]
    assert by_start["dense grids within 2× the order floor"]["failing"] == ["s daily 2.5×"]
    assert by_start["hourly ≤ 4× one as-of"]["met"] is True
    assert by_start["peak memory of the history benchmark ≤ 4 GiB"]["met"] is False
    assert history.targets(rows[:1], 1.0)[1]["met"] is None  # no weekly row: not measured


def test_timed_runs_slow_calls_once(monkeypatch):
    calls = []
    assert history._timed(lambda: calls.append(1) or len(calls), 3)[1:] == (3, 4)
    monkeypatch.setattr(history, "SLOW_S", -1.0)  # every call counts as slow
    calls.clear()
    assert history._timed(lambda: calls.append(1) or len(calls), 3)[1:] == (1, 1)


def test_history_plans_hook_rows_are_included_and_rendered(monkeypatch):
    fake = types.ModuleType("benchmarks.history_plans")
    fake.rows = lambda ws, segments, end: [{"segment": "x", "repeat_ms": 1.25}]
    monkeypatch.setitem(sys.modules, "benchmarks.history_plans", fake)
    rows = history._plan_hook(None, [], None)
    assert rows == [{"segment": "x", "repeat_ms": 1.25}]
    assert _render_history._generic(rows)[-1] == "| x | 1.250 |"


def test_scaling_growth_by_hand():
    rows = [
        {"segment": "a", "contacts": 100, "asof_s": 1.0, "daily_s": 2.0, "weekly_s": 1.0,
         "peak_rss_gib": 1.0, "base_rss_gib": 0.5},
        {"segment": "a", "contacts": 1000, "asof_s": 5.0, "daily_s": 40.0, "weekly_s": 10.0,
         "peak_rss_gib": 3.0, "base_rss_gib": 0.5},
    ]  # fmt: skip
    scaling._growth(rows)
    assert rows[1]["asof_growth"] == pytest.approx(0.5)  # 5× the time for 10× the contacts
    assert rows[1]["daily_growth"] == pytest.approx(2.0)
    assert rows[1]["weekly_growth"] == pytest.approx(1.0)
    assert rows[0]["kib_per_contact"] == pytest.approx(0.5 * 1024**2 / 100)
    assert rows[1]["memory_growth"] == pytest.approx((2.5 / 1000) / (0.5 / 100))
    assert rows[1]["daily_us_per_contact"] == pytest.approx(40.0 / 1000 * 1e6)


def test_scaling_runs_each_segment_in_its_own_process():
    res = scaling.run(scales="tiny", segments=["sum"], repeat=1)
    (row,) = res["rows"]
    assert (row["scale"], row["segment"], row["contacts"]) == ("tiny", "sum", 200)
    assert row["peak_rss_gib"] >= row["base_rss_gib"] > 0
    text = "\n".join(_render_history.render_scaling(res))
    assert "| sum | tiny |" in text
    memory = "\n".join(_render_history.render_memory({"scaling": res}))
    assert f"| scaling | tiny | {row['peak_rss_gib']:.2f} |" in memory


def test_scaling_rejects_an_unknown_scale():
    with pytest.raises(SystemExit, match="Unknown scale '3M'"):
        scaling._size("3M")


def test_a_forced_plan_over_its_budget_is_interrupted_and_rendered(monkeypatch):
    """A real DuckDB query that would run for hours is interrupted after OTHER_MAX_S."""
    import segment_lab as sl
    from segment_lab.engine import execute

    ws = sl.Workspace.demo()
    c = ws.tables.contacts.select("contact_id")
    endless = c.cross_join(c.rename(b="contact_id")).cross_join(c.rename(d="contact_id")).count()

    class Slow:
        tables = ws.tables

        def history(self, *args, **kwargs):
            return execute(endless)

    monkeypatch.setattr(history, "OTHER_MAX_S", 0.5)
    got = history._forced(Slow(), None, (), None, "x", "bitmask", "batched")
    assert got == history.STOPPED
    row = {"others_s": {"batched": got}, "estimates": {"batched": 2.0, "bitmask": 1.0},
           "plan": "bitmask", "other_max_s": 0.5}  # fmt: skip
    assert _render_history._others(row) == "batched: stopped after 0.5 s"


def test_a_plan_not_run_because_it_does_not_suit_is_rendered():
    row = {"others_s": {"bitmask": None, "intervals": None}, "plan": "batched",
           "estimates": {"batched": 10.0, "intervals": 200.0}}  # fmt: skip
    assert _render_history._others(row) == (
        "bitmask: not run (does not suit); intervals: not run (est. 20× the rows)"
    )


def test_analytics_rows_on_weekly_grids_agree_with_their_baselines_on_the_sample():
    """The lifecycle and retention rows check segment_lab against pandas / set baselines
    on Monday-aligned weeks (the rows raise when the numbers differ)."""
    from benchmarks import analytics

    rows = analytics.run("sample", repeat=1, only=("lifecycle", "retention"))["rows"]
    assert [r["analysis"] for r in rows] == ["lifecycle", "retention"]
    assert all(r["segment_lab_s"] > 0 and r["baseline_s"] > 0 for r in rows)
