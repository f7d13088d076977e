"""As-of compilation: a rule at instant t -> one Ibis query for its members.

The query scans the events once (one conditional aggregate per event condition),
joins the aggregates and the SCD2 attributes valid at t onto the contacts, and
filters by one predicate built node by node (semantics: docs/semantics.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ibis

from segment_lab.engine._attributes import (
    COMPARE,
    Columns,
    Instant,
    attribute_predicate,
    resolve_time,
    row_predicate,
)
from segment_lab.engine._dispatch import refuse, register_each, rule_walk
from segment_lab.engine._schema import Tables
from segment_lab.errors import InvalidValueError, UnsupportedNodeError
from segment_lab.model._nodes import (
    ATTRIBUTE_NODES,
    NODE_TYPES,
    And,
    EventCondition,
    InSegment,
    Not,
    Or,
    Rule,
    walk,
)
from segment_lab.model._time import Between, Within

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "SUM_TYPE",
    "AsOfPlan",
    "compile_members",
    "event_nodes",
    "holds_without_events",
    "plan_asof",
    "universe",
    "used_fields",
    "window_filter",
]

#: Sums of event values are exact decimals, so that as-of and history agree to the cent.
SUM_TYPE = "decimal(38, 9)"


def event_nodes(rule: Rule) -> list[EventCondition]:
    """Distinct event conditions of a rule (in first-seen order)."""
    out: dict[EventCondition, None] = {}
    for node in walk(rule):
        if isinstance(node, EventCondition):
            out.setdefault(node, None)
    return list(out)


def used_fields(rule: Rule) -> list[str]:
    """Contact fields the rule's attribute conditions read (not those inside ``where``)."""
    out: dict[str, None] = {}
    stack = [rule]
    while stack:
        node = stack.pop()
        if isinstance(node, ATTRIBUTE_NODES):
            out.setdefault(node.field, None)
        stack.extend(node.children())
    return list(out)


def window_filter(
    ev: ir.Table, node: EventCondition, tables: Tables, t: Instant
) -> ir.BooleanValue:
    """Type, ``where`` and window conditions of one event condition (ts <= t is applied by the caller)."""
    b = tables.bindings
    cond = ev[b.event_type].isin(list(node.types))
    if isinstance(node.window, Within):
        d = node.window.duration
        if isinstance(t, dt.datetime):
            cond &= ev[b.ts] > (-d).add_to(t)
        elif d.is_calendar:  # DuckDB clips at month end as pandas does
            cond &= ev[b.ts] > t - ibis.interval(months=d.months)
        else:
            cond &= ev[b.ts] > t - ibis.interval(seconds=d.seconds)
    elif isinstance(node.window, Between):
        lo, hi = resolve_time(node.window.start, t), resolve_time(node.window.end, t)
        cond &= (ev[b.ts] >= lo) & (ev[b.ts] < hi)
    if node.where is not None:
        cols = Columns(ev, tables.event_dtype, "events", t, safe=False)  # a FILTER clause
        cond &= row_predicate(node.where, cols)
    return cond


def holds_without_events(node: EventCondition) -> bool:
    """Whether the condition holds for a contact with no matching events (count or sum 0)."""
    return node.measure in ("count", "sum") and COMPARE[node.op](0, node.value)


def metric(
    ev: ir.Table, node: EventCondition, cond: ir.BooleanValue | None, tables: Tables
) -> ir.Value:
    """Return the aggregate of one event condition over the (pre-filtered) events ``ev``."""
    ts = ev[tables.bindings.ts]
    if node.measure == "count":
        return ev.count() if cond is None else ts.count(where=cond)
    if node.measure == "sum":
        dtype = tables.event_dtype(node.column)  # type: ignore[arg-type]
        if not dtype.is_numeric() or dtype.is_boolean():
            raise InvalidValueError(
                f"event(...).sum({node.column!r}) needs a numeric events column, but "
                f"{node.column!r} is {dtype}."
            )
        # exact decimal sums, as the interval engine adds and removes values
        return ev[node.column].cast(SUM_TYPE).sum(where=cond)
    return ts.max(where=cond) if node.measure == "last_seen" else ts.min(where=cond)


@dataclass
class AsOfPlan:
    """The joined contacts frame at t and the names of its metric columns."""

    frame: ir.Table
    metrics: dict[EventCondition, str]
    tables: Tables
    t: Instant

    def predicate(self, rule: Rule, safe: bool = False) -> ir.BooleanValue:
        """Return the rule as a filter (``safe``: exactly true/false, e.g. to sum or negate it)."""
        return _predicate(rule, self, safe)


def _group_aggregate(
    nodes: list[EventCondition], names: dict[EventCondition, str], tables: Tables, t: Instant
) -> ir.Table:
    """One aggregate per contact over one set of events (same types, window and where)."""
    b, ev = tables.bindings, tables.events
    ev = ev.filter((ev[b.ts] <= t) & window_filter(ev, nodes[0], tables, t))
    return ev.group_by(b.contact_id).aggregate(
        **{names[n]: metric(ev, n, None, tables) for n in nodes}
    )


def _required(rule: Rule) -> set[EventCondition]:
    """Return the event conditions a member must satisfy and that fail without events.

    These are the rule's top-level conjuncts such as ``count(...) >= 3`` (an inner join
    may drop the rest).
    """
    conjuncts = rule.rules if isinstance(rule, And) else (rule,)
    return {c for c in conjuncts if isinstance(c, EventCondition) and not holds_without_events(c)}


