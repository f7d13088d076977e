"""The segment builder driven like a user would: set values, click buttons, read it back.

Every row type, operator family, nesting, NOT, moving and removing rows; the resulting
segment equals the same rule written with the DSL, and the displayed count equals
``ws.count`` (and, on the hand-computed data, the plain-Python reference evaluator).
Hypothesis: any rule of the language loads and comes back equal; ``to_python`` evaluates
back to an equal rule.  A superseded count never overwrites a newer one.
"""

from __future__ import annotations

import html
import threading
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import segment_lab as sl
from segment_lab import event, field, in_segment
from segment_lab.dsl import to_python
from segment_lab.engine._execute import run_scalar_sql
from segment_lab.errors import EvaluationError, InvalidSegmentError
from segment_lab.model import And, Not, Or
from segment_lab.widgets import SegmentBuilder
from segment_lab.widgets._groups import Group
from segment_lab.widgets._rows import ReadOnlyRow
from segment_lab.widgets._schema import Context
from tests import hand_cases
from tests.helpers import DSL_NAMESPACE
from tests.reference import evaluate
from tests.strategies import rules, segments


@pytest.fixture(scope="module")
def ctx(demo_ws) -> Context:
    return Context.read(demo_ws)


@pytest.fixture
def builder(demo_ws):
    b = SegmentBuilder(demo_ws, debounce=0)
    yield b
    b.close()


def add(group: Group, what: str) -> Any:
    """Click ``+ what`` and return the new row (or group)."""
    group.add_buttons[what].click()
    return group.items[-1].node


def condition(group: Group, name: str, op: str, *values: object, kind: str | None = None) -> Any:
    row = add(group, "attribute")
    row.field.value = name
    row.op.value = op
    for box, value in zip(row.inputs, values):
        if hasattr(box, "tags"):
            box.kind.value = kind or box.kind.value
            box.tags.value = list(value)
        elif hasattr(box, "kind"):
            box.kind.value = kind or box.kind.value
            box.text.value = value
        else:
            box.value = value
    return row


# -- rows, operators, values ---------------------------------------------------------------
ATTRIBUTE_CASES = [
    (("city", "==", "Tokyo"), field("city") == "Tokyo"),
    (("city", "!=", "Tokyo"), field("city") != "Tokyo"),
    (("points", ">=", "50"), field("points") >= 50),
    (("points", "<", "12.5"), field("points") < 12.5),
    (("points", "between", "10", "100"), field("points").between(10, 100)),
    (("city", "isin", ["Tokyo", "London"]), field("city").isin(["Tokyo", "London"])),
    (("city", "notin", ["Tokyo"]), field("city").notin(["Tokyo"])),
    (("email", "endswith", "@acme.com"), field("email").endswith("@acme.com")),
    (("email", "contains", "acme"), field("email").contains("acme")),
    (("company", "startswith", "Ac"), field("company").startswith("Ac")),
    (("company", "like", "acme%"), field("company").like("acme%")),
    (("email", "matches", r"^\w+@"), field("email").matches(r"^\w+@")),
    (("lifecycle_stage", "isnull"), field("lifecycle_stage").isnull()),
    (("lifecycle_stage", "notnull"), field("lifecycle_stage").notnull()),
    (("company", "empty"), field("company").empty()),
    (("company", "notempty"), field("company").notempty()),
    (("technologies", "has_any", ["python", "go"]), field("technologies").has_any(["python", "go"])),
    (("technologies", "has_all", ["python"]), field("technologies").has_all(["python"])),
    (("technologies", "has_none", ["java"]), field("technologies").has_none(["java"])),
    (("is_customer", "==", "True"), field("is_customer") == True),  # noqa: E712
    (("created_at", ">", "2025-01-01"), field("created_at") > sl.model.AbsoluteTime(
        __import__("datetime").datetime(2025, 1, 1))),
]  # fmt: skip


