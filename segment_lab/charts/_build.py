"""The Altair specs behind :mod:`segment_lab.charts` (documented there).

Each builder checks its frame, prepares it with :mod:`segment_lab.charts._frames` and
encodes it with explicit colour scales from :mod:`segment_lab.charts._theme`.
"""

from __future__ import annotations

import textwrap

import altair as alt
import pandas as pd

from segment_lab.charts import _frames as fr
from segment_lab.charts import _theme as th
from segment_lab.errors import InvalidValueError

DATE = "%Y-%m-%d"


def size(
    frame: pd.DataFrame, alerts: pd.DataFrame | None, segment: str | None, title: str | None
) -> alt.VConcatChart:
    what = "size_chart()"
    frame = fr.check_frame(frame, ("period", "size", "entered", "exited"), what)
    data, name = fr.pick_segment(frame, segment, what)
    data = data.assign(period=fr.naive(data["period"])).sort_values("period")
    tips = [alt.Tooltip("period:T", format=DATE), "size:Q", "entered:Q", "exited:Q"]
    x = alt.X("period:T", title=None, axis=th.time_axis(data["period"], labels=False))
    line = (
        alt.Chart(data)
        .mark_line(color=th.SIZE, strokeWidth=2.5, point=alt.OverlayMarkDef(color=th.SIZE, size=20))
        .encode(x=x, y=alt.Y("size:Q", title="members"), tooltip=tips)
    )
    marks = _alert_marks(fr.alerts_for(alerts, name, data))
    top = alt.layer(line, *marks).properties(width=th.WIDTH, height=260)
    bottom = _flow_bars(fr.signed_flows(data), th.time_axis(data["period"]))
    text = title or (f"{name}: size, entries and exits" if name else "Size, entries and exits")
    chart = alt.vconcat(top, bottom.properties(width=th.WIDTH, height=130), spacing=6, title=text)
    return chart.resolve_scale(x="shared", color="independent")


def _alert_marks(alerts: pd.DataFrame) -> list[alt.Chart]:
    if alerts.empty:
        return []
    shown = [d for d in th.ALERT if d in set(alerts["direction"])]
    legend = alt.Legend(orient="top", direction="horizontal", values=shown)
    colour = alt.Color("direction:N", title="alert", scale=th.fixed_scale(th.ALERT), legend=legend)
    tips = [
        alt.Tooltip("message:N", title="alert"),
        alt.Tooltip("period:T", format=DATE),
        "severity:N",
        alt.Tooltip("z:Q", format=".1f"),
    ]
    base = alt.Chart(alerts).encode(x="period:T", color=colour, tooltip=tips)
    rule = base.mark_rule(strokeDash=[4, 3], strokeWidth=1.5, opacity=0.8)
    point = base.mark_point(filled=True, size=150, opacity=1).encode(y="size:Q")
    labels = [  # up-left of a rise, down-left of a fall: away from the line
        base.transform_filter(alt.datum.direction == direction)
        .mark_text(dy=dy, dx=-9, align="right", fontWeight="bold", fontSize=12)
        .encode(y="size:Q", text="label:N")
        for direction, dy in (("growing", -10), ("shrinking", 12))
    ]
    return [rule, point, *labels]


def _flow_bars(flows: pd.DataFrame, axis: alt.Axis) -> alt.LayerChart:
    colour = th.fixed_scale({"entered": th.ENTERED, "exited": th.EXITED})
    legend = alt.Legend(orient="top", direction="horizontal")
    bars = (
        alt.Chart(flows)
        .mark_rect()
        .encode(
            x=alt.X("x0:T", title=None, axis=axis),
            x2="x1:T",
            y=alt.Y("value:Q", title=["entered ↑", "exited ↓"], axis=alt.Axis(format="d")),
            y2=alt.datum(0),
            color=alt.Color("flow:N", title=None, scale=colour, legend=legend),
            tooltip=[alt.Tooltip("period:T", format=DATE), "flow:N", "contacts:Q"],
        )
    )
    return alt.layer(bars, _rule_at(0))


