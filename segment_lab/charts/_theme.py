"""The look of segment_lab charts: palette, Altair theme, colour scales and time axes.

Colours have fixed meanings across every chart (entries green, exits red-orange, size
dark blue, alerts magenta or purple) and are passed to each chart's scales explicitly, so
a chart looks the same whichever Altair theme is active.  The ``segment_lab`` theme only
adds fonts, sizes and grid styling; :func:`segment_lab.charts.save` always renders with
it, so exported files are stable.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import altair as alt
import pandas as pd

THEME = "segment_lab"
WIDTH = 640

SIZE = "#1f3a68"
ENTERED = "#2e9e5b"
EXITED = "#d9502f"
ALERT = {"growing": "#c2185b", "shrinking": "#6a1b9a"}
HIGHLIGHT = "#c2185b"
MUTED = "#dedede"
NONE_STATE = "#a6a6a6"
RULE = "#777777"
INK_DARK = "#222222"
INK_LIGHT = "#ffffff"

#: Lifecycle statuses in legend order, with their colours.
STATUS = {
    "new": "#2e9e5b",
    "returning": "#3c6fb4",
    "resurrecting": "#f2a93b",
    "dormant": "#d9502f",
}

#: Colours for segments (Tableau 10), given in order of first appearance in a frame.
CATEGORY = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
)  # fmt: skip


@alt.theme.register(THEME, enable=False)
def segment_lab_theme() -> alt.theme.ThemeConfig:
    """Readable fonts, a light grid, 640 px wide views and the segment palette."""
    axis = {
        "labelFontSize": 12,
        "titleFontSize": 13,
        "titleFontWeight": "normal",
        "gridColor": "#ebebeb",
        "domainColor": "#888888",
        "tickColor": "#888888",
        "labelColor": "#333333",
        "titleColor": "#333333",
    }
    return alt.theme.ThemeConfig(
        config={
            "font": "sans-serif",
            "background": "white",
            "padding": 12,
            "view": {"continuousWidth": WIDTH, "continuousHeight": 300, "stroke": None},
            "title": {
                "fontSize": 16,
                "anchor": "start",
                "offset": 12,
                "subtitleFontSize": 12,
                "subtitleColor": "#555555",
            },
            "axis": axis,
            "legend": {"labelFontSize": 12, "titleFontSize": 12, "titleFontWeight": "normal"},
            "text": {"fontSize": 11},
            "range": {"category": list(CATEGORY)},
        }
    )


def enable_if_default() -> None:
    """Enable the theme unless the user already chose another one."""
    if alt.theme.active == "default":
        alt.theme.enable(THEME)


def category_scale(names: Sequence[str], none: str | None = None) -> alt.Scale:
    """Build a colour scale giving each name a fixed colour; ``none`` (if present) is grey."""
    colours, i = [], 0
    for name in names:
        if name == none:
            colours.append(NONE_STATE)
        else:
            colours.append(CATEGORY[i % len(CATEGORY)])
            i += 1
    return alt.Scale(domain=list(names), range=colours)


def fixed_scale(colours: dict[str, str]) -> alt.Scale:
    """Build a colour scale from a ``{value: colour}`` mapping, in its order."""
    return alt.Scale(domain=list(colours), range=list(colours.values()))


def ink() -> alt.ColorValue:
    """Text colour readable on a sequential scale: white where ``datum.dark``, else near-black."""
    return alt.condition("datum.dark", alt.value(INK_LIGHT), alt.value(INK_DARK))


def time_axis(periods: pd.Series, *, labels: bool = True) -> alt.Axis:
    """Build an axis whose ticks sit on the grid's own instants (every k-th), not on Sundays."""
    instants = pd.Series(pd.to_datetime(periods).unique()).sort_values()
    if instants.dt.normalize().ne(instants).any():
        fmt, room = "%b %d %H:%M", 6
    elif instants.dt.year.nunique() > 1:
        fmt, room = "%b %d '%y", 7
    else:
        fmt, room = "%b %d", 9
    every = max(1, math.ceil(len(instants) / room))
    values = [_datetime(t) for t in instants.iloc[::every]]
    return alt.Axis(values=values, format=fmt, labelAngle=0, labels=labels, ticks=labels)


def _datetime(t: pd.Timestamp) -> alt.DateTime:
    return alt.DateTime(
        year=t.year, month=t.month, date=t.day, hours=t.hour, minutes=t.minute, seconds=t.second
    )
