"""Hypothesis strategies: small random datasets, instants, rules and catalogs.

Everything lives on a coarse time grid (whole hours within ten days of
:data:`BASE`) and every window length is a whole number of hours or half-hours, so that
events fall exactly on the evaluation instant, on ``t - window`` and on ``between``
bounds often.  Numbers are multiples of 0.25 or 0.5, so float sums are exact in both
the reference and the database.

The fixed schema (see the module constants) has NULLs everywhere they are allowed,
mixed-case strings with stray spaces, list values, contacts created after the
evaluation instant, events of unknown contacts, and integer or string ids.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import itertools
from dataclasses import replace

from hypothesis import strategies as st

import tests.reference as ref
from segment_lab.errors import InvalidTimeError
from segment_lab.model import (
    AbsoluteTime,
    And,
    Between,
    Catalog,
    Compare,
    Duration,
    EventCondition,
    InSegment,
    IsEmpty,
    IsIn,
    IsNull,
    ListHas,
    Not,
    Or,
    Range,
    RelativeTime,
    Rule,
    Segment,
    TextMatch,
    Within,
    walk,
)
from tests.reference import Dataset

__all__ = [
    "BASE",
    "catalogs",
    "datasets",
    "event_rules",
    "future_additions",
    "grids",
    "instants",
    "instants_for",
    "rules_for_schema",
    "rules_with_catalog",
    "single_conditions",
    "time_values",
    "where_rules",
]

BASE = dt.datetime(2024, 3, 1)
HOURS = 120  # the data spans five days
H = dt.timedelta(hours=1)

CITIES = ("Tokyo", "tokyo", "TOKYO", " Tokyo", "Paris", "")
JOBS = ("CTO", "cto", "Developer", "VP Engineering")
TECH = ("python", "aws", "go", "java")
EVENT_TYPES = ("email_open", "email_click", "page_visit", "purchase")
URLS = ("/pricing", "/PRICING", "/docs", "/blog/a")
LIST_MODES = ("any", "all", "none")
EVENT_COLUMNS = ("url", "value")
HISTORY_COLUMNS = ("city", "job_title", "points")

#: Window lengths: hours and half-hours, so that window edges land on the grid.
WINDOWS = ("30min", "90min", "1h", "3h", "6h", "12h", "1d", "2d", "3d", "1w")

TEXT_PATTERNS = {
    "contains": ("tok", "TOK", "yo", "o", "", " ", "cto", "Dev", "engineering", "ToKyO"),
    "startswith": ("tok", " ", "T", "c", "VP", "", "paris", "dev"),
    "endswith": ("yo", "O", "is", "eering", "", "TO", " "),
    "like": ("tok%", "%YO", "_okyo", "%o%", "%", "", " %", "t_k%", "%engineer%", "c_o", "__"),
    "matches": ("^T", "kyo$", "[Tt]okyo", "^ ", "^$", "o", "^[A-Z]+$", "C.O", "^(Paris|Tokyo)$"),
}


def _pick(*strategies: st.SearchStrategy) -> st.SearchStrategy:
    """One of ``strategies``, chosen uniformly.

    ``st.one_of`` flattens nested one_ofs and favours its first branches, which would
    drown rare constructs (event conditions, list tests) among the common ones.
    """
    return st.sampled_from(strategies).flatmap(lambda s: s)


# -- times ------------------------------------------------------------------------------


def _hour(h: int) -> dt.datetime:
    return BASE + h * H


@functools.cache
def grid_times(lo: int = 0, hi: int = HOURS) -> st.SearchStrategy[dt.datetime]:
    """Whole hours between ``BASE + lo h`` and ``BASE + hi h``; half of them on multiples
    of six hours, so that data times and the absolute times of rules often coincide."""
    six = st.integers(-(-lo // 6), hi // 6).map(lambda k: _hour(6 * k))
    return _pick(six, st.integers(lo, hi).map(_hour))


_NUDGES = (
    dt.timedelta(0),
    dt.timedelta(0),
    dt.timedelta(0),
    dt.timedelta(minutes=30),
    dt.timedelta(seconds=1),
    dt.timedelta(seconds=-1),
    dt.timedelta(microseconds=1),
    dt.timedelta(microseconds=-1),
)


@functools.cache
def instants() -> st.SearchStrategy[dt.datetime]:
    """Evaluation instants: grid hours (often) and values just beside or between them."""
    return st.builds(lambda t, d: t + d, grid_times(-24, HOURS + 24), st.sampled_from(_NUDGES))


def instants_for(
    data: Dataset,
    rule: Rule | Segment | None = None,
    catalog: Catalog | None = None,
    universe_edges: bool = True,
) -> st.SearchStrategy[dt.datetime]:
    """Instants aimed at the edges of ``rule`` (and of the catalog's segments) on ``data``.

    Two draws in three are an edge, give or take a microsecond: a creation or history
    boundary, an event exactly at t or at ``t - window``, a relative time or ``between``
    bound landing exactly on an event or attribute time.  Edges come in groups (one per
    kind and node), and a group is chosen first, so that every kind of edge is hit
    often whatever its size.  The other draws are grid instants.  Without
    ``universe_edges``, creations and history boundaries are left out unless the rule
    has no edges of its own (to aim at one condition).
    """
    rules = [r for r in (rule, *(s.rule for s in catalog or ())) if r is not None]
    own = _edge_groups(data, [r.rule if isinstance(r, Segment) else r for r in rules])
    creations = {c["created_at"] for c in data.contacts} - {None}
    bounds = {row[k] for row in data.history or () for k in ("valid_from", "valid_to")}
    groups = [tuple(sorted(g)) for g in [creations, bounds - {None}, *own] if g]
    if not universe_edges and own:
        groups = [tuple(sorted(g)) for g in own if g] or groups
    edge = st.builds(
        lambda t, nudge: t + nudge,
        st.sampled_from(groups).flatmap(st.sampled_from),
        st.sampled_from(_NEAR),
    )
    return _pick(instants(), edge, edge)


_NEAR = (dt.timedelta(0),) * 4 + (dt.timedelta(microseconds=1), dt.timedelta(microseconds=-1))


def _edge_groups(data: Dataset, rules: list[Rule]) -> list[set[dt.datetime]]:
    """Instants where some condition of ``rules`` may change its value on ``data``, by kind."""
    groups = []
    values = {c[k] for c in data.contacts for k in ("created_at", "signup_date")} - {None}
    for node in (n for r in rules for n in walk(r)):
        if isinstance(node, EventCondition):
            times = {e["ts"] for e in data.events if e["event_type"] in node.types}
            groups.extend(_event_edges(node, times))
        else:
            on_events = getattr(node, "field", None) == "ts"
            targets = {e["ts"] for e in data.events} if on_events else values
            groups.extend(_landing(v, targets) for v in _time_values_of(node))
    return groups


def _event_edges(node: EventCondition, times: set[dt.datetime]) -> list[set[dt.datetime]]:
    groups = [set(times)]  # an event exactly at t
    window = node.window
    if isinstance(window, Within):
        d = window.duration
        groups.append({ref.shift(ts, d) for ts in times})  # an event exactly at t - d
        if d.is_calendar:  # where t - d is clipped: the first instant of the next month
            groups.append({_next_month(ref.shift(ts, d)) for ts in times})
    elif isinstance(window, Between):
        groups.extend(_landing(bound, times) for bound in (window.start, window.end))
    if node.measure in ("last_seen", "first_seen"):
        groups.append(_landing(node.value, times))
    return groups


def _time_values_of(node: Rule) -> list:
    values = [getattr(node, a, None) for a in ("value", "low", "high")]
    return values + list(getattr(node, "values", ()))


def _landing(value: object, targets: set[dt.datetime]) -> set[dt.datetime]:
    """Instants t at which ``value.resolve(t)`` is one of ``targets``."""
    if isinstance(value, AbsoluteTime):
        return {value.value}  # e.g. a between bound: the clipping edge
    if not isinstance(value, RelativeTime):
        return set()
    if value.offset is not None and value.offset.is_calendar:
        back = [ref.shift(x, -value.offset) for x in targets]  # t with t + offset == x
        if value.anchor == "now":
            return {*back, *(_next_month(x) for x in back)}
        day = dt.timedelta(days={"today": 0, "yesterday": -1, "tomorrow": 1}[value.anchor])
        return {
            dt.datetime(x.year, x.month, x.day) - day + dt.timedelta(hours=h)
            for x in back
            for h in (0, 13)
        }
    offset = value.offset.to_timedelta() if value.offset else dt.timedelta(0)
    if value.anchor == "now":
        return {x - offset for x in targets}
    day = dt.timedelta(days={"today": 0, "yesterday": -1, "tomorrow": 1}[value.anchor])
    midnights = {x - offset - day for x in targets}
    return {
        m + dt.timedelta(hours=h)
        for m in midnights
        if m == dt.datetime(m.year, m.month, m.day)
        for h in (0, 13)
    }


def _next_month(t: dt.datetime) -> dt.datetime:
    """The first instant of the month after ``t``'s."""
    return dt.datetime(t.year + t.month // 12, t.month % 12 + 1, 1)


#: Calendar offsets: on data spanning days they mostly reach before or after all of it.
CALENDAR_DURATIONS = (Duration(-1, "mo"), Duration(1, "mo"), Duration(-3, "mo"), Duration(-1, "q"))


@functools.cache
def durations() -> st.SearchStrategy[Duration]:
    """Signed offsets for relative times, in every unit (calendar months included)."""
    return _pick(
        st.sampled_from(CALENDAR_DURATIONS),
        st.integers(-240, 48).map(lambda n: Duration(n, "h")),
        st.integers(-10, 3).map(lambda n: Duration(n, "d")),
        st.integers(-2, 1).map(lambda n: Duration(n, "w")),
        st.integers(-20, 4).map(lambda n: Duration(30 * n, "min")),
        st.sampled_from([Duration(-1, "s"), Duration(1, "s"), Duration(-3600, "s")]),
    )


@functools.cache
def time_values() -> st.SearchStrategy[AbsoluteTime | RelativeTime]:
    """Absolute grid times, ``now`` plus an offset, and day anchors."""
    return _pick(
        grid_times().map(AbsoluteTime),
        durations().map(lambda d: RelativeTime("now", d)),
        st.just(RelativeTime("now")),
        st.builds(
            RelativeTime,
            st.sampled_from(["today", "yesterday", "tomorrow"]),
            st.one_of(st.none(), durations()),
        ),
    )


@functools.cache
def _iso_strings() -> st.SearchStrategy[str]:
    """ISO strings as a user would type them (kept as strings by the model)."""
    return _pick(
        grid_times().map(lambda t: t.isoformat()),
        grid_times().map(lambda t: t.date().isoformat()),
    )


@functools.cache
def windows() -> st.SearchStrategy[Within | Between | None]:
    """No window, a sliding window, or a between window (absolute, relative or mixed)."""
    absolute = st.lists(grid_times(-24, HOURS + 24), min_size=2, max_size=2).map(sorted)
    relative = st.lists(durations(), min_size=2, max_size=2).map(
        lambda ds: sorted(ds, key=lambda d: d.span_seconds())
    )
    within = st.sampled_from((*WINDOWS, "1mo")).map(Within)
    return _pick(
        st.none(),
        within,
        within,
        absolute.map(lambda ab: Between(AbsoluteTime(ab[0]), AbsoluteTime(ab[1]))),
        relative.map(lambda ds: Between(RelativeTime("now", ds[0]), RelativeTime("now", ds[1]))),
        st.builds(_between, time_values(), time_values()),
    )


def _between(a: AbsoluteTime | RelativeTime, b: AbsoluteTime | RelativeTime) -> Between:
    """``Between(a, b)``, swapped when the model sees that ``a`` is after ``b``."""
    try:
        return Between(a, b)
    except InvalidTimeError:
        return Between(b, a)


# -- data -------------------------------------------------------------------------------


def _maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.none(), strategy)


@functools.cache
def _points() -> st.SearchStrategy[int | None]:
    return _maybe(st.integers(-3, 20))


@functools.cache
def _scores() -> st.SearchStrategy[float | None]:
    return _maybe(st.integers(-8, 40).map(lambda n: n / 4))


@functools.cache
def _contact_values() -> st.SearchStrategy[dict]:
    """Every contact column but contact_id."""
    return st.fixed_dictionaries(
        {
            "created_at": _pick(grid_times(0, 24), grid_times()),  # mostly early
            "city": _maybe(st.sampled_from(CITIES)),
            "job_title": _maybe(st.sampled_from(JOBS)),
            "points": _points(),
            "score": _scores(),
            "is_customer": _maybe(st.booleans()),
            "signup_date": _maybe(grid_times()),
            "technologies": _maybe(st.lists(st.sampled_from(TECH), max_size=4, unique=True)),
        }
    )


@functools.cache
def _event_values() -> st.SearchStrategy[dict]:
    """Every event column but contact_id."""
    return st.fixed_dictionaries(
        {
            "event_type": st.sampled_from(EVENT_TYPES),
            "ts": grid_times(),
            "url": _maybe(st.sampled_from(URLS)),
            "value": _maybe(st.integers(-2, 20).map(lambda n: n / 2)),
        }
    )


def _events(draw: st.DrawFn, ids: list, max_size: int) -> list[dict]:
    """Events of contacts among ``ids`` (drawn by position, so the strategy is shared).

    The length is drawn first (uniformly): ``st.lists`` alone keeps lists short, and
    sparse events rarely put a count on its threshold or an event on a window edge.
    """
    n = draw(st.integers(0, max_size))
    item = st.tuples(st.integers(0, 255), _event_values())
    picks = draw(st.lists(item, min_size=n, max_size=n))
    return [{"contact_id": ids[i % len(ids)], **values} for i, values in picks]


@functools.cache
def _history_values() -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {
            "city": _maybe(st.sampled_from(CITIES)),
            "job_title": _maybe(st.sampled_from(JOBS)),
            "points": _points(),
        }
    )