def _rule_at(value: float, dash: tuple[int, int] = (1, 0)) -> alt.Chart:
    rule = alt.Chart().mark_rule(color=th.RULE, strokeDash=list(dash))
    return rule.encode(y=alt.datum(value))


def compare(frame: pd.DataFrame, value: str, index: bool, title: str | None) -> alt.TopLevelMixin:
    what = "compare_chart()"
    if isinstance(frame, pd.DataFrame) and "segment" not in frame.columns:
        frame = frame.assign(segment=title or value)  # one segment's history: one line
    frame = fr.check_frame(frame, ("segment", "period", value), what)
    if not pd.api.types.is_numeric_dtype(frame[value]):
        raise InvalidValueError(f"{what}: value={value!r} must name a numeric column.")
    names = fr.in_order(frame["segment"])
    data = frame[["segment", "period", value]].assign(
        segment=frame["segment"].astype(str), period=fr.naive(frame["period"])
    )
    y, y_title = value, value
    if index:
        data = fr.index_to_first(data, value)
        if data.empty:
            raise InvalidValueError(f"{what}: every segment's {value!r} is zero; cannot index.")
        y, y_title = "index", f"{value} (first nonzero = 100)"
    tips = [
        "segment:N",
        alt.Tooltip("period:T", format=DATE),
        alt.Tooltip(f"{value}:Q", format=","),
    ]
    tips += [alt.Tooltip("index:Q", format=".1f")] if index else []
    lines = (
        alt.Chart(data)
        .mark_line(strokeWidth=2.2, point=alt.OverlayMarkDef(size=16))
        .encode(
            x=alt.X("period:T", title=None, axis=th.time_axis(data["period"])),
            y=alt.Y(f"{y}:Q", title=y_title),
            color=alt.Color("segment:N", title=None, scale=th.category_scale(names)),
            tooltip=tips,
        )
    )
    chart = alt.layer(lines, _rule_at(100, (4, 3))) if index else lines
    heading = title or ("Segments compared (index)" if index else f"Segments compared: {value}")
    return chart.properties(width=th.WIDTH, height=320, title=heading)


