"""An independent reference evaluator of the segment language, in plain Python.

It reads small in-memory data (lists of dicts) and implements docs/semantics.md (as-of
semantics and history) as directly as possible: loops, ``re`` and ``datetime``.
It never imports the engine, Ibis or pandas (except inside :meth:`Dataset.to_frames`,
which hands the same data to the engine), so that the differential tests compare two
implementations that share nothing but the model.

Decided rules it encodes (kept in one place so a reader can check them):

* Universe at t: contacts with ``created_at <= t`` (``created_at`` None: always there).
  ``Not`` is the complement within the universe.
* Attribute value: when a history table is given and the attribute is one of its
  columns, the value of the row with ``valid_from <= t < valid_to`` (``valid_to`` None
  = open), None without such a row; otherwise the contacts table's value.
* Two-valued logic: a positive test on None is false; ``!=``, ``notin``, ``has_none``
  and the ``negate`` flags are exact negations of their positive forms.
* Events: type in ``types``, ``ts <= t``, ``where`` true on the event, in the window
  (``Within(d)``: ``t - d < ts <= t``; ``Between(a, b)``: ``a <= ts < b``).
  ``last_seen``/``first_seen`` are false for every operator without a matching event.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from segment_lab.model import (
    AbsoluteTime,
    And,
    Between,
    Compare,
    Duration,
    EventCondition,
    InSegment,
    IsEmpty,
    IsIn,
    IsNull,
    ListHas,
    Not,
    Or,
    Range,
    RelativeTime,
    Rule,
    Segment,
    TextMatch,
    Within,
)

__all__ = [
    "COLUMN_TYPES", "Dataset", "evaluate", "grid", "grid_before", "history", "history_sets",
    "resolve", "shift", "shift_months",
]  # fmt: skip

HISTORY_KEYS = ("contact_id", "valid_from", "valid_to")

#: Column types of the fixed test schema (pyarrow type names); other columns are inferred.
COLUMN_TYPES: dict[str, str] = {
    "created_at": "timestamp",
    "city": "string",
    "job_title": "string",
    "points": "int64",
    "score": "float64",
    "is_customer": "bool",
    "signup_date": "timestamp",
    "technologies": "list<string>",
    "event_type": "string",
    "ts": "timestamp",
    "url": "string",
    "value": "float64",
    "valid_from": "timestamp",
    "valid_to": "timestamp",
}


# -- data ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    """Contacts, events and (optionally) SCD2 contact history, as lists of dicts.

    ``history_columns`` names the attribute columns of the history table; by default
    they are read from the rows (every key but contact_id, valid_from, valid_to).
    ``event_columns`` names event property columns that exist even without any event
    (so that :meth:`to_frames` gives the engine the columns a ``where`` refers to).
    """

    contacts: list[dict]
    events: list[dict] = field(default_factory=list)
    history: list[dict] | None = None
    history_columns: tuple[str, ...] | None = None
    event_columns: tuple[str, ...] = ()

    def attributes_in_history(self) -> tuple[str, ...]:
        """The attribute columns that come from the history table (empty without one)."""
        if self.history is None:
            return ()
        if self.history_columns is not None:
            return self.history_columns
        names: dict[str, None] = {}
        for row in self.history:
            for key in row:
                if key not in HISTORY_KEYS:
                    names.setdefault(key, None)
        return tuple(names)

    def to_frames(self) -> dict[str, Any]:
        """``{"contacts", "events", "contact_history"}`` as pandas DataFrames.

        Every column gets an explicit Arrow dtype (nullable ints, bools, timestamps in
        microseconds, lists of strings), so empty or all-NULL columns keep their type.
        ``contact_history`` is None when the dataset has no history.
        """
        id_type = _id_type(self)
        contacts = _frame(self.contacts, ("contact_id",), id_type)
        events = _frame(
            self.events, ("contact_id", "event_type", "ts", *self.event_columns), id_type
        )
        hist = None
        if self.history is not None:
            base = (*HISTORY_KEYS, *self.attributes_in_history())
            hist = _frame(self.history, base, id_type, types=_contact_types(self))
        return {"contacts": contacts, "events": events, "contact_history": hist}


def _id_type(data: Dataset) -> str:
    ids = [c["contact_id"] for c in data.contacts] + [e["contact_id"] for e in data.events]
    return "string" if any(isinstance(i, str) for i in ids) else "int64"


def _contact_types(data: Dataset) -> dict[str, str]:
    """History attribute columns take the type of the same contacts column."""
    names = data.attributes_in_history()
    return {name: _column_type(name, [c.get(name) for c in data.contacts]) for name in names}


def _column_type(name: str, values: list) -> str:
    if name in COLUMN_TYPES:
        return COLUMN_TYPES[name]
    present = [v for v in values if v is not None]
    if not present:
        return "string"
    if all(isinstance(v, bool) for v in present):
        return "bool"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "int64"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return "float64"
    if all(isinstance(v, dt.datetime) for v in present):
        return "timestamp"
    if all(isinstance(v, (list, tuple)) for v in present):
        return "list<string>"
    return "string"


def _frame(rows: list[dict], base: tuple[str, ...], id_type: str, types: dict | None = None):
    import pandas as pd
    import pyarrow as pa

    arrow = {
        "string": pa.string(),
        "int64": pa.int64(),
        "float64": pa.float64(),
        "bool": pa.bool_(),
        "timestamp": pa.timestamp("us"),
        "list<string>": pa.list_(pa.string()),
    }
    names: dict[str, None] = dict.fromkeys(base)
    for row in rows:
        names.update(dict.fromkeys(row))
    columns = {}
    for name in names:
        values = [row.get(name) for row in rows]
        if name == "contact_id":
            kind = id_type
        elif types and name in types:
            kind = types[name]
        else:
            kind = _column_type(name, values)
        if kind == "float64":
            values = [None if v is None else float(v) for v in values]
        columns[name] = pd.array(values, dtype=pd.ArrowDtype(arrow[kind]))
    return pd.DataFrame(columns)


# -- evaluation context ----------------------------------------------------------------


@dataclass
class _Context:
    """Everything an evaluation at one instant needs, indexed by contact."""

    t: dt.datetime
    data: Dataset
    catalog: Any
    events_by_contact: dict[Any, list[dict]]
    history_by_contact: dict[Any, list[dict]]
    history_columns: tuple[str, ...]


@dataclass
class _Subject:
    """What a rule is evaluated on: a contact at t, or one event (inside ``where``)."""

    value: Callable[[str], Any]
    contact: dict | None = None
    events: list[dict] = field(default_factory=list)


def _context(t: dt.datetime, data: Dataset, catalog: Any) -> _Context:
    known = {c["contact_id"] for c in data.contacts}
    events: dict[Any, list[dict]] = {}
    for e in data.events:
        if e["contact_id"] in known and e["ts"] <= t:
            events.setdefault(e["contact_id"], []).append(e)
    hist: dict[Any, list[dict]] = {}
    for row in data.history or ():
        hist.setdefault(row["contact_id"], []).append(row)
    return _Context(t, data, catalog, events, hist, data.attributes_in_history())


def _in_universe(contact: dict, t: dt.datetime) -> bool:
    created = contact.get("created_at")
    return created is None or created <= t


def _contact_subject(ctx: _Context, contact: dict) -> _Subject:
    cid = contact["contact_id"]

    def value(name: str) -> Any:
        if name in ctx.history_columns:
            for row in ctx.history_by_contact.get(cid, ()):
                valid_to = row.get("valid_to")
                if row["valid_from"] <= ctx.t and (valid_to is None or ctx.t < valid_to):
                    return row.get(name)
            return None
        if name not in contact and not any(name in c for c in ctx.data.contacts):
            raise KeyError(f"reference: unknown contact column {name!r}")
        return contact.get(name)

    return _Subject(value, contact, ctx.events_by_contact.get(cid, []))


def _event_subject(event: dict) -> _Subject:
    def value(name: str) -> Any:
        if name not in event:
            raise KeyError(f"reference: unknown event column {name!r}")
        return event[name]

    return _Subject(value)


# -- public entry points ------------------------------------------------------------------


def evaluate(
    rule_or_segment: Rule | Segment, t: dt.datetime, data: Dataset, catalog: Any = None
) -> set:
    """The contact_ids that satisfy the rule (or segment) as of instant ``t``."""
    rule = rule_or_segment.rule if isinstance(rule_or_segment, Segment) else rule_or_segment
    ctx = _context(t, data, catalog)
    return {
        c["contact_id"]
        for c in data.contacts
        if _in_universe(c, t) and holds(rule, _contact_subject(ctx, c), ctx)
    }


# -- calendar arithmetic and grids, in plain Python (not the engine's code) -------------

_SECONDS = {"s": 1, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_MONTHS = {"mo": 1, "q": 3}


def shift_months(t: dt.datetime, months: int) -> dt.datetime:
    """``t`` plus ``months`` calendar months, the day clipped at the month's end."""
    total = t.month - 1 + months
    year = t.year + total // 12
    month = total % 12 + 1
    return t.replace(year=year, month=month, day=min(t.day, calendar.monthrange(year, month)[1]))


