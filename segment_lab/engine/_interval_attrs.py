"""Interval leaves of attribute conditions: where a contact's attributes satisfy them.

A contact's attribute values are constant over the validity interval of each of
its rows: one row spanning its lifetime in the contacts table, SCD2 rows in the
history.  An attribute-only subtree that reads one table is a predicate on one row
at a time, so it compiles to a single filter over those rows (a *fused* leaf);
a comparison with a time relative to t is solved for t on each row instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis

from segment_lab.engine._attributes import Columns, row_predicate
from segment_lab.engine._dispatch import refuse, rule_walk
from segment_lab.engine._grid import HI, IntervalContext, complement, timestamp
from segment_lab.engine._solve import has_relative, solve_time
from segment_lab.engine._sweep import _concat, merge
from segment_lab.errors import UnsupportedNodeError
from segment_lab.model._nodes import (
    ATTRIBUTE_NODES,
    NODE_TYPES,
    And,
    Compare,
    EventCondition,
    InSegment,
    IsEmpty,
    IsIn,
    IsNull,
    ListHas,
    Not,
    Or,
    Range,
    Rule,
    TextMatch,
    walk,
)

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["fusable_source", "fused_leaf", "holds_on_null", "relative_leaf"]


def _source(name: str, ctx: IntervalContext) -> str:
    tabs = ctx.tables
    return "history" if tabs.history is not None and name in tabs.history_attrs else "contacts"


def _history_rows(names: list[str], ctx: IntervalContext) -> ir.Table:
    """``(cid, lo, hi, v0, v1, ...)``: SCD2 rows, their validity clipped to the lifetime."""
    h, b = ctx.tables.history, ctx.tables.bindings
    h = h.filter(h[b.valid_from] <= ctx.end)
    rows = h.select(
        cid=h[b.contact_id], vf=h[b.valid_from], vt=h[b.valid_to].fill_null(timestamp(HI)),
        **{f"v{i}": h[n] for i, n in enumerate(names)},
    )  # fmt: skip
    j = rows.join(ctx.lifetime_time(), "cid")
    out = j.select(
        cid=j.cid, lo=ibis.greatest(j.vf, j.lo), hi=ibis.least(j.vt, j.hi),
        **{f"v{i}": j[f"v{i}"] for i in range(len(names))},
    )  # fmt: skip
    return out.filter(out.lo < out.hi)


def _attribute_rows(names: list[str], source: str, ctx: IntervalContext) -> ir.Table:
    """``(cid, lo, hi, *names)``: attribute values over time, clipped to the lifetime."""
    if source == "history":
        out = _history_rows(names, ctx)
    else:
        c, b = ctx.tables.contacts, ctx.tables.bindings
        vals = c.select(cid=c[b.contact_id], **{f"v{i}": c[n] for i, n in enumerate(names)})
        out = ctx.lifetime_time().join(vals, "cid")
    return out.select("cid", "lo", "hi", **{n: out[f"v{i}"] for i, n in enumerate(names)})


@rule_walk(NODE_TYPES)
def holds_on_null(rule: Rule) -> bool:
    """Whether an attribute-only rule holds when every attribute is NULL (two-valued logic)."""
    raise UnsupportedNodeError.of(rule, "Testing a rule on NULL attributes")


refuse(
    holds_on_null,
    (EventCondition, InSegment),
    "Testing a rule on NULL attributes",
    "only attribute-only rules are tested",
)


@holds_on_null.register(And)
def _(rule: And) -> bool:
    return all(holds_on_null(r) for r in rule.rules)


@holds_on_null.register(Or)
def _(rule: Or) -> bool:
    return any(holds_on_null(r) for r in rule.rules)


@holds_on_null.register(Not)
def _(rule: Not) -> bool:
    return not holds_on_null(rule.rule)


@holds_on_null.register(Compare)
def _(rule: Compare) -> bool:
    return rule.op == "!="  # != is the complement of ==, which fails on NULL


@holds_on_null.register(IsIn)
def _(rule: IsIn) -> bool:
    return rule.negate


@holds_on_null.register(IsNull)
@holds_on_null.register(IsEmpty)
def _(rule: IsNull | IsEmpty) -> bool:
    return not rule.negate


@holds_on_null.register(ListHas)
def _(rule: ListHas) -> bool:
    return rule.mode == "none"


@holds_on_null.register(Range)
@holds_on_null.register(TextMatch)
def _(rule: Range | TextMatch) -> bool:
    return False


def fusable_source(rule: Rule, ctx: IntervalContext) -> str | None:
    """Return the one table all of an attribute-only subtree reads, or None if not one.

    Such a subtree is a predicate on one row at a time, so it compiles to a single
    filter over the rows' validity intervals instead of one sweep per leaf.
    """
    sources = set()
    for node in walk(rule):
        if isinstance(node, (And, Or, Not)):
            continue
        if not isinstance(node, ATTRIBUTE_NODES) or has_relative(node):
            return None
        sources.add(_source(node.field, ctx))
    return sources.pop() if len(sources) == 1 else None


def fused_leaf(rule: Rule, source: str, ctx: IntervalContext) -> ir.Table:
    """Intervals of an attribute-only ``rule`` whose fields are all in ``source``."""
    names = list(dict.fromkeys(n.field for n in walk(rule) if isinstance(n, ATTRIBUTE_NODES)))
    rows = _attribute_rows(names, source, ctx)
    cols = Columns(rows, ctx.tables.contact_dtype, "contacts", None)  # type: ignore[arg-type]
    pred = row_predicate(rule, cols)
    if source == "contacts":  # one row per contact spanning its lifetime: no gaps, no overlaps
        return ctx.to_pos(rows.filter(pred).select("cid", "lo", "hi"))
    if holds_on_null(rule):  # also true where no history row applies: complement the failures
        return complement(ctx.to_pos(rows.filter(~pred).select("cid", "lo", "hi")), ctx)
    return merge(ctx.to_pos(rows.filter(pred).select("cid", "lo", "hi")))


def relative_leaf(node: Compare, ctx: IntervalContext) -> ir.Table:
    """Intervals of ``field op time`` for a time relative to t and ``op`` other than ``!=``."""
    rows = _attribute_rows([node.field], _source(node.field, ctx), ctx)
    pieces = solve_time(rows, rows[node.field].cast("timestamp"), node.op, node.value)
    return merge(ctx.to_pos(_concat(pieces)))
