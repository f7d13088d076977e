"""The Altair specs of backtest charts (documented in :mod:`segment_lab.charts`)."""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

from segment_lab.charts import _frames as fr
from segment_lab.charts import _theme as th
from segment_lab.charts._build import DATE, _rule_at
from segment_lab.errors import InvalidValueError

__all__ = ["lift", "lift_cells", "precision_recall", "sweep"]

_PR = ("segment", "precision", "recall")


def lift_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with a lift, and its interval: the precision's Wilson interval over the base rate."""
    data = frame[["segment", "snapshot", "lift", "precision_lo", "precision_hi", "base_rate"]]
    data = data[data["lift"].notna()]
    data = data.assign(
        segment=data["segment"].astype(str),
        snapshot=fr.naive(data["snapshot"]),
        lift_lo=data["precision_lo"] / data["base_rate"],
        lift_hi=data["precision_hi"] / data["base_rate"],
    )
    return data.drop(columns=["precision_lo", "precision_hi"])


def lift(frame: pd.DataFrame, title: str | None) -> alt.LayerChart:
    what = "lift_chart()"
    need = ("segment", "snapshot", "lift", "precision_lo", "precision_hi", "base_rate")
    frame = fr.check_frame(frame, need, what)
    names = fr.in_order(frame["segment"])
    data = lift_cells(frame)
    if data.empty:
        raise InvalidValueError(
            f"{what}: no snapshot has a lift (no members or no positives anywhere): nothing to draw."
        )
    colour = alt.Color(  # the band's pale swatch would be the legend's: drawn opaque
        "segment:N",
        title=None,
        scale=th.category_scale(names),
        legend=alt.Legend(symbolOpacity=1, symbolType="stroke", symbolStrokeWidth=2.2),
    )
    x = alt.X("snapshot:T", title=None, axis=th.time_axis(data["snapshot"]))
    tips = [
        "segment:N",
        alt.Tooltip("snapshot:T", format=DATE),
        alt.Tooltip("lift:Q", format=".2f"),
        alt.Tooltip("lift_lo:Q", format=".2f", title="95% low"),
        alt.Tooltip("lift_hi:Q", format=".2f", title="95% high"),
        alt.Tooltip("base_rate:Q", format=".2%"),
    ]
    base = alt.Chart(data).encode(x=x, color=colour)
    band = base.mark_area(opacity=0.18).encode(y="lift_lo:Q", y2="lift_hi:Q")
    line = base.mark_line(strokeWidth=2.2, point=alt.OverlayMarkDef(size=18)).encode(
        y=alt.Y(
            "lift:Q", title="lift (members' outcome rate / everyone's)", scale=alt.Scale(zero=False)
        ),
        tooltip=tips,
    )
    return alt.layer(band, line, _rule_at(1, (4, 3))).properties(
        width=th.WIDTH, height=320, title=title or "Lift over time (95% interval)"
    )


def precision_recall(frame: pd.DataFrame, title: str | None) -> alt.LayerChart:
    what = "precision_recall_chart()"
    frame = fr.check_frame(frame, _PR, what)
    names = fr.in_order(frame["segment"])
    data = frame[frame["precision"].notna() & frame["recall"].notna()]
    if data.empty:
        raise InvalidValueError(f"{what}: no row has both a precision and a recall to draw.")
    keep = [c for c in frame.columns if c in (*_PR, "snapshot", "members", "lift", *_bounds())]
    data = data[keep].assign(segment=data["segment"].astype(str))
    if "snapshot" in data:
        data = data.assign(snapshot=fr.naive(data["snapshot"]))
    colour = alt.Color("segment:N", title=None, scale=th.category_scale(names))
    tips = [c for c in ("segment", "members") if c in data]
    tips += [alt.Tooltip("snapshot:T", format=DATE)] if "snapshot" in data else []
    tips += [
        alt.Tooltip(f"{c}:Q", format=".3f") for c in ("precision", "recall", "lift") if c in data
    ]
    base = alt.Chart(data).encode(
        x=alt.X(
            "recall:Q", title="recall (share of positives caught)", scale=alt.Scale(domain=[0, 1])
        ),
        y=alt.Y(
            "precision:Q",
            title="precision (members with the outcome)",
            scale=alt.Scale(domain=[0, 1]),
        ),
        color=colour,
    )
    layers = []
    if all(c in data for c in _bounds()):  # pooled rows: their intervals as crosses
        layers += [
            base.mark_rule(opacity=0.6).encode(y="precision_lo:Q", y2="precision_hi:Q"),
            base.mark_rule(opacity=0.6).encode(x="recall_lo:Q", x2="recall_hi:Q"),
        ]
    size = 30 if "snapshot" in data else 90
    layers.append(base.mark_point(filled=True, size=size, opacity=0.85).encode(tooltip=tips))
    return alt.layer(*layers).properties(
        width=420, height=420, title=title or "Precision against recall"
    )


def _bounds() -> tuple[str, ...]:
    return ("precision_lo", "precision_hi", "recall_lo", "recall_hi")


def sweep(frame: pd.DataFrame, x: str, y: str, value: str, title: str | None) -> alt.LayerChart:
    what = "sweep_heatmap()"
    frame = fr.check_frame(frame, (x, y, value), what)
    if not pd.api.types.is_numeric_dtype(frame[value]):
        raise InvalidValueError(f"{what}: value={value!r} must name a numeric column.")
    if frame.duplicated([x, y]).any():
        raise InvalidValueError(
            f"{what}: several rows share a ({x}, {y}) cell; pass the summary of one sweep "
            "over exactly these two parameters (or filter the others first)."
        )
    data = frame[[x, y, value, *(["segment"] if "segment" in frame else [])]].copy()
    top = data[value].abs().max()
    data["label"] = [("–" if math.isnan(v) else f"{v:.2f}") for v in data[value].astype(float)]
    data["dark"] = data[value].astype(float) > 0.6 * (top if top == top else 0)
    data[x], data[y] = data[x].astype(str), data[y].astype(str)
    base = alt.Chart(data).encode(
        x=alt.X(
            f"{x}:N", sort=fr.in_order(data[x]), title=x, axis=alt.Axis(labelAngle=0, orient="top")
        ),
        y=alt.Y(f"{y}:N", sort=fr.in_order(data[y]), title=y),
        tooltip=[c for c in ("segment", x, y) if c in data]
        + [alt.Tooltip(f"{value}:Q", format=".3f")],
    )
    rect = base.mark_rect(stroke="white", strokeWidth=1.5).encode(
        color=alt.Color(f"{value}:Q", title=value, scale=alt.Scale(scheme="blues"))
    )
    text = base.mark_text(fontSize=12).encode(text="label:N", color=th.ink())
    return alt.layer(rect, text).properties(
        width=alt.Step(70), height=alt.Step(34), title=title or f"Sweep: {value} by {x} and {y}"
    )
