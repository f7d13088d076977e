"""Bindings: which tables and columns play which role (docs/semantics.md#the-tables)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

__all__ = ["Bindings"]


@dataclass(frozen=True)
class Bindings:
    """Names of the columns the engine reads; every name is configurable.

    Parameters
    ----------
    contact_id
        Contact key, in every table.
    created_at
        When a contact came to exist (the universe at t is ``created_at <= t``);
        ``None``, or a contacts table without the column, means "always existed".
    event_type, ts
        Event type (string) and time (timestamp) in the events table.
    valid_from, valid_to
        SCD2 validity of a contact_history row (``valid_to`` NULL: current row).
    static
        Contact attributes known never to change (e.g. ``country`` of birth,
        ``email``): no "current value used for the past" warning for them.
    event_types
        Event types that may not have occurred yet (a tracking plan's new event): a rule
        on a type that never occurs in the events table raises ``UnknownEventTypeError``
        unless it is declared here (then it counts 0, as it should).
    history_ignore
        Columns of contact_history that are bookkeeping, not attributes (dbt's
        ``dbt_scd_id``, ``dbt_updated_at``).
    contacts_table, events_table, history_table
        Table names used by :meth:`Workspace.connect`.

    Examples
    --------
    >>> Bindings.dbt_snapshot().valid_from
    'dbt_valid_from'
    """

    contact_id: str = "contact_id"
    created_at: str | None = "created_at"
    event_type: str = "event_type"
    ts: str = "ts"
    valid_from: str = "valid_from"
    valid_to: str = "valid_to"
    static: tuple[str, ...] = ()
    history_ignore: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    contacts_table: str = "contacts"
    events_table: str = "events"
    history_table: str = "contact_history"

    def __post_init__(self) -> None:
        object.__setattr__(self, "static", tuple(self.static))
        object.__setattr__(self, "history_ignore", tuple(self.history_ignore))
        types = self.event_types
        object.__setattr__(
            self, "event_types", (types,) if isinstance(types, str) else tuple(types)
        )

    @classmethod
    def dbt_snapshot(cls, **overrides: object) -> Bindings:
        """Bindings for a dbt snapshot table as contact_history."""
        settings: dict = {
            "valid_from": "dbt_valid_from",
            "valid_to": "dbt_valid_to",
            "history_ignore": ("dbt_scd_id", "dbt_updated_at"),
        }
        return cls(**{**settings, **overrides})

    @classmethod
    def mautic(cls, **overrides: object) -> Bindings:
        """Bindings for a Mautic 5 database read by ``sl.Workspace.from_mautic_db``.

        A lead exists from its ``date_added``; the event types built from Mautic's
        tables are declared, so a type without rows (no do-not-contact entry yet)
        counts 0 instead of being an unknown type.

        Examples
        --------
        >>> Bindings.mautic().created_at
        'date_added'
        >>> Bindings.mautic().event_types
        ('email_sent', 'email_read', 'page_hit', 'dnc', 'segment_member')
        """
        settings: dict = {
            "created_at": "date_added",
            "event_types": ("email_sent", "email_read", "page_hit", "dnc", "segment_member"),
        }
        return cls(**{**settings, **overrides})

    def replace(self, **changes: object) -> Bindings:
        """Return a copy with some names changed."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]
