"""Model -> Ibis. The only place that builds Ibis expressions from rule nodes."""

from __future__ import annotations

from segment_lab.engine._asof import compile_members, plan_asof, universe
from segment_lab.engine._bindings import Bindings
from segment_lab.engine._refs import as_rule, inline
from segment_lab.engine._schema import Tables, check_tables

__all__ = [
    "Bindings",
    "Tables",
    "as_rule",
    "check_tables",
    "compile_members",
    "inline",
    "plan_asof",
    "universe",
]
