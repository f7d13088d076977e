"""Widgets: compose segments by clicking, with a live count; explore their history.

``SegmentBuilder(ws, segment=None, *, as_of=None)`` edits a segment in ipywidgets
(conditions, events, references, nested AND / OR groups, NOT) and counts it as you edit,
off the UI thread.  ``SegmentExplorer(ws, catalog=None)`` shows the size, entries and
exits of catalog segments, who moved, and how they overlap.

This package is a leaf: nothing else in segment_lab imports it.
"""

from __future__ import annotations

try:
    import ipywidgets  # noqa: F401
except ImportError:  # pragma: no cover - the widgets extra is missing
    raise ImportError(
        "segment_lab.widgets needs ipywidgets: pip install 'segment_lab[widgets]'"
    ) from None

from segment_lab.widgets._builder import SegmentBuilder
from segment_lab.widgets._explorer import SegmentExplorer

__all__ = ["SegmentBuilder", "SegmentExplorer"]
