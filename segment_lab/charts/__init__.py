"""Altair charts of the tidy frames that :mod:`segment_lab.analytics` returns.

Every function takes a pandas frame (never an Ibis table) with the columns documented in
``docs/analytics.md`` and returns an Altair chart; :func:`save` writes it to PNG, SVG,
offline HTML or JSON.  A frame missing a column, or an empty frame, raises
:class:`~segment_lab.errors.InvalidValueError` naming the missing and available columns
(an empty chart would hide a mistake upstream; an empty *alerts* frame is fine).

Colours mean the same thing everywhere (entries green, exits red-orange, size dark blue,
alerts magenta/purple, lifecycle statuses fixed) and are set on each chart's scales, so a
chart looks the same under any Altair theme.  Importing this module registers the
``"segment_lab"`` theme (fonts, sizes, grid) and enables it **only if** the active theme is
Altair's ``"default"``: a theme the user chose is left alone.  :func:`save` always renders
with it, so exported files do not depend on the session.

This module is a facade: the specs are built in ``_build``, the frames prepared in
``_frames``, the look defined in ``_theme``.

Examples
--------
>>> import pandas as pd
>>> from segment_lab import charts
>>> frame = pd.DataFrame({
...     "period": pd.date_range("2025-03-03", periods=4, freq="7D"),
...     "size": [10, 12, 30, 25], "entered": [2, 3, 20, 1], "exited": [1, 1, 2, 6],
... })
>>> chart = charts.size_chart(frame, title="churn-risk")
>>> chart.to_dict()["title"]
'churn-risk'
"""

from __future__ import annotations

import os as _os
from pathlib import Path as _Path

import altair as _alt
import pandas as _pd

from segment_lab.charts import _backtest, _build, _export
from segment_lab.charts._theme import enable_if_default as _enable_if_default
from segment_lab.errors import InvalidValueError as _InvalidValueError
from segment_lab.errors import did_you_mean as _did_you_mean

__all__ = [
    "compare_chart",
    "enable_offline",
    "funnel_chart",
    "lifecycle_chart",
    "lift_chart",
    "overlap_heatmap",
    "precision_recall_chart",
    "retention_heatmap",
    "save",
    "size_chart",
    "sweep_heatmap",
    "transition_chart",
]


def __dir__() -> list[str]:
    """List the public names only (tab completion hides the imports)."""
    return sorted(__all__)


_enable_if_default()


def size_chart(
    frame: _pd.DataFrame,
    alerts: _pd.DataFrame | None = None,
    *,
    segment: str | None = None,
    title: str | None = None,
) -> _alt.VConcatChart:
    """Size over time (top) above entries and exits per period (bottom, diverging bars).

    Parameters
    ----------
    frame
        A ``history`` or ``trends`` frame: ``period``, ``size``, ``entered``, ``exited``
        and optionally ``segment``.
    alerts
        An ``alerts`` frame (``segment``, ``period``, ``direction``, ``severity``, ``z``,
        ``message``); each alert of this segment is a dashed rule and a point on the size
        line labelled with its z-score, coloured by direction, with the message as tooltip.
    segment
        Which segment to draw when ``frame`` (or ``alerts``) holds several.
    title
        Chart title; defaults to the segment's name.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({
    ...     "segment": "churn-risk",
    ...     "period": pd.date_range("2025-03-03", periods=3, freq="7D"),
    ...     "size": [10, 30, 25], "entered": [2, 21, 1], "exited": [1, 1, 6],
    ... })
    >>> alerts = pd.DataFrame({
    ...     "segment": ["churn-risk"], "period": [pd.Timestamp("2025-03-10")],
    ...     "direction": ["growing"], "severity": ["warning"], "z": [8.1],
    ...     "message": ["churn-risk grew 200% week over week"],
    ... })
    >>> chart = size_chart(frame, alerts)
    >>> len(chart.vconcat), chart.title
    (2, 'churn-risk: size, entries and exits')
    """
    return _build.size(frame, alerts, segment, title)


