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


def resolve_every(every: object) -> dt.timedelta:
    """Read a positive grid step such as ``"1d"``, ``"6h"``, ``"1w"`` or a timedelta."""
    if isinstance(every, dt.timedelta):
        step = every
    else:
        step = Duration.parse(every).to_timedelta()  # type: ignore[arg-type]
    if step <= dt.timedelta(0):
        raise InvalidTimeError(f"every must be a positive duration like '1d', got {every!r}.")
    return step
