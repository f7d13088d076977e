"""Comparisons with times relative to t, solved for t.

``x > -30d`` holds at the instants t with ``x > t - 30d``, that is ``t < x + 30d``:
per row, a comparison with a relative time holds on an interval of t (two for
``!=``), which :func:`solve_time` computes exactly.  Relative times are ``t + s``
(anchor ``now``), ``midnight(t) + s`` (``today``, ``yesterday``, ``tomorrow``) or
``start(t) + s`` with ``start`` the first instant of t's week, month or year.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ibis

from segment_lab.engine._attributes import COMPARE
from segment_lab.engine._dispatch import register_each, rule_walk
from segment_lab.engine._grid import DAY, HI, LO, US, timestamp
from segment_lab.errors import InvalidValueError, UnsupportedNodeError
from segment_lab.model._nodes import (
    ATTRIBUTE_NODES,
    And,
    Compare,
    IsEmpty,
    IsIn,
    IsNull,
    ListHas,
    Not,
    Or,
    Range,
    Rule,
    TextMatch,
)
from segment_lab.model._time import PERIOD_ANCHORS, AbsoluteTime, RelativeTime

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "bound_hi",
    "bound_lo",
    "check_time_field",
    "has_relative",
    "solve_time",
    "split_relative",
]


def _shift(tv: RelativeTime) -> ibis.Value | None:
    secs = int(tv.shift.total_seconds())
    return ibis.interval(seconds=secs) if secs else None


def _unshift(x: ir.Value, tv: RelativeTime) -> ir.Value:
    """``x - shift``: ``x op anchor(t) + shift`` is ``x - shift op anchor(t)``."""
    shift = _shift(tv)
    return x - shift if shift is not None else x


def solve_time(rows: ir.Table, x: ir.Value, op: str, tv: Any) -> list[ir.Table]:
    """Pieces of the rows' ``[lo, hi)`` where ``x op tv.resolve(t)`` holds, as tables.

    ``x`` is a timestamp per row; ``tv`` an absolute or relative time.
    """
    rows = rows.filter(x.notnull())  # NULL never compares (LEAST/GREATEST would skip it)
    if isinstance(tv, AbsoluteTime):
        return [rows.filter(COMPARE[op](x, tv.value).fill_null(False)).select("cid", "lo", "hi")]
    if tv.anchor in PERIOD_ANCHORS:
        # start(t) + n months is the start of a month too, so it compares with x as
        # start(t) does with x - n months (clipping keeps x's month and exactness)
        y = x - ibis.interval(months=tv.months) if tv.months else _unshift(x, tv)
        return _against_floor(rows, y, op, tv.anchor)
    if tv.is_calendar:
        return _against_calendar(rows, x, op, tv)
    y = _unshift(x, tv)
    if tv.anchor == "now":
        return _against_now(rows, y, op)
    return _against_floor(rows, y, op, "today")


def _piece(rows: ir.Table, a: Any, b: Any, cond: Any = None) -> ir.Table:
    """Return the rows' ``[a, b)`` where ``cond`` holds (and the interval is not empty)."""
    out = rows.select(cid=rows.cid, lo=a, hi=b, ok=cond if cond is not None else True)
    return out.filter(out.ok & (out.lo < out.hi)).select("cid", "lo", "hi")


def _against_now(rows: ir.Table, y: ir.Value, op: str) -> list[ir.Table]:
    """Where ``y op t`` holds."""
    lo, hi, after = rows.lo, rows.hi, y + US
    if op == "!=":
        return [_piece(rows, lo, ibis.least(hi, y)), _piece(rows, ibis.greatest(lo, after), hi)]
    bounds = {
        ">": (lo, ibis.least(hi, y)),
        ">=": (lo, ibis.least(hi, after)),
        "<": (ibis.greatest(lo, after), hi),
        "<=": (ibis.greatest(lo, y), hi),
        "==": (ibis.greatest(lo, y), ibis.least(hi, after)),
    }[op]
    return [_piece(rows, *bounds)]


