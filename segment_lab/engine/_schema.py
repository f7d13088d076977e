"""Schema checks: bound tables have the columns and types the engine needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from segment_lab.engine._bindings import Bindings
from segment_lab.errors import BindingError, UnknownFieldError, did_you_mean

if TYPE_CHECKING:
    import ibis.expr.datatypes as dt
    import ibis.expr.types as ir

__all__ = ["Tables", "check_tables"]


def _require(table: ir.Table, name: str, column: str, role: str) -> dt.DataType:
    schema = table.schema()
    if column not in schema:
        raise BindingError(
            f"The {name} table has no column {column!r} (the {role}). Its columns: "
            f"{', '.join(map(repr, schema.names))}."
            + did_you_mean(column, schema.names)
            + f" Bind another column with sl.Bindings({_arg(role)}=...)."
        )
    return schema[column]


def _arg(role: str) -> str:
    return role.split(" ")[0]


def _kind(dtype: dt.DataType) -> str:
    if dtype.is_string():
        return "string"
    if dtype.is_integer():
        return "integer"
    if dtype.is_timestamp() or dtype.is_date():
        return "timestamp"
    return str(dtype)


def _expect_time(table: ir.Table, name: str, column: str, role: str) -> None:
    dtype = _require(table, name, column, role)
    if not (dtype.is_timestamp() or dtype.is_date()):
        raise BindingError(
            f"Column {column!r} of the {name} table (the {role}) must be a timestamp, "
            f"but it is {dtype}. Convert it first: in pandas "
            f"df[{column!r}] = pd.to_datetime(df[{column!r}]); in Ibis "
            f"table.mutate({column}=table.{column}.cast('timestamp'))."
        )


@dataclass(frozen=True)
class Tables:
    """The bound Ibis tables with their checked column roles.

    ``validated``: :func:`~segment_lab.engine.check_data` found one row per contact (and
    at most one history row per contact at any instant), so members need no
    deduplication; unvalidated tables get it (``Workspace.from_ibis(validate=False)``).
    """

    contacts: ir.Table
    events: ir.Table | None
    history: ir.Table | None
    bindings: Bindings
    history_attrs: tuple[str, ...] = field(default=())
    has_created_at: bool = False
    validated: bool = False

    def contact_fields(self) -> tuple[str, ...]:
        names = list(self.contacts.schema().names)
        names += [a for a in self.history_attrs if a not in names]
        return tuple(names)

    def contact_dtype(self, name: str) -> dt.DataType:
        if self.history is not None and name in self.history_attrs:
            return self.history.schema()[name]
        schema = self.contacts.schema()
        if name not in schema:
            raise UnknownFieldError.missing(name, self.contact_fields(), "contacts")
        return schema[name]

    def event_dtype(self, name: str) -> dt.DataType:
        if self.events is None:
            raise BindingError(
                "This workspace has no events table, but the rule has event conditions: "
                "pass events= when building the workspace."
            )
        schema = self.events.schema()
        if name not in schema:
            raise UnknownFieldError.missing(name, schema.names, "events")
        return schema[name]


def check_tables(
    contacts: ir.Table,
    events: ir.Table | None,
    history: ir.Table | None,
    bindings: Bindings,
) -> Tables:
    """Check the bound tables' columns and types; raise BindingError naming what is wrong."""
    import ibis.expr.types as ir

    b = bindings
    for name, table in (("contacts", contacts), ("events", events), ("contact_history", history)):
        if table is not None and not isinstance(table, ir.Table):
            raise BindingError(
                f"{name} must be an Ibis table (e.g. con.table({name!r}) or "
                f"ibis.memtable(df)), got {type(table).__name__}."
            )
    id_type = _require(contacts, "contacts", b.contact_id, "contact_id column")
    has_created = b.created_at is not None and b.created_at in contacts.schema()
    if has_created:
        _expect_time(contacts, "contacts", b.created_at, "created_at column")  # type: ignore[arg-type]
    if events is not None:
        _same_id_type(events, "events", b.contact_id, id_type)
        etype = _require(events, "events", b.event_type, "event_type column")
        if not etype.is_string():
            raise BindingError(
                f"Column {b.event_type!r} of the events table (the event_type) must be a "
                f"string, but it is {etype}."
            )
        _expect_time(events, "events", b.ts, "ts column")
    attrs: tuple[str, ...] = ()
    if history is not None:
        _same_id_type(history, "contact_history", b.contact_id, id_type)
        _expect_time(history, "contact_history", b.valid_from, "valid_from column")
        _expect_time(history, "contact_history", b.valid_to, "valid_to column")
        keys = {b.contact_id, b.valid_from, b.valid_to, *b.history_ignore}
        attrs = tuple(c for c in history.schema().names if c not in keys)
    return Tables(contacts, events, history, b, attrs, has_created)


def _same_id_type(table: ir.Table, name: str, column: str, id_type: dt.DataType) -> None:
    dtype = _require(table, name, column, "contact_id column")
    if _kind(dtype) != _kind(id_type) or (
        _kind(dtype) not in ("string", "integer") and dtype != id_type
    ):
        raise BindingError(
            f"contact_id of the {name} table is {dtype} but the contacts table's is "
            f"{id_type}; they must match so rows can be joined. Cast one of them."
        )
