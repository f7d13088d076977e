"""Trends (growth, rates) and alerts from a robust baseline of net flow."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from segment_lab.analytics._common import check_workspace, named_segments, periods
from segment_lab.errors import InvalidValueError
from segment_lab.model._instants import resolve_every

if TYPE_CHECKING:
    import pandas as pd

    from segment_lab.workspace import Workspace

__all__ = ["trends", "detect_alerts", "alerts"]

TREND_COLUMNS = ("segment", "period", "size", "entered", "exited")
#: Scales the median absolute deviation to a standard deviation for normal data.
MAD_SCALE = 1.4826


def trends(
    ws: Workspace,
    segments: Any,
    start: Any,
    end: Any = None,
    every: Any = "1w",
    lookback: int | str = 1,
    *,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Size, net change, growth and entry/exit rates per segment and period.

    Parameters
    ----------
    ws
        The workspace.
    segments
        A segment, a rule, a list of them or a catalog.
    start, end, every
        The grid ``start + k*every <= end``, as in :meth:`Workspace.history`.
    lookback
        Growth is measured against the size ``lookback`` periods earlier: a number of
        periods, or a duration that is a multiple of ``every`` (``"4w"``).

    Returns
    -------
    pandas.DataFrame
        ``segment, period, size, entered, exited, net, previous, growth, entry_rate,
        exit_rate`` (see docs/analytics.md).

    Examples
    --------
    >>> import segment_lab as sl
    >>> from segment_lab import analytics as an, sample
    >>> ws = sl.Workspace.demo()
    >>> t = an.trends(ws, sample.PRICING_INTENT, "2025-04-28", "2025-05-19", every="1w")
    >>> print(t[["period", "size", "net", "previous"]].to_string(index=False))
        period  size  net  previous
    2025-04-28     1    0         1
    2025-05-05     1    0         1
    2025-05-12   163  162         1
    2025-05-19   179   16       163
    """
    check_workspace(ws, "trends")
    g = ws.grid(start, end, every)
    lag = periods(lookback, g.positions[1])
    named = named_segments(ws, segments, "trends")
    history = ws.history([n.resolved for n in named], g.start, g.end, g.every, progress=progress)
    history["segment"] = history["segment"].map({f"rule_{i}": n.name for i, n in enumerate(named)})
    return add_trend_columns(history, lag)


