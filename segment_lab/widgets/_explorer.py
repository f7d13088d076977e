"""SegmentExplorer: how catalog segments changed over a span, who moved, how they overlap."""

from __future__ import annotations

import datetime as dt
import html
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from segment_lab.engine import interrupt
from segment_lab.errors import InvalidValueError, SegmentLabError
from segment_lab.widgets._builder import SegmentBuilder, _error_html
from segment_lab.widgets._counter import Counter

if TYPE_CHECKING:
    import pandas as pd

    from segment_lab.model import Catalog, Segment
    from segment_lab.workspace import Workspace

__all__ = ["SegmentExplorer"]

GRIDS = ("1d", "1w", "1mo")
#: Rows of the movers table shown per segment.
MOVERS_SHOWN = 20
#: Seconds of quiet after a change of the pickers before the computation starts.
DEBOUNCE = 0.3


class SegmentExplorer(w.VBox):
    """Pick segments, a date range and a grid; see size, entries, exits, alerts, movers, overlap.

    The charts are the package's own (:func:`segment_lab.charts.size_chart` with the
    alerts of :func:`segment_lab.analytics.alerts`, :func:`~segment_lab.charts.overlap_heatmap`),
    shown offline.  They are computed on a worker thread, as the builder's count is:
    when the explorer opens and after each change of the pickers (debounced), or on
    "show"; the status says "computing…" meanwhile, and a newer selection supersedes an
    older one (its DuckDB query is interrupted, its results are never shown).  "edit"
    opens the first selected segment in a :class:`SegmentBuilder`.

    Parameters
    ----------
    ws : Workspace
        The data.
    catalog : Catalog, optional
        The segments to pick from (default: the workspace's catalog).
    debounce : float
        Seconds of quiet after a change of the pickers before computing (default 0.3).

    Attributes
    ----------
    history, alerts, movers, overlap : pandas.DataFrame or None
        What the last computation found (``movers`` holds every segment's entries and
        exits, with a ``segment`` column; ``overlap`` is None for one segment); all None
        while computing.
    figures : list of altair charts
        The size charts drawn, one per picked segment.
    builder : SegmentBuilder or None
        The builder opened by "edit".

    Examples
    --------
    >>> import segment_lab as sl
    >>> from segment_lab.widgets import SegmentExplorer
    >>> explorer = SegmentExplorer(sl.Workspace.demo())
    >>> explorer.segments.value = ("churn-risk", "dormant")
    >>> explorer.wait()
    >>> sorted(explorer.history["segment"].unique())
    ['churn-risk', 'dormant']
    >>> explorer.close()
    """

    def __init__(
        self, ws: Workspace, catalog: Catalog | None = None, *, debounce: float = DEBOUNCE
    ) -> None:
        super().__init__()
        catalog = catalog if catalog is not None else ws.catalog
        if catalog is None or not len(catalog):
            raise InvalidValueError(
                "SegmentExplorer needs segments: pass catalog= or a workspace with a catalog "
                "(ws.with_catalog(...))."
            )
        self.ws, self.catalog = ws.with_catalog(catalog), catalog
        self.history = self.alerts = self.movers = self.overlap = None
        self.builder: SegmentBuilder | None = None
        self.figures: list = []
        self._error: Exception | None = None
        names = list(catalog.names)
        self.segments = w.SelectMultiple(options=names, value=names[:1], description="segments",
                                         rows=min(len(names), 6))  # fmt: skip
        self.start = w.Text(value="-180d", description="from", layout=w.Layout(width="200px"))
        self.end = w.Text(
            value="", placeholder="now", description="to", layout=w.Layout(width="200px")
        )
        self.every = w.Dropdown(options=GRIDS, value="1w", description="every",
                                layout=w.Layout(width="160px"))  # fmt: skip
        self.show_button = w.Button(description="show", button_style="primary")
        self.edit_button = w.Button(description="edit")
        self.show_button.on_click(lambda _: self.show())
        self.edit_button.on_click(lambda _: self.edit())
        self.message = w.HTML()
        self.status = w.HTML()
        self.charts = w.VBox()
        self.movers_html = w.HTML()
        self.overlap_out = w.VBox()
        self.editor = w.VBox()
        tabs = w.Tab(children=[self.charts, self.movers_html, self.overlap_out, self.editor])
        tabs.titles = ("size, entries, exits", "movers", "overlap", "edit")
        self.tabs = tabs
        controls = w.VBox([w.HBox([self.segments, w.VBox([self.start, self.end, self.every])]),
                           w.HBox([self.show_button, self.edit_button, self.status,
                                   self.message])])  # fmt: skip
        self.children = [controls, tabs]
        self.add_class("sl-explorer")
        contacts = self.ws.tables.contacts
        self._counter = Counter(
            self._publish, lambda: interrupt(contacts, self._counter.thread), debounce, "done"
        )
        for picker in (self.segments, self.start, self.end, self.every):
            picker.observe(lambda _: self.show(), "value")
        self.show()

    def _picked(self, names: tuple[str, ...] | None = None) -> list[Segment]:
        names = self.segments.value if names is None else names
        if not names:
            raise InvalidValueError("Pick at least one segment.")
        return [self.catalog[name] for name in names]

    def show(self) -> None:
        """Compute and draw the charts, the movers and the overlap for the picked segments.

        The work runs on the explorer's worker thread: this returns at once (see
        :meth:`wait`).  A mistake in the pickers is a message, never a traceback.
        """
        names, every = tuple(self.segments.value), self.every.value
        span: dict[str, Any] = {
            "start": self.start.value.strip(),
            "end": self.end.value.strip() or None,
        }

        def computing() -> None:  # under the worker's lock: no older result lands after it
            self.history = self.alerts = self.movers = self.overlap = None
            self._error = None
            self.message.value = ""
            self.status.value = '<span class="sl-status" data-state="computing">computing…</span>'

        self._counter.submit(lambda: self._job(names, span, every), computing)

    def wait(self, timeout: float = 120) -> None:
        """Block until what the explorer shows is computed for the current pickers.

        Raises
        ------
        SegmentLabError
            When the computation failed (the message is also shown in the explorer).
        TimeoutError
            When it takes longer than ``timeout`` seconds.
        """
        if not self._counter.wait(timeout):
            raise TimeoutError(f"The explorer did not finish within {timeout} seconds.")
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        """Stop the worker thread (and the builder's, if one is open) and close the widgets."""
        if hasattr(self, "_counter"):
            self._counter.close()
        if getattr(self, "builder", None) is not None:
            self.builder.close()
        super().close()

    def _job(self, names: tuple[str, ...], span: dict[str, Any], every: str) -> Iterator:
        """Yield the stages of one computation (on the worker thread)."""
        from segment_lab import analytics, charts

        started = time.perf_counter()
        picked, ws = self._picked(names), self.ws
        history = ws.history(picked, every=every, progress=False, **span)
        yield "history", history  # each stage ends where a newer selection takes over
        alerts = analytics.alerts(ws, picked, every=every, progress=False, **span)
        yield "alerts", (alerts, [charts.size_chart(history, alerts, segment=n) for n in names])
        yield "movers", _movers(ws, picked, span)
        overlap = analytics.overlap(ws, picked, as_of=span["end"]) if len(picked) > 1 else None
        yield "overlap", overlap
        yield "done", time.perf_counter() - started

    def _publish(self, stage: str, value: Any) -> None:
        """Show one stage's result (on the worker thread, only for the newest selection)."""
        from segment_lab import charts

        if stage == "history":
            self.history = value
        elif stage == "alerts":
            self.alerts, self.figures = value
            charts.enable_offline()
            self.charts.children = [_chart_widget(f) for f in self.figures]
        elif stage == "movers":
            self.movers = value
            self.movers_html.value = _movers_html(value)
        elif stage == "overlap":
            self.overlap = value
            self.overlap_out.children = [
                w.HTML("<i>pick two segments or more to see their overlap</i>")
                if value is None
                else _chart_widget(charts.overlap_heatmap(value))
            ]
        elif stage == "error":
            self._error = value
            self.message.value = _error_html(str(value))
            self.status.value = '<span class="sl-status" data-state="error">not computed</span>'
        else:  # "done"
            clock = dt.datetime.now().strftime("%H:%M:%S")
            self.status.value = (
                f'<span class="sl-status" data-state="fresh">✓ computed at {clock} in '
                f"{value:.2f} s</span>"
            )

    def edit(self) -> SegmentBuilder | None:
        """Open the first picked segment in a builder (the "edit" tab)."""
        try:
            segment = self._picked()[0]
        except SegmentLabError as exc:
            self.message.value = _error_html(str(exc))
            return None
        if self.builder is not None:
            self.builder.close()
        self.builder = SegmentBuilder(self.ws, segment, as_of=self.end.value.strip() or None)
        self.editor.children = [self.builder]
        self.tabs.selected_index = 3
        return self.builder


def _chart_widget(chart: Any) -> w.Widget:
    """Return a widget drawing ``chart`` offline: Altair's JupyterChart, else a static SVG."""
    import importlib.util

    if importlib.util.find_spec("anywidget") is not None:
        import altair as alt

        return alt.JupyterChart(chart, offline=True)
    import vl_convert

    return w.HTML(vl_convert.vegalite_to_svg(chart.to_json()))


def _movers(ws: Workspace, picked: list[Segment], span: dict[str, Any]) -> pd.DataFrame:
    import pandas as pd

    frames = [ws.changes(seg, **span).assign(segment=seg.name) for seg in picked]
    return pd.concat(frames, ignore_index=True)


def _movers_html(movers: pd.DataFrame) -> str:
    parts = []
    for name, frame in movers.groupby("segment", sort=False):
        head = frame.drop(columns="segment").head(MOVERS_SHOWN)
        table = head.to_html(index=False, escape=True, border=0)
        more = f"<p><i>{len(frame) - len(head):,} more</i></p>" if len(frame) > len(head) else ""
        parts.append(f"<h4>{html.escape(str(name))}: {len(frame):,} changes</h4>{table}{more}")
    return "".join(parts) or "<i>no entries or exits in this span</i>"
