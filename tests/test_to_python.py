"""``segment_lab.dsl.to_python``: a rule written as DSL code that builds it back (issue 11, item 10).

The property: for any rule the model accepts (``tests/strategies.py``), evaluating the code
with the DSL's names in scope gives an equal rule. The hand cases pin the code a person
reads in a notebook.
"""

from __future__ import annotations

import datetime

import pytest
from hypothesis import HealthCheck, given, settings

import segment_lab as sl
from segment_lab import event, field, in_segment
from segment_lab.dsl import to_python
from segment_lab.model import And, Not, Or
from tests import strategies
from tests.helpers import DSL_NAMESPACE

NAMESPACE = DSL_NAMESPACE


def _back(code: str):
    return eval(code, dict(NAMESPACE))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strategies.rules())
def test_the_code_builds_an_equal_rule(rule):
    code = to_python(rule)
    assert _back(code) == rule, code


@settings(max_examples=100, deadline=None)
@given(strategies.segments())
def test_a_segment_renders_its_rule(seg):
    assert _back(to_python(seg)) == seg.rule


CASES = [
    (
        (field("city") == "Tokyo") & (event("email_open").count(within="30d") >= 3),
        "(field('city') == 'Tokyo') & (event('email_open').count(within='30d') >= 3)",
    ),
    (
        ~event("page_visit").exists(within="14d") | in_segment("vip"),
        "~event('page_visit').exists(within='14d') | in_segment('vip')",
    ),
    (
        ((field("a") == 1) | (field("b") == 2)) & field("c").notnull(),
        "((field('a') == 1) | (field('b') == 2)) & field('c').notnull()",
    ),
    (field("signup") >= datetime.date(2024, 5, 1), "field('signup') >= datetime.date(2024, 5, 1)"),
    (field("signup") > "-7d", "field('signup') > '-7d'"),
    (
        event(["purchase", "refund"]).sum("amount", between=("2024-01-01", "-1d")) > 100.5,
        "event(['purchase', 'refund']).sum('amount', between=('2024-01-01', '-1d')) > 100.5",
    ),
    (event("login").last_seen() < "-90d", "event('login').last_seen() < '-90d'"),
    (field("tags").has_any(["python"]), "field('tags').has_any(['python'])"),
    (And(((field("a") == 1),)), "all_of(field('a') == 1)"),
    (Or((Or((field("a") == 1, field("b") == 2)), field("c") == 3)),
     "any_of((field('a') == 1) | (field('b') == 2), field('c') == 3)"),
    (Not(Not(field("a") == 1)), "Not(~(field('a') == 1))"),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "code"), CASES, ids=[c for _, c in CASES])
def test_the_code_reads_as_written(rule, code):
    assert to_python(rule) == code
    assert _back(code) == rule


def test_only_rules_and_segments():
    with pytest.raises(TypeError, match="takes a rule or a Segment"):
        to_python("field('a') == 1")
    assert to_python(sl.Segment("s", field("a") == 1)) == "field('a') == 1"
