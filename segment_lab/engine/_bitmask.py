"""The bitmask history plan: a contact's membership at every grid instant as one integer.

On a grid of at most :data:`MAX_POINTS` instants (``t_(-1)`` included: a year of weeks,
five years of months), bit k of a 64-bit integer says "member at instant k".  Each
condition becomes such an integer per contact, computed in one pass over its rows:

* an event at ``ts`` counts at the instants k in ``[ceil(ts), ceil(ts + window))`` (grid
  indices): a contiguous run of bits, so "at least one event" is the ``BIT_OR`` of those
  runs over the contact's events.  "At least n events" holds at k exactly when, for some
  event i, k lies in ``[ceil(ts_i), ceil(ts_(i-n+1) + window))`` (``ts_(i-n+1)`` the event
  n - 1 before it in time: one ``LAG`` over each contact's events), so it is a
  ``BIT_OR`` too; other comparisons of a count are combinations of these.
* ``last_seen op v`` and ``first_seen op v`` (``<``, ``<=``, ``>``, ``>=``; v absolute
  or ``now`` shifted by a fixed length) are runs too: "some counted event has
  ``ts > v(t)``" holds at the instants ``[ceil(ts), ceil(ts - s))`` for ``v(t) = t + s``
  (cut at the window's end), and ``last_seen < v`` is "a counted event, and none at or
  after v" (:func:`_seen_keys`): ``last_seen() < "-90d"`` reads each event once instead
  of once per instant.
* the conditions on one event set (same types and ``where``: any windows, any n, any
  of the above) share one scan: the events filtered once, from the widest span any
  needs to the last instant, one window pass with every ``LAG`` they need, one
  ``GROUP BY`` contact giving each its integer column (:meth:`_Masks.scan`);
* other event conditions (sums, calendar or ``between`` windows, windows shorter than
  a step, times at a day's midnight or ``==``) are evaluated step by step: one as-of
  aggregate per instant (:func:`_method`);
* an attribute condition on current values is all bits or none; on SCD2 attributes each
  history row is valid at the instants ``[ceil(valid_from), ceil(valid_to))``, so the
  condition is the ``BIT_OR`` of the rows where it holds (plus the instants no row
  covers, where the value is NULL, if it holds on NULL);
* the universe (``created_at <= t``) is the bits from ``ceil(created_at)`` on;
* And, Or and Not are ``&``, ``|`` and the complement within the grid's bits (written
  ``ALL - x``: SQL renderers lose the parentheses around ``~(...)``).

A contact's membership integer ``M`` then gives its entries (``M - (M & (M << 1))``:
member at k, not at k - 1) and exits (``(M << 1) - (M & (M << 1))``), summed per bit in one aggregate over
the contacts.  No per-(contact, instant) rows are ever formed: the plan reads each event
and each history row once, which is what makes sparse grids cheap
(docs/decisions.md#history-plans).  It applies to every rule
(:func:`why_not` says where not: grids of more instants, PySpark), and :func:`suits`
says where it is the plan to choose; everything is an Ibis expression, so it runs on
DuckDB and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
from functools import reduce
from typing import TYPE_CHECKING

import ibis

from segment_lab.engine._asof import (
    _measure_predicate,
    _required,
    holds_without_events,
    metric,
    used_fields,
    window_filter,
)
from segment_lab.engine._attributes import COMPARE, Columns, row_predicate
from segment_lab.engine._execute import supports_bit_or
from segment_lab.engine._grid import US, grid_index, interval
from segment_lab.engine._interval_where import relative_where
from segment_lab.engine._solve import has_relative
from segment_lab.model._nodes import And, EventCondition, Not, Or, Rule, walk
from segment_lab.model._time import AbsoluteTime, RelativeTime, Within

if TYPE_CHECKING:
    from collections.abc import Sequence

    import ibis.expr.types as ir

    from segment_lab.engine._schema import Tables

__all__ = ["MAX_POINTS", "bitmask_counts", "bitmask_many", "bitmask_rows", "suits", "why_not"]

#: The most grid instants (``t_(-1)`` included) the plan handles: bits 0..60 of a signed
#: 64-bit integer, so that ``M << 1`` never overflows.
MAX_POINTS = 61


def _one() -> ir.IntegerValue:
    return ibis.literal(1).cast("int64")  # a BIGINT: a bare 1 is a 32-bit INTEGER in SQL


def _bit(k: ir.IntegerValue) -> ir.IntegerValue:
    """Return ``2 ** k`` (a BIGINT; the shift by a 32-bit INTEGER, as PostgreSQL and Spark need)."""
    return _one() << k.cast("int32")


def _bits(lo: ir.IntegerValue, hi: ir.IntegerValue) -> ir.IntegerValue:
    """Return the bits ``lo .. hi - 1`` (none where ``hi <= lo``)."""
    return _bit(ibis.greatest(hi, lo)) - _bit(lo)


def _has_events(rule: Rule) -> bool:
    return any(isinstance(n, EventCondition) for n in walk(rule))


def why_not(rule: Rule, tables: Tables, npos: int) -> str | None:
    """Why the bitmask plan does not apply to ``rule`` on a grid of ``npos`` instants (None: it does).

    Examples
    --------
    >>> from segment_lab import Workspace, event, field
    >>> tables = Workspace.demo().tables
    >>> why_not(field("city") == "Tokyo", tables, 53) is None
    True
    >>> why_not(field("city") == "Tokyo", tables, 366)
    'it holds at most 61 grid instants, this grid has 366'
    >>> why_not(event("purchase").sum("value", within="90d") >= 100, tables, 13) is None
    True
    """
    if npos > MAX_POINTS:
        return f"it holds at most {MAX_POINTS} grid instants, this grid has {npos}"
    if not supports_bit_or(tables.contacts):
        return "this backend (PySpark) has no BIT_OR aggregate in Ibis"
    return None


def suits(rule: Rule, positions: tuple) -> bool:
    """Whether the bitmask plan is the one to choose for ``rule`` on the grid (where it applies).

    It is for rules with event conditions whose events it reads about once: runs read
    once over the grid's span (counts, ``last_seen``/``first_seen`` against fixed
    shifts of t or absolute times: :func:`_method`), or conditions evaluated step by
    step whose window is no longer than a step (a 90-day sum on a weekly grid would
    read each event 13 times, which the interval plan does not).  Rules of attributes
    alone stay with the interval plan, whose attribute leaves are history rows as they
    are.

    Examples
    --------
    >>> import datetime as dt
    >>> from segment_lab import event, field
    >>> week = (dt.datetime(2025, 1, 6), dt.timedelta(weeks=1), 53)
    >>> suits(event("email_open").count(within="30d") >= 3, week)
    True
    >>> suits(event("purchase").sum("value", within="90d") >= 100, week)
    False
    >>> lapsed = event("purchase").last_seen() < "-90d"
    >>> suits((field("lifecycle_stage") == "customer") & lapsed, week)
    True
    >>> suits(field("city") == "Tokyo", week)
    False
    """
    nodes = [n for n in walk(rule) if isinstance(n, EventCondition)]
    if not nodes:
        return False
    _, step, _ = positions
    span = step if isinstance(step, dt.timedelta) else dt.timedelta(days=31) * step
    for node in nodes:
        if _method(node, step) == "runs":
            continue
        w = node.window
        if not isinstance(w, Within):
            return False
        length = (
            dt.timedelta(days=31) * w.duration.months
            if w.duration.is_calendar
            else w.duration.to_timedelta()
        )
        if length > span:
            return False
    return True


def _method(node: EventCondition, step: dt.timedelta | int) -> str:
    """How the integer of ``node`` is computed: "runs", or "step" by step.

    "runs": from each event's run of bits, read once over the grid's span (each
    contact's events in time order for "at least n >= 2"): counts in a window of fixed
    length or in none, and ``last_seen``/``first_seen`` compared by ``<``, ``<=``,
    ``>``, ``>=`` with an absolute time or one relative to t by a fixed shift (see
    :func:`_seen_keys`); "step": one aggregate per contact at each grid instant, as an
    as-of evaluation there, reading only that instant's window (any condition).  Runs
    where the window spans a step or more (two for n >= 2), else step by step: a
    window shorter than the step would read every event of the span for few bits.

    Examples
    --------
    >>> import datetime as dt
    >>> from segment_lab import event
    >>> week = dt.timedelta(weeks=1)
    >>> _method(event("purchase").last_seen() < "-90d", week)
    'runs'
    >>> _method(event("purchase").last_seen() < "today-90d", week)  # a day's midnight
    'step'
    >>> _method(event("purchase").first_seen(within="1d") >= "2025-01-01", week)
    'step'
    """
    w = node.window
    if relative_where(node) or not _as_runs(node):
        return "step"
    if w is None:
        return "runs"
    if not isinstance(w, Within) or w.duration.is_calendar:
        return "step"
    least = step if isinstance(step, dt.timedelta) else dt.timedelta(days=28) * step
    n = max(_thresholds(node)) if node.measure == "count" else 1
    return "runs" if w.duration.to_timedelta() >= least * (1 if n == 1 else 2) else "step"


def _as_runs(node: EventCondition) -> bool:
    """Whether the condition is a combination of runs of bits (whatever its window)."""
    if node.measure == "count":
        return bool(_thresholds(node))
    if (node.measure, node.op) not in _SEEN:
        return False  # a sum, or a time compared by == or !=
    v = node.value
    return isinstance(v, AbsoluteTime) or (
        isinstance(v, RelativeTime) and v.anchor == "now" and not v.is_calendar
    )


#: ``last_seen``/``first_seen`` ``op`` v, as the instants with some counted event of
#: ``ts REL v`` (X), or (``minus``) those with a counted event but none of X.
_SEEN: dict[tuple[str, str], tuple[str, bool]] = {
    ("last_seen", ">"): (">", False),
    ("last_seen", ">="): (">=", False),
    ("last_seen", "<"): (">=", True),
    ("last_seen", "<="): (">", True),
    ("first_seen", "<"): ("<", False),
    ("first_seen", "<="): ("<=", False),
    ("first_seen", ">"): ("<=", True),
    ("first_seen", ">="): ("<", True),
}


def _seen_keys(node: EventCondition) -> tuple[tuple, tuple | None]:
    """Return the keys of a ``last_seen``/``first_seen`` condition: X, and the set it is cut from.

    The latest counted event is before v exactly when there is a counted event and
    none at or after v (``last_seen < v``: the counted events minus X = "some counted
    event has ``ts >= v``"); after v when some counted event is (X = "``ts > v``"
    alone); ``first_seen`` the same way round.  X's events are counted events, so X is
    a subset of the "at least one event" set (key n = 1) it is cut from.

    Examples
    --------
    >>> from segment_lab import event
    >>> x, cut = _seen_keys(event("purchase").last_seen() < "-90d")
    >>> x[0], x[4], str(x[5]), cut[3]
    ('seen', '>=', '-90d', 1)
    >>> _seen_keys(event("purchase").first_seen() <= "2025-01-01")[1] is None
    True
    """
    rel, minus = _SEEN[(node.measure, node.op)]
    x = ("seen", node.types, node.window, node.where, rel, node.value)
    return x, ((node.types, node.window, node.where, 1) if minus else None)


def _group(key: tuple) -> tuple:
    """Return the ``(types, where)`` of an events key: the keys of one group share a scan."""
    return (key[1], key[3]) if key[0] == "seen" else (key[0], key[2])


def _span(key: tuple) -> dt.timedelta | None:
    """How long before an instant t an event of ``key`` can still count at t (None: for ever).

    ``within=W`` (t - W, t]; ``ts > t + s`` or ``>=`` (a last_seen's X): [t + s, t].
    """
    seen = key[0] == "seen"
    window = key[2] if seen else key[1]
    bounds = [] if window is None else [window.duration.to_timedelta()]
    if seen and key[4] in (">", ">=") and isinstance(key[5], RelativeTime):
        bounds.append(-key[5].shift)
    return min(bounds, default=None)


def _shift(x: ir.TimestampValue, by: dt.timedelta) -> ir.TimestampValue:
    """Return ``x + by`` (an interval in seconds, or microseconds if need be; either sign)."""
    span = interval(abs(by))
    return x + span if by >= dt.timedelta(0) else x - span


class _Masks:
    """The per-contact integers of one rule on one grid: what they need, and how they combine."""

    def __init__(
        self, rules: Sequence[Rule], tables: Tables, positions: tuple, instants: Sequence
    ) -> None:
        self.tables, self.b, self.rules = tables, tables.bindings, list(rules)
        self.g0, self.step, self.npos = positions
        self.first, self.last = instants[0], instants[-1]
        self.instants = list(instants)
        self.all = (1 << self.npos) - 1
        fields = [f for r in self.rules for f in used_fields(r)]
        self.fields = list(dict.fromkeys(fields))
        self.hist = [
            f for f in self.fields if tables.history is not None and f in tables.history_attrs
        ]
        # (types, window, where, n), ("seen", ...) or ("step", node) -> column
        self.events: dict[tuple, str] = {}
        self.scans: dict[tuple, ir.Table] = {}  # (types, where) -> the group's scan
        for rule in self.rules:
            self._collect(rule)

    def reads_history(self, rule: Rule) -> bool:
        """Whether ``rule`` reads an SCD2 attribute."""
        return any(f in self.hist for f in used_fields(rule))

    def at(self, k: int) -> ir.TimestampValue:
        """Return the grid instant k as an expression of ``t_(-1)``'s literal.

        Never a literal of its own: a compiled plan binds the grid by replacing that one
        literal (engine/_plans.py).
        """
        first = ibis.literal(self.first, type="timestamp")
        if k == 0:
            return first
        if isinstance(self.step, int):
            return first + ibis.interval(months=k * self.step)
        return first + ibis.interval(microseconds=k * (self.step // dt.timedelta(microseconds=1)))

    def index(self, x: ir.TimestampValue) -> ir.IntegerValue:
        """Return the first grid index at or after ``x``, clipped to ``[0, npos]``."""
        return grid_index(x, self.g0, self.step, self.npos)

    def _collect(self, rule: Rule) -> None:
        if not _has_events(rule):
            return
        if isinstance(rule, EventCondition):
            for key in self._keys(rule):
                self.events.setdefault(key, f"__e{len(self.events)}")
        else:
            for child in rule.children():
                self._collect(child)

    def _keys(self, node: EventCondition) -> list[tuple]:
        """Return the keys of the integer columns ``node`` combines."""
        if self.method(node) == "step":
            return [("step", node)]
        if node.measure == "count":
            return [(node.types, node.window, node.where, n) for n in _thresholds(node)]
        x, cut = _seen_keys(node)
        return [x] if cut is None else [cut, x]

    def method(self, node: EventCondition) -> str:
        """How the integer of ``node`` is computed (see :func:`_method`)."""
        return _method(node, self.step)

    def step_table(self, node: EventCondition) -> ir.Table:
        """Return ``(__c, __m)``: per contact, the instants where ``node`` holds.

        Where it holds without events, the instants where it fails (see :meth:`value`);
        one as-of aggregate per instant.
        """
        b, events = self.b, self.tables.events
        negate = holds_without_events(node)
        parts = []
        for k, t in enumerate(self.at(k) for k in range(self.npos)):
            ev = events.filter((events[b.ts] <= t) & window_filter(events, node, self.tables, t))
            agg = ev.group_by(__c=ev[b.contact_id]).aggregate(
                __v=metric(ev, node, None, self.tables)
            )
            holds = _measure_predicate(node, agg["__v"], t, negate)
            agg = agg.filter(~holds if negate else holds)
            parts.append(agg.select("__c", __b=ibis.literal(1 << k).cast("int64")))
        both = ibis.union(*parts, distinct=False)
        return both.group_by("__c").aggregate(__m=both["__b"].bit_or())

    def event_table(self, key: tuple) -> ir.Table:
        """``(__c, __m)``: per contact with any, the instants in the set of ``key``.

        Keys of one ``(types, where)`` select their column of one shared scan
        (:meth:`scan`): the query holds it once (a common table expression) however
        many keys read it.
        """
        if key[0] == "step":
            return self.step_table(key[1])
        scan = self.scan(_group(key))
        col = scan[self.events[key]]
        return scan.filter(col != 0).select("__c", __m=col)

    def scan(self, group: tuple) -> ir.Table:
        """Return ``(__c, <a column per key>)`` for the keys of ``group``: one pass over its events.

        The events of ``group = (types, where)`` are filtered once, from the widest span
        any key needs before the first instant (:func:`_span`) to the last instant;
        one window pass over each contact's events in time order gives every ``LAG``
        the counts of n >= 2 need, and one aggregate per contact the ``BIT_OR`` of each
        key's runs (:meth:`run`).

        The narrower filtered set of a key of window W (events after ``t_(-1) - W``) is
        a suffix in time of each contact's events of the wider one, so a ``LAG(j)`` is
        the same event in both wherever the narrower set has one; where it has none,
        the wider set's is at or before ``t_(-1) - W``, and so is the event itself or
        its run ends at ``ceil(anchor + W) = 0``: empty either way, as events outside
        the narrower set are.  The runs, and their ``BIT_OR``, are those of the
        narrower set (tests/test_bitmask.py checks several keys of one scan).
        """
        if group not in self.scans:
            keys = [k for k in self.events if k[0] != "step" and _group(k) == group]
            self.scans[group] = self._scan(group, keys)
        return self.scans[group]

    def _scan(self, group: tuple, keys: list[tuple]) -> ir.Table:
        types, where = group
        b, ev = self.b, self.tables.events
        ts = ev[b.ts]
        cond = (ts <= self.last) & ev[b.event_type].isin(list(types))
        spans = [_span(k) for k in keys]
        if None not in spans:
            widest: dt.timedelta = max(spans)  # type: ignore[type-var,assignment]
            cond &= ts >= _shift(ibis.literal(self.first, type="timestamp"), -widest)
        if where is not None:
            cond &= row_predicate(where, Columns(ev, self.tables.event_dtype, "events", None))
        ev = ev.filter(cond).select(__c=ev[b.contact_id], __ts=ts)
        lags = sorted({k[3] - 1 for k in keys if k[0] != "seen" and k[3] > 1})
        if lags:  # the event j before each: the j + 1 events from it to this one
            w = ibis.window(group_by=ev["__c"], order_by=ev["__ts"])
            ev = ev.mutate(**{f"__a{j}": ev["__ts"].lag(j).over(w) for j in lags})
        runs = {self.events[k]: self.run(k, ev).bit_or() for k in keys}
        return ev.group_by("__c").aggregate(**runs)

    def run(self, key: tuple, ev: ir.Table) -> ir.IntegerValue:
        """Return each event's run of bits for ``key`` on the rows of its group's scan.

        "At least n": ``[ceil(ts), ceil(anchor + W))``, the anchor the event n - 1
        before (``[ceil(ts), npos)`` without a window; no anchor: no bits); a
        ``"seen"`` key: see :meth:`seen_run`.
        """
        if key[0] == "seen":
            return self.seen_run(key, ev)
        _, window, _, n = key
        lo = self.index(ev["__ts"])
        anchor = ev["__ts"] if n == 1 else ev[f"__a{n - 1}"]
        if window is None:
            hi = ibis.literal(self.npos)
        else:
            hi = self.index(_shift(anchor, window.duration.to_timedelta()))
        # no anchor, no run (GREATEST and LEAST skip NULLs: they would make one of it)
        return _bits(lo, hi) if n == 1 else anchor.isnull().ifelse(_one() - 1, _bits(lo, hi))

    def seen_run(self, key: tuple, ev: ir.Table) -> ir.IntegerValue:
        """Return the instants t at which an event counts for ``key`` and has ``ts REL v(t)``.

        It counts at t in ``[ts, ts + W)`` (``within=W``; from ts on without one).  An
        absolute v keeps the run or not; ``v(t) = t + s`` bounds it by ``e = ts - s``:
        ``ts > v(t)`` is ``t < e``, ``>=`` is ``t <= e``, ``<`` is ``t > e``, ``<=`` is
        ``t >= e``.  Grid indices: ``ceil(x)`` is the first instant at or after x,
        ``ceil(x + 1µs)`` the first after it (instants are whole microseconds).
        """
        _, _, window, _, rel, value = key
        ts = ev["__ts"]
        lo = self.index(ts)
        if window is None:
            hi = ibis.literal(self.npos).cast("int64")
        else:
            hi = self.index(_shift(ts, window.duration.to_timedelta()))
        if isinstance(value, AbsoluteTime):
            holds = COMPARE[rel](ts, ibis.literal(value.value, type="timestamp"))
            return holds.ifelse(_bits(lo, hi), _one() - 1)
        edge = _shift(ts, -value.shift)
        if rel in (">", ">="):
            hi = ibis.least(hi, self.index(edge if rel == ">" else edge + US))
        else:
            lo = ibis.greatest(lo, self.index(edge + US if rel == "<" else edge))
        return _bits(lo, hi)

    def bits(self, rule: Rule, table: ir.Table) -> ir.IntegerValue:
        """Return the instants at which the attribute-only ``rule`` holds on each row of ``table``.

        All or none, unless it compares with times relative to t: then one bit per instant.
        """

        def holds(t: dt.datetime | None) -> ir.BooleanValue:
            return row_predicate(
                rule, Columns(table, self.tables.contact_dtype, "contacts", t, True)
            )

        if not any(has_relative(n) for n in walk(rule)):
            return ibis.ifelse(holds(None), self.all, 0).cast("int64")
        bits = [ibis.ifelse(holds(self.at(k)), 1 << k, 0) for k in range(self.npos)]
        return reduce(lambda x, y: x + y, bits).cast("int64")

    def value(self, rule: Rule, frame: ir.Table) -> ir.IntegerValue:
        """Return the rule's integer per contact on ``frame`` (which carries the collected columns)."""
        full = ibis.literal(self.all).cast("int64")
        if not _has_events(rule):
            return self.bits(rule, frame)
        if isinstance(rule, EventCondition):
            if ("step", rule) in self.events:
                col = frame[self.events[("step", rule)]]
                return full - col if holds_without_events(rule) else col
            return self._count(rule, frame, full)
        if isinstance(rule, Not):
            return full - self.value(rule.rule, frame)
        parts = [self.value(r, frame) for r in rule.children()]
        if isinstance(rule, And):
            return reduce(lambda x, y: x & y, parts)
        return reduce(lambda x, y: x | y, parts)

    def _count(
        self, node: EventCondition, frame: ir.Table, full: ir.IntegerValue
    ) -> ir.IntegerValue:
        if node.measure != "count":  # last_seen / first_seen as runs: see _seen_keys
            x, cut = _seen_keys(node)
            got = frame[self.events[x]]
            return got if cut is None else frame[self.events[cut]] - got

        def at_least(n: int) -> ir.IntegerValue:
            if n <= 0:
                return full
            return frame[self.events[(node.types, node.window, node.where, n)]]

        n, op = node.value, node.op
        if op in (">=", ">"):
            return at_least(n + (op == ">"))
        if op in ("<", "<="):
            return full - at_least(n + (op == "<="))
        exactly = at_least(n) - at_least(n + 1)  # the second is a subset of the first
        return exactly if op == "==" else full - exactly


def _prune_key(m: _Masks, node: EventCondition) -> tuple | None:
    """Return the key of an integer column that holds wherever ``node`` does (None: no such column)."""
    if ("step", node) in m.events:
        return ("step", node)
    if node.measure != "count":
        x, cut = _seen_keys(node)
        return x if cut is None else cut
    n = {">=": node.value, ">": node.value + 1, "==": node.value}.get(node.op)
    if node.op == "!=" and node.value == 0:
        n = 1
    return None if n is None else (node.types, node.window, node.where, n)


def _thresholds(node: EventCondition) -> list[int]:
    """Return the n of the "at least n events" sets that ``node`` combines (none for n <= 0)."""
    n, op = node.value, node.op
    need = {">=": [n], ">": [n + 1], "<": [n], "<=": [n + 1]}.get(op, [n, n + 1])
    return [m for m in need if m > 0]


#: The width of a lane of the last stage's sums (:func:`bitmask_many`): bits j and j + 31
#: of a row's integer are summed at once, each in its own 31 bits, so a sum holds the
#: counts of two instants as long as a rule has fewer than 2**31 contacts.
LANE = 31
_LANES = 1 | (1 << LANE)


def bitmask_rows(rows: list[tuple], npos: int, index: int = 0) -> list[tuple[int, int, int]]:
    """Return the ``(j, starts, ends)`` rows of rule ``index`` from the result of :func:`bitmask_many`.

    ``rows`` are that result's tuples ``(__i, s0 .. s(L-1), x0 .. x(L-1))`` with ``L =
    min(LANE, npos)``: ``sj`` holds the starts at index j in its low :data:`LANE` bits and
    those at j + LANE above, ``xj`` the ends alike; a rule without a row never has a
    member.

    Examples
    --------
    >>> bitmask_rows([(0, 4, 1, 0, 0, 0, 3)], 3)
    [(0, 4, 0), (1, 1, 0), (2, 0, 3)]
    >>> sums = [0] * 62
    >>> sums[0] = 5 + (2 << LANE)  # 5 starts at index 0, 2 at index 31
    >>> bitmask_rows([(0, *sums)], 40)[31]
    (31, 2, 0)
    """
    lanes = min(LANE, npos)
    mine = [r for r in rows if r[0] == index]
    if not mine:
        return [(j, 0, 0) for j in range(npos)]
    row = mine[0]
    low = (1 << LANE) - 1

    def counts(sums: tuple) -> list[int]:
        out = [0] * npos
        for j, v in enumerate(int(v or 0) for v in sums):
            out[j] = v & low
            if j + LANE < npos:
                out[j + LANE] = v >> LANE
        return out

    starts, ends = counts(row[1 : lanes + 1]), counts(row[lanes + 1 : 2 * lanes + 1])
    return [(j, s, 0 if j == 0 else e) for j, (s, e) in enumerate(zip(starts, ends))]


def bitmask_counts(
    rule: Rule, tables: Tables, positions: tuple, instants: Sequence[dt.datetime]
) -> ir.Table:
    """Return one row of the runs starting (``s0 ..``) and ending (``x0 ..``) at each index.

    ``positions`` is ``(t_(-1), step, npoints)`` (``Grid.positions``), ``instants`` the
    npoints instants, ``t_(-1)`` first; :func:`bitmask_rows` turns it into the
    ``(j, starts, ends)`` rows of the other plans (``__i`` is 0: see :func:`bitmask_many`;
    two indices a column: see :data:`LANE`).  A start at j: a member at index j but not
    at j-1; an end at j: the reverse.
    """
    return bitmask_many([rule], tables, positions, instants)


def bitmask_many(
    rules: Sequence[Rule], tables: Tables, positions: tuple, instants: Sequence[dt.datetime]
) -> ir.Table:
    """Return the rows of :func:`bitmask_counts` for several rules at once (``__i``: which).

    The rules share one frame: each set of events is read once for all of them, and the
    contacts (or history rows) once.  Rules with no members at any instant have no row.
    """
    m = _Masks(rules, _pruned(rules, tables), positions, instants)
    frame = _frame(m)
    parts = []
    for i in range(len(m.rules)):
        member = frame[f"__M{i}"]
        parts.append(frame.filter(member != 0).select(__i=ibis.literal(i), __M=member))
    f = parts[0] if len(parts) == 1 else ibis.union(*parts, distinct=False)
    member = f["__M"]
    both = member & (member << 1)  # member at k and at k - 1
    entries, exits = member - both, ((member << 1) & m.all) - both
    f = f.select("__i", __s=entries, __x=exits)
    # bits j and j + LANE summed at once (bitmask_rows takes them apart)
    lanes, mask = min(LANE, m.npos), ibis.literal(_LANES, "int64")
    aggs = {f"s{j}": ((f["__s"] >> j) & mask).sum() for j in range(lanes)}
    aggs |= {f"x{j}": ((f["__x"] >> j) & mask).sum() for j in range(lanes)}
    return f.group_by("__i").aggregate(**aggs)


def _static_parts(rule: Rule, tables: Tables) -> list[Rule]:
    """Return the parts of ``rule`` (an ``all_of``) that hold at all instants or none.

    Attribute conditions on attributes without SCD2 history, without times relative
    to t: a contact failing one has no bit set in the rule's integer.
    """
    hist = set(tables.history_attrs) if tables.history is not None else set()
    parts = rule.rules if isinstance(rule, And) else (rule,)
    return [
        p
        for p in parts
        if not _has_events(p)
        and not hist.intersection(used_fields(p))
        and not any(has_relative(n) for n in walk(p))
    ]


def _pruned(rules: Sequence[Rule], tables: Tables) -> Tables:
    """Return ``tables`` with the contacts (and their events) that no rule can hold pruned.

    Where every rule is an ``all_of`` with a part of static attributes
    (:func:`_static_parts`), a contact failing them all is a member of none at any
    instant: the contacts are filtered first and the events semi-joined to them, so
    that the events' aggregates read only the contacts left (the seed example: of a
    million contacts, those using Python).  Otherwise ``tables`` as they are.
    """
    from dataclasses import replace

    parts = [_static_parts(r, tables) for r in rules]
    if not all(parts) or tables.events is None:
        return tables
    c = tables.contacts
    cols = Columns(c, tables.contact_dtype, "contacts", None, True)
    keep = ibis.or_(*(ibis.and_(*(row_predicate(p, cols) for p in ps)) for ps in parts))
    contacts = c.filter(keep.fill_null(False))
    cid = tables.bindings.contact_id
    ids = contacts.select(__pc=contacts[cid])
    events = tables.events.semi_join(ids, tables.events[cid] == ids["__pc"])
    return replace(tables, contacts=contacts, events=events)


def _frame(m: _Masks) -> ir.Table:
    """Return one row per contact, with ``__M0 ..``: the rules' integers."""
    tables, b = m.tables, m.b
    cid = b.contact_id
    for f in m.fields:
        tables.contact_dtype(f)  # unknown field -> UnknownFieldError
    static = [f for f in m.fields if f not in m.hist]
    keep = [cid, *([b.created_at] if tables.has_created_at else []), *static]
    frame = tables.contacts.select(*dict.fromkeys(keep))
    # sets every member of every rule needs: inner joins, the first one prunes the contacts
    required = set.intersection(*({_prune_key(m, n) for n in _required(r)} for r in m.rules))
    for key in sorted(m.events, key=lambda k: k not in required):
        name, agg = m.events[key], m.event_table(key)
        cols = list(frame.columns)
        inner = key in required
        frame = frame.join(agg, frame[cid] == agg["__c"], how="inner" if inner else "left")
        frame = frame.select(*cols, **{name: frame["__m"].fill_null(0)})
    if tables.has_created_at:  # the universe: from the first instant at or after created_at
        created = frame[b.created_at]
        born = ibis.ifelse(created.isnull(), 0, m.index(created))
        universe = m.all - (_bit(born) - 1)
    else:
        universe = ibis.literal(m.all).cast("int64")
    if m.hist:
        return _with_history(m, frame, universe)
    frame = frame.mutate(**{f"__M{i}": m.value(r, frame) & universe for i, r in enumerate(m.rules)})
    if tables.validated:
        return frame
    return frame.group_by(cid).aggregate(  # unvalidated: a contact's rows are one contact
        **{f"__M{i}": frame[f"__M{i}"].bit_or() for i in range(len(m.rules))}
    )


def _with_history(m: _Masks, frame: ir.Table, universe: ir.IntegerValue) -> ir.Table:
    """Return ``(cid, __M0 ..)`` of rules of which some read SCD2 attributes.

    On validated data (at most one history row valid at any instant) from the
    contacts' history rows aggregated per contact (:func:`_history_atoms`), else by
    evaluating every rule on each history row (:func:`_per_row_history`).
    """
    if m.tables.validated:
        return _history_atoms(m, frame, universe)
    return _per_row_history(m, frame, universe)


def _atoms(m: _Masks, rule: Rule, out: dict[Rule, str]) -> None:
    """Collect the attribute-only sub-rules of ``rule`` reading SCD2 attributes, outermost.

    An ``all_of`` / ``any_of`` of attributes is split into its parts (a part reading no
    SCD2 attribute is evaluated on the contact), as :meth:`_Masks.bits` counts a NULL
    comparison as "not at this instant" part by part too; a negation is one atom.
    """
    if not m.reads_history(rule):
        return
    if not _has_events(rule) and not isinstance(rule, (And, Or)):
        out.setdefault(rule, f"__a{len(out)}")
        return
    for child in rule.children():
        _atoms(m, child, out)


def _atom_value(m: _Masks, rule: Rule, frame: ir.Table, atoms: dict[Rule, str]) -> ir.IntegerValue:
    """Return ``rule``'s integer per contact, reading each SCD2 atom's column of ``frame``."""
    if rule in atoms:
        return frame[atoms[rule]]
    if not m.reads_history(rule):
        return m.value(rule, frame)
    if isinstance(rule, Not):
        return ibis.literal(m.all).cast("int64") - _atom_value(m, rule.rule, frame, atoms)
    parts = [_atom_value(m, r, frame, atoms) for r in rule.children()]
    if isinstance(rule, And):
        return reduce(lambda x, y: x & y, parts)
    return reduce(lambda x, y: x | y, parts)


def _history_atoms(m: _Masks, frame: ir.Table, universe: ir.IntegerValue) -> ir.Table:
    """Return ``(cid, __M0 ..)`` from the SCD2 atoms (:func:`_atoms`) aggregated per contact.

    A history row holds the contact's attributes at the instants ``[ceil(valid_from),
    ceil(valid_to))``: an atom holds at the instants of the rows where it does (their
    ``BIT_OR`` per contact, over the history rows alone: no event column is carried
    through them), and, at the instants no row covers, where it holds with NULL
    attributes.  At most one row is valid at an instant (validated data), so at each
    instant a rule is its And/Or/Not of its atoms' and events' bits there, as when it
    is evaluated on that one row (:func:`_per_row_history`).
    """
    tables, b = m.tables, m.b
    cid = b.contact_id
    atoms: dict[Rule, str] = {}
    for rule in m.rules:
        _atoms(m, rule, atoms)
    h = tables.history
    vf, vt = h[b.valid_from], h[b.valid_to]
    h = h.filter((vf <= m.last) & (vt.isnull() | (vt > m.first)))
    hi = ibis.ifelse(vt.isnull(), m.npos, m.index(vt))
    rows = h.select(__hc=h[cid], __r=_bits(m.index(vf), hi), **{f: h[f] for f in m.hist})
    static = [f for a in atoms for f in used_fields(a) if f not in m.hist]
    if static:  # a negation of SCD2 and other attributes: those read on each history row
        c = tables.contacts.select(*dict.fromkeys(static), __sc=tables.contacts[cid])
        rows = rows.join(c, rows["__hc"] == c["__sc"]).drop("__sc")
    per = rows.group_by("__hc").aggregate(
        __r=rows["__r"].bit_or(),
        **{name: (m.bits(a, rows) & rows["__r"]).bit_or() for a, name in atoms.items()},
    )
    frame = frame.mutate(__u=universe)
    cols = list(frame.columns)
    # where no row is valid, an atom with NULL attributes
    bare = frame.mutate(**{f: ibis.null(tables.contact_dtype(f)) for f in m.hist})
    bare = bare.select(*cols, **{f"__g{n}": m.bits(a, bare) for a, n in atoms.items()})
    joined = bare.left_join(per, bare[cid] == per["__hc"])
    cover = ibis.literal(m.all).cast("int64") - joined["__r"].fill_null(0)
    frame = joined.select(
        *cols,
        **{n: joined[n].fill_null(0) | (joined[f"__g{n}"] & cover) for n in atoms.values()},
    )
    members = {
        f"__M{i}": _atom_value(m, r, frame, atoms) & frame["__u"] for i, r in enumerate(m.rules)
    }
    return frame.select(cid, **members)


def _per_row_history(m: _Masks, frame: ir.Table, universe: ir.IntegerValue) -> ir.Table:
    """Return ``(cid, __M0 ..)`` of rules reading SCD2 attributes, evaluated on each history row.

    A row holds the contact's attributes at the instants ``[ceil(valid_from),
    ceil(valid_to))``: the rule evaluated with them, at those instants, OR'd over the
    rows (overlapping rows of unvalidated data too: the as-of engine keeps a contact any
    of whose rows qualifies); where no row is valid the attributes are NULL, and the rule
    is evaluated with NULLs there.
    """
    tables, b = m.tables, m.b
    cid = b.contact_id
    h = tables.history
    vf, vt = h[b.valid_from], h[b.valid_to]
    h = h.filter((vf <= m.last) & (vt.isnull() | (vt > m.first)))
    hi = ibis.ifelse(vt.isnull(), m.npos, m.index(vt))
    rows = h.select(__hc=h[cid], __r=_bits(m.index(vf), hi), **{f: h[f] for f in m.hist})
    frame = frame.mutate(__u=universe)
    cols = list(frame.columns)
    joined = frame.left_join(rows, frame[cid] == rows["__hc"])
    joined = joined.select(*cols, __r=joined["__r"].fill_null(0), **{f: joined[f] for f in m.hist})
    hist = [i for i, r in enumerate(m.rules) if m.reads_history(r)]
    out = joined.mutate(
        **{
            f"__v{i}": m.value(r, joined) & joined["__r"] if i in hist else m.value(r, joined)
            for i, r in enumerate(m.rules)
        }
    )
    out = out.mutate(**{f: ibis.null(tables.contact_dtype(f)) for f in m.hist})
    # with NULLs (no valid row): the same on every row of a contact
    out = out.mutate(**{f"__g{i}": m.value(m.rules[i], out) for i in hist})
    names = [f"__v{i}" for i in range(len(m.rules))] + [f"__g{i}" for i in hist] + ["__r"]
    out = out.group_by(cid).aggregate(**{n: out[n].bit_or() for n in names}, __u=out["__u"].max())
    cover = m.all - out["__r"]
    members = {
        f"__M{i}": (out[f"__v{i}"] | (out[f"__g{i}"] & cover) if i in hist else out[f"__v{i}"])
        & out["__u"]
        for i in range(len(m.rules))
    }
    return out.select(cid, **members)
