"""Every walk of the engine over the rule tree dispatches on the node type, knows every
node type of the language, and rejects a node type it does not know with an
UnsupportedNodeError naming it (never a bare TypeError or a wrong answer)."""

from __future__ import annotations

import datetime as dt
import inspect
from dataclasses import dataclass

import ibis
import pandas as pd
import pytest

import segment_lab as sl
from segment_lab import event, field, in_segment
from segment_lab.engine import (
    Bindings,
    IntervalContext,
    check_tables,
    compile_members,
    inline,
    membership,
)
from segment_lab.engine._dispatch import WALKS
from segment_lab.errors import InvalidValueError, UnsupportedNodeError
from segment_lab.model import NODE_TYPES, Catalog, Rule, Segment
from segment_lab.model._nodes import ATTRIBUTE_NODES

T = dt.datetime(2024, 3, 1)


@dataclass(frozen=True)
class Mystery(Rule):
    """A node type the engine was never taught (it has a field, as attribute nodes do)."""

    field: str = "city"


def _name(walk: object) -> str:
    return f"{walk.__module__}.{walk.__qualname__}"  # type: ignore[attr-defined]


def _missing(walk: object, domain: tuple[type, ...]) -> list[str]:
    return [cls.__name__ for cls in domain if cls not in walk.registry]  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def tables():
    contacts = pd.DataFrame(
        {
            "contact_id": [1, 2],
            "city": ["Tokyo", None],
            "created_at": pd.to_datetime(["2024-01-01", "2024-02-01"]),
        }
    )
    events = pd.DataFrame(
        {
            "contact_id": [1, 2],
            "event_type": ["purchase", "email_open"],
            "ts": pd.to_datetime(["2024-01-05", "2024-02-05"]),
            "url": ["/a", "/b"],
        }
    )
    return check_tables(ibis.memtable(contacts), ibis.memtable(events), None, Bindings())


def test_the_engine_registers_its_walks_over_the_tree() -> None:
    names = {_name(walk): domain for walk, domain in WALKS}
    tree_walks = {
        "segment_lab.engine._asof._predicate",
        "segment_lab.engine._attributes.row_predicate",
        "segment_lab.engine._refs.inline",
        "segment_lab.engine._intervals._compile",
        "segment_lab.engine._interval_attrs.holds_on_null",
        "segment_lab.engine._interval_where._where_sets",
    }
    leaf_walks = {
        "segment_lab.engine._attributes.attribute_predicate",
        "segment_lab.engine._solve.split_relative",
    }
    assert tree_walks | leaf_walks <= set(names)
    assert {n for n in tree_walks if names[n] != NODE_TYPES} == set()
    assert {n for n in leaf_walks if names[n] != ATTRIBUTE_NODES} == set()


@pytest.mark.parametrize(("walk", "domain"), WALKS, ids=[_name(w) for w, _ in WALKS])
def test_every_walk_implements_every_node_type_of_its_domain(walk, domain) -> None:
    # a walk over the tree must know every node type; a leaf function every attribute
    # condition (so a new node type, attribute condition or not, fails here until each
    # walk implements or explicitly refuses it)
    assert domain in (NODE_TYPES, ATTRIBUTE_NODES)
    assert _missing(walk, domain) == []


@pytest.mark.parametrize(("walk", "domain"), WALKS, ids=[_name(w) for w, _ in WALKS])
def test_a_node_type_added_without_engine_support_is_caught(walk, domain) -> None:
    assert _missing(walk, (*domain, Mystery)) == ["Mystery"]


def test_attribute_conditions_are_node_types() -> None:
    assert set(ATTRIBUTE_NODES) < set(NODE_TYPES)


@pytest.mark.parametrize(("walk", "domain"), WALKS, ids=[_name(w) for w, _ in WALKS])
def test_each_walk_rejects_a_foreign_node_naming_its_type(walk, domain) -> None:
    params = inspect.signature(walk).parameters.values()
    others = [p for p in params if p.default is p.empty][1:]
    with pytest.raises(UnsupportedNodeError, match="Mystery") as info:
        walk(Mystery(), *[None] * len(others))
    assert "Mystery(field='city')" in str(info.value)


RELATIVE_WHERE = (field("ts") > "-7d") & Mystery()
AS_OF_RULES = {
    "nested in and": (field("city") == "Tokyo") & Mystery(),
    "under not": ~Mystery(),
    "in an event's where": event("purchase").where(Mystery()).exists(),
    "in a where with relative times": event("purchase").where(RELATIVE_WHERE).exists(),
}


@pytest.mark.parametrize("rule", AS_OF_RULES.values(), ids=AS_OF_RULES.keys())
def test_as_of_compilation_rejects_a_foreign_node(rule, tables) -> None:
    with pytest.raises(UnsupportedNodeError, match="Mystery"):
        compile_members(rule, tables, T)


INTERVAL_RULES = {
    **AS_OF_RULES,
    "beside a relative time": (field("created_at") > "-3d") | Mystery(),
    "beside an event": event("purchase").exists() | Mystery(),
    "counted where relative": event("purchase").where(RELATIVE_WHERE).count() >= 2,
}


@pytest.mark.parametrize("rule", INTERVAL_RULES.values(), ids=INTERVAL_RULES.keys())
def test_interval_compilation_rejects_a_foreign_node(rule, tables) -> None:
    with pytest.raises(UnsupportedNodeError, match="Mystery"):
        membership(rule, IntervalContext(tables, end=T))


def test_inlining_rejects_a_foreign_node_below_a_reference() -> None:
    catalog = Catalog([Segment("odd", (field("city") == "Tokyo") | Mystery())])
    with pytest.raises(UnsupportedNodeError, match=r"Resolving in_segment references.*Mystery"):
        inline(in_segment("odd") & (field("city") == "Paris"), catalog)


def test_the_workspace_rejects_a_foreign_node() -> None:
    ws = sl.Workspace.from_pandas(pd.DataFrame({"contact_id": [1], "city": ["Tokyo"]}))
    with pytest.raises(UnsupportedNodeError, match="Mystery"):
        ws.count(~Mystery())


def test_references_must_be_inlined_before_compiling(tables) -> None:
    rule = in_segment("vip") & (field("city") == "Tokyo")
    with pytest.raises(
        UnsupportedNodeError, match=r"as-of engine cannot compile InSegment.*inline"
    ):
        compile_members(rule, tables, T)
    ctx = IntervalContext(tables, end=T)
    with pytest.raises(UnsupportedNodeError, match="interval engine cannot compile InSegment"):
        membership(rule, ctx)


def test_known_nodes_keep_their_own_errors(tables) -> None:
    from segment_lab.engine._interval_attrs import holds_on_null
    from segment_lab.engine._solve import split_relative

    with pytest.raises(UnsupportedNodeError, match="EventCondition"):
        holds_on_null(event("purchase").exists())
    with pytest.raises(InvalidValueError, match="ListHas cannot hold relative times"):
        split_relative(field("tags").has_any(["-30d"]))
    with pytest.raises(InvalidValueError, match="relative times compare only with timestamps"):
        membership(field("city") > "-30d", IntervalContext(tables, end=T))
