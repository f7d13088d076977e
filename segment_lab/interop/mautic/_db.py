"""A Mautic 5 database's tables as segment_lab's contacts and events (any Ibis backend)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import ibis

from segment_lab.engine import Bindings
from segment_lab.errors import BindingError, did_you_mean

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from segment_lab.workspace import Workspace

__all__ = ["EVENT_TYPES", "bindings", "tables", "workspace"]

#: Event types built from Mautic's tables (declared, so a type without rows counts 0).
EVENT_TYPES = Bindings.mautic().event_types
#: The events' property columns and their types (NULL where a table lacks one).
_COLUMNS: dict[str, str] = {
    "email_id": "int64", "open_count": "int64", "url": "string", "url_title": "string",
    "referer": "string", "source": "string", "source_id": "int64", "redirect_id": "int64",
    "page_id": "int64", "reason": "int64", "channel": "string", "leadlist_id": "int64",
    "manually_added": "int64", "manually_removed": "int64",
}  # fmt: skip
_REQUIRED = ("leads", "email_stats", "page_hits", "lead_tags_xref", "lead_donotcontact",
             "lead_lists_leads")  # fmt: skip


def bindings(**overrides: object) -> Bindings:
    """Return the bindings of a Mautic workspace: :meth:`segment_lab.Bindings.mautic`.

    Examples
    --------
    >>> from segment_lab.interop.mautic import bindings
    >>> bindings().created_at
    'date_added'
    """
    return Bindings.mautic(**overrides)


def _events(t: ir.Table, kind: str, ts: ir.Value, **cols: ir.Value) -> ir.Table:
    """One table's rows as events with every property column (NULL where absent)."""
    t = t.filter(t.lead_id.notnull())  # anonymous visitors are no contacts
    values = {
        name: (cols[name] if name in cols else ibis.null()).cast(dtype)
        for name, dtype in _COLUMNS.items()
    }
    return t.select(
        contact_id=t.lead_id.cast("int64"),
        event_type=ibis.literal(kind),
        ts=ts.cast("timestamp"),
        **values,
    )


def _table(con: Any, name: str, prefix: str) -> ir.Table:
    full = prefix + name
    try:
        return con.table(full)
    except Exception:  # each backend raises its own "no such table"
        existing = list(con.list_tables())
        raise BindingError(
            f"The Mautic database has no table {full!r} (tables: "
            f"{', '.join(map(repr, existing)) or 'none'})." + did_you_mean(full, existing)
        ) from None