@st.composite
def _history_rows(draw: st.DrawFn, contact: dict) -> list[dict]:
    """0-3 contiguous SCD2 rows from created_at (or later); the last one open or closed."""
    n = draw(st.integers(0, 3))
    if n == 0:
        return []
    first = contact["created_at"] + draw(st.sampled_from([0, 0, 0, 1, 5, 30])) * H
    steps = draw(st.lists(st.integers(1, 72), min_size=n, max_size=n))
    bounds = [first]
    for step in steps:
        bounds.append(bounds[-1] + step * H)
    if draw(st.integers(0, 4)) > 0:
        bounds[-1] = None  # the current row is open
    rows = []
    for lo, hi in itertools.pairwise(bounds):
        values = draw(_history_values())
        rows.append(
            {"contact_id": contact["contact_id"], "valid_from": lo, "valid_to": hi, **values}
        )
    return rows


def _ids(numbers: list[int], as_strings: bool) -> list:
    return [f"c{n:02d}" for n in numbers] if as_strings else list(numbers)


@st.composite
def datasets(draw: st.DrawFn, with_history: bool = False) -> Dataset:
    """2-12 contacts, 0-40 events (some of unknown contacts), optional SCD2 history."""
    n = draw(st.integers(2, 12))
    as_strings = draw(st.booleans())
    numbers = draw(st.lists(st.integers(1, 60), min_size=n, max_size=n, unique=True))
    ids = _ids(numbers, as_strings)
    contacts = [{"contact_id": cid, **draw(_contact_values())} for cid in ids]
    strangers = _ids([97, 98], as_strings)
    events = _events(draw, ids * 4 + strangers, max_size=40)
    history = None
    if with_history:
        history = [row for c in contacts for row in draw(_history_rows(c))]
    columns = HISTORY_COLUMNS if with_history else None
    return Dataset(contacts, events, history, columns, EVENT_COLUMNS)


