"""Checks and pandas preparation behind :mod:`segment_lab.charts` (no Altair here).

Altair has no Sankey, so :func:`flow_layout` places the nodes and ribbons of a bipartite
flow itself; the other helpers pick, reshape and label the analytics frames.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from segment_lab.errors import InvalidValueError, did_you_mean

NONE_STATE = "in none"
NODE_WIDTH = 0.03
RIBBON_STEPS = 24
ALERT_COLUMNS = ("period", "direction", "severity", "z", "message")


def check_frame(frame: object, required: Sequence[str], what: str) -> pd.DataFrame:
    """Return ``frame`` if it is a non-empty pandas frame holding ``required``, else raise."""
    if not isinstance(frame, pd.DataFrame):
        hint = ""
        if hasattr(frame, "to_pandas") or hasattr(frame, "execute"):
            hint = " Charts draw tidy pandas frames: call .to_pandas() on the table first."
        raise InvalidValueError(
            f"{what} needs a pandas DataFrame, got {type(frame).__name__}.{hint}"
        )
    missing = [c for c in required if c not in frame.columns]
    if missing:
        available = [str(c) for c in frame.columns]
        raise InvalidValueError(
            f"{what} needs the columns {_quoted(required)}; missing {_quoted(missing)}. "
            f"Available columns: {_quoted(available) or 'none'}."
            + did_you_mean(missing[0], available)
        )
    if frame.empty:
        raise InvalidValueError(f"{what} got an empty frame: there is nothing to draw.")
    return frame


def check_choice(value: object, valid: Sequence[str], name: str, what: str) -> str:
    """Return ``value`` if it is one of ``valid``, else raise with the options."""
    if value not in valid:
        raise InvalidValueError(
            f"{what}: {name}={value!r} is not one of {_quoted(valid)}." + did_you_mean(value, valid)
        )
    return str(value)


def _quoted(names: Iterable[object]) -> str:
    return ", ".join(repr(str(n)) for n in names)


def in_order(values: Iterable[object]) -> list[str]:
    """Distinct values as strings, in order of first appearance."""
    return list(dict.fromkeys(str(v) for v in values))


def naive(values: pd.Series) -> pd.Series:
    """Datetimes without a time zone (UTC if they had one), so frames merge and plot alike."""
    values = pd.to_datetime(values)
    return values.dt.tz_convert("UTC").dt.tz_localize(None) if values.dt.tz is not None else values


def bar_span(periods: pd.Series, fill: float = 0.8) -> tuple[pd.Series, pd.Series]:
    """Start and end of a bar centred on each period, ``fill`` of a grid step wide."""
    periods = pd.to_datetime(periods)
    gaps = pd.Series(periods.sort_values().unique()).diff()
    gaps = gaps[gaps > pd.Timedelta(0)]
    step = gaps.min() if len(gaps) else pd.Timedelta(days=1)
    return periods - step * fill / 2, periods + step * fill / 2


def pick_segment(
    frame: pd.DataFrame, segment: str | None, what: str
) -> tuple[pd.DataFrame, str | None]:
    """Return the rows of one segment of a long frame, and its name (``segment`` if no column)."""
    if "segment" not in frame.columns:
        return frame, segment
    names = in_order(frame["segment"])
    if segment is None and len(names) > 1:
        raise InvalidValueError(
            f"{what}: the frame holds {len(names)} segments ({_quoted(names)}); "
            "pick one with segment=..."
        )
    name = names[0] if segment is None else segment
    if name not in names:
        raise InvalidValueError(
            f"{what}: segment={name!r} is not in the frame. Segments: {_quoted(names)}."
            + did_you_mean(name, names)
        )
    return frame[frame["segment"].astype(str) == name], name


def alerts_for(alerts: pd.DataFrame | None, name: str | None, data: pd.DataFrame) -> pd.DataFrame:
    """Return one segment's alerts with the size line's value at their period and a ``±zσ`` label."""
    if alerts is None or (isinstance(alerts, pd.DataFrame) and alerts.empty):
        return pd.DataFrame(columns=[*ALERT_COLUMNS, "size", "label"])
    alerts = check_frame(alerts, ALERT_COLUMNS, "size_chart(alerts=...)")
    if "segment" in alerts.columns:
        names = in_order(alerts["segment"])
        if name is None and len(names) > 1:
            raise InvalidValueError(
                f"size_chart(): the alerts are for {len(names)} segments ({_quoted(names)}); "
                "say which with segment=..."
            )
        if name is not None:
            alerts = alerts[alerts["segment"].astype(str) == name]
    alerts = alerts.drop(columns=["size"], errors="ignore").assign(period=naive(alerts["period"]))
    out = alerts.merge(data[["period", "size"]], on="period", how="inner")
    return out.assign(label=out["z"].map(lambda z: f"{z:+.1f}σ"))


def signed_flows(data: pd.DataFrame) -> pd.DataFrame:
    """Entries (positive) and exits (negative) per period, long, with bar extents."""
    x0, x1 = bar_span(data["period"])
    base = data[["period"]].assign(x0=x0, x1=x1)
    entered = base.assign(flow="entered", contacts=data["entered"], value=data["entered"])
    exited = base.assign(flow="exited", contacts=data["exited"], value=-data["exited"])
    return pd.concat([entered, exited], ignore_index=True)


def index_to_first(frame: pd.DataFrame, value: str) -> pd.DataFrame:
    """Add ``index``: each segment's ``value`` over its first nonzero value, times 100.

    Periods before that first nonzero value, and segments that are always zero, are
    dropped (there is nothing to index them to).
    """
    frame = frame.sort_values(["segment", "period"])
    nonzero = frame[value].where(frame[value] != 0)
    base = nonzero.groupby(frame["segment"]).transform("first")
    started = nonzero.notna().groupby(frame["segment"]).cummax()
    out = frame.assign(index=frame[value] / base * 100)
    return out[started & base.notna()]


def overlap_cells(frame: pd.DataFrame, value: str) -> tuple[pd.DataFrame, float]:
    """Cell labels (sizes on the diagonal), shades and text darkness; the colour maximum."""
    data = frame.astype({"segment_a": str, "segment_b": str})
    diagonal = data["segment_a"] == data["segment_b"]
    off = data.loc[~diagonal, value].dropna()
    floor = 0.05 if value == "jaccard" else 1.0  # all-but-zero overlaps stay pale
    top = float(max(off.max(), floor)) if len(off) else floor
    label = data[value].map(_jaccard_label if value == "jaccard" else _count_label)
    label = label.where(~diagonal, "n=" + data["size_a"].map("{:,}".format))
    shade = data[value].where(~diagonal)
    return data.assign(shade=shade, label=label, dark=shade.fillna(0) > 0.55 * top), top


def _jaccard_label(v: float) -> str:
    if pd.isna(v):
        return "–"
    return "0" if v == 0 else "<.01" if v < 0.005 else f"{v:.2f}"


def _count_label(v: float) -> str:
    return "–" if pd.isna(v) else f"{v:,.0f}"


def retention_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Cohort row labels (with their size), percent labels and text darkness."""
    cohort = naive(frame["cohort"]).dt.strftime("%Y-%m-%d")
    if "cohort_size" in frame:
        cohort = cohort + "  (n=" + frame["cohort_size"].map("{:,}".format) + ")"
    return frame.assign(
        cohort_label=cohort,
        label=frame["share"].map(lambda v: "–" if pd.isna(v) else f"{v:.0%}"),
        dark=frame["share"].fillna(0) > 0.55,
    ).sort_values(["cohort", "periods_later"])


