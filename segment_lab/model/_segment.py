"""Segment (a named rule) and Catalog (named segments that may reference each other)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import ClassVar

from segment_lab.errors import (
    CyclicReferenceError,
    DuplicateSegmentError,
    InvalidValueError,
    UnknownSegmentError,
    did_you_mean,
)
from segment_lab.model._nodes import InSegment, Rule, walk

__all__ = ["Catalog", "Segment", "references"]


def references(rule: Rule) -> tuple[str, ...]:
    """Names of the segments a rule references directly, in first-seen order."""
    seen: dict[str, None] = {}
    for node in walk(rule):
        if isinstance(node, InSegment):
            seen.setdefault(node.name, None)
    return tuple(seen)


@dataclass(frozen=True)
class Segment:
    """A named, described rule: the unit that catalogs store and dashboards show.

    Examples
    --------
    >>> from segment_lab import Segment, field, event
    >>> seg = Segment("tokyo-openers",
    ...               (field("city") == "Tokyo") & (event("email_open").count(within="30d") >= 3))
    >>> seg.describe()
    'City is Tokyo and opened an email at least 3 times in the last 30 days'
    """

    name: str
    rule: Rule
    description: str = ""
    tags: tuple[str, ...] = ()
    kind: ClassVar[str] = "segment"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidValueError(
                f"A segment name must be a non-empty string, got {self.name!r}."
            )
        if not isinstance(self.rule, Rule):
            raise InvalidValueError(
                f"Segment {self.name!r} needs a rule (e.g. field('city') == 'Tokyo'), "
                f"got {self.rule!r} ({type(self.rule).__name__})."
            )
        if not isinstance(self.description, str):
            raise InvalidValueError(
                f"Segment description must be a string, got {self.description!r}."
            )
        tags = (self.tags,) if isinstance(self.tags, str) else tuple(self.tags)
        if not all(isinstance(t, str) for t in tags):
            raise InvalidValueError(f"Segment tags must be strings, got {self.tags!r}.")
        object.__setattr__(self, "tags", tags)

    def with_rule(self, rule: Rule) -> Segment:
        """A copy with another rule."""
        return dataclasses.replace(self, rule=rule)

    def with_description(self, description: str) -> Segment:
        """A copy with another description."""
        return dataclasses.replace(self, description=description)

    def with_tags(self, *tags: str) -> Segment:
        """A copy with these tags."""
        return dataclasses.replace(self, tags=tuple(tags))

    def with_name(self, name: str) -> Segment:
        """A copy with another name."""
        return dataclasses.replace(self, name=name)

    def references(self) -> tuple[str, ...]:
        """Names of segments this one's rule references directly."""
        return references(self.rule)

    def describe(self) -> str:
        """The rule in plain language."""
        return self.rule.describe()

    def to_dict(self) -> dict:
        """The serialised form (see :mod:`segment_lab.serde`)."""
        from segment_lab.serde import to_dict

        return to_dict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Segment:
        """Build a segment from its serialised form, validating it."""
        from segment_lab.serde import segment_from_dict

        return segment_from_dict(data)

    @property
    def definition_hash(self) -> str:
        """A stable hash of the rule only: renaming, re-describing or re-tagging keeps it."""
        from segment_lab.serde import definition_hash

        return definition_hash(self)

    def _repr_html_(self) -> str:
        from segment_lab.model._describe import segment_html

        return segment_html(self)


