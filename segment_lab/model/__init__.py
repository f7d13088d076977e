"""The segment model: pure data (stdlib only), no Ibis, no pandas, no I/O."""

from __future__ import annotations

from segment_lab.model._nodes import (
    COMPARISONS,
    NODE_TYPES,
    And,
    Compare,
    EventCondition,
    InSegment,
    IsEmpty,
    IsIn,
    IsNull,
    ListHas,
    Not,
    Or,
    Range,
    Rule,
    TextMatch,
    walk,
)
from segment_lab.model._segment import Catalog, Segment, references
from segment_lab.model._time import (
    AbsoluteTime,
    Between,
    Duration,
    RelativeTime,
    Within,
    as_time_value,
)

__all__ = [
    "COMPARISONS",
    "NODE_TYPES",
    "AbsoluteTime",
    "And",
    "Between",
    "Catalog",
    "Compare",
    "Duration",
    "EventCondition",
    "InSegment",
    "IsEmpty",
    "IsIn",
    "IsNull",
    "ListHas",
    "Not",
    "Or",
    "Range",
    "RelativeTime",
    "Rule",
    "Segment",
    "TextMatch",
    "Within",
    "as_time_value",
    "references",
    "walk",
]


def __dir__() -> list[str]:
    """List the public names only (tab completion hides the imports)."""
    return sorted(__all__)