@st.composite
def future_additions(draw: st.DrawFn, data: Dataset, t: dt.datetime) -> Dataset:
    """``data`` plus events, contacts and history rows that all lie strictly after ``t``."""
    after = st.integers(0, 48).map(lambda h: t + dt.timedelta(microseconds=1) + h * H)
    as_strings = any(isinstance(c["contact_id"], str) for c in data.contacts)
    new_contacts = []
    for number in draw(st.lists(st.integers(61, 70), max_size=3, unique=True)):
        cid = _ids([number], as_strings)[0]
        new_contacts.append(
            {"contact_id": cid, **draw(_contact_values()), "created_at": draw(after)}
        )
    ids = [c["contact_id"] for c in data.contacts + new_contacts]
    extra = _events(draw, ids, max_size=10)
    events = data.events + [{**e, "ts": draw(after)} for e in extra]
    history = data.history
    if history is not None:
        history = _future_history(draw, history, data.contacts + new_contacts, after)
    return replace(data, contacts=data.contacts + new_contacts, events=events, history=history)


def _future_history(draw: st.DrawFn, rows: list[dict], contacts: list[dict], after) -> list[dict]:
    """Close some current rows after t and open new ones; start rows for others after t."""
    out = [dict(r) for r in rows]
    for contact in contacts:
        if not draw(st.booleans()):
            continue
        mine = [r for r in out if r["contact_id"] == contact["contact_id"]]
        last = max(mine, key=lambda r: r["valid_from"]) if mine else None
        start = draw(after)
        if last is not None:
            if last["valid_to"] is None:
                start = max(start, last["valid_from"] + H)
                last["valid_to"] = start
            else:
                start = max(start, last["valid_to"])
        values = draw(_history_values())
        out.append(
            {"contact_id": contact["contact_id"], "valid_from": start, "valid_to": None, **values}
        )
    return out


