"""Sugar for writing rules in Python: ``field``, ``event``, ``in_segment``, ``all_of``, ``any_of``.

Every function and operator here builds a frozen rule node of :mod:`segment_lab.model`;
nothing touches data until a :class:`~segment_lab.Workspace` evaluates the rule.
Combine rules with ``&`` (and), ``|`` (or) and ``~`` (not).

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
    combine_error,
)
from segment_lab.model._python import rule_to_python
from segment_lab.model._segment import Segment
from segment_lab.model._time import Between, Window, Within, as_time_value

__all__ = [
    "EventMeasure",
    "EventSpec",
    "Field",
    "all_of",
    "any_of",
    "event",
    "field",
    "in_segment",
    "to_python",
]


def __dir__() -> list[str]:
    """List the public names only (tab completion hides the imports)."""
    return sorted(__all__)


def _no_bool(self: object) -> bool:
    raise TypeError(
        f"{self!r} is not a rule yet: compare it, e.g. field('points') > 10 or "
        f"event('purchase').count() >= 1; combine rules with &, | and ~, not and/or/not."
    )


def _no_and(self: object, other: object) -> Rule:
    raise TypeError(combine_error("&", self, other))


def _no_rand(self: object, other: object) -> Rule:
    raise TypeError(combine_error("&", other, self))


def _no_or(self: object, other: object) -> Rule:
    raise TypeError(combine_error("|", self, other))


def _no_ror(self: object, other: object) -> Rule:
    raise TypeError(combine_error("|", other, self))


def _no_invert(self: object) -> Rule:
    raise TypeError(
        f"~ negates a rule, got {self!r}, which is not a rule yet. Missing parentheses? "
        f"Python applies ~ before ==, so ~field('a') == 1 reads as (~field('a')) == 1: "
        f"write ~(field('a') == 1)."
    )


@dataclass(frozen=True, eq=False)
class Field:
    """A contact (or event) column to build conditions on; made by :func:`field`.

    Comparing a field (``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``) or calling one of
    its methods builds a rule.  Conditions follow two-valued logic: a positive test
    on a NULL value is false, and every negative test (``!=``, :meth:`notin`,
    :meth:`has_none`, ``~rule``) is the exact complement of its positive, so it holds
    for NULL values too.  ``==``, :meth:`isin` and :meth:`matches` compare exactly;
    :meth:`contains`, :meth:`startswith`, :meth:`endswith` and :meth:`like` ignore case.

    Comparison values are strings, numbers, booleans (``==`` and ``!=`` only), dates
    and datetimes, or times relative to the evaluation instant t: ``"now"``,
    ``"today"``, ``"yesterday"``, ``"tomorrow"`` (midnights of t's day) and offsets
    such as ``"-30d"``, ``"+2w"``, ``"-12h"``, ``"-90min"``, ``"-45s"``.

    Parameters
    ----------
    name : str
        The column name, as bound in the contacts table (or, inside
        :meth:`EventSpec.where`, in the events table).

    See Also
    --------
    field : The usual way to make one.

    Examples
    --------
    >>> from segment_lab import field
    >>> field("points") > 10
    Compare(field='points', op='>', value=10)
    >>> (field("created_at") > "-7d").describe()
    'Created at is less than 7 days ago'
    >>> bool(field("points"))
    Traceback (most recent call last):
    ...
    TypeError: Field(name='points') is not a rule yet: compare it, ...
    """

    name: str

    __bool__ = _no_bool
    __and__, __rand__, __or__, __ror__ = _no_and, _no_rand, _no_or, _no_ror
    __invert__ = _no_invert
    __hash__ = None  # type: ignore[assignment]  # == builds a rule

    def __eq__(self, other: object) -> Rule:  # type: ignore[override]
        """Build ``field == other``: exactly equal (case-sensitive), false on NULL.

        Examples
        --------
        >>> from segment_lab import field
        >>> field("city") == "Tokyo"
        Compare(field='city', op='==', value='Tokyo')

        On the sample data, one contact's city is spelled in lower case:

        >>> import segment_lab as sl
        >>> ws = sl.Workspace.demo()
        >>> ws.count(field("city") == "Tokyo", as_of="2025-06-30")
        390
        >>> ws.count(field("city") == "tokyo", as_of="2025-06-30")
        1
        """
        return Compare(self.name, "==", other)

    def __ne__(self, other: object) -> Rule:  # type: ignore[override]
        """Build ``field != other``: exactly ``~(field == other)``, so NULL values match.

        Examples
        --------
        >>> from segment_lab import field
        >>> field("job_title") != "CTO"
        Compare(field='job_title', op='!=', value='CTO')
        >>> import segment_lab as sl
        >>> ws = sl.Workspace.demo()
        >>> ws.count(field("job_title") != "CTO", as_of="2025-06-30")
        4735
        >>> ws.count(~(field("job_title") == "CTO"), as_of="2025-06-30")
        4735
        """
        return Compare(self.name, "!=", other)

    def __lt__(self, other: object) -> Rule:
        """Build ``field < other`` (false on NULL).

        Examples
        --------
        >>> from segment_lab import field
        >>> (field("points") < 10).describe()
        'Points is less than 10'
        """
        return Compare(self.name, "<", other)

    def __le__(self, other: object) -> Rule:
        """Build ``field <= other`` (false on NULL).

        Examples
        --------
        >>> from segment_lab import field
        >>> (field("points") <= 10).describe()
        'Points is at most 10'
        """
        return Compare(self.name, "<=", other)

    def __gt__(self, other: object) -> Rule:
        """Build ``field > other`` (false on NULL).

        Examples
        --------
        >>> from segment_lab import field
        >>> (field("points") > 100).describe()
        'Points is greater than 100'
        >>> import datetime as dt
        >>> (field("created_at") > dt.date(2025, 1, 1)).describe()
        'Created at is after 2025-01-01'
        """
        return Compare(self.name, ">", other)

    def __ge__(self, other: object) -> Rule:
        """Build ``field >= other`` (false on NULL).

        Examples
        --------
        >>> from segment_lab import field
        >>> (field("points") >= 100).describe()
        'Points is at least 100'
        """
        return Compare(self.name, ">=", other)

    def isin(self, values: Iterable[object]) -> Rule:
        """Equals one of ``values``.

        Parameters
        ----------
        values : iterable
            At least one value; each compares exactly, as ``==`` does.

        Returns
        -------
        Rule
            An :class:`~segment_lab.model.IsIn` node; false on NULL.

        Raises
        ------
        InvalidValueError
            For a single string instead of a list, an empty list, or ``None`` among
            the values.

        See Also
        --------
        notin : Its exact complement.

        Examples
        --------
        >>> from segment_lab import field
        >>> field("city").isin(["Tokyo", "London"])
        IsIn(field='city', values=('Tokyo', 'London'), negate=False)
        >>> import segment_lab as sl
        >>> sl.Workspace.demo().count(field("city").isin(["Tokyo", "London"]), as_of="2025-06-30")
        756
        """
        return IsIn(self.name, values)  # type: ignore[arg-type]

    def notin(self, values: Iterable[object]) -> Rule:
        """Equals none of ``values`` (NULL included): exactly ``~isin``.

        Parameters
        ----------
        values : iterable
            At least one value.

        Returns
        -------
        Rule
            An :class:`~segment_lab.model.IsIn` node with ``negate=True``.

        See Also
        --------
        isin : Its exact complement.

        Examples
        --------
        >>> from segment_lab import field
        >>> field("city").notin(["Tokyo", "London"]).describe()
        'City is none of Tokyo and London'
        >>> import segment_lab as sl
        >>> sl.Workspace.demo().count(field("city").notin(["Tokyo", "London"]), as_of="2025-06-30")
        4231
        """
        return IsIn(self.name, values, negate=True)  # type: ignore[arg-type]

    def between(self, low: object, high: object) -> Rule:
        """``low <= value <= high``, inclusive at both ends.

        Parameters
        ----------
        low, high : object
            The bounds: numbers, strings, dates or (relative) times.

        Returns
        -------
        Rule
            A :class:`~segment_lab.model.Range` node; false on NULL.

        Raises
        ------
        InvalidValueError
            When ``low`` is above ``high``.

        Examples
        --------
        >>> from segment_lab import field
        >>> field("points").between(10, 100)
        Range(field='points', low=10, high=100)
        >>> field("points").between(100, 10)
        Traceback (most recent call last):
        ...
        segment_lab.errors.InvalidValueError: field('points').between(100, 10): the lower bound is above the upper bound; swap them.
        """
        return Range(self.name, low, high)  # type: ignore[arg-type]

    def contains(self, text: str) -> Rule:
        """Contains ``text``, ignoring case.

        Parameters
        ----------
        text : str
            Plain text (no wildcards).

        Returns
        -------
        Rule
            A :class:`~segment_lab.model.TextMatch` node; false on NULL.

        Examples
        --------
        >>> from segment_lab import field
        >>> field("email").contains("acme")
        TextMatch(field='email', op='contains', pattern='acme')

        Case is ignored, so this also finds ``TOKYO`` and ``tokyo``:

        >>> import segment_lab as sl
        >>> sl.Workspace.demo().count(field("city").contains("tokyo"), as_of="2025-06-30")
        399
        """
        return TextMatch(self.name, "contains", text)

    def startswith(self, text: str) -> Rule:
        """Start with ``text``, ignoring case.

        Parameters
        ----------
        text : str
            Plain text (no wildcards).

        Returns
        -------
        Rule
            A :class:`~segment_lab.model.TextMatch` node; false on NULL.

        Examples
        --------
        >>> from segment_lab import field
        >>> field("email").startswith("ava.").describe()
        "Email starts with 'ava.'"
        """
        return TextMatch(self.name, "startswith", text)

    def endswith(self, text: str) -> Rule:
        """End with ``text``, ignoring case.

        Parameters
        ----------
        text : str
            Plain text (no wildcards).

        Returns
        -------
        Rule
            A :class:`~segment_lab.model.TextMatch` node; false on NULL.

        Examples
        --------
        >>> from segment_lab import field
        >>> field("email").endswith("@gmail.com").describe()
        "Email ends with '@gmail.com'"
        >>> import segment_lab as sl
        >>> sl.Workspace.demo().count(field("email").endswith("@gmail.com"), as_of="2025-06-30")
        258
        """
        return TextMatch(self.name, "endswith", text)

    def like(self, pattern: str) -> Rule:
        """Match the SQL LIKE ``pattern`` (``%`` any run, ``_`` one character), ignoring case.

        Parameters
        ----------
        pattern : str
            The whole value must match it, as in SQL.

        Returns
        -------
        Rule
            A :class:`~segment_lab.model.TextMatch` node; false on NULL.

        Examples
        --------
        >>> from segment_lab import field
        >>> field("company").like("acme%").describe()
        "Company is like 'acme%'"
        """
        return TextMatch(self.name, "like", pattern)

    def matches(self, regex: str) -> Rule:
        """Match the regular expression anywhere in the value (case-sensitive).

        Parameters
        ----------
        regex : str
            A regular expression, as in Python's :func:`re.search`; anchor it with
            ``^`` and ``$`` to match the whole value.

        Returns
        -------
        Rule
            A :class:`~segment_lab.model.TextMatch` node; false on NULL.

        Raises
        ------
        InvalidRegexError
            When ``regex`` does not compile, or uses look-around or back-references
            (which database regex engines do not support).

        Examples
        --------
        >>> from segment_lab import field
        >>> field("email").matches("^ava[.][0-9]+@").describe()
        "Email matches the pattern '^ava[.][0-9]+@'"
        >>> field("email").matches("(?=x)")
        Traceback (most recent call last):
        ...
        segment_lab.errors.InvalidRegexError: The regular expression '(?=x)' for field 'email' uses look-around ...
        """
        return TextMatch(self.name, "matches", regex)

    def isnull(self) -> Rule:
        """Be NULL (unknown).

        Returns
        -------
        Rule
            An :class:`~segment_lab.model.IsNull` node.

        See Also
        --------
        notnull : Its complement.
        empty : NULL or the empty string.

        Examples
        --------
        >>> from segment_lab import field
        >>> field("job_title").isnull()
        IsNull(field='job_title', negate=False)
        >>> field("job_title").isnull().describe()
        'Job title is unknown'
        >>> import segment_lab as sl
        >>> sl.Workspace.demo().count(field("job_title").isnull(), as_of="2025-06-30")
        263
        """
        return IsNull(self.name)

    def notnull(self) -> Rule:
        """Be not NULL (known): exactly ``~isnull()``.

        Returns
        -------
        Rule
            An :class:`~segment_lab.model.IsNull` node with ``negate=True``.

        Examples
        --------
        >>> from segment_lab import field
        >>> field("job_title").notnull().describe()
        'Job title is known'
        """
        return IsNull(self.name, negate=True)

    def empty(self) -> Rule:
        """Be NULL or the empty string.

        Returns
        -------
        Rule
            An :class:`~segment_lab.model.IsEmpty` node.

        Examples
        --------
        >>> from segment_lab import field
        >>> field("company").empty()
        IsEmpty(field='company', negate=False)
        """
        return IsEmpty(self.name)

    def notempty(self) -> Rule:
        """Be neither NULL nor the empty string: exactly ``~empty()``.

        Returns
        -------
        Rule
            An :class:`~segment_lab.model.IsEmpty` node with ``negate=True``.

        Examples
        --------
        >>> from segment_lab import field
        >>> field("company").notempty().describe()
        'Company is not empty'
        """
        return IsEmpty(self.name, negate=True)

    def has_any(self, values: Iterable[object]) -> Rule:
        """Hold at least one of ``values`` (a list column).

        Parameters
        ----------
        values : iterable
            At least one value; each compares exactly with the list's items.

        Returns
        -------
        Rule
            A :class:`~segment_lab.model.ListHas` node; false on a NULL or empty list.

        See Also
        --------
        has_all, has_none

        Examples
        --------
        >>> from segment_lab import field
        >>> field("technologies").has_any(["python", "rust"]).describe()
        'Technologies includes any of python or rust'
        >>> import segment_lab as sl
        >>> sl.Workspace.demo().count(field("technologies").has_any(["python"]), as_of="2025-06-30")
        1587
        """
        return ListHas(self.name, "any", values)  # type: ignore[arg-type]

    def has_all(self, values: Iterable[object]) -> Rule:
        """Hold every one of ``values`` (a list column).

        Parameters
        ----------
        values : iterable
            At least one value.

        Returns
        -------
        Rule
            A :class:`~segment_lab.model.ListHas` node; false on a NULL or empty list.

        Examples
        --------
        >>> from segment_lab import field
        >>> field("technologies").has_all(["python", "aws"])
        ListHas(field='technologies', mode='all', values=('python', 'aws'))
        """
        return ListHas(self.name, "all", values)  # type: ignore[arg-type]

    def has_none(self, values: Iterable[object]) -> Rule:
        """Hold none of ``values`` (NULL or empty lists too): exactly ``~has_any``.

        Parameters
        ----------
        values : iterable
            At least one value.

        Returns
        -------
        Rule
            A :class:`~segment_lab.model.ListHas` node.

        Examples
        --------
        >>> from segment_lab import field
        >>> field("technologies").has_none(["python"]).describe()
        'Technologies does not include python'
        >>> import segment_lab as sl
        >>> no_python = field("technologies").has_none(["python"])
        >>> sl.Workspace.demo().count(no_python, as_of="2025-06-30")
        3400
        """
        return ListHas(self.name, "none", values)  # type: ignore[arg-type]


def field(name: str) -> Field:
    """Name a column of the contacts table (or, inside ``event(...).where``, of the events).

    Parameters
    ----------
    name : str
        The column name.  Whether it exists is checked when a workspace evaluates a
        rule, not here.

    Returns
    -------
    Field
        Compare it or call its methods to build a rule.

    Raises
    ------
    InvalidValueError
        When ``name`` is not a non-empty string.

    See Also
    --------
    Field : The comparisons and methods, with their NULL and case rules.
    event : Conditions on events.

    Examples
    --------
    >>> from segment_lab import field
    >>> rule = (field("city") == "Tokyo") & (field("points") > 100)
    >>> rule.describe()
    'City is Tokyo and Points is greater than 100'

    Evaluated on the sample data at the end of June 2025:

    >>> import segment_lab as sl
    >>> sl.Workspace.demo().count(rule, as_of="2025-06-30")
    40
    """
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
    """A measure of matching events waiting for a comparison, e.g. ``count(...) >= 3``.

    Made by :meth:`EventSpec.count`, :meth:`EventSpec.sum`, :meth:`EventSpec.last_seen`
    and :meth:`EventSpec.first_seen`; comparing it (``==``, ``!=``, ``<``, ``<=``,
    ``>``, ``>=``) builds an :class:`~segment_lab.model.EventCondition`.  A count
    compares with a whole number, a sum with a number, ``last_seen``/``first_seen``
    with a time.

    Parameters
    ----------
    spec : EventSpec
        The events measured.
    measure : str
        ``"count"``, ``"sum"``, ``"last_seen"`` or ``"first_seen"``.
    window : Within, Between or None
        The time window; None for all events up to the evaluation instant.
    column : str, optional
        The event column a ``sum`` adds up.

    Examples
    --------
    >>> from segment_lab import event
    >>> opens = event("email_open").count(within="30d")
    >>> (opens >= 3).describe()
    'opened an email at least 3 times in the last 30 days'
    >>> (opens == 0).describe()
    'not opened an email in the last 30 days'
    >>> opens and True
    Traceback (most recent call last):
    ...
    TypeError: EventMeasure(...) is not a rule yet: compare it, ...
    """

    spec: EventSpec
    measure: str
    window: Window | None
    column: str | None = None

    __bool__ = _no_bool
    __and__, __rand__, __or__, __ror__ = _no_and, _no_rand, _no_or, _no_ror
    __invert__ = _no_invert
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
        """Build ``measure == value``; ``count(...) == 0`` matches contacts without events.

        Examples
        --------
        >>> from segment_lab import event
        >>> (event("email_open").count() == 0).describe()
        'never opened an email'
        >>> import segment_lab as sl
        >>> sl.Workspace.demo().count(event("email_open").count() == 0, as_of="2025-06-30")
        2719
        """
        return self._cmp("==", value)

    def __ne__(self, value: object) -> Rule:  # type: ignore[override]
        """Build ``measure != value``.

        Examples
        --------
        >>> from segment_lab import event
        >>> (event("email_open").count(within="30d") != 1).describe()
        'opened an email other than 1 time in the last 30 days'
        """
        return self._cmp("!=", value)

    def __lt__(self, value: object) -> Rule:
        """Build ``measure < value``; for ``last_seen``, "not since".

        Examples
        --------
        >>> from segment_lab import event
        >>> (event("purchase").last_seen() < "-90d").describe()
        'last made a purchase more than 90 days ago'
        """
        return self._cmp("<", value)

    def __le__(self, value: object) -> Rule:
        """Build ``measure <= value``.

        Examples
        --------
        >>> from segment_lab import event
        >>> (event("email_open").count(within="30d") <= 2).describe()
        'opened an email at most 2 times in the last 30 days'
        """
        return self._cmp("<=", value)

    def __gt__(self, value: object) -> Rule:
        """Build ``measure > value``.

        Examples
        --------
        >>> from segment_lab import event
        >>> (event("purchase").sum("value", within="90d") > 100).describe()
        'made a purchase with a total value above 100 in the last 90 days'
        """
        return self._cmp(">", value)

    def __ge__(self, value: object) -> Rule:
        """Build ``measure >= value``.

        Examples
        --------
        >>> from segment_lab import event
        >>> (event("email_open").count(within="30d") >= 3).describe()
        'opened an email at least 3 times in the last 30 days'
        """
        return self._cmp(">=", value)


@dataclass(frozen=True)
class EventSpec:
    """Events of some types, optionally filtered: the start of an event condition.

    Made by :func:`event`.  Narrow it with :meth:`where`, then measure it with
    :meth:`count`, :meth:`exists`, :meth:`sum`, :meth:`last_seen` or
    :meth:`first_seen`.  Only events at or before the evaluation instant t count.

    Every measure takes one optional window:

    - ``within="30d"``: the last 30 days up to t, ``(t - 30d, t]``;
    - ``between=(a, b)``: ``[a, b)``, clipped at t; ``a`` and ``b`` are ISO dates or
      datetimes, or relative times such as ``"-60d"``;
    - neither: every event up to t.

    Parameters
    ----------
    types : tuple of str
        The event types; an event matches when its type is any of them.
    where_rule : Rule, optional
        A rule over event columns that matching events satisfy.

    Examples
    --------
    >>> from segment_lab import event, field
    >>> pricing = event("page_visit").where(field("url").contains("/pricing"))
    >>> pricing  # doctest: +NORMALIZE_WHITESPACE
    EventSpec(types=('page_visit',),
              where_rule=TextMatch(field='url', op='contains', pattern='/pricing'))
    >>> (pricing.count(within="14d") >= 3).describe()
    "visited a page (where Url contains '/pricing') at least 3 times in the last 14 days"
    """

    types: tuple[str, ...]
    where_rule: Rule | None = None

    __bool__ = _no_bool
    __and__, __rand__, __or__, __ror__ = _no_and, _no_rand, _no_or, _no_ror
    __invert__ = _no_invert

    def where(self, rule: Rule) -> EventSpec:
        """Keep only events for which ``rule`` (over event columns) holds.

        Calling ``where`` again narrows further (the rules are combined with AND).

        Parameters
        ----------
        rule : Rule
            A rule on the events table's columns (``field("url")``, ...); it cannot
            contain event conditions or ``in_segment``.

        Returns
        -------
        EventSpec
            A new spec; this one is unchanged.

        Raises
        ------
        InvalidValueError
            When ``rule`` is not a rule.

        Examples
        --------
        >>> from segment_lab import event, field
        >>> demo = event("form_submit").where(field("url") == "/demo")
        >>> demo.where(field("campaign").notnull()).where_rule.describe()
        'Url is /demo and Campaign is known'
        >>> import segment_lab as sl
        >>> ws = sl.Workspace.demo()
        >>> visits = event("page_visit").where(field("url").contains("/pricing"))
        >>> ws.count(visits.exists(within="30d"), as_of="2025-06-30")
        162
        """
        if not isinstance(rule, Rule):
            raise InvalidValueError(f"where() needs a rule over event columns, got {rule!r}.")
        combined = rule if self.where_rule is None else self.where_rule & rule
        return EventSpec(self.types, combined)

    def count(self, within: str | None = None, between: tuple | None = None) -> EventMeasure:
        """Count matching events in the window (0 without any).

        Parameters
        ----------
        within : str, optional
            A duration such as ``"30d"``, ``"12h"`` or ``"2w"``: the window
            ``(t - within, t]``.
        between : tuple, optional
            ``(start, end)``: the window ``[start, end)``, clipped at t.

        Returns
        -------
        EventMeasure
            Compare it with a whole number.  ``count(...) == 0`` matches contacts with
            no matching event at all.

        Raises
        ------
        InvalidSegmentError
            When both ``within`` and ``between`` are given.
        InvalidDurationError
            When ``within`` is not a duration.

        Examples
        --------
        >>> from segment_lab import event
        >>> event("email_open").count(within="30d") >= 3  # doctest: +NORMALIZE_WHITESPACE
        EventCondition(types=('email_open',), measure='count', op='>=', value=3,
                       window=Within(duration=Duration(amount=30, unit='d')), where=None,
                       column=None)
        >>> (event("page_visit").count(between=("2025-01-01", "2025-02-01")) == 0).describe()
        'not visited a page between 2025-01-01 and 2025-02-01'
        >>> import segment_lab as sl
        >>> readers = event("email_open").count(within="30d") >= 3
        >>> sl.Workspace.demo().count(readers, as_of="2025-06-30")
        660
        """
        return EventMeasure(self, "count", _window(within, between))

    def exists(self, within: str | None = None, between: tuple | None = None) -> Rule:
        """At least one matching event in the window: ``count(...) >= 1``.

        Parameters
        ----------
        within, between
            The window, as in :meth:`count`.

        Returns
        -------
        Rule
            An :class:`~segment_lab.model.EventCondition`; negate it with ``~`` for
            "none in the window".

        Examples
        --------
        >>> from segment_lab import event
        >>> opens = event("email_open")
        >>> opens.exists(within="30d") == (opens.count(within="30d") >= 1)
        True
        >>> (~event("page_visit").exists(within="14d")).describe()
        'not visited a page in the last 14 days'
        >>> import segment_lab as sl
        >>> sl.Workspace.demo().count(event("email_open").exists(within="30d"), as_of="2025-06-30")
        1265
        """
        return self.count(within=within, between=between) >= 1

    def sum(
        self, column: str, within: str | None = None, between: tuple | None = None
    ) -> EventMeasure:
        """Sum ``column`` over matching events (0 without any).

        Parameters
        ----------
        column : str
            A numeric column of the events table.
        within, between
            The window, as in :meth:`count`.

        Returns
        -------
        EventMeasure
            Compare it with a number.

        Examples
        --------
        >>> from segment_lab import event
        >>> (event("purchase").sum("value", within="90d") >= 100).describe()
        'made a purchase with a total value of at least 100 in the last 90 days'
        >>> import segment_lab as sl
        >>> ws = sl.Workspace.demo()
        >>> ws.count(event("purchase").sum("value", within="90d") >= 100, as_of="2025-06-30")
        71
        """
        return EventMeasure(self, "sum", _window(within, between), column)

    def last_seen(self, within: str | None = None, between: tuple | None = None) -> EventMeasure:
        """Take the time of the latest matching event; comparisons are false without any.

        Parameters
        ----------
        within, between
            The window, as in :meth:`count`.

        Returns
        -------
        EventMeasure
            Compare it with a time: an ISO date or datetime, or a relative time such as
            ``"-90d"``.

        Examples
        --------
        >>> from segment_lab import event
        >>> stopped = event("purchase").last_seen() < "-90d"
        >>> stopped.describe()
        'last made a purchase more than 90 days ago'
        >>> import segment_lab as sl
        >>> sl.Workspace.demo().count(stopped, as_of="2025-06-30")
        69
        """
        return EventMeasure(self, "last_seen", _window(within, between))

    def first_seen(self, within: str | None = None, between: tuple | None = None) -> EventMeasure:
        """Take the time of the earliest matching event; comparisons are false without any.

        Parameters
        ----------
        within, between
            The window, as in :meth:`count`.

        Returns
        -------
        EventMeasure
            Compare it with a time.

        Examples
        --------
        >>> from segment_lab import event
        >>> new_buyers = event("purchase").first_seen() >= "-30d"
        >>> new_buyers.describe()
        'first made a purchase at most 30 days ago'
        >>> import segment_lab as sl
        >>> sl.Workspace.demo().count(new_buyers, as_of="2025-06-30")
        26
        """
        return EventMeasure(self, "first_seen", _window(within, between))


def event(types: str | Iterable[str]) -> EventSpec:
    """Select events of one type or any of several types.

    Parameters
    ----------
    types : str or iterable of str
        One event type, or several: an event matches when its type is any of them.

    Returns
    -------
    EventSpec
        Filter it with :meth:`~EventSpec.where` and measure it with
        :meth:`~EventSpec.count`, :meth:`~EventSpec.exists`, :meth:`~EventSpec.sum`,
        :meth:`~EventSpec.last_seen` or :meth:`~EventSpec.first_seen`.

    Raises
    ------
    InvalidValueError
        When ``types`` is empty or holds anything but non-empty strings.

    See Also
    --------
    EventSpec : The windows and what counts.

    Examples
    --------
    >>> from segment_lab import event
    >>> event(["email_open", "email_click"]).count(within="7d") >= 2
    ... # doctest: +ELLIPSIS
    EventCondition(types=('email_open', 'email_click'), measure='count', op='>=', value=2, ...)
    >>> import segment_lab as sl
    >>> engaged = event(["email_open", "email_click"]).count(within="7d") >= 2
    >>> sl.Workspace.demo().count(engaged, as_of="2025-06-30")
    193
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
    """Be a member of the catalog segment ``name`` at the same instant.

    The name resolves when a rule is evaluated, in the workspace's catalog (see
    ``Workspace.with_catalog``); a :class:`~segment_lab.Catalog` checks on
    construction that every reference names one of its segments and that there is
    no cycle.

    Parameters
    ----------
    name : str
        The segment's name.

    Returns
    -------
    Rule
        An :class:`~segment_lab.model.InSegment` node.

    Raises
    ------
    InvalidValueError
        When ``name`` is not a non-empty string.

    Examples
    --------
    >>> from segment_lab import in_segment, field
    >>> rule = in_segment("churn-risk") & (field("lifecycle_stage") == "customer")
    >>> rule.describe()
    "is in segment 'churn-risk' and Lifecycle stage is customer"

    The demo workspace's catalog holds ``churn-risk``:

    >>> import segment_lab as sl
    >>> ws = sl.Workspace.demo()
    >>> ws.count(in_segment("churn-risk"), as_of="2025-06-30") == ws.count(
    ...     ws.catalog["churn-risk"], as_of="2025-06-30")
    True
    """
    return InSegment(name)


def _rules(rules: tuple, what: str) -> tuple[Rule, ...]:
    if len(rules) == 1 and isinstance(rules[0], (list, tuple)):
        rules = tuple(rules[0])
    return rules


def all_of(*rules: Rule) -> Rule:
    """Every rule holds (AND); accepts rules or one list of rules.

    ``all_of(a, b, c)`` is ``a & b & c``.

    Parameters
    ----------
    *rules : Rule
        At least one rule, or one list of rules.

    Returns
    -------
    Rule
        An :class:`~segment_lab.model.And` node.

    Raises
    ------
    InvalidSegmentError
        When no rule is given.

    Examples
    --------
    >>> from segment_lab import all_of, field
    >>> all_of(field("city") == "Tokyo", field("points") > 100) == (
    ...     (field("city") == "Tokyo") & (field("points") > 100))
    True
    >>> all_of([field("city") == "Tokyo", field("job_title") == "CTO"]).describe()
    'City is Tokyo and Job title is CTO'
    """
    return And(_rules(rules, "all_of"))


def any_of(*rules: Rule) -> Rule:
    """At least one rule holds (OR); accepts rules or one list of rules.

    ``any_of(a, b, c)`` is ``a | b | c``.

    Parameters
    ----------
    *rules : Rule
        At least one rule, or one list of rules.

    Returns
    -------
    Rule
        An :class:`~segment_lab.model.Or` node.

    Raises
    ------
    InvalidSegmentError
        When no rule is given.

    Examples
    --------
    >>> from segment_lab import any_of, field
    >>> rule = any_of(field("city") == "Tokyo", field("city") == "London")
    >>> rule.describe()
    'City is Tokyo or City is London'
    >>> import segment_lab as sl
    >>> sl.Workspace.demo().count(rule, as_of="2025-06-30")
    756
    """
    return Or(_rules(rules, "any_of"))


def to_python(rule: Rule | Segment) -> str:
    """Write a rule (or a segment's rule) as the DSL code that builds it.

    Evaluating the code with the DSL's names in scope gives back an equal rule:
    ``eval(to_python(r), namespace) == r``, where the namespace holds ``field``,
    ``event``, ``in_segment``, ``all_of``, ``any_of`` (``datetime`` for datetime values
    of attributes, ``segment_lab.model.Not`` for a double negation).

    Parameters
    ----------
    rule : Rule or Segment
        The rule; for a segment, its rule (name, description and tags are not code).

    Returns
    -------
    str
        One Python expression, comparisons in parentheses wherever ``&``, ``|`` or
        ``~`` combine them.

    Raises
    ------
    TypeError
        When ``rule`` is neither a rule nor a segment.

    Examples
    --------
    >>> from segment_lab import field, event
    >>> from segment_lab.dsl import to_python
    >>> rule = (field("city") == "Tokyo") & (event("email_open").count(within="30d") >= 3)
    >>> code = to_python(rule)
    >>> print(code)
    (field('city') == 'Tokyo') & (event('email_open').count(within='30d') >= 3)
    >>> eval(code, {"field": field, "event": event}) == rule
    True
    >>> print(to_python(~event("page_visit").where(field("url").contains("/pricing")).exists(within="14d")))
    ~event('page_visit').where(field('url').contains('/pricing')).exists(within='14d')
    """
    if isinstance(rule, Segment):
        rule = rule.rule
    if not isinstance(rule, Rule):
        raise TypeError(
            f"to_python() takes a rule or a Segment, got {rule!r} ({type(rule).__name__})."
        )
    return rule_to_python(rule)
