"""Sampling membership intervals on a regular grid (docs/semantics.md#grids)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import ibis

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    import ibis.expr.types as ir
    import numpy as np
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
    counts: Iterable[tuple[int, int, int]], instants: Sequence[dt.datetime] | np.ndarray
) -> pd.DataFrame:
    """Return ``period, size, entered, exited`` for grid indices 1..npoints-1.

    They are computed from the ``(j, starts, ends)`` rows of ``grid_counts``;
    ``instants`` are the grid's npoints instants, ``t_(-1)`` first (datetimes, or a
    ``datetime64`` array).

    Examples
    --------
    >>> import datetime as dt
    >>> days = [dt.datetime(2025, 1, d) for d in (1, 2, 3)]
    >>> history_frame([(0, 2, 0), (2, 1, 1)], days)
          period  size  entered  exited
    0 2025-01-02     2        0       0
    1 2025-01-03     2        1       1
    """
    npoints = len(instants)
    import numpy as np
    import pandas as pd

    rows = np.asarray(list(counts), dtype="int64").reshape(-1, 3)
    starts = np.zeros(npoints + 1, dtype="int64")
    ends = np.zeros(npoints + 1, dtype="int64")
    np.add.at(starts, rows[:, 0], rows[:, 1])  # several rows of one j add up
    np.add.at(ends, rows[:, 0], rows[:, 2])
    size = np.cumsum(starts - ends)[:npoints]
    periods = pd.DatetimeIndex(np.asarray(instants[1:], dtype="datetime64[us]"))
    return pd.DataFrame(
        {
            "period": periods,
            "size": size[1:],
            "entered": starts[1:npoints],
            "exited": ends[1:npoints],
        }
    )