def _period(anchor: str) -> tuple[str, ibis.Value]:
    """Return the truncation unit and length of the period whose start ``anchor`` names."""
    unit = PERIOD_ANCHORS.get(anchor, "D")
    step = {"D": DAY, "W": ibis.interval(days=7), "M": ibis.interval(months=1)}.get(
        unit, ibis.interval(months=12)
    )
    return unit, step


def _against_floor(rows: ir.Table, y: ir.Value, op: str, anchor: str) -> list[ir.Table]:
    """Where ``y op start(t)`` holds, ``start`` t's midnight or its period's first instant.

    ``start(t)`` is a step function of t, so each comparison holds on one interval of
    t (two for ``!=``), bounded by the starts of the periods around ``y``.
    """
    lo, hi = rows.lo, rows.hi
    unit, step = _period(anchor)
    floor = y.truncate(unit)
    exact = y == floor
    if op == "!=":
        return [
            _piece(rows, lo, hi, ~exact),
            _piece(rows, lo, ibis.least(hi, floor), exact),
            _piece(rows, ibis.greatest(lo, floor + step), hi, exact),
        ]
    if op == "==":
        return [_piece(rows, ibis.greatest(lo, floor), ibis.least(hi, floor + step), exact)]
    ceil = ibis.ifelse(exact, floor, floor + step)
    bounds = {
        ">": (lo, ibis.least(hi, ceil)),
        ">=": (lo, ibis.least(hi, floor + step)),
        "<": (ibis.greatest(lo, floor + step), hi),
        "<=": (ibis.greatest(lo, ceil), hi),
    }[op]
    return [_piece(rows, *bounds)]


# -- calendar offsets ------------------------------------------------------------------
# g(u) = u + n months (day clipped at month end, time of day kept) is not monotone in u:
# 03-28 23:00 + (-1mo) = 02-28 23:00, but 03-29 01:00 + (-1mo) = 02-28 01:00.  For y in
# month Y, let q = y - n months (in month T = Y - n).  Then {u : g(u) < y} is
#   (-inf, A)  with A = q, or the first instant of T's next month when q was clipped,
# and, when y lies on the last day of its month and T has more days, the pieces
#   [midnight(q) + k days, q + k days)  for k = 1.. while still in month T
# (on those days of T, g(u) is y's day at u's time of day).  g(u) == y exactly at
# q (unclipped) and at q + k days (same k).  Sets are lists of (start, end, valid),
# sorted and valid in a prefix.
_PIECES = (1, 2, 3)  # a month has at most 3 days more than another


def _days(k: int) -> ibis.Value:
    return ibis.interval(days=k)


def _calendar_parts(y: ir.Value, n: int) -> tuple[ir.Value, ir.Value, list]:
    """Return ``(A, clipped, extra)``: the bound of ``{u : g(u) < y}`` and its later pieces."""
    q = y - ibis.interval(months=n) if n else y
    clipped = q.day() != y.day()
    a = ibis.ifelse(clipped, q.truncate("M") + ibis.interval(months=1), q)
    last_day = (y.truncate("D") + DAY).day() == 1
    day0 = q.truncate("D")
    extra = [
        (
            day0 + _days(k),
            q + _days(k),
            last_day & ~clipped & ((day0 + _days(k)).month() == q.month()),
        )
        for k in _PIECES
    ]
    return a, clipped, extra


def _below(y: ir.Value, n: int) -> list:
    """``{u : g(u) < y}`` as sorted pieces."""
    a, _, extra = _calendar_parts(y, n)
    return [(timestamp(LO), a, ibis.literal(True)), *extra]


def _equal(y: ir.Value, n: int) -> list:
    """``{u : g(u) == y}``: single microseconds."""
    a, clipped, extra = _calendar_parts(y, n)
    return [(a, a + US, ~clipped)] + [(e, e + US, ok) for _, e, ok in extra]


def _gaps(pieces: list) -> list:
    """Return the complement of sorted pieces whose valid ones form a prefix."""
    out = [(timestamp(LO), ibis.ifelse(pieces[0][2], pieces[0][0], timestamp(HI)), True)]
    for (_, end, ok), (nxt, _, nok) in zip(pieces, [*pieces[1:], (None, None, False)]):
        following = ibis.ifelse(nok, nxt, timestamp(HI)) if nxt is not None else timestamp(HI)
        out.append((end, following, ok))
    return out


