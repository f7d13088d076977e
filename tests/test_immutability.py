"""Values, not mutation: no public method changes a node, segment or catalog."""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect

import pytest

from segment_lab import Catalog, Segment, all_of, any_of, event, field, in_segment, serde
from segment_lab.model import (
    NODE_TYPES,
    AbsoluteTime,
    And,
    Between,
    Duration,
    RelativeTime,
    Rule,
    Within,
    references,
    walk,
)

ONE_OF_EACH: list[Rule] = [
    field("city") == "Tokyo",
    field("country").notin(["JP", "KR"]),
    field("score").between(1, 2.5),
    field("email").endswith("@example.com"),
    field("phone").isnull(),
    field("company").notempty(),
    field("tech").has_all(["python", "duckdb"]),
    event("buy").where(field("amount") > 10).sum("amount", between=("2024-01-01", "-1d")) >= 5,
    in_segment("vip"),
    all_of(field("a") == 1, field("b") == 2),
    any_of(field("a") == 1, field("b") == 2),
    ~(field("a") == 1),
]
OTHER = field("other") >= dt.datetime(2024, 1, 1)


def _snapshot(obj: object) -> tuple[str, object]:
    return repr(obj), serde.to_dict(obj)


def _public_methods(cls: type) -> set[str]:
    return {
        name
        for name, value in inspect.getmembers(cls)
        if not name.startswith("_") and (callable(value) or isinstance(value, property))
    }


def test_the_fixtures_cover_every_node_type() -> None:
    assert [type(r) for r in ONE_OF_EACH] == list(NODE_TYPES)


RULE_CALLS = {
    "children": lambda r: r.children(),
    "describe": lambda r: r.describe(),
}


@pytest.mark.parametrize("rule", ONE_OF_EACH, ids=lambda r: r.kind)
def test_no_rule_method_or_operator_mutates(rule: Rule) -> None:
    assert _public_methods(type(rule)) == set(RULE_CALLS)  # a new method needs a line here
    before = _snapshot(rule)
    other_before = _snapshot(OTHER)
    for call in RULE_CALLS.values():
        call(rule)
    combined = [rule & OTHER, OTHER & rule, rule | OTHER, OTHER | rule, ~rule]
    combined += [all_of(rule, rule), any_of(rule, OTHER)]
    rule._repr_html_()
    list(walk(rule))
    references(rule)
    hash(rule)
    serde.definition_hash(rule)
    serde.from_dict(serde.to_dict(rule))
    assert _snapshot(rule) == before
    assert _snapshot(OTHER) == other_before
    for c in combined:
        assert c is not rule
    assert ~~rule == rule  # double negation gives back the same value


def test_group_operators_build_new_groups() -> None:
    group = all_of(field("a") == 1, field("b") == 2)
    rules_before = group.rules
    bigger = group & (field("c") == 3)
    assert group.rules is rules_before and len(group.rules) == 2
    assert len(bigger.rules) == 3


SEGMENT = Segment("tokyo", field("city") == "Tokyo", "People in Tokyo", ("geo",))
SEGMENT_CALLS = {
    "with_rule": lambda s: s.with_rule(OTHER),
    "with_description": lambda s: s.with_description("changed"),
    "with_tags": lambda s: s.with_tags("x", "y"),
    "with_name": lambda s: s.with_name("osaka"),
    "references": lambda s: s.references(),
    "describe": lambda s: s.describe(),
    "to_dict": lambda s: s.to_dict(),
    "from_dict": lambda s: Segment.from_dict(s.to_dict()),
    "definition_hash": lambda s: s.definition_hash,
}


def test_no_segment_method_mutates() -> None:
    assert _public_methods(Segment) == set(SEGMENT_CALLS)  # a new method needs a line here
    before = _snapshot(SEGMENT)
    results = {name: call(SEGMENT) for name, call in SEGMENT_CALLS.items()}
    SEGMENT._repr_html_()
    assert _snapshot(SEGMENT) == before
    assert results["with_rule"].rule == OTHER and results["with_rule"].name == "tokyo"
    assert results["with_description"].description == "changed"
    assert results["with_tags"].tags == ("x", "y")
    assert results["with_name"].name == "osaka"
    for name in ("with_rule", "with_description", "with_tags", "with_name"):
        assert results[name] is not SEGMENT


def _catalog() -> Catalog:
    return Catalog(
        [
            Segment("vip", field("points") > 1000),
            Segment("tokyo", field("city") == "Tokyo"),
            Segment("tokyo-vip", in_segment("vip") & in_segment("tokyo")),
        ]
    )


def test_no_catalog_method_mutates(tmp_path) -> None:
    cat = _catalog()
    calls = {
        "order": lambda c: c.order(),
        "dependencies": lambda c: c.dependencies("tokyo-vip"),
        "with_segment": lambda c: c.with_segment(Segment("osaka", field("city") == "Osaka")),
        "without": lambda c: c.without("tokyo-vip"),
        "merge": lambda c: c.merge([Segment("vip", field("points") > 5)]),
        "names": lambda c: c.names,
        "to_dict": lambda c: c.to_dict(),
        "from_dict": lambda c: Catalog.from_dict(c.to_dict()),
        "save": lambda c: c.save(tmp_path / "cat.yaml"),
        "load": lambda c: Catalog.load(tmp_path / "cat.yaml"),
    }
    assert _public_methods(Catalog) == set(calls)  # a new method needs a line here
    before = _snapshot(cat)
    results = {name: call(cat) for name, call in calls.items()}
    cat._repr_html_()
    list(cat)
    cat["vip"]
    assert "vip" in cat and len(cat) == 3
    assert _snapshot(cat) == before
    assert results["with_segment"].names == (*cat.names, "osaka")
    assert results["without"].names == ("vip", "tokyo")
    assert results["merge"]["vip"].rule == (field("points") > 5)
    assert results["load"] == cat


FROZEN = [
    *ONE_OF_EACH,
    SEGMENT,
    _catalog(),
    Duration(3, "d"),
    AbsoluteTime(dt.datetime(2024, 1, 1)),
    RelativeTime("today", Duration(-1, "d")),
    Within("30d"),
    Between("2024-01-01", "2024-02-01"),
    field("x"),
    event("x"),
    event("x").count(),
]


@pytest.mark.parametrize("obj", FROZEN, ids=lambda o: type(o).__name__)
def test_setting_or_deleting_any_attribute_raises(obj: object) -> None:
    before = repr(obj)
    for f in dataclasses.fields(obj):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, f.name, None)
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(obj, f.name)
    with pytest.raises(dataclasses.FrozenInstanceError):
        obj.extra = 1  # type: ignore[attr-defined]
    assert repr(obj) == before


def test_sequences_inside_values_are_tuples() -> None:
    for obj in [*ONE_OF_EACH, SEGMENT, _catalog()]:
        for node in [obj, *(walk(obj) if isinstance(obj, Rule) else ())]:
            for f in dataclasses.fields(node):
                assert not isinstance(getattr(node, f.name), (list, dict, set)), (node, f.name)
    assert isinstance(And([field("a") == 1]).rules, tuple)
    assert isinstance(Catalog([SEGMENT]).segments, tuple)