def add_trend_columns(history: pd.DataFrame, lookback: int = 1) -> pd.DataFrame:
    """Add ``net, previous, growth, entry_rate, exit_rate`` to a long history frame."""
    import numpy as np
    import pandas as pd

    missing = [c for c in TREND_COLUMNS if c not in history.columns]
    if missing:
        raise InvalidValueError(
            f"A trends frame needs the columns {list(TREND_COLUMNS)}; missing {missing} "
            f"(has {list(history.columns)})."
        )
    order = {name: i for i, name in enumerate(pd.unique(history["segment"]))}  # as given
    out = history.sort_values(
        ["segment", "period"], key=lambda c: c.map(order) if c.name == "segment" else c,
        kind="stable", ignore_index=True,
    )  # fmt: skip
    out["net"] = out["entered"] - out["exited"]
    before = (out["size"] - out["net"]).astype("float64")  # size at t_(k-1)
    # size at t_(k - lookback); t_(-1), before the first row, is known from its net flow
    prev = out.groupby("segment", sort=False)["size"].shift(lookback).astype("float64")
    first = out.groupby("segment", sort=False).cumcount() == lookback - 1
    prev = prev.where(~first, before.groupby(out["segment"], sort=False).transform("first"))
    out["previous"] = pd.array(prev, dtype="Int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["growth"] = np.where(prev > 0, out["size"] / prev - 1, np.nan)
        out["entry_rate"] = np.where(before > 0, out["entered"] / before, np.nan)
        out["exit_rate"] = np.where(before > 0, out["exited"] / before, np.nan)
    return out


def detect_alerts(
    trends_frame: pd.DataFrame,
    *,
    baseline: int = 12,
    min_periods: int = 6,
    threshold: float = 3.5,
    min_change: float = 5,
    every: Any = None,
) -> pd.DataFrame:
    """Periods whose net flow is far outside the segment's recent norm.

    For each period, the baseline is the net flow of the ``baseline`` periods before it
    (at least ``min_periods``).  ``z = (net - median) / max(1.4826 * MAD, 1)``; a period
    alerts when ``|z| >= threshold`` and ``|net - median| >= min_change``.

    Parameters
    ----------
    trends_frame
        The output of :func:`trends` (at least ``segment, period, size, entered, exited``).
    every
        The period length, for the message ("week over week"); default: read from the
        frame's periods.

    Returns
    -------
    pandas.DataFrame
        One row per alert: ``segment, period, direction, severity, z, net,
        baseline_median, baseline_mad, baseline_periods, size, previous, growth, message``.

    Examples
    --------
    >>> import pandas as pd
    >>> from segment_lab import analytics as an
    >>> sizes = [100, 101, 99, 100, 102, 101, 100, 99, 140]
    >>> h = pd.DataFrame({"segment": "vip", "period": pd.date_range("2025-01-06", periods=9, freq="7D"),
    ...                   "size": sizes, "entered": 0, "exited": 0})
    >>> h["entered"] = pd.Series(sizes).diff().fillna(0).clip(lower=0).astype(int)
    >>> h["exited"] = (-pd.Series(sizes).diff().fillna(0)).clip(lower=0).astype(int)
    >>> a = an.detect_alerts(an.add_trend_columns(h))
    >>> a["message"].iloc[0]
    'vip grew 41% week over week (99 → 140 contacts, net +41), 28.0σ above its 8-week norm.'
    """
    import pandas as pd

    if baseline < 1 or not 1 <= min_periods <= baseline:
        raise InvalidValueError(
            f"Need 1 <= min_periods <= baseline, got min_periods={min_periods}, baseline={baseline}."
        )
    frame = trends_frame if "net" in trends_frame else add_trend_columns(trends_frame)
    step = _step(frame, every)
    rows = []
    for name, seg in frame.groupby("segment", sort=False):
        rows += _segment_alerts(name, seg.reset_index(drop=True), baseline, min_periods,
                                threshold, min_change, step)  # fmt: skip
    return pd.DataFrame(rows, columns=ALERT_COLUMNS)


ALERT_COLUMNS = (
    "segment", "period", "direction", "severity", "z", "net", "baseline_median",
    "baseline_mad", "baseline_periods", "size", "previous", "growth", "message",
)  # fmt: skip


def _segment_alerts(
    name: str,
    seg: pd.DataFrame,
    baseline: int,
    min_periods: int,
    threshold: float,
    min_change: float,
    step: dt.timedelta | None,
) -> list[dict]:
    import numpy as np

    net = seg["net"].to_numpy(dtype="float64")
    out = []
    for k in range(min_periods, len(seg)):
        window = net[max(0, k - baseline) : k]
        med = float(np.median(window))
        mad = float(np.median(np.abs(window - med)))
        z = (net[k] - med) / max(MAD_SCALE * mad, 1.0)
        if abs(z) < threshold or abs(net[k] - med) < min_change:
            continue
        row = seg.iloc[k]
        alert = {
            "segment": name,
            "period": row["period"],
            "direction": "growing" if net[k] > med else "shrinking",
            "severity": _severity(abs(z), threshold),
            "z": float(z),
            "net": int(net[k]),
            "baseline_median": med,
            "baseline_mad": mad,
            "baseline_periods": len(window),
            "size": int(row["size"]),
            "previous": int(row["size"] - row["net"]),
            "growth": _growth(row),
        }
        alert["message"] = alert_message(alert, step)
        out.append(alert)
    return out


def _severity(z: float, threshold: float) -> str:
    if z < 2 * threshold:
        return "notice"
    return "warning" if z < 4 * threshold else "critical"


def _growth(row: Any) -> float:
    before = row["size"] - row["net"]
    return float(row["size"] / before - 1) if before > 0 else float("nan")


def _step(frame: pd.DataFrame, every: Any) -> dt.timedelta | int | None:
    """Return the grid's step: a timedelta, a number of calendar months, or None if unknown."""
    if every is not None:
        step, months, _ = resolve_every(every)
        return step if step is not None else months
    periods_ = frame.drop_duplicates("period")["period"].sort_values()
    if len(periods_) < 2:
        return None
    a, b = periods_.iloc[0], periods_.iloc[1]
    if a == a.normalize() and a.day == 1 and b.day == 1 and b == b.normalize():
        return (b.year - a.year) * 12 + b.month - a.month
    return (b - a).to_pytimedelta()


_UNITS = (("week", dt.timedelta(weeks=1)), ("day", dt.timedelta(days=1)), ("hour", dt.timedelta(hours=1)))  # fmt: skip
_MONTH_UNITS = (("quarter", 3), ("month", 1))


def _period_words(step: dt.timedelta | int | None, span: int) -> tuple[str, str]:
    """``("week over week", "12-week norm")`` or ``("over 4 weeks", "norm of 12 periods of 4 weeks")``."""
    units = _MONTH_UNITS if isinstance(step, int) else _UNITS
    if step is not None:
        for unit, length in units:
            n, rest = divmod(step, length)
            if not rest and n >= 1:
                if n == 1:
                    return f"{unit} over {unit}", f"{span}-{unit} norm"
                return f"over {n} {unit}s", f"norm of {span} periods of {n} {unit}s"
    return "over the period", f"{span}-period norm"


def alert_message(alert: dict, step: dt.timedelta | int | None) -> str:
    """Say one alert in a plain-language sentence."""
    over, norm = _period_words(step, alert["baseline_periods"])
    size, prev, net = alert["size"], alert["previous"], alert["net"]
    verb = "grew" if net > 0 else "shrank" if net < 0 else "held"
    change = f"{verb} {abs(alert['growth']):.0%} {over}" if prev > 0 else f"{verb} {over}"
    side = "above" if alert["direction"] == "growing" else "below"
    return (
        f"{alert['segment']} {change} ({prev:,} → {size:,} contacts, net {net:+,}), "
        f"{abs(alert['z']):.1f}σ {side} its {norm}."
    )


def alerts(
    ws: Workspace,
    segments: Any,
    start: Any,
    end: Any = None,
    every: Any = "1w",
    *,
    baseline: int = 12,
    min_periods: int = 6,
    threshold: float = 3.5,
    min_change: float = 5,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Alerts for segments over a grid: :func:`trends` then :func:`detect_alerts`.

    The first ``min_periods`` periods only build the baseline: start the grid that many
    periods before the span you want watched.

    Examples
    --------
    >>> import segment_lab as sl
    >>> from segment_lab import analytics as an, sample
    >>> ws = sl.Workspace.demo()
    >>> a = an.alerts(ws, sample.PRICING_INTENT, "2025-01-06", "2025-05-19")
    >>> print(a[["period", "direction", "severity"]].to_string(index=False))
        period direction severity
    2025-05-12   growing critical
    2025-05-19   growing critical
    """
    frame = trends(ws, segments, start, end, every, progress=progress)
    return detect_alerts(
        frame,
        baseline=baseline,
        min_periods=min_periods,
        threshold=threshold,
        min_change=min_change,
        every=every,
    )
