"""segment_lab: measurable marketing segments, exact at any past instant."""

from __future__ import annotations

from segment_lab.dsl import all_of, any_of, event, field, in_segment
from segment_lab.errors import SegmentLabError
from segment_lab.model import Catalog, Segment

__version__ = "0.1.0"

__all__ = [
    "Catalog",
    "Segment",
    "SegmentLabError",
    "__version__",
    "all_of",
    "any_of",
    "event",
    "field",
    "in_segment",
]