@pytest.mark.parametrize(("entry", "expected"), ATTRIBUTE_CASES, ids=lambda v: str(v)[:40])
def test_attribute_rows_build_the_dsl_rule_and_count_it(builder, demo_ws, entry, expected):
    condition(builder.root, *entry)
    assert builder.segment.rule == expected
    assert builder.wait() == demo_ws.count(expected)
    assert builder.count == demo_ws.count(expected)


def test_relative_dates_and_the_type_aware_operators(builder, demo_ws, ctx):
    row = condition(builder.root, "created_at", ">", "-30d", kind="relative")
    assert builder.rule == (field("created_at") > "-30d")
    assert builder.wait() == demo_ws.count(field("created_at") > "-30d")
    ops = [o for _, o in row.op.options]
    assert "contains" not in ops and "between" in ops  # a timestamp has no text operators
    row.field.value = "technologies"
    assert [o for _, o in row.op.options][:3] == ["has_any", "has_all", "has_none"]
    row.field.value = "city"
    assert "Tokyo" in row.inputs[0].text.options  # low-cardinality: the data's values offered
    assert "email" not in ctx.contacts.values  # high-cardinality: no pick list


EVENT_CASES = [
    ({"measure": "count", "op": ">=", "value": "3", "window": "within", "within": "30d"},
     event("email_open").count(within="30d") >= 3),
    ({"measure": "exists", "window": "within", "within": "14d"}, event("email_open").exists(within="14d")),
    ({"measure": "count", "op": "==", "value": "0"}, event("email_open").count() == 0),
    ({"types": ["purchase"], "measure": "sum", "column": "value", "op": ">=", "value": "100",
          "window": "within", "within": "90d"}, event("purchase").sum("value", within="90d") >= 100),
    ({"types": ["purchase"], "measure": "last_seen", "op": "<", "value": "-90d", "kind": "relative"},
     event("purchase").last_seen() < "-90d"),
    ({"measure": "first_seen", "op": ">", "value": "2025-01-01", "kind": "date"},
     event("email_open").first_seen() > "2025-01-01"),
    ({"types": ["page_visit", "email_open"], "measure": "count", "op": ">", "value": "2", "window": "between",
          "start": "-60d", "end": "-30d"}, event(["page_visit", "email_open"]).count(between=("-60d", "-30d")) > 2),
    ({"measure": "count", "op": ">=", "value": "1", "window": "between", "start": "2025-01-01", "end": "2025-02-01",
          "start_kind": "date", "end_kind": "date"},
     event("email_open").count(between=("2025-01-01", "2025-02-01")) >= 1),
]  # fmt: skip


def fill_event(row: Any, spec: dict) -> None:
    row.types.value = spec.get("types", ["email_open"])
    row.measure.value = spec["measure"]
    if "column" in spec:
        row.column.value = spec["column"]
    if "op" in spec:
        row.op.value = spec["op"]
        row.threshold.kind.value = spec.get("kind", row.threshold.kind.value)
        row.threshold.text.value = spec["value"]
    row.window.value = spec.get("window", "all")
    if "within" in spec:
        row.within.value = spec["within"]
    for end in ("start", "end"):
        if end in spec:
            box = getattr(row, end)
            box.kind.value = spec.get(f"{end}_kind", "relative")
            box.text.value = spec[end]


@pytest.mark.parametrize(("spec", "expected"), EVENT_CASES, ids=lambda v: str(v)[:40])
def test_event_rows_measures_and_windows(builder, demo_ws, spec, expected):
    fill_event(add(builder.root, "event"), spec)
    assert builder.rule == expected
    assert builder.wait() == demo_ws.count(expected)