def shift(t: dt.datetime, d: Duration) -> dt.datetime:
    """``t`` plus the duration ``d`` (calendar units: whole months)."""
    if d.unit in _MONTHS:
        return shift_months(t, d.amount * _MONTHS[d.unit])
    return t + dt.timedelta(seconds=d.amount * _SECONDS[d.unit])


def resolve(value: AbsoluteTime | RelativeTime, t: dt.datetime) -> dt.datetime:
    """The instant a time value denotes at ``t``: the anchor, then the offset."""
    if isinstance(value, AbsoluteTime):
        return value.value
    base = t
    midnight = dt.datetime(t.year, t.month, t.day)
    if value.anchor in ("today", "yesterday", "tomorrow"):
        days = {"today": 0, "yesterday": -1, "tomorrow": 1}[value.anchor]
        base = midnight + dt.timedelta(days=days)
    elif value.anchor == "week_start":  # Monday 00:00 of t's week
        base = midnight - dt.timedelta(days=midnight.isoweekday() - 1)
    elif value.anchor == "month_start":
        base = dt.datetime(t.year, t.month, 1)
    elif value.anchor == "year_start":
        base = dt.datetime(t.year, 1, 1)
    return base if value.offset is None else shift(base, value.offset)


def _every(every: dt.timedelta | str) -> tuple[dt.timedelta | None, int, str]:
    if isinstance(every, dt.timedelta):
        step, months, unit = every, 0, ""
    else:
        m = re.fullmatch(r"(\d+)(s|min|h|d|w|mo|q)", every.strip())
        if not m:
            raise ValueError(f"bad every {every!r}")
        n, unit = int(m.group(1)), m.group(2)
        if unit in _MONTHS:
            step, months = None, n * _MONTHS[unit]
        else:
            step, months = dt.timedelta(seconds=n * _SECONDS[unit]), 0
    if (step is not None and step <= dt.timedelta(0)) or (step is None and months <= 0):
        raise ValueError(f"every must be positive, got {every!r}")
    return step, months, unit


