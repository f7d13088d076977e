"""What the builder knows about the data: fields, their types, operators, distinct values.

Distinct values are read once, when the builder opens, from the first
:data:`SAMPLE_ROWS` rows of each table (they are suggestions: any value can be typed; on
35M events a full scan would keep the builder from opening for half a minute): for every
string column the number of distinct values, then the values themselves of those with
at most :data:`LOW_CARDINALITY` (and the elements of list columns).  The event types
come from the whole table (one ``DISTINCT``).  Nothing here runs while the user edits,
so the UI thread never waits on the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from segment_lab.engine import event_types_present, execute_rows

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from segment_lab.workspace import Workspace

__all__ = ["LOW_CARDINALITY", "OPERATORS", "Context", "Schema", "operators_for"]

#: String columns with at most this many distinct values get a pick list.
LOW_CARDINALITY = 100
#: Rows of each table read for the pick lists.
SAMPLE_ROWS = 100_000

#: Operator keys of an attribute row, by family, as shown in the picker.
OPERATORS: dict[str, str] = {
    "==": "is", "!=": "is not", "<": "<", "<=": "≤", ">": ">", ">=": "≥",
    "isin": "is one of", "notin": "is none of", "between": "between",
    "contains": "contains", "startswith": "starts with", "endswith": "ends with",
    "like": "is like", "matches": "matches regex",
    "isnull": "is unknown", "notnull": "is known", "empty": "is empty", "notempty": "is not empty",
    "has_any": "has any of", "has_all": "has all of", "has_none": "has none of",
}  # fmt: skip
_ORDER = ("==", "!=", "<", "<=", ">", ">=", "between", "isin", "notin")
_NULLS = ("isnull", "notnull")
_BY_TYPE: dict[str, tuple[str, ...]] = {
    "text": ("==", "!=", "isin", "notin", "contains", "startswith", "endswith", "like",
             "matches", "empty", "notempty", *_NULLS),
    "number": (*_ORDER, *_NULLS),
    "time": ("<", "<=", ">", ">=", "between", "==", "!=", *_NULLS),
    "boolean": ("==", "!=", *_NULLS),
    "list": ("has_any", "has_all", "has_none", *_NULLS),
}  # fmt: skip


def operators_for(dtype: str | None) -> tuple[str, ...]:
    """Return the operators valid for a column type (all of them for an unknown column)."""
    return _BY_TYPE.get(dtype or "", tuple(OPERATORS))


def _family(dtype: object) -> str:
    if dtype.is_array():  # type: ignore[attr-defined]
        return "list"
    if dtype.is_boolean():  # type: ignore[attr-defined]
        return "boolean"
    if dtype.is_numeric():  # type: ignore[attr-defined]
        return "number"
    if dtype.is_temporal():  # type: ignore[attr-defined]
        return "time"
    return "text"


@dataclass
class Schema:
    """The columns of one table: type family and, for low-cardinality text, the values."""

    types: dict[str, str] = field(default_factory=dict)
    values: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def read(cls, table: ir.Table | None, skip: tuple[str, ...] = ()) -> Schema:
        """Read the schema and the distinct values of ``table`` (one query for the counts, one per pick list)."""
        if table is None:
            return cls()
        schema = table.schema()
        types = {n: _family(t) for n, t in schema.items() if n not in skip}
        return cls(types, _distinct(table.limit(SAMPLE_ROWS), types))

    def dtype(self, name: str) -> str | None:
        """Return the type family of ``name`` (None: not a column)."""
        return self.types.get(name)

    def options(self, current: str | None = None) -> list[tuple[str, str]]:
        """Return the field picker's (label, name) pairs; an unknown current name is kept."""
        opts = [(f"{n} · {t}", n) for n, t in self.types.items()]
        if current is not None and current not in self.types:
            opts.append((f"{current} · not in the data", current))
        return opts


def _distinct(table: ir.Table, types: dict[str, str]) -> dict[str, list[str]]:
    texts = [n for n, t in types.items() if t == "text"]
    low = [n for n, t in types.items() if t == "list"]
    if texts:
        (row,) = execute_rows(table.aggregate([table[n].nunique().name(n) for n in texts]))
        low += [n for n, k in zip(texts, row) if k <= LOW_CARDINALITY]
    out: dict[str, list[str]] = {}
    for n in low:
        col = table[n].unnest() if types[n] == "list" else table[n]
        values = table.select(v=col).filter(lambda t: t.v.notnull()).distinct()
        found = [str(v) for (v,) in execute_rows(values.limit(LOW_CARDINALITY + 1))]
        if len(found) <= LOW_CARDINALITY:
            out[n] = sorted(found)
    return out


@dataclass
class Context:
    """What every row of one builder shares: schemas, event types, segment names."""

    contacts: Schema
    events: Schema
    event_types: list[str]
    segments: list[str]

    @classmethod
    def read(cls, ws: Workspace) -> Context:
        """Read everything the pickers offer from ``ws`` (once, when the builder opens)."""
        tables = ws.tables
        b = ws.bindings
        events = Schema.read(tables.events, skip=(b.contact_id, b.event_type, b.ts))
        contacts = Schema.read(tables.contacts, skip=(b.contact_id,))
        names = list(ws.catalog.names) if ws.catalog is not None else []
        return cls(contacts, events, event_types_present(tables) or [], names)
