"""Everything the dashboard shows, computed from a workspace as plain Python values.

The template only formats what is gathered here: numbers come from ``Workspace.count``,
``Workspace.history``, ``Workspace.changes`` and :mod:`segment_lab.analytics`, aggregated
before anything is embedded (no contact-level rows except the short movers tables).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from segment_lab import analytics, charts
from segment_lab.dashboard._specs import ChartSpec, chart_spec, sparkline_points
from segment_lab.errors import InvalidValueError
from segment_lab.model import Catalog, Segment

#: Contact attributes shown in the movers tables, in this order of preference.
KEY_ATTRIBUTES = ("email", "first_name", "name", "city", "country", "lifecycle_stage", "plan")
#: Rows per direction in a movers table.
MOVERS = 10
#: How far back the movers, transitions and the longer net change look.
MONTH = dt.timedelta(days=30)
WEEK = dt.timedelta(days=7)


@dataclass
class SegmentView:
    """One segment's tile and section."""

    name: str
    anchor: str
    description: str
    tags: tuple[str, ...]
    plain: str
    hash: str
    json: str
    sql: str
    size: int
    change_7d: int
    change_30d: int
    trend: str
    sparkline: str
    chart: ChartSpec
    table: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    movers_columns: list[str]
    entered: list[dict[str, Any]] = field(default_factory=list)
    exited: list[dict[str, Any]] = field(default_factory=list)
    entered_total: int = 0
    exited_total: int = 0


@dataclass
class BacktestView:
    """The backtest section: the pooled table, the lift-over-time chart and its numbers."""

    outcome: str
    horizon: str
    every: str
    first: dt.datetime
    last: dt.datetime
    snapshots: int
    summary: list[dict[str, Any]]
    chart: ChartSpec | None
    table: list[dict[str, Any]]


@dataclass
class Dashboard:
    """The whole page."""

    title: str
    as_of: dt.datetime
    start: dt.datetime
    end: dt.datetime
    every: str
    generated: dt.datetime
    data_range: tuple[Any, Any] | None
    contacts: int
    segments: list[SegmentView]
    alerts: list[dict[str, Any]]
    earlier_alerts: int
    overlap: ChartSpec | None
    overlap_table: dict[str, Any] | None
    transitions: ChartSpec | None
    transitions_table: list[dict[str, Any]]
    transitions_start: dt.datetime
    backtest: BacktestView | None = None

    @property
    def charts(self) -> list[ChartSpec]:
        """Every Vega chart of the page, in page order."""
        out = [s.chart for s in self.segments]
        out += [c for c in (self.overlap, self.transitions) if c is not None]
        return out + ([self.backtest.chart] if self.backtest and self.backtest.chart else [])


def resolve_catalog(ws: Any, catalog: Any) -> Catalog | Segments:
    """Return the catalog to show: the argument, else the workspace's; never empty."""
    if catalog is None:
        catalog = ws.catalog
    elif not isinstance(catalog, Catalog):
        items = list(catalog)
        if not all(isinstance(s, Segment) for s in items):
            raise InvalidValueError(
                "dashboard: catalog= takes a Catalog or a list of Segments (named segments: "
                "a bare rule has no name to show)."
            )
        if not items:
            raise _none()
        return Segments(items)
    if catalog is None or len(catalog) == 0:
        raise _none()
    return catalog


class Segments(tuple):
    """The segments a dashboard shows, given as a list.

    Their ``in_segment`` references resolve in the workspace's catalog, which
    :func:`segment_lab.dashboard.to_html` merges them into.
    """

    @property
    def names(self) -> tuple[str, ...]:
        """The segments' names, in order."""
        return tuple(s.name for s in self)


def _none() -> InvalidValueError:
    return InvalidValueError(
        "dashboard: no segments to show: pass catalog= (a Catalog, or a list of "
        "Segments) or use a workspace with a catalog (ws.with_catalog(...))."
    )


