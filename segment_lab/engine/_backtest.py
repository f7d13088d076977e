"""The queries behind a backtest: membership, population and outcome counts per snapshot.

Everything is in grid indices ``k`` of the snapshots ``t_k`` (``start + k * step``, or
calendar months: :class:`~segment_lab.engine.IntervalContext` with a grid), so each
definition compiles once, to membership intervals, for the whole grid.  The horizon is
fixed (``t_k + h``) or calendar months (``t_k + m`` months, the day clipped at the
month's end; snapshots on midnights), and ``t_k + horizon`` grows with k, so the
snapshots whose window reaches an instant y are those from
:meth:`BacktestPlan.first_reaching` on:

* the population at ``t_k`` is each contact's lifetime sampled on the grid;
* an event outcome holds for a contact at k when one of its matching events has
  ``t_k < ts <= t_k + horizon``: the index range ``[first_reaching(ts), ceil((ts - t_0)
  / step))``, merged per contact;
* a rule outcome holds at k when the contact is a member at ``t_k + horizon``: with fixed
  steps and horizon, the rule compiled on the grid shifted by the horizon; otherwise the
  rule's membership in instants, each interval ``[lo, hi)`` mapped to ``[first_reaching(lo),
  first_reaching(hi))`` (and, for snapshots whose ``t_k + horizon`` lies after ``now``,
  as of ``now``);
* true positives are the intersection of membership and outcome.

Each ``(j, starts, ends)`` count of these interval tables is summed on the backend
(:func:`~segment_lab.engine._history.grid_counts`) and the running sums give the counts
per snapshot, as for a history.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING

import ibis
import numpy as np

from segment_lab.engine._attributes import Columns, row_predicate
from segment_lab.engine._execute import execute, execute_rows
from segment_lab.engine._grid import DAY, IntervalContext, grid_index
from segment_lab.engine._history import grid_counts
from segment_lab.engine._interval_where import relative_where
from segment_lab.engine._intervals import membership
from segment_lab.engine._sweep import _concat, intersect, merge, merge_monotone
from segment_lab.errors import InvalidValueError
from segment_lab.model._time import add_months

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from segment_lab.engine._queries import Grid
    from segment_lab.engine._schema import Tables
    from segment_lab.model._nodes import EventCondition, Rule

__all__ = [
    "BacktestPlan",
    "backtest_counts",
    "base_counts",
    "materialize",
    "outcome_intervals",
    "truncated_tables",
]


@dataclasses.dataclass(frozen=True)
class BacktestPlan:
    """The snapshots of a backtest and what "observed" means for their outcome.

    ``grid``: the snapshots ``t_k`` (fixed steps or calendar months); ``horizon``: the
    outcome's look-forward, a timedelta, or None with ``months`` calendar months (``t_k
    + months``, the day clipped at the month's end); ``now``: no data after it is read,
    so the outcome of a snapshot with ``t_k + horizon > now`` (a partial one) covers
    ``(t_k, now]`` only (a rule outcome is evaluated as of ``now``).
    """

    grid: Grid
    horizon: dt.timedelta | None
    now: dt.datetime
    months: int = 0

    def __post_init__(self) -> None:
        g = self.grid
        if self.horizon is None and g.step is not None and g.step % dt.timedelta(days=1):
            raise InvalidValueError(
                "A calendar horizon needs snapshots on midnights: a grid of whole days, weeks "
                f"or months, not every {g.step}."
            )

    def reach(self, k: int) -> dt.datetime:
        """Return ``t_k + horizon``, the end of snapshot k's outcome window."""
        t = self.grid.at(k)
        return t + self.horizon if self.horizon is not None else add_months(t, self.months)

    @property
    def step(self) -> dt.timedelta | int:
        """The grid's step as interval compilation takes it (calendar months: an int)."""
        g = self.grid
        return g.step if g.step is not None else g.months

    @property
    def complete(self) -> int:
        """How many snapshots (from the first) have ``t_k + horizon <= now``."""
        lo, hi = 0, self.grid.n  # reach(k) grows with k: the first k past now, by bisection
        while lo < hi:
            mid = (lo + hi) // 2
            if self.reach(mid) <= self.now:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def first_reaching(self, y: ir.TimestampValue) -> ir.IntegerValue:
        """Return the first grid index k with ``t_k + horizon >= y`` (clipped to ``[0, n]``).

        A fixed horizon: ``t_k >= y - horizon``.  Calendar months on a grid of midnights:
        ``t_k + months`` is a midnight too, so it reaches y when it reaches y's next
        midnight z (y itself when y is one); the first midnight u with ``u + months >= z``
        is ``z - months``, or the 1st of the next month when the day was clipped (no day
        of that shorter month reaches z's day).
        """
        g = self.grid
        if self.horizon is not None:
            back = y - ibis.interval(microseconds=_us(self.horizon))
        else:
            day = y.truncate("D")
            z = ibis.ifelse(y == day, y, day + DAY)
            q = z - ibis.interval(months=self.months)
            back = ibis.ifelse(q.day() != z.day(), q.truncate("M") + ibis.interval(months=1), q)
        return grid_index(back, g.start, self.step, g.n)


def _ctx(tables: Tables, plan: BacktestPlan) -> IntervalContext:
    g = plan.grid
    return IntervalContext(tables, end=g.end, horizon=g.start, grid=(g.start, plan.step, g.n))


