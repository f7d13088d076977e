"""SegmentExplorer: how catalog segments changed over a span, who moved, how they overlap."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from segment_lab.errors import InvalidValueError, SegmentLabError
from segment_lab.widgets._builder import SegmentBuilder

if TYPE_CHECKING:
    import pandas as pd

    from segment_lab.model import Catalog, Segment
    from segment_lab.workspace import Workspace

__all__ = ["SegmentExplorer"]

GRIDS = ("1d", "1w", "1mo")
#: Rows of the movers table shown per segment.
MOVERS_SHOWN = 20


class SegmentExplorer(w.VBox):
    """Pick segments, a date range and a grid; see size, entries, exits, alerts, movers, overlap.

    The charts are the package's own (:func:`segment_lab.charts.size_chart` with the
    alerts of :func:`segment_lab.analytics.alerts`, :func:`~segment_lab.charts.overlap_heatmap`),
    shown offline.  "edit" opens the first selected segment in a :class:`SegmentBuilder`.

    Parameters
    ----------
    ws : Workspace
        The data.
    catalog : Catalog, optional
        The segments to pick from (default: the workspace's catalog).

    Attributes
    ----------
    history, alerts, movers, overlap : pandas.DataFrame or None
        What the last "show" computed (``movers`` holds every segment's entries and
        exits, with a ``segment`` column).
    figures : list of altair charts
        The size charts drawn by the last "show", one per picked segment.
    builder : SegmentBuilder or None
        The builder opened by "edit".

    Examples
    --------
    >>> import segment_lab as sl
    >>> from segment_lab.widgets import SegmentExplorer
    >>> explorer = SegmentExplorer(sl.Workspace.demo())
    >>> explorer.segments.value = ("churn-risk", "dormant")
    >>> explorer.show()
    >>> sorted(explorer.history["segment"].unique())
    ['churn-risk', 'dormant']
    """

    def __init__(self, ws: Workspace, catalog: Catalog | None = None) -> None:
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
        self.charts = w.VBox()
        self.movers_html = w.HTML()
        self.overlap_out = w.VBox()
        self.editor = w.VBox()
        tabs = w.Tab(children=[self.charts, self.movers_html, self.overlap_out, self.editor])
        tabs.titles = ("size, entries, exits", "movers", "overlap", "edit")
        self.tabs = tabs
        controls = w.VBox([w.HBox([self.segments, w.VBox([self.start, self.end, self.every])]),
                           w.HBox([self.show_button, self.edit_button, self.message])])  # fmt: skip
        self.children = [controls, tabs]
        self.add_class("sl-explorer")

    def _picked(self) -> list[Segment]:
        if not self.segments.value:
            raise InvalidValueError("Pick at least one segment.")
        return [self.catalog[name] for name in self.segments.value]

    def show(self) -> None:
        """Compute and draw the charts, the movers and the overlap for the picked segments."""
        self.message.value = ""
        try:
            self._compute(self._picked())
        except SegmentLabError as exc:
            self.message.value = (
                f'<span class="sl-error" style="color:#b00020">{html.escape(str(exc))}</span>'
            )
            return
        self._draw()

    def _compute(self, picked: list[Segment]) -> None:
        from segment_lab import analytics

        ws, end = self.ws, self.end.value.strip() or None
        span: dict[str, Any] = {"start": self.start.value.strip(), "end": end}
        self.history = ws.history(picked, every=self.every.value, progress=False, **span)
        self.alerts = analytics.alerts(ws, picked, every=self.every.value, progress=False, **span)
        self.movers = _movers(ws, picked, span)
        self.overlap = analytics.overlap(ws, picked, as_of=end) if len(picked) > 1 else None

    def _draw(self) -> None:
        from segment_lab import charts

        charts.enable_offline()
        self.figures = [
            charts.size_chart(self.history, self.alerts, segment=n) for n in self.segments.value
        ]
        self.charts.children = [_chart_widget(f) for f in self.figures]
        self.movers_html.value = _movers_html(self.movers)
        if self.overlap is None:
            self.overlap_out.children = [
                w.HTML("<i>pick two segments or more to see their overlap</i>")
            ]
        else:
            self.overlap_out.children = [_chart_widget(charts.overlap_heatmap(self.overlap))]

    def edit(self) -> SegmentBuilder | None:
        """Open the first picked segment in a builder (the "edit" tab)."""
        try:
            segment = self._picked()[0]
        except SegmentLabError as exc:
            self.message.value = f'<span class="sl-error">{html.escape(str(exc))}</span>'
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