def gather(
    ws: Any,
    catalog: Catalog,
    *,
    start: Any,
    end: Any,
    every: str,
    title: str | None,
    progress: Iterable[Segment],
    backtest: pd.DataFrame | None = None,
) -> Dashboard:
    """Compute the page: KPI tiles, alerts, sections, overlap and transitions."""
    as_of = ws.instant(end, "end")
    first = as_of - dt.timedelta(days=90) if start is None else ws.instant(start, "start")
    grid = ws.grid(first, as_of, every)
    sizes = _sizes(ws, catalog, as_of)
    histories = {}
    for seg in progress:
        histories[seg.name] = ws.history(seg, grid.start, grid.end, grid.every, progress=False)
    long = pd.concat([h.assign(segment=n) for n, h in histories.items()], ignore_index=True)
    found = analytics.detect_alerts(analytics.add_trend_columns(long), every=grid.every)
    found = found.sort_values(["period", "segment"], ascending=[False, True])
    views = [
        _segment_view(ws, seg, i, histories[seg.name], found, sizes, as_of)
        for i, seg in enumerate(catalog)
    ]
    overlap, overlap_table = _overlap(ws, catalog, as_of)
    since = as_of - MONTH
    flows, flows_table = _transitions(ws, catalog, since, as_of)
    return Dashboard(
        title=title or "Segment dashboard",
        as_of=as_of,
        start=grid.start,
        end=grid.end,
        every=every if isinstance(every, str) else str(grid.every),
        generated=dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
        data_range=_data_range(ws),
        contacts=int(ws.tables.contacts.count().execute()),
        segments=views,
        alerts=_alert_rows(found[found["period"] > as_of - MONTH], catalog),
        earlier_alerts=int((found["period"] <= as_of - MONTH).sum()),
        overlap=overlap,
        overlap_table=overlap_table,
        transitions=flows,
        transitions_table=flows_table,
        transitions_start=since,
        backtest=None if backtest is None else backtest_view(backtest),
    )


def _sizes(ws: Any, catalog: Catalog, as_of: dt.datetime) -> dict[str, list[int]]:
    """Each segment's size now, a week and a month ago.

    One count per segment and instant, by the segment's count plan (compiled once, run at
    the three instants): at a million contacts this takes about 60% of the time of one
    ``ws.sizes`` query per instant, whose frame joins every segment's events for every
    contact.
    """
    whens = (as_of, as_of - WEEK, as_of - MONTH)
    return {s.name: [int(ws.count(s, as_of=w)) for w in whens] for s in catalog}


def _trend(change: int) -> str:
    return "up" if change > 0 else "down" if change < 0 else "flat"


def _segment_view(
    ws: Any,
    seg: Segment,
    index: int,
    history: pd.DataFrame,
    found: pd.DataFrame,
    sizes: dict[str, list[int]],
    as_of: dt.datetime,
) -> SegmentView:
    now, week, month = sizes[seg.name]
    mine = found[found["segment"] == seg.name]
    label = (
        f"{seg.name}: members per period (top) and entries and exits per period (bottom), "
        f"{len(history)} periods from {history['period'].min():%Y-%m-%d} to "
        f"{history['period'].max():%Y-%m-%d}, {len(mine)} alerts marked."
    )
    marks = mine[["segment", "period", "direction", "severity", "z", "message"]]
    chart = chart_spec(
        charts.size_chart(history, marks if len(marks) else None, title=seg.name), label
    )
    alert_at = {pd.Timestamp(p): m for p, m in zip(mine["period"], mine["message"])}
    table = [
        {
            "period": r.period,
            "size": int(r.size),
            "entered": int(r.entered),
            "exited": int(r.exited),
            "alert": alert_at.get(pd.Timestamp(r.period), ""),
        }
        for r in history.itertuples()
    ]
    view = SegmentView(
        name=seg.name,
        anchor=f"segment-{index}",
        description=seg.description,
        tags=seg.tags,
        plain=seg.describe(),
        hash=seg.definition_hash,
        json=json.dumps(seg.to_dict(), indent=2, ensure_ascii=False),
        sql=ws.sql(seg, as_of=as_of),
        size=now,
        change_7d=now - week,
        change_30d=now - month,
        trend=_trend(now - month),
        sparkline=sparkline_points(history["size"].tolist()),
        chart=chart,
        table=table,
        alerts=[dict(r) for r in mine[["period", "severity", "message"]].to_dict("records")],
        movers_columns=[],
    )
    _add_movers(ws, seg, view, as_of)
    return view


def _add_movers(ws: Any, seg: Segment, view: SegmentView, as_of: dt.datetime) -> None:
    present = ws.tables.contacts.schema().names
    columns = [c for c in KEY_ATTRIBUTES if c in present][:3]
    moved = ws.changes(seg, as_of - MONTH, as_of, columns=columns, net=True)
    view.movers_columns = ["contact_id", *(c for c in columns if c in moved.columns)]
    for direction in ("entered", "exited"):
        rows = moved[moved["direction"] == direction]
        setattr(view, f"{direction}_total", len(rows))
        setattr(view, direction, rows.head(MOVERS)[view.movers_columns].to_dict("records"))


def _alert_rows(found: pd.DataFrame, catalog: Catalog) -> list[dict[str, Any]]:
    anchors = {s.name: f"segment-{i}" for i, s in enumerate(catalog)}
    rows = found[["segment", "period", "severity", "direction", "message"]].to_dict("records")
    for row in rows:
        row["anchor"] = anchors.get(row["segment"], "")
    return rows