def compare_chart(
    frame: _pd.DataFrame, *, value: str = "size", index: bool = False, title: str | None = None
) -> _alt.Chart | _alt.LayerChart:
    """Several segments over time, one line each; ``index=True`` rescales each to 100.

    Parameters
    ----------
    frame
        A long frame with ``segment``, ``period`` and the ``value`` column (``history`` or
        ``trends`` of several segments).  Colours follow the segments' order in the frame.
        A frame without ``segment`` (one rule's ``history``) is one line, named ``title``
        (or ``value``).
    value
        The numeric column to draw (``"size"``, ``"entered"``, ``"net"``, ...).
    index
        Divide each segment by its first nonzero value and multiply by 100, so segments of
        very different sizes compare as growth; earlier periods are dropped.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({
    ...     "segment": ["a", "a", "b", "b"],
    ...     "period": pd.to_datetime(["2025-01-06", "2025-01-13"] * 2),
    ...     "size": [10, 20, 400, 300],
    ... })
    >>> compare_chart(frame, index=True).layer[0].data["index"].tolist()
    [100.0, 200.0, 100.0, 75.0]
    """
    return _build.compare(frame, value, index, title)


def overlap_heatmap(
    frame: _pd.DataFrame, *, value: str = "jaccard", title: str | None = None
) -> _alt.LayerChart:
    """How much segments share, as a heatmap of every pair (the diagonal shows sizes).

    Parameters
    ----------
    frame
        An ``overlap`` frame: ``segment_a``, ``segment_b``, ``size_a``, ``both`` and the
        ``value`` column (``size_b``, ``either`` and ``jaccard`` are shown as tooltips).
    value
        ``"jaccard"`` (members of both over members of either, 0..1) or ``"both"``
        (members of both).  The diagonal is grey and labelled with the segment's size.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({
    ...     "segment_a": ["a", "a", "b", "b"], "segment_b": ["a", "b", "a", "b"],
    ...     "size_a": [10, 10, 5, 5], "size_b": [10, 5, 10, 5], "both": [10, 4, 4, 5],
    ...     "either": [10, 11, 11, 5], "jaccard": [1.0, 4 / 11, 4 / 11, 1.0],
    ... })
    >>> overlap_heatmap(frame).data["label"].tolist()
    ['n=10', '0.36', '0.36', 'n=5']
    """
    return _build.overlap(frame, value, title)


def transition_chart(frame: _pd.DataFrame, *, title: str | None = None) -> _alt.LayerChart:
    """Where the members of each state at the start are at the end: a bipartite flow.

    States at the start are stacked on the left, states at the end on the right, each as
    tall as its contacts; a ribbon as wide as the contacts that moved joins them (Altair
    has no Sankey: the layout is computed in pandas).  Zero flows are omitted.  Tooltips
    give counts and the share of the starting state.

    Parameters
    ----------
    frame
        A ``transitions`` frame: ``from``, ``to``, ``contacts`` (states are segment names
        and ``"in none"``, drawn last and grey).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({
    ...     "from": ["a", "a", "in none", "in none"], "to": ["a", "in none", "a", "in none"],
    ...     "contacts": [8, 2, 0, 90],
    ... })
    >>> sorted(set(transition_chart(frame).layer[0].data["link"]))
    ['a → a', 'a → in none', 'in none → in none']
    """
    return _build.transitions(frame, title)


def funnel_chart(frame: _pd.DataFrame, *, title: str | None = None) -> _alt.LayerChart:
    """Contacts kept after each condition of a segment, with the bottleneck highlighted.

    Each bar is ``kept`` after a step, labelled with the count and share; a light bar
    behind it shows the step before, so the gap is what the condition removed.  The
    bottleneck (``frame.attrs["bottleneck"]``: the condition whose removal would add the
    most contacts) is drawn in the alert colour, and ``frame.attrs["message"]`` becomes
    the subtitle.

    Parameters
    ----------
    frame
        A ``funnel`` frame: ``step``, ``condition``, ``kept`` (``kept_share``, ``removed``,
        ``alone`` and ``blocks`` are used when present); step 0 is all contacts.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({
    ...     "step": [0, 1, 2], "condition": ["all contacts", "city is Tokyo", "job title is CTO"],
    ...     "kept": [2000, 120, 7], "blocks": [0, 3, 45],
    ... })
    >>> frame.attrs["bottleneck"] = "job title is CTO"
    >>> funnel_chart(frame).data[["role", "text"]].values.tolist()[-1]
    ['bottleneck', '7 (0.4%)  ← bottleneck: +45 without it']
    """
    return _build.funnel(frame, title)