def _join_events(
    frame: ir.Table, rule: Rule, tables: Tables, t: Instant, prune: bool
) -> tuple[ir.Table, dict]:
    """Join one aggregate per set of events.

    Each scan reads only its own types and window, as hand-written SQL would, and sets
    every member needs are inner joins.
    """
    if tables.events is None:
        tables.event_dtype(tables.bindings.ts)  # raises BindingError: no events table
    nodes = event_nodes(rule)
    names = {n: f"__m{i}" for i, n in enumerate(nodes)}
    groups: dict[tuple, list[EventCondition]] = {}
    for n in nodes:
        groups.setdefault((n.types, n.window, n.where), []).append(n)
    required = _required(rule) if prune else set()
    cid = tables.bindings.contact_id
    # inner joins (sets every member needs) first, so later joins see fewer contacts
    ordered = sorted(groups.values(), key=lambda ms: not any(n in required for n in ms))
    for members in ordered:
        agg = _group_aggregate(members, names, tables, t)
        cols = list(frame.columns)
        how = "inner" if any(n in required for n in members) else "left"
        if how == "inner":  # filter the aggregate before the join (a HAVING clause)
            needed = [n for n in members if n in required]
            agg = agg.filter(*(_measure_predicate(n, agg[names[n]], t, safe=False) for n in needed))
        frame = frame.join(agg, cid, how=how).select(*cols, *(names[n] for n in members))
    return frame, names


def _history_at(tables: Tables, attrs: list[str], t: Instant) -> ir.Table:
    b, h = tables.bindings, tables.history
    valid = (h[b.valid_from] <= t) & (h[b.valid_to].isnull() | (h[b.valid_to] > t))
    return h.filter(valid).select(b.contact_id, *attrs)


def plan_asof(rule: Rule, tables: Tables, t: Instant, prune: bool = True) -> AsOfPlan:
    """Build the joined contacts frame for ``rule`` at ``t`` (``rule`` already inlined).

    ``prune``: the frame may drop contacts that cannot satisfy ``rule`` (inner joins);
    false when several rules are evaluated over one frame.
    """
    b = tables.bindings
    fields = used_fields(rule)
    for f in fields:
        tables.contact_dtype(f)  # unknown field -> UnknownFieldError with did-you-mean
    hist = [f for f in fields if tables.history is not None and f in tables.history_attrs]
    keep = [b.contact_id]
    if tables.has_created_at and b.created_at not in keep:
        keep.append(b.created_at)  # type: ignore[arg-type]
    keep += [f for f in fields if f not in hist and f not in keep]
    frame = tables.contacts.select(*keep)
    metrics: dict[EventCondition, str] = {}
    if event_nodes(rule):  # first: their inner joins shrink the frame
        frame, metrics = _join_events(frame, rule, tables, t, prune)
    if hist:
        h = _history_at(tables, hist, t)
        cols = list(frame.columns)
        frame = frame.left_join(h, b.contact_id).select(*cols, *hist)
    return AsOfPlan(frame, metrics, tables, t)


def universe(frame: ir.Table, tables: Tables, t: Instant) -> ir.BooleanValue:
    """Contacts that exist at t (created_at <= t; NULL created_at: always)."""
    if not tables.has_created_at:
        return ibis.literal(True)
    c = frame[tables.bindings.created_at]
    return c.isnull() | (c <= t)


def compile_members(rule: Rule, tables: Tables, t: Instant) -> ir.Table:
    """Members of ``rule`` (references already inlined) at ``t``: one column, contact_id."""
    plan = plan_asof(rule, tables, t)
    cid = tables.bindings.contact_id
    out = plan.frame.filter(universe(plan.frame, tables, t) & plan.predicate(rule)).select(cid)
    # unvalidated data may repeat a contact (ids, overlapping history rows): never twice
    return out if tables.validated else out.distinct()


@rule_walk(NODE_TYPES)
def _predicate(rule: Rule, plan: AsOfPlan, safe: bool) -> ir.BooleanValue:
    raise UnsupportedNodeError.of(rule, "The as-of engine")


@register_each(_predicate, ATTRIBUTE_NODES)
def _(rule: Rule, plan: AsOfPlan, safe: bool) -> ir.BooleanValue:
    cols = Columns(plan.frame, plan.tables.contact_dtype, "contacts", plan.t, safe)
    return attribute_predicate(rule, cols)


refuse(_predicate, (InSegment,), "The as-of engine", "resolve references with inline() first")


@_predicate.register(And)
def _(rule: And, plan: AsOfPlan, safe: bool) -> ir.BooleanValue:
    return ibis.and_(*(_predicate(r, plan, safe) for r in rule.rules))


@_predicate.register(Or)
def _(rule: Or, plan: AsOfPlan, safe: bool) -> ir.BooleanValue:
    return ibis.or_(*(_predicate(r, plan, safe) for r in rule.rules))


@_predicate.register(Not)
def _(rule: Not, plan: AsOfPlan, safe: bool) -> ir.BooleanValue:
    return ~_predicate(rule.rule, plan, True)


@_predicate.register(EventCondition)
def _(rule: EventCondition, plan: AsOfPlan, safe: bool) -> ir.BooleanValue:
    return _measure_predicate(rule, plan.frame[plan.metrics[rule]], plan.t, safe)


def _measure_predicate(
    rule: EventCondition, col: ir.Value, t: Instant, safe: bool
) -> ir.BooleanValue:
    """``measure op value`` on the aggregated column ``col`` (NULL: the contact has no events)."""
    if rule.measure in ("count", "sum"):
        value = ibis.literal(rule.value).cast(SUM_TYPE) if rule.measure == "sum" else rule.value
        if not safe and not holds_without_events(rule):
            return COMPARE[rule.op](col, value)  # no events: NULL, not selected either way
        return COMPARE[rule.op](col.fill_null(0), value)
    value = resolve_time(rule.value, t)  # type: ignore[arg-type]
    cmp = COMPARE[rule.op](col, value)
    return cmp.fill_null(False) if safe else cmp
