"""An event's ``where`` rule with times relative to t, as instants per event.

``event("purchase").where(field("ts") > "-7d")`` asks of each event whether it
lies in the 7 days before t: a ``where`` comparing with relative times holds for
each event on a set of instants, not always or never.  Each event is then a
*subject* that exists always, the rule compiles to its instants with the interval
algebra, and the event counts where its window and that set overlap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis

from segment_lab.engine._attributes import Columns, attribute_predicate
from segment_lab.engine._dispatch import refuse, register_each, rule_walk
from segment_lab.engine._grid import HI, LO, IntervalContext, timestamp
from segment_lab.engine._solve import check_time_field, has_relative, solve_time, split_relative
from segment_lab.engine._sweep import _concat, intersect, merge, union
from segment_lab.engine._sweep import complement as _complement
from segment_lab.errors import UnsupportedNodeError
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

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["relative_where", "restrict_by_where"]


def relative_where(node: EventCondition) -> bool:
    """Whether the ``where`` rule compares event columns with times relative to t."""
    return node.where is not None and any(has_relative(n) for n in walk(node.where))


def restrict_by_where(
    node: EventCondition, ev: ir.Table, ctx: IntervalContext, rows: ir.Table
) -> ir.Table:
    """Event rows cut to the instants at which their ``where`` rule holds.

    ``ev``: the matching events, numbered ``eid``; ``rows``: their ``(cid, ts, lo, hi,
    w, eid)``.  An event may then count in several pieces, so the ``lo``/``hi`` of the
    rows returned no longer grow with ``ts``.
    """
    fields = sorted({n.field for n in walk(node.where) if isinstance(n, ATTRIBUTE_NODES)})
    for f in fields:
        ctx.tables.event_dtype(f)  # unknown field -> UnknownFieldError with did-you-mean
    subjects = ev.select(
        cid="eid", lo=timestamp(LO), hi=timestamp(HI), **{f: ev[f] for f in fields}
    )
    holds = _where_sets(node.where, subjects, ctx)
    j = rows.join(holds.select(eid="cid", wlo="lo", whi="hi"), "eid")
    out = j.select("cid", "ts", lo=ibis.greatest(j.lo, j.wlo), hi=ibis.least(j.hi, j.whi), w=j.w)
    return out.filter(out.lo < out.hi)


@rule_walk(NODE_TYPES)
def _where_sets(rule: Rule, subjects: ir.Table, ctx: IntervalContext) -> ir.Table:
    """Instants at which ``rule`` holds for each event (``subjects``: one row per event)."""
    raise UnsupportedNodeError.of(rule, "An event's where rule")


refuse(
    _where_sets,
    (EventCondition, InSegment),
    "An event's where rule",
    "it tests the columns of each event",
)


@_where_sets.register(And)
def _(rule: And, subjects: ir.Table, ctx: IntervalContext) -> ir.Table:
    return intersect([_where_sets(r, subjects, ctx) for r in rule.rules])


@_where_sets.register(Or)
def _(rule: Or, subjects: ir.Table, ctx: IntervalContext) -> ir.Table:
    return union([_where_sets(r, subjects, ctx) for r in rule.rules])


@_where_sets.register(Not)
def _(rule: Not, subjects: ir.Table, ctx: IntervalContext) -> ir.Table:
    life = subjects.select("cid", "lo", "hi")
    return _complement(_where_sets(rule.rule, subjects, ctx), life)


@register_each(_where_sets, ATTRIBUTE_NODES)
def _(rule: Rule, subjects: ir.Table, ctx: IntervalContext) -> ir.Table:
    if not has_relative(rule):  # holds for an event always or never
        cols = Columns(subjects, ctx.tables.event_dtype, "events", None)  # type: ignore[arg-type]
        return subjects.filter(attribute_predicate(rule, cols)).select("cid", "lo", "hi")
    name = rule.field  # type: ignore[attr-defined]
    check_time_field(name, ctx.tables.event_dtype(name), "Event field")
    split = split_relative(rule)
    if split is not None:
        return _where_sets(split, subjects, ctx)
    pieces = solve_time(subjects, subjects[name].cast("timestamp"), rule.op, rule.value)  # type: ignore[attr-defined]
    return merge(_concat(pieces))
