"""The exceptions segment_lab raises.

Every error derives from :class:`SegmentLabError` and also from the builtin it
refines, so ``except ValueError`` keeps working for callers that do not know
segment_lab.  Messages say what was wrong, show the offending value, list the
valid options and suggest the closest one ("did you mean ...?").
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "BindingError",
    "CyclicReferenceError",
    "DatabaseLockedError",
    "DataError",
    "DuplicateSegmentError",
    "EvaluationError",
    "InvalidDurationError",
    "InvalidOperatorError",
    "InvalidRegexError",
    "InvalidSegmentError",
    "InvalidTimeError",
    "InvalidValueError",
    "MauticFormatError",
    "MauticUnsupportedError",
    "SegmentLabError",
    "SerializationError",
    "UnknownFieldError",
    "UnknownSegmentError",
    "UnsupportedNodeError",
    "UnsupportedVersionError",
    "did_you_mean",
]


def __dir__() -> list[str]:
    """List the public names only (tab completion hides the imports)."""
    return sorted(__all__)


def did_you_mean(value: object, options: Iterable[object]) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest option, or ``""``.

    >>> did_you_mean("citty", ["city", "country"])
    " Did you mean 'city'?"
    >>> did_you_mean("zzz", ["city"])
    ''
    """
    names = [str(o) for o in options]
    close = difflib.get_close_matches(str(value), names, n=1, cutoff=0.6)
    if not close:
        lowered = {n.lower(): n for n in names}
        if str(value).lower() in lowered:
            close = [lowered[str(value).lower()]]
    return f" Did you mean {close[0]!r}?" if close else ""


def _options(options: Iterable[object]) -> str:
    names = sorted({str(o) for o in options})
    shown = ", ".join(repr(n) for n in names[:25])
    return shown + (", ..." if len(names) > 25 else "")


class SegmentLabError(Exception):
    """Root of every error segment_lab raises on purpose."""

    def __str__(self) -> str:  # KeyError would quote the message
        """Return the message as it was given (``KeyError`` would quote it)."""
        return str(self.args[0]) if self.args else ""


class InvalidSegmentError(SegmentLabError, ValueError):
    """A segment definition is malformed: raised while building or loading it."""


class InvalidOperatorError(InvalidSegmentError):
    """An operator name is not one of the known operators."""

    @classmethod
    def unknown(cls, op: object, valid: Iterable[str], where: str = "") -> InvalidOperatorError:
        """Build the error for operator ``op``, listing the ``valid`` ones.

        Parameters
        ----------
        op : object
            The operator given.
        valid : iterable of str
            The operators accepted there.
        where : str, optional
            Where it was given, e.g. ``"field 'points'"``.

        Returns
        -------
        InvalidOperatorError
            The error, not raised.

        Examples
        --------
        >>> print(InvalidOperatorError.unknown("=<", ["<=", ">="], "field 'points'"))
        Unknown operator '=<' in field 'points'. Valid operators: '<=', '>='.
        """
        valid = list(valid)
        ctx = f" in {where}" if where else ""
        return cls(
            f"Unknown operator {op!r}{ctx}. Valid operators: {_options(valid)}."
            + did_you_mean(op, valid)
        )


class InvalidValueError(InvalidSegmentError, TypeError):
    """A value has the wrong type or is out of range for its condition."""


class InvalidTimeError(InvalidSegmentError):
    """A time value is neither an ISO date/datetime nor a relative form like ``-30d``."""


class InvalidDurationError(InvalidTimeError):
    """A duration such as ``"30days"`` does not read as ``<number><unit>``."""


class InvalidRegexError(InvalidSegmentError):
    """A ``matches`` pattern is not a valid regular expression."""


class DuplicateSegmentError(InvalidSegmentError):
    """Two segments in one catalog share a name."""


class CyclicReferenceError(InvalidSegmentError):
    """Segments reference each other in a cycle; the message names the cycle."""


class UnknownSegmentError(SegmentLabError, KeyError):
    """``in_segment(name)`` names a segment the catalog does not hold."""


class UnknownFieldError(SegmentLabError, KeyError):
    """A rule names a field (column) the bound table does not have."""

    @classmethod
    def missing(cls, name: str, available: Iterable[str], table: str) -> UnknownFieldError:
        """Build the error for field ``name``, listing the ``available`` ones.

        Parameters
        ----------
        name : str
            The field named by the rule.
        available : iterable of str
            The table's columns.
        table : str
            Which table, e.g. ``"contacts"``.

        Returns
        -------
        UnknownFieldError
            The error, not raised.

        Examples
        --------
        >>> print(UnknownFieldError.missing("citty", ["city", "country"], "contacts"))
        Unknown field 'citty' in the contacts table. Available fields: 'city', 'country'. Did you mean 'city'?
        """
        available = list(available)
        return cls(
            f"Unknown field {name!r} in the {table} table. Available fields: "
            f"{_options(available)}." + did_you_mean(name, available)
        )


class SerializationError(InvalidSegmentError):
    """A JSON/YAML document or dict is not a valid segment_lab definition."""


