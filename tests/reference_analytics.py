"""An independent reference for ``segment_lab.analytics``, in plain Python.

Each function follows ``docs/analytics.md`` as literally as possible, built on the
reference evaluator (:func:`tests.reference.evaluate` and
:func:`tests.reference.history_sets`) and on the raw :class:`~tests.reference.Dataset`:
sets, loops and ``datetime``; no Ibis, no pandas, nothing shared with the engine.
Results are lists of dicts with the documented columns (ratios are floats, NaN where
the definition divides by zero; ``previous`` is None before the grid).

Readings chosen where the text leaves room:

* Segments: a ``Segment`` keeps its name, a bare rule at list position ``i`` is
  ``rule_i``; a ``Catalog`` is its segments in order.
* ``trends``: ``previous`` is ``size_(k - lookback)`` for ``k - lookback >= -1``: the
  size at ``t_(-1) = start - every`` is known (``history`` compares with it), whatever
  the lookback; earlier sizes are missing.
* ``funnel``: a top-level ``in_segment`` is one condition (not expanded); step 0 has
  ``kept`` = contacts that exist, ``removed`` 0, ``alone`` = ``kept``, ``blocks`` 0 (no
  condition to remove).
* ``lifecycle``: the previous period of period 0 is ``[start - every, start)``; relative
  times in the activity's ``where`` resolve against ``now``; ``created_at`` plays no
  part (activity alone), but events of contacts missing from the contacts table do not
  count.
* ``detect_alerts``: ``baseline_mad`` is the raw MAD (before the 1.4826 scale);
  ``previous`` is the size one period earlier (``size - net``) and ``growth`` is
  measured against it, whatever the trends frame's lookback, so that the message's
  "week over week (102 → 174 contacts, net +72)" adds up.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from typing import Any

from segment_lab.model import And, Duration, Rule, Segment
from tests import reference as ref

__all__ = [
    "IN_NONE",
    "LIFECYCLE_STATUSES",
    "activity_times",
    "alerts",
    "detect_alerts",
    "funnel",
    "funnel_conditions",
    "lifecycle",
    "lookback_periods",
    "named",
    "overlap",
    "retention",
    "transitions",
    "trends",
    "universe",
]

IN_NONE = "in none"
LIFECYCLE_STATUSES = ("new", "returning", "resurrecting", "dormant")
NAN = float("nan")


# -- shared helpers ---------------------------------------------------------------------


def named(segments: Any) -> list[tuple[str, Rule | Segment]]:
    """``[(name, segment)]``: a Segment keeps its name, a bare rule at position i is rule_i."""
    if isinstance(segments, (Rule, Segment)):
        segments = [segments]
    return [(s.name if isinstance(s, Segment) else f"rule_{i}", s) for i, s in enumerate(segments)]


def universe(t: dt.datetime, data: ref.Dataset) -> set:
    """Contacts that exist at ``t`` (``created_at`` None or at most ``t``)."""
    return {
        c["contact_id"]
        for c in data.contacts
        if c.get("created_at") is None or c["created_at"] <= t
    }


def ratio(num: float, den: float) -> float:
    """``num / den``, NaN when ``den`` is 0."""
    return num / den if den else NAN


def step_of(every: dt.timedelta | str) -> dt.timedelta:
    """The grid step as a timedelta."""
    step = every if isinstance(every, dt.timedelta) else Duration.parse(every).to_timedelta()
    if step <= dt.timedelta(0):
        raise ValueError(f"every must be positive, got {every!r}")
    return step


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    mid = n // 2
    return float(ordered[mid]) if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


# -- overlap ----------------------------------------------------------------------------


def overlap(segments: Any, t: dt.datetime, data: ref.Dataset, catalog: Any = None) -> list[dict]:
    """All ordered pairs (diagonal included) with sizes, intersection, union and Jaccard."""
    sets = [(name, ref.evaluate(s, t, data, catalog)) for name, s in named(segments)]
    rows = []
    for name_a, a in sets:
        for name_b, b in sets:
            both, either = len(a & b), len(a | b)
            rows.append(
                {
                    "segment_a": name_a,
                    "segment_b": name_b,
                    "size_a": len(a),
                    "size_b": len(b),
                    "both": both,
                    "either": either,
                    "jaccard": ratio(both, either),
                }
            )
    return rows


# -- transitions ------------------------------------------------------------------------


def _states(cid: Any, sets: list[tuple[str, set]]) -> list[str]:
    """The segments ``cid`` belongs to, in list order, or ``["in none"]``."""
    return [name for name, members in sets if cid in members] or [IN_NONE]


def transitions(
    segments: Any,
    start: dt.datetime,
    end: dt.datetime,
    data: ref.Dataset,
    catalog: Any = None,
    exclusive: bool = True,
) -> list[dict]:
    """``from``/``to``/``contacts`` for every pair of states (segment names, then "in none").

    Counted: the contacts that exist at ``end``.  Exclusive: one state per contact and
    instant (the first segment in list order); otherwise one count per pair of a state
    at start and a state at end.
    """
    pairs = named(segments)
    before = [(name, ref.evaluate(s, start, data, catalog)) for name, s in pairs]
    after = [(name, ref.evaluate(s, end, data, catalog)) for name, s in pairs]
    states = [name for name, _ in pairs] + [IN_NONE]
    counts = {(a, b): 0 for a in states for b in states}
    for cid in universe(end, data):
        froms, tos = _states(cid, before), _states(cid, after)
        if exclusive:
            froms, tos = froms[:1], tos[:1]
        for a in froms:
            for b in tos:
                counts[a, b] += 1
    return [{"from": a, "to": b, "contacts": n} for (a, b), n in counts.items()]


# -- funnel -----------------------------------------------------------------------------


def funnel_conditions(segment: Any) -> list[Rule | Segment]:
    """The conditions of a funnel: a list as given, else the top-level And's children."""
    if isinstance(segment, (list, tuple)):
        return list(segment)
    rule = segment.rule if isinstance(segment, Segment) else segment
    return list(rule.rules) if isinstance(rule, And) else [rule]


