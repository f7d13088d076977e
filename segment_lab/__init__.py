"""segment_lab: measurable marketing segments, exact at any past instant.

The segment language (``field``, ``event``, ``in_segment``, ``all_of``, ``any_of``,
``Segment``, ``Catalog``) imports no Ibis; the engine (``Workspace``, ``Bindings``)
is imported on first use.
"""

from __future__ import annotations

from typing import Any

from segment_lab.dsl import all_of, any_of, event, field, in_segment
from segment_lab.errors import CurrentValueWarning, SegmentLabError
from segment_lab.model import Catalog, Segment

__version__ = "0.1.0"

__all__ = [
    "Bindings",
    "Catalog",
    "CurrentValueWarning",
    "Segment",
    "SegmentLabError",
    "Workspace",
    "__version__",
    "all_of",
    "any_of",
    "backtest",
    "event",
    "field",
    "in_segment",
    "json_schema",
    "sweep",
]

#: The subpackages reachable as attributes (``segment_lab.charts``), imported on first use.
_SUBPACKAGES = (
    "analytics",
    "charts",
    "dashboard",
    "dsl",
    "errors",
    "interop",
    "model",
    "sample",
    "serde",
    "templates",
    "widgets",
)

_LAZY = {
    "Workspace": ("segment_lab.workspace", "Workspace"),
    "Bindings": ("segment_lab.engine._bindings", "Bindings"),
    "json_schema": ("segment_lab.serde", "json_schema"),
    "backtest": ("segment_lab.analytics", "backtest"),
    "sweep": ("segment_lab.analytics", "sweep"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    if name in _SUBPACKAGES:
        import importlib

        return importlib.import_module(f"segment_lab.{name}")
    raise AttributeError(f"module 'segment_lab' has no attribute {name!r}")


def __dir__() -> list[str]:
    """List the public names and subpackages (tab completion hides the imports)."""
    return sorted({*__all__, *_SUBPACKAGES})