# -- rules ------------------------------------------------------------------------------

_OPS = ("==", "!=", "<", "<=", ">", ">=")
_STRINGS = (*CITIES, *JOBS, "M", "Developer ")


def _compare(column: str, values: st.SearchStrategy, ops=_OPS) -> st.SearchStrategy[Rule]:
    return st.builds(Compare, st.just(column), st.sampled_from(ops), values)


def _isin(column: str, values: st.SearchStrategy) -> st.SearchStrategy[Rule]:
    return st.builds(
        IsIn, st.just(column), st.lists(values, min_size=1, max_size=3).map(tuple), st.booleans()
    )


def _range(column: str, values: st.SearchStrategy, key=None) -> st.SearchStrategy[Rule]:
    pairs = st.lists(values, min_size=2, max_size=2)
    if key is not None:
        pairs = pairs.map(lambda p: sorted(p, key=key))
    return pairs.map(lambda p: Range(column, p[0], p[1]))


def _time_key(value: object) -> tuple:
    if isinstance(value, AbsoluteTime):
        return (0, value.value.timestamp())
    return (1, 0)  # relative pairs may be in any order: the model accepts them


def _string_leaves(column: str, values=_STRINGS) -> list[st.SearchStrategy[Rule]]:
    strings = st.sampled_from(values)
    text = st.sampled_from(sorted(TEXT_PATTERNS)).flatmap(
        lambda op: st.builds(
            TextMatch, st.just(column), st.just(op), st.sampled_from(TEXT_PATTERNS[op])
        )
    )
    return [
        _compare(column, strings),
        _isin(column, strings),
        _range(column, strings, key=lambda s: s),
        text,
        st.builds(IsNull, st.just(column), st.booleans()),
        st.builds(IsEmpty, st.just(column), st.booleans()),
    ]