def funnel(segment: Any, t: dt.datetime, data: ref.Dataset, catalog: Any = None) -> dict:
    """``{"rows": [...], "bottleneck": step}`` for the conditions of ``segment`` at ``t``.

    Row 0 is every contact that exists at ``t``; row i (from 1) is condition i:
    ``kept`` (passes it and all earlier ones), ``removed``, ``kept_share``, ``alone``
    (passes it alone) and ``blocks`` (passes every other condition but not this one).
    ``bottleneck`` is the step of the largest ``blocks``, the earliest on a tie.
    """
    everyone = universe(t, data)
    passes = [ref.evaluate(c, t, data, catalog) for c in funnel_conditions(segment)]
    rows = [
        {
            "step": 0,
            "kept": len(everyone),
            "removed": 0,
            "kept_share": ratio(len(everyone), len(everyone)),
            "alone": len(everyone),
            "blocks": 0,
        }
    ]
    kept = set(everyone)
    for i, members in enumerate(passes):
        previous = len(kept)
        kept &= members
        others = set(everyone)
        for j, other in enumerate(passes):
            if j != i:
                others &= other
        rows.append(
            {
                "step": i + 1,
                "kept": len(kept),
                "removed": previous - len(kept),
                "kept_share": ratio(len(kept), len(everyone)),
                "alone": len(members),
                "blocks": len(others - members),
            }
        )
    blocks = [row["blocks"] for row in rows[1:]]
    bottleneck = 1 + blocks.index(max(blocks))
    return {"rows": rows, "bottleneck": bottleneck}


# -- lifecycle --------------------------------------------------------------------------


def _activity(activity: Any) -> tuple[tuple[str, ...], Rule | None]:
    """``(types, where)`` of an activity: a type, a list of types, or an ``EventSpec``."""
    if isinstance(activity, str):
        return (activity,), None
    if hasattr(activity, "types"):
        return tuple(activity.types), getattr(activity, "where_rule", None)
    return tuple(activity), None


