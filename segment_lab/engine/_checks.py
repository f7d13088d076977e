"""Checks of the bound data's content (the schema checks are in ``_schema``).

* :func:`check_data` runs when a workspace is built: contacts, history rows, events.
* :class:`DataFacts` holds what a workspace learns about its data once, lazily (the
  event types present, the events' time span, the values of ``where`` columns), and
  :func:`check_rule` and :func:`check_instant` read it on every evaluation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import warnings
from typing import TYPE_CHECKING

import ibis

from segment_lab.engine._current import caller_stacklevel
from segment_lab.engine._execute import execute
from segment_lab.errors import (
    DataError,
    DataWarning,
    OutsideDataWarning,
    StaleNowWarning,
    UnknownEventTypeError,
    UnknownFieldError,
    UnknownValueWarning,
    did_you_mean,
)
from segment_lab.model._nodes import Compare, EventCondition, IsIn, Rule, walk

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from segment_lab.engine._bindings import Bindings
    from segment_lab.engine._schema import Tables

__all__ = [
    "SPAN_TOLERANCE",
    "DataFacts",
    "TableStats",
    "check_data",
    "check_instant",
    "check_rule",
    "event_types_present",
    "table_stats",
]

#: How far an instant may lie outside the events' span before a warning says so.
SPAN_TOLERANCE = dt.timedelta(days=7)
#: The most distinct values fetched per ``where`` column (more: checked one by one).
_VALUE_LIMIT = 10_000


def check_data(tables: Tables) -> Tables:
    """Check that contacts exist with unique, non-NULL ids and that history rows are sane.

    Returns
    -------
    Tables
        The same tables, marked ``validated`` (members need no deduplication).

    Raises
    ------
    DataError
        When the contacts table is empty, an id is NULL or repeated, a contact_history
        row has no ``valid_from`` or a ``valid_to`` not after it, or a contact has two
        history rows valid at one instant (overlapping rows, several open rows).

    Warns
    -----
    DataWarning
        When events have a NULL ``contact_id`` or ``ts``, or a ``contact_id`` not in
        the contacts table: they are ignored, and the warning counts them.
    """
    _check_contacts(tables)
    if tables.history is not None:
        _check_history(tables.history, tables.bindings)
        _check_overlaps(tables.history, tables.bindings)
    if tables.events is not None:
        _check_events(tables)
    return dataclasses.replace(tables, validated=True)


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


def _check_overlaps(h: ir.Table, b: Bindings) -> None:
    """Raise when a contact has two rows valid at one instant (adjacent rows by start)."""
    rows = h.select(cid=h[b.contact_id], vf=h[b.valid_from], vt=h[b.valid_to])
    w = ibis.window(group_by=rows.cid, order_by=[rows.vf, rows.vt])
    pairs = rows.mutate(nvf=rows.vf.lead().over(w), nvt=rows.vt.lead().over(w))
    bad = pairs.filter(pairs.nvf.notnull() & (pairs.vt.isnull() | (pairs.nvf < pairs.vt)))
    stats = execute(
        bad.aggregate(n=bad.cid.nunique(), open=bad.cid.nunique(where=bad.vt.isnull()))
    ).iloc[0]
    n, both_open = int(stats["n"] or 0), int(stats["open"] or 0)
    if not n:
        return
    ex = execute(bad.order_by([bad.cid, bad.vf]).limit(1)).iloc[0]
    opened = (
        f", {both_open} of them with several open rows ({b.valid_to} NULL)" if both_open else ""
    )
    raise DataError(
        f"contact_history has overlapping rows for {n} contact{'s' if n != 1 else ''}"
        f"{opened}: e.g. {b.contact_id} {_py(ex['cid'])!r} has rows valid "
        f"{_span(ex['vf'], ex['vt'])} and {_span(ex['nvf'], ex['nvt'])}, so from "
        f"{_when(ex['nvf'])} it has two values at once and would count twice. Each contact "
        f"needs at most one row at any instant (each row's {b.valid_to} at or before the "
        f"next row's {b.valid_from}; one open row). A dbt snapshot must have one row per "
        f"contact at any instant: check its unique_key (the contact id, unique in the "
        f"source) and invalidate_hard_deletes / hard_deletes, or deduplicate the rows "
        f"before binding them."
    )


def _when(value: object) -> str:
    import pandas as pd

    if value is None or pd.isna(value):
        return "open"
    ts = pd.Timestamp(value)
    return str(ts.date()) if ts == ts.normalize() else str(ts)


def _span(lo: object, hi: object) -> str:
    return f"[{_when(lo)}, {_when(hi)})"


def _check_events(tables: Tables) -> None:
    """Warn, with counts and an example, about events the engine ignores.

    Two scans of the events: NULL counts, and an anti-join with the contacts (the
    dominant cost, about a second per 30 million events on DuckDB).
    """
    b, ev, c = tables.bindings, tables.events, tables.contacts
    stats = execute(
        ev.aggregate(ts=ev[b.ts].isnull().sum(), ids=ev[b.contact_id].isnull().sum())
    ).iloc[0]
    null_ts, null_ids = int(stats["ts"] or 0), int(stats["ids"] or 0)
    orphans = ev.filter(ev[b.contact_id].notnull()).anti_join(c.select(b.contact_id), b.contact_id)
    ocid = orphans[b.contact_id]
    o = execute(orphans.aggregate(n=orphans.count(), k=ocid.nunique(), ex=ocid.min())).iloc[0]
    n, k = int(o["n"] or 0), int(o["k"] or 0)
    problems = []
    if null_ts:
        problems.append(f"{null_ts} event{_s(null_ts)} with a NULL {b.ts!r}")
    if null_ids:
        problems.append(f"{null_ids} event{_s(null_ids)} with a NULL {b.contact_id!r}")
    if n:
        problems.append(
            f"{n} event{_s(n)} of {k} {b.contact_id}{_s(k)} not in the contacts table "
            f"(e.g. {_py(o['ex'])!r})"
        )
    if problems:
        warnings.warn(
            f"The events table has {' and '.join(problems)}: no rule counts them. Fix the "
            f"rows (or add the missing contacts) if they should count; filter them out "
            f"before binding to silence this.",
            DataWarning,
            stacklevel=caller_stacklevel(),
        )


def _py(value: object) -> object:
    """Return a NumPy scalar as the Python value it holds (for messages)."""
    return value.item() if hasattr(value, "item") else value


def _s(n: int) -> str:
    return "" if n == 1 else "s"


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


class DataFacts:
    """What one workspace learns about its data once, on first need.

    The event types present, the events' time span and the values of ``where`` columns
    each cost one query the first time a rule needs them; workspaces derived with
    ``with_catalog`` / ``with_now`` share them (the tables are the same), and the
    warnings already given (each is given once).
    """

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self._types: list[str] | None = None
        self._span: tuple[dt.datetime, dt.datetime] | bool | None = False
        self._values: dict[tuple, tuple[set[str], bool]] = {}
        self._exists: dict[tuple, bool] = {}
        self._stats: TableStats | None = None
        self.warned: set[tuple] = set()

    def stats(self) -> TableStats:
        """Return the table statistics history plans are chosen from (two queries, once)."""
        if self._stats is None:
            self._stats = table_stats(self.tables)
        return self._stats

    def event_types(self) -> list[str]:
        """Return the event types that occur, plus those declared in the bindings."""
        if self._types is None:
            present = event_types_present(self.tables, limit=1_000_000) or []
            self._types = sorted({*present, *self.tables.bindings.event_types})
        return self._types

    def span(self) -> tuple[dt.datetime, dt.datetime] | None:
        """Return the first and last event time (None: no events, or no events table)."""
        if self._span is False:
            ev, ts = self.tables.events, self.tables.bindings.ts
            self._span = None
            if ev is not None:
                row = execute(ev.aggregate(lo=ev[ts].min(), hi=ev[ts].max())).iloc[0]
                if row["lo"] is not None and row["lo"] == row["lo"]:  # NaT != NaT
                    self._span = (_naive(row["lo"]), _naive(row["hi"]))
        return self._span  # type: ignore[return-value]

    def values(self, types: tuple[str, ...], column: str) -> tuple[set[str], bool]:
        """Return the distinct values of ``column`` on events of ``types``, and whether all."""
        key = (types, column)
        if key not in self._values:
            ev, b = self.tables.events, self.tables.bindings
            rows = ev.filter(ev[b.event_type].isin(list(types))).select(v=ev[column])
            frame = execute(rows.distinct().limit(_VALUE_LIMIT + 1))
            found = {v for v in frame["v"] if isinstance(v, str)}
            self._values[key] = (found, len(frame) <= _VALUE_LIMIT)
        return self._values[key]

    def occurs(self, types: tuple[str, ...], column: str, value: str) -> bool:
        """Return whether ``value`` occurs in ``column`` on an event of ``types``."""
        found, complete = self.values(types, column)
        if value in found or complete:
            return value in found
        key = (types, column, value)
        if key not in self._exists:
            ev, b = self.tables.events, self.tables.bindings
            hit = ev.filter(ev[b.event_type].isin(list(types)) & (ev[column] == value))
            self._exists[key] = bool(len(execute(hit.select(column).limit(1))))
        return self._exists[key]


@dataclasses.dataclass(frozen=True)
class TableStats:
    """Row counts a history plan is chosen from.

    ``contacts``: rows of the contacts table; ``history``: of contact_history (0: none);
    ``types``: per event type, its number of events and first and last event time.
    """

    contacts: int
    history: int
    types: dict[str, tuple[int, dt.datetime, dt.datetime]]
    history_attrs: tuple[str, ...] = ()

    def events(
        self, types: tuple[str, ...], since: dt.datetime | None, until: dt.datetime
    ) -> float:
        """Estimated events of ``types`` in ``(since, until]``, as if spread evenly in time."""
        total = 0.0
        for name in types:
            n, lo, hi = self.types.get(name, (0, until, until))
            a = lo if since is None else max(lo, since)
            b = min(hi, until)
            if b < a or n == 0:
                continue
            width = (hi - lo).total_seconds()
            total += n if width <= 0 else n * min(1.0, (b - a).total_seconds() / width)
        return total


def table_stats(tables: Tables) -> TableStats:
    """Count the contacts, history rows and events per type (one query per table)."""
    contacts = int(execute(tables.contacts.count()))
    history = 0 if tables.history is None else int(execute(tables.history.count()))
    types: dict[str, tuple[int, dt.datetime, dt.datetime]] = {}
    ev = tables.events
    if ev is not None:
        b = tables.bindings
        ev = ev.filter(ev[b.ts].notnull())
        frame = execute(
            ev.group_by(t=ev[b.event_type]).aggregate(
                n=ev.count(), lo=ev[b.ts].min(), hi=ev[b.ts].max()
            )
        )
        for name, n, lo, hi in frame.itertuples(index=False, name=None):
            if isinstance(name, str):
                types[name] = (int(n), _naive(lo), _naive(hi))
    return TableStats(contacts, history, types, tuple(tables.history_attrs or ()))


def _naive(value: object) -> dt.datetime:
    import pandas as pd

    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return ts.to_pydatetime()


def check_rule(rule: Rule, facts: DataFacts) -> None:
    """Check a rule's event types, ``where`` columns and values against the data.

    Raises
    ------
    UnknownEventTypeError
        When an event type never occurs in the events table and is not declared in
        ``Bindings(event_types=...)``; with "did you mean".
    UnknownFieldError
        When a ``where`` (or ``sum``) names a column the events table lacks.

    Warns
    -----
    UnknownValueWarning
        When a ``where`` compares a text column with a value that no event of those
        types has in it (once per workspace and value); with "did you mean".
    """
    nodes = [n for n in walk(rule) if isinstance(n, EventCondition)]
    if not nodes or facts.tables.events is None:
        return  # no events table: the engine's BindingError says so
    known = facts.event_types()
    for node in nodes:
        for t in node.types:
            if t not in known:
                raise UnknownEventTypeError.missing(t, known)
        schema = facts.tables.events.schema()
        if node.column is not None and node.column not in schema:
            raise UnknownFieldError.missing(node.column, schema.names, "events")
        if node.where is not None:
            _check_where(node, facts, schema)


def _check_where(node: EventCondition, facts: DataFacts, schema: object) -> None:
    for leaf in walk(node.where):
        name = getattr(leaf, "field", None)
        if name is None:
            continue
        if name not in schema:  # type: ignore[operator]
            raise UnknownFieldError.missing(name, schema.names, "events")  # type: ignore[attr-defined]
        if not schema[name].is_string():  # type: ignore[index]
            continue
        if isinstance(leaf, Compare) and leaf.op in ("==", "!="):
            values = (leaf.value,)
        elif isinstance(leaf, IsIn):
            values = leaf.values
        else:
            continue
        for v in values:
            if isinstance(v, str) and not facts.occurs(node.types, name, v):
                _warn_value(node, name, v, facts)


def _warn_value(node: EventCondition, column: str, value: str, facts: DataFacts) -> None:
    key = ("value", node.types, column, value)
    if key in facts.warned:
        return
    facts.warned.add(key)
    found, _ = facts.values(node.types, column)
    types = ", ".join(map(repr, node.types))
    warnings.warn(
        f"{column} == {value!r} never occurs on {types} events, so this condition matches "
        f"no event." + did_you_mean(value, found),
        UnknownValueWarning,
        stacklevel=caller_stacklevel(),
    )


def check_instant(facts: DataFacts, t: dt.datetime, what: str, now: dt.datetime | None) -> None:
    """Warn once when ``t`` lies more than :data:`SPAN_TOLERANCE` outside the events' span.

    ``what`` names the argument (``"as_of"``, ``"start"``, ...); ``now`` is given when
    ``t`` is the workspace's "now" (None: an explicit instant).
    """
    span = facts.span() if facts.tables.events is not None else None
    if span is None:
        return
    lo, hi = span
    side = "after" if t > hi + SPAN_TOLERANCE else "before" if t < lo - SPAN_TOLERANCE else None
    if side is None:
        return
    # by day: a wall-clock "now" moves every second, and should still warn once
    key = ("now", t.date()) if now is not None else (what, side)
    if key in facts.warned:
        return
    facts.warned.add(key)
    gap = t - hi if side == "after" else lo - t
    edge = (
        f"the last event ({hi:%Y-%m-%d %H:%M})"
        if side == "after"
        else f"the first event ({lo:%Y-%m-%d %H:%M})"
    )
    days = f"{gap.days} days" if gap.days != 1 else "1 day"
    if now is not None:
        fix = hi if side == "after" else lo
        warnings.warn(
            f'The workspace\'s "now" ({t:%Y-%m-%d %H:%M}) is {days} {side} {edge}, so '
            f'relative windows (within="14d", "-30d") and default instants look at a '
            f'time without data. Set it: ws.with_now("{fix:%Y-%m-%d}"), or now= when '
            f"building the workspace.",
            StaleNowWarning,
            stacklevel=caller_stacklevel(),
        )
        return
    warnings.warn(
        f"{what}={t:%Y-%m-%d %H:%M} is {days} {side} {edge}: event conditions see no data "
        f"there (the events span {lo:%Y-%m-%d} to {hi:%Y-%m-%d}).",
        OutsideDataWarning,
        stacklevel=caller_stacklevel(),
    )