def _number_leaves(column: str, values: st.SearchStrategy) -> list[st.SearchStrategy[Rule]]:
    return [
        _compare(column, values),
        _isin(column, values),
        _range(column, values, key=lambda v: v),
        st.builds(IsNull, st.just(column), st.booleans()),
    ]


def _time_leaves(column: str, relative: bool = True) -> list[st.SearchStrategy[Rule]]:
    values = time_values() if relative else grid_times().map(AbsoluteTime)
    absolute_pairs = st.lists(grid_times(), min_size=2, max_size=2).map(sorted)
    return [
        _compare(column, _pick(values, _iso_strings())),
        _isin(column, grid_times()),
        absolute_pairs.map(lambda p: Range(column, AbsoluteTime(p[0]), AbsoluteTime(p[1]))),
        _range(column, values, key=_time_key),
        st.builds(IsNull, st.just(column), st.booleans()),
    ]


@functools.cache
def contact_leaves() -> st.SearchStrategy[Rule]:
    """Attribute conditions of every kind over the contact columns (a column, then a test)."""
    numbers = _pick(st.integers(-3, 20), st.integers(-8, 40).map(lambda n: n / 4))
    tech = st.lists(st.sampled_from((*TECH, "rust")), min_size=1, max_size=3, unique=True)
    has = st.builds(ListHas, st.just("technologies"), st.sampled_from(LIST_MODES), tech.map(tuple))
    by_column = [
        _string_leaves("city"),
        _string_leaves("job_title"),
        _number_leaves("points", numbers),
        _number_leaves("score", numbers),
        [
            _compare("is_customer", st.booleans(), ops=("==", "!=")),
            _isin("is_customer", st.booleans()),
            st.builds(IsNull, st.just("is_customer"), st.booleans()),
        ],
        _time_leaves("signup_date"),
        _time_leaves("created_at"),
        [
            has,
            has,
            st.builds(IsNull, st.just("technologies"), st.booleans()),
            st.builds(IsEmpty, st.just("technologies"), st.booleans()),
        ],
    ]
    return _pick(*(_pick(*leaves) for leaves in by_column))


