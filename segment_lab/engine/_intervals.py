"""Interval compilation: a rule -> exact membership intervals per contact.

Every node compiles to a table of maximal, disjoint half-open intervals
``(cid, lo, hi)``: the instants t at which the node holds for that contact.
Leaves derive them from the data (an attribute row's validity, each event's
window of influence), combinations come from :mod:`segment_lab.engine._sweep`.
The cost grows with the data, never with the number of instants later sampled.

Instants are exact to the microsecond, the resolution of the timestamps: a
condition that starts to hold just after x (``t > x``) starts at ``x + 1µs``.

This module is the walk over the rule tree; the parts live next to it:

- :mod:`~segment_lab.engine._grid`: positions (instants or grid indices) and the
  :class:`IntervalContext`, with each contact's lifetime;
- :mod:`~segment_lab.engine._solve`: comparisons with times relative to t, solved for t;
- :mod:`~segment_lab.engine._interval_attrs`: attribute leaves;
- :mod:`~segment_lab.engine._interval_events`: event leaves, and
  :mod:`~segment_lab.engine._interval_where` for ``where`` rules with relative times;
- :mod:`~segment_lab.engine._sweep`: the interval algebra (merge, intersect, complement).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from segment_lab.engine._asof import used_fields
from segment_lab.engine._dispatch import refuse, register_each, rule_walk
from segment_lab.engine._grid import HI, LO, IntervalContext, complement
from segment_lab.engine._interval_attrs import fusable_source, fused_leaf, relative_leaf
from segment_lab.engine._interval_events import event_leaf
from segment_lab.engine._solve import check_time_field, solve_time, split_relative
from segment_lab.engine._sweep import intersect, union
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
)

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "HI",
    "LO",
    "IntervalContext",
    "compile_intervals",
    "complement",
    "membership",
    "solve_time",
]


def membership(rule: Rule, ctx: IntervalContext) -> ir.Table:
    """Membership intervals of ``rule`` within the universe (each contact's lifetime)."""
    for f in used_fields(rule):
        ctx.tables.contact_dtype(f)  # unknown field -> UnknownFieldError
    # every leaf is clipped to the lifetime and NOT complements within it, so the
    # result already lies in the universe
    return compile_intervals(rule, ctx)


def compile_intervals(rule: Rule, ctx: IntervalContext) -> ir.Table:
    """Maximal membership intervals ``(cid, lo, hi)`` of a rule (references inlined)."""
    source = fusable_source(rule, ctx)
    if source is not None:
        return fused_leaf(rule, source, ctx)
    return _compile(rule, ctx)


@rule_walk(NODE_TYPES)
def _compile(rule: Rule, ctx: IntervalContext) -> ir.Table:
    raise UnsupportedNodeError.of(rule, "The interval engine")


refuse(_compile, (InSegment,), "The interval engine", "resolve references with inline() first")


@register_each(_compile, ATTRIBUTE_NODES)
def _(rule: Rule, ctx: IntervalContext) -> ir.Table:
    # an attribute condition with times relative to t: the others are fused leaves
    name = rule.field  # type: ignore[attr-defined]
    check_time_field(name, ctx.tables.contact_dtype(name), "Field")
    split = split_relative(rule)
    if split is not None:
        return compile_intervals(split, ctx)
    return relative_leaf(rule, ctx)  # type: ignore[arg-type]


@_compile.register(EventCondition)
def _(rule: EventCondition, ctx: IntervalContext) -> ir.Table:
    return event_leaf(rule, ctx)


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
        return complement(event_leaf(rule.rule, ctx, clip=False), ctx)
    return complement(compile_intervals(rule.rule, ctx), ctx)
