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
from segment_lab.model._time import add_months

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "DAY",
    "HI",
    "Grid",
    "LO",
    "US",
    "IntervalContext",
    "complement",
    "empty",
    "grid_ceil",
    "grid_index",
    "interval",
    "timestamp",
]

#: Sentinels for "since always" and "for ever" (outside any real data).
LO = dt.datetime(1000, 1, 1)
HI = dt.datetime(9000, 1, 1)
#: The resolution of instants (a condition that holds just after x starts at x + 1µs).
US = ibis.interval(microseconds=1)
DAY = ibis.interval(days=1)


def interval(delta: dt.timedelta) -> ir.IntervalScalar:
    """``delta`` (>= 0) as an interval literal: whole seconds where it is, else microseconds."""
    us = delta // dt.timedelta(microseconds=1)
    return ibis.interval(seconds=us // 10**6) if us % 10**6 == 0 else ibis.interval(microseconds=us)


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


@dataclass(frozen=True)
class Grid:
    """The instants ``t_k`` for ``k = 0 .. n-1``: ``start + k * step``, or calendar months.

    A grid of ``months`` (``step`` None) has ``t_k = start + k * months`` calendar
    months, all on the 1st of a month at midnight.  Membership at ``before``
    (``t_(-1)``) is what the first period's entries and exits are counted against.

    Examples
    --------
    >>> import datetime as dt
    >>> g = Grid(dt.datetime(2025, 6, 2), dt.timedelta(weeks=1), 3)
    >>> g.end, g.before
    (datetime.datetime(2025, 6, 16, 0, 0), datetime.datetime(2025, 5, 26, 0, 0))
    >>> q = Grid(dt.datetime(2025, 1, 1), None, 3, months=3)
    >>> q.points[-1], q.before, q.every
    (datetime.datetime(2025, 7, 1, 0, 0), datetime.datetime(2024, 10, 1, 0, 0), '3mo')
    """

    start: dt.datetime
    step: dt.timedelta | None
    n: int
    months: int = 0

    def at(self, k: int) -> dt.datetime:
        """Return the grid instant ``t_k`` (``k = -1`` is :attr:`before`)."""
        if self.step is None:
            return add_months(self.start, k * self.months)
        return self.start + k * self.step

    @property
    def end(self) -> dt.datetime:
        """The last instant of the grid."""
        return self.at(self.n - 1)

    @property
    def before(self) -> dt.datetime:
        """The instant before the first, ``t_(-1)``."""
        return self.at(-1)

    @property
    def points(self) -> list[dt.datetime]:
        """The instants ``t_0 .. t_(n-1)``."""
        return [self.at(k) for k in range(self.n)]

    @property
    def every(self) -> dt.timedelta | str:
        """The step as :meth:`Workspace.history` takes it (a timedelta, or ``"3mo"``)."""
        return self.step if self.step is not None else f"{self.months}mo"

    @property
    def positions(self) -> tuple[dt.datetime, dt.timedelta | int, int]:
        """``(t_(-1), step, n + 1)`` as interval compilation takes it (step in months: int)."""
        return self.before, (self.step if self.step is not None else self.months), self.n + 1


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