@functools.cache
def event_leaves() -> st.SearchStrategy[Rule]:
    """Attribute conditions over the event columns (for ``where``)."""
    values = st.integers(-2, 20).map(lambda n: n / 2)
    by_column = [
        _string_leaves("url", (*URLS, "/blog")),
        _number_leaves("value", values),
        [_compare("ts", _pick(time_values(), _iso_strings()))],
        [
            _compare("event_type", st.sampled_from(EVENT_TYPES), ops=("==", "!=")),
            _isin("event_type", st.sampled_from(EVENT_TYPES)),
        ],
    ]
    return _pick(*(_pick(*leaves) for leaves in by_column))


@st.composite
def _nested(draw: st.DrawFn, leaves: tuple, depth: int, p_group: int = 65) -> Rule:
    """A leaf, or (with ``p_group``% chance while ``depth`` allows) And/Or/Not of subrules."""
    if depth > 0 and draw(st.integers(0, 99)) < p_group:
        kind = draw(st.sampled_from(["and", "or", "not"]))
        if kind == "not":
            return Not(draw(_nested(leaves, depth - 1, p_group)))
        size = draw(st.integers(2, 3))
        rules = tuple(draw(_nested(leaves, depth - 1, p_group)) for _ in range(size))
        return And(rules) if kind == "and" else Or(rules)
    return draw(_pick(*leaves))


@functools.cache
def where_rules(depth: int = 2) -> st.SearchStrategy[Rule]:
    """Rules over event columns, nested up to ``depth`` levels."""
    return _nested((event_leaves(),), depth, 40)


@functools.cache
def _measure_values(measure: str) -> st.SearchStrategy:
    if measure == "count":
        return st.sampled_from((0, 1, 1, 2, 2, 3, 4))
    if measure == "sum":
        return st.integers(-2, 20).map(lambda n: n / 2)
    return time_values()


