"""The warning for attributes read at a past instant without a history of their values."""

from __future__ import annotations

import datetime as dt
import os
import sys
import warnings
from typing import TYPE_CHECKING

from segment_lab.engine._asof import used_fields
from segment_lab.engine._intervals import LO
from segment_lab.errors import CurrentValueWarning

if TYPE_CHECKING:
    from segment_lab.engine._schema import Tables
    from segment_lab.model._nodes import Rule

__all__ = ["caller_stacklevel", "stale_fields", "warn_current"]

#: The package's folder: warnings point at the first frame outside it.
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def stale_fields(rule: Rule, tables: Tables) -> list[str]:
    """Return the contact fields ``rule`` reads whose past values are unknown.

    Those are fields with no contact_history bound that are not declared static
    (``Bindings(static=...)``); the contact id and ``created_at`` never change.
    """
    b = tables.bindings
    skip = {b.contact_id, b.created_at, *b.static, *tables.history_attrs}
    return [f for f in used_fields(rule) if f not in skip]


def warn_current(
    rule: Rule, tables: Tables, earliest: dt.datetime | None, now: dt.datetime
) -> None:
    """Warn when ``rule`` reads fields without history for an instant before ``now``.

    ``earliest`` is the first instant evaluated (None: all the past).  The
    :class:`~segment_lab.errors.CurrentValueWarning` points at the first caller
    outside segment_lab.
    """
    if earliest is not None and earliest >= now:
        return
    stale = stale_fields(rule, tables)
    if not stale:
        return
    names = ", ".join(map(repr, stale))
    what = f"Attribute {names} has" if len(stale) == 1 else f"Attributes {names} have"
    when = (
        "past instants"
        if earliest is None or earliest <= LO
        else f"{earliest:%Y-%m-%d %H:%M}, a past instant"
    )
    warnings.warn(
        f"{what} no history bound, so current values were used for "
        f"{when}. Bind a contact_history table "
        f"(SCD2) or declare unchanging attributes with sl.Bindings(static=(...)).",
        CurrentValueWarning,
        stacklevel=caller_stacklevel(),
    )


def caller_stacklevel() -> int:
    """Return the ``stacklevel`` that points a warning at the first frame outside segment_lab."""
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level
