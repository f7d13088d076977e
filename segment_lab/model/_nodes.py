"""Rule nodes: frozen dataclasses, one per construct of the segment language.

Nodes are declarations only.  Evaluation lives in :mod:`segment_lab.engine`,
plain-language text in :mod:`segment_lab.model._describe`, serialisation in
:mod:`segment_lab.serde`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import ClassVar, Union

from segment_lab.errors import (
    InvalidOperatorError,
    InvalidRegexError,
    InvalidSegmentError,
    InvalidValueError,
)
from segment_lab.model._time import (
    AbsoluteTime,
    Between,
    RelativeTime,
    TimeValue,
    Window,
    Within,
    as_time_value,
    looks_relative,
)

__all__ = [
    "COMPARISONS",
    "And",
    "Compare",
    "EventCondition",
    "InSegment",
    "IsEmpty",
    "IsIn",
    "IsNull",
    "ListHas",
    "Not",
    "Or",
    "Range",
    "Rule",
    "TextMatch",
    "walk",
]

#: Comparison operators accepted by Compare and by event measures.
COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
#: Regex constructs that Python accepts but database engines reject: look-around, \\1.
_NOT_PORTABLE = re.compile(r"\(\?<?[=!]|(?:^|[^\\])(?:\\\\)*\\[1-9]")
TEXT_OPS = ("contains", "startswith", "endswith", "like", "matches")
LIST_MODES = ("any", "all", "none")
MEASURES = ("count", "sum", "last_seen", "first_seen")

Scalar = Union[str, int, float, bool, AbsoluteTime, RelativeTime]


class Rule:
    """Base of every rule node: combine with ``&``, ``|`` and ``~``.

    Rules are frozen values that compare equal when they are built alike.  Python's
    ``and``, ``or`` and ``not`` cannot be overloaded, so a rule refuses a truth value
    with a :class:`TypeError` that names the fix.

    See Also
    --------
    segment_lab.field, segment_lab.event, segment_lab.in_segment : Build rules.

    Examples
    --------
    >>> from segment_lab import field
    >>> tokyo, cto = field("city") == "Tokyo", field("job_title") == "CTO"
    >>> (tokyo & ~cto).describe()
    'City is Tokyo and not (Job title is CTO)'
    >>> (tokyo | cto) == (field("city") == "Tokyo") | (field("job_title") == "CTO")
    True
    >>> tokyo and cto
    Traceback (most recent call last):
    ...
    TypeError: A segment rule has no truth value: use & instead of 'and', ...
    """

    kind: ClassVar[str] = ""

    def __and__(self, other: object) -> Rule:
        """Build ``self & other``: both hold (nested ANDs are flattened into one).

        Examples
        --------
        >>> from segment_lab import field
        >>> (field("a") == 1) & (field("b") == 2) & (field("c") == 3)  # doctest: +NORMALIZE_WHITESPACE
        And(rules=(Compare(field='a', op='==', value=1), Compare(field='b', op='==', value=2),
                   Compare(field='c', op='==', value=3)))
        """
        if not isinstance(other, Rule):
            raise TypeError(combine_error("&", self, other))
        left = self.rules if isinstance(self, And) else (self,)
        right = other.rules if isinstance(other, And) else (other,)
        return And(left + right)

    def __or__(self, other: object) -> Rule:
        """Build ``self | other``: at least one holds (nested ORs are flattened into one).

        Examples
        --------
        >>> from segment_lab import field
        >>> ((field("city") == "Tokyo") | (field("city") == "London")).describe()
        'City is Tokyo or City is London'
        """
        if not isinstance(other, Rule):
            raise TypeError(combine_error("|", self, other))
        left = self.rules if isinstance(self, Or) else (self,)
        right = other.rules if isinstance(other, Or) else (other,)
        return Or(left + right)

    def __invert__(self) -> Rule:
        """Build ``~self``: the complement within the universe (``~~rule`` is ``rule``).

        Examples
        --------
        >>> from segment_lab import in_segment
        >>> ~in_segment("churn-risk")
        Not(rule=InSegment(name='churn-risk'))
        >>> ~~in_segment("churn-risk")
        InSegment(name='churn-risk')
        """
        return self.rule if isinstance(self, Not) else Not(self)

    def __rand__(self, other: object) -> Rule:
        raise TypeError(combine_error("&", other, self))

    def __ror__(self, other: object) -> Rule:
        raise TypeError(combine_error("|", other, self))

    def __bool__(self) -> bool:
        raise TypeError(
            "A segment rule has no truth value: use & instead of 'and', | instead of "
            "'or' and ~ instead of 'not', with parentheses around each comparison, e.g. "
            "(field('city') == 'Tokyo') & (field('points') > 10). A chained comparison "
            "(1 < field('points') < 5) asks for one too: write "
            "field('points').between(1, 5) or (field('points') > 1) & (field('points') < 5)."
        )

    def children(self) -> tuple[Rule, ...]:
        """Return the direct sub-rules (the ``where`` rule of an event condition excluded).

        Returns
        -------
        tuple of Rule
            Empty for a condition; the operands of And, Or and Not.

        See Also
        --------
        walk : Every rule below, ``where`` rules included.

        Examples
        --------
        >>> from segment_lab import field
        >>> ((field("a") == 1) | (field("b") == 2)).children()
        (Compare(field='a', op='==', value=1), Compare(field='b', op='==', value=2))
        >>> (field("a") == 1).children()
        ()
        """
        return ()

    def describe(self) -> str:
        """Say this rule in a plain-language sentence.

        Field names are spelled as words (``job_title`` reads "Job title"); relative
        times read as "less than 7 days ago" and the like.

        Returns
        -------
        str
            One sentence without a final full stop.

        Examples
        --------
        >>> from segment_lab import field, event
        >>> (field("city") == "Tokyo").describe()
        'City is Tokyo'
        >>> (event("purchase").last_seen() < "-90d").describe()
        'last made a purchase more than 90 days ago'
        """
        from segment_lab.model._describe import describe_rule

        return describe_rule(self)

    def _repr_html_(self) -> str:
        from segment_lab.model._describe import rule_html

        return rule_html(self)


def combine_error(op: str, left: object, right: object) -> str:
    """Return the message for ``left op right`` where one side is not a rule.

    The usual cause is missing parentheses: Python applies ``&`` and ``|`` before
    comparisons, so ``field("a") == 1 & field("b") == 2`` first computes
    ``1 & field("b")``.

    Examples
    --------
    >>> from segment_lab import field
    >>> field("a") == 1 & field("b") == 2
    Traceback (most recent call last):
    ...
    TypeError: & combines rules, got 1 (int) and Field(name='b') (Field). Missing parentheses? ...
    """
    return (
        f"{op} combines rules, got {_short(left)} ({type(left).__name__}) and "
        f"{_short(right)} ({type(right).__name__}). Missing parentheses? Python applies "
        f"{op} before ==, <, >= ..., so field('a') == 1 {op} field('b') == 2 reads as "
        f"field('a') == (1 {op} field('b')) == 2. Put parentheses around each comparison: "
        f"(field('a') == 1) {op} (field('b') == 2)."
    )


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def walk(rule: Rule) -> Iterator[Rule]:
    """Yield ``rule`` and every rule below it, depth first (``where`` rules included).

    Parameters
    ----------
    rule : Rule
        The root.

    Yields
    ------
    Rule
        ``rule`` first; an event condition's ``where`` rule before its children.

    Examples
    --------
    >>> from segment_lab import field, event
    >>> from segment_lab.model import walk
    >>> rule = (field("city") == "Tokyo") & event("page_visit").where(field("url") == "/demo").exists()
    >>> [type(node).__name__ for node in walk(rule)]
    ['And', 'Compare', 'EventCondition', 'Compare']
    """
    yield rule
    if isinstance(rule, EventCondition) and rule.where is not None:
        yield from walk(rule.where)
    for child in rule.children():
        yield from walk(child)


def _check_field(name: object, what: str = "field") -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidValueError(f"A {what} name must be a non-empty string, got {name!r}.")
    return name


def _check_op(op: object, valid: tuple[str, ...], where: str) -> str:
    if op not in valid:
        raise InvalidOperatorError.unknown(op, valid, where)
    return op  # type: ignore[return-value]


def normalize_scalar(value: object, what: str) -> Scalar:
    """Validate a comparison value; datetimes and relative strings become time values."""
    if isinstance(value, (AbsoluteTime, RelativeTime)):
        return value
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        raise InvalidValueError(
            f"{what} compares with a single value, got a {type(value).__name__} {value!r}; "
            f"use .isin([...]) to match any of several values."
        )
    if value is None:
        raise InvalidValueError(
            f"{what} cannot compare with None; use .isnull() or .notnull() instead."
        )
    if isinstance(value, (dt.datetime, dt.date)):
        return as_time_value(value)
    if isinstance(value, str):
        return as_time_value(value) if looks_relative(value) else value
    if isinstance(value, float) and value != value:
        raise InvalidValueError(f"{what} cannot compare with NaN.")
    if isinstance(value, (int, float)):
        return value
    raise InvalidValueError(
        f"{what} got {value!r} of type {type(value).__name__}; use a string, number, "
        f"boolean, date or datetime."
    )


def _values(values: object, what: str) -> tuple[Scalar, ...]:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise InvalidValueError(
            f"{what} needs a list of values, got {values!r}; write e.g. .isin(['a', 'b'])."
        )
    out = tuple(normalize_scalar(v, what) for v in values)  # type: ignore[union-attr]
    if not out:
        raise InvalidValueError(f"{what} needs at least one value, got an empty list.")
    return out


def _sortable(a: Scalar, b: Scalar) -> bool:
    num = (int, float)
    if isinstance(a, num) and isinstance(b, num):
        return True
    if isinstance(a, AbsoluteTime) and isinstance(b, AbsoluteTime):
        return True
    return isinstance(a, str) and isinstance(b, str)


def _key(v: Scalar) -> object:
    return v.value if isinstance(v, AbsoluteTime) else v


@dataclass(frozen=True, repr=True)
class Compare(Rule):
    """``field op value`` with op one of ``== != < <= > >=`` (``!=`` is exactly ``~(==)``)."""

    field: str
    op: str
    value: Scalar
    kind: ClassVar[str] = "compare"

    def __post_init__(self) -> None:
        _check_field(self.field)
        _check_op(self.op, COMPARISONS, f"field {self.field!r}")
        what = f"field({self.field!r}) {self.op}"
        object.__setattr__(self, "value", normalize_scalar(self.value, what))
        if isinstance(self.value, bool) and self.op not in ("==", "!="):
            raise InvalidValueError(f"{what} {self.value!r}: booleans support only == and !=.")


@dataclass(frozen=True)
class IsIn(Rule):
    """``field`` equals one of ``values`` (``negate``: none of them, NULL included)."""

    field: str
    values: tuple[Scalar, ...]
    negate: bool = False
    kind: ClassVar[str] = "isin"

    def __post_init__(self) -> None:
        _check_field(self.field)
        name = "notin" if self.negate else "isin"
        object.__setattr__(self, "values", _values(self.values, f"field({self.field!r}).{name}"))


@dataclass(frozen=True)
class Range(Rule):
    """``low <= field <= high`` (inclusive at both ends)."""

    field: str
    low: Scalar
    high: Scalar
    kind: ClassVar[str] = "range"

    def __post_init__(self) -> None:
        _check_field(self.field)
        what = f"field({self.field!r}).between"
        low = normalize_scalar(self.low, what)
        high = normalize_scalar(self.high, what)
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)
        if _sortable(low, high) and _key(low) > _key(high):  # type: ignore[operator]
            raise InvalidValueError(
                f"{what}({low!r}, {high!r}): the lower bound is above the upper bound; swap them."
            )


@dataclass(frozen=True)
class TextMatch(Rule):
    """Text tests: ``contains``, ``startswith``, ``endswith``, ``like``, ``matches``.

    The first four ignore case; ``matches`` is a regular expression, case-sensitive,
    that may match anywhere in the value.
    """

    field: str
    op: str
    pattern: str
    kind: ClassVar[str] = "text"

    def __post_init__(self) -> None:
        _check_field(self.field)
        _check_op(self.op, TEXT_OPS, f"field {self.field!r}")
        if not isinstance(self.pattern, str):
            raise InvalidValueError(
                f"field({self.field!r}).{self.op} needs a string, got {self.pattern!r} "
                f"({type(self.pattern).__name__})."
            )
        if self.op == "matches":
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise InvalidRegexError(
                    f"Invalid regular expression {self.pattern!r} for field {self.field!r}: {exc}."
                ) from None
            if _NOT_PORTABLE.search(self.pattern):
                raise InvalidRegexError(
                    f"The regular expression {self.pattern!r} for field {self.field!r} uses "
                    f"look-around or a back-reference, which database regex engines (RE2 in "
                    f"DuckDB, POSIX in Postgres) do not support; rewrite it without them."
                )


@dataclass(frozen=True)
class IsNull(Rule):
    """``field`` is NULL (``negate``: is not NULL)."""

    field: str
    negate: bool = False
    kind: ClassVar[str] = "isnull"

    def __post_init__(self) -> None:
        _check_field(self.field)


@dataclass(frozen=True)
class IsEmpty(Rule):
    """``field`` is NULL or the empty string (``negate``: neither)."""

    field: str
    negate: bool = False
    kind: ClassVar[str] = "empty"

    def __post_init__(self) -> None:
        _check_field(self.field)


@dataclass(frozen=True)
class ListHas(Rule):
    """A list-valued ``field`` holds any / all / none of ``values``."""

    field: str
    mode: str
    values: tuple[Scalar, ...]
    kind: ClassVar[str] = "list_has"

    def __post_init__(self) -> None:
        _check_field(self.field)
        _check_op(self.mode, LIST_MODES, f"list field {self.field!r}")
        what = f"field({self.field!r}).has_{self.mode}"
        object.__setattr__(self, "values", _values(self.values, what))


def _check_window(window: object) -> Window | None:
    if window is None or isinstance(window, (Within, Between)):
        return window
    raise InvalidValueError(f"window must be Within, Between or None, got {window!r}.")


def _check_types(types: object) -> tuple[str, ...]:
    if isinstance(types, str):
        types = (types,)
    if not isinstance(types, (list, tuple)) or not types:
        raise InvalidValueError(
            f"event() needs one event type or a non-empty list of them, got {types!r}."
        )
    for t in types:
        _check_field(t, "event type")
    return tuple(types)


def _check_where(where: object) -> Rule | None:
    if where is None:
        return None
    if not isinstance(where, Rule):
        raise InvalidValueError(f"event(...).where() needs a rule, got {where!r}.")
    for node in walk(where):
        if isinstance(node, (EventCondition, InSegment)):
            raise InvalidSegmentError(
                f"event(...).where() filters events by their own columns; it cannot contain "
                f"{type(node).__name__} ({node!r})."
            )
    return where


def _check_measure_value(measure: str, value: object, what: str) -> Scalar:
    if measure == "count":
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidValueError(
                f"{what} compares a count with a whole number, got {value!r} "
                f"({type(value).__name__})."
            )
        if value < 0:
            raise InvalidValueError(f"{what} {value!r}: a count is never negative.")
        return value
    if measure == "sum":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            raise InvalidValueError(
                f"{what} compares a sum with a number, got {value!r} ({type(value).__name__})."
            )
        return value
    return as_time_value(value)


@dataclass(frozen=True)
class EventCondition(Rule):
    """A measure of a contact's matching events, compared with a value.

    ``measure`` is ``count`` (number of events), ``sum`` (of ``column``, 0 without
    events), ``last_seen`` or ``first_seen`` (false without events).  Events count
    when their type is in ``types``, ``where`` holds on them, they lie in ``window``
    and not after the evaluation instant.
    """

    types: tuple[str, ...]
    measure: str
    op: str
    value: Scalar
    window: Window | None = None
    where: Rule | None = None
    column: str | None = None
    kind: ClassVar[str] = "event"

    def __post_init__(self) -> None:
        object.__setattr__(self, "types", _check_types(self.types))
        _check_op(self.measure, MEASURES, "event measure")
        what = f"event({', '.join(map(repr, self.types))}).{self.measure}"
        _check_op(self.op, COMPARISONS, what)
        object.__setattr__(self, "window", _check_window(self.window))
        object.__setattr__(self, "where", _check_where(self.where))
        if self.measure == "sum":
            _check_field(self.column, "sum column")
        elif self.column is not None:
            raise InvalidValueError(f"{what} takes no column, got {self.column!r}.")
        value = _check_measure_value(self.measure, self.value, f"{what} {self.op}")
        object.__setattr__(self, "value", value)


@dataclass(frozen=True)
class InSegment(Rule):
    """Membership of the catalog segment ``name`` at the same instant."""

    name: str
    kind: ClassVar[str] = "in_segment"

    def __post_init__(self) -> None:
        _check_field(self.name, "segment")


def _check_rules(rules: object, what: str) -> tuple[Rule, ...]:
    if isinstance(rules, Rule):
        rules = (rules,)
    if not isinstance(rules, (list, tuple)):
        raise InvalidValueError(f"{what} needs a list of rules, got {rules!r}.")
    if not rules:
        raise InvalidSegmentError(
            f"{what} needs at least one rule, got none: an empty group has no meaning."
        )
    for r in rules:
        if not isinstance(r, Rule):
            raise InvalidValueError(f"{what} takes rules, got {r!r} ({type(r).__name__}).")
    return tuple(rules)


@dataclass(frozen=True)
class And(Rule):
    """All of ``rules`` hold."""

    rules: tuple[Rule, ...]
    kind: ClassVar[str] = "and"

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", _check_rules(self.rules, "all_of"))

    def children(self) -> tuple[Rule, ...]:
        return self.rules


@dataclass(frozen=True)
class Or(Rule):
    """At least one of ``rules`` holds."""

    rules: tuple[Rule, ...]
    kind: ClassVar[str] = "or"

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", _check_rules(self.rules, "any_of"))

    def children(self) -> tuple[Rule, ...]:
        return self.rules


@dataclass(frozen=True)
class Not(Rule):
    """``rule`` does not hold (the complement within the universe)."""

    rule: Rule
    kind: ClassVar[str] = "not"

    def __post_init__(self) -> None:
        if not isinstance(self.rule, Rule):
            raise InvalidValueError(f"Not() takes a rule, got {self.rule!r}.")

    def children(self) -> tuple[Rule, ...]:
        return (self.rule,)


#: Conditions on one field of one row (a contact's attributes, or an event's columns).
ATTRIBUTE_NODES: tuple[type[Rule], ...] = (
    Compare, IsIn, Range, TextMatch, IsNull, IsEmpty, ListHas,
)  # fmt: skip
#: Every node type of the language: each engine walk has an implementation for each.
NODE_TYPES: tuple[type[Rule], ...] = (*ATTRIBUTE_NODES, EventCondition, InSegment, And, Or, Not)


def node_fields(node: Rule) -> list[str]:
    """Names of a node's dataclass fields, in declaration order."""
    return [f.name for f in fields(node)]  # type: ignore[arg-type]


__all__ += ["ATTRIBUTE_NODES", "NODE_TYPES", "Scalar", "TimeValue", "combine_error", "node_fields"]