@functools.cache
@st.composite
def event_rules(draw: st.DrawFn) -> Rule:
    """An event condition: any measure, operator, window and optional ``where``."""
    types = draw(st.lists(st.sampled_from(EVENT_TYPES), min_size=1, max_size=2, unique=True))
    measure = draw(st.sampled_from(["count", "count", "sum", "last_seen", "first_seen"]))
    return EventCondition(
        tuple(types),
        measure,
        draw(st.sampled_from(_OPS)),
        draw(_measure_values(measure)),
        draw(windows()),
        draw(_pick(st.none(), st.none(), where_rules())),
        "value" if measure == "sum" else None,
    )


@functools.cache
def rules_for_schema(
    depth: int = 3, segment_names: tuple[str, ...] = ()
) -> st.SearchStrategy[Rule]:
    """Rules of every node type, nested up to ``depth`` levels of And/Or/Not.

    ``in_segment`` leaves refer to ``segment_names`` (none when it is empty).
    """
    leaves = [contact_leaves(), contact_leaves(), event_rules(), event_rules()]
    if segment_names:
        leaves.append(st.sampled_from(segment_names).map(InSegment))
    return _nested(tuple(leaves), depth)


@functools.cache
def single_conditions() -> st.SearchStrategy[Rule]:
    """One condition, two times in three an event condition, sometimes negated."""
    leaf = _pick(contact_leaves(), event_rules(), event_rules())
    return _pick(leaf, leaf, leaf, leaf.map(Not))


@functools.cache
@st.composite
def catalogs(draw: st.DrawFn, max_segments: int = 3) -> Catalog:
    """1-3 segments; each may reference the ones before it (so no cycles)."""
    segments: list[Segment] = []
    for i in range(draw(st.integers(1, max_segments))):
        names = tuple(s.name for s in segments)
        rule = draw(rules_for_schema(depth=2, segment_names=names))
        segments.append(Segment(f"seg{i}", rule))
    return Catalog(tuple(segments))


@functools.cache
@st.composite
def rules_with_catalog(draw: st.DrawFn, depth: int = 3) -> tuple[Rule | Segment, Catalog]:
    """A rule (or a Segment wrapping one) that may reference segments of a random catalog."""
    catalog = draw(catalogs())
    rule = draw(rules_for_schema(depth, catalog.names))
    if draw(st.integers(0, 5)) == 0:
        return Segment("target", rule), catalog
    return rule, catalog


EVERY = ("1h", "6h", "1d", "1w")
#: Calendar grids: steps of unequal length, on the 1st of months.
CALENDAR_EVERY = ("1mo", "1q", "2mo")


@st.composite
def grids(
    draw: st.DrawFn,
    data: Dataset,
    rule: Rule | Segment | None = None,
    catalog: Catalog | None = None,
    max_points: int = 5,
    calendar: bool = False,
) -> tuple[dt.datetime, dt.datetime, str]:
    """``(start, end, every)``: starts on event times, window edges and grid hours."""
    every = draw(st.sampled_from(EVERY if not calendar else CALENDAR_EVERY))
    start = draw(instants_for(data, rule, catalog))
    n = draw(st.integers(0, max_points - 1))
    if calendar:  # steps of unequal length: end n months on, give or take a day
        slack = draw(
            st.sampled_from([dt.timedelta(0), dt.timedelta(days=1), -dt.timedelta(days=1)])
        )
        months = Duration.parse(every).months
        return start, max(ref.shift_months(start, n * months) + slack, start), every
    step = Duration.parse(every).to_timedelta()
    slack = draw(
        st.sampled_from([dt.timedelta(0), dt.timedelta(0), step / 2, -dt.timedelta(seconds=1)])
    )
    end = start + n * step + slack
    return start, max(end, start), every


# -- calendar months: data around month ends ----------------------------------------------