class UnsupportedVersionError(SerializationError):
    """A document was written by a newer segment_lab format version."""


class MauticFormatError(SerializationError):
    """A Mautic segment payload is malformed: not JSON, a missing key, a wrong value."""


class MauticUnsupportedError(InvalidSegmentError):
    """Mautic filters (or segment_lab rules) with no exact equivalent on the other side.

    ``problems`` lists every one of them as ``(where, reason)`` pairs.
    """

    def __init__(self, message: str, problems: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])


class BindingError(SegmentLabError, ValueError):
    """A bound table or column is missing or has the wrong type."""


class DataError(BindingError):
    """The bound data breaks an invariant (duplicate contact ids, empty table, ...)."""


class DatabaseLockedError(BindingError, OSError):
    """A DuckDB file is locked by another process."""


class EvaluationError(SegmentLabError, RuntimeError):
    """The backend failed while evaluating a valid segment."""


class UnsupportedNodeError(SegmentLabError, TypeError):
    """A rule holds a node the engine cannot compile: raised while compiling it.

    Raised for a node type the engine has no implementation for (a ``Rule`` subclass
    defined outside segment_lab), or for a node where it cannot stand (an
    ``in_segment`` reference that was not resolved first, an event condition inside
    an event's ``where``).  The message names the node's type.
    """

    @classmethod
    def of(cls, node: object, where: str, why: str = "") -> UnsupportedNodeError:
        """Return the error for ``node`` met by ``where`` (e.g. "The as-of engine").

        >>> print(UnsupportedNodeError.of(3, "The as-of engine"))
        The as-of engine has no implementation for int nodes (got 3).
        """
        kind = type(node).__name__
        if why:
            return cls(f"{where} cannot compile {kind} nodes: {why} (got {node!r}).")
        return cls(f"{where} has no implementation for {kind} nodes (got {node!r}).")


class UnknownEventTypeError(UnknownFieldError, ValueError):
    """A rule names an event type that never occurs in the events table (nor is declared).

    Raised by every evaluation (``ws.count``, ``ws.members``, ``ws.history``, analytics
    ...) before any query runs, since a misspelt type silently counts 0 (and makes
    ``~event("x").exists()`` true for everyone).  Declare a type that has not occurred yet
    with ``sl.Bindings(event_types=(...))``.
    """

    @classmethod
    def missing(
        cls, name: str, present: Iterable[str], table: str = "events"
    ) -> UnknownEventTypeError:
        """Build the error for event type ``name``, listing those ``present``.

        Parameters
        ----------
        name : str
            The event type named by the rule.
        present : iterable of str
            The event types that occur (or are declared).
        table : str, optional
            The table's name, for the message.

        Returns
        -------
        UnknownEventTypeError
            The error, not raised.

        Examples
        --------
        >>> print(UnknownEventTypeError.missing("Login", ["login", "purchase"]))
        Unknown event type 'Login': it never occurs in the events table (event types: 'login', 'purchase'). Did you mean 'login'? If it is a type that has not occurred yet, declare it: sl.Bindings(event_types=('Login',)).
        """
        present = list(present)
        listed = _options(present) if present else "none, the table is empty"
        return cls(
            f"Unknown event type {name!r}: it never occurs in the {table} table "
            f"(event types: {listed})."
            + did_you_mean(name, present)
            + f" If it is a type that has not occurred yet, declare it: "
            f"sl.Bindings(event_types=({name!r},))."
        )


class SegmentLabWarning(UserWarning):
    """Root of every warning segment_lab emits: a result is computed, but look twice."""


class CurrentValueWarning(SegmentLabWarning):
    """A rule evaluated in the past used current attribute values (no history bound)."""


class MissingTableWarning(SegmentLabWarning):
    """A database opened lacks a table the bindings name (e.g. no events table)."""


class UnknownValueWarning(SegmentLabWarning):
    """An event ``where`` compares a column with a value that never occurs in it."""


class OutsideDataWarning(SegmentLabWarning):
    """An instant evaluated lies well outside the span of the events (more than 7 days)."""


class StaleNowWarning(OutsideDataWarning):
    """The workspace's "now" lies well after its last event (or before its first)."""


class DataWarning(SegmentLabWarning):
    """The bound data has rows the engine ignores (events with a NULL time, unknown contacts)."""


__all__ += [
    "CurrentValueWarning",
    "DataWarning",
    "MissingTableWarning",
    "OutsideDataWarning",
    "SegmentLabWarning",
    "StaleNowWarning",
    "UnknownEventTypeError",
    "UnknownValueWarning",
]


class LookAheadError(SegmentLabError, RuntimeError):
    """A backtest's look-ahead audit found membership that data after the snapshot changed.

    Raised by ``backtest(..., audit=k)`` when a definition's members at a snapshot differ
    from its members on the data as known then; the message names the segment, the
    snapshot and both counts.
    """


class IncompleteSnapshotWarning(SegmentLabWarning):
    """Backtest snapshots whose outcome horizon reaches past the workspace's now were left out."""


__all__ += ["IncompleteSnapshotWarning", "LookAheadError"]