def test_event_where_filter_is_a_nested_group_over_event_columns(builder, demo_ws):
    row = add(builder.root, "event")
    fill_event(row, {"types": ["page_visit"], "measure": "count", "op": ">=", "value": "3",
                         "window": "within", "within": "14d"})  # fmt: skip
    row.where_on.value = True
    cond = add(row.where, "attribute")
    assert [n for _, n in cond.field.options] == list(row.context.events.types)
    cond.field.value, cond.op.value = "url", "contains"
    cond.inputs[0].value = "/pricing"
    expected = event("page_visit").where(field("url").contains("/pricing")).count(within="14d") >= 3
    assert builder.rule == expected
    assert builder.wait() == demo_ws.count(expected)
    row.where_on.value = False
    assert builder.rule == (event("page_visit").count(within="14d") >= 3)


def test_segment_reference_row(builder, demo_ws):
    row = add(builder.root, "segment")
    row.name.value = "churn-risk"
    assert builder.rule == in_segment("churn-risk")
    assert builder.wait() == demo_ws.count(in_segment("churn-risk"))


# -- structure -----------------------------------------------------------------------------
def test_nesting_not_move_duplicate_remove_by_clicking(builder, demo_ws):
    root = builder.root
    condition(root, "city", "==", "Tokyo")
    inner = add(root, "group")
    inner.combinator.value = "or"
    condition(inner, "job_title", "==", "CTO")
    condition(inner, "job_title", "==", "CEO")
    deeper = add(inner, "group")
    condition(deeper, "points", ">", "10")
    root.items[1].negate.value = True  # NOT on the OR group
    inner.items[0].negate.value = True  # NOT on a row
    cto, ceo = field("job_title") == "CTO", field("job_title") == "CEO"
    expected = And((field("city") == "Tokyo",
                    Not(Or((Not(cto), ceo, And((field("points") > 10,)))))))  # fmt: skip
    assert builder.rule == expected
    assert builder.wait() == demo_ws.count(expected)

    root.items[1].up.click()  # the group first
    assert builder.rule == And((expected.rules[1], expected.rules[0]))
    inner.items[0].copy.click()  # duplicate NOT(CTO) below itself
    assert builder.rule.rules[0].rule.rules[:2] == (Not(cto), Not(cto))
    inner.items[1].remove.click()
    root.items[1].up.click()
    assert builder.rule == expected
    root.items[1].remove.click()
    assert builder.rule == (field("city") == "Tokyo")
    root.items[0].remove.click()
    assert builder.segment is None
    with pytest.raises(InvalidSegmentError, match="Add a condition"):
        builder.wait()


def test_top_level_and_rows_show_what_each_condition_alone_removes(builder, demo_ws):
    condition(builder.root, "city", "==", "Tokyo")
    fill_event(add(builder.root, "event"), EVENT_CASES[0][0])
    builder.wait()
    deadline = time.monotonic() + 30
    while not builder.root.items[-1].side.value and time.monotonic() < deadline:
        time.sleep(0.05)
    tokyo, opens = field("city") == "Tokyo", event("email_open").count(within="30d") >= 3
    # what removing a condition would add back: members of the other one, minus both
    for item, other in zip(builder.root.items, (opens, tokyo)):
        removed = demo_ws.count(other) - demo_ws.count(tokyo & opens)
        assert f"removes {removed:,}<" in item.side.value


def test_counts_match_the_reference_evaluator_on_hand_data(hand_ws):
    b = SegmentBuilder(hand_ws, as_of=hand_cases.T, debounce=0)
    try:
        condition(b.root, "city", "==", "Tokyo")
        fill_event(add(b.root, "event"), {"measure": "count", "op": ">=", "value": "1",
                                              "window": "within", "within": "7d"})  # fmt: skip
        rule = b.rule
        assert rule == (field("city") == "Tokyo") & event("email_open").exists(within="7d")
        expected = evaluate(rule, hand_cases.T, hand_cases.DATA, hand_cases.CATALOG)
        assert b.wait() == len(expected) == 1
        b.root.items[0].negate.value = True
        expected = evaluate(b.rule, hand_cases.T, hand_cases.DATA, hand_cases.CATALOG)
        assert b.wait() == len(expected)
        b.as_of.value = "2024-03-05"  # an earlier instant: fewer contacts exist
        t = sl.model.AbsoluteTime(__import__("datetime").datetime(2024, 3, 5)).value
        assert b.wait() == len(evaluate(b.rule, t, hand_cases.DATA, hand_cases.CATALOG))
    finally:
        b.close()


