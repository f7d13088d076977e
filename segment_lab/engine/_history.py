"""Sampling membership intervals on a regular grid (DESIGN §4)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import ibis

from segment_lab.engine._sweep import merge

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

__all__ = ["grid_counts", "history_frame"]


def _ceil_index(x: ir.TimestampValue, g0: dt.datetime, step_us: int) -> ir.IntegerValue:
    us = x.delta(ibis.literal(g0, type="timestamp"), unit="microsecond")
    return -((-us) // step_us)


def grid_counts(intervals: ir.Table, g0: dt.datetime, every: dt.timedelta, npoints: int) -> ir.Table:
    """Per grid index j (instant g0 + j*every, j < npoints): runs starting and ending there.

    Each interval ``[lo, hi)`` covers the grid indices ``[ceil((lo-g0)/every),
    ceil((hi-g0)/every))``; a contact's index ranges are merged when adjacent, so a
    "start" at j means "member at j, not at j-1" and an "end" at j the reverse.
    Returns a table ``(j, starts, ends)``.
    """
    step = every // dt.timedelta(microseconds=1)
    lo = ibis.greatest(ibis.least(_ceil_index(intervals.lo, g0, step), npoints), 0)
    hi = ibis.greatest(ibis.least(_ceil_index(intervals.hi, g0, step), npoints), 0)
    idx = intervals.select("cid", lo=lo, hi=hi)
    runs = merge(idx.filter(idx.lo < idx.hi))
    starts = runs.group_by(j=runs.lo).aggregate(starts=runs.count(), ends=ibis.literal(0, "int64"))
    ends = runs.group_by(j=runs.hi).aggregate(starts=ibis.literal(0, "int64"), ends=runs.count())
    both = ibis.union(starts, ends, distinct=False)
    return both.group_by("j").aggregate(starts=both.starts.sum(), ends=both.ends.sum())


def history_frame(counts: pd.DataFrame, g0: dt.datetime, every: dt.timedelta, npoints: int) -> pd.DataFrame:
    """``period, size, entered, exited`` for grid indices 1..npoints-1 from ``grid_counts``."""
    import numpy as np
    import pandas as pd

    starts = np.zeros(npoints + 1, dtype="int64")
    ends = np.zeros(npoints + 1, dtype="int64")
    for j, s, e in counts[["j", "starts", "ends"]].itertuples(index=False):
        starts[int(j)] += int(s)
        ends[int(j)] += int(e)
    size = np.cumsum(starts - ends)[:npoints]
    periods = pd.to_datetime([g0 + k * every for k in range(1, npoints)])
    return pd.DataFrame(
        {
            "period": periods,
            "size": size[1:],
            "entered": starts[1:npoints],
            "exited": ends[1:npoints],
        }
    )
