"""What the analytics share: named segment lists and period arithmetic."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from segment_lab.engine import as_rule
from segment_lab.errors import InvalidValueError
from segment_lab.model._instants import resolve_every
from segment_lab.model._nodes import And, Rule
from segment_lab.model._segment import Catalog, Segment

if TYPE_CHECKING:
    from segment_lab.workspace import Workspace

__all__ = [
    "Named",
    "check_workspace",
    "conditions",
    "named_segments",
    "periods",
]


@dataclass(frozen=True)
class Named:
    """One segment of an analysis: its display name, its own rule and the inlined rule."""

    name: str
    rule: Rule
    resolved: Rule


def check_workspace(ws: object, what: str) -> None:
    from segment_lab.workspace import Workspace

    if not isinstance(ws, Workspace):
        raise InvalidValueError(
            f"{what}() takes a Workspace first (e.g. sl.Workspace.demo()), got {ws!r}."
        )


def named_segments(ws: Workspace, segments: Any, what: str) -> list[Named]:
    """Turn a segment, a rule, a name, a list of them or a catalog into :class:`Named` items.

    A str names a segment of the workspace's catalog (:meth:`Workspace.lookup`).
    """
    if isinstance(segments, (Segment, Rule, str)):
        items = [segments]
    elif isinstance(segments, (Catalog, Iterable)) and not isinstance(segments, (str, bytes)):
        items = list(segments)
    else:
        raise InvalidValueError(
            f"{what}() needs a segment, a rule, a catalog segment's name, a list of them or a "
            f"catalog; got {segments!r}."
        )
    if not items:
        raise InvalidValueError(f"{what}() got an empty list of segments.")
    out = []
    for i, item in enumerate(map(ws.lookup, items)):
        rule, name = as_rule(item)
        out.append(Named(name or f"rule_{i}", rule, ws.resolve(item)))
    names = [n.name for n in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InvalidValueError(f"{what}() got two segments named {dupes[0]!r}; names must differ.")
    return out


def periods(lookback: Any, step: dt.timedelta | int) -> int:
    """``lookback`` (a number of periods or a duration) as a whole number of periods.

    ``step`` is the grid's step: a timedelta, or a number of calendar months.
    """
    if isinstance(lookback, int) and not isinstance(lookback, bool):
        n = lookback
    else:
        span, months, _ = resolve_every(lookback)
        if isinstance(step, int) != (span is None):
            raise InvalidValueError(
                f"lookback {lookback!r} and the grid's step must both be in calendar months "
                f"('3mo', '1q') or both in fixed units ('4w'); or give a number of periods."
            )
        n, rest = divmod(months, step) if span is None else divmod(span, step)
        if rest:
            raise InvalidValueError(
                f"lookback {lookback!r} is not a whole number of periods of {step}."
            )
    if n < 1:
        raise InvalidValueError(f"lookback must be at least one period, got {lookback!r}.")
    return int(n)


def conditions(rule: Rule) -> tuple[Rule, ...]:
    """Return the conditions of a top-level AND (a single condition otherwise)."""
    return rule.rules if isinstance(rule, And) else (rule,)