def lifecycle_stack(frame: pd.DataFrame, statuses: Sequence[str]) -> pd.DataFrame:
    """Bars stacked by hand: new on top, then returning, resurrecting; dormant below zero.

    ``value`` is signed (dormant negative); ``y0 .. y1`` is each bar's extent.
    """
    upward = [s for s in reversed(statuses) if s != "dormant"]  # bottom to top
    rank = {s: i for i, s in enumerate(upward)} | {"dormant": len(upward)}
    period = naive(frame["period"])
    x0, x1 = bar_span(period, fill=0.8)
    sign = np.where(frame["status"] == "dormant", -1, 1)
    data = frame.assign(period=period, x0=x0, x1=x1, value=frame["contacts"] * sign)
    data = data.assign(rank=data["status"].map(rank)).sort_values(["period", "rank"], kind="stable")
    up = data["value"].clip(lower=0).groupby(data["period"]).cumsum()
    data["y1"] = up.where(data["value"] >= 0, data["value"])
    data["y0"] = (up - data["value"]).where(data["value"] >= 0, 0)
    return data


def funnel_rows(frame: pd.DataFrame, bottleneck: object) -> pd.DataFrame:
    """Step labels, roles (all contacts / kept / bottleneck) and bar labels, in step order."""
    rows = frame.sort_values("step").reset_index(drop=True)
    start = rows["kept"].iloc[0]
    if "kept_share" not in rows:
        rows["kept_share"] = rows["kept"] / start if start else np.nan
    rows["label"] = rows["step"].astype(str) + ". " + rows["condition"].astype(str)
    rows["before"] = rows["kept"].shift(1).fillna(rows["kept"]).astype("int64")
    hit = rows["condition"].astype(str) == str(bottleneck)
    if isinstance(bottleneck, (int, np.integer)) and not isinstance(bottleneck, bool):
        hit = hit | (rows["step"] == bottleneck)
    rows["role"] = np.where(rows.index == 0, "all contacts", "kept")
    rows.loc[hit & (rows.index > 0), "role"] = "bottleneck"
    share = rows["kept_share"].map(lambda v: "" if pd.isna(v) else f" ({v:.1%})")
    rows["text"] = rows["kept"].map("{:,}".format) + share
    note = "  ← bottleneck"
    if "blocks" in rows:
        note += rows["blocks"].map(lambda b: f": +{b:,} without it" if b > 0 else "")
    rows["text"] = rows["text"].where(rows["role"] != "bottleneck", rows["text"] + note)
    return rows


