"""Durations, time values and windows: pure data, parsed and validated on construction."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import ClassVar, Union

from segment_lab.errors import InvalidDurationError, InvalidTimeError, did_you_mean

__all__ = [
    "ANCHORS",
    "PERIOD_ANCHORS",
    "UNITS",
    "UNIT_WORDS",
    "AbsoluteTime",
    "Between",
    "Duration",
    "RelativeTime",
    "TimeValue",
    "Window",
    "Within",
    "add_months",
    "as_time_value",
    "parse_instant",
]

#: Seconds per fixed-length duration unit.
FIXED_UNITS: dict[str, int] = {"s": 1, "min": 60, "h": 3600, "d": 86400, "w": 604800}
#: Months per calendar unit: a calendar month or quarter has no fixed length.
CALENDAR_UNITS: dict[str, int] = {"mo": 1, "q": 3}
#: Every duration unit (fixed: seconds per unit; calendar: months per unit).
UNITS: dict[str, int] = {**FIXED_UNITS, **CALENDAR_UNITS}
#: The word for each duration unit, in the singular ("30d" reads "30 days").
UNIT_WORDS: dict[str, str] = {
    "s": "second", "min": "minute", "h": "hour", "d": "day", "w": "week",
    "mo": "month", "q": "quarter",
}  # fmt: skip
#: Named instants relative to the evaluation instant t.
ANCHORS = ("now", "today", "yesterday", "tomorrow", "week_start", "month_start", "year_start")
#: Anchors that are the start of t's calendar period, with the period's truncation unit
#: (a week starts on Monday at 00:00, a month on its 1st, a year on January 1st).
PERIOD_ANCHORS: dict[str, str] = {"week_start": "W", "month_start": "M", "year_start": "Y"}
_DAY_ANCHORS: dict[str, int] = {"today": 0, "yesterday": -1, "tomorrow": 1}
_ANCHOR_ALT = "|".join(ANCHORS)

_UNIT_ALT = "min|mo|s|h|d|w|q"
_DURATION = re.compile(rf"^\s*([+-]?)\s*(\d+)\s*({_UNIT_ALT})\s*$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?$")


@dataclass(frozen=True)
class Duration:
    """A signed length of time in one unit, e.g. ``Duration(-30, "d")`` or ``Duration(3, "mo")``.

    Calendar units (``mo``, ``q``) are whole calendar months: ``t - 1mo`` keeps the
    time of day and clips the day at the month's end, as pandas' ``DateOffset`` does.
    """

    amount: int
    unit: str = "d"
    kind: ClassVar[str] = "duration"

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise InvalidDurationError(
                f"Duration amount must be a whole number, got {self.amount!r}."
            )
        if self.unit not in UNITS:
            raise InvalidDurationError(
                f"Unknown duration unit {self.unit!r}; use one of {', '.join(UNITS)}."
                + did_you_mean(self.unit, UNITS)
            )

    @classmethod
    def parse(cls, text: str | Duration) -> Duration:
        """Parse ``"30d"``, ``"-12h"``, ``"+2w"``, ``"90min"``, ``"45s"``, ``"6mo"``, ``"1q"``.

        >>> Duration.parse("-90min")
        Duration(amount=-90, unit='min')
        >>> Duration.parse("6mo")
        Duration(amount=6, unit='mo')
        """
        if isinstance(text, Duration):
            return text
        if not isinstance(text, str):
            raise InvalidDurationError(
                f"A duration must be a string like '30d', got {text!r} ({type(text).__name__})."
            )
        m = _DURATION.match(text)
        if not m:
            raise InvalidDurationError(
                f"Invalid duration {text!r}: write a whole number and a unit, "
                f"e.g. '30d', '12h', '90min', '2w', '45s', '3mo', '1q' (units: {', '.join(UNITS)}; "
                f"one unit per duration)."
            )
        sign, amount, unit = m.groups()
        return cls(-int(amount) if sign == "-" else int(amount), unit)

    @property
    def is_calendar(self) -> bool:
        """Whether the unit is a calendar month or quarter (no fixed length).

        Examples
        --------
        >>> Duration(1, "q").is_calendar, Duration(30, "d").is_calendar
        (True, False)
        """
        return self.unit in CALENDAR_UNITS

    @property
    def months(self) -> int:
        """Signed number of calendar months (0 for fixed-length units).

        Examples
        --------
        >>> Duration(-2, "q").months
        -6
        """
        return self.amount * CALENDAR_UNITS.get(self.unit, 0)

    @property
    def seconds(self) -> int:
        """Signed length in seconds (fixed-length units only).

        Raises
        ------
        InvalidDurationError
            For calendar units: a month has 28 to 31 days.

        Examples
        --------
        >>> Duration(2, "w").seconds
        1209600
        """
        if self.is_calendar:
            raise InvalidDurationError(
                f"{self} is in calendar {UNIT_WORDS[self.unit]}s, which have no fixed length "
                f"in seconds; use add_months() to apply it to an instant."
            )
        return self.amount * UNITS[self.unit]

    def span_seconds(self) -> tuple[int, int]:
        """Return the shortest and longest length in seconds (they differ for calendar units).

        Examples
        --------
        >>> Duration(1, "mo").span_seconds()
        (2419200, 2678400)
        """
        if not self.is_calendar:
            return self.seconds, self.seconds
        # n consecutive months: never fewer than 28 days each, never more than 31
        short, long_ = self.months * 28 * 86400, self.months * 31 * 86400
        return (short, long_) if self.months >= 0 else (long_, short)

    def add_to(self, t: dt.datetime) -> dt.datetime:
        """Return ``t`` plus this duration (calendar units: months, day clipped at month end).

        Examples
        --------
        >>> import datetime as dt
        >>> Duration(-1, "mo").add_to(dt.datetime(2025, 3, 31, 10, 0))
        datetime.datetime(2025, 2, 28, 10, 0)
        """
        if self.is_calendar:
            return add_months(t, self.months)
        return t + dt.timedelta(seconds=self.seconds)

    def to_timedelta(self) -> dt.timedelta:
        """Return the signed length as a :class:`datetime.timedelta`.

        Examples
        --------
        >>> Duration.parse("-12h").to_timedelta()
        datetime.timedelta(days=-1, seconds=43200)
        """
        if self.is_calendar:
            raise InvalidDurationError(
                f"{self} is in calendar {UNIT_WORDS[self.unit]}s, which have no fixed length."
            )
        return dt.timedelta(seconds=self.seconds)

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    def __neg__(self) -> Duration:
        return Duration(-self.amount, self.unit)


def add_months(t: dt.datetime, months: int) -> dt.datetime:
    """Return ``t`` shifted by whole calendar months, the day clipped at the month's end.

    The time of day is kept, as pandas' ``DateOffset(months=...)`` and SQL's
    ``t + INTERVAL n MONTH`` do.

    Examples
    --------
    >>> import datetime as dt
    >>> add_months(dt.datetime(2024, 3, 31, 9, 30), -1)
    datetime.datetime(2024, 2, 29, 9, 30)
    >>> add_months(dt.datetime(2025, 1, 31), 3)
    datetime.datetime(2025, 4, 30, 0, 0)
    """
    index = t.year * 12 + (t.month - 1) + months
    year, month = divmod(index, 12)
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise OverflowError(f"{t} {months:+d} months is beyond the calendar")
    return t.replace(year=year, month=month + 1, day=min(t.day, _days_in(year, month + 1)))


def _days_in(year: int, month: int) -> int:
    nxt = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    return (nxt - dt.timedelta(days=1)).day


@dataclass(frozen=True)
class AbsoluteTime:
    """A fixed instant (naive UTC)."""

    value: dt.datetime
    kind: ClassVar[str] = "time"

    def __post_init__(self) -> None:
        if not isinstance(self.value, dt.datetime):
            raise InvalidTimeError(f"AbsoluteTime needs a datetime, got {self.value!r}.")
        if self.value.tzinfo is not None:
            utc = self.value.astimezone(dt.timezone.utc).replace(tzinfo=None)
            object.__setattr__(self, "value", utc)

    def resolve(self, t: dt.datetime) -> dt.datetime:
        """Return the instant itself, whatever the evaluation instant ``t``.

        Examples
        --------
        >>> import datetime as dt
        >>> AbsoluteTime(dt.datetime(2025, 1, 1)).resolve(dt.datetime(2025, 6, 30))
        datetime.datetime(2025, 1, 1, 0, 0)
        """
        return self.value

    def __str__(self) -> str:
        v = self.value
        if v == dt.datetime(v.year, v.month, v.day):
            return v.date().isoformat()
        return v.isoformat()


@dataclass(frozen=True)
class RelativeTime:
    """An instant relative to the evaluation instant t: ``anchor`` plus ``offset``.

    ``now`` is t itself; ``today``, ``yesterday`` and ``tomorrow`` are midnights of
    t's day (offset by -1/+1 day); ``week_start``, ``month_start`` and ``year_start``
    are the first instants of t's calendar week (Monday 00:00), month and year.  A
    week start takes fixed offsets only (``week_start-1w`` is last week's start).
    """

    anchor: str = "now"
    offset: Duration | None = None
    kind: ClassVar[str] = "time"

    def __post_init__(self) -> None:
        if self.anchor not in ANCHORS:
            raise InvalidTimeError(
                f"Unknown time anchor {self.anchor!r}; use one of {', '.join(ANCHORS)}."
                + did_you_mean(self.anchor, ANCHORS)
            )
        if self.offset is not None and not isinstance(self.offset, Duration):
            object.__setattr__(self, "offset", Duration.parse(self.offset))
        if self.anchor == "week_start" and self.is_calendar:
            raise InvalidTimeError(
                f"week_start{self.offset.amount:+d}{self.offset.unit}: a week start takes a "  # type: ignore[union-attr]
                f"fixed offset in weeks or days (e.g. 'week_start-1w'); calendar months "
                f"would land on other weekdays."
            )

    @property
    def is_calendar(self) -> bool:
        """Whether the offset is in calendar months or quarters."""
        return self.offset is not None and self.offset.is_calendar

    @property
    def months(self) -> int:
        """The offset in calendar months (0 unless :attr:`is_calendar`)."""
        return self.offset.months if self.offset is not None else 0

    @property
    def shift(self) -> dt.timedelta:
        """How far this value lies from its base, in fixed time.

        The base is t itself for ``now``, else the midnight of t's day
        (``yesterday-1d`` is two days before that midnight).  A calendar offset is
        not part of it: :attr:`months` are added after the shift (``yesterday-1mo``
        is one calendar month before yesterday's midnight).
        """
        days = _DAY_ANCHORS.get(self.anchor, 0)
        if self.offset is None or self.offset.is_calendar:
            return dt.timedelta(days=days)
        return dt.timedelta(days=days) + self.offset.to_timedelta()

    def resolve(self, t: dt.datetime) -> dt.datetime:
        """Return the instant this value denotes when evaluating at ``t``.

        Parameters
        ----------
        t : datetime.datetime
            The evaluation instant (naive UTC).

        Returns
        -------
        datetime.datetime

        Examples
        --------
        >>> import datetime as dt
        >>> t = dt.datetime(2025, 6, 30, 15, 0)
        >>> as_time_value("-30d").resolve(t)
        datetime.datetime(2025, 5, 31, 15, 0)
        >>> as_time_value("yesterday").resolve(t)
        datetime.datetime(2025, 6, 29, 0, 0)
        >>> as_time_value("-4mo").resolve(t)
        datetime.datetime(2025, 2, 28, 15, 0)
        >>> as_time_value("week_start-1w").resolve(t)     # t is a Monday: last week's start
        datetime.datetime(2025, 6, 23, 0, 0)
        >>> as_time_value("year_start+12mo").resolve(t)
        datetime.datetime(2026, 1, 1, 0, 0)
        """
        base = period_start(t, self.anchor)
        return add_months(base + self.shift, self.months) if self.months else base + self.shift

    def __str__(self) -> str:
        if self.offset is None:
            return self.anchor
        off = f"{'+' if self.offset.amount >= 0 else ''}{self.offset}"
        return off if self.anchor == "now" else f"{self.anchor}{off}"


TimeValue = Union[AbsoluteTime, RelativeTime]


def period_start(t: dt.datetime, anchor: str) -> dt.datetime:
    """Return the base of ``anchor`` at ``t``: t itself, its midnight, or its period's start.

    Examples
    --------
    >>> import datetime as dt
    >>> period_start(dt.datetime(2024, 6, 1, 12, 0), "week_start")  # a Saturday
    datetime.datetime(2024, 5, 27, 0, 0)
    >>> period_start(dt.datetime(2024, 6, 1, 12, 0), "year_start")
    datetime.datetime(2024, 1, 1, 0, 0)
    """
    if anchor == "now":
        return t
    day = dt.datetime(t.year, t.month, t.day)
    if anchor == "week_start":
        return day - dt.timedelta(days=day.weekday())
    if anchor == "month_start":
        return day.replace(day=1)
    if anchor == "year_start":
        return day.replace(month=1, day=1)
    return day


def looks_relative(text: str) -> bool:
    """Tell whether ``text`` is in the relative grammar: ``now``, ``today``, ``-30d``, ``today-1d`` ..."""
    s = text.strip()
    anchored = rf"^({_ANCHOR_ALT})?\s*[+-]\s*\d+\s*({_UNIT_ALT})$"
    return s in ANCHORS or bool(re.match(anchored, s))


def parse_instant(text: str) -> dt.datetime:
    """Parse an ISO date or datetime (naive UTC; an offset is converted to UTC)."""
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidTimeError(
            f"Invalid time {text!r}: use an ISO date ('2024-03-01'), an ISO datetime "
            f"('2024-03-01T09:30:00'), or a relative form: now, today, yesterday, "
            f"tomorrow, week_start, month_start, year_start, '-30d', '+2w', '-12h', '-90min', "
            f"'-6mo', '-1q', 'week_start-1w'." + did_you_mean(text.strip(), ANCHORS)
        ) from None
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


def as_time_value(value: object) -> TimeValue:
    """Coerce a datetime, date, ISO string or relative string to a time value.

    >>> as_time_value("-30d")
    RelativeTime(anchor='now', offset=Duration(amount=-30, unit='d'))
    >>> as_time_value("2024-05-01")
    AbsoluteTime(value=datetime.datetime(2024, 5, 1, 0, 0))
    """
    if isinstance(value, (AbsoluteTime, RelativeTime)):
        return value
    if isinstance(value, dt.datetime):
        return AbsoluteTime(value)
    if isinstance(value, dt.date):
        return AbsoluteTime(dt.datetime(value.year, value.month, value.day))
    if not isinstance(value, str):
        raise InvalidTimeError(
            f"Expected a time (ISO date, datetime or relative form like '-30d'), got "
            f"{value!r} ({type(value).__name__})."
        )
    s = value.strip()
    if s in ANCHORS:
        return RelativeTime(s)
    m = re.match(rf"^({_ANCHOR_ALT})?\s*([+-].*)$", s)
    if m and not _ISO.match(s):
        return RelativeTime(m.group(1) or "now", Duration.parse(m.group(2)))
    return AbsoluteTime(parse_instant(s))


@dataclass(frozen=True)
class Within:
    """The sliding window ``(t - duration, t]``."""

    duration: Duration
    kind: ClassVar[str] = "within"

    def __post_init__(self) -> None:
        d = Duration.parse(self.duration)
        if d.amount <= 0:
            raise InvalidDurationError(
                f"A window length must be positive, got {str(d)!r}: write within='30d'."
            )
        object.__setattr__(self, "duration", d)

    def bounds(self, t: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        """Return ``(lo, hi)`` with lo exclusive and hi inclusive.

        Examples
        --------
        >>> import datetime as dt
        >>> Within("30d").bounds(dt.datetime(2025, 6, 30, 15, 0))
        (datetime.datetime(2025, 5, 31, 15, 0), datetime.datetime(2025, 6, 30, 15, 0))
        >>> Within("1mo").bounds(dt.datetime(2025, 3, 31, 15, 0))[0]
        datetime.datetime(2025, 2, 28, 15, 0)
        """
        return (-self.duration).add_to(t), t


@dataclass(frozen=True)
class Between:
    """The fixed window ``[start, end)``, clipped at t (events after t are never seen)."""

    start: TimeValue
    end: TimeValue
    kind: ClassVar[str] = "between"

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", as_time_value(self.start))
        object.__setattr__(self, "end", as_time_value(self.end))
        probe = dt.datetime(2000, 1, 1, 12)
        comparable = type(self.start) is type(self.end) and (
            isinstance(self.start, AbsoluteTime) or self.start.anchor == self.end.anchor
        )
        if comparable and _later(self.start, self.end, probe):
            raise InvalidTimeError(
                f"Window between=({str(self.start)!r}, {str(self.end)!r}) starts after it "
                f"ends; swap the two values."
            )

    def bounds(self, t: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        """Return ``(lo, hi)`` with lo inclusive and hi exclusive (before clipping at t).

        Examples
        --------
        >>> import datetime as dt
        >>> Between("-7d", "today").bounds(dt.datetime(2025, 6, 30, 15, 0))
        (datetime.datetime(2025, 6, 23, 15, 0), datetime.datetime(2025, 6, 30, 0, 0))
        """
        return self.start.resolve(t), self.end.resolve(t)


def _later(a: TimeValue, b: TimeValue, probe: dt.datetime) -> bool:
    """Whether ``a`` resolves after ``b`` at ``probe`` (False beyond the calendar)."""
    try:
        return a.resolve(probe) > b.resolve(probe)
    except OverflowError:
        return False


Window = Union[Within, Between]
