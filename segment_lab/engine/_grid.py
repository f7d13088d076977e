"""Positions of interval compilation: instants, or indices on a grid (fixed steps or months).

An interval table ``(cid, lo, hi)`` holds half-open ranges of positions.  Without a
grid a position is an instant; with a grid ``(g0, step, npoints)`` it is the index k
of the grid point ``g0 + k * step``, and an interval ``[lo, hi)`` of instants
becomes the index range of the grid points it contains.  :class:`IntervalContext`
says which, and knows each contact's lifetime (the universe) in those positions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ibis

from segment_lab.engine._schema import Tables
from segment_lab.engine._sweep import complement as _complement

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "DAY",
    "HI",
    "LO",
    "US",
    "IntervalContext",
    "complement",
    "empty",
    "grid_ceil",
    "grid_index",
    "timestamp",
]

#: Sentinels for "since always" and "for ever" (outside any real data).
LO = dt.datetime(1000, 1, 1)
HI = dt.datetime(9000, 1, 1)
#: The resolution of instants (a condition that holds just after x starts at x + 1µs).
US = ibis.interval(microseconds=1)
DAY = ibis.interval(days=1)


def timestamp(value: dt.datetime) -> ir.TimestampScalar:
    """``value`` as a timestamp literal."""
    return ibis.literal(value, type="timestamp")


def grid_ceil(x: ir.TimestampValue, g0: dt.datetime, step: dt.timedelta | int) -> ir.IntegerValue:
    """``ceil((x - g0) / step)``: the first grid index at or after x (not clipped).

    A ``step`` in calendar months (an int) counts grid points ``g0 + k * step`` months,
    ``g0`` on the 1st of a month at midnight: x is past the month boundaries up to its own
    month's, and past that one too unless it lies exactly on it.  ``g0`` is in the SQL as
    its timestamp literal only (its year and month too), which history plans substitute
    (engine/_plans.py).
    """
    if isinstance(step, int):
        g = timestamp(g0)
        months = (x.year() - g.year()) * 12 + (x.month() - g.month())
        # ifelse, not a cast of the boolean: PostgreSQL cannot cast boolean to bigint
        past = months + ibis.ifelse(x > x.truncate("M"), 1, 0)
        return -((-past) // step)
    us = x.delta(timestamp(g0), unit="microsecond")
    per = step // dt.timedelta(microseconds=1)
    return -((-us) // per)


def grid_index(
    x: ir.TimestampValue, g0: dt.datetime, step: dt.timedelta | int, npoints: int
) -> ir.IntegerValue:
    """``ceil((x - g0) / step)`` clipped to ``[0, npoints]``: the first grid index at or after x."""
    return ibis.greatest(ibis.least(grid_ceil(x, g0, step), npoints), 0).cast("int64")


@dataclass
class IntervalContext:
    """What interval compilation reads: the tables, and the instants of interest.

    ``end``: no data after it is read (no look-ahead).  ``horizon``: intervals that
    end before it may be dropped (an optimisation for sampled history).  ``grid``:
    ``(g0, step, npoints)`` to compile straight to grid indices (``step`` a timedelta, or
    an int of calendar months for a grid on the 1st of months): an interval
    ``[lo, hi)`` of instants becomes the index range ``[ceil((lo-g0)/step),
    ceil((hi-g0)/step))`` (the grid points it contains), clipped to ``[0, npoints]``.
    Combining index ranges is exact for membership at the grid points, and cheaper:
    events that fall between the same two grid points collapse into one position.
    """

    tables: Tables
    end: dt.datetime
    horizon: dt.datetime = LO
    grid: tuple[dt.datetime, dt.timedelta | int, int] | None = None

    def lifetime_time(self) -> ir.Table:
        """``(cid, lo, hi)`` in instants: each contact's existence (from created_at, or always)."""
        b, c = self.tables.bindings, self.tables.contacts
        lo = (
            c[b.created_at].fill_null(timestamp(LO))
            if self.tables.has_created_at
            else timestamp(LO)
        )
        out = c.select(
            cid=c[b.contact_id],
            lo=ibis.greatest(lo.cast("timestamp"), timestamp(LO)),
            hi=timestamp(HI),
        )
        return out.filter(out.lo <= self.end)

    def lifetime(self) -> ir.Table:
        """Return the lifetime in output positions (instants, or grid indices)."""
        return self.to_pos(self.lifetime_time())

    def clip(self, table: ir.Table) -> ir.Table:
        """Clip a maximal ``table`` (in positions) to each contact's lifetime, maximal again.

        The same as intersecting it with :meth:`lifetime`, but the position of each
        ``created_at`` is computed only for the contacts the join keeps, not for all of
        them (the join also drops the intervals of unknown contacts).
        """
        b, c = self.tables.bindings, self.tables.contacts
        born = timestamp(LO)
        if self.tables.has_created_at:
            born = ibis.greatest(c[b.created_at].fill_null(born).cast("timestamp"), born)
        life = c.select(cid2=c[b.contact_id], born=born)
        life = life.filter(life.born <= self.end)
        j = table.join(life, table.cid == life.cid2)
        birth = j.born
        if self.grid is not None:
            birth = grid_index(birth, *self.grid)
        out = j.select(cid=j.cid, lo=ibis.greatest(j.lo, birth), hi=j.hi)
        return out.filter(out.lo < out.hi)

    def to_pos(self, table: ir.Table) -> ir.Table:
        """Map ``lo``/``hi`` instants to output positions; drop empty intervals."""
        if self.grid is None:
            return table
        out = table.mutate(lo=grid_index(table.lo, *self.grid), hi=grid_index(table.hi, *self.grid))
        return out.filter(out.lo < out.hi)


def complement(table: ir.Table, ctx: IntervalContext) -> ir.Table:
    """Positions in each contact's lifetime not covered by the maximal ``table``."""
    return _complement(table, ctx.lifetime())


def empty(ctx: IntervalContext) -> ir.Table:
    """Return an interval table with no rows (in the context's positions)."""
    life = ctx.lifetime()
    return life.filter(ibis.literal(False))
