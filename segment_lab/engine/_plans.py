"""Count queries compiled once per rule and run at any instant (DuckDB).

Building a rule's Ibis expression and compiling it through sqlglot costs 8-17 ms of
Python, while counting a segment of a million contacts takes 20-150 ms in DuckDB, so
compiling on every call adds a third to the smallest counts.  A :class:`CountPlan`
compiles the members query once with the evaluation instant as a stand-in
(:data:`STAND_IN`); every instant derived from it (``t - 30 days``, midnight of t's
day) stays an expression of it in the SQL, which DuckDB folds into constants before
it plans the scans.  Running the plan at t substitutes t's literal for the stand-in's
and sends the SQL: the query DuckDB runs is the same as a fresh compilation at t.

Only the compiled text is kept (per rule, per workspace): results never are.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ibis

from segment_lab.engine._asof import compile_members
from segment_lab.errors import EvaluationError

if TYPE_CHECKING:
    from segment_lab.engine._schema import Tables
    from segment_lab.model._nodes import Rule

__all__ = ["STAND_IN", "CountPlan", "CountPlans", "compile_count", "duckdb_backend"]

#: The instant a plan is compiled at: no real data is this old, and its microseconds
#: make its literal unmistakable in the SQL text.
STAND_IN = dt.datetime(1970, 1, 2, 3, 4, 5, 678901)


def duckdb_backend(expr: Any) -> Any | None:
    """The DuckDB backend ``expr`` runs on (to send SQL straight to its connection), or None."""
    try:
        backend = expr._find_backend(use_default=True)
    except Exception:  # no backend to talk to directly: let Ibis decide
        return None
    return backend if getattr(backend, "name", None) == "duckdb" else None


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
        """The number of members at ``t``."""
        sql = self.sql.replace(self.marker, _literal(t))
        try:
            return int(self.backend.con.execute(sql).fetchone()[0])
        except Exception as exc:
            raise EvaluationError(
                f"The backend failed to evaluate the segment: {type(exc).__name__}: {exc}"
            ) from exc


def compile_count(rule: Rule, tables: Tables) -> CountPlan | None:
    """The count plan of ``rule`` (references inlined), or None where plans do not apply.

    Plans apply on DuckDB, when the stand-in's literal is found in the SQL and nowhere
    else (a rule whose text values contain it, however unlikely, is compiled per call).
    """
    expr = compile_members(rule, tables, ibis.literal(STAND_IN, type="timestamp")).count()
    backend = duckdb_backend(expr)
    if backend is None:
        return None
    compiler, dialect = backend.compiler, backend.dialect
    marker = compiler.to_sqlglot(ibis.literal(STAND_IN, type="timestamp").name("t"))
    marker = marker.expressions[0].this.sql(dialect=dialect)
    if marker in repr(rule):
        return None
    try:
        backend._run_pre_execute_hooks(expr)  # registers in-memory tables (ibis.memtable)
        sql = compiler.to_sqlglot(expr).sql(dialect=dialect, copy=False)
    except Exception as exc:
        raise EvaluationError(f"Could not compile the segment to SQL: {exc}") from exc
    if marker not in sql:
        return None
    return CountPlan(sql, marker, backend, expr)


class CountPlans:
    """The count plans of one workspace, by rule (the ``size`` most recently used)."""

    def __init__(self, tables: Tables, size: int = 256) -> None:
        self._tables = tables
        self._size = size
        self._plans: OrderedDict[Rule, CountPlan | None] = OrderedDict()

    def get(self, rule: Rule) -> CountPlan | None:
        """The plan of ``rule``, compiled on first use; None if it has none."""
        if rule in self._plans:
            self._plans.move_to_end(rule)
            return self._plans[rule]
        plan = compile_count(rule, self._tables)
        self._plans[rule] = plan
        if len(self._plans) > self._size:
            self._plans.popitem(last=False)
        return plan

    def __len__(self) -> int:
        return len(self._plans)