def overlap(frame: pd.DataFrame, value: str, title: str | None) -> alt.LayerChart:
    what = "overlap_heatmap()"
    fr.check_choice(value, ("jaccard", "both"), "value", what)
    frame = fr.check_frame(frame, ("segment_a", "segment_b", "size_a", "both", value), what)
    names = fr.in_order([*frame["segment_a"], *frame["segment_b"]])
    data, top = fr.overlap_cells(frame, value)
    tips = [
        c for c in ("segment_a", "segment_b", "size_a", "size_b", "both", "either") if c in data
    ]
    tips += [alt.Tooltip("jaccard:Q", format=".3f")] if "jaccard" in data else []
    base = alt.Chart(data).encode(
        x=alt.X("segment_b:N", sort=names, title=None, axis=alt.Axis(orient="top", labelAngle=-30)),
        y=alt.Y("segment_a:N", sort=names, title=None),
        tooltip=tips,
    )
    under = base.mark_rect(color=th.MUTED, stroke="white", strokeWidth=2)  # the diagonal shows
    legend = "Jaccard" if value == "jaccard" else "members of both"
    shade = alt.Color("shade:Q", title=legend, scale=alt.Scale(scheme="blues", domain=[0, top]))
    rect = base.mark_rect(stroke="white", strokeWidth=2).encode(color=shade)
    text = base.mark_text(fontSize=12).encode(text="label:N", color=th.ink())
    step = alt.Step(max(60, min(96, 560 // len(names))))
    heading = title or (
        "Overlap (Jaccard index)" if value == "jaccard" else "Overlap (shared members)"
    )
    return alt.layer(under, rect, text).properties(width=step, height=alt.Step(40), title=heading)


def transitions(frame: pd.DataFrame, title: str | None) -> alt.LayerChart:
    frame = fr.check_frame(frame, ("from", "to", "contacts"), "transition_chart()")
    if not (frame["contacts"] > 0).any():
        raise InvalidValueError("transition_chart(): every flow is zero; there is nothing to draw.")
    layout = fr.flow_layout(frame)
    colour = th.category_scale(layout.states, none=fr.NONE_STATE)
    y_scale = alt.Scale(domain=[-0.1 * layout.span, layout.span], reverse=True, nice=False)
    x = alt.X("x:Q", axis=None, scale=alt.Scale(domain=[-0.42, 1.42], nice=False))
    tips = [
        "from:N",
        "to:N",
        alt.Tooltip("contacts:Q", format=","),
        alt.Tooltip("share:Q", title="share of from", format=".1%"),
    ]
    ribbons = (
        alt.Chart(layout.ribbons)
        .mark_area(opacity=0.45, interpolate="monotone")
        .encode(
            x=x,
            y=alt.Y("y0:Q", axis=None, scale=y_scale),
            y2="y1:Q",
            detail="link:N",
            color=alt.Color("from:N", scale=colour, legend=None),
            tooltip=tips,
        )
    )
    return alt.layer(ribbons, *_flow_nodes(layout, colour)).properties(
        width=th.WIDTH, height=380, title=title or "Transitions between segments"
    )


def _flow_nodes(layout: fr.FlowLayout, colour: alt.Scale) -> list[alt.Chart]:
    base = alt.Chart(layout.nodes)
    tips = [
        "side:N",
        "state:N",
        alt.Tooltip("contacts:Q", format=","),
        alt.Tooltip("share:Q", format=".1%"),
    ]
    nodes = base.mark_rect().encode(
        x="x0:Q",
        x2="x1:Q",
        y="y0:Q",
        y2="y1:Q",
        color=alt.Color("state:N", scale=colour, legend=None),
        tooltip=tips,
    )
    labels = [
        base.transform_filter(alt.datum.side == side)
        .mark_text(align=align, baseline="middle", lineBreak="\n", fontSize=12)
        .encode(x="lx:Q", y="mid:Q", text="label:N")
        for side, align in (("start", "right"), ("end", "left"))
    ]
    heads = pd.DataFrame({"x": [0.015, 0.985], "y": -0.05 * layout.span, "text": ["start", "end"]})
    head = alt.Chart(heads).mark_text(fontSize=13, fontWeight="bold", color="#444444")
    return [nodes, *labels, head.encode(x="x:Q", y="y:Q", text="text:N")]


def funnel(frame: pd.DataFrame, title: str | None) -> alt.LayerChart:
    frame = fr.check_frame(frame, ("step", "condition", "kept"), "funnel_chart()")
    rows = fr.funnel_rows(frame, frame.attrs.get("bottleneck"))
    roles = {"all contacts": th.NONE_STATE, "kept": th.SIZE, "bottleneck": th.HIGHLIGHT}
    colour = th.fixed_scale({**roles, "kept by the step before": th.MUTED})
    legend = alt.Legend(orient="bottom", title=None)
    x_scale = alt.Scale(domain=[0, float(rows["kept"].max() or 1) * 1.25], nice=False)
    tips = ["label:N", alt.Tooltip("kept:Q", format=","), alt.Tooltip("kept_share:Q", format=".1%")]
    tips += [alt.Tooltip(f"{c}:Q", format=",") for c in ("removed", "alone", "blocks") if c in rows]
    base = alt.Chart(rows).encode(y=_funnel_y(rows), tooltip=tips)
    ghost = (
        base.transform_calculate(ghost="'kept by the step before'")
        .mark_bar(height={"band": 0.7})
        .encode(
            x=alt.X("before:Q", scale=x_scale),
            color=alt.Color("ghost:N", scale=colour, legend=legend),
        )
    )
    bars = base.mark_bar(height={"band": 0.7}).encode(
        x=alt.X("kept:Q", title="contacts", scale=x_scale),
        color=alt.Color("role:N", scale=colour, legend=legend),
    )
    ink = alt.condition(
        "datum.role == 'bottleneck'", alt.value(th.HIGHLIGHT), alt.value(th.INK_DARK)
    )
    text = base.mark_text(align="left", dx=5, fontSize=12).encode(
        x="kept:Q", text="text:N", color=ink
    )
    message = frame.attrs.get("message")
    subtitle = textwrap.wrap(str(message), 90) if message else alt.Undefined
    return alt.layer(ghost, bars, text).properties(
        width=th.WIDTH - 200,
        height=alt.Step(36),
        title=alt.Title(title or "Funnel", subtitle=subtitle),
    )


def _funnel_y(rows: pd.DataFrame) -> alt.Y:
    """Put steps top to bottom, the bottleneck's label in the alert colour and bold."""
    hit = rows.loc[rows["role"] == "bottleneck", "label"].tolist()
    test = f"datum.value === {hit[0]!r}" if hit else "false"
    axis = alt.Axis(
        labelLimit=340,
        labelColor={"condition": {"test": test, "value": th.HIGHLIGHT}, "value": th.INK_DARK},
        labelFontWeight={"condition": {"test": test, "value": "bold"}, "value": "normal"},
    )
    return alt.Y("label:N", sort=rows["label"].tolist(), title=None, axis=axis)


def retention(frame: pd.DataFrame, title: str | None) -> alt.LayerChart:
    frame = fr.check_frame(frame, ("cohort", "periods_later", "share"), "retention_heatmap()")
    data = fr.retention_cells(frame)
    tips = ["cohort_label:N", "periods_later:O"]
    tips += [c for c in ("cohort_size", "retained") if c in data]
    top_axis = alt.Axis(labelAngle=0, orient="top")
    base = alt.Chart(data).encode(
        x=alt.X("periods_later:O", title="periods after entering", axis=top_axis),
        y=alt.Y("cohort_label:N", sort=fr.in_order(data["cohort_label"]), title="entered at"),
        tooltip=[*tips, alt.Tooltip("share:Q", format=".1%")],
    )
    shade = alt.Scale(scheme="greens", domain=[0, 1])
    rect = base.mark_rect(stroke="white", strokeWidth=1.5).encode(
        color=alt.Color("share:Q", title="still in", scale=shade, legend=alt.Legend(format=".0%"))
    )
    text = base.mark_text(fontSize=11).encode(text="label:N", color=th.ink())
    return alt.layer(rect, text).properties(
        width=alt.Step(52), height=alt.Step(26), title=title or "Retention of entrants"
    )


def lifecycle(frame: pd.DataFrame, title: str | None) -> alt.LayerChart:
    what = "lifecycle_chart()"
    frame = fr.check_frame(frame, ("period", "status", "contacts"), what)
    for status in fr.in_order(frame["status"]):
        fr.check_choice(status, list(th.STATUS), "status", what)
    data = fr.lifecycle_stack(frame, list(th.STATUS))
    tips = [
        alt.Tooltip("period:T", format=DATE),
        "status:N",
        alt.Tooltip("contacts:Q", format=","),
    ]
    bars = (
        alt.Chart(data)
        .mark_rect()
        .encode(
            x=alt.X("x0:T", title=None, axis=th.time_axis(data["period"])),
            x2="x1:T",
            y=alt.Y("y0:Q", title="contacts (dormant below zero)"),
            y2="y1:Q",
            color=alt.Color("status:N", scale=th.fixed_scale(th.STATUS), title="status"),
            tooltip=tips,
        )
    )
    return alt.layer(bars, _rule_at(0)).properties(
        width=th.WIDTH, height=320, title=title or "Lifecycle of active contacts"
    )
