"""What a workspace holds, in two aggregate queries: row counts, event types, time span."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from segment_lab.engine._execute import execute_rows

if TYPE_CHECKING:
    from segment_lab.engine._schema import Tables

__all__ = ["DataSummary", "summarise"]


@dataclass(frozen=True)
class DataSummary:
    """Row counts, the events' span and their types by count (most frequent first)."""

    contacts: int
    events: int | None  # None: no events table
    history: int | None  # None: no contact_history table
    first_event: dt.datetime | None
    last_event: dt.datetime | None
    event_types: tuple[tuple[str, int], ...]  # (type, count), most frequent first


def summarise(tables: Tables) -> DataSummary:
    """Count the rows of each table and the events by type (two queries).

    Examples
    --------
    >>> import segment_lab as sl
    >>> s = summarise(sl.Workspace.demo().tables)
    >>> s.contacts, s.event_types[0][1] >= s.event_types[-1][1], s.events == sum(n for _, n in s.event_types)
    (5000, True, True)
    """
    b = tables.bindings
    counts = tables.contacts.aggregate(contacts=tables.contacts.count())
    if tables.history is not None:
        counts = counts.cross_join(tables.history.aggregate(history=tables.history.count()))
    row = execute_rows(counts)[0]
    history = int(row[1]) if tables.history is not None else None
    if tables.events is None:
        return DataSummary(int(row[0]), None, history, None, None, ())
    e = tables.events
    # epoch seconds: the same instants for naive UTC and time-zone-aware columns (whose
    # values the driver could only hand back with pytz)
    by_type = e.group_by(type=e[b.event_type]).aggregate(
        n=e.count(), first=e[b.ts].min().epoch_seconds(), last=e[b.ts].max().epoch_seconds()
    )
    rows = sorted(execute_rows(by_type), key=lambda r: (-r[1], str(r[0])))
    firsts = [r[2] for r in rows if r[2] is not None and r[2] == r[2]]
    lasts = [r[3] for r in rows if r[3] is not None and r[3] == r[3]]
    return DataSummary(
        contacts=int(row[0]),
        events=sum(int(r[1]) for r in rows),
        history=history,
        first_event=_utc(min(firsts)) if firsts else None,
        last_event=_utc(max(lasts)) if lasts else None,
        event_types=tuple(("NULL" if r[0] is None else str(r[0]), int(r[1])) for r in rows),
    )


def _utc(epoch: float) -> dt.datetime:
    """Return epoch seconds as a naive UTC datetime."""
    return dt.datetime(1970, 1, 1) + dt.timedelta(seconds=int(epoch))
