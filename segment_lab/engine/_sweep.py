"""Interval algebra on tables of ``(cid, lo, hi)`` half-open intervals, by sweeps.

One mechanism serves every combination: each input interval adds its weight at
``lo`` and removes it at ``hi``; a running sum per contact gives the weighted
coverage at every position, and the output is the maximal runs of positions where
``keep(coverage)`` holds.  AND is ``coverage == n``, OR ``coverage >= 1``, NOT
(within the lifetime, weight 1, against the rule, weight 2) ``coverage == 1``,
a count in a window ``op(coverage, n)`` over one interval per event.
Positions may be timestamps or integers (grid indices).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import ibis

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["intersect", "merge", "sweep", "union"]

Keep = Callable[["ir.NumericValue"], "ir.BooleanValue"]


def sweep(parts: Sequence[tuple[ir.Table, object]], keep: Keep) -> ir.Table:
    """Maximal intervals ``(cid, lo, hi)`` where ``keep(weighted coverage)`` holds.

    ``parts`` pairs each interval table with its weight: a number, or the name of a
    column of that table holding per-interval weights.  ``keep(0)`` must be false.
    """
    deltas = []
    pos_type = "timestamp" if parts[0][0].lo.type().is_timestamp() else "int64"
    for table, weight in parts:
        w = table[weight] if isinstance(weight, str) else ibis.literal(weight, "int64")
        lo, hi = table.lo.cast(pos_type), table.hi.cast(pos_type)
        deltas.append(table.select(cid=table.cid, pos=lo, d=w))
        deltas.append(table.select(cid=table.cid, pos=hi, d=-w))
    d = ibis.union(*deltas, distinct=False) if len(deltas) > 1 else deltas[0]
    d = d.group_by(["cid", "pos"]).aggregate(d=d.d.sum()).filter(lambda x: x.d != 0)
    cum = ibis.cumulative_window(group_by="cid", order_by="pos")
    ordered = ibis.window(group_by="cid", order_by="pos")
    s = d.mutate(run=d.d.sum().over(cum))
    # coverage just before this position is run - d: no second window pass needed
    s = s.mutate(on=keep(s.run).fill_null(False), was=keep(s.run - s.d).fill_null(False))
    edges = s.filter(s.on != s.was)
    edges = edges.mutate(nxt=edges.pos.lead().over(ordered))
    return edges.filter(edges.on).select("cid", lo=edges.pos, hi=edges.nxt)


def merge(table: ir.Table) -> ir.Table:
    """Merge overlapping and adjacent intervals of each contact."""
    return sweep([(table, 1)], lambda c: c >= 1)


def union(tables: Sequence[ir.Table]) -> ir.Table:
    """Positions covered by any of the (merged) interval tables."""
    return sweep([(t, 1) for t in tables], lambda c: c >= 1)


def intersect(tables: Sequence[ir.Table]) -> ir.Table:
    """Positions covered by all of the merged interval tables."""
    n = len(tables)
    return sweep([(t, 1) for t in tables], lambda c: c == n)
