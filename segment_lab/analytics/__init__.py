"""Segment intelligence: trends and alerts, overlap, transitions, funnel, lifecycle, retention.

Every function takes a :class:`~segment_lab.Workspace` first and returns a tidy pandas
frame; the definitions are in ``docs/analytics.md`` and :mod:`segment_lab.charts` draws
them.
"""

from __future__ import annotations

from segment_lab.analytics._cohorts import STATUSES, lifecycle, retention
from segment_lab.analytics._snapshot import IN_NONE, funnel, overlap, transitions
from segment_lab.analytics._trends import add_trend_columns, alerts, detect_alerts, trends

__all__ = [
    "IN_NONE",
    "STATUSES",
    "add_trend_columns",
    "alerts",
    "detect_alerts",
    "funnel",
    "lifecycle",
    "overlap",
    "retention",
    "transitions",
    "trends",
]


def __dir__() -> list[str]:
    """List the public names only (tab completion hides the imports)."""
    return sorted(__all__)
