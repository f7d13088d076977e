"""Interval compilation: a rule -> exact membership intervals per contact (docs/semantics.md).

Every node compiles to a table of maximal, disjoint half-open intervals
``(cid, lo, hi)``: the instants t at which the node holds for that contact.
Leaves derive them from the data (an attribute row's validity, each event's
window of influence), combinations come from :mod:`segment_lab.engine._sweep`.
The cost grows with the data, never with the number of instants later sampled.

Instants are exact to the microsecond, the resolution of the timestamps: a
condition that starts to hold just after x (``t > x``) starts at ``x + 1µs``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import singledispatch
from typing import TYPE_CHECKING, Any

import ibis

from segment_lab.engine._asof import _CMP, ATTRIBUTE_NODES, SUM_TYPE, _where, used_fields
from segment_lab.engine._attributes import Columns, attribute_predicate
from segment_lab.engine._schema import Tables
from segment_lab.engine._sweep import _concat, intersect, merge, merge_monotone, sweep, union
from segment_lab.engine._sweep import complement as _complement
from segment_lab.errors import InvalidValueError
from segment_lab.model._nodes import (
    And,
    Compare,
    EventCondition,
    IsEmpty,
    IsIn,
    IsNull,
    ListHas,
    Not,
    Or,
    Range,
    Rule,
    walk,
)
from segment_lab.model._time import AbsoluteTime, Between, RelativeTime, Within

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["HI", "LO", "IntervalContext", "compile_intervals"]

#: Sentinels for "since always" and "for ever" (outside any real data).
LO = dt.datetime(1000, 1, 1)
HI = dt.datetime(9000, 1, 1)
US = ibis.interval(microseconds=1)
DAY = ibis.interval(days=1)


def _ts(value: dt.datetime) -> ir.TimestampScalar:
    return ibis.literal(value, type="timestamp")


@dataclass
class IntervalContext:
    """What interval compilation reads: the tables, and the instants of interest.

    ``end``: no data after it is read (no look-ahead).  ``horizon``: intervals that
    end before it may be dropped (an optimisation for sampled history).  ``grid``:
    ``(g0, step, npoints)`` to compile straight to grid indices: an interval
    ``[lo, hi)`` of instants becomes the index range ``[ceil((lo-g0)/step),
    ceil((hi-g0)/step))`` (the grid points it contains), clipped to ``[0, npoints]``.
    Combining index ranges is exact for membership at the grid points, and cheaper:
    events that fall between the same two grid points collapse into one position.
    """

    tables: Tables
    end: dt.datetime
    horizon: dt.datetime = LO
    grid: tuple[dt.datetime, dt.timedelta, int] | None = None

    def lifetime_time(self) -> ir.Table:
        """``(cid, lo, hi)`` in instants: each contact's existence (from created_at, or always)."""
        b, c = self.tables.bindings, self.tables.contacts
        lo = c[b.created_at].fill_null(_ts(LO)) if self.tables.has_created_at else _ts(LO)
        out = c.select(
            cid=c[b.contact_id], lo=ibis.greatest(lo.cast("timestamp"), _ts(LO)), hi=_ts(HI)
        )
        return out.filter(out.lo <= self.end)

    def lifetime(self) -> ir.Table:
        """The lifetime in output positions (instants, or grid indices)."""
        return self.to_pos(self.lifetime_time())

    def clip(self, table: ir.Table) -> ir.Table:
        """A maximal ``table`` (in positions) within each contact's lifetime, maximal again.

        The same as intersecting it with :meth:`lifetime`, but the position of each
        ``created_at`` is computed only for the contacts the join keeps, not for all of
        them (the join also drops the intervals of unknown contacts).
        """
        b, c = self.tables.bindings, self.tables.contacts
        if self.tables.has_created_at:
            born = ibis.greatest(c[b.created_at].fill_null(_ts(LO)).cast("timestamp"), _ts(LO))
        else:
            born = _ts(LO)
        life = c.select(cid2=c[b.contact_id], born=born)
        life = life.filter(life.born <= self.end)
        j = table.join(life, table.cid == life.cid2)
        birth = j.born
        if self.grid is not None:
            g0, step, npoints = self.grid
            birth = _grid_index(birth, g0, step, npoints)
        out = j.select(cid=j.cid, lo=ibis.greatest(j.lo, birth), hi=j.hi)
        return out.filter(out.lo < out.hi)

    def to_pos(self, table: ir.Table) -> ir.Table:
        """Map ``lo``/``hi`` instants to output positions; drop empty intervals."""
        if self.grid is None:
            return table
        g0, step, npoints = self.grid
        out = table.mutate(
            lo=_grid_index(table.lo, g0, step, npoints), hi=_grid_index(table.hi, g0, step, npoints)
        )
        return out.filter(out.lo < out.hi)


