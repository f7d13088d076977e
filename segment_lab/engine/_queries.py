"""The queries behind a workspace's sizes, history, intervals and changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import ibis

from segment_lab.engine._asof import plan_asof, universe
from segment_lab.engine._batched import choose_plan
from segment_lab.engine._execute import execute, execute_rows
from segment_lab.engine._grid import Grid
from segment_lab.engine._history import history_frame
from segment_lab.engine._intervals import LO, IntervalContext, membership
from segment_lab.engine._plans import HistoryPlans, counts_rows, grid_instants, history_counts
from segment_lab.errors import InvalidValueError
from segment_lab.model._instants import resolve_every
from segment_lab.model._nodes import And

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from segment_lab.engine._checks import TableStats
    from segment_lab.engine._schema import Tables
    from segment_lab.model._nodes import Rule

__all__ = [
    "MAX_GRID_POINTS",
    "Grid",
    "align",
    "entries_and_exits",
    "make_grid",
    "membership_intervals",
    "movers",
    "segment_history",
    "segment_sizes",
]

#: The most grid instants one history may have.
MAX_GRID_POINTS = 999_999


_DAY, _WEEK = dt.timedelta(days=1), dt.timedelta(weeks=1)


def align(start: dt.datetime, step: dt.timedelta | None, months: int, unit: str) -> dt.datetime:
    """Round ``start`` down to the boundary of its period (docs/semantics.md#grids).

    Steps of whole weeks start on a Monday, of whole days at midnight, of months on the
    1st of the month (quarters: of January, April, July or October); shorter steps
    (``"6h"``) are not aligned.

    Examples
    --------
    >>> import datetime as dt
    >>> align(dt.datetime(2025, 1, 15, 13, 15), dt.timedelta(weeks=1), 0, "w")
    datetime.datetime(2025, 1, 13, 0, 0)
    >>> align(dt.datetime(2025, 5, 20, 8), None, 3, "q")
    datetime.datetime(2025, 4, 1, 0, 0)
    """
    midnight = dt.datetime(start.year, start.month, start.day)
    if step is None:
        month = start.month - (start.month - 1) % 3 if unit == "q" else start.month
        return dt.datetime(start.year, month, 1)
    if step % _WEEK == dt.timedelta(0):
        return midnight - dt.timedelta(days=midnight.weekday())
    if step % _DAY == dt.timedelta(0):
        return midnight
    return start


def make_grid(start: dt.datetime, end: dt.datetime, every: Any) -> Grid:
    """Return the grid from ``start`` (aligned, see :func:`align`) up to ``end``, every ``every``.

    ``every`` is a duration (``"1d"``, ``"1w"``, ``"6h"``, ``"1mo"``, ``"1q"``) or a
    timedelta; the last instant is the last one at or before ``end``.

    Raises
    ------
    InvalidValueError
        When ``end`` is before ``start``, ``every`` is not a duration, or the grid would
        have more than :data:`MAX_GRID_POINTS` instants.

    Examples
    --------
    >>> import datetime as dt
    >>> g = make_grid(dt.datetime(2025, 1, 15, 13, 15), dt.datetime(2025, 3, 10), "1w")
    >>> g.start, g.end, g.n
    (datetime.datetime(2025, 1, 13, 0, 0), datetime.datetime(2025, 3, 10, 0, 0), 9)
    >>> [t.strftime("%m-%d") for t in make_grid(dt.datetime(2025, 2, 14), dt.datetime(2025, 5, 31), "1mo").points]
    ['02-01', '03-01', '04-01', '05-01']
    """
    step, months, unit = resolve_every(every)
    if end < start:
        raise InvalidValueError(f"end ({end}) is before start ({start}).")
    start = align(start, step, months, unit)
    if step is None:
        n = ((end.year - start.year) * 12 + end.month - start.month) // months + 1
    else:
        n = (end - start) // step + 1
    if n > MAX_GRID_POINTS:
        raise InvalidValueError(
            f"{n:,} grid points from {start} to {end} every {every!r}: choose a coarser 'every'."
        )
    return Grid(start, step, n, months)


def segment_sizes(rules: Sequence[Rule], tables: Tables, t: dt.datetime) -> list[int]:
    """Count the members of each rule (references inlined) at ``t``, in one query."""
    plan = plan_asof(And(tuple(rules)), tables, t, prune=False)
    frame = plan.frame.filter(universe(plan.frame, tables, t))
    cid = frame[tables.bindings.contact_id]
    aggs = {  # ifelse, not a cast of the boolean: PostgreSQL cannot cast boolean to bigint
        f"s{i}": ibis.ifelse(plan.predicate(r, safe=True), 1, 0).sum()
        if tables.validated
        else cid.nunique(where=plan.predicate(r, safe=True))  # never a contact twice
        for i, r in enumerate(rules)
    }
    row = execute(frame.aggregate(**aggs)).iloc[0]
    return [int(row[f"s{i}"] or 0) for i in range(len(rules))]


def segment_history(
    rule: Rule,
    tables: Tables,
    grid: Grid,
    plan: str = "intervals",
    stats: Callable[[], TableStats] | None = None,
    plans: HistoryPlans | None = None,
) -> pd.DataFrame:
    """``period, size, entered, exited`` of ``rule`` at each instant of ``grid``.

    ``plan`` "intervals": the rule is compiled once, to membership intervals, which the
    grid samples; "batched": every grid instant is evaluated as-of in one query
    (:mod:`~segment_lab.engine._batched`); "auto": the cheaper by
    :func:`~segment_lab.engine._batched.choose_plan` on the table statistics ``stats()``.
    ``plans``: the workspace's compiled history plans (engine/_plans.py), bound to this
    grid (None: the query is compiled for this call).
    """
    if plan != "intervals":
        auto = plan in ("auto", None)
        plan = choose_plan(rule, stats() if auto else None, grid, plan, tables)  # type: ignore[misc]
    instants = grid_instants(grid)
    if plans is not None:
        rows = plans.rows(rule, plan, grid, instants)
    else:
        rows = counts_rows(execute_rows(history_counts(rule, tables, grid, plan)), plan, grid)
    return history_frame(rows, instants)


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
    # unbounded ends are NULL in the query: the sentinels (year 9000) overflow the
    # nanosecond timestamps of Spark's pandas conversion
    none = ibis.null("timestamp")
    entered, exited = ibis.ifelse(iv.lo <= LO, none, iv.lo), ibis.ifelse(iv.hi > end, none, iv.hi)
    out = execute(iv.select(contact_id=iv.cid, entered_at=entered, exited_at=exited))
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