def activity_times(
    types: Iterable[str], where: Rule | None, now: dt.datetime, data: ref.Dataset
) -> dict[Any, list[dt.datetime]]:
    """Sorted times of each known contact's matching events at or before ``now``.

    ``where`` is checked with the reference's own rule evaluation on the event, with
    relative times resolved against ``now``.
    """
    types = set(types)
    known = {c["contact_id"] for c in data.contacts}
    ctx = ref._context(now, data, None)
    out: dict[Any, list[dt.datetime]] = {}
    for e in data.events:
        if e["contact_id"] not in known or e["event_type"] not in types or e["ts"] > now:
            continue
        if where is not None and not ref.holds(where, ref._event_subject(e), ctx):
            continue
        out.setdefault(e["contact_id"], []).append(e["ts"])
    return {cid: sorted(times) for cid, times in out.items()}


def _active(times: list[dt.datetime], lo: dt.datetime, hi: dt.datetime) -> bool:
    return any(lo <= ts < hi for ts in times)


def _status(times: list[dt.datetime], p: dt.datetime, step: dt.timedelta) -> str | None:
    """The lifecycle status of one contact in period ``[p, p + step)`` (None: none)."""
    now_active = _active(times, p, p + step)
    before_active = _active(times, p - step, p)
    if not now_active:
        return "dormant" if before_active else None
    if before_active:
        return "returning"
    if any(ts < p for ts in times):
        return "resurrecting"
    return "new"


def lifecycle(
    activity: Any,
    start: dt.datetime,
    end: dt.datetime,
    every: dt.timedelta | str,
    now: dt.datetime,
    data: ref.Dataset,
) -> list[dict]:
    """``period``/``status``/``contacts`` for every period and status (zeros included)."""
    types, where = _activity(activity)
    step = step_of(every)
    times = activity_times(types, where, now, data)
    rows = []
    for p in ref.grid(start, end, step):
        counts = dict.fromkeys(LIFECYCLE_STATUSES, 0)
        for contact_times in times.values():
            status = _status(contact_times, p, step)
            if status is not None:
                counts[status] += 1
        rows.extend({"period": p, "status": s, "contacts": n} for s, n in counts.items())
    return rows


# -- retention --------------------------------------------------------------------------


def retention(
    segment: Any,
    start: dt.datetime,
    end: dt.datetime,
    every: dt.timedelta | str,
    data: ref.Dataset,
    catalog: Any = None,
    periods: int | None = None,
    continuous: bool = False,
) -> list[dict]:
    """``cohort``/``periods_later``/``cohort_size``/``retained``/``share`` of the entrants.

    Cohort j: members at ``t_j`` not members at ``t_(j-1)``; retained after k periods:
    members at ``t_(j+k)`` (continuous: at every ``t_j .. t_(j+k)``), for
    ``t_(j+k) <= end`` and ``k <= periods``.
    """
    sets = ref.history_sets(segment, start, end, every, data, catalog)
    points = [s for _, s in sets[1:]]
    times = [t for t, _ in sets[1:]]
    rows = []
    for j, members in enumerate(points):
        cohort = members - sets[j][1]  # sets[j] is the instant before t_j
        last = len(points) - 1 if periods is None else min(len(points) - 1, j + periods)
        alive = set(cohort)
        for i in range(j, last + 1):
            alive = (alive & points[i]) if continuous else (cohort & points[i])
            rows.append(
                {
                    "cohort": times[j],
                    "periods_later": i - j,
                    "cohort_size": len(cohort),
                    "retained": len(alive),
                    "share": ratio(len(alive), len(cohort)),
                }
            )
    return rows


# -- trends and alerts ------------------------------------------------------------------


