"""Checks of the bound data's content (the schema checks are in ``_schema``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from segment_lab.engine._execute import execute
from segment_lab.errors import DataError

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from segment_lab.engine._bindings import Bindings
    from segment_lab.engine._schema import Tables

__all__ = ["check_data", "event_types_present"]


def check_data(tables: Tables) -> None:
    """Check that contacts exist with unique, non-NULL ids and that history rows are sane.

    Raises
    ------
    DataError
        When the contacts table is empty, an id is NULL or repeated, or a
        contact_history row has no ``valid_from`` or a ``valid_to`` not after it.
    """
    _check_contacts(tables)
    if tables.history is not None:
        _check_history(tables.history, tables.bindings)


def _check_contacts(tables: Tables) -> None:
    b, c = tables.bindings, tables.contacts
    ids = c[b.contact_id]
    stats = execute(c.aggregate(n=c.count(), ids=ids.nunique(), nulls=ids.isnull().sum())).iloc[0]
    n, unique, nulls = int(stats["n"]), int(stats["ids"]), int(stats["nulls"] or 0)
    if n == 0:
        raise DataError("The contacts table is empty: there is nobody to segment.")
    if nulls:
        raise DataError(f"The contacts table has {nulls} rows with a NULL {b.contact_id!r}.")
    if unique != n:
        dup = execute(
            c.group_by(b.contact_id).aggregate(k=c.count()).filter(lambda x: x.k > 1).limit(3)
        )
        extra = n - unique
        raise DataError(
            f"{b.contact_id!r} is not unique in the contacts table: {extra} extra "
            f"row{'s' if extra != 1 else ''} repeat an id, e.g. {b.contact_id} "
            f"{', '.join(map(repr, dup[b.contact_id].tolist()))}."
        )


def _check_history(h: ir.Table, b: Bindings) -> None:
    start, end = h[b.valid_from], h[b.valid_to]
    bad = int(execute(h.filter(start.isnull() | (end.notnull() & (end <= start))).count()))
    if bad:
        raise DataError(
            f"{bad} contact_history rows have a NULL {b.valid_from!r} or a "
            f"{b.valid_to!r} not after it; each row must cover [valid_from, valid_to)."
        )


def event_types_present(tables: Tables, limit: int = 10_000) -> list[str] | None:
    """Return the distinct event types in the events table, sorted.

    At most ``limit`` of them; None when there is no events table.
    """
    events = tables.events
    if events is None:
        return None
    col = tables.bindings.event_type
    frame = execute(events.select(col).distinct().limit(limit))
    return sorted(str(v) for v in frame[col] if isinstance(v, str))