def tables(con: Any, prefix: str = "") -> tuple[ir.Table, ir.Table]:
    """Build the contacts and events of a Mautic 5 database.

    Parameters
    ----------
    con
        An Ibis connection (DuckDB, PostgreSQL, MySQL ...) to the database.
    prefix
        Mautic's table prefix (``db_table_prefix``), if the install uses one.

    Returns
    -------
    contacts, events
        ``contacts``: every ``leads`` column, ``id`` as ``contact_id``, plus ``tags``
        (the list of ``lead_tags_xref`` tag ids) and, when ``lead_tags`` is there,
        ``tag_names`` (their names).  ``events``: ``email_sent``
        (``email_stats.date_sent``, with ``email_id`` and ``open_count``),
        ``email_read`` (rows with ``is_read = 1`` at ``date_read``, else ``date_sent``),
        ``page_hit`` (``page_hits`` at ``date_hit`` with ``url``, ``url_title``,
        ``referer``, ``source``, ``source_id``, ``redirect_id``, ``page_id``,
        ``email_id``), ``dnc`` (``lead_donotcontact`` with ``reason`` and ``channel``)
        and ``segment_member`` (``lead_lists_leads`` with ``leadlist_id``,
        ``manually_added`` and ``manually_removed``).

    Raises
    ------
    BindingError
        When a table is missing (with the tables the database has).

    Examples
    --------
    >>> import duckdb, ibis
    >>> from segment_lab.interop.mautic import tables
    >>> raw = duckdb.connect()
    >>> for ddl in ("leads (id BIGINT, date_added TIMESTAMP)",
    ...             "lead_tags_xref (lead_id BIGINT, tag_id BIGINT)",
    ...             "email_stats (lead_id BIGINT, email_id BIGINT, date_sent TIMESTAMP, "
    ...             "is_read BIGINT, date_read TIMESTAMP, open_count BIGINT)",
    ...             "page_hits (lead_id BIGINT, date_hit TIMESTAMP, url VARCHAR)",
    ...             "lead_donotcontact (lead_id BIGINT, date_added TIMESTAMP, reason BIGINT, "
    ...             "channel VARCHAR)",
    ...             "lead_lists_leads (leadlist_id BIGINT, lead_id BIGINT, date_added TIMESTAMP, "
    ...             "manually_removed BIGINT, manually_added BIGINT)"):
    ...     _ = raw.execute(f"CREATE TABLE {ddl}")
    >>> _ = raw.execute("INSERT INTO leads VALUES (1, '2024-01-01'), (2, '2024-02-01')")
    >>> _ = raw.execute("INSERT INTO lead_tags_xref VALUES (2, 5)")
    >>> contacts, events = tables(ibis.duckdb.from_connection(raw))
    >>> contacts.order_by("contact_id").execute()[["contact_id", "tags"]].to_dict("list")
    {'contact_id': [1, 2], 'tags': [None, [5]]}
    >>> events.columns[:3]
    ('contact_id', 'event_type', 'ts')
    """
    t = {name: _table(con, name, prefix) for name in _REQUIRED}
    leads, xref = t["leads"], t["lead_tags_xref"]
    lists = {"tags": xref.tag_id.cast("int64").collect()}
    if prefix + "lead_tags" in con.list_tables():  # the tags' names, when the table is there
        names = _table(con, "lead_tags", prefix)
        xref = xref.left_join(names, xref.tag_id == names.id)
        lists = {"tags": xref.tag_id.cast("int64").collect(), "tag_names": xref.tag.collect()}
    tags = xref.group_by(lead=xref.lead_id).aggregate(**lists)
    contacts = leads.left_join(tags, leads.id == tags.lead).drop("lead")
    contacts = contacts.rename(contact_id="id").mutate(contact_id=ibis._.contact_id.cast("int64"))
    es, ph, dnc, ll = (
        t["email_stats"],
        t["page_hits"],
        t["lead_donotcontact"],
        t["lead_lists_leads"],
    )
    read = es.filter(es.is_read == 1)
    parts = [
        _events(es, "email_sent", es.date_sent, email_id=es.email_id, open_count=es.open_count),
        _events(read, "email_read", read.date_read.fill_null(read.date_sent),
                email_id=read.email_id, open_count=read.open_count),
        _events(ph, "page_hit", ph.date_hit, **{c: ph[c] for c in (
            "url", "url_title", "referer", "source", "source_id", "redirect_id", "page_id",
            "email_id") if c in ph.columns}),
        _events(dnc, "dnc", dnc.date_added, reason=dnc.reason, channel=dnc.channel),
        _events(ll, "segment_member", ll.date_added, leadlist_id=ll.leadlist_id,
                manually_added=ll.manually_added, manually_removed=ll.manually_removed),
    ]  # fmt: skip
    return contacts, ibis.union(*parts)


def workspace(
    con: Any, catalog: Any = None, *, now: Any = None, prefix: str = "", validate: bool = True
) -> Workspace:
    """Open a Mautic 5 database as a workspace (see :func:`tables` for what is read).

    Parameters
    ----------
    con
        An Ibis connection, or the path of a DuckDB file (opened read-only).
    catalog
        Segments, e.g. imported with :func:`segment_lab.interop.mautic.catalog_from_mautic`.
    now
        The instant "now" stands for (default: the wall clock, UTC).
    prefix
        Mautic's table prefix.
    validate
        Check the data up front, as :meth:`segment_lab.Workspace.from_ibis` does.

    Returns
    -------
    Workspace

    Examples
    --------
    >>> import ibis
    >>> from segment_lab.interop.mautic import workspace
    >>> workspace(ibis.duckdb.connect(), prefix="mtc_")
    Traceback (most recent call last):
    ...
    segment_lab.errors.BindingError: The Mautic database has no table 'mtc_leads' (tables: none).
    """
    from segment_lab.workspace import Workspace

    if isinstance(con, (str, os.PathLike)):
        con = ibis.duckdb.connect(os.fspath(con), read_only=True)
    contacts, events = tables(con, prefix)
    return Workspace.from_ibis(
        contacts, events, bindings=bindings(), catalog=catalog, now=now, validate=validate
    )
