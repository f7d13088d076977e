"""Resolve ``in_segment`` references by inlining the referenced rules."""

from __future__ import annotations

import dataclasses

from segment_lab.engine._dispatch import register_each, rule_walk
from segment_lab.errors import (
    CyclicReferenceError,
    UnknownSegmentError,
    UnsupportedNodeError,
    did_you_mean,
)
from segment_lab.model._nodes import (
    ATTRIBUTE_NODES,
    NODE_TYPES,
    And,
    EventCondition,
    InSegment,
    Not,
    Or,
    Rule,
)
from segment_lab.model._segment import Catalog, Segment

__all__ = ["as_rule", "inline"]


def as_rule(obj: object) -> tuple[Rule, str | None]:
    """``(rule, segment name or None)`` for a Segment or a rule."""
    if isinstance(obj, Segment):
        return obj.rule, obj.name
    if isinstance(obj, Rule):
        return obj, None
    raise TypeError(
        f"Expected a Segment or a rule (e.g. field('city') == 'Tokyo'), got "
        f"{obj!r} ({type(obj).__name__})."
    )


@rule_walk(NODE_TYPES)
def inline(rule: Rule, catalog: Catalog | None, stack: tuple[str, ...] = ()) -> Rule:
    """``rule`` with every ``InSegment`` replaced by the referenced segment's rule.

    ``stack``: the names being inlined, outermost first (a name met again is a cycle).
    """
    raise UnsupportedNodeError.of(rule, "Resolving in_segment references")


@register_each(inline, (*ATTRIBUTE_NODES, EventCondition))
def _(rule: Rule, catalog: Catalog | None, stack: tuple[str, ...] = ()) -> Rule:
    return rule  # a leaf (an event's where holds no references)


@inline.register(InSegment)
def _(rule: InSegment, catalog: Catalog | None, stack: tuple[str, ...] = ()) -> Rule:
    if rule.name in stack:
        cycle = [*stack[stack.index(rule.name) :], rule.name]
        raise CyclicReferenceError(
            f"Segments reference each other in a cycle: {' -> '.join(cycle)}."
        )
    if catalog is None or rule.name not in catalog:
        raise UnknownSegmentError(
            f"in_segment({rule.name!r}) names an unknown segment.{_catalog_hint(rule, catalog)}"
        )
    return inline(catalog[rule.name].rule, catalog, (*stack, rule.name))


def _catalog_hint(rule: InSegment, catalog: Catalog | None) -> str:
    names = catalog.names if catalog is not None else ()
    if not names:
        return " This workspace has no catalog: use ws.with_catalog(catalog)."
    return f" Segments in the catalog: {', '.join(map(repr, names))}." + did_you_mean(
        rule.name, names
    )


@inline.register(And)
@inline.register(Or)
def _(rule: And | Or, catalog: Catalog | None, stack: tuple[str, ...] = ()) -> Rule:
    return dataclasses.replace(rule, rules=tuple(inline(r, catalog, stack) for r in rule.rules))


@inline.register(Not)
def _(rule: Not, catalog: Catalog | None, stack: tuple[str, ...] = ()) -> Rule:
    return Not(inline(rule.rule, catalog, stack))
