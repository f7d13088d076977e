"""The batched history plan: every grid instant evaluated as-of, in one query.

For a sparse grid (weekly, monthly) the interval engine's fixed cost (ordering every
contact's events, building and combining intervals) is that of 25-35 as-of
evaluations, while an as-of evaluation at each grid instant reads only the events of
its window.  This plan evaluates all of them at once:

1. the grid is a small table ``(__k, __t)``: index 0 is ``t_(-1)``, index k ``t_(k-1)``;
2. each set of events (types, window, where) is range-joined to the grid instants whose
   window holds them and aggregated per ``(contact, __k)``, exactly as the as-of query
   aggregates per contact at one instant (a 30-day window on a weekly grid: each event
   counts at 4 or 5 instants);
3. the contacts are crossed with the grid (or, when the rule needs an event condition
   that fails without events, start from that aggregate's rows only), the SCD2 rows
   valid at each ``__t`` are joined, and the as-of predicate is applied with the
   evaluation instant being the ``__t`` column: members are ``(contact, __k)`` rows;
4. a run of consecutive indices of one contact is one membership run: it starts at
   its first index and ends after its last one, giving the ``(j, starts, ends)`` counts
   that :func:`~segment_lab.engine._history.history_frame` turns into the history.

Membership at each instant is by construction that of an as-of evaluation there
(the same predicate code, with t a column).  Everything is an Ibis expression, so the
plan runs on every backend.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import ibis

from segment_lab.engine._asof import (
    AsOfPlan,
    _measure_predicate,
    _required,
    event_nodes,
    metric,
    universe,
    used_fields,
    window_filter,
)
from segment_lab.engine._bitmask import suits, why_not
from segment_lab.engine._grid import grid_ceil, timestamp
from segment_lab.errors import InvalidValueError, did_you_mean
from segment_lab.model._time import Within

if TYPE_CHECKING:
    from collections.abc import Sequence

    import ibis.expr.types as ir

    from segment_lab.engine._checks import TableStats
    from segment_lab.engine._schema import Tables
    from segment_lab.model._nodes import EventCondition, Rule

__all__ = [
    "HISTORY_PLANS",
    "INTERVALS_WEIGHT",
    "batched_counts",
    "check_plan",
    "choose_plan",
    "grid_table",
    "plan_costs",
    "window_span",
]

#: The history plans ``Workspace.history(..., plan=...)`` takes ("auto": chosen).
HISTORY_PLANS = ("auto", "bitmask", "batched", "intervals")

#: Rows the interval engine handles per event it reads and per contact, in units of one
#: joined row of the batched plan (fitted on the bench data: the interval engine orders
#: every event, builds and merges intervals and complements over lifetimes).
INTERVALS_WEIGHT = 3.5

K, T = "__k", "__t"


def grid_table(instants: Sequence[dt.datetime]) -> ir.Table:
    """Return the grid as a table ``(__k, __t)``: ``instants[k]`` at index k."""
    return ibis.memtable(
        {K: list(range(len(instants))), T: list(instants)},
        schema={K: "int64", T: "timestamp"},
    )


def window_span(node: EventCondition) -> dt.timedelta | None:
    """How far before t an event can count for ``node`` (None: unbounded or calendar)."""
    w = node.window
    if isinstance(w, Within) and not w.duration.is_calendar:
        return dt.timedelta(seconds=w.duration.seconds)
    return None


def _reach(node: EventCondition, step: dt.timedelta | int, npos: int) -> int:
    """How many consecutive grid instants can hold one event of ``node`` (at most ``npos``)."""
    span = window_span(node)
    if span is None:
        return npos
    least = step if isinstance(step, dt.timedelta) else dt.timedelta(days=28 * step)
    return min(npos, span // least + 1)


def plan_costs(rule: Rule, stats: TableStats, grid: Any) -> dict[str, float]:
    """Estimated rows each history plan handles for ``rule`` on ``grid`` (a Grid; decisions.md).

    batched: for each set of events, the events that can count at a grid instant times
    the instants one event reaches (window over step, or all of them for an unbounded
    window), plus the ``(contact, instant)`` frame: contacts x instants, unless the rule
    needs an event condition that fails without events (then the frame is that
    condition's pairs, already counted), once more when SCD2 rows are joined onto it.
    intervals: :data:`INTERVALS_WEIGHT` x (events read + contacts + SCD2 rows per
    attribute read from them), independent of the grid.
    """
    _, step, npos = grid.positions
    first, last = grid.before, grid.end
    groups: dict[tuple, list[EventCondition]] = {}
    for n in event_nodes(rule):
        groups.setdefault((n.types, n.window, n.where), []).append(n)
    required = _required(rule)
    pairs, read, pruned = 0.0, 0.0, None
    for members in groups.values():
        node = members[0]
        span = window_span(node)
        events = stats.events(node.types, None if span is None else first - span, last)
        mine = events * _reach(node, step, npos)
        pairs, read = pairs + mine, read + events
        if any(n in required for n in members):
            pruned = mine if pruned is None else min(pruned, mine)
    frame = float(stats.contacts * npos) if pruned is None else 0.0  # pruned: in pairs
    hist = [f for f in used_fields(rule) if stats.history and f in stats.history_attrs]
    if hist:  # the SCD2 rows valid at each instant are joined onto the frame
        frame += float(stats.contacts * npos) if pruned is None else pruned
    return {
        "batched": pairs + frame,
        "intervals": INTERVALS_WEIGHT * (read + stats.contacts + stats.history * len(hist)),
    }


def choose_plan(
    rule: Rule,
    stats: TableStats | None,
    grid: Any,
    plan: str | None = "auto",
    tables: Tables | None = None,
) -> str:
    """Return the history plan to run: ``plan`` if forced, else the cheapest that applies.

    "bitmask" where it applies (``tables`` given, see
    :func:`~segment_lab.engine._bitmask.why_not`) and suits the rule
    (:func:`~segment_lab.engine._bitmask.suits`: it reads each event about once);
    otherwise the cheaper of "batched" and "intervals" by :func:`plan_costs`.

    Raises
    ------
    InvalidValueError
        When ``plan`` is not one of :data:`HISTORY_PLANS`, or is "bitmask" where it does
        not apply (saying why).

    Examples
    --------
    >>> import datetime as dt
    >>> from segment_lab import event
    >>> from segment_lab.engine._checks import TableStats
    >>> from segment_lab.engine._queries import make_grid
    >>> day = dt.datetime(2025, 1, 1)
    >>> stats = TableStats(1000, 0, {"email_open": (6000, day - dt.timedelta(days=365), day)})
    >>> rule = event("email_open").sum("value", within="30d") >= 3
    >>> choose_plan(rule, stats, make_grid(day - dt.timedelta(days=364), day, "1mo"))
    'batched'
    >>> choose_plan(rule, stats, make_grid(day - dt.timedelta(days=364), day, "1d"))
    'intervals'
    """
    plan = check_plan(plan)
    if plan in ("auto", "bitmask") and tables is not None:
        reason = why_not(rule, tables, grid.n + 1)
        if reason is None and (plan == "bitmask" or suits(rule, grid.positions)):
            return "bitmask"
        if plan == "bitmask":
            raise InvalidValueError(
                f"plan='bitmask' does not apply here: {reason}; use plan='batched' or "
                "'intervals' (or 'auto')."
            )
    if plan == "bitmask":
        raise InvalidValueError("plan='bitmask' needs the workspace's tables to check it applies.")
    if plan == "auto":
        costs = plan_costs(rule, stats, grid)  # type: ignore[arg-type]
        return "batched" if costs["batched"] < costs["intervals"] else "intervals"
    return plan


def check_plan(plan: object) -> str:
    """Return ``plan`` (None: "auto") if it is one of :data:`HISTORY_PLANS`.

    Raises
    ------
    InvalidValueError
        When it is not, naming the valid plans.

    Examples
    --------
    >>> check_plan("batched")
    'batched'
    >>> check_plan("batch")
    Traceback (most recent call last):
    ...
    segment_lab.errors.InvalidValueError: plan='batch' is not a history plan; choose one of 'auto', 'bitmask', 'batched', 'intervals'. Did you mean 'batched'?
    """
    if plan is None:
        return "auto"
    if plan not in HISTORY_PLANS:
        raise InvalidValueError(
            f"plan={plan!r} is not a history plan; choose one of "
            f"{', '.join(map(repr, HISTORY_PLANS))}." + did_you_mean(str(plan), HISTORY_PLANS)
        )
    return plan  # type: ignore[return-value]


def _events_at_grid(
    nodes: list[EventCondition], names: dict, tables: Tables, grid: ir.Table, shape: tuple
) -> ir.Table:
    """Aggregate one set of events per ``(contact, __k)``: the as-of metrics at each instant.

    Each event is paired with the instants ``k0 .. k0 + reach - 1`` from the first at or
    after it (a cross join with a small table of offsets, then an equi-join to the
    grid), the exact window conditions then keep those whose window holds it.
    """
    b, ev = tables.bindings, tables.events
    g0, step, npos, first, last = shape
    node = nodes[0]
    span = window_span(node)
    pre = (ev[b.ts] <= timestamp(last)) & ev[b.event_type].isin(list(node.types))
    if span is not None:  # an expression of the first instant: plans substitute its literal
        pre &= ev[b.ts] > timestamp(first) - ibis.interval(seconds=int(span.total_seconds()))
    ev = ev.filter(pre)
    ev = ev.mutate(__k0=ibis.greatest(grid_ceil(ev[b.ts], g0, step), 0))
    reach = _reach(node, step, npos)
    offsets = ibis.memtable({"__o": list(range(reach))}, schema={"__o": "int64"})
    pairs = ev.cross_join(offsets)
    pairs = pairs.mutate(**{K: pairs["__k0"] + pairs["__o"]})
    joined = pairs.join(grid, K)
    joined = joined.filter(
        (joined[b.ts] <= joined[T]) & window_filter(joined, node, tables, joined[T])
    )
    agg = joined.group_by([b.contact_id, K]).aggregate(
        **{names[n]: metric(joined, n, None, tables) for n in nodes}
    )
    return agg.join(grid, K)  # the instant after the aggregate: two integer keys hash faster


def _frame(rule: Rule, tables: Tables, grid: ir.Table, shape: tuple) -> tuple[ir.Table, dict]:
    """Return the joined ``(contact, __k)`` frame and metric names (``plan_asof`` per instant)."""
    b = tables.bindings
    cid = b.contact_id
    fields = used_fields(rule)
    for f in fields:
        tables.contact_dtype(f)
    hist = [f for f in fields if tables.history is not None and f in tables.history_attrs]
    keep = [cid]
    if tables.has_created_at:
        keep.append(b.created_at)
    keep += [f for f in fields if f not in hist and f not in keep]
    contacts = tables.contacts.select(*keep)
    nodes = event_nodes(rule)
    names = {n: f"__m{i}" for i, n in enumerate(nodes)}
    groups: dict[tuple, list[EventCondition]] = {}
    for n in nodes:
        groups.setdefault((n.types, n.window, n.where), []).append(n)
    required = _required(rule)
    aggs = []
    for members in groups.values():
        agg = _events_at_grid(members, names, tables, grid, shape)
        needed = [n for n in members if n in required]
        if needed:  # a HAVING clause: rows that cannot be members are dropped early
            agg = agg.filter(*(_measure_predicate(n, agg[names[n]], agg[T], False) for n in needed))
        aggs.append((bool(needed), members, agg))
    aggs.sort(key=lambda x: not x[0])
    if aggs and aggs[0][0]:  # start from the rows an inner join keeps
        _, members, agg = aggs.pop(0)
        frame = agg.join(contacts, cid).select(*keep, K, T, *(names[n] for n in members))
    else:
        frame = contacts.cross_join(grid)
    for inner, members, agg in aggs:
        cols = list(frame.columns)
        agg = agg.drop(T)
        frame = frame.join(agg, [cid, K], how="inner" if inner else "left")
        frame = frame.select(*cols, *(names[n] for n in members))
    if hist:
        h = tables.history
        h = h.select(
            **{"__hc": h[cid], "__vf": h[b.valid_from], "__vt": h[b.valid_to]},
            **{f: h[f] for f in hist},
        )
        cols = list(frame.columns)
        on = [
            frame[cid] == h["__hc"],
            h["__vf"] <= frame[T],
            h["__vt"].isnull() | (h["__vt"] > frame[T]),
        ]
        frame = frame.left_join(h, on).select(*cols, *hist)
    return frame, names


def batched_counts(
    rule: Rule,
    tables: Tables,
    positions: tuple,
    instants: Sequence[dt.datetime],
    grid: ir.Table | None = None,
) -> ir.Table:
    """``(j, starts, ends)`` of ``rule`` on a grid, in one query.

    ``positions`` is ``(t_(-1), step, npoints)`` (``Grid.positions``), ``instants`` the
    npoints instants, ``t_(-1)`` first.  A start at j: a member at index j but not at
    j-1; an end at j: the reverse.
    """
    grid = grid_table(instants) if grid is None else grid
    g0, step, npos = positions
    frame, names = _frame(rule, tables, grid, (g0, step, npos, instants[0], instants[-1]))
    cid = tables.bindings.contact_id
    plan = AsOfPlan(frame, names, tables, frame[T])
    members = frame.filter(universe(frame, tables, frame[T]) & plan.predicate(rule))
    members = members.select(cid, K)
    if not tables.validated:
        members = members.distinct()
    w = ibis.window(group_by=members[cid], order_by=members[K])
    runs = members.mutate(__prev=members[K].lag().over(w), __next=members[K].lead().over(w))
    starts = runs.filter(runs["__prev"].isnull() | (runs["__prev"] != runs[K] - 1))
    ends = runs.filter(runs["__next"].isnull() | (runs["__next"] != runs[K] + 1))
    s = starts.group_by(j=starts[K]).aggregate(starts=starts.count(), ends=ibis.literal(0, "int64"))
    e = ends.group_by(j=ends[K] + 1).aggregate(starts=ibis.literal(0, "int64"), ends=ends.count())
    both = ibis.union(s, e, distinct=False)
    return both.group_by("j").aggregate(starts=both.starts.sum(), ends=both.ends.sum())
