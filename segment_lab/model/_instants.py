"""Turn user-given instants (datetimes, ISO strings, relative forms) into naive UTC datetimes."""

from __future__ import annotations

import datetime as dt

from segment_lab.errors import InvalidTimeError
from segment_lab.model._time import Duration, as_time_value

__all__ = ["resolve_instant", "resolve_every"]


def resolve_instant(value: object, now: dt.datetime, what: str = "as_of") -> dt.datetime:
    """``value`` as a naive UTC datetime; ``None`` is ``now``; relative forms count from ``now``."""
    if value is None:
        return now
    try:
        out = as_time_value(value).resolve(now)
    except InvalidTimeError as exc:
        raise InvalidTimeError(f"{what}: {exc}") from None
    if hasattr(out, "to_pydatetime"):
        out = out.to_pydatetime()
    return out.replace(tzinfo=None) if out.tzinfo else out


def resolve_every(every: object) -> tuple[dt.timedelta | None, int, str]:
    """Read a positive grid step: ``"1d"``, ``"6h"``, ``"1w"``, ``"1mo"``, ``"1q"`` or a timedelta.

    Returns ``(step, months, unit)``: a fixed step and 0, or None and a number of
    calendar months; ``unit`` is the duration's unit (``""`` for a timedelta).

    Examples
    --------
    >>> resolve_every("1q")
    (None, 3, 'q')
    >>> resolve_every("2w")
    (datetime.timedelta(days=14), 0, 'w')
    """
    if isinstance(every, dt.timedelta):
        step, months, unit = every, 0, ""
    else:
        d = Duration.parse(every)  # type: ignore[arg-type]
        step, months, unit = (
            (None, d.months, d.unit) if d.is_calendar else (d.to_timedelta(), 0, d.unit)
        )
    if (step is not None and step <= dt.timedelta(0)) or (step is None and months <= 0):
        raise InvalidTimeError(f"every must be a positive duration like '1d', got {every!r}.")
    return step, months, unit