def retention_heatmap(frame: _pd.DataFrame, *, title: str | None = None) -> _alt.LayerChart:
    """Share of each entry cohort still in the segment k periods later.

    Parameters
    ----------
    frame
        A ``retention`` frame: ``cohort``, ``periods_later``, ``share`` (``cohort_size``
        labels the rows and, with ``retained``, the tooltips when present).  An empty
        cohort (share NaN) shows a dash.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({
    ...     "cohort": pd.to_datetime(["2025-03-03"] * 2 + ["2025-03-10"]),
    ...     "periods_later": [0, 1, 0], "cohort_size": [20, 20, 10],
    ...     "retained": [20, 15, 10], "share": [1.0, 0.75, 1.0],
    ... })
    >>> retention_heatmap(frame).data["label"].tolist()
    ['100%', '75%', '100%']
    """
    return _build.retention(frame, title)


def lifecycle_chart(frame: _pd.DataFrame, *, title: str | None = None) -> _alt.LayerChart:
    """Active contacts per period by status, dormant contacts drawn below zero.

    New, returning and resurrecting contacts stack upward (new on top, as in the legend);
    dormant contacts (active the period before, not in this one) go down.  Bars are
    centred on the period's label; colours are fixed per status.

    Parameters
    ----------
    frame
        A ``lifecycle`` frame: ``period``, ``status`` (``new``, ``returning``,
        ``resurrecting``, ``dormant``), ``contacts`` (positive).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({
    ...     "period": pd.to_datetime(["2025-01-06"] * 2 + ["2025-01-13"] * 2),
    ...     "status": ["new", "dormant"] * 2, "contacts": [5, 0, 2, 3],
    ... })
    >>> lifecycle_chart(frame).layer[0].data["value"].tolist()
    [5, 0, 2, -3]
    """
    return _build.lifecycle(frame, title)


def lift_chart(frame: _pd.DataFrame, *, title: str | None = None) -> _alt.LayerChart:
    """Lift over time, one line per definition, with its 95% interval as a band.

    The band is the precision's Wilson interval divided by the snapshot's base rate
    (the base rate, measured on the whole population, is taken as known); a dashed
    rule marks lift 1 (no better than everyone).  Snapshots without a lift (no members
    or no positives) are left out.

    Parameters
    ----------
    frame
        A ``backtest`` frame: ``segment``, ``snapshot``, ``lift``, ``precision_lo``,
        ``precision_hi``, ``base_rate``.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({
    ...     "segment": "churn-risk", "snapshot": pd.date_range("2025-03-03", periods=3, freq="7D"),
    ...     "lift": [2.0, float("nan"), 3.0], "precision_lo": [0.1, float("nan"), 0.2],
    ...     "precision_hi": [0.3, float("nan"), 0.4], "base_rate": [0.1, 0.0, 0.1],
    ... })
    >>> lift_chart(frame).layer[1].data["lift_hi"].round(6).tolist()
    [3.0, 4.0]
    """
    return _backtest.lift(frame, title)


def precision_recall_chart(frame: _pd.DataFrame, *, title: str | None = None) -> _alt.LayerChart:
    """Precision against recall per definition: a point per snapshot, or per pooled segment.

    Given a ``backtest`` frame, each snapshot is a small point; given its
    ``summary()``, each segment is one large point with its Wilson intervals as a cross.
    Rows without a precision or a recall (no members or no positives) are left out.

    Parameters
    ----------
    frame
        ``segment``, ``precision``, ``recall`` (``snapshot``, ``members``, ``lift`` and
        the ``*_lo``/``*_hi`` intervals are used when present).

    Examples
    --------
    >>> import pandas as pd
    >>> summary = pd.DataFrame({
    ...     "segment": ["a", "b"], "precision": [0.4, 0.1], "recall": [0.2, 0.6],
    ...     "precision_lo": [0.3, 0.05], "precision_hi": [0.5, 0.2],
    ...     "recall_lo": [0.1, 0.5], "recall_hi": [0.3, 0.7],
    ... })
    >>> len(precision_recall_chart(summary).layer)
    3
    """
    return _backtest.precision_recall(frame, title)


