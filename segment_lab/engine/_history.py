"""Sampling membership intervals on a regular grid (docs/semantics.md#grids)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import ibis

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    import ibis.expr.types as ir
    import pandas as pd

__all__ = ["grid_counts", "history_frame"]


def grid_counts(intervals: ir.Table) -> ir.Table:
    """Per grid index j: how many membership runs start and end there.

    ``intervals`` are maximal index ranges ``[lo, hi)`` (compiled with a grid, see
    :class:`~segment_lab.engine.IntervalContext`): a start at j means
    "member at j, not at j-1", an end at j the reverse.  Returns ``(j, starts, ends)``.
    """
    starts = intervals.group_by(j=intervals.lo).aggregate(
        starts=intervals.count(), ends=ibis.literal(0, "int64")
    )
    ends = intervals.group_by(j=intervals.hi).aggregate(
        starts=ibis.literal(0, "int64"), ends=intervals.count()
    )
    both = ibis.union(starts, ends, distinct=False)
    return both.group_by("j").aggregate(starts=both.starts.sum(), ends=both.ends.sum())


def history_frame(
    counts: Iterable[tuple[int, int, int]], instants: Sequence[dt.datetime]
) -> pd.DataFrame:
    """Return ``period, size, entered, exited`` for grid indices 1..npoints-1.

    They are computed from the ``(j, starts, ends)`` rows of ``grid_counts``;
    ``instants`` are the grid's npoints instants, ``t_(-1)`` first.
    """
    npoints = len(instants)
    import numpy as np
    import pandas as pd

    starts = np.zeros(npoints + 1, dtype="int64")
    ends = np.zeros(npoints + 1, dtype="int64")
    for j, s, e in counts:
        starts[int(j)] += int(s)
        ends[int(j)] += int(e)
    size = np.cumsum(starts - ends)[:npoints]
    periods = pd.to_datetime(list(instants[1:]))
    return pd.DataFrame(
        {
            "period": periods,
            "size": size[1:],
            "entered": starts[1:npoints],
            "exited": ends[1:npoints],
        }
    )
