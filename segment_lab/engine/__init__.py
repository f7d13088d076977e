"""Model -> Ibis. The only place that builds Ibis expressions from rule nodes.

Code outside the engine imports these names from here, never from the private modules:

* as-of compilation (``compile_members``, ``plan_asof``, ``universe``) and membership
  intervals for histories (``IntervalContext``, ``membership``);
* the queries behind a backtest (``BacktestPlan``, ``outcome_intervals``,
  ``materialize``, ``base_counts``, ``backtest_counts``, ``truncated_tables``);
* the queries behind a workspace (``segment_sizes``, ``segment_history`` and its plans
  ``choose_plan``, ``check_plan``, ``plan_costs``, ``HISTORY_PLANS``; the histories of
  several segments sharing their work, ``segment_histories``, ``check_fields``,
  ``membership_intervals``, ``entries_and_exits``, ``movers``) on a :class:`Grid`;
* compiled plans, kept per workspace: ``CountPlans`` (``compile_count``) for counts,
  ``HistoryPlans`` (``compile_history``, ``history_counts``) for histories;
* data checks (``check_tables``, ``check_data``, ``event_types_present``), the facts a
  workspace learns about its data once (``DataFacts``) and the checks of rules and
  instants against them (``check_rule``, ``check_instant``), and the current-value
  warning (``warn_current``);
* execution (``execute``, ``interrupt``, ``to_sql``, ``duckdb_tables``, ``url_tables``,
  ``backend_tables``, ``file_tables``, ``pandas_tables``): the one module that touches backend internals.
"""

from __future__ import annotations

from segment_lab.engine._asof import (
    compile_members,
    plan_asof,
    universe,
    used_fields,
    window_filter,
)
from segment_lab.engine._backtest import (
    BacktestPlan,
    backtest_counts,
    base_counts,
    materialize,
    outcome_intervals,
    truncated_tables,
)
from segment_lab.engine._batched import (
    HISTORY_PLANS,
    check_plan,
    choose_plan,
    plan_costs,
)
from segment_lab.engine._bindings import Bindings
from segment_lab.engine._catalog import check_fields, segment_histories
from segment_lab.engine._checks import (
    DataFacts,
    check_data,
    check_instant,
    check_rule,
    event_types_present,
)
from segment_lab.engine._current import stale_fields, warn_current
from segment_lab.engine._execute import (
    backend_tables,
    configure_duckdb,
    duckdb_tables,
    execute,
    execute_rows,
    execute_scalar,
    file_tables,
    interrupt,
    pandas_tables,
    release_cursors,
    resume,
    to_sql,
    url_tables,
)
from segment_lab.engine._intervals import HI, LO, IntervalContext, membership
from segment_lab.engine._plans import (
    STAND_IN,
    CountPlans,
    HistoryPlans,
    compile_count,
    compile_history,
    history_counts,
)
from segment_lab.engine._queries import (
    Grid,
    entries_and_exits,
    make_grid,
    membership_intervals,
    movers,
    segment_history,
    segment_sizes,
)
from segment_lab.engine._refs import as_rule, inline
from segment_lab.engine._schema import Tables, check_tables
from segment_lab.engine._summary import DataSummary, summarise

__all__ = [
    "HISTORY_PLANS",
    "check_fields",
    "HistoryPlans",
    "compile_history",
    "history_counts",
    "check_plan",
    "configure_duckdb",
    "choose_plan",
    "plan_costs",
    "DataSummary",
    "summarise",
    "HI",
    "LO",
    "STAND_IN",
    "BacktestPlan",
    "Bindings",
    "CountPlans",
    "DataFacts",
    "Grid",
    "IntervalContext",
    "Tables",
    "as_rule",
    "backend_tables",
    "backtest_counts",
    "base_counts",
    "check_data",
    "check_instant",
    "check_rule",
    "check_tables",
    "compile_count",
    "compile_members",
    "duckdb_tables",
    "entries_and_exits",
    "file_tables",
    "event_types_present",
    "execute",
    "execute_rows",
    "execute_scalar",
    "inline",
    "interrupt",
    "make_grid",
    "materialize",
    "membership",
    "membership_intervals",
    "movers",
    "outcome_intervals",
    "pandas_tables",
    "plan_asof",
    "release_cursors",
    "resume",
    "segment_histories",
    "segment_history",
    "segment_sizes",
    "stale_fields",
    "to_sql",
    "truncated_tables",
    "universe",
    "url_tables",
    "used_fields",
    "warn_current",
    "window_filter",
]


def __dir__() -> list[str]:
    """List the public names only (tab completion hides the imports)."""
    return sorted(__all__)
