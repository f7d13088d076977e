"""The builder's panels: plain-language description, SQL, Python code, 90-day sparkline."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import ipywidgets as w

if TYPE_CHECKING:
    import pandas as pd

    from segment_lab.model import Rule

__all__ = ["Panels", "sparkline_svg"]

_TITLES = ("Description", "SQL", "Python", "Size, 90 days")


def _pre(text: str) -> str:
    return f'<pre style="white-space:pre-wrap;max-height:240px;overflow:auto">{html.escape(text)}</pre>'


def sparkline_svg(sizes: list[int], width: int = 360, height: int = 48) -> str:
    """Return an inline SVG polyline of ``sizes`` (no script, no download).

    Examples
    --------
    >>> sparkline_svg([1, 3, 2]).startswith("<svg")
    True
    """
    if not sizes:
        return "<svg></svg>"
    lo, hi = min(sizes), max(sizes)
    span = (hi - lo) or 1
    step = width / max(len(sizes) - 1, 1)
    points = " ".join(
        f"{i * step:.1f},{height - 2 - (s - lo) / span * (height - 4):.1f}"
        for i, s in enumerate(sizes)
    )
    return (
        f'<svg class="sl-sparkline" width="{width}" height="{height}" role="img">'
        f'<polyline fill="none" stroke="#4c78a8" stroke-width="1.5" points="{points}"/></svg>'
    )


class Panels:
    """Tabs under the builder; text is escaped, nothing runs in the page."""

    def __init__(self) -> None:
        self.description = w.HTML()
        self.sql = w.HTML("<i>counting…</i>")
        self.python = w.HTML()
        self.history = w.HTML("<i>counting…</i>")
        self.widget = w.Tab(children=[self.description, self.sql, self.python, self.history])
        self.widget.titles = _TITLES

    def show_rule(self, rule: Rule | None, code: str) -> None:
        """Show the description and code of ``rule`` now; SQL and history follow the count."""
        if rule is None:
            self.description.value = "<i>no valid rule yet</i>"
            self.python.value = ""
        else:
            self.description.value = f'<p class="sl-description">{html.escape(rule.describe())}</p>'
            self.python.value = _pre(code)
        self.sql.value = self.history.value = "<i>counting…</i>"

    def show(self, stage: str, value: Any) -> None:
        """Show the result of a stage of the count (``sql`` or ``history``)."""
        if stage == "sql":
            self.sql.value = _pre(value)
        elif stage == "history":
            self.history.value = _history_html(value)


def _history_html(frame: pd.DataFrame) -> str:
    sizes = [int(s) for s in frame["size"]]
    first, last = frame["period"].iloc[0], frame["period"].iloc[-1]
    label = html.escape(
        f"{first:%Y-%m-%d} … {last:%Y-%m-%d}: {min(sizes):,} to {max(sizes):,} members"
    )
    return f"{sparkline_svg(sizes)}<br><small>{label}</small>"
