"""The DSL builds exactly the model nodes; Python's and/or/not are refused with the fix."""

from __future__ import annotations

import datetime as dt

import pytest

from segment_lab import all_of, any_of, event, field, in_segment
from segment_lab.dsl import EventMeasure, EventSpec, Field
from segment_lab.errors import InvalidSegmentError, InvalidTimeError, InvalidValueError
from segment_lab.model import (
    AbsoluteTime,
    And,
    Between,
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
    TextMatch,
    Within,
)

A, B, C = field("a") == 1, field("b") == 2, field("c") == 3


DSL_CASES = [
    (field("x") == "v", Compare("x", "==", "v")),
    (field("x") != "v", Compare("x", "!=", "v")),
    (field("x") < 3, Compare("x", "<", 3)),
    (field("x") <= 3, Compare("x", "<=", 3)),
    (field("x") > 3.5, Compare("x", ">", 3.5)),
    (field("x") >= -1, Compare("x", ">=", -1)),
    (field("x").isin(["a", "b"]), IsIn("x", ("a", "b"))),
    (field("x").notin(("a",)), IsIn("x", ("a",), negate=True)),
    (field("x").between(1, 2), Range("x", 1, 2)),
    (field("x").contains("a"), TextMatch("x", "contains", "a")),
    (field("x").startswith("a"), TextMatch("x", "startswith", "a")),
    (field("x").endswith("a"), TextMatch("x", "endswith", "a")),
    (field("x").like("a%"), TextMatch("x", "like", "a%")),
    (field("x").matches("^a"), TextMatch("x", "matches", "^a")),
    (field("x").isnull(), IsNull("x")),
    (field("x").notnull(), IsNull("x", negate=True)),
    (field("x").empty(), IsEmpty("x")),
    (field("x").notempty(), IsEmpty("x", negate=True)),
    (field("x").has_any(["p"]), ListHas("x", "any", ("p",))),
    (field("x").has_all(["p", "q"]), ListHas("x", "all", ("p", "q"))),
    (field("x").has_none(["p"]), ListHas("x", "none", ("p",))),
    (in_segment("vip"), InSegment("vip")),
    (
        event("buy").count(within="30d") >= 3,
        EventCondition(("buy",), "count", ">=", 3, Within(Duration(30, "d"))),
    ),
    (event("buy").exists(), EventCondition(("buy",), "count", ">=", 1)),
    (event(["a", "b"]).count() == 0, EventCondition(("a", "b"), "count", "==", 0)),
    (
        event("buy").sum("amount", within="1w") > 9.5,
        EventCondition(("buy",), "sum", ">", 9.5, Within(Duration(1, "w")), column="amount"),
    ),
    (
        event("buy").last_seen() < "-90d",
        EventCondition(("buy",), "last_seen", "<", RelativeTime("now", Duration(-90, "d"))),
    ),
    (
        event("buy").first_seen(between=("2024-01-01", "today")) >= dt.date(2024, 1, 5),
        EventCondition(
            ("buy",),
            "first_seen",
            ">=",
            AbsoluteTime(dt.datetime(2024, 1, 5)),
            Between(AbsoluteTime(dt.datetime(2024, 1, 1)), RelativeTime("today")),
        ),
    ),
    (
        event("visit").where(field("url").contains("/pricing")).exists(),
        EventCondition(
            ("visit",), "count", ">=", 1, where=TextMatch("url", "contains", "/pricing")
        ),
    ),
]


@pytest.mark.parametrize(("built", "node"), DSL_CASES, ids=[repr(n)[:60] for _, n in DSL_CASES])
def test_dsl_builds_the_node(built: object, node: object) -> None:
    assert built == node
    assert repr(built) == repr(node)


def test_where_calls_combine_with_and() -> None:
    spec = event("visit").where(field("a") == 1).where(field("b") == 2)
    assert spec.where_rule == And((Compare("a", "==", 1), Compare("b", "==", 2)))


def test_composition_operators_build_and_or_not() -> None:
    assert And((A, B)) == (A & B)
    assert Or((A, B)) == (A | B)
    assert Not(A) == ~A
    assert ~~A == A  # double negation cancels
    assert And((A, B, C)) == (A & B) & C  # flat, not nested
    assert And((A, B, C)) == A & (B & C)
    assert Or((A, B, C)) == (A | B) | C
    assert Or((And((A, B)), C)) == (A & B) | C
    assert all_of(A, B, C) == And((A, B, C)) == all_of([A, B, C])
    assert any_of(A, B) == Or((A, B)) == any_of((A, B))
    assert all_of(A) == And((A,))


def test_foreign_operands_name_the_operands_and_the_parentheses() -> None:
    with pytest.raises(TypeError, match=r"& combines rules, got .* and True \(bool\)"):
        A & True
    with pytest.raises(TypeError, match=r"\| combines rules, got 'x' \(str\) and "):
        "x" | A