@dataclass(frozen=True)
class Catalog:
    """Named segments; ``in_segment`` references resolve among them.

    Construction checks for duplicate names, references to missing segments and
    reference cycles.

    Examples
    --------
    >>> from segment_lab import Catalog, Segment, field, in_segment
    >>> cat = Catalog([Segment("tokyo", field("city") == "Tokyo"),
    ...                Segment("tokyo-cto", in_segment("tokyo") & (field("job_title") == "CTO"))])
    >>> cat.order()
    ('tokyo', 'tokyo-cto')
    """

    segments: tuple[Segment, ...] = ()
    kind: ClassVar[str] = "catalog"

    def __post_init__(self) -> None:
        segs = tuple(self.segments) if not isinstance(self.segments, Segment) else (self.segments,)
        for s in segs:
            if not isinstance(s, Segment):
                raise InvalidValueError(f"A catalog holds Segment objects, got {s!r}.")
        object.__setattr__(self, "segments", segs)
        names: set[str] = set()
        for s in segs:
            if s.name in names:
                raise DuplicateSegmentError(
                    f"Two segments in the catalog are named {s.name!r}; names must be unique."
                )
            names.add(s.name)
        for s in segs:
            for ref in s.references():
                if ref not in names:
                    raise UnknownSegmentError(
                        f"Segment {s.name!r} references in_segment({ref!r}), which is not in "
                        f"the catalog. Segments: {', '.join(map(repr, sorted(names)))}."
                        + did_you_mean(ref, names)
                    )
        self.order()  # raises on a cycle

    # -- lookup ---------------------------------------------------------------
    def __iter__(self) -> Iterator[Segment]:
        return iter(self.segments)

    def __len__(self) -> int:
        return len(self.segments)

    def __contains__(self, name: object) -> bool:
        return any(s.name == name for s in self.segments)

    def __getitem__(self, name: str) -> Segment:
        for s in self.segments:
            if s.name == name:
                return s
        raise UnknownSegmentError(
            f"No segment named {name!r} in the catalog. Segments: "
            f"{', '.join(repr(n) for n in self.names)}." + did_you_mean(name, self.names)
        )

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.segments)

    # -- dependencies ---------------------------------------------------------
    def order(self) -> tuple[str, ...]:
        """Segment names with every segment after the segments it references."""
        deps = {s.name: s.references() for s in self.segments}
        done: dict[str, None] = {}
        for name in deps:
            self._visit(name, deps, done, [])
        return tuple(done)

    @staticmethod
    def _visit(name: str, deps: dict, done: dict, path: list[str]) -> None:
        if name in done:
            return
        if name in path:
            cycle = [*path[path.index(name) :], name]
            raise CyclicReferenceError(
                f"Segments reference each other in a cycle: {' -> '.join(cycle)}. "
                f"Remove one of these in_segment references."
            )
        path.append(name)
        for ref in deps.get(name, ()):
            Catalog._visit(ref, deps, done, path)
        path.pop()
        done[name] = None

    def dependencies(self, name: str) -> tuple[str, ...]:
        """All segments ``name`` depends on, directly or not, in dependency order."""
        deps: dict[str, None] = {}
        stack = list(self[name].references())
        while stack:
            ref = stack.pop()
            if ref not in deps:
                deps[ref] = None
                stack.extend(self[ref].references())
        return tuple(n for n in self.order() if n in deps)

    # -- values, not mutation --------------------------------------------------
    def with_segment(self, segment: Segment) -> Catalog:
        """A copy holding ``segment`` (replacing one of the same name)."""
        kept = [s for s in self.segments if s.name != segment.name]
        if len(kept) == len(self.segments):
            return Catalog((*self.segments, segment))
        return Catalog(tuple(segment if s.name == segment.name else s for s in self.segments))

    def without(self, name: str) -> Catalog:
        """A copy without the segment ``name`` (an error if others reference it)."""
        self[name]
        return Catalog(tuple(s for s in self.segments if s.name != name))

    def merge(self, other: Iterable[Segment]) -> Catalog:
        """A copy with every segment of ``other`` added or replaced (checked once, at the end)."""
        merged = {s.name: s for s in self.segments}
        for s in other:
            merged[s.name] = s  # a replaced segment keeps its place
        return Catalog(tuple(merged.values()))

    # -- serialisation ----------------------------------------------------------
    def to_dict(self) -> dict:
        from segment_lab.serde import to_dict

        return to_dict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Catalog:
        from segment_lab.serde import catalog_from_dict

        return catalog_from_dict(data)

    @classmethod
    def load(cls, path: str) -> Catalog:
        """Read a catalog from a ``.yaml``/``.yml`` or ``.json`` file."""
        from segment_lab.serde import load

        return load(path, expect="catalog")

    def save(self, path: str) -> None:
        """Write the catalog to ``.yaml``/``.yml`` or ``.json`` (atomically)."""
        from segment_lab.serde import save

        save(self, path)

    def _repr_html_(self) -> str:
        from segment_lab.model._describe import catalog_html

        return catalog_html(self)
