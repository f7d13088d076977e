"""Model -> Ibis. The only place that builds Ibis expressions from rule nodes.

Code outside the engine imports engine names from here, never from its private
modules.
"""

from __future__ import annotations

from segment_lab.engine._asof import (
    compile_members,
    plan_asof,
    universe,
    used_fields,
    window_filter,
)
from segment_lab.engine._bindings import Bindings
from segment_lab.engine._history import grid_counts, history_frame
from segment_lab.engine._intervals import HI, LO, IntervalContext, membership
from segment_lab.engine._plans import STAND_IN, CountPlans, compile_count, duckdb_backend
from segment_lab.engine._refs import as_rule, inline
from segment_lab.engine._schema import Tables, check_tables

__all__ = [
    "HI",
    "LO",
    "STAND_IN",
    "Bindings",
    "CountPlans",
    "IntervalContext",
    "Tables",
    "as_rule",
    "check_tables",
    "compile_count",
    "compile_members",
    "duckdb_backend",
    "grid_counts",
    "history_frame",
    "inline",
    "membership",
    "plan_asof",
    "universe",
    "used_fields",
    "window_filter",
]
