"""Sugar for writing rules in Python: ``field``, ``event``, ``in_segment``, ``all_of``, ``any_of``.

Examples
--------
>>> from segment_lab import field, event, in_segment, all_of, any_of
>>> rule = (field("city") == "Tokyo") & (event("email_open").count(within="30d") >= 3)
>>> rule.describe()
'City is Tokyo and opened an email at least 3 times in the last 30 days'
>>> (~event("page_visit").exists(within="14d")).describe()
'not visited a page in the last 14 days'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from segment_lab.errors import InvalidSegmentError, InvalidValueError
from segment_lab.model._nodes import (
    And,
    Compare,
    EventCondition,
    InSegment,
    IsEmpty,
    IsIn,
    IsNull,
    ListHas,
    Or,
    Range,
    Rule,
    TextMatch,
)
from segment_lab.model._time import Between, Window, Within, as_time_value

__all__ = ["EventMeasure", "EventSpec", "Field", "all_of", "any_of", "event", "field", "in_segment"]


def _no_bool(self: object) -> bool:
    raise TypeError(
        f"{self!r} is not a rule yet: compare it, e.g. field('points') > 10 or "
        f"event('purchase').count() >= 1; combine rules with &, | and ~, not and/or/not."
    )


@dataclass(frozen=True, eq=False)
class Field:
    """A contact (or event) column to build conditions on."""

    name: str

    __bool__ = _no_bool
    __hash__ = None  # type: ignore[assignment]  # == builds a rule

    def __eq__(self, other: object) -> Rule:  # type: ignore[override]
        return Compare(self.name, "==", other)

    def __ne__(self, other: object) -> Rule:  # type: ignore[override]
        return Compare(self.name, "!=", other)

    def __lt__(self, other: object) -> Rule:
        return Compare(self.name, "<", other)

    def __le__(self, other: object) -> Rule:
        return Compare(self.name, "<=", other)

    def __gt__(self, other: object) -> Rule:
        return Compare(self.name, ">", other)

    def __ge__(self, other: object) -> Rule:
        return Compare(self.name, ">=", other)

    def isin(self, values: Iterable[object]) -> Rule:
        """Equals one of ``values``."""
        return IsIn(self.name, values)  # type: ignore[arg-type]

    def notin(self, values: Iterable[object]) -> Rule:
        """Equals none of ``values`` (NULL included): exactly ``~isin``."""
        return IsIn(self.name, values, negate=True)  # type: ignore[arg-type]

    def between(self, low: object, high: object) -> Rule:
        """``low <= value <= high``."""
        return Range(self.name, low, high)  # type: ignore[arg-type]

    def contains(self, text: str) -> Rule:
        """Contains ``text``, ignoring case."""
        return TextMatch(self.name, "contains", text)

    def startswith(self, text: str) -> Rule:
        """Starts with ``text``, ignoring case."""
        return TextMatch(self.name, "startswith", text)

    def endswith(self, text: str) -> Rule:
        """Ends with ``text``, ignoring case."""
        return TextMatch(self.name, "endswith", text)

    def like(self, pattern: str) -> Rule:
        """SQL LIKE (``%`` any run, ``_`` one character), ignoring case."""
        return TextMatch(self.name, "like", pattern)

    def matches(self, regex: str) -> Rule:
        """The regular expression matches anywhere in the value (case-sensitive)."""
        return TextMatch(self.name, "matches", regex)

    def isnull(self) -> Rule:
        return IsNull(self.name)

    def notnull(self) -> Rule:
        return IsNull(self.name, negate=True)

    def empty(self) -> Rule:
        """NULL or the empty string."""
        return IsEmpty(self.name)

    def notempty(self) -> Rule:
        return IsEmpty(self.name, negate=True)

    def has_any(self, values: Iterable[object]) -> Rule:
        """A list column holds at least one of ``values``."""
        return ListHas(self.name, "any", values)  # type: ignore[arg-type]

    def has_all(self, values: Iterable[object]) -> Rule:
        """A list column holds every one of ``values``."""
        return ListHas(self.name, "all", values)  # type: ignore[arg-type]

    def has_none(self, values: Iterable[object]) -> Rule:
        """A list column holds none of ``values`` (NULL or empty lists too): ``~has_any``."""
        return ListHas(self.name, "none", values)  # type: ignore[arg-type]


def field(name: str) -> Field:
    """A column of the contacts table (or, inside ``event(...).where``, of the events)."""
    if not isinstance(name, str) or not name:
        raise InvalidValueError(f"field() needs a column name, got {name!r}.")
    return Field(name)


def _window(within: object, between: object) -> Window | None:
    if within is not None and between is not None:
        raise InvalidSegmentError("Give either within= or between=, not both.")
    if within is not None:
        return Within(within)  # type: ignore[arg-type]
    if between is not None:
        if not isinstance(between, (tuple, list)) or len(between) != 2:
            raise InvalidValueError(
                f"between= needs a pair (start, end), got {between!r}; e.g. "
                f"between=('2024-01-01', '2024-02-01')."
            )
        return Between(as_time_value(between[0]), as_time_value(between[1]))
    return None


@dataclass(frozen=True, eq=False)
class EventMeasure:
    """A measure of matching events waiting for a comparison, e.g. ``count(...) >= 3``."""

    spec: EventSpec
    measure: str
    window: Window | None
    column: str | None = None

    __bool__ = _no_bool
    __hash__ = None  # type: ignore[assignment]

    def _cmp(self, op: str, value: object) -> EventCondition:
        return EventCondition(
            self.spec.types,
            self.measure,
            op,
            value,
            self.window,
            self.spec.where_rule,
            self.column,
        )  # type: ignore[arg-type]

    def __eq__(self, value: object) -> Rule:  # type: ignore[override]
        return self._cmp("==", value)

    def __ne__(self, value: object) -> Rule:  # type: ignore[override]
        return self._cmp("!=", value)

    def __lt__(self, value: object) -> Rule:
        return self._cmp("<", value)

    def __le__(self, value: object) -> Rule:
        return self._cmp("<=", value)

    def __gt__(self, value: object) -> Rule:
        return self._cmp(">", value)

    def __ge__(self, value: object) -> Rule:
        return self._cmp(">=", value)


@dataclass(frozen=True)
class EventSpec:
    """Events of some types, optionally filtered: the start of an event condition."""

    types: tuple[str, ...]
    where_rule: Rule | None = None

    __bool__ = _no_bool

    def where(self, rule: Rule) -> EventSpec:
        """Keep only events for which ``rule`` (over event columns) holds."""
        if not isinstance(rule, Rule):
            raise InvalidValueError(f"where() needs a rule over event columns, got {rule!r}.")
        combined = rule if self.where_rule is None else self.where_rule & rule
        return EventSpec(self.types, combined)

    def count(self, within: str | None = None, between: tuple | None = None) -> EventMeasure:
        """Number of matching events in the window (0 without any)."""
        return EventMeasure(self, "count", _window(within, between))

    def exists(self, within: str | None = None, between: tuple | None = None) -> Rule:
        """At least one matching event in the window."""
        return self.count(within=within, between=between) >= 1

    def sum(
        self, column: str, within: str | None = None, between: tuple | None = None
    ) -> EventMeasure:
        """Sum of ``column`` over matching events (0 without any)."""
        return EventMeasure(self, "sum", _window(within, between), column)

    def last_seen(self, within: str | None = None, between: tuple | None = None) -> EventMeasure:
        """Time of the latest matching event; comparisons are false without any."""
        return EventMeasure(self, "last_seen", _window(within, between))

    def first_seen(self, within: str | None = None, between: tuple | None = None) -> EventMeasure:
        """Time of the earliest matching event; comparisons are false without any."""
        return EventMeasure(self, "first_seen", _window(within, between))


def event(types: str | Iterable[str]) -> EventSpec:
    """Events of one type or any of several types.

    >>> event(["email_open", "email_click"]).count(within="7d") >= 2
    ... # doctest: +ELLIPSIS
    EventCondition(types=('email_open', 'email_click'), measure='count', op='>=', value=2, ...)
    """
    if isinstance(types, str):
        tup: tuple[str, ...] = (types,)
    else:
        try:
            tup = tuple(types)
        except TypeError:
            raise InvalidValueError(
                f"event() needs an event type or a list of them, got {types!r}."
            ) from None
    if not tup or not all(isinstance(t, str) and t for t in tup):
        raise InvalidValueError(f"event() needs non-empty event type names, got {types!r}.")
    return EventSpec(tup)


def in_segment(name: str) -> Rule:
    """Member of the catalog segment ``name`` at the same instant."""
    return InSegment(name)


def _rules(rules: tuple, what: str) -> tuple[Rule, ...]:
    if len(rules) == 1 and isinstance(rules[0], (list, tuple)):
        rules = tuple(rules[0])
    return rules


def all_of(*rules: Rule) -> Rule:
    """Every rule holds (AND). Accepts rules or one list of rules."""
    return And(_rules(rules, "all_of"))


def any_of(*rules: Rule) -> Rule:
    """At least one rule holds (OR). Accepts rules or one list of rules."""
    return Or(_rules(rules, "any_of"))
