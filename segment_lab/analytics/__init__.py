"""Segment intelligence: trends and alerts, overlap, transitions, funnel, lifecycle, retention, backtests.

Every function takes a :class:`~segment_lab.Workspace` first and returns a tidy pandas
frame; the definitions are in ``docs/analytics.md`` and :mod:`segment_lab.charts` draws
them.
"""

from __future__ import annotations

from segment_lab.analytics._backtest import BacktestFrame, backtest, summarize
from segment_lab.analytics._cohorts import STATUSES, lifecycle, retention
from segment_lab.analytics._snapshot import IN_NONE, funnel, overlap, transitions
from segment_lab.analytics._stats import benjamini_hochberg, two_proportion_test, wilson
from segment_lab.analytics._sweep import Sweep, sweep
from segment_lab.analytics._trends import add_trend_columns, alerts, detect_alerts, trends

__all__ = [
    "IN_NONE",
    "STATUSES",
    "BacktestFrame",
    "Sweep",
    "add_trend_columns",
    "alerts",
    "backtest",
    "benjamini_hochberg",
    "detect_alerts",
    "funnel",
    "lifecycle",
    "overlap",
    "retention",
    "summarize",
    "sweep",
    "transitions",
    "trends",
    "two_proportion_test",
    "wilson",
]


def __dir__() -> list[str]:
    """List the public names only (tab completion hides the imports)."""
    return sorted(__all__)