# -- errors inline, never a traceback --------------------------------------------------------
def test_invalid_values_show_an_escaped_message_next_to_the_row(builder):
    row = condition(builder.root, "points", ">", "<b>ten</b>")
    assert "&lt;b&gt;ten&lt;/b&gt;" in row.message.value and "<b>" not in row.message.value
    with pytest.raises(InvalidSegmentError, match="Expected a number"):
        builder.wait()
    assert "sl-error" in builder.status.value
    row.inputs[0].text.value = "10"
    assert row.message.value == ""
    ev = add(builder.root, "event")
    ev.threshold.text.value = "2.5"
    assert "whole number" in ev.message.value
    group = add(builder.root, "group")
    assert "empty" in group.message.value
    builder.as_of.value = "last tuesday"
    assert "Invalid time" in builder.as_of_message.value


def test_unknown_fields_and_constructs_load_and_are_kept(demo_ws):
    rule = And((field("no_such") == "<x>", Not(Not(field("city") == "Tokyo")),
                field("city").isin(["Tokyo", 3])))  # fmt: skip
    b = SegmentBuilder(demo_ws, rule, debounce=0)
    try:
        assert b.rule == rule
        items = b.root.items
        assert "not a column" in items[0].node.message.value
        assert "&lt;x&gt;" in b.panels.description.value
        assert isinstance(items[1].node, ReadOnlyRow) and isinstance(items[2].node, ReadOnlyRow)
        with pytest.raises(sl.errors.SegmentLabError, match="no_such"):
            b.wait()
        assert "sl-error" in b.status.value
    finally:
        b.close()


# -- round trips -----------------------------------------------------------------------------
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rule=rules())
def test_any_rule_loads_into_the_builder_and_comes_back_equal(ctx, rule):
    assert Group(ctx, rule, root=True).rule() == rule


@settings(max_examples=300, deadline=None)
@given(rule=rules())
def test_to_python_evaluates_back_to_an_equal_rule(rule):
    assert eval(to_python(rule), dict(DSL_NAMESPACE)) == rule


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(segment=segments(rules(segment_names=["churn-risk", "dormant"], max_leaves=6)))
def test_segments_load_into_a_builder_and_read_back_equal(demo_ws, segment):
    b = SegmentBuilder(demo_ws, segment, debounce=10)
    try:
        assert b.segment == segment
        assert eval(b.to_python(), dict(DSL_NAMESPACE)) == segment.rule
    finally:
        b.close()


def test_to_python_reads_like_the_dsl(builder):
    condition(builder.root, "city", "==", "Tokyo")
    fill_event(add(builder.root, "event"), EVENT_CASES[0][0])
    assert builder.to_python() == (
        "(field('city') == 'Tokyo') & (event('email_open').count(within='30d') >= 3)"
    )


def test_save_adds_to_a_catalog_file(builder, tmp_path):
    condition(builder.root, "city", "==", "Tokyo")
    builder.name.value = "tokyo"
    path = tmp_path / "catalog.yaml"
    builder.save(path)
    builder.root.items[0].node.inputs[0].text.value = "Osaka"
    builder.name.value = "osaka"
    builder.save(path)
    cat = sl.Catalog.load(str(path))
    assert cat.names == ("tokyo", "osaka")
    assert cat["osaka"].rule == (field("city") == "Osaka")


def test_observers_see_the_segment_trait_change(builder):
    seen = []
    builder.observe(lambda change: seen.append(change["new"]), "segment")
    condition(builder.root, "city", "==", "Tokyo")
    assert seen[-1].rule == (field("city") == "Tokyo")