def _against_calendar(rows: ir.Table, x: ir.Value, op: str, tv: RelativeTime) -> list[ir.Table]:
    """Where ``x op tv(t)`` holds, ``tv`` with an offset in calendar months.

    ``tv(t)`` is ``g(u)`` with ``u = t`` (anchor ``now``) or ``u = midnight(t) + a days``.
    """
    n, after = tv.months, x + US
    sets = {
        ">": lambda: _below(x, n),  # g(u) < x
        ">=": lambda: _below(after, n),  # g(u) <= x
        "<": lambda: _gaps(_below(after, n)),
        "<=": lambda: _gaps(_below(x, n)),
        "==": lambda: _equal(x, n),
        "!=": lambda: _gaps(_equal(x, n)),
    }[op]()
    out = []
    for start, end, ok in sets:
        if tv.anchor != "now":  # midnight(t) + a in [start, end)  <=>  t in [ceil(start - a), ..)
            start, end = _ceil_day(_unshift(start, tv)), _ceil_day(_unshift(end, tv))
        lo, hi = ibis.greatest(rows.lo, start), ibis.least(rows.hi, end)
        out.append(_piece(rows, lo, hi, ok))
    return out


def _ceil_day(v: ir.Value) -> ir.Value:
    floor = v.truncate("D")
    return ibis.ifelse(v == floor, floor, floor + DAY)


def bound_lo(tv: RelativeTime, ts: ir.Value) -> ir.Value:
    """Earliest t at which an event at ``ts`` is before the window's end ``tv(t)``."""
    y = _unshift(ts, tv)
    if tv.anchor == "now":  # ts < t + s  <=>  t > ts - s
        return y + US
    return y.truncate("D") + DAY  # ts < midnight(t) + s  <=>  midnight(t) > ts - s


def bound_hi(tv: RelativeTime, ts: ir.Value) -> ir.Value:
    """First t at which an event at ``ts`` is before the window's start ``tv(t)``."""
    y = _unshift(ts, tv)
    if tv.anchor == "now":  # t + s <= ts  <=>  t <= ts - s
        return y + US
    return y.truncate("D") + DAY  # midnight(t) + s <= ts  <=>  midnight(t) <= ts - s


def has_relative(node: Rule) -> bool:
    """Whether a condition compares with a time relative to t."""
    values = [getattr(node, a, None) for a in ("value", "low", "high")] + list(
        getattr(node, "values", ())
    )
    return any(isinstance(v, RelativeTime) for v in values)


def check_time_field(name: str, dtype: Any, what: str) -> None:
    """Raise InvalidValueError unless ``dtype`` (of field ``name``) holds instants."""
    if not (dtype.is_timestamp() or dtype.is_date()):
        raise InvalidValueError(
            f"{what} {name!r} is {dtype}; relative times compare only with timestamps."
        )


@rule_walk(ATTRIBUTE_NODES)
def split_relative(node: Rule) -> Rule | None:
    """Return an attribute condition with relative times as plain comparisons.

    None if it is one already: ``!=`` is ``~(==)``, ``between`` two comparisons,
    ``isin`` an OR.
    """
    raise UnsupportedNodeError.of(node, "Solving relative times")


@split_relative.register(Compare)
def _(node: Compare) -> Rule | None:
    return Not(Compare(node.field, "==", node.value)) if node.op == "!=" else None


@split_relative.register(Range)
def _(node: Range) -> Rule | None:
    return And((Compare(node.field, ">=", node.low), Compare(node.field, "<=", node.high)))


@split_relative.register(IsIn)
def _(node: IsIn) -> Rule | None:
    inner = Or(tuple(Compare(node.field, "==", v) for v in node.values))
    return Not(inner) if node.negate else inner


@register_each(split_relative, (TextMatch, IsNull, IsEmpty, ListHas))
def _(node: Rule) -> Rule | None:
    raise InvalidValueError(f"{type(node).__name__} cannot hold relative times: {node!r}.")