#: Instants on the days where calendar months clip (28th-31st, a leap February), the 1st,
#: 2nd and 14th, at four times of day, from December 2023 to June 2024.
CALENDAR_TIMES = tuple(
    sorted(
        dt.datetime(y, m, d, h)
        for y, m in [(2023, 12), *((2024, k) for k in range(1, 7))]
        for d in (1, 2, 14, 27, 28, 29, 30, 31)
        if d <= calendar.monthrange(y, m)[1]
        for h in (0, 6, 12, 23)
    )
)


def _warp(t: dt.datetime | None) -> dt.datetime | None:
    """Hour h after BASE -> the h-th calendar instant (strictly increasing, days beyond)."""
    if t is None:
        return None
    h = (t - BASE) // H
    if h < 0:
        return CALENDAR_TIMES[0] + h * dt.timedelta(days=1)
    if h >= len(CALENDAR_TIMES):
        return CALENDAR_TIMES[-1] + (h - len(CALENDAR_TIMES) + 1) * dt.timedelta(days=1)
    return CALENDAR_TIMES[h]


def _warp_row(row: dict) -> dict:
    return {k: _warp(v) if isinstance(v, dt.datetime) else v for k, v in row.items()}


@st.composite
def calendar_datasets(draw: st.DrawFn, with_history: bool = False) -> Dataset:
    """:func:`datasets` spread over months: every time mapped, in order, onto
    :data:`CALENDAR_TIMES` (events on month ends, at several times of day)."""
    data = draw(datasets(with_history))
    history = None if data.history is None else [_warp_row(r) for r in data.history]
    return replace(
        data,
        contacts=[_warp_row(c) for c in data.contacts],
        events=[_warp_row(e) for e in data.events],
        history=history,
    )


_CAL_OFFSETS = tuple(
    Duration(n, u) for n, u in [(-1, "mo"), (-2, "mo"), (-3, "mo"), (1, "mo"), (-1, "q"), (0, "mo")]
)


@functools.cache
def calendar_times() -> st.SearchStrategy[RelativeTime]:
    """Relative times with calendar offsets, anchored on now or a midnight."""
    return st.builds(
        RelativeTime,
        st.sampled_from(["now", "now", "today", "yesterday"]),
        st.sampled_from(_CAL_OFFSETS),
    )


@functools.cache
def calendar_windows() -> st.SearchStrategy[Within | Between]:
    """Sliding windows of months and quarters, and between windows of calendar bounds."""
    return _pick(
        st.sampled_from(["1mo", "2mo", "3mo", "1q"]).map(Within),
        st.builds(_between, calendar_times(), calendar_times()),
        st.builds(_between, calendar_times(), time_values()),
    )


@st.composite
def calendar_conditions(draw: st.DrawFn) -> Rule:
    """One condition comparing with calendar months, sometimes negated or paired."""

    def leaf() -> Rule:
        kind = draw(st.sampled_from(["count", "count", "seen", "attr", "where"]))
        types = tuple(
            draw(st.lists(st.sampled_from(EVENT_TYPES), min_size=1, max_size=2, unique=True))
        )
        if kind == "count":
            return EventCondition(
                types,
                "count",
                draw(st.sampled_from(_OPS)),
                draw(st.integers(0, 3)),
                draw(calendar_windows()),
            )
        if kind == "seen":
            measure = draw(st.sampled_from(["last_seen", "first_seen"]))
            window = draw(st.one_of(st.none(), calendar_windows()))
            return EventCondition(
                types, measure, draw(st.sampled_from(_OPS)), draw(calendar_times()), window
            )
        if kind == "attr":
            column = draw(st.sampled_from(["created_at", "signup_date"]))
            return Compare(column, draw(st.sampled_from(_OPS)), draw(calendar_times()))
        where = Compare("ts", draw(st.sampled_from(_OPS)), draw(calendar_times()))
        return EventCondition(types, "count", ">=", draw(st.integers(1, 2)), None, where)

    first = leaf()
    shape = draw(st.sampled_from(["one", "one", "not", "and", "or"]))
    if shape == "not":
        return Not(first)
    if shape in ("and", "or"):
        return (And if shape == "and" else Or)((first, leaf()))
    return first
