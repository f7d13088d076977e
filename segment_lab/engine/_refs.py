"""Resolve ``in_segment`` references by inlining the referenced rules."""

from __future__ import annotations

import dataclasses

from segment_lab.errors import CyclicReferenceError, UnknownSegmentError, did_you_mean
from segment_lab.model._nodes import And, InSegment, Not, Or, Rule
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


def inline(rule: Rule, catalog: Catalog | None, stack: tuple[str, ...] = ()) -> Rule:
    """``rule`` with every ``InSegment`` replaced by the referenced segment's rule."""
    if isinstance(rule, InSegment):
        if rule.name in stack:
            cycle = [*stack[stack.index(rule.name) :], rule.name]
            raise CyclicReferenceError(
                f"Segments reference each other in a cycle: {' -> '.join(cycle)}."
            )
        if catalog is None or rule.name not in catalog:
            names = catalog.names if catalog is not None else ()
            hint = (
                f" Segments in the catalog: {', '.join(map(repr, names))}."
                + did_you_mean(rule.name, names)
                if names
                else " This workspace has no catalog: use ws.with_catalog(catalog)."
            )
            raise UnknownSegmentError(f"in_segment({rule.name!r}) names an unknown segment.{hint}")
        return inline(catalog[rule.name].rule, catalog, (*stack, rule.name))
    if isinstance(rule, (And, Or)):
        return dataclasses.replace(rule, rules=tuple(inline(r, catalog, stack) for r in rule.rules))
    if isinstance(rule, Not):
        return Not(inline(rule.rule, catalog, stack))
    return rule
