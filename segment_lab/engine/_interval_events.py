"""Interval leaves of event conditions: where a measure of a contact's events holds.

Each matching event counts at the instants t whose window contains it: ``[ts,
ts + 30d)`` for ``within="30d"``, from the instant the event is at or after the
window's start until the one it falls before its end for ``between``.  Those rows
``(cid, ts, lo, hi, w)`` are then combined per measure: counts as "at least n
events", sums as weighted coverage, last/first seen piecewise between events.
The leaf is not joined with the contacts: it is clipped to each contact's lifetime
once, on far fewer rows (an event before ``created_at`` still counts at instants
after it, exactly as in the as-of engine).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import ibis

from segment_lab.engine._asof import SUM_TYPE, holds_without_events
from segment_lab.engine._attributes import COMPARE, Columns, row_predicate
from segment_lab.engine._grid import (
    HI,
    LO,
    IntervalContext,
    complement,
    empty,
    grid_ceil,
    interval,
    timestamp,
)
from segment_lab.engine._interval_where import relative_where, restrict_by_where
from segment_lab.engine._solve import bound_hi, bound_lo, solve_time
from segment_lab.engine._sweep import _concat, intersect, merge, merge_monotone, sweep
from segment_lab.errors import InvalidValueError
from segment_lab.model._nodes import And, Compare, EventCondition, Rule
from segment_lab.model._time import PERIOD_ANCHORS, AbsoluteTime, Between, RelativeTime, Within

if TYPE_CHECKING:
    from collections.abc import Callable

    import ibis.expr.types as ir

__all__ = ["event_leaf"]


def _earlier(instant: dt.datetime, delta: dt.timedelta) -> ir.TimestampValue:
    """``instant - delta``, but never before :data:`LO` (or beyond the calendar).

    An expression of ``instant``'s literal, not a literal of its own: history plans
    substitute the grid's instants in the compiled SQL (engine/_plans.py).
    """
    try:
        if instant - delta <= LO:
            return timestamp(LO)
    except OverflowError:
        return timestamp(LO)
    return timestamp(instant) - interval(delta)


def _within_bounds(window: Within, ts: ir.Value, ctx: IntervalContext) -> tuple[list, Any, Any]:
    seconds = window.duration.seconds
    conds = []
    if ctx.horizon > LO:  # hi > horizon as a bound on ts itself: the scan skips row groups
        conds.append(ts > _earlier(ctx.horizon, dt.timedelta(seconds=seconds)))
    return conds, ts, ts + ibis.interval(seconds=seconds)


def _between_bounds(window: Between, ts: ir.Value, ctx: IntervalContext) -> tuple[list, Any, Any]:
    conds, lo, hi = [], ts, timestamp(HI)
    if isinstance(window.start, AbsoluteTime):
        conds.append(ts >= window.start.value)
    else:
        hi = bound_hi(window.start, ts)
        if ctx.horizon > LO:  # implied by hi > horizon (see bound_hi), but on ts alone
            conds.append(ts > _earlier(ctx.horizon, dt.timedelta(days=1) - window.start.shift))
    if isinstance(window.end, AbsoluteTime):
        conds.append(ts < window.end.value)
    else:
        lo = ibis.greatest(lo, bound_lo(window.end, ts))
    return conds, lo, hi


def _window_bounds(node: EventCondition, ts: ir.Value, ctx: IntervalContext) -> tuple:
    """Return ``(conditions on ts, lo, hi)`` for the window of ``node``.

    These say which events the window can hold, and the instants ``[lo, hi)`` at which
    an event at ``ts`` lies in it.
    """
    if isinstance(node.window, Within):
        return _within_bounds(node.window, ts, ctx)
    if isinstance(node.window, Between):
        return _between_bounds(node.window, ts, ctx)
    return [], ts, timestamp(HI)


def _weight(node: EventCondition, ev: ir.Table, ctx: IntervalContext) -> ir.Value:
    """Return what each event adds to the measure: 1, or its value for a sum."""
    if node.measure != "sum":
        return ibis.literal(1)
    dtype = ctx.tables.event_dtype(node.column)  # type: ignore[arg-type]
    if not dtype.is_numeric() or dtype.is_boolean():
        raise InvalidValueError(
            f"event(...).sum({node.column!r}) needs a numeric column, not {dtype}."
        )
    return ev[node.column].cast(SUM_TYPE).fill_null(0)


def _event_rows(node: EventCondition, ctx: IntervalContext) -> ir.Table:
    """``(cid, ts, lo, hi, w)``: each matching event and the instants it counts at."""
    tabs, b = ctx.tables, ctx.tables.bindings
    ev = tabs.events
    if ev is None:
        tabs.event_dtype(b.ts)  # raises BindingError: no events table
    cond = (ev[b.ts] <= ctx.end) & ev[b.event_type].isin(list(node.types))
    relative = relative_where(node)
    if node.where is not None and not relative:
        cond &= row_predicate(node.where, Columns(ev, tabs.event_dtype, "events", None))  # type: ignore[arg-type]
    ts = ev[b.ts]
    conds, lo, hi = _window_bounds(node, ts, ctx)
    for c in conds:
        cond &= c
    weight = _weight(node, ev, ctx)
    if relative:  # number the events: their where-sets are joined back by number
        src = ev.filter(cond).mutate(eid=ibis.row_number())
        out = src.select(cid=src[b.contact_id], ts=ts, lo=lo, hi=hi, w=weight, eid=src.eid)
        out = out.filter((out.lo < out.hi) & (out.hi > ctx.horizon))
        return restrict_by_where(node, src, ctx, out)
    out = ev.filter(cond).select(cid=ev[b.contact_id], ts=ts, lo=lo, hi=hi, w=weight)
    return out.filter((out.lo < out.hi) & (out.hi > ctx.horizon))


def _event_pos(node: EventCondition, rows: ir.Table, ctx: IntervalContext) -> ir.Table:
    """``ctx.to_pos(rows)`` for the rows of :func:`_event_rows`.

    A sliding window of whole grid steps (``30d`` on a daily or hourly grid) starts at
    the grid index k of the event and ends at k + window/step: one index per event
    instead of two, and no empty intervals to filter out, since every row ends after
    the grid's first point (``ts > horizon - window``) and starts at or before its last.
    """
    window, grid = node.window, ctx.grid
    if grid is None or not isinstance(window, Within) or ctx.horizon < grid[0]:
        return ctx.to_pos(rows)
    g0, step, npoints = grid
    if isinstance(step, int):  # calendar grid: steps of unequal length
        return ctx.to_pos(rows)
    width = window.duration.to_timedelta()
    if width % step:
        return ctx.to_pos(rows)
    k = grid_ceil(rows.ts, g0, step)
    return rows.mutate(
        lo=ibis.greatest(k, 0).cast("int64"),
        hi=ibis.least(k + width // step, npoints).cast("int64"),
    )


# -- measures ----------------------------------------------------------------------
def _at_least(rows: ir.Table, n: int) -> ir.Table:
    """Return where at least ``n`` of the rows' intervals overlap.

    This is for intervals whose ``lo`` and ``hi`` both grow with ``ts`` (true of every
    event window): at least n events count at p exactly when, for some event i, p is in
    ``[lo_i, hi_(i-n+1))``.
    """
    order = ["ts"]
    if n <= 1:
        return merge_monotone(rows, order)
    w = ibis.window(group_by="cid", order_by=order)
    j = rows.mutate(hi=rows.hi.lag(n - 1).over(w))
    return merge_monotone(j.filter(j.hi.notnull()), order)


def _count_leaf(node: EventCondition, rows: ir.Table, ctx: IntervalContext) -> ir.Table:
    """``count op n`` as sets "at least m events", combined."""
    n, op = node.value, node.op
    at_least = lambda m: _at_least(rows, m) if m > 0 else ctx.lifetime()  # noqa: E731
    if op == ">=":
        return at_least(n)
    if op == ">":
        return at_least(n + 1)
    if op == "<":
        return complement(at_least(n), ctx) if n > 0 else empty(ctx)
    if op == "<=":
        return complement(at_least(n + 1), ctx)
    exactly = (
        complement(at_least(n + 1), ctx)
        if n == 0
        else intersect([at_least(n), complement(at_least(n + 1), ctx)])
    )
    return exactly if op == "==" else complement(exactly, ctx)


def _coverage_leaf(
    node: EventCondition, pos: ir.Table, ctx: IntervalContext, clipped: Callable
) -> ir.Table:
    """``count op n`` or ``sum op v`` by weighted coverage of the intervals ``pos``."""
    weight: object = "w" if node.measure == "sum" else 1
    value = ibis.literal(node.value).cast(SUM_TYPE) if node.measure == "sum" else node.value
    cmp = COMPARE[node.op]
    if not holds_without_events(node):
        return clipped(sweep([(pos, weight)], lambda c: cmp(c, value)))
    return complement(sweep([(pos, weight)], lambda c: ~cmp(c, value)), ctx)


def _seen_leaf(node: EventCondition, rows: ir.Table, ctx: IntervalContext) -> ir.Table:
    """last_seen / first_seen: piecewise constant between events, then compared."""
    rows = rows.group_by(["cid", "ts"]).aggregate(lo=rows.lo.min(), hi=rows.hi.max())
    w = ibis.window(group_by="cid", order_by="ts")
    if node.measure == "last_seen":
        nxt = rows.lo.lead().over(w).fill_null(timestamp(HI))
        pieces = rows.mutate(hi=ibis.least(rows.hi, nxt))
    else:
        prev = rows.hi.lag().over(w).fill_null(timestamp(LO))
        pieces = rows.mutate(lo=ibis.greatest(rows.lo, prev))
    pieces = pieces.filter(pieces.lo < pieces.hi)
    return merge(ctx.to_pos(_concat(solve_time(pieces, pieces.ts, node.op, node.value))))


def _seen_leaf_general(
    node: EventCondition, rows: ir.Table, ctx: IntervalContext, clipped: Callable
) -> ir.Table:
    """Compute last_seen / first_seen over pieces whose bounds do not grow with ``ts``.

    This goes through "some active event has ts op v(t)".
    """

    def some(op: str) -> ir.Table:  # instants at which an active event has ts op v(t)
        return merge(ctx.to_pos(_concat(solve_time(rows, rows.ts, op, node.value))))

    active = merge(ctx.to_pos(rows.select("cid", "lo", "hi")))
    later, earlier = (">", "<") if node.measure == "last_seen" else ("<", ">")
    op = node.op
    if op in (later, later + "="):
        return clipped(some(op))
    if op == earlier:  # last_seen < v: no active event at or after v (first_seen: mirrored)
        return intersect([active, complement(some(later + "="), ctx)])
    if op == earlier + "=":
        return intersect([active, complement(some(later), ctx)])
    exactly = intersect([some("=="), complement(some(later), ctx)])
    return exactly if op == "==" else intersect([active, complement(exactly, ctx)])


def _calendar_window(node: EventCondition, ts: str) -> EventCondition:
    """Rewrite a window in calendar months as a ``where`` on the event's timestamp.

    ``t - 1mo`` is not monotone in t (docs/decisions.md), so an event may leave such a
    window and come back: ``within="1mo"`` becomes ``where(ts > "-1mo")``, ``between``
    ``where(ts >= start, ts < end)``, solved per event by the relative-where algebra.
    Other windows are returned as they are.
    """
    window = node.window
    if isinstance(window, Within) and window.duration.is_calendar:
        conds: tuple[Rule, ...] = (Compare(ts, ">", RelativeTime("now", -window.duration)),)
    elif isinstance(window, Between) and any(
        isinstance(v, RelativeTime) and (v.is_calendar or v.anchor in PERIOD_ANCHORS)
        for v in (window.start, window.end)
    ):
        conds = (Compare(ts, ">=", window.start), Compare(ts, "<", window.end))
    else:
        return node
    where = conds if node.where is None else (*conds, node.where)
    return replace(node, window=None, where=And(where) if len(where) > 1 else where[0])


def event_leaf(node: EventCondition, ctx: IntervalContext, clip: bool = True) -> ir.Table:
    """Intervals of an event condition within each contact's lifetime.

    Results that hold without events are complements (already within the lifetime);
    the others are clipped to it (which also drops events of unknown contacts) unless
    ``clip`` is false because the caller complements them anyway.
    """
    node = _calendar_window(node, ctx.tables.bindings.ts)
    rows = _event_rows(node, ctx)

    def clipped(table: ir.Table) -> ir.Table:
        return ctx.clip(table) if clip else table

    if relative_where(node):  # event pieces in no particular order: general algebra
        if node.measure in ("count", "sum"):
            return _coverage_leaf(node, ctx.to_pos(rows), ctx, clipped)
        return _seen_leaf_general(node, rows, ctx, clipped)
    if node.measure == "count":
        leaf = _count_leaf(node, _event_pos(node, rows, ctx), ctx)
        return leaf if holds_without_events(node) else clipped(leaf)
    if node.measure == "sum":
        return _coverage_leaf(node, _event_pos(node, rows, ctx), ctx, clipped)
    return clipped(_seen_leaf(node, rows, ctx))
