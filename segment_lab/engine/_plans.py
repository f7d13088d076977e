"""Count queries compiled once per rule and run at any instant (DuckDB).

Building a rule's Ibis expression and compiling it through sqlglot costs 8-17 ms of
Python, while counting a segment of a million contacts takes 20-150 ms in DuckDB, so
compiling on every call adds a third to the smallest counts.  A :class:`CountPlan`
compiles the members query once with the evaluation instant as a stand-in
(:data:`STAND_IN`); every instant derived from it (``t - 30 days``, midnight of t's
day) stays an expression of it in the SQL, which DuckDB folds into constants before
it plans the scans.  Running the plan at t substitutes t's literal for the stand-in's
and sends the SQL: the query DuckDB runs is the same as a fresh compilation at t.

History plans (:class:`HistoryPlan`) do the same for ``Workspace.history``, per rule,
plan ("intervals" or "batched") and grid shape (step and number of points): the
history query is compiled on a stand-in grid and bound to a grid of that shape by
substituting the literals of its first and last instants (``t_(-1)`` and ``t_(n-1)``,
the only instants the compilation reads) and, for the batched plan, the table of its
instants.

Only the compiled text is kept (per rule, per workspace): results never are.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ibis

from segment_lab.engine._asof import compile_members
from segment_lab.engine._batched import K, T, batched_counts, grid_table
from segment_lab.engine._bitmask import bitmask_counts, bitmask_rows
from segment_lab.engine._execute import (
    compile_sql,
    duckdb_backend,
    execute_rows,
    execute_scalar,
    literal_sql,
    run_rows_sql,
    run_scalar_sql,
)
from segment_lab.engine._grid import Grid
from segment_lab.engine._history import grid_counts
from segment_lab.engine._intervals import IntervalContext, membership
from segment_lab.model._time import add_months

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import numpy as np

    from segment_lab.engine._schema import Tables
    from segment_lab.model._nodes import Rule

__all__ = [
    "GRID_STAND_INS",
    "STAND_IN",
    "CountPlan",
    "CountPlans",
    "HistoryPlan",
    "HistoryPlans",
    "compile_count",
    "compile_history",
    "counts_rows",
    "grid_instants",
    "history_counts",
]

#: The instant a plan is compiled at: no real data is this old, and its microseconds
#: make its literal unmistakable in the SQL text.
STAND_IN = dt.datetime(1970, 1, 2, 3, 4, 5, 678901)


def _literal(t: dt.datetime) -> str:
    return f"TIMESTAMP '{t.isoformat(sep=' ', timespec='microseconds')}'"


@dataclass(frozen=True)
class CountPlan:
    """A compiled count of a rule's members: SQL text with the stand-in instant."""

    sql: str
    marker: str
    backend: Any
    expr: Any  # kept alive: in-memory tables it reads stay registered with the backend

    def run(self, t: dt.datetime) -> int:
        """Count the members at ``t``."""
        sql = self.sql.replace(self.marker, _literal(t))
        return int(run_scalar_sql(self.backend, sql, self.expr))


def _quotes(rule: Rule, marker: str, t: dt.datetime) -> bool:
    """Whether ``rule`` holds the instant ``t`` or its SQL literal ``marker`` as a value."""
    text = repr(rule)
    return any(x in text for x in (marker, repr(t), t.isoformat(" "), t.isoformat()))


def compile_count(rule: Rule, tables: Tables) -> CountPlan | None:
    """Return the count plan of ``rule`` (references inlined), or None where plans do not apply.

    Plans apply on DuckDB, when the stand-in's literal is found in the SQL and nowhere
    else: a rule holding the stand-in instant as a value (its literal would be
    substituted too) or whose text values contain its literal, however unlikely, is
    compiled per call.
    """
    expr = compile_members(rule, tables, ibis.literal(STAND_IN, type="timestamp")).count()
    backend = duckdb_backend(expr)
    if backend is None:
        return None
    marker = literal_sql(backend, ibis.literal(STAND_IN, type="timestamp"))
    if _quotes(rule, marker, STAND_IN):
        return None
    sql = compile_sql(backend, expr)
    if marker not in sql:
        return None
    return CountPlan(sql, marker, backend, expr)


class CountPlans:
    """The count plans of one workspace, by rule (the ``size`` most recently used)."""

    def __init__(self, tables: Tables, size: int = 256) -> None:
        self._tables = tables
        self._size = size
        self._plans: OrderedDict[Rule, CountPlan | None] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, rule: Rule) -> CountPlan | None:
        """Return the plan of ``rule``, compiled on first use; None if it has none.

        Safe from several threads (a widget's worker and the notebook).
        """
        with self._lock:
            if rule in self._plans:
                self._plans.move_to_end(rule)
                return self._plans[rule]
        plan = compile_count(rule, self._tables)  # two threads may both compile: same plan
        with self._lock:
            self._plans[rule] = plan
            if len(self._plans) > self._size:
                self._plans.popitem(last=False)
        return plan

    def count(self, rule: Rule, t: dt.datetime) -> int:
        """Count the members of ``rule`` at ``t``: by its plan, else compiled at ``t``."""
        plan = self.get(rule)
        if plan is not None:
            return plan.run(t)
        return int(execute_scalar(compile_members(rule, self._tables, t).count()))

    def __len__(self) -> int:
        return len(self._plans)


