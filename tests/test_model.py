"""The model: nodes normalise and validate on construction; times, windows, catalogs."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from segment_lab import Catalog, Segment, event, field, in_segment
from segment_lab.errors import (
    CyclicReferenceError,
    DuplicateSegmentError,
    InvalidDurationError,
    InvalidTimeError,
    InvalidValueError,
    UnknownSegmentError,
)
from segment_lab.model import (
    NODE_TYPES,
    AbsoluteTime,
    And,
    Between,
    Compare,
    Duration,
    EventCondition,
    InSegment,
    IsIn,
    Not,
    Or,
    RelativeTime,
    Within,
    as_time_value,
    references,
    walk,
)
from segment_lab.model._nodes import node_fields, normalize_scalar
from segment_lab.model._time import looks_relative, parse_instant

T = dt.datetime(2024, 3, 15, 13, 45, 10)  # a Friday afternoon


# -- durations and time values -----------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "amount", "unit", "seconds"),
    [
        ("30d", 30, "d", 2_592_000),
        ("-12h", -12, "h", -43_200),
        ("+2w", 2, "w", 1_209_600),
        ("90min", 90, "min", 5_400),
        ("45s", 45, "s", 45),
        (" - 3 d ", -3, "d", -259_200),
    ],
)
def test_duration_parse(text: str, amount: int, unit: str, seconds: int) -> None:
    d = Duration.parse(text)
    assert (d.amount, d.unit, d.seconds) == (amount, unit, seconds)
    assert d.to_timedelta() == dt.timedelta(seconds=seconds)
    assert Duration.parse(str(d)) == d
    assert -d == Duration(-amount, unit)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("30days", "Invalid duration '30days'"),
        ("d30", "Invalid duration 'd30'"),
        ("1.5h", "Invalid duration '1.5h'"),
        (30, "got 30 (int)"),
    ],
)
def test_duration_errors(bad: object, message: str) -> None:
    with pytest.raises(InvalidDurationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Duration.parse(bad)


def test_duration_constructor_checks() -> None:
    with pytest.raises(InvalidDurationError, match=r"whole number, got 1\.5"):
        Duration(1.5, "d")
    with pytest.raises(
        InvalidDurationError, match="Unknown duration unit 'day'; use one of s, min, h, d, w"
    ):
        Duration(1, "day")
    with pytest.raises(InvalidDurationError, match="whole number, got True"):
        Duration(True, "d")


@pytest.mark.parametrize(
    ("text", "resolved"),
    [
        ("now", T),
        ("today", dt.datetime(2024, 3, 15)),
        ("yesterday", dt.datetime(2024, 3, 14)),
        ("tomorrow", dt.datetime(2024, 3, 16)),
        ("-30d", T - dt.timedelta(days=30)),
        ("+2w", T + dt.timedelta(weeks=2)),
        ("-90min", T - dt.timedelta(minutes=90)),
        ("today-1d", dt.datetime(2024, 3, 14)),
        ("tomorrow+12h", dt.datetime(2024, 3, 16, 12)),
        ("2024-01-02", dt.datetime(2024, 1, 2)),
        ("2024-01-02T03:04:05", dt.datetime(2024, 1, 2, 3, 4, 5)),
        ("2024-01-02 03:04", dt.datetime(2024, 1, 2, 3, 4)),
        ("2024-01-02T09:00:00+09:00", dt.datetime(2024, 1, 2)),  # converted to naive UTC
    ],
)
def test_time_values_resolve(text: str, resolved: dt.datetime) -> None:
    value = as_time_value(text)
    assert value.resolve(T) == resolved
    assert as_time_value(str(value)) == value  # the canonical string reads back the same


def test_time_value_forms() -> None:
    assert as_time_value(dt.date(2024, 1, 2)) == AbsoluteTime(dt.datetime(2024, 1, 2))
    aware = dt.datetime(2024, 1, 2, 9, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    assert AbsoluteTime(aware).value == dt.datetime(2024, 1, 2, 0)
    assert str(AbsoluteTime(dt.datetime(2024, 1, 2))) == "2024-01-02"
    assert str(AbsoluteTime(dt.datetime(2024, 1, 2, 0, 0, 1))) == "2024-01-02T00:00:01"
    assert str(RelativeTime("today", Duration(-1, "d"))) == "today-1d"
    assert str(RelativeTime("now", Duration(0, "d"))) == "+0d"
    assert RelativeTime("now", "-3h") == RelativeTime("now", Duration(-3, "h"))
    with pytest.raises(InvalidTimeError, match=r"Unknown time anchor 'tody'.*Did you mean 'today'"):
        RelativeTime("tody")
    with pytest.raises(InvalidTimeError, match="got 5 \\(int\\)"):
        as_time_value(5)
    with pytest.raises(InvalidTimeError, match="AbsoluteTime needs a datetime"):
        AbsoluteTime("2024-01-01")
    with pytest.raises(InvalidTimeError, match="Invalid time 'soon'"):
        parse_instant("soon")


@pytest.mark.parametrize(
    ("text", "relative"),
    [
        ("now", True), ("today", True), (" -30d ", True), ("+2w", True), ("today-1d", True),
        ("yesterday+3h", True), ("2024-01-01", False), ("Tokyo", False), ("-30days", False),
        ("today-", False), ("", False),
    ],
)  # fmt: skip
def test_looks_relative(text: str, relative: bool) -> None:
    assert looks_relative(text) is relative


# -- windows -------------------------------------------------------------------------------
def test_within_window() -> None:
    w = Within("7d")
    assert w.duration == Duration(7, "d")
    assert w.bounds(T) == (T - dt.timedelta(days=7), T)
    with pytest.raises(InvalidDurationError, match="must be positive, got '-7d'"):
        Within("-7d")


def test_between_window() -> None:
    w = Between("2024-01-01", "-1d")
    assert w.start == AbsoluteTime(dt.datetime(2024, 1, 1))
    assert w.bounds(T) == (dt.datetime(2024, 1, 1), T - dt.timedelta(days=1))
    assert Between("today", "today").bounds(T) == (dt.datetime(2024, 3, 15),) * 2  # empty, allowed
    assert Between("-1w", "-3d").start == RelativeTime("now", Duration(-1, "w"))
    with pytest.raises(InvalidTimeError, match="starts after it ends"):
        Between("-1d", "-1w")
    with pytest.raises(InvalidTimeError, match="starts after it ends"):
        Between("2024-02-01", dt.date(2024, 1, 1))


# -- attribute nodes -------------------------------------------------------------------------
def test_scalar_normalisation() -> None:
    assert normalize_scalar("-30d", "x") == RelativeTime("now", Duration(-30, "d"))
    assert normalize_scalar("today-1d", "x") == RelativeTime("today", Duration(-1, "d"))
    assert normalize_scalar("2024-01-01", "x") == "2024-01-01"  # text stays text
    assert normalize_scalar(dt.datetime(2024, 1, 1), "x") == AbsoluteTime(dt.datetime(2024, 1, 1))
    assert normalize_scalar(dt.date(2024, 1, 1), "x") == AbsoluteTime(dt.datetime(2024, 1, 1))
    assert normalize_scalar(3, "x") == 3
    with pytest.raises(InvalidValueError, match="cannot compare with NaN"):
        normalize_scalar(float("nan"), "x")
    with pytest.raises(InvalidValueError, match="got b'x' of type bytes"):
        normalize_scalar(b"x", "x")
    with pytest.raises(InvalidValueError, match="got a dict"):
        normalize_scalar({"a": 1}, "x")


def test_sequences_are_stored_as_tuples_and_copied() -> None:
    values = ["a", "b"]
    node = IsIn("x", values)
    values.append("c")
    assert node.values == ("a", "b")
    rules = [field("a") == 1]
    group = And(rules)
    rules.append(field("b") == 2)
    assert group.rules == (Compare("a", "==", 1),)
    assert EventCondition("buy", "count", ">=", 1).types == ("buy",)
    assert field("t").has_any({"x"}).values == ("x",)


def test_range_bounds() -> None:
    assert field("x").between(1, 1).low == 1
    assert field("x").between("a", "b").high == "b"
    assert field("x").between(1, "b").low == 1  # incomparable: no order check
    with pytest.raises(InvalidValueError, match="lower bound is above"):
        field("x").between("b", "a")
    with pytest.raises(InvalidValueError, match="lower bound is above"):
        field("x").between(dt.date(2024, 2, 1), dt.date(2024, 1, 1))


def test_event_condition_checks() -> None:
    with pytest.raises(InvalidValueError, match="window must be Within, Between or None"):
        EventCondition(("x",), "count", ">=", 1, window="30d")
    with pytest.raises(InvalidValueError, match="needs a rule, got 'a'"):
        EventCondition(("x",), "count", ">=", 1, where="a")
    with pytest.raises(InvalidValueError, match="compares a sum with a number, got True"):
        event("x").sum("v") > True  # noqa: B015
    with pytest.raises(InvalidTimeError, match="got 3 \\(int\\)"):
        event("x").last_seen() < 3  # noqa: B015
    with pytest.raises(InvalidValueError, match="event type name must be a non-empty string"):
        EventCondition(("x", ""), "count", ">=", 1)


def test_group_checks() -> None:
    with pytest.raises(InvalidValueError, match="all_of needs a list of rules, got 3"):
        And(3)
    with pytest.raises(InvalidValueError, match="Not\\(\\) takes a rule, got 'x'"):
        Not("x")
    assert And(field("a") == 1).rules == (Compare("a", "==", 1),)


def test_every_node_has_a_kind_docstring_and_fields() -> None:
    kinds = [cls.kind for cls in NODE_TYPES]
    assert len(set(kinds)) == len(kinds) == 12
    for cls in NODE_TYPES:
        assert cls.__doc__ and cls.__doc__.strip()
        assert dataclasses.is_dataclass(cls)
        assert cls.__dataclass_params__.frozen
    assert node_fields(Compare("a", "==", 1)) == ["field", "op", "value"]


def test_repr_reads_like_the_constructor() -> None:
    assert repr(field("city") == "Tokyo") == "Compare(field='city', op='==', value='Tokyo')"
    assert repr(in_segment("vip")) == "InSegment(name='vip')"
    assert eval(repr(field("a").isin([1, 2])), {"IsIn": IsIn}) == field("a").isin([1, 2])


def test_walk_and_references() -> None:
    where = field("url") == "/"
    inner = event("visit").where(where).exists()
    rule = (in_segment("a") | inner) & ~in_segment("b") & in_segment("a")
    nodes = list(walk(rule))
    assert nodes[0] is rule
    assert where in nodes and inner in nodes
    assert [type(n).__name__ for n in nodes] == [
        "And", "Or", "InSegment", "EventCondition", "Compare", "Not", "InSegment", "InSegment",
    ]  # fmt: skip
    assert references(rule) == ("a", "b")
    assert inner.children() == ()
    assert isinstance(rule.children()[0], Or)


# -- segments and catalogs ----------------------------------------------------------------------
def test_segment_construction() -> None:
    seg = Segment("vip", field("points") > 1000, "Top customers", tags=["a", "b"])
    assert seg.tags == ("a", "b")
    assert Segment("vip", seg.rule, tags="solo").tags == ("solo",)
    assert seg.references() == ()
    with pytest.raises(InvalidValueError, match="segment name must be a non-empty string"):
        Segment(" ", seg.rule)
    with pytest.raises(InvalidValueError, match=r"needs a rule .*got 'points > 1000' \(str\)"):
        Segment("vip", "points > 1000")
    with pytest.raises(InvalidValueError, match="description must be a string"):
        Segment("vip", seg.rule, description=None)
    with pytest.raises(InvalidValueError, match="tags must be strings"):
        Segment("vip", seg.rule, tags=[1])


def _catalog() -> Catalog:
    return Catalog(
        [
            Segment("tokyo-cto", in_segment("tokyo") & in_segment("cto")),
            Segment("tokyo", field("city") == "Tokyo"),
            Segment("cto", field("job_title") == "CTO"),
            Segment("target", in_segment("tokyo-cto") & (event("buy").count() == 0)),
        ]
    )


def test_catalog_lookup_and_order() -> None:
    cat = _catalog()
    assert len(cat) == 4
    assert cat.names == ("tokyo-cto", "tokyo", "cto", "target")
    assert "tokyo" in cat and "osaka" not in cat
    assert cat["cto"].rule == (field("job_title") == "CTO")
    assert [s.name for s in cat] == list(cat.names)
    assert cat.order() == ("tokyo", "cto", "tokyo-cto", "target")
    assert cat.dependencies("target") == ("tokyo", "cto", "tokyo-cto")
    assert cat.dependencies("tokyo") == ()
    with pytest.raises(
        UnknownSegmentError, match=r"No segment named 'tokio'.*Did you mean 'tokyo'"
    ):
        cat["tokio"]


def test_catalog_changes_return_new_catalogs() -> None:
    cat = _catalog()
    osaka = Segment("osaka", field("city") == "Osaka")
    assert cat.with_segment(osaka).names == (*cat.names, "osaka")
    replaced = cat.with_segment(Segment("tokyo", field("city") == "東京"))
    assert replaced.names == cat.names
    assert replaced["tokyo"].rule == (field("city") == "東京")
    assert cat.without("target").names == ("tokyo-cto", "tokyo", "cto")
    with pytest.raises(UnknownSegmentError, match="references in_segment\\('tokyo'\\)"):
        cat.without("tokyo")
    merged = Catalog([osaka]).merge(cat)
    assert merged.names == ("osaka", *cat.names)
    assert Catalog(osaka).names == ("osaka",)


def test_catalog_checks() -> None:
    a, b = Segment("a", in_segment("b")), Segment("b", in_segment("a"))
    with pytest.raises(CyclicReferenceError, match="a -> b -> a"):
        Catalog([a, b])
    with pytest.raises(DuplicateSegmentError, match="named 'a'"):
        Catalog([Segment("a", field("x") == 1), Segment("a", field("x") == 2)])
    with pytest.raises(UnknownSegmentError, match="references in_segment\\('b'\\)"):
        Catalog([a])
    with pytest.raises(InvalidValueError, match="holds Segment objects, got 'a'"):
        Catalog(["a"])
    with pytest.raises(CyclicReferenceError, match="b -> c -> b"):
        Catalog(
            [
                Segment("a", in_segment("b")),
                Segment("b", in_segment("c")),
                Segment("c", in_segment("b")),
            ]
        )


def test_nodes_are_hashable_values() -> None:
    assert len({field("a") == 1, field("a") == 1, field("a") == 2}) == 2
    assert {InSegment("x"): 1}[in_segment("x")] == 1
    assert Or((field("a") == 1,)) != And((field("a") == 1,))