def _overlap(ws: Any, catalog: Catalog, as_of: dt.datetime) -> tuple[ChartSpec | None, Any]:
    if len(catalog) < 2:
        return None, None
    frame = analytics.overlap(ws, list(catalog), as_of)
    names = list(catalog.names)
    label = (
        f"Overlap of {len(names)} segments at {as_of:%Y-%m-%d %H:%M}: a heatmap of the "
        "Jaccard index (members of both over members of either) for every pair."
    )
    spec = chart_spec(charts.overlap_heatmap(frame, title="Overlap (Jaccard index)"), label)
    both = {(r.segment_a, r.segment_b): int(r.both) for r in frame.itertuples()}
    table = {"names": names, "rows": [[both[(a, b)] for b in names] for a in names]}
    return spec, table


def _transitions(
    ws: Any, catalog: Catalog, start: dt.datetime, end: dt.datetime
) -> tuple[ChartSpec | None, list[dict[str, Any]]]:
    frame = analytics.transitions(ws, list(catalog), start, end)
    if int(frame["contacts"].sum()) == 0:
        return None, []
    label = (
        f"Transitions between segments from {start:%Y-%m-%d} to {end:%Y-%m-%d}: where the "
        "members of each segment at the start are at the end (a contact counts once, in the "
        "first segment of the catalog it belongs to)."
    )
    spec = chart_spec(charts.transition_chart(frame, title="Transitions over 30 days"), label)
    rows = frame[frame["contacts"] > 0].to_dict("records")
    return spec, [{"from": r["from"], "to": r["to"], "contacts": int(r["contacts"])} for r in rows]


def _data_range(ws: Any) -> tuple[Any, Any] | None:
    events = ws.tables.events
    if events is None:
        return None
    ts = events[ws.bindings.ts]
    lo, hi = events.aggregate(lo=ts.min(), hi=ts.max()).execute().iloc[0]
    return (None, None) if pd.isna(lo) else (pd.Timestamp(lo), pd.Timestamp(hi))


#: The columns a frame of ``sl.backtest`` must have for the backtest section.
BACKTEST_NEEDS = ("segment", "snapshot", "population", "members", "positives", "true_positives",
                  "precision", "recall", "lift", "base_rate", "precision_lo", "precision_hi",
                  "recall_lo", "recall_hi")  # fmt: skip


def check_backtest(frame: Any) -> None:
    """Raise unless ``frame`` is a non-empty frame of ``sl.backtest``."""
    if not isinstance(frame, pd.DataFrame):
        raise InvalidValueError(
            f"dashboard: backtest= takes the result of sl.backtest(...); got {type(frame).__name__}."
        )
    missing = [c for c in BACKTEST_NEEDS if c not in frame.columns]
    if missing:
        raise InvalidValueError(
            f"dashboard: backtest= lacks the column(s) {', '.join(missing)}: pass the frame "
            "sl.backtest(...) returns (one row per segment and snapshot), not its summary."
        )
    if frame.empty:
        raise InvalidValueError(
            "dashboard: backtest= has no rows (no complete snapshot): nothing to show; move "
            "the backtest's end back or shorten its horizon."
        )


def backtest_view(frame: pd.DataFrame) -> BacktestView:
    """Gather the backtest section from a frame of ``sl.backtest``."""
    from segment_lab.analytics import summarize

    info = frame.attrs.get("backtest", {})
    pooled = summarize(frame)
    summary = [
        {k: (None if isinstance(v, float) and pd.isna(v) else v) for k, v in r.items()}
        for r in pooled.to_dict("records")
    ]
    chart = None
    if frame["lift"].notna().any():
        label = (
            f"Lift over time of {pooled['segment'].nunique()} definitions: members' outcome "
            f"rate over everyone's at each of {frame['snapshot'].nunique()} snapshots, with its "
            "95% interval; 1 means no better than chance."
        )
        chart = chart_spec(charts.lift_chart(frame), label)
    table = [
        {"segment": r.segment, "snapshot": r.snapshot, "members": int(r.members),
         "true_positives": int(r.true_positives), "lift": _nan(r.lift),
         "lift_lo": _nan(r.precision_lo / r.base_rate if r.base_rate else float("nan")),
         "lift_hi": _nan(r.precision_hi / r.base_rate if r.base_rate else float("nan"))}
        for r in frame.itertuples()
    ]  # fmt: skip
    snaps = pd.to_datetime(frame["snapshot"])
    return BacktestView(
        outcome=info.get("outcome", "the outcome"),
        horizon=info.get("horizon", ""),
        every=info.get("every", ""),
        first=snaps.min().to_pydatetime(),
        last=snaps.max().to_pydatetime(),
        snapshots=int(snaps.nunique()),
        summary=summary,
        chart=chart,
        table=table,
    )


def _nan(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