def lookback_periods(lookback: int | str | dt.timedelta, every: dt.timedelta | str) -> int:
    """``lookback`` as a number of periods (a duration must be a whole multiple of every)."""
    if isinstance(lookback, int):
        return lookback
    months = {"mo": 1, "q": 3}
    if isinstance(every, str) and every.endswith(tuple(months)):  # calendar: count months
        unit = "mo" if every.endswith("mo") else "q"
        step = int(every.removesuffix(unit)) * months[unit]
        lunit = "mo" if lookback.endswith("mo") else "q"
        n, rest = divmod(int(lookback.removesuffix(lunit)) * months[lunit], step)
        if rest or n < 1:
            raise ValueError(f"lookback {lookback!r} is not a whole multiple of {every!r}")
        return n
    span = step_of(lookback)
    n, rest = divmod(span, step_of(every))
    if rest or n < 1:
        raise ValueError(f"lookback {lookback!r} is not a whole multiple of {every!r}")
    return n


def _trend_rows(name: str, history: list[dict], before: int, lookback: int) -> list[dict]:
    sizes = [row["size"] for row in history]
    rows = []
    for k, row in enumerate(history):
        prior = before if k == 0 else sizes[k - 1]
        back = k - lookback
        previous = sizes[back] if back >= 0 else before if back == -1 else None
        growth = NAN if previous is None else ratio(row["size"], previous) - 1
        rows.append(
            {
                "segment": name,
                "period": row["period"],
                "size": row["size"],
                "entered": row["entered"],
                "exited": row["exited"],
                "net": row["entered"] - row["exited"],
                "previous": previous,
                "growth": growth,
                "entry_rate": ratio(row["entered"], prior),
                "exit_rate": ratio(row["exited"], prior),
            }
        )
    return rows


def trends(
    segments: Any,
    start: dt.datetime,
    end: dt.datetime,
    every: dt.timedelta | str,
    data: ref.Dataset,
    catalog: Any = None,
    lookback: int | str | dt.timedelta = 1,
) -> list[dict]:
    """One row per segment and grid instant (segments in order, then periods)."""
    n = lookback_periods(lookback, every)
    rows = []
    for name, s in named(segments):
        sets = ref.history_sets(s, start, end, every, data, catalog)
        history = [
            {"period": t, "size": len(now), "entered": len(now - was), "exited": len(was - now)}
            for (_, was), (t, now) in itertools.pairwise(sets)
        ]
        rows.extend(_trend_rows(name, history, len(sets[0][1]), n))
    return rows


def _severity(z: float, threshold: float) -> str:
    if abs(z) < 2 * threshold:
        return "notice"
    return "warning" if abs(z) < 4 * threshold else "critical"


def detect_alerts(
    trend_rows: list[dict],
    baseline: int = 12,
    min_periods: int = 6,
    threshold: float = 3.5,
    min_change: float = 5,
) -> list[dict]:
    """Alerts on the net flow of each segment's periods (robust z-score vs its baseline)."""
    by_segment: dict[str, list[dict]] = {}
    for row in trend_rows:
        by_segment.setdefault(row["segment"], []).append(row)
    out = []
    for rows in by_segment.values():
        rows = sorted(rows, key=lambda r: r["period"])
        nets = [r["net"] for r in rows]
        for k, row in enumerate(rows):
            base = nets[max(0, k - baseline) : k]
            if len(base) < min_periods:
                continue
            med = _median(base)
            mad = _median([abs(x - med) for x in base])
            z = (row["net"] - med) / max(1.4826 * mad, 1)
            if abs(z) < threshold or abs(row["net"] - med) < min_change:
                continue
            previous = row["size"] - row["net"]
            out.append(
                {
                    "segment": row["segment"],
                    "period": row["period"],
                    "direction": "growing" if row["net"] > med else "shrinking",
                    "severity": _severity(z, threshold),
                    "z": z,
                    "net": row["net"],
                    "baseline_median": med,
                    "baseline_mad": mad,
                    "baseline_periods": len(base),
                    "size": row["size"],
                    "previous": previous,
                    "growth": ratio(row["size"], previous) - 1,
                }
            )
    return out


def alerts(
    segments: Any,
    start: dt.datetime,
    end: dt.datetime,
    every: dt.timedelta | str,
    data: ref.Dataset,
    catalog: Any = None,
    **options: Any,
) -> list[dict]:
    """:func:`detect_alerts` on :func:`trends` (lookback 1)."""
    return detect_alerts(trends(segments, start, end, every, data, catalog), **options)