class FlowLayout(NamedTuple):
    """Nodes (one row per state and side), ribbons (points along each flow), states."""

    states: list[str]
    nodes: pd.DataFrame
    ribbons: pd.DataFrame
    span: float


def flow_layout(frame: pd.DataFrame, gap_share: float = 0.05) -> FlowLayout:
    """Lay out a transitions frame: zero flows dropped, states stacked with gaps.

    The y axis counts contacts from the top; ``"in none"`` goes last.  Within a node
    the flows are stacked in state order, so ribbons do not cross needlessly.
    """
    states = in_order([*frame["from"], *frame["to"]])
    states = [s for s in states if s != NONE_STATE] + [s for s in states if s == NONE_STATE]
    rank = {s: i for i, s in enumerate(states)}
    flows = frame.loc[frame["contacts"] > 0, ["from", "to", "contacts"]]
    flows = flows.astype({"from": str, "to": str, "contacts": "int64"})
    gap = gap_share * flows["contacts"].sum()
    left, flows = _side(flows, "from", "to", rank, gap)
    right, flows = _side(flows, "to", "from", rank, gap)
    nodes = pd.concat(
        [
            left.assign(side="start", x0=0.0, x1=NODE_WIDTH, lx=-0.015),
            right.assign(side="end", x0=1 - NODE_WIDTH, x1=1.0, lx=1.015),
        ],
        ignore_index=True,
    )
    nodes["mid"] = (nodes["y0"] + nodes["y1"]) / 2
    nodes["label"] = nodes["state"] + "\n" + nodes["contacts"].map("{:,}".format)
    span = float(max(left["y1"].max(), right["y1"].max()))
    return FlowLayout(states, nodes, _ribbons(flows), span)


def _side(
    flows: pd.DataFrame, own: str, other: str, rank: dict[str, int], gap: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Node extents on one side, and each flow's slice ``own_y0 .. own_y1`` of its node."""
    order = flows.assign(_r=flows[own].map(rank), _o=flows[other].map(rank))
    order = order.sort_values(["_r", "_o"]).drop(columns=["_r", "_o"])
    totals = order.groupby(own, sort=False)["contacts"].sum()
    starts = totals.cumsum() - totals + gap * np.arange(len(totals))
    nodes = pd.DataFrame(
        {"state": totals.index, "contacts": totals.to_numpy(), "y0": starts.to_numpy()}
    )
    nodes["y1"] = nodes["y0"] + nodes["contacts"]
    nodes["share"] = nodes["contacts"] / nodes["contacts"].sum()
    within = order.groupby(own, sort=False)["contacts"].cumsum() - order["contacts"]
    y0 = order[own].map(dict(zip(nodes["state"], nodes["y0"]))) + within
    return nodes, order.assign(**{f"{own}_y0": y0, f"{own}_y1": y0 + order["contacts"]})


def _ribbons(flows: pd.DataFrame) -> pd.DataFrame:
    """Points along a smooth S-curve from each flow's start slice to its end slice."""
    t = np.linspace(0.0, 1.0, RIBBON_STEPS)
    s = np.tile(t * t * (3 - 2 * t), len(flows))  # smoothstep: flat at both nodes
    rows = flows.loc[flows.index.repeat(len(t))].reset_index(drop=True)
    rows["x"] = NODE_WIDTH + (1 - 2 * NODE_WIDTH) * np.tile(t, len(flows))
    rows["y0"] = rows["from_y0"] + (rows["to_y0"] - rows["from_y0"]) * s
    rows["y1"] = rows["from_y1"] + (rows["to_y1"] - rows["from_y1"]) * s
    rows["share"] = rows["contacts"] / rows["from"].map(flows.groupby("from")["contacts"].sum())
    rows["link"] = rows["from"] + " → " + rows["to"]
    return rows[["link", "from", "to", "contacts", "share", "x", "y0", "y1"]]
