"""Hypothesis strategies of arbitrary rules, segments and catalogs (for serde tests).

Unlike ``strategies_data`` (rules that make sense on a fixed sample schema), these
cover the whole value space the model accepts: any field names, unicode text that is
hard on YAML ("yes", "2024-01-01", "!=", "- x", line separators ...), big integers,
floats, booleans, absolute and relative times, every window, nested groups, ``where``
filters, and catalogs whose segments reference each other.

>>> from segment_lab import field
>>> from tests.strategies import depth
>>> depth(~((field("a") == 1) | field("b").isnull()))
3
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from segment_lab.errors import InvalidSegmentError
from segment_lab.model import (
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
)
from segment_lab.model._nodes import COMPARISONS, LIST_MODES, TEXT_OPS
from segment_lab.model._time import ANCHORS, UNITS

__all__ = ["attribute_rules", "catalogs", "depth", "rules", "scalars", "segments", "windows"]

#: Strings that YAML or the relative-time grammar could misread.
TRICKY = (
    "", " ", "yes", "no", "on", "null", "~", "true", "123", "1e3", "0x1F", "2024-01-01",
    "2024-01-01T09:30:00", "12:30", "-30days", "now ", "today-1d", "!=", ">=", "<", "- a",
    "# not a comment", "a: b", "'", '"', "\\", "\n", "\t", "x\u2028y", "\x85", "\ufeff",
    "caf\u00e9", "\u6771\u4eac", "%", "@", "`", "&anchor", "*alias", "{}", "[]",
)  # fmt: skip

texts = st.one_of(st.sampled_from(TRICKY), st.text(max_size=12))
names = st.one_of(
    st.sampled_from(["city", "job_title", "points", "tags", "email", "created_at"]),
    st.text(min_size=1, max_size=10).filter(str.strip),
)
durations = st.builds(Duration, st.integers(-10_000, 10_000), st.sampled_from(list(UNITS)))
relative_times = st.one_of(
    st.builds(RelativeTime, st.sampled_from([a for a in ANCHORS if a != "week_start"]),
              st.none() | durations),
    # a week start takes fixed offsets only
    st.builds(RelativeTime, st.just("week_start"),
              st.none() | durations.filter(lambda d: not d.is_calendar)),
)  # fmt: skip
# naive UTC has no DST fold; hypothesis sets fold=1 sometimes, which only changes the repr
datetimes = st.datetimes(dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31)).map(
    lambda d: d.replace(fold=0)
)
dates = st.dates()
instants = st.one_of(datetimes, dates)
numbers = st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False))


def scalars(*, booleans: bool = True) -> st.SearchStrategy[object]:
    """Values of attribute comparisons (datetimes become AbsoluteTime in the node)."""
    base = st.one_of(texts, numbers, instants, relative_times)
    return st.one_of(base, st.booleans()) if booleans else base


def _swap_on_error(build: Callable[[Any, Any], Any], a: object, b: object) -> Any:
    """``build(a, b)``, or ``build(b, a)`` when the bounds are the wrong way round."""
    try:
        return build(a, b)
    except InvalidSegmentError:  # bounds the wrong way round
        return build(b, a)


def windows() -> st.SearchStrategy[object]:
    """``None``, ``Within`` or ``Between`` (absolute, relative or mixed bounds)."""
    within = st.builds(
        Within, st.builds(Duration, st.integers(1, 10_000), st.sampled_from(list(UNITS)))
    )
    bound = st.one_of(instants, relative_times)
    between = st.builds(lambda a, b: _swap_on_error(Between, a, b), bound, bound)
    return st.one_of(st.none(), within, between)


@st.composite
def _compare(draw: st.DrawFn) -> Rule:
    if draw(st.booleans()):
        return Compare(draw(names), draw(st.sampled_from(["==", "!="])), draw(st.booleans()))
    return Compare(draw(names), draw(st.sampled_from(COMPARISONS)), draw(scalars(booleans=False)))


@st.composite
def _text_match(draw: st.DrawFn) -> Rule:
    op, pattern = draw(st.sampled_from(TEXT_OPS)), draw(texts)
    if op == "matches":
        pattern = draw(st.sampled_from([re.escape(pattern), r"^\d{3}-[a-z]+$", "(x|y)+", "."]))
    return TextMatch(draw(names), op, pattern)


@st.composite
def _range_rule(draw: st.DrawFn) -> Rule:
    name = draw(names)
    return _swap_on_error(lambda a, b: Range(name, a, b), draw(scalars()), draw(scalars()))


def _value_lists() -> st.SearchStrategy[list[object]]:
    return st.lists(scalars(), min_size=1, max_size=4)


def attribute_leaves() -> st.SearchStrategy[Rule]:
    """Every attribute condition: compare, isin, range, text, isnull, empty, list_has."""
    return st.one_of(
        _compare(),
        st.builds(IsIn, names, _value_lists(), st.booleans()),
        _range_rule(),
        _text_match(),
        st.builds(IsNull, names, st.booleans()),
        st.builds(IsEmpty, names, st.booleans()),
        st.builds(ListHas, names, st.sampled_from(LIST_MODES), _value_lists()),
    )


def _groups(children: st.SearchStrategy[Rule]) -> st.SearchStrategy[Rule]:
    many = st.lists(children, min_size=1, max_size=4)
    return st.one_of(st.builds(And, many), st.builds(Or, many), st.builds(Not, children))


def attribute_rules(max_leaves: int = 6) -> st.SearchStrategy[Rule]:
    """Rules over attributes only, as allowed in ``event(...).where``."""
    return st.recursive(attribute_leaves(), _groups, max_leaves=max_leaves)


@st.composite
def events(draw: st.DrawFn) -> Rule:
    """An event condition with any measure, window and ``where`` filter."""
    measure = draw(st.sampled_from(["count", "sum", "last_seen", "first_seen"]))
    value = {
        "count": st.integers(0, 10**12),
        "sum": numbers,
        "last_seen": st.one_of(instants, relative_times),
        "first_seen": st.one_of(instants, relative_times),
    }[measure]
    return EventCondition(
        types=tuple(draw(st.lists(names, min_size=1, max_size=3))),
        measure=measure,
        op=draw(st.sampled_from(COMPARISONS)),
        value=draw(value),
        window=draw(windows()),
        where=draw(st.none() | attribute_rules(max_leaves=3)),
        column=draw(names) if measure == "sum" else None,
    )


def rules(
    *, segment_names: list[str] | None = None, max_leaves: int = 12
) -> st.SearchStrategy[Rule]:
    """Arbitrary rules of every node type, nested (depth 3 and more is common).

    ``segment_names`` limits ``in_segment`` references to those names (none: no
    references at all when the list is empty; any name when it is ``None``).
    """
    leaves = [attribute_leaves(), events()]
    if segment_names is None:
        leaves.append(st.builds(InSegment, names))
    elif segment_names:
        leaves.append(st.builds(InSegment, st.sampled_from(segment_names)))
    return st.recursive(st.one_of(leaves), _groups, max_leaves=max_leaves)


def segments(rule: st.SearchStrategy[Rule] | None = None) -> st.SearchStrategy[Segment]:
    """A segment with any name, rule, description and tags."""
    return st.builds(
        Segment,
        name=names,
        rule=rule if rule is not None else rules(),
        description=texts,
        tags=st.lists(texts, max_size=3).map(tuple),
    )


@st.composite
def catalogs(draw: st.DrawFn, max_segments: int = 5) -> Catalog:
    """A valid catalog: unique names, each segment referencing only earlier ones."""
    count = draw(st.integers(0, max_segments))
    seg_names = draw(st.lists(names, min_size=count, max_size=count, unique=True))
    built = []
    for i, name in enumerate(seg_names):
        seg = draw(segments(rules(segment_names=seg_names[:i], max_leaves=6))).with_name(name)
        if i and draw(st.booleans()):  # references are rare leaves: add one often
            ref = InSegment(draw(st.sampled_from(seg_names[:i])))
            seg = seg.with_rule(draw(st.sampled_from([And, Or]))((ref, seg.rule)))
        built.append(seg)
    return Catalog(tuple(draw(st.permutations(built))))


def depth(rule: Rule) -> int:
    """Nesting depth of a rule (a leaf is 1; a ``where`` filter counts as a level)."""
    below = list(rule.children())
    if isinstance(rule, EventCondition) and rule.where is not None:
        below.append(rule.where)
    return 1 + max((depth(r) for r in below), default=0)
