"""Mautic's date filter values as segment_lab rules (a Mautic instance in UTC).

Mautic classifies a date value as a keyword (``today``, ``last week`` ...), a relative
interval (``-30 days``, ``+1 week``, ``2 weeks ago``) or an absolute date, then turns the
operator into a comparison with the start or the end of the period the value names.
"""

from __future__ import annotations

import re

from segment_lab.errors import MauticFormatError, did_you_mean
from segment_lab.model import AbsoluteTime, Compare, IsNull, Not, Rule
from segment_lab.model._time import parse_instant

__all__ = ["KEYWORDS", "Unsupported", "date_rule", "period_of"]

#: Mautic's en_US keywords: the period each names, as [start, end) time values.
KEYWORDS: dict[str, tuple[str, str]] = {
    "today": ("today", "tomorrow"),
    "tomorrow": ("tomorrow", "tomorrow+1d"),
    "yesterday": ("yesterday", "today"),
    "this week": ("week_start", "week_start+1w"),
    "last week": ("week_start-1w", "week_start"),
    "next week": ("week_start+1w", "week_start+2w"),
    "this month": ("month_start", "month_start+1mo"),
    "last month": ("month_start-1mo", "month_start"),
    "next month": ("month_start+1mo", "month_start+2mo"),
    "this year": ("year_start", "year_start+12mo"),
    "last year": ("year_start-12mo", "year_start"),
    "next year": ("year_start+12mo", "year_start+24mo"),
}
_UNIT = r"(days?|weeks?|hours?|minutes?|mins?)"
_SIGNED = re.compile(rf"^([+-])\s*(\d+)\s*{_UNIT}$")
_AGO = re.compile(rf"^(\d+)\s*{_UNIT}\s+ago$")
#: minutes per unit of a relative interval
_MINUTES = {"day": 1440, "week": 10080, "hour": 60, "minute": 1, "min": 1}
_OTHER_UNIT = re.compile(r"^(?:[+-]\s*\d+\s*|\d+\s*)([a-z]+)(?:\s+ago)?$")


class Unsupported(Exception):
    """A filter that has no exact equivalent; the message is the reason."""


def _span(start: str, end: str, op: str, name: str) -> Rule:
    """``op`` against the period ``[start, end)``, as Mautic's keyword decorators do.

    ``=`` is "inside the period" (``LIKE 'Y-m-d%'`` or ``BETWEEN start AND end - 1s``),
    ``lt``/``gte`` compare with the start, ``gt``/``lte`` with the end minus one second,
    which on Mautic's whole-second DATETIME columns is ``>= end`` / ``< end``.
    """
    inside = Compare(name, ">=", start) & Compare(name, "<", end)
    rules = {
        "=": lambda: inside,
        "!=": lambda: Not(inside),
        "lt": lambda: Compare(name, "<", start),
        "gte": lambda: Compare(name, ">=", start),
        "gt": lambda: Compare(name, ">=", end),
        "lte": lambda: Compare(name, "<", end),
    }
    if op not in rules:
        raise Unsupported(f"operator {op!r} on a date keyword has no meaning in Mautic")
    return rules[op]()


def _day_offset(text: str) -> int | None:
    """Days of a relative interval (``-30 days``, ``+1 week``, ``2 weeks ago``), else None.

    Mautic moves today's midnight by the interval, then keeps the date only (``Y-m-d``),
    so ``-16 hours`` is yesterday (its issue #15191): the days are rounded down.
    """
    m = _SIGNED.match(text)
    if m:
        sign, n, unit = m.groups()
        minutes = int(n) * _MINUTES[unit.rstrip("s")]
        return (-minutes if sign == "-" else minutes) // 1440
    m = _AGO.match(text)
    if m:
        n, unit = m.groups()
        return (-int(n) * _MINUTES[unit.rstrip("s")]) // 1440
    return None


def period_of(value: str) -> tuple[str, str] | None:
    """Return the ``[start, end)`` a keyword or day interval names (the day for intervals).

    Examples
    --------
    >>> period_of("last week")
    ('week_start-1w', 'week_start')
    >>> period_of("-30 days")
    ('today-30d', 'today-29d')
    """
    if value in KEYWORDS:
        return KEYWORDS[value]
    days = _day_offset(value.strip().lower())
    if days is None:
        return None
    return _today(days), _today(days + 1)


def _today(days: int) -> str:
    return "today" if days == 0 else f"today{days:+d}d"


def _interval_rule(days: int, op: str, name: str) -> Rule:
    """Compare with a relative interval: the day for ``=``/``!=``, its midnight for the other operators."""
    if op in ("=", "!="):
        return _span(_today(days), _today(days + 1), op, name)
    cmp = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
    return Compare(name, cmp, _today(days))


def _absolute_rule(value: object, op: str, name: str) -> Rule:
    if not isinstance(value, str):
        raise MauticFormatError(
            f"a date value must be a string such as '2024-05-01', 'today' or '-30 days', "
            f"got {value!r} ({type(value).__name__})"
        )
    try:
        when = AbsoluteTime(parse_instant(value))
    except ValueError:
        words = [*KEYWORDS, "-30 days", "+1 week", "2 weeks ago"]
        raise MauticFormatError(
            f"{value!r} is not a date Mautic understands: use an absolute date "
            f"('2024-05-01', '2024-05-01 09:30:00'), a keyword ({', '.join(KEYWORDS)}) "
            f"or a relative interval ('-30 days', '+1 week', '2 weeks ago')."
            + did_you_mean(value.strip().lower(), words)
        ) from None
    cmp = {"=": "==", "!=": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
    return Compare(name, cmp, when)


def date_rule(value: object, op: str, name: str) -> Rule:
    """Return the rule for ``name op value`` on a Mautic date or datetime field.

    Raises
    ------
    Unsupported
        Anniversaries, ``first day of`` forms and month, year or hour offsets.
    MauticFormatError
        A value that is no date.

    Examples
    --------
    >>> date_rule("last month", "=", "last_active").describe()
    'Last active is on or after the start of last month and Last active is before the start of this month'
    >>> date_rule("-30 days", "gt", "last_active").describe()
    'Last active is after 30 days before today'
    """
    if op in ("empty", "!empty"):
        return IsNull(name, negate=op == "!empty")
    if op not in ("=", "!=", "gt", "gte", "lt", "lte"):
        raise Unsupported(f"operator {op!r} compares a date as text, which rules do not do")
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str) and text in KEYWORDS:
        return _span(*KEYWORDS[text], op, name)
    if isinstance(text, str):
        _refuse(text.lower())
        days = _day_offset(text.lower())
        if days is not None:
            return _interval_rule(days, op, name)
    return _absolute_rule(value, op, name)


def _refuse(text: str) -> None:
    """Raise Unsupported for Mautic date forms with no exact time value."""
    if "birthday" in text or "anniversary" in text:
        raise Unsupported("anniversaries match a day of the year, which no time value expresses")
    if "first day of" in text or "last day of" in text:
        raise Unsupported("'first day of' / 'last day of' intervals are not supported")
    m = _OTHER_UNIT.match(text)
    if m and _day_offset(text) is None:
        unit = m.group(1)
        if unit.startswith(("month", "year")):
            raise Unsupported(
                f"{unit} offsets use PHP's overflowing month arithmetic (2024-03-31 -1 month "
                f"is 2024-03-02), which no time value expresses; use days or weeks"
            )
        raise Unsupported(f"offsets in {unit} are not supported (days, weeks, hours, minutes)")
