"""Analyses that follow contacts across periods: lifecycle and entrant retention."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import ibis

from segment_lab.analytics._common import check_workspace, named_segments
from segment_lab.dsl import EventSpec, event
from segment_lab.engine import IntervalContext, execute, membership, warn_current, window_filter
from segment_lab.errors import BindingError, InvalidValueError
from segment_lab.model._nodes import EventCondition

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from segment_lab.engine import Grid
    from segment_lab.workspace import Workspace

__all__ = ["STATUSES", "lifecycle", "retention"]

#: Lifecycle statuses, in the order they are reported and stacked.
STATUSES = ("new", "returning", "resurrecting", "dormant")


def _activity_node(activity: Any) -> EventCondition:
    """Return the event condition "at least one matching event" for an activity definition."""
    if isinstance(activity, EventSpec):
        spec = activity
    elif isinstance(activity, str) or (
        isinstance(activity, (list, tuple)) and all(isinstance(a, str) for a in activity)
    ):
        spec = event(activity)
    else:
        raise InvalidValueError(
            f"An activity is an event type, a list of them or event(...).where(...); "
            f"got {activity!r}."
        )
    node = spec.exists()
    assert isinstance(node, EventCondition)
    return node


def lifecycle(
    ws: Workspace, activity: Any, start: Any, end: Any = None, every: Any = "1w"
) -> pd.DataFrame:
    """Count new, returning, resurrecting and dormant contacts per period of activity.

    Period k is ``[p_k, p_k + every)`` with ``p_k = start + k*every <= end``; a contact
    is active in it with a matching event there (only events up to the workspace's now
    count).  Active contacts are *new* (first activity ever), *returning* (active in the
    previous period too) or *resurrecting* (active before, but not in the previous
    period); *dormant* ones were active in the previous period and are not now.

    Returns
    -------
    pandas.DataFrame
        ``period, status, contacts``: four rows per period (``STATUSES`` order);
        ``contacts`` is never negative.

    Examples
    --------
    >>> import segment_lab as sl
    >>> from segment_lab import analytics as an
    >>> ws = sl.Workspace.demo()
    >>> lc = an.lifecycle(ws, "purchase", "2025-06-02", "2025-06-16", every="1w")
    >>> print(lc[lc.period == "2025-06-16"].to_string(index=False))
        period       status  contacts
    2025-06-16          new         6
    2025-06-16    returning         5
    2025-06-16 resurrecting         4
    2025-06-16      dormant         3
    """
    check_workspace(ws, "lifecycle")
    node = _activity_node(activity)
    ws.resolve(node)  # an activity type that never occurs: UnknownEventTypeError
    g = ws.grid(start, end, every)
    if g.step is None:
        raise InvalidValueError(
            f"lifecycle() needs a grid of fixed steps ('1d', '1w'), got every={every!r}: "
            f"calendar months are not supported there yet; use every='4w' or trends()."
        )
    counts = execute(_lifecycle_counts(ws, node, g.start, g.step, g.n))
    return _lifecycle_frame(counts, g.start, g.step, g.n)


def _lifecycle_counts(
    ws: Workspace, node: EventCondition, p0: dt.datetime, step: dt.timedelta, n: int
) -> ir.Table:
    tables = ws.tables
    b, ev = tables.bindings, tables.events
    if ev is None:
        raise BindingError(
            "This workspace has no events table, but lifecycle() counts activity events: "
            "pass events= when building the workspace."
        )
    last = min(ws.now, p0 + n * step - dt.timedelta(microseconds=1))
    # relative times in where() count from now, as everywhere in a workspace
    ev = ev.filter((ev[b.ts] <= last) & window_filter(ev, node, tables, ws.now))
    ev = ev.semi_join(tables.contacts, ev[b.contact_id] == tables.contacts[b.contact_id])
    per = step // dt.timedelta(microseconds=1)
    us = ev[b.ts].delta(ibis.literal(p0, "timestamp"), unit="microsecond")
    active = ev.select(cid=ev[b.contact_id], k=(us / per).floor().cast("int64")).distinct()
    w = ibis.window(group_by=active.cid, order_by=active.k)
    active = active.mutate(prev=active.k.lag().over(w), next=active.k.lead().over(w))
    status = ibis.cases(
        (active.prev.isnull(), 0),
        (active.prev == active.k - 1, 1),
        else_=2,
    ).cast("int64")
    on = active.filter((active.k >= 0) & (active.k < n)).select(k=active.k, s=status)
    gone = active.filter(
        (active.k >= -1)
        & (active.k < n - 1)
        & (active.next.isnull() | (active.next > active.k + 1))
    ).select(k=active.k + 1, s=ibis.literal(3, "int64"))
    both = ibis.union(on, gone, distinct=False)
    return both.group_by(["k", "s"]).aggregate(contacts=both.count())


def _lifecycle_frame(
    counts: pd.DataFrame, p0: dt.datetime, step: dt.timedelta, n: int
) -> pd.DataFrame:
    import pandas as pd

    got = {
        (int(k), int(s)): int(c)
        for k, s, c in counts[["k", "s", "contacts"]].itertuples(index=False)
    }
    rows = [
        {"period": p0 + k * step, "status": name, "contacts": got.get((k, s), 0)}
        for k in range(n)
        for s, name in enumerate(STATUSES)
    ]
    out = pd.DataFrame(rows)
    out["period"] = pd.to_datetime(out["period"])
    return out


def retention(
    ws: Workspace,
    segment: Any,
    start: Any,
    end: Any = None,
    every: Any = "1w",
    periods: int | None = None,
    *,
    continuous: bool = False,
) -> pd.DataFrame:
    """Of the contacts that entered the segment at ``t_j``, the share still members k periods later.

    Cohort j enters at grid instant ``t_j`` (member at ``t_j``, not at ``t_(j-1)``).
    ``retained`` counts the cohort's members at ``t_(j+k)`` (``continuous``: members at
    every instant ``t_j .. t_(j+k)``), for ``t_(j+k) <= end`` and ``k <= periods``.

    Returns
    -------
    pandas.DataFrame
        ``cohort, periods_later, cohort_size, retained, share``.

    Examples
    --------
    >>> import segment_lab as sl
    >>> from segment_lab import analytics as an, sample
    >>> ws = sl.Workspace.demo()
    >>> r = an.retention(ws, sample.PRICING_INTENT, "2025-05-05", "2025-06-02", periods=2)
    >>> print(r[r.cohort == "2025-05-12"].round({"share": 3}).to_string(index=False))
        cohort  periods_later  cohort_size  retained  share
    2025-05-12              0          162       162  1.000
    2025-05-12              1          162       161  0.994
    2025-05-12              2          162         7  0.043
    """
    check_workspace(ws, "retention")
    if periods is not None and (not isinstance(periods, int) or periods < 0):
        raise InvalidValueError(f"periods must be a whole number >= 0, got {periods!r}.")
    (named,) = named_segments(ws, [segment], "retention")
    g = ws.grid(start, end, every)
    kmax = g.n - 1 if periods is None else min(periods, g.n - 1)
    warn_current(named.resolved, ws.tables, g.before, ws.now)
    # grid index i = j + 1: index 0 is t_(-1), so runs starting at i >= 1 are entries
    g0 = g.before
    ctx = IntervalContext(ws.tables, end=g.end, horizon=g0, grid=g.positions)
    runs = membership(named.resolved, ctx)
    counts = execute(_retention_counts(runs, g.n, kmax, continuous))
    return _retention_frame(counts, g, kmax)


def _retention_counts(runs: ir.Table, n: int, kmax: int, continuous: bool) -> ir.Table:
    """Per cohort index i and offset k: +1/-1 where a cohort member's membership starts/stops."""
    entries = runs.filter((runs.lo >= 1) & (runs.lo <= n)).select(cid=runs.cid, i=runs.lo)
    later = runs.select(rcid=runs.cid, rlo=runs.lo, rhi=runs.hi)
    cond = (entries.cid == later.rcid) & (later.rlo >= entries.i) & (later.rlo <= entries.i + kmax)
    if continuous:
        cond &= later.rlo == entries.i
    pairs = entries.join(later, cond)
    limit = ibis.least(pairs.rhi - pairs.i, n + 1 - pairs.i, kmax + 1)
    span = pairs.select(i=pairs.i, k0=pairs.rlo - pairs.i, k1=limit)
    ups = span.group_by(["i", span.k0.name("k")]).aggregate(d=span.count())
    downs = span.group_by(["i", span.k1.name("k")]).aggregate(d=-span.count())
    both = ibis.union(ups, downs, distinct=False)
    return both.group_by(["i", "k"]).aggregate(d=both.d.sum())


def _retention_frame(counts: pd.DataFrame, g: Grid, kmax: int) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    n = g.n
    delta = np.zeros((n + 1, kmax + 2), dtype="int64")
    for i, k, d in counts[["i", "k", "d"]].itertuples(index=False):
        delta[int(i), int(k)] += int(d)
    retained = np.cumsum(delta, axis=1)
    rows = []
    for i in range(1, n + 1):
        size = int(retained[i, 0])
        for k in range(min(kmax, n - i) + 1):
            kept = int(retained[i, k])
            rows.append({
                "cohort": g.at(i - 1), "periods_later": k, "cohort_size": size,
                "retained": kept, "share": kept / size if size else float("nan"),
            })  # fmt: skip
    out = pd.DataFrame(
        rows, columns=["cohort", "periods_later", "cohort_size", "retained", "share"]
    )
    out["cohort"] = pd.to_datetime(out["cohort"])
    return out
