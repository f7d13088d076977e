"""The queries behind a workspace's sizes, history, intervals and changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ibis

from segment_lab.engine._asof import plan_asof, universe
from segment_lab.engine._execute import execute, execute_rows
from segment_lab.engine._history import grid_counts, history_frame
from segment_lab.engine._intervals import LO, IntervalContext, membership
from segment_lab.errors import InvalidValueError
from segment_lab.model._instants import resolve_every
from segment_lab.model._nodes import And

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from segment_lab.engine._schema import Tables
    from segment_lab.model._nodes import Rule

__all__ = [
    "MAX_GRID_POINTS",
    "Grid",
    "entries_and_exits",
    "make_grid",
    "membership_intervals",
    "movers",
    "segment_history",
    "segment_sizes",
]

#: The most grid instants one history may have.
MAX_GRID_POINTS = 999_999


@dataclass(frozen=True)
class Grid:
    """The instants ``t_k = start + k * step`` for ``k = 0 .. n-1``.

    Membership at ``before`` (``t_(-1) = start - step``) is what the first period's
    entries and exits are counted against.

    Examples
    --------
    >>> import datetime as dt
    >>> g = Grid(dt.datetime(2025, 6, 2), dt.timedelta(weeks=1), 3)
    >>> g.end, g.before
    (datetime.datetime(2025, 6, 16, 0, 0), datetime.datetime(2025, 5, 26, 0, 0))
    """

    start: dt.datetime
    step: dt.timedelta
    n: int

    @property
    def end(self) -> dt.datetime:
        """The last instant of the grid."""
        return self.start + (self.n - 1) * self.step

    @property
    def before(self) -> dt.datetime:
        """The instant before the first, ``start - step``."""
        return self.start - self.step


def make_grid(start: dt.datetime, end: dt.datetime, every: Any) -> Grid:
    """Return the grid from ``start`` up to ``end``, every ``every`` (a duration or ``"1w"``).

    Raises
    ------
    InvalidValueError
        When ``end`` is before ``start``, ``every`` is not a duration, or the grid would
        have more than :data:`MAX_GRID_POINTS` instants.
    """
    step = resolve_every(every)
    if end < start:
        raise InvalidValueError(f"end ({end}) is before start ({start}).")
    n = (end - start) // step + 1
    if n > MAX_GRID_POINTS:
        raise InvalidValueError(
            f"{n:,} grid points from {start} to {end} every {every!r}: choose a coarser 'every'."
        )
    return Grid(start, step, n)


def segment_sizes(rules: Sequence[Rule], tables: Tables, t: dt.datetime) -> list[int]:
    """Count the members of each rule (references inlined) at ``t``, in one query."""
    plan = plan_asof(And(tuple(rules)), tables, t, prune=False)
    frame = plan.frame.filter(universe(plan.frame, tables, t))
    cid = frame[tables.bindings.contact_id]
    aggs = {
        f"s{i}": plan.predicate(r, safe=True).cast("int64").sum()
        if tables.validated
        else cid.nunique(where=plan.predicate(r, safe=True))  # never a contact twice
        for i, r in enumerate(rules)
    }
    row = execute(frame.aggregate(**aggs)).iloc[0]
    return [int(row[f"s{i}"] or 0) for i in range(len(rules))]


def segment_history(rule: Rule, tables: Tables, grid: Grid) -> pd.DataFrame:
    """``period, size, entered, exited`` of ``rule`` at each instant of ``grid``.

    The rule is compiled once, to membership intervals, which the grid samples.
    """
    g0, npoints = grid.before, grid.n + 1
    ctx = IntervalContext(tables, end=grid.end, horizon=g0, grid=(g0, grid.step, npoints))
    counts = grid_counts(membership(rule, ctx))
    return history_frame(execute_rows(counts), g0, grid.step, npoints)


def membership_intervals(
    rule: Rule, tables: Tables, start: dt.datetime | None, end: dt.datetime
) -> pd.DataFrame:
    """Every membership interval of ``rule`` that overlaps ``[start, end]``.

    Columns ``contact_id, entered_at, exited_at``, sorted by contact and entry;
    ``entered_at`` is NaT for a member since always, ``exited_at`` for one still a
    member at ``end``.
    """
    iv = membership(rule, IntervalContext(tables, end=end))
    if start is not None:
        iv = iv.filter(iv.hi > start)
    iv = iv.filter(iv.lo <= end)
    out = execute(iv.select(contact_id=iv.cid, entered_at=iv.lo, exited_at=iv.hi))
    out.loc[out["entered_at"] <= LO, "entered_at"] = None
    out.loc[out["exited_at"] > end, "exited_at"] = None
    cid = tables.bindings.contact_id
    out = out.rename(columns={"contact_id": cid})
    return out.sort_values([cid, "entered_at"], na_position="first", ignore_index=True)


def entries_and_exits(
    rule: Rule,
    tables: Tables,
    start: dt.datetime,
    end: dt.datetime,
    columns: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Every entry into and exit from ``rule`` in ``(start, end]``, with its instant.

    Columns ``contact_id, direction, at`` and ``columns`` (default: all) of the contacts
    table.  An entry at ``at`` is a member at ``at`` but not just before it (the start of
    a membership interval), an exit the reverse (its end); a contact who enters twice
    shows twice.  Membership at ``start`` is the baseline: a change exactly at ``start``
    is not in the span, one exactly at ``end`` is.  Ordered by instant and contact.
    """
    cid = tables.bindings.contact_id
    iv = membership(rule, IntervalContext(tables, end=end))
    entered = iv.filter((iv.lo > start) & (iv.lo <= end)).select(
        __cid=iv.cid, direction=ibis.literal("entered"), at=iv.lo
    )
    exited = iv.filter((iv.hi > start) & (iv.hi <= end)).select(
        __cid=iv.cid, direction=ibis.literal("exited"), at=iv.hi
    )
    both = ibis.union(entered, exited, distinct=False)
    c = tables.contacts
    attrs = c.select(
        cid,
        *[
            x
            for x in (c.columns if columns is None else columns)
            if x not in (cid, "direction", "at")
        ],
    )
    joined = both.join(attrs, both["__cid"] == attrs[cid])
    out = joined.select(cid, "direction", "at", *attrs.columns[1:])
    return execute(out.order_by(["at", cid]))


def movers(
    before: ir.Table, after: ir.Table, tables: Tables, columns: Iterable[str] | None = None
) -> pd.DataFrame:
    """Contacts in exactly one of two member tables, with ``direction`` and their attributes.

    ``direction`` is "entered" for contacts only in ``after`` and "exited" for those
    only in ``before``; ``columns`` (default: all) come from the contacts table.
    """
    cid = tables.bindings.contact_id
    both = before.mutate(was=ibis.literal(1)).outer_join(after.mutate(now_=ibis.literal(1)), cid)
    moved = both.filter(both.was.isnull() | both.now_.isnull()).select(
        **{cid: ibis.coalesce(both[cid], both[f"{cid}_right"])},
        direction=ibis.ifelse(both.was.isnull(), "entered", "exited"),
    )
    c = tables.contacts
    cols = [cid, *[x for x in (c.columns if columns is None else columns) if x != cid]]
    joined = moved.join(c.select(*cols), cid)
    return execute(joined.select(cid, "direction", *cols[1:]).order_by(["direction", cid]))