def _grid_ceil(x: ir.TimestampValue, g0: dt.datetime, step: dt.timedelta) -> ir.IntegerValue:
    """``ceil((x - g0) / step)``: the first grid index at or after x (not clipped)."""
    us = x.delta(_ts(g0), unit="microsecond")
    per = step // dt.timedelta(microseconds=1)
    return -((-us) // per)


def _grid_index(
    x: ir.TimestampValue, g0: dt.datetime, step: dt.timedelta, npoints: int
) -> ir.IntegerValue:
    """``ceil((x - g0) / step)`` clipped to ``[0, npoints]``: the first grid index at or after x."""
    return ibis.greatest(ibis.least(_grid_ceil(x, g0, step), npoints), 0).cast("int64")


# -- time comparisons solved for t -------------------------------------------------
def _shift(tv: RelativeTime) -> ibis.Value:
    secs = int(tv.shift.total_seconds())
    return ibis.interval(seconds=secs) if secs else None  # type: ignore[return-value]


def solve_time(rows: ir.Table, x: ir.Value, op: str, tv: Any) -> list[ir.Table]:
    """Pieces of the rows' ``[lo, hi)`` where ``x op tv.resolve(t)`` holds, as tables.

    ``x`` is a timestamp per row; ``tv`` an absolute or relative time.
    """
    rows = rows.filter(x.notnull())  # NULL never compares (LEAST/GREATEST would skip it)
    lo, hi = rows.lo, rows.hi
    if isinstance(tv, AbsoluteTime):
        return [rows.filter(_CMP[op](x, tv.value).fill_null(False)).select("cid", "lo", "hi")]
    shift = _shift(tv)
    y = x - shift if shift is not None else x  # x op (anchor(t) + shift)  <=>  y op anchor(t)

    def piece(a: Any, b: Any, cond: Any = None) -> ir.Table:
        out = rows.select(cid=rows.cid, lo=a, hi=b, ok=cond if cond is not None else True)
        return out.filter(out.ok & (out.lo < out.hi)).select("cid", "lo", "hi")

    if tv.anchor == "now":  # y op t
        after = y + US
        return {
            ">": lambda: [piece(lo, ibis.least(hi, y))],
            ">=": lambda: [piece(lo, ibis.least(hi, after))],
            "<": lambda: [piece(ibis.greatest(lo, after), hi)],
            "<=": lambda: [piece(ibis.greatest(lo, y), hi)],
            "==": lambda: [piece(ibis.greatest(lo, y), ibis.least(hi, after))],
            "!=": lambda: [piece(lo, ibis.least(hi, y)), piece(ibis.greatest(lo, after), hi)],
        }[op]()
    # y op midnight(t)
    floor = y.truncate("D")
    ceil = ibis.ifelse(y == floor, floor, floor + DAY)
    exact = y == floor
    return {
        ">": lambda: [piece(lo, ibis.least(hi, ceil))],
        ">=": lambda: [piece(lo, ibis.least(hi, floor + DAY))],
        "<": lambda: [piece(ibis.greatest(lo, floor + DAY), hi)],
        "<=": lambda: [piece(ibis.greatest(lo, ceil), hi)],
        "==": lambda: [piece(ibis.greatest(lo, floor), ibis.least(hi, floor + DAY), exact)],
        "!=": lambda: [
            piece(lo, hi, ~exact),
            piece(lo, ibis.least(hi, floor), exact),
            piece(ibis.greatest(lo, floor + DAY), hi, exact),
        ],
    }[op]()


# -- attribute leaves --------------------------------------------------------------
def _source(name: str, ctx: IntervalContext) -> str:
    tabs = ctx.tables
    return "history" if tabs.history is not None and name in tabs.history_attrs else "contacts"


def _attribute_rows(names: list[str], source: str, ctx: IntervalContext) -> ir.Table:
    """``(cid, lo, hi, *names)``: attribute values over time, clipped to the lifetime."""
    tabs, b = ctx.tables, ctx.tables.bindings
    life = ctx.lifetime_time()
    if source == "history":
        h = tabs.history
        h = h.filter(h[b.valid_from] <= ctx.end)
        rows = h.select(
            cid=h[b.contact_id], vf=h[b.valid_from], vt=h[b.valid_to].fill_null(_ts(HI)),
            **{f"v{i}": h[n] for i, n in enumerate(names)},
        )  # fmt: skip
        j = rows.join(life, "cid")
        out = j.select(
            cid=j.cid, lo=ibis.greatest(j.vf, j.lo), hi=ibis.least(j.vt, j.hi),
            **{f"v{i}": j[f"v{i}"] for i in range(len(names))},
        )  # fmt: skip
        out = out.filter(out.lo < out.hi)
    else:
        c = tabs.contacts
        vals = c.select(cid=c[b.contact_id], **{f"v{i}": c[n] for i, n in enumerate(names)})
        out = life.join(vals, "cid")
    return out.select("cid", "lo", "hi", **{n: out[f"v{i}"] for i, n in enumerate(names)})


def _has_relative(node: Rule) -> bool:
    values = [getattr(node, a, None) for a in ("value", "low", "high")] + list(
        getattr(node, "values", ())
    )
    return any(isinstance(v, RelativeTime) for v in values)


def holds_on_null(rule: Rule) -> bool:
    """Whether an attribute-only rule holds when every attribute is NULL (two-valued logic)."""
    if isinstance(rule, And):
        return all(holds_on_null(r) for r in rule.rules)
    if isinstance(rule, Or):
        return any(holds_on_null(r) for r in rule.rules)
    if isinstance(rule, Not):
        return not holds_on_null(rule.rule)
    if isinstance(rule, Compare):
        return rule.op == "!="
    if isinstance(rule, (IsIn, IsNull, IsEmpty)):
        return not rule.negate if isinstance(rule, (IsNull, IsEmpty)) else rule.negate
    return isinstance(rule, ListHas) and rule.mode == "none"


def fusable_source(rule: Rule, ctx: IntervalContext) -> str | None:
    """The one table all of an attribute-only subtree reads, or None if it is not one.

    Such a subtree is a predicate on one row at a time, so it compiles to a single
    filter over the rows' validity intervals instead of one sweep per leaf.
    """
    sources = set()
    for node in walk(rule):
        if isinstance(node, (And, Or, Not)):
            continue
        if not isinstance(node, ATTRIBUTE_NODES) or _has_relative(node):
            return None
        sources.add(_source(node.field, ctx))
    return sources.pop() if len(sources) == 1 else None


def _fused_leaf(rule: Rule, source: str, ctx: IntervalContext) -> ir.Table:
    names = list(dict.fromkeys(n.field for n in walk(rule) if isinstance(n, ATTRIBUTE_NODES)))
    rows = _attribute_rows(names, source, ctx)
    cols = Columns(rows, ctx.tables.contact_dtype, "contacts", None)  # type: ignore[arg-type]
    pred = _where(rule, cols)
    if source == "contacts":  # one row per contact spanning its lifetime: no gaps, no overlaps
        return ctx.to_pos(rows.filter(pred).select("cid", "lo", "hi"))
    if holds_on_null(rule):  # also true where no history row applies: complement the failures
        return complement(ctx.to_pos(rows.filter(~pred).select("cid", "lo", "hi")), ctx)
    return merge(ctx.to_pos(rows.filter(pred).select("cid", "lo", "hi")))


def split_relative(node: Rule) -> Rule | None:
    """An attribute condition with relative times as plain comparisons, or None if it
    is one already: ``!=`` is ``~(==)``, ``between`` two comparisons, ``isin`` an OR."""
    name = node.field  # type: ignore[attr-defined]
    if isinstance(node, Compare):
        return Not(Compare(name, "==", node.value)) if node.op == "!=" else None
    if isinstance(node, Range):
        return And((Compare(name, ">=", node.low), Compare(name, "<=", node.high)))
    if isinstance(node, IsIn):
        inner = Or(tuple(Compare(name, "==", v) for v in node.values))
        return Not(inner) if node.negate else inner
    raise InvalidValueError(f"{type(node).__name__} cannot hold relative times: {node!r}.")


def _check_time_field(name: str, dtype: Any, what: str) -> None:
    if not (dtype.is_timestamp() or dtype.is_date()):
        raise InvalidValueError(
            f"{what} {name!r} is {dtype}; relative times compare only with timestamps."
        )


def _relative_leaf(node: Rule, ctx: IntervalContext) -> ir.Table:
    name = node.field  # type: ignore[attr-defined]
    _check_time_field(name, ctx.tables.contact_dtype(name), "Field")
    split = split_relative(node)
    if split is not None:
        return compile_intervals(split, ctx)
    rows = _attribute_rows([name], _source(name, ctx), ctx)
    pieces = solve_time(rows, rows[name].cast("timestamp"), node.op, node.value)  # type: ignore[attr-defined]
    return merge(ctx.to_pos(_concat(pieces)))


# -- event leaves --------------------------------------------------------------------
def _bound_lo(tv: Any, ts: ir.Value) -> ir.Value | None:
    """Earliest t at which an event at ``ts`` is before the window's end ``tv(t)``."""
    shift = _shift(tv)
    y = ts - shift if shift is not None else ts
    if tv.anchor == "now":  # ts < t + s  <=>  t > ts - s
        return y + US
    return y.truncate("D") + DAY  # ts < midnight(t) + s  <=>  midnight(t) > ts - s


def _bound_hi(tv: Any, ts: ir.Value) -> ir.Value:
    """First t at which an event at ``ts`` is before the window's start ``tv(t)``."""
    shift = _shift(tv)
    y = ts - shift if shift is not None else ts
    if tv.anchor == "now":  # t + s <= ts  <=>  t <= ts - s
        return y + US
    return y.truncate("D") + DAY  # midnight(t) + s <= ts  <=>  midnight(t) <= ts - s


def _earlier(instant: dt.datetime, delta: dt.timedelta) -> dt.datetime:
    """``instant - delta``, but never before :data:`LO` (or beyond the calendar)."""
    try:
        return max(instant - delta, LO)
    except OverflowError:
        return LO


def _event_rows(node: EventCondition, ctx: IntervalContext) -> ir.Table:
    """``(cid, ts, lo, hi, w)``: each matching event and the instants it counts at."""
    tabs, b = ctx.tables, ctx.tables.bindings
    ev = tabs.events
    if ev is None:
        tabs.event_dtype(b.ts)  # raises BindingError: no events table
    cond = (ev[b.ts] <= ctx.end) & ev[b.event_type].isin(list(node.types))
    relative_where = _relative_where(node)
    if node.where is not None and not relative_where:
        cond &= _where(node.where, Columns(ev, tabs.event_dtype, "events", None))  # type: ignore[arg-type]
    ts = ev[b.ts]
    lo, hi = ts, _ts(HI)
    window = node.window
    within = isinstance(window, Within)
    if within:
        seconds = window.duration.seconds
        hi = ts + ibis.interval(seconds=seconds)
        if ctx.horizon > LO:  # hi > horizon as a bound on ts itself: the scan skips row groups
            cond &= ts > _earlier(ctx.horizon, dt.timedelta(seconds=seconds))
    elif isinstance(window, Between):
        if isinstance(window.start, AbsoluteTime):
            cond &= ts >= window.start.value
        else:
            hi = _bound_hi(window.start, ts)
            if ctx.horizon > LO:  # implied by hi > horizon (see _bound_hi), but on ts alone
                cond &= ts > _earlier(ctx.horizon, dt.timedelta(days=1) - window.start.shift)
        if isinstance(window.end, AbsoluteTime):
            cond &= ts < window.end.value
        else:
            lo = ibis.greatest(lo, _bound_lo(window.end, ts))
    weight = ibis.literal(1)
    if node.measure == "sum":
        dtype = tabs.event_dtype(node.column)  # type: ignore[arg-type]
        if not dtype.is_numeric() or dtype.is_boolean():
            raise InvalidValueError(
                f"event(...).sum({node.column!r}) needs a numeric column, not {dtype}."
            )
        weight = ev[node.column].cast(SUM_TYPE).fill_null(0)
    # Not joined with the contacts here: the leaf's result is clipped to each contact's
    # lifetime once, on far fewer rows (an event before created_at still counts at
    # instants after it, exactly as in the as-of engine).
    if relative_where:  # number the events: their where-sets are joined back by number
        src = ev.filter(cond).mutate(eid=ibis.row_number())
        out = src.select(cid=src[b.contact_id], ts=ts, lo=lo, hi=hi, w=weight, eid=src.eid)
        out = out.filter((out.lo < out.hi) & (out.hi > ctx.horizon))
        return _restrict_by_where(node, src, ctx, out)
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
    width = window.duration.to_timedelta()
    if width % step:
        return ctx.to_pos(rows)
    k = _grid_ceil(rows.ts, g0, step)
    return rows.mutate(
        lo=ibis.greatest(k, 0).cast("int64"),
        hi=ibis.least(k + width // step, npoints).cast("int64"),
    )


def _relative_where(node: EventCondition) -> bool:
    """Whether the ``where`` rule compares event columns with times relative to t."""
    return node.where is not None and any(_has_relative(n) for n in walk(node.where))


def _restrict_by_where(
    node: EventCondition, ev: ir.Table, ctx: IntervalContext, rows: ir.Table
) -> ir.Table:
    """Event rows cut to the instants at which their ``where`` rule holds.

    A ``where`` with times relative to t holds for each event on a set of instants:
    compiled with the same interval algebra, each event being a "subject" that exists
    always.  An event then counts where its window and that set overlap (possibly in
    several pieces, so the ``lo``/``hi`` of these rows no longer grow with ``ts``).
    """
    fields = sorted({n.field for n in walk(node.where) if isinstance(n, ATTRIBUTE_NODES)})
    for f in fields:
        ctx.tables.event_dtype(f)  # unknown field -> UnknownFieldError with did-you-mean
    subjects = ev.select(cid="eid", lo=_ts(LO), hi=_ts(HI), **{f: ev[f] for f in fields})
    holds = _where_sets(node.where, subjects, ctx)  # type: ignore[arg-type]
    j = rows.join(holds.select(eid="cid", wlo="lo", whi="hi"), "eid")
    out = j.select("cid", "ts", lo=ibis.greatest(j.lo, j.wlo), hi=ibis.least(j.hi, j.whi), w=j.w)
    return out.filter(out.lo < out.hi)


def _where_sets(rule: Rule, subjects: ir.Table, ctx: IntervalContext) -> ir.Table:
    """Instants at which ``rule`` holds for each event (``subjects``: one row per event)."""
    life = subjects.select("cid", "lo", "hi")
    if isinstance(rule, And):
        return intersect([_where_sets(r, subjects, ctx) for r in rule.rules])
    if isinstance(rule, Or):
        return union([_where_sets(r, subjects, ctx) for r in rule.rules])
    if isinstance(rule, Not):
        return _complement(_where_sets(rule.rule, subjects, ctx), life)
    if not _has_relative(rule):
        cols = Columns(subjects, ctx.tables.event_dtype, "events", None)  # type: ignore[arg-type]
        return subjects.filter(attribute_predicate(rule, cols)).select("cid", "lo", "hi")
    name = rule.field  # type: ignore[attr-defined]
    _check_time_field(name, ctx.tables.event_dtype(name), "Event field")
    split = split_relative(rule)
    if split is not None:
        return _where_sets(split, subjects, ctx)
    pieces = solve_time(subjects, subjects[name].cast("timestamp"), rule.op, rule.value)  # type: ignore[attr-defined]
    return merge(_concat(pieces))


def _at_least(rows: ir.Table, n: int) -> ir.Table:
    """Where at least ``n`` of the rows' intervals overlap, for intervals whose ``lo`` and
    ``hi`` both grow with ``ts`` (true of every event window): at least n events count
    at p exactly when, for some event i, p is in ``[lo_i, hi_(i-n+1))``."""
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
        return complement(at_least(n), ctx) if n > 0 else _empty(ctx)
    if op == "<=":
        return complement(at_least(n + 1), ctx)
    exactly = (
        complement(at_least(n + 1), ctx)
        if n == 0
        else intersect([at_least(n), complement(at_least(n + 1), ctx)])
    )
    return exactly if op == "==" else complement(exactly, ctx)


def _empty(ctx: IntervalContext) -> ir.Table:
    life = ctx.lifetime()
    return life.filter(ibis.literal(False))


def _event_leaf(node: EventCondition, ctx: IntervalContext, clip: bool = True) -> ir.Table:
    """Intervals of an event condition within each contact's lifetime.

    Results that hold without events are complements (already within the lifetime);
    the others are clipped to it (which also drops events of unknown contacts) unless
    ``clip`` is false because the caller complements them anyway.
    """
    rows = _event_rows(node, ctx)

    def clipped(table: ir.Table) -> ir.Table:
        return ctx.clip(table) if clip else table

    if _relative_where(node):  # event pieces in no particular order: general algebra
        return _event_leaf_general(node, rows, ctx, clipped)
    if node.measure == "count":
        if _CMP[node.op](0, node.value):
            return _count_leaf(node, _event_pos(node, rows, ctx), ctx)
        return clipped(_count_leaf(node, _event_pos(node, rows, ctx), ctx))
    if node.measure == "sum":
        rows = _event_pos(node, rows, ctx)
        value = ibis.literal(node.value).cast(SUM_TYPE)
        if not _CMP[node.op](0, node.value):
            return clipped(sweep([(rows, "w")], lambda c: _CMP[node.op](c, value)))
        failing = sweep([(rows, "w")], lambda c: ~_CMP[node.op](c, value))
        return complement(failing, ctx)
    return clipped(_seen_leaf(node, rows, ctx))


def _event_leaf_general(
    node: EventCondition, rows: ir.Table, ctx: IntervalContext, clipped: Any
) -> ir.Table:
    """Event conditions over pieces whose bounds do not grow with ``ts``: counts and sums
    by weighted coverage, first/last seen through "some active event has ts op v(t)"."""
    if node.measure in ("count", "sum"):
        pos = ctx.to_pos(rows)
        w = "w" if node.measure == "sum" else 1
        value = ibis.literal(node.value).cast(SUM_TYPE) if node.measure == "sum" else node.value
        if not _CMP[node.op](0, node.value):
            return clipped(sweep([(pos, w)], lambda c: _CMP[node.op](c, value)))
        return complement(sweep([(pos, w)], lambda c: ~_CMP[node.op](c, value)), ctx)

    def some(op: str) -> ir.Table:  # instants at which an active event has ts op v(t)
        return merge(ctx.to_pos(_concat(solve_time(rows, rows.ts, op, node.value))))

    active = merge(ctx.to_pos(rows.select("cid", "lo", "hi")))
    later, earlier = (">", "<") if node.measure == "last_seen" else ("<", ">")
    none_beyond = {  # last_seen: none later than v; first_seen: none earlier than v
        later: None, later + "=": None,
        earlier: complement(some(later + "="), ctx), earlier + "=": complement(some(later), ctx),
    }  # fmt: skip
    op = node.op
    if op in (later, later + "="):
        return clipped(some(op))
    if op in (earlier, earlier + "="):
        return intersect([active, none_beyond[op]])
    exactly = intersect([some("=="), complement(some(later), ctx)])
    return exactly if op == "==" else intersect([active, complement(exactly, ctx)])


def _seen_leaf(node: EventCondition, rows: ir.Table, ctx: IntervalContext) -> ir.Table:
    """last_seen / first_seen: piecewise constant between events, then compared."""
    rows = rows.group_by(["cid", "ts"]).aggregate(lo=rows.lo.min(), hi=rows.hi.max())
    w = ibis.window(group_by="cid", order_by="ts")
    if node.measure == "last_seen":
        nxt = rows.lo.lead().over(w).fill_null(_ts(HI))
        pieces = rows.mutate(hi=ibis.least(rows.hi, nxt))
    else:
        prev = rows.hi.lag().over(w).fill_null(_ts(LO))
        pieces = rows.mutate(lo=ibis.greatest(rows.lo, prev))
    pieces = pieces.filter(pieces.lo < pieces.hi)
    return merge(ctx.to_pos(_concat(solve_time(pieces, pieces.ts, node.op, node.value))))


# -- combinations ----------------------------------------------------------------------
def complement(table: ir.Table, ctx: IntervalContext) -> ir.Table:
    """Positions in each contact's lifetime not covered by the maximal ``table``."""
    return _complement(table, ctx.lifetime())


def compile_intervals(rule: Rule, ctx: IntervalContext) -> ir.Table:
    """Maximal membership intervals ``(cid, lo, hi)`` of a rule (references inlined)."""
    source = fusable_source(rule, ctx)
    if source is not None:
        return _fused_leaf(rule, source, ctx)
    return _compile(rule, ctx)


@singledispatch
def _compile(rule: Rule, ctx: IntervalContext) -> ir.Table:
    if isinstance(rule, ATTRIBUTE_NODES):
        return _relative_leaf(rule, ctx)
    raise TypeError(f"The interval engine cannot compile {type(rule).__name__}: {rule!r}.")


@_compile.register(EventCondition)
def _(rule: EventCondition, ctx: IntervalContext) -> ir.Table:
    return _event_leaf(rule, ctx)


@_compile.register(And)
def _(rule: And, ctx: IntervalContext) -> ir.Table:
    parts = [compile_intervals(r, ctx) for r in rule.rules]
    return parts[0] if len(parts) == 1 else intersect(parts)


@_compile.register(Or)
def _(rule: Or, ctx: IntervalContext) -> ir.Table:
    parts = [compile_intervals(r, ctx) for r in rule.rules]
    return parts[0] if len(parts) == 1 else union(parts)


@_compile.register(Not)
def _(rule: Not, ctx: IntervalContext) -> ir.Table:
    if isinstance(rule.rule, EventCondition):  # the complement clips to the lifetime itself
        return complement(_event_leaf(rule.rule, ctx, clip=False), ctx)
    return complement(compile_intervals(rule.rule, ctx), ctx)


def membership(rule: Rule, ctx: IntervalContext) -> ir.Table:
    """Membership intervals of ``rule`` within the universe (each contact's lifetime)."""
    for f in used_fields(rule):
        ctx.tables.contact_dtype(f)  # unknown field -> UnknownFieldError
    # every leaf is clipped to the lifetime and NOT complements within it, so the
    # result already lies in the universe
    return compile_intervals(rule, ctx)


__all__ += ["complement", "membership", "solve_time"]
