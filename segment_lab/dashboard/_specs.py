"""Chart specs for embedding: Vega-Lite JSON in the segment_lab theme, and SVG sparklines."""

from __future__ import annotations

import functools
import itertools
import math
import re
from dataclasses import dataclass
from typing import Any

import altair as alt

from segment_lab.charts._theme import THEME

_ids = itertools.count()


@dataclass(frozen=True)
class ChartSpec:
    """One Vega-Lite chart of the page: its element id, spec and accessible label."""

    id: str
    spec: dict[str, Any]
    label: str


def chart_spec(chart: alt.TopLevelMixin, label: str) -> ChartSpec:
    """Render the chart's Vega-Lite dict in the segment_lab theme, labelled for ARIA."""
    with alt.theme.enable(THEME):
        spec = chart.to_dict()
    spec["description"] = label  # Vega-Lite puts it on the SVG as its aria-label
    datasets = spec.get("datasets", {})
    for name, rows in datasets.items():
        if rows and {"flow", "contacts", "x0", "x1", "period"} <= set(rows[0]):
            rows = _compact_flows(spec, name, rows)
        datasets[name] = [{k: _short(v) for k, v in r.items()} for r in rows]
    return ChartSpec(id=f"chart-{next(_ids)}", spec=spec, label=label)


def _compact_flows(spec: dict, name: str, rows: list[dict]) -> list[dict]:
    """Shrink the entries/exits bars' data (most of a long daily chart's bytes).

    A zero-height bar draws nothing, so its row is left out (one row is kept); each bar's
    ends ``x0``/``x1`` (the period plus and minus the same half-width) are computed in the
    browser by a ``calculate`` transform instead of being stored as two more timestamps.
    """
    import pandas as pd

    first = rows[0]
    half = (pd.Timestamp(first["x1"]) - pd.Timestamp(first["x0"])) / 2
    ms = int(half / pd.Timedelta(milliseconds=1))
    if any(
        pd.Timestamp(r["x1"]) - pd.Timestamp(r["period"]) != half
        or pd.Timestamp(r["period"]) - pd.Timestamp(r["x0"]) != half
        for r in rows
    ):
        return rows  # not centred bars of one width: keep them as they are
    kept = [r for r in rows if r["contacts"]] or rows[:1]
    transform = [
        {"calculate": f"toDate(datum.period) - {ms}", "as": "x0"},
        {"calculate": f"toDate(datum.period) + {ms}", "as": "x1"},
    ]
    users = list(_using(spec, name))
    if not users:
        return rows
    for view in users:
        view["transform"] = transform + view.get("transform", [])
    return [{k: v for k, v in r.items() if k not in ("x0", "x1")} for r in kept]


def _using(node: Any, name: str) -> Any:
    """Yield every view of a spec whose data is the named dataset."""
    if isinstance(node, dict):
        if isinstance(node.get("data"), dict) and node["data"].get("name") == name:
            yield node
        for value in node.values():
            yield from _using(value, name)
    elif isinstance(node, list):
        for value in node:
            yield from _using(value, name)


def _short(value: Any) -> Any:
    """Round a float to 4 significant digits (pixels and shares; counts are ints)."""
    if isinstance(value, float) and math.isfinite(value):
        short = float(f"{value:.4g}")
        return int(short) if short.is_integer() and abs(short) < 2**53 else short
    return value


def vega_lite_version() -> str:
    """Return the Vega-Lite version Altair writes specs for, as ``"6.4"``."""
    return ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])


@functools.lru_cache(maxsize=2)
def runtime(version: str) -> str:
    """Return Vega, Vega-Lite and vega-embed as one script (vl-convert's bundle, about 0.9 MB).

    A ``</script`` inside it (none today) is escaped, so it stays one ``<script>`` element.
    """
    import vl_convert as vlc

    js = vlc.javascript_bundle(vl_version=version)
    return re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)


def sparkline_points(values: list[float], width: int = 120, height: int = 28) -> str:
    """Return the ``points`` of an SVG polyline drawing ``values`` in a width x height box."""
    if not values:
        return ""
    lo, hi = min(values), max(values)
    span = hi - lo or 1
    step = width / max(len(values) - 1, 1)
    pts = []
    for i, v in enumerate(values):
        y = height - 2 - (v - lo) / span * (height - 4)
        pts.append(f"{i * step:.1f},{y:.1f}" if math.isfinite(y) else f"{i * step:.1f},{height}")
    return " ".join(pts)
