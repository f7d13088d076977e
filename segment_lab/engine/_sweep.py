"""Interval algebra on tables of ``(cid, lo, hi)`` half-open intervals.

Positions may be timestamps or integers (grid indices).  A *maximal* table holds,
per contact, disjoint intervals that do not touch.  Every operation returns a
maximal table, and each is a join or a single ordered window pass, never a
running sum over all rows (which DuckDB computes several times slower than lag,
lead or a running max):

- :func:`merge`: gaps and islands with a running maximum of ``hi``;
- :func:`intersect`: a join on the contact with an overlap condition;
- :func:`complement`: the gaps between consecutive intervals, found with lag/lead;
- :func:`sweep`: weighted coverage by a running sum, for sums of event values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import ibis

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["complement", "intersect", "merge", "merge_monotone", "sweep", "union"]

Keep = Callable[["ir.NumericValue"], "ir.BooleanValue"]


def _pos_type(table: ir.Table) -> str:
    return "timestamp" if table.lo.type().is_timestamp() else "int64"


def _concat(tables: Sequence[ir.Table]) -> ir.Table:
    pos = _pos_type(tables[0])
    parts = [t.select("cid", lo=t.lo.cast(pos), hi=t.hi.cast(pos)) for t in tables]
    return ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0]


def _pair(edges: ir.Table) -> ir.Table:
    """Intervals from alternating start/end edges ``(cid, pos, start)``."""
    w = ibis.window(group_by="cid", order_by=["pos", "start"])
    e = edges.mutate(nxt=edges.pos.lead().over(w))
    return e.filter(e.start).select("cid", lo=e.pos, hi=e.nxt)


def _edges(starts: ir.Table, start_pos: ir.Value, ends: ir.Table, end_pos: ir.Value) -> ir.Table:
    pos = "timestamp" if start_pos.type().is_timestamp() else "int64"
    return ibis.union(
        starts.select("cid", pos=start_pos.cast(pos), start=ibis.literal(True)),
        ends.select("cid", pos=end_pos.cast(pos), start=ibis.literal(False)),
        distinct=False,
    )


def merge(table: ir.Table) -> ir.Table:
    """Merge overlapping and touching intervals of each contact (gaps and islands)."""
    t = table.select("cid", "lo", "hi")
    t = t.filter(t.lo < t.hi)
    order = ["lo", "hi"]
    before = ibis.window(group_by="cid", order_by=order, rows=(None, -1))
    upto = ibis.window(group_by="cid", order_by=order, rows=(None, 0))
    w = ibis.window(group_by="cid", order_by=order)
    m = t.mutate(
        reach_before=t.hi.max().over(before),
        reach=t.hi.max().over(upto),
        next_lo=t.lo.lead().over(w),
    )
    starts = m.filter(m.reach_before.isnull() | (m.lo > m.reach_before))
    ends = m.filter(m.next_lo.isnull() | (m.next_lo > m.reach))
    return _pair(_edges(starts, starts.lo, ends, ends.reach))


def merge_monotone(table: ir.Table, order: Sequence[str]) -> ir.Table:
    """:func:`merge` for intervals whose ``lo`` and ``hi`` both grow along ``order``.

    Then the reach of all earlier intervals is just the previous ``hi``: one lag/lead
    pass instead of running maxima (event windows are such intervals).
    """
    t = table.filter(table.lo < table.hi)
    w = ibis.window(group_by="cid", order_by=list(order))
    m = t.mutate(prev_hi=t.hi.lag().over(w), next_lo=t.lo.lead().over(w))
    starts = m.filter(m.prev_hi.isnull() | (m.lo > m.prev_hi))
    ends = m.filter(m.next_lo.isnull() | (m.next_lo > m.hi))
    return _pair(_edges(starts, starts.lo, ends, ends.hi))


def union(tables: Sequence[ir.Table]) -> ir.Table:
    """Positions covered by any of the interval tables."""
    return merge(_concat(tables))


def intersect(tables: Sequence[ir.Table]) -> ir.Table:
    """Positions covered by all of the maximal interval tables (maximal again)."""
    out = tables[0]
    for other in tables[1:]:
        out = out.view()  # a fresh relation: joins chained in ibis must not share parents
        r = other.select(cid="cid", lo2="lo", hi2="hi")
        j = out.join(r, [out.cid == r.cid, out.lo < r.hi2, r.lo2 < out.hi])
        out = j.select(cid=out.cid, lo=ibis.greatest(out.lo, r.lo2), hi=ibis.least(out.hi, r.hi2))
    return out


def complement(table: ir.Table, lifetime: ir.Table) -> ir.Table:
    """Positions in each contact's ``lifetime`` interval not covered by the maximal ``table``.

    ``table`` may stick out of the lifetime (before ``created_at``): gaps are clipped.
    It is read once (a left join), so the backend never computes it twice.
    """
    life = lifetime.select(cid="cid", birth="lo", death="hi")
    right = table.select(cid2="cid", lo="lo", hi="hi")
    a = life.left_join(right, life.cid == right.cid2).select("cid", "birth", "death", "lo", "hi")
    w = ibis.window(group_by="cid", order_by="lo")
    a = a.mutate(prev_hi=a.hi.lag().over(w), next_lo=a.lo.lead().over(w))
    # the gap before each interval (or the whole lifetime when there is none) ...
    before = a.select(
        "cid",
        lo=ibis.greatest(a.prev_hi.fill_null(a.birth), a.birth),
        hi=ibis.least(a.lo.fill_null(a.death), a.death),
    )
    # ... and the gap after the last one
    after = a.filter(a.next_lo.isnull() & a.hi.notnull()).select(
        "cid", lo=ibis.greatest(a.hi, a.birth), hi=a.death
    )
    out = _concat([before, after])
    return out.filter(out.lo < out.hi)


def sweep(parts: Sequence[tuple[ir.Table, object]], keep: Keep) -> ir.Table:
    """Maximal intervals where ``keep(weighted coverage)`` holds (``keep(0)`` false).

    ``parts`` pairs each interval table with its weight: a number, or the name of
    a column holding per-interval weights.
    """
    deltas = []
    pos_type = _pos_type(parts[0][0])
    for table, weight in parts:
        if isinstance(weight, str):
            total = table[weight].sum()
        else:
            total = (table.count() * ibis.literal(weight, "int64")).cast("int64")
        # one row per distinct interval: the table is then read once for both edges
        # (an aggregate the backend keeps, not two scans of what it derives from)
        table = table.group_by(
            cid=table.cid, lo=table.lo.cast(pos_type), hi=table.hi.cast(pos_type)
        ).aggregate(w=total)
        deltas.append(table.select(cid=table.cid, pos=table.lo, d=table.w))
        deltas.append(table.select(cid=table.cid, pos=table.hi, d=-table.w))
    d = ibis.union(*deltas, distinct=False) if len(deltas) > 1 else deltas[0]
    d = d.group_by(["cid", "pos"]).aggregate(d=d.d.sum()).filter(lambda x: x.d != 0)
    cum = ibis.cumulative_window(group_by="cid", order_by="pos")
    s = d.mutate(run=d.d.sum().over(cum))
    # coverage just before this position is run - d: no second window pass needed
    s = s.mutate(on=keep(s.run).fill_null(False), was=keep(s.run - s.d).fill_null(False))
    edges = s.filter(s.on != s.was)
    return _pair(edges.select("cid", "pos", start=edges.on))