PARENS = "Put parentheses around each comparison: (field('a') == 1) {op} (field('b') == 2)."


@pytest.mark.parametrize(
    ("op", "forgot"),
    [
        ("&", lambda: field("a") == 1 & field("b") == 2),
        ("&", lambda: field("a") == 1 & (field("b") == 2)),
        ("&", lambda: (field("a") == 1) & field("b") == 2),
        ("|", lambda: field("a") == 1 | field("b") == 2),
        ("&", lambda: event("x").count() >= 3 & field("b") == 2),
        ("&", lambda: field("plan") == "pro" & event("login").exists()),
        ("|", lambda: event("x").count(within="7d") | (field("b") == 2)),
    ],
    ids=["both", "right-parenthesised", "left-parenthesised", "or", "event", "str", "measure"],
)
def test_missing_parentheses_say_where_they_go(op, forgot) -> None:
    # Python reads field("a") == 1 & field("b") == 2 as field("a") == (1 & field("b")) == 2
    with pytest.raises(TypeError) as info:
        forgot()
    assert "Missing parentheses?" in str(info.value)
    assert PARENS.format(op=op) in str(info.value)


def test_negating_a_field_before_comparing_says_where_the_parentheses_go() -> None:
    with pytest.raises(TypeError, match=r"write ~\(field\('a'\) == 1\)"):
        ~field("a") == 1  # noqa: B015 - the expression is the test


@pytest.mark.parametrize(
    "misuse",
    [
        lambda: A and B,
        lambda: A or B,
        lambda: not A,
        lambda: bool(A),
        lambda: [1][0] if A else 0,
        lambda: (event("x").count() >= 1) and A,
    ],
    ids=["and", "or", "not", "bool", "if", "event-and"],
)
def test_python_boolean_operators_on_a_rule_raise_with_the_fix(misuse) -> None:
    with pytest.raises(TypeError) as info:
        misuse()
    message = str(info.value)
    assert "use & instead of 'and', | instead of 'or' and ~ instead of 'not'" in message
    assert "(field('city') == 'Tokyo') & (field('points') > 10)" in message


@pytest.mark.parametrize(
    "unfinished",
    [field("points"), event("buy"), event("buy").count(), event("buy").sum("amount")],
    ids=["field", "event", "count", "sum"],
)
def test_unfinished_expressions_have_no_truth_value(unfinished: object) -> None:
    with pytest.raises(TypeError, match="is not a rule yet: compare it"):
        bool(unfinished)


def test_chained_comparison_is_refused() -> None:
    # 1 < field("x") < 5 would silently drop half of the condition
    with pytest.raises(TypeError, match="use & instead of 'and'") as info:
        1 < field("x") < 5  # noqa: B015 - the expression is the test
    assert "write field('points').between(1, 5)" in str(info.value)


def test_dsl_objects_are_unhashable_where_eq_builds_a_rule() -> None:
    with pytest.raises(TypeError):
        hash(field("x"))
    with pytest.raises(TypeError):
        hash(event("x").count())
    assert isinstance(field("x"), Field)
    assert isinstance(event("x"), EventSpec)
    assert isinstance(event("x").count(), EventMeasure)
    assert hash(A) == hash(field("a") == 1)  # rules are hashable values


def test_dsl_input_errors() -> None:
    with pytest.raises(InvalidValueError, match="field\\(\\) needs a column name, got ''"):
        field("")
    with pytest.raises(InvalidValueError, match="event\\(\\) needs non-empty event type names"):
        event([])
    with pytest.raises(InvalidValueError, match="needs an event type or a list of them, got 3"):
        event(3)
    with pytest.raises(InvalidSegmentError, match="either within= or between=, not both"):
        event("x").count(within="1d", between=("2024-01-01", "2024-02-01"))
    with pytest.raises(InvalidValueError, match="between= needs a pair"):
        event("x").count(between="2024-01-01")
    with pytest.raises(InvalidTimeError, match="starts after it ends"):
        event("x").count(between=("2024-02-01", "2024-01-01"))
    with pytest.raises(InvalidValueError, match="where\\(\\) needs a rule"):
        event("x").where("url = '/'")
    with pytest.raises(InvalidSegmentError, match="cannot contain InSegment"):
        event("x").where(in_segment("vip")).exists()
    with pytest.raises(InvalidValueError, match=r"got a list \['a', 'b'\]; use \.isin"):
        field("x") == ["a", "b"]  # noqa: B015
    with pytest.raises(InvalidValueError, match="needs a list of values, got 'ab'"):
        field("x").isin("ab")
    with pytest.raises(InvalidValueError, match="takes rules, got 1"):
        all_of(A, 1)