def _event_outcome(node: EventCondition, tables: Tables, plan: BacktestPlan) -> ir.Table:
    """Grid index ranges at which a contact has a matching event in ``(t_k, t_k + h]``."""
    if relative_where(node):
        raise InvalidValueError(
            "An outcome's where() cannot compare with times relative to t (such as '-7d'): "
            "write absolute dates, or give the outcome as a rule instead."
        )
    b, ev, g = tables.bindings, tables.events, plan.grid
    if ev is None:
        tables.event_dtype(b.ts)  # raises BindingError: no events table
    last = min(plan.now, plan.reach(g.n - 1))
    cond = (ev[b.ts] > g.start) & (ev[b.ts] <= last) & ev[b.event_type].isin(list(node.types))
    if node.where is not None:
        cond &= row_predicate(node.where, Columns(ev, tables.event_dtype, "events", None))  # type: ignore[arg-type]
    ts = ev[b.ts]
    rows = ev.filter(cond).select(
        cid=ev[b.contact_id],
        ts=ts,
        lo=plan.first_reaching(ts),
        hi=grid_index(ts, g.start, plan.step, g.n),
    )
    return merge_monotone(rows, ["ts"])


#: Any fixed step: a one-point grid at ``now`` never reads it.
DAY_STEP = dt.timedelta(days=1)


def _us(delta: dt.timedelta) -> int:
    return delta // dt.timedelta(microseconds=1)


def _rule_outcome(rule: Rule, tables: Tables, plan: BacktestPlan) -> ir.Table:
    """Grid index ranges at which a contact is a member at ``min(t_k + horizon, now)``."""
    g, kc = plan.grid, plan.complete
    parts = []
    if kc and g.step is not None and plan.horizon is not None:  # t_k + h: a grid again
        s0 = g.start + plan.horizon
        end = s0 + (kc - 1) * g.step
        shifted = IntervalContext(tables, end=end, horizon=s0, grid=(s0, g.step, kc))
        parts.append(membership(rule, shifted))
    elif kc:  # membership in instants, each interval mapped to the snapshots reaching it
        at = IntervalContext(tables, end=plan.reach(kc - 1), horizon=plan.reach(0))
        spans = membership(rule, at)
        mapped = spans.select(
            "cid",
            lo=plan.first_reaching(spans.lo),
            hi=ibis.least(plan.first_reaching(spans.hi), kc),
        )
        parts.append(merge(mapped))
    if kc < g.n:  # the partial snapshots: all observed as of now
        at_now = IntervalContext(
            tables, end=plan.now, horizon=plan.now, grid=(plan.now, DAY_STEP, 1)
        )
        now_set = membership(rule, at_now)
        parts.append(
            now_set.select("cid", lo=ibis.literal(kc, "int64"), hi=ibis.literal(g.n, "int64"))
        )
    return parts[0] if len(parts) == 1 else merge(_concat(parts))


def outcome_intervals(
    outcome: EventCondition | Rule, tables: Tables, plan: BacktestPlan, *, event: bool
) -> ir.Table:
    """Return the outcome's index ranges within the population (each contact's lifetime at t_k)."""
    out = (
        _event_outcome(outcome, tables, plan)  # type: ignore[arg-type]
        if event
        else _rule_outcome(outcome, tables, plan)
    )
    return _ctx(tables, plan).clip(out)


def materialize(intervals: ir.Table) -> ir.Table:
    """Run an interval table once and return it as an in-memory table of the same schema.

    The outcome is read by every definition's query: computed once, it is a small table
    (one row per contact and run of snapshots with the outcome) instead of a scan of the
    events repeated per definition.
    """
    schema = intervals.schema()
    return ibis.memtable(execute(intervals), schema=schema)


def _tagged(intervals: ir.Table, tag: int) -> ir.Table:
    counts = grid_counts(intervals)
    return counts.mutate(tag=ibis.literal(tag, "int64"))


def _sizes(rows: list[tuple], n: int, tags: int) -> np.ndarray:
    """Sizes per tag and grid index from ``(j, starts, ends, tag)`` rows: shape (tags, n)."""
    delta = np.zeros((tags, n + 1), dtype="int64")
    for j, s, e, tag in rows:
        delta[int(tag), int(j)] += int(s) - int(e)
    return np.cumsum(delta, axis=1)[:, :n]


def base_counts(outcome: ir.Table, tables: Tables, plan: BacktestPlan) -> np.ndarray:
    """Count ``[population, positives]`` per snapshot, in one query."""
    life = _ctx(tables, plan).lifetime()
    both = ibis.union(_tagged(life, 0), _tagged(outcome, 1), distinct=False)
    return _sizes(execute_rows(both), plan.grid.n, 2)


def backtest_counts(
    rule: Rule, outcome: ir.Table, tables: Tables, plan: BacktestPlan
) -> np.ndarray:
    """``[members, true_positives]`` per snapshot of one definition, in one query.

    ``rule`` (references inlined) compiles once to membership intervals on the grid;
    ``outcome`` is :func:`outcome_intervals`.
    """
    members = membership(rule, _ctx(tables, plan))
    hits = intersect([members, outcome])
    both = ibis.union(_tagged(members, 0), _tagged(hits, 1), distinct=False)
    return _sizes(execute_rows(both), plan.grid.n, 2)


def truncated_tables(tables: Tables, t: dt.datetime) -> dict[str, ir.Table | None]:
    """Return the bound tables as known at ``t``: no later event, no history row starting later.

    Returns ``contacts``, ``events`` and ``contact_history`` (None when not bound), for
    :meth:`~segment_lab.Workspace.from_ibis` with the same bindings.
    """
    b = tables.bindings
    ev, hist = tables.events, tables.history
    return {
        "contacts": tables.contacts,
        "events": None if ev is None else ev.filter(ev[b.ts] <= t),
        "contact_history": None if hist is None else hist.filter(hist[b.valid_from] <= t),
    }