# -- supersession --------------------------------------------------------------------------
class SlowCounts:
    """A workspace whose first count is slow; later counts are real."""

    def __init__(self, ws: sl.Workspace, slow: Any) -> None:
        self._ws, self._slow, self.calls = ws, slow, []
        self.first = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ws, name)

    def count(self, rule: Any, as_of: Any = None) -> int:
        self.calls.append(rule)
        if len(self.calls) == 1:
            self.first.set()
            return self._slow()
        return self._ws.count(rule, as_of=as_of)


def test_a_superseded_query_is_interrupted_not_awaited(demo_ws):
    backend = demo_ws.tables.contacts._find_backend()
    huge = "select count(*) from range(100000000000) a"  # minutes, unless interrupted
    outcome = {}

    def slow() -> int:
        started = time.monotonic()
        try:
            return run_scalar_sql(backend, huge)  # on the worker's own cursor
        except EvaluationError as exc:
            outcome["error"] = str(exc)
            raise
        finally:
            outcome["seconds"] = time.monotonic() - started

    ws = SlowCounts(demo_ws, slow)
    b = SegmentBuilder(ws, field("city") == "Tokyo", debounce=0)
    try:
        assert ws.first.wait(30)
        b.root.items[0].node.inputs[0].text.value = "Osaka"
        assert b.wait() == demo_ws.count(field("city") == "Osaka")
        assert "interrupted" in outcome["error"].lower()  # mid-query, or as it began
        assert b._counter.done == b._counter.generation
    finally:
        b.close()


def test_a_stale_result_never_overwrites_a_newer_one(demo_ws):
    release = threading.Event()

    def slow() -> int:
        release.wait(30)
        return 999_999  # a stale, wrong number that must never be shown

    ws = SlowCounts(demo_ws, slow)
    b = SegmentBuilder(ws, field("city") == "Tokyo", debounce=0)
    shown = []
    b.observe(lambda change: shown.append(change["new"]), "count")
    try:
        assert ws.first.wait(30)
        b.root.items[0].node.inputs[0].text.value = "Osaka"
        osaka = demo_ws.count(field("city") == "Osaka")
        # the newer edit waits for the worker, which is stuck in the old count: release it
        release.set()
        assert b.wait() == osaka
        time.sleep(0.3)
        assert b.count == osaka and 999_999 not in shown
    finally:
        b.close()


def test_the_ui_thread_does_not_wait_for_a_count(demo_ws):
    release, finished = threading.Event(), threading.Event()

    def slow() -> int:
        release.wait(60)
        finished.set()
        return 0

    ws = SlowCounts(demo_ws, slow)
    b = SegmentBuilder(ws, field("city") == "Tokyo", debounce=0)
    try:
        assert ws.first.wait(30)
        b.root.items[0].node.inputs[0].text.value = "Osaka"  # returns while the count hangs
        assert not finished.is_set()  # the edit came back before the stuck count ended
        assert b.count is None and 'data-state="counting"' in b.count_html.value
        release.set()
        assert b.wait() == demo_ws.count(field("city") == "Osaka")
    finally:
        release.set()
        b.close()


def test_the_as_of_picker_and_current_value_warnings_show_in_the_status(hand_ws):
    import datetime as dt
    import warnings

    b = SegmentBuilder(hand_ws, debounce=0)
    try:
        condition(b.root, "city", "==", "Tokyo")
        b.as_of_date.value = dt.date(2024, 3, 5)
        assert b.as_of.value == "2024-03-05"
        t = dt.datetime(2024, 3, 5)
        assert b.wait() == len(evaluate(b.rule, t, hand_cases.DATA, hand_cases.CATALOG))
        assert "as of 2024-03-05 00:00:00" in b.status.value
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            hand_ws.count(b.rule, as_of=t)
        (warning,) = {str(w.message) for w in caught}  # hand data: no history bound
        assert html.escape(warning) in b.status.value  # said, never silent
    finally:
        b.close()