# -- history plans ---------------------------------------------------------------------------

#: The two ``t_(-1)`` a history plan is compiled at, far apart: the SQL of the second
#: must be that of the first with the literals substituted, and the plan is bound only
#: to grids whose ``t_(-1)`` lies between them (see :func:`compile_history`).
GRID_STAND_INS = (STAND_IN, dt.datetime(2345, 6, 7, 8, 9, 10, 123457))


def _stand_in_grid(before: dt.datetime, step: dt.timedelta | int, npoints: int) -> Grid:
    """Return the grid of ``npoints`` instants (``t_(-1)`` first) from ``before`` every ``step``."""
    if isinstance(step, int):
        return Grid(add_months(before, step), None, npoints - 1, step)
    return Grid(before + step, step, npoints - 1)


def grid_instants(grid: Grid) -> np.ndarray:
    """Return the instants ``t_(-1) .. t_(n-1)`` of ``grid`` as ``datetime64[us]`` (fast for long grids).

    Examples
    --------
    >>> import datetime as dt
    >>> from segment_lab.engine import make_grid
    >>> grid_instants(make_grid(dt.datetime(2025, 1, 6), dt.datetime(2025, 1, 20), "1w"))
    array(['2024-12-30T00:00:00.000000', '2025-01-06T00:00:00.000000',
           '2025-01-13T00:00:00.000000', '2025-01-20T00:00:00.000000'],
          dtype='datetime64[us]')
    """
    import numpy as np

    if grid.step is None:
        return np.array([grid.at(k) for k in range(-1, grid.n)], dtype="datetime64[us]")
    us = np.timedelta64(grid.step // dt.timedelta(microseconds=1), "us")
    return np.datetime64(grid.before, "us") + np.arange(grid.n + 1) * us


def history_counts(rule: Rule, tables: Tables, grid: Grid, plan: str) -> ir.Table:
    """Return the ``(j, starts, ends)`` query of ``rule`` on ``grid`` by ``plan``, compiled afresh.

    ``plan`` "batched": :func:`~segment_lab.engine._batched.batched_counts`, "bitmask":
    :func:`~segment_lab.engine._bitmask.bitmask_counts` (one wide row: see
    :func:`counts_rows`), else the interval engine's membership intervals compiled to
    grid indices and counted.
    """
    return _query(rule, tables, grid, plan)[0]


def counts_rows(rows: list[tuple], plan: str, grid: Grid) -> list[tuple]:
    """Return the ``(j, starts, ends)`` rows of a history query's result ``rows`` by ``plan``.

    The bitmask plan's result is one row ``(0, s0 .., x0 ..)`` (two indices a sum; none when
    no contact is ever a member); the others' are already those rows.
    """
    return bitmask_rows(rows, grid.n + 1) if plan == "bitmask" else rows


def _query(rule: Rule, tables: Tables, grid: Grid, plan: str) -> tuple[ir.Table, str | None]:
    """:func:`history_counts` and the name of the batched plan's grid table (None: intervals)."""
    if plan == "bitmask":
        return bitmask_counts(rule, tables, grid.positions, [grid.before, *grid.points]), None
    if plan == "batched":
        instants = [grid.before, *grid.points]
        table = grid_table(instants)
        expr = batched_counts(rule, tables, grid.positions, instants, grid=table)
        return expr, table.get_name()
    ctx = IntervalContext(tables, end=grid.end, horizon=grid.before, grid=grid.positions)
    return grid_counts(membership(rule, ctx)), None


@dataclass(frozen=True)
class HistoryPlan:
    """A compiled history of one rule, by one plan, on grids of one step and length (DuckDB).

    The SQL was compiled on a stand-in grid; :meth:`rows` binds it to another grid of
    the same shape: the literals of the stand-in's ``t_(-1)`` and ``t_(n-1)``
    (``markers``) become the grid's, and the batched plan's grid table (``grid_name``,
    None for the interval plan) is bound to the grid's instants.
    """

    sql: str
    markers: tuple[str, str]
    grid_name: str | None
    bounds: tuple[dt.datetime, dt.datetime]  # the t_(-1) it may be bound to
    backend: Any
    expr: Any  # kept alive: the in-memory tables it reads stay registered

    def applies(self, grid: Grid) -> bool:
        """Whether the plan may be bound to ``grid`` (its ``t_(-1)`` within :attr:`bounds`)."""
        return self.bounds[0] <= grid.before <= self.bounds[1]

    def bind(self, grid: Grid) -> str:
        """Return the SQL on ``grid``: the stand-in's literals replaced by the grid's, in one pass."""
        return _substitute(
            self.sql, dict(zip(self.markers, (_literal(grid.before), _literal(grid.end))))
        )

    def rows(self, grid: Grid, instants: np.ndarray | None = None) -> list[tuple]:
        """``(j, starts, ends)`` rows on ``grid`` (``instants``: its :func:`grid_instants`)."""
        tables = {}
        if self.grid_name is not None:
            import pyarrow as pa

            instants = grid_instants(grid) if instants is None else instants
            tables[self.grid_name] = pa.table(
                {
                    K: pa.array(range(len(instants)), pa.int64()),
                    T: pa.array(instants, pa.timestamp("us")),
                }
            )
        return run_rows_sql(self.backend, self.bind(grid), tables, self.expr)


def _substitute(sql: str, values: dict[str, str]) -> str:
    pattern = "|".join(map(re.escape, values))
    return re.sub(pattern, lambda m: values[m.group(0)], sql)


def _memtable_names(expr: ir.Expr) -> list[str]:
    import ibis.expr.operations as ops

    return [t.name for t in expr.op().find(ops.InMemoryTable)]


def _normalized(sql: str, expr: ir.Expr) -> str:
    """Return ``sql`` with the names of ``expr``'s in-memory tables (unique per compilation) numbered."""
    names = _memtable_names(expr)
    if not names:
        return sql
    order = sorted(set(names), key=lambda n: sql.find(n))
    return _substitute(sql, {n: f"__memtable_{i}" for i, n in enumerate(order)})


def compile_history(
    rule: Rule, tables: Tables, plan: str, step: dt.timedelta | int, npoints: int
) -> HistoryPlan | None:
    """Compile the ``plan`` history of ``rule`` on grids of ``step`` and ``npoints`` instants.

    ``npoints`` counts ``t_(-1)`` (``Grid.positions``); ``step`` is a timedelta or a
    number of calendar months.  Returns None where plans do not apply: off DuckDB, or
    when the substitution is not proven safe.  The query is compiled on two stand-in
    grids (:data:`GRID_STAND_INS`); the plan is the first, and stands only if the
    second's SQL is exactly the first's with its instants' literals (and in-memory
    tables' names) replaced.  That shows every instant the compilation derives from the
    grid stays an expression of those literals (a Python-computed instant, such as
    ``t_(-1) - 30 days`` folded into a literal of its own, would differ) and that no
    other literal of the rule coincides with them.  The compilation's only branches on
    the grid's instants are clips at the sentinels :data:`~segment_lab.engine.LO` and
    :data:`~segment_lab.engine.HI`, monotone in the instant: taken alike at both
    stand-ins, they are taken alike at every ``t_(-1)`` between them, the plan's bounds.
    """
    grids = [_stand_in_grid(t, step, npoints) for t in GRID_STAND_INS]
    first = _query(rule, tables, grids[0], plan)
    backend = duckdb_backend(first[0])
    if backend is None:
        return None
    second = _query(rule, tables, grids[1], plan)
    marks = [
        tuple(literal_sql(backend, ibis.literal(t, type="timestamp")) for t in (g.before, g.end))
        for g in grids
    ]
    sqls = [compile_sql(backend, q[0]) for q in (first, second)]
    moved = _substitute(sqls[0], dict(zip(marks[0], marks[1])))
    if _normalized(moved, first[0]) != _normalized(sqls[1], second[0]):
        return None
    bounds = (grids[0].before, grids[1].before)
    return HistoryPlan(sqls[0], marks[0], first[1], bounds, backend, first[0])  # type: ignore[arg-type]


class HistoryPlans:
    """The history plans of one workspace, by rule, plan, step and number of grid points.

    The ``size`` most recently used are kept; safe from several threads (the explorer
    widget draws its history on a worker thread while the notebook runs others).
    """

    def __init__(self, tables: Tables, size: int = 128) -> None:
        self._tables = tables
        self._size = size
        self._plans: OrderedDict[tuple, HistoryPlan | None] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, rule: Rule, plan: str, grid: Grid) -> HistoryPlan | None:
        """Return the plan of ``rule`` on grids shaped as ``grid``, compiled on first use.

        None where none applies (see :func:`compile_history`).
        """
        _, step, npoints = grid.positions
        key = (rule, plan, type(step), step, npoints)
        with self._lock:
            if key in self._plans:
                self._plans.move_to_end(key)
                return self._plans[key]
        compiled = compile_history(rule, self._tables, plan, step, npoints)  # two threads: same
        with self._lock:
            self._plans[key] = compiled
            if len(self._plans) > self._size:
                self._plans.popitem(last=False)
        return compiled

    def rows(
        self, rule: Rule, plan: str, grid: Grid, instants: np.ndarray | None = None
    ) -> list[tuple]:
        """``(j, starts, ends)`` of ``rule`` on ``grid`` by ``plan``: bound, else compiled for it."""
        compiled = self.get(rule, plan, grid)
        if compiled is not None and compiled.applies(grid):
            return counts_rows(compiled.rows(grid, instants), plan, grid)
        return counts_rows(execute_rows(history_counts(rule, self._tables, grid, plan)), plan, grid)

    def __len__(self) -> int:
        return len(self._plans)
