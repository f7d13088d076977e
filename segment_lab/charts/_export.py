"""Render a chart to bytes with vl-convert, then write it atomically (see ``charts.save``)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import altair as alt

from segment_lab.charts._theme import THEME

FORMATS = (".png", ".svg", ".html", ".json")


def render(chart: alt.TopLevelMixin, suffix: str, scale: float) -> bytes:
    """Render the chart as the bytes of a ``suffix`` file, in the segment_lab theme."""
    import vl_convert as vlc

    with alt.theme.enable(THEME):
        spec = chart.to_dict()
    version = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    if suffix == ".png":
        return vlc.vegalite_to_png(spec, vl_version=version, scale=scale)
    if suffix == ".svg":
        return vlc.vegalite_to_svg(spec, vl_version=version).encode()
    if suffix == ".html":  # bundle=True inlines Vega's JavaScript: no CDN, works offline
        return vlc.vegalite_to_html(spec, vl_version=version, bundle=True).encode()
    return json.dumps(spec, indent=2).encode()


def write_atomic(path: Path, content: bytes) -> None:
    """Write to a temporary file next to ``path``, then move it into place.

    The file keeps the mode of the file it replaces (a new one gets ``rw-r--r--``, not the
    owner-only mode of a temporary file).
    """
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