def sweep_heatmap(
    frame: _pd.DataFrame, *, x: str, y: str, value: str = "lift", title: str | None = None
) -> _alt.LayerChart:
    """Draw a sweep's pooled results as a heatmap over two of its parameters.

    Parameters
    ----------
    frame
        A backtest ``summary()`` joined with the sweep's ``params`` (one row per
        combination): the columns ``x``, ``y`` and ``value``.
    x, y
        The parameters on the axes, in the order of their first appearance.
    value
        The numeric column to shade and label (``"lift"``, ``"precision"``, ``"f1"``,
        ...); NaN cells show a dash.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({
    ...     "min_opens": [1, 1, 3, 3], "within": ["7d", "30d"] * 2, "lift": [1.2, 1.1, 2.5, float("nan")],
    ... })
    >>> sweep_heatmap(frame, x="within", y="min_opens").data["label"].tolist()
    ['1.20', '1.10', '2.50', '–']
    """
    return _backtest.sweep(frame, x, y, value, title)


def save(chart: _alt.TopLevelMixin, path: str | _os.PathLike[str], *, scale: float = 2.0) -> _Path:
    """Write ``chart`` to ``.png``, ``.svg``, ``.html`` (offline) or ``.json``, atomically.

    The file is rendered in memory with vl-convert (in the ``segment_lab`` theme, whatever
    theme is active), written to a temporary file in the same folder and moved into place,
    so a failure never leaves a half-written file.  HTML inlines the JavaScript it needs
    (about 1 MB) and works offline.  The folder must exist (it is not created, so a
    misspelt folder does not silently appear).

    Parameters
    ----------
    chart
        Any Altair chart.
    path
        The file to write; its suffix picks the format.
    scale
        Pixel density of PNGs (2 = twice the chart's size in pixels).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    InvalidValueError
        When the suffix is not one of the formats above.
    FileNotFoundError
        When the folder does not exist (the message names it).

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> frame = pd.DataFrame({"segment": "a", "period": pd.to_datetime(["2025-01-06"]), "size": [3]})
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> save(compare_chart(frame), folder / "compare.svg").read_text()[:4]
    '<svg'
    """
    path = _Path(path)
    suffix = path.suffix.lower()
    if suffix not in _export.FORMATS:
        raise _InvalidValueError(
            f"save(): cannot write {path.name!r}: the suffix must be one of "
            f"{', '.join(_export.FORMATS)}." + _did_you_mean(suffix, _export.FORMATS)
        )
    _check_folder(path)
    _export.write_atomic(path, _export.render(chart, suffix, scale))
    return path


def _check_folder(path: _Path) -> None:
    """Raise FileNotFoundError naming the missing folder (folders are not created)."""
    folder = path.parent
    if folder.is_dir():
        return
    existing = next((p for p in folder.parents if p.is_dir()), None)
    above = f"; the nearest existing folder is '{existing}'" if existing is not None else ""
    raise FileNotFoundError(
        f"save(): cannot write {str(path)!r}: the folder '{folder}' does not exist{above}. "
        f"Create it first, e.g. pathlib.Path({str(folder)!r}).mkdir(parents=True)."
    )


def enable_offline() -> str:
    """Show charts in Jupyter without loading Vega from a CDN (see docs/decisions.md).

    Enables Altair's ``"jupyter"`` renderer with ``offline=True`` (its JavaScript comes
    from vl-convert).  That renderer needs ``anywidget`` (``pip install anywidget``);
    without it, charts are shown as static SVG rendered by vl-convert, also offline.
    Returns the name of the renderer enabled.

    Examples
    --------
    >>> enable_offline() in {"jupyter", "svg"}
    True
    >>> import altair as alt
    >>> _ = alt.renderers.enable("default")  # back to Altair's default
    """
    import importlib.util

    if importlib.util.find_spec("anywidget") is not None:
        _alt.renderers.enable("jupyter", offline=True)
        return "jupyter"
    _alt.renderers.enable("svg")
    return "svg"