def _aligned(start: dt.datetime, step: dt.timedelta | None, unit: str) -> dt.datetime:
    """Daily and coarser grids start at the boundary of the period holding ``start``."""
    day = dt.datetime(start.year, start.month, start.day)
    if step is None:  # months: the 1st; quarters: the 1st of Jan, Apr, Jul or Oct
        month = start.month if unit != "q" else 3 * ((start.month - 1) // 3) + 1
        return dt.datetime(start.year, month, 1)
    if step.total_seconds() % (7 * 86400) == 0:
        return day - dt.timedelta(days=day.isoweekday() - 1)  # Monday
    if step.total_seconds() % 86400 == 0:
        return day
    return start


def _point(g0: dt.datetime, step: dt.timedelta | None, months: int, k: int) -> dt.datetime:
    return g0 + k * step if step is not None else shift_months(g0, k * months)


def grid(start: dt.datetime, end: dt.datetime, every: dt.timedelta | str) -> list[dt.datetime]:
    """The grid instants ``t_k <= end`` from ``start`` aligned to its period's boundary."""
    step, months, unit = _every(every)
    g0 = _aligned(start, step, unit)
    out, k = [], 0
    while (t := _point(g0, step, months, k)) <= end:
        out.append(t)
        k += 1
    return out


def grid_before(start: dt.datetime, every: dt.timedelta | str) -> dt.datetime:
    """``t_(-1)``: the grid instant before the first."""
    step, months, unit = _every(every)
    return _point(_aligned(start, step, unit), step, months, -1)


def history_sets(
    rule: Rule | Segment,
    start: dt.datetime,
    end: dt.datetime,
    every: dt.timedelta | str,
    data: Dataset,
    catalog: Any = None,
) -> list[tuple[dt.datetime, set]]:
    """``[(t_k, S_k)]`` for the grid, with ``(start - every, S_-1)`` first."""
    points = [grid_before(start, every), *grid(start, end, every)]
    return [(t, evaluate(rule, t, data, catalog)) for t in points]


def history(
    rule: Rule | Segment,
    start: dt.datetime,
    end: dt.datetime,
    every: dt.timedelta | str,
    data: Dataset,
    catalog: Any = None,
) -> list[dict]:
    """One dict per grid point: ``period``, ``size``, ``entered``, ``exited``."""
    sets = history_sets(rule, start, end, every, data, catalog)
    rows = []
    for (_, before), (t, now) in itertools.pairwise(sets):
        entered, exited = len(now - before), len(before - now)
        rows.append({"period": t, "size": len(now), "entered": entered, "exited": exited})
    return rows


# -- one function per node type ---------------------------------------------------------

_HANDLERS: dict[type, Callable[[Any, _Subject, _Context], bool]] = {}


def _handles(node_type: type) -> Callable:
    def register(fn: Callable) -> Callable:
        _HANDLERS[node_type] = fn
        return fn

    return register


def holds(node: Rule, subject: _Subject, ctx: _Context) -> bool:
    """Whether ``node`` is true for ``subject`` (a contact in the universe, or an event)."""
    handler = _HANDLERS.get(type(node))
    if handler is None:
        raise TypeError(f"reference evaluator: no rule for node type {type(node).__name__}")
    return handler(node, subject, ctx)


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _resolve(value: Any, column_value: Any, t: dt.datetime) -> Any:
    """A rule value as a plain Python value comparable with ``column_value``."""
    if isinstance(value, (AbsoluteTime, RelativeTime)):
        return resolve(value, t)
    if isinstance(value, str) and isinstance(column_value, dt.datetime):
        return dt.datetime.fromisoformat(value)
    return value


def _equals(column_value: Any, value: Any, t: dt.datetime) -> bool:
    if column_value is None:
        return False
    return column_value == _resolve(value, column_value, t)


@_handles(Compare)
def _compare(node: Compare, subject: _Subject, ctx: _Context) -> bool:
    v = subject.value(node.field)
    if node.op == "!=":
        return not _equals(v, node.value, ctx.t)
    if v is None:
        return False
    return _OPS[node.op](v, _resolve(node.value, v, ctx.t))


@_handles(IsIn)
def _isin(node: IsIn, subject: _Subject, ctx: _Context) -> bool:
    v = subject.value(node.field)
    found = any(_equals(v, x, ctx.t) for x in node.values)
    return not found if node.negate else found


@_handles(Range)
def _range(node: Range, subject: _Subject, ctx: _Context) -> bool:
    v = subject.value(node.field)
    if v is None:
        return False
    return _resolve(node.low, v, ctx.t) <= v <= _resolve(node.high, v, ctx.t)


def like_to_regex(pattern: str) -> str:
    """SQL LIKE (``%`` any run, ``_`` one character, no escape) as a full-match regex."""
    return "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)


@_handles(TextMatch)
def _text(node: TextMatch, subject: _Subject, ctx: _Context) -> bool:
    v = subject.value(node.field)
    if v is None:
        return False
    if node.op == "matches":
        return re.search(node.pattern, v) is not None
    value, pattern = v.lower(), node.pattern.lower()
    if node.op == "contains":
        return pattern in value
    if node.op == "startswith":
        return value.startswith(pattern)
    if node.op == "endswith":
        return value.endswith(pattern)
    return re.fullmatch(like_to_regex(pattern), value, flags=re.DOTALL) is not None


@_handles(IsNull)
def _isnull(node: IsNull, subject: _Subject, ctx: _Context) -> bool:
    is_null = subject.value(node.field) is None
    return not is_null if node.negate else is_null


@_handles(IsEmpty)
def _isempty(node: IsEmpty, subject: _Subject, ctx: _Context) -> bool:
    v = subject.value(node.field)
    empty = v is None or (isinstance(v, (str, list, tuple)) and len(v) == 0)
    return not empty if node.negate else empty


@_handles(ListHas)
def _list_has(node: ListHas, subject: _Subject, ctx: _Context) -> bool:
    items = subject.value(node.field) or []
    if node.mode == "all":
        return len(items) > 0 and all(x in items for x in node.values)
    has_any = any(x in items for x in node.values)
    return not has_any if node.mode == "none" else has_any


def _in_window(node: EventCondition, ts: dt.datetime, t: dt.datetime) -> bool:
    if ts > t:
        return False
    window = node.window
    if window is None:
        return True
    if isinstance(window, Within):
        return shift(t, -window.duration) < ts <= t
    assert isinstance(window, Between)
    return resolve(window.start, t) <= ts < resolve(window.end, t)


def matching_events(node: EventCondition, subject: _Subject, ctx: _Context) -> list[dict]:
    """The contact's events that count for ``node`` at ``ctx.t``."""
    return [
        e
        for e in subject.events
        if e["event_type"] in node.types
        and _in_window(node, e["ts"], ctx.t)
        and (node.where is None or holds(node.where, _event_subject(e), ctx))
    ]


@_handles(EventCondition)
def _event(node: EventCondition, subject: _Subject, ctx: _Context) -> bool:
    events = matching_events(node, subject, ctx)
    compare = _OPS[node.op]
    if node.measure == "count":
        return compare(len(events), node.value)
    if node.measure == "sum":
        total = sum(e[node.column] for e in events if e.get(node.column) is not None)
        return compare(total, node.value)
    if not events:
        return False
    times = [e["ts"] for e in events]
    seen = max(times) if node.measure == "last_seen" else min(times)
    return compare(seen, resolve(node.value, ctx.t))


@_handles(InSegment)
def _in_segment(node: InSegment, subject: _Subject, ctx: _Context) -> bool:
    if ctx.catalog is None:
        raise KeyError(f"reference: in_segment({node.name!r}) without a catalog")
    target = ctx.catalog[node.name]
    rule = target.rule if isinstance(target, Segment) else target
    return holds(rule, subject, ctx)


@_handles(And)
def _and(node: And, subject: _Subject, ctx: _Context) -> bool:
    return all(holds(r, subject, ctx) for r in node.rules)


@_handles(Or)
def _or(node: Or, subject: _Subject, ctx: _Context) -> bool:
    return any(holds(r, subject, ctx) for r in node.rules)


@_handles(Not)
def _not(node: Not, subject: _Subject, ctx: _Context) -> bool:
    return not holds(node.rule, subject, ctx)
