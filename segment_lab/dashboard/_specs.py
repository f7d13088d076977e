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
    return ChartSpec(id=f"chart-{next(_ids)}", spec=spec, label=label)


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
