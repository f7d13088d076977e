"""One offline HTML file per catalog: the dashboard a marketer opens without a network.

:func:`to_html` returns the page and :func:`export` writes it atomically.  The page is
self-contained: the Vega, Vega-Lite and vega-embed runtime is inlined once (vl-convert's
bundle, about 0.9 MB), each chart is a Vega-Lite spec whose data is aggregated first (one
row per period, per pair of segments, per flow), and it loads no font, script or image
from anywhere.  Its parts, in order:

- a header with the data's span, the as-of instant, the generation time and each
  segment's definition hash;
- an overview tile per segment (size, net change over 7 and 30 days, a trend arrow and a
  sparkline), then the alerts in plain language (:func:`segment_lab.analytics.alerts`);
- a section per segment: the size / entries / exits chart with its alerts marked, the
  definition in words, collapsible JSON and SQL, and who entered and exited in the last 30
  days with a few key attributes;
- overlap and transitions across the catalog;
- given ``backtest=`` (a frame of :func:`segment_lab.backtest`), a backtest section: the
  pooled table (precision and recall with their intervals, lift, q-values) and the lift
  over time with its interval.

Segment names, descriptions and attribute values are user data: the Jinja2 template
autoescapes them, so they show as text.  Every chart carries an ARIA label and the numbers
behind it in a table; the page fits a 375 px screen, follows ``prefers-color-scheme`` and
prints with its collapsibles expanded on a white background.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from segment_lab.charts._export import write_atomic
from segment_lab.errors import InvalidValueError

__all__ = ["export", "to_html"]


def to_html(
    ws: Any,
    catalog: Any = None,
    *,
    start: Any = None,
    end: Any = None,
    every: Any = "1d",
    title: str | None = None,
    progress: bool | None = None,
    backtest: Any = None,
) -> str:
    """Render the dashboard of a catalog as one self-contained HTML page.

    Parameters
    ----------
    ws
        The workspace.
    catalog
        A Catalog or a list of Segments (default: the workspace's catalog).
    start, end, every
        The charts' grid, as for :meth:`Workspace.history`: ``end`` (default
        :attr:`Workspace.now`) is also the as-of instant of the tiles, movers, overlap and
        SQL; ``start`` defaults to 90 days before it.
    title
        The page's title (default "Segment dashboard").
    progress
        A progress bar over segments (``tqdm.auto``); default: when stderr is a terminal.
    backtest
        A frame of :func:`segment_lab.backtest` to show in a backtest section (its own
        segments, snapshots and outcome; default: no such section).

    Returns
    -------
    str
        The HTML page.

    Raises
    ------
    InvalidValueError
        When there are no segments, for an invalid grid (as :meth:`Workspace.grid`), or a
        ``backtest`` that is not a non-empty frame of :func:`segment_lab.backtest`.

    Examples
    --------
    >>> import segment_lab as sl
    >>> from segment_lab import dashboard
    >>> ws = sl.Workspace.demo()
    >>> html = dashboard.to_html(ws, start="2025-05-01", every="1w", progress=False)
    >>> html.startswith("<!DOCTYPE html>"), html.count('class="vega"')
    (True, 12)
    >>> f'data-size="{ws.count(ws.catalog["churn-risk"])}"' in html
    True
    >>> bt = sl.backtest(ws, ws.catalog["churn-risk"], sl.event("unsubscribe"),
    ...                  start="2025-03-03", end="2025-05-26", every="1w", horizon="4w")
    >>> html = dashboard.to_html(ws, start="2025-05-01", every="1w", backtest=bt, progress=False)
    >>> html.count('class="vega"'), 'id="backtest"' in html
    (13, True)
    """
    from segment_lab.dashboard._context import check_backtest, gather, resolve_catalog
    from segment_lab.dashboard._render import render
    from segment_lab.model import Catalog

    cat = resolve_catalog(ws, catalog)
    if backtest is not None:
        check_backtest(backtest)
    if not isinstance(every, str) or not every.strip():
        raise InvalidValueError(
            f"dashboard: every= must be a duration such as '1d'; got {every!r}."
        )
    ws = ws.with_catalog(ws.catalog.merge(cat) if ws.catalog is not None else Catalog(tuple(cat)))
    data = gather(
        ws,
        cat,
        start=start,
        end=end,
        every=every,
        title=title,
        progress=_progress(list(cat), progress),
        backtest=backtest,
    )
    return render(data)


def export(
    ws: Any,
    catalog: Any = None,
    path: str | os.PathLike[str] = "segment_lab_dashboard.html",
    **options: Any,
) -> Path:
    """Write the dashboard to ``path`` atomically (a failed run leaves no file behind).

    Parameters
    ----------
    ws
        The workspace.
    catalog
        As for :func:`to_html`.
    path
        The HTML file to write; its folder must exist.
    **options
        ``start``, ``end``, ``every``, ``title``, ``progress``, ``backtest``: as for
        :func:`to_html`.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    InvalidValueError
        For a folder that does not exist, a path that is a folder, a name not ending in
        ``.html``, or any error of :func:`to_html` (then nothing is written).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import segment_lab as sl
    >>> from segment_lab import dashboard
    >>> ws = sl.Workspace.demo()
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "segments.html"
    >>> dashboard.export(ws, path=out, start="2025-06-01", every="1w", progress=False) == out
    True
    >>> out.stat().st_size < 2_000_000
    True
    """
    target = Path(path)
    if target.suffix.lower() not in (".html", ".htm"):
        raise InvalidValueError(
            f"dashboard: the output must be an .html file; got {str(target)!r}."
        )
    if target.is_dir():
        raise InvalidValueError(f"dashboard: {str(target)!r} is a folder; give a file name.")
    if not target.parent.is_dir():
        raise InvalidValueError(
            f"dashboard: the folder {str(target.parent)!r} does not exist; create it first."
        )
    html = to_html(ws, catalog, **options)
    try:
        write_atomic(target, html.encode("utf-8"))
    except OSError as exc:
        raise InvalidValueError(
            f"dashboard: cannot write {str(target)!r}: {exc.strerror or exc}."
        ) from None
    return target


def _progress(items: list, enabled: bool | None) -> Iterable:
    import sys

    from tqdm.auto import tqdm

    disable = (not sys.stderr.isatty()) if enabled is None else not enabled
    return tqdm(items, desc="dashboard", unit="segment", disable=disable, file=sys.stderr)
