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
    """Name the segments a rule references directly, in first-seen order.

    Parameters
    ----------
    rule : Rule
        Any rule; ``in_segment`` nodes anywhere in it count.

    Returns
    -------
    tuple of str
        Each name once.

    See Also
    --------
    Catalog.dependencies : The references of references too.

    Examples
    --------
    >>> from segment_lab import field, in_segment
    >>> from segment_lab.model import references
    >>> references(in_segment("b") & (in_segment("a") | ~in_segment("b")))
    ('b', 'a')
    >>> references(field("city") == "Tokyo")
    ()
    """
    seen: dict[str, None] = {}
    for node in walk(rule):
        if isinstance(node, InSegment):
            seen.setdefault(node.name, None)
    return tuple(seen)


@dataclass(frozen=True)
class Segment:
    """A named, described rule: the unit that catalogs store and dashboards show.

    A segment is a frozen value: the ``with_*`` methods return changed copies.  A
    workspace evaluates a segment as it evaluates its rule; a
    :class:`Catalog` lets segments reference each other with ``in_segment(name)``.

    Parameters
    ----------
    name : str
        A non-empty name, unique within a catalog.
    rule : Rule
        The membership rule.
    description : str, default ""
        Free text for people, e.g. what the segment is for.
    tags : tuple of str, default ()
        Labels for grouping; a single string is one tag.

    Raises
    ------
    InvalidValueError
        For a blank name, a rule that is not a rule, or tags that are not strings.

    See Also
    --------
    Catalog : Named segments that may reference each other.
    segment_lab.serde : The dict, JSON and YAML forms.

    Examples
    --------
    >>> from segment_lab import Segment, field, event
    >>> seg = Segment("tokyo-openers",
    ...               (field("city") == "Tokyo") & (event("email_open").count(within="30d") >= 3))
    >>> seg.describe()
    'City is Tokyo and opened an email at least 3 times in the last 30 days'
    >>> Segment("vip", field("points") > 1000, tags="score")  # doctest: +NORMALIZE_WHITESPACE
    Segment(name='vip', rule=Compare(field='points', op='>', value=1000), description='',
            tags=('score',))

    Evaluated on the sample data:

    >>> import segment_lab as sl
    >>> sl.Workspace.demo().count(seg, as_of="2025-06-30")
    53
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
        """Return a copy with another rule (name, description and tags kept).

        Parameters
        ----------
        rule : Rule
            The new rule.

        Returns
        -------
        Segment
            A new segment; this one is unchanged.

        Examples
        --------
        >>> from segment_lab import Segment, field
        >>> vip = Segment("vip", field("points") > 1000)
        >>> vip.with_rule(field("points") > 500).describe()
        'Points is greater than 500'
        >>> vip.describe()
        'Points is greater than 1,000'
        """
        return dataclasses.replace(self, rule=rule)

    def with_description(self, description: str) -> Segment:
        """Return a copy with another description.

        Parameters
        ----------
        description : str
            The new description.

        Returns
        -------
        Segment
            A new segment; this one is unchanged.

        Examples
        --------
        >>> from segment_lab import Segment, field
        >>> Segment("vip", field("points") > 1000).with_description("Top scorers").description
        'Top scorers'
        """
        return dataclasses.replace(self, description=description)

    def with_tags(self, *tags: str) -> Segment:
        """Return a copy with these tags (replacing the old ones).

        Parameters
        ----------
        *tags : str
            The new tags; none for no tags.

        Returns
        -------
        Segment
            A new segment; this one is unchanged.

        Examples
        --------
        >>> from segment_lab import Segment, field
        >>> Segment("vip", field("points") > 1000, tags=("old",)).with_tags("score", "sales").tags
        ('score', 'sales')
        """
        return dataclasses.replace(self, tags=tuple(tags))

    def with_name(self, name: str) -> Segment:
        """Return a copy with another name.

        Parameters
        ----------
        name : str
            The new name.

        Returns
        -------
        Segment
            A new segment with the same :attr:`definition_hash`.

        Examples
        --------
        >>> from segment_lab import Segment, field
        >>> vip = Segment("vip", field("points") > 1000)
        >>> vip.with_name("top").name, vip.with_name("top").definition_hash == vip.definition_hash
        ('top', True)
        """
        return dataclasses.replace(self, name=name)

    def references(self) -> tuple[str, ...]:
        """Name the segments this one's rule references directly, in first-seen order.

        Returns
        -------
        tuple of str
            The ``in_segment`` names, each once.

        Examples
        --------
        >>> from segment_lab import Segment, field, in_segment
        >>> Segment("tokyo-cto", in_segment("tokyo") & (field("job_title") == "CTO")).references()
        ('tokyo',)
        """
        return references(self.rule)

    def describe(self) -> str:
        """Say the rule in plain language.

        Returns
        -------
        str
            One sentence, as :meth:`Rule.describe <segment_lab.model.Rule.describe>`.

        Examples
        --------
        >>> from segment_lab import Segment, event
        >>> Segment("quiet", ~event("page_visit").exists(within="14d")).describe()
        'not visited a page in the last 14 days'
        """
        return self.rule.describe()

    def to_dict(self) -> dict:
        """Return the dict form, with the format version on top.

        Returns
        -------
        dict
            Plain data (strings, numbers, booleans, lists, dicts) for JSON or YAML;
            fields equal to their default are left out.

        See Also
        --------
        from_dict : The inverse.
        segment_lab.serde.to_dict : The same for rules and catalogs.

        Examples
        --------
        >>> from segment_lab import Segment, field
        >>> Segment("vip", field("points") > 1000, tags=("score",)).to_dict()
        ... # doctest: +NORMALIZE_WHITESPACE
        {'segment_lab': 1, 'kind': 'segment', 'name': 'vip',
         'rule': {'kind': 'compare', 'field': 'points', 'op': '>', 'value': 1000},
         'tags': ['score']}
        """
        from segment_lab.serde import to_dict

        return to_dict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Segment:
        """Build a segment from its dict form, validating it.

        Parameters
        ----------
        data : dict
            The dict form, as :meth:`to_dict` writes it; the ``segment_lab`` version
            key is optional.

        Returns
        -------
        Segment

        Raises
        ------
        SerializationError
            For an unknown kind or key, a missing key or a value of the wrong type;
            the message names the place in the document.
        UnsupportedVersionError
            For a document of a newer format version.

        Examples
        --------
        >>> from segment_lab import Segment
        >>> seg = Segment.from_dict({"kind": "segment", "name": "vip",
        ...                          "rule": {"kind": "compare", "field": "points",
        ...                                   "op": ">", "value": 1000}})
        >>> seg.describe()
        'Points is greater than 1,000'
        >>> Segment.from_dict(seg.to_dict()) == seg
        True
        """
        from segment_lab.serde import segment_from_dict

        return segment_from_dict(data)

    @property
    def definition_hash(self) -> str:
        """A stable hash of the rule only: renaming, re-describing or re-tagging keeps it.

        16 hexadecimal digits, the same in every process; see
        :func:`segment_lab.serde.definition_hash`.

        Examples
        --------
        >>> from segment_lab import Segment, field
        >>> vip = Segment("vip", field("points") > 1000)
        >>> vip.definition_hash
        '2535a80abd8eb85a'
        >>> vip.with_description("Top scorers").definition_hash == vip.definition_hash
        True
        >>> vip.with_rule(field("points") > 500).definition_hash == vip.definition_hash
        False
        """
        from segment_lab.serde import definition_hash

        return definition_hash(self)

    def _repr_html_(self) -> str:
        """Show the segment in Jupyter: who, the DSL code, and its YAML in a <details>."""
        from segment_lab.model._describe import segment_html
        from segment_lab.serde import to_yaml

        return segment_html(self, to_yaml(self))


@dataclass(frozen=True)
class Catalog:
    """Named segments; ``in_segment`` references resolve among them.

    Construction checks for duplicate names, references to missing segments and
    reference cycles.  A catalog is a frozen value: :meth:`with_segment`,
    :meth:`without` and :meth:`merge` return checked copies.  Look segments up by
    name (``cat["name"]``, ``"name" in cat``); iterating yields the segments in order.

    Parameters
    ----------
    segments : iterable of Segment, default ()
        The segments (a single segment is accepted too).

    Raises
    ------
    DuplicateSegmentError
        When two segments share a name.
    UnknownSegmentError
        When a segment references a name the catalog does not hold.
    CyclicReferenceError
        When segments reference each other in a cycle; the message names it.
    InvalidValueError
        When an item is not a :class:`Segment`.

    See Also
    --------
    Segment : One named rule.
    load, save : Catalogs as YAML or JSON files.

    Examples
    --------
    >>> from segment_lab import Catalog, Segment, field, in_segment
    >>> cat = Catalog([Segment("tokyo", field("city") == "Tokyo"),
    ...                Segment("tokyo-cto", in_segment("tokyo") & (field("job_title") == "CTO"))])
    >>> cat.order()
    ('tokyo', 'tokyo-cto')
    >>> len(cat), "tokyo" in cat, [s.name for s in cat]
    (2, True, ['tokyo', 'tokyo-cto'])
    >>> Catalog([Segment("a", in_segment("b"))])
    Traceback (most recent call last):
    ...
    segment_lab.errors.UnknownSegmentError: Segment 'a' references in_segment('b'), which is not in the catalog. Segments: 'a'.

    A workspace with the catalog resolves the references:

    >>> import segment_lab as sl
    >>> ws = sl.Workspace.demo().with_catalog(cat)
    >>> ws.count(cat["tokyo-cto"], as_of="2025-06-30")
    21
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
        """Iterate over the segments in catalog order."""
        return iter(self.segments)

    def __len__(self) -> int:
        """Return the number of segments."""
        return len(self.segments)

    def __contains__(self, name: object) -> bool:
        """Whether the catalog holds a segment named ``name``."""
        return any(s.name == name for s in self.segments)

    def __getitem__(self, name: str) -> Segment:
        """Return the segment named ``name``.

        Raises
        ------
        UnknownSegmentError
            When there is none; the message lists the names and the closest one.

        Examples
        --------
        >>> from segment_lab import Catalog, Segment, field
        >>> cat = Catalog([Segment("tokyo", field("city") == "Tokyo")])
        >>> cat["tokyo"].describe()
        'City is Tokyo'
        >>> cat["tokio"]
        Traceback (most recent call last):
        ...
        segment_lab.errors.UnknownSegmentError: No segment named 'tokio' in the catalog. Segments: 'tokyo'. Did you mean 'tokyo'?
        """
        for s in self.segments:
            if s.name == name:
                return s
        raise UnknownSegmentError(
            f"No segment named {name!r} in the catalog. Segments: "
            f"{', '.join(repr(n) for n in self.names)}." + did_you_mean(name, self.names)
        )

    @property
    def names(self) -> tuple[str, ...]:
        """The segment names, in catalog order.

        Examples
        --------
        >>> from segment_lab import Catalog, Segment, field
        >>> Catalog([Segment("b", field("x") == 1), Segment("a", field("x") == 2)]).names
        ('b', 'a')
        """
        return tuple(s.name for s in self.segments)

    # -- dependencies ---------------------------------------------------------
    def order(self) -> tuple[str, ...]:
        """List segment names with every segment after the segments it references.

        Segments that do not depend on each other keep their catalog order.

        Returns
        -------
        tuple of str
            Every name once: an order in which to evaluate or define them.

        Examples
        --------
        >>> from segment_lab import Catalog, Segment, field, in_segment
        >>> cto = in_segment("tokyo") & (field("job_title") == "CTO")
        >>> cat = Catalog([Segment("tokyo-cto", cto),
        ...                Segment("london", field("city") == "London"),
        ...                Segment("tokyo", field("city") == "Tokyo")])
        >>> cat.order()
        ('tokyo', 'tokyo-cto', 'london')
        """
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
        """List all segments ``name`` depends on, directly or not, in dependency order.

        Parameters
        ----------
        name : str
            A segment of this catalog.

        Returns
        -------
        tuple of str
            The names, ``name`` itself excluded, ordered as :meth:`order` orders them.

        Raises
        ------
        UnknownSegmentError
            When the catalog holds no segment ``name``.

        Examples
        --------
        >>> from segment_lab import Catalog, Segment, field, in_segment
        >>> python = field("technologies").has_any(["python"])
        >>> cat = Catalog([Segment("tokyo", field("city") == "Tokyo"),
        ...                Segment("tokyo-cto", in_segment("tokyo") & (field("job_title") == "CTO")),
        ...                Segment("tokyo-cto-python", in_segment("tokyo-cto") & python)])
        >>> cat.dependencies("tokyo-cto-python")
        ('tokyo', 'tokyo-cto')
        >>> cat.dependencies("tokyo")
        ()
        """
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
        """Return a copy holding ``segment`` (replacing one of the same name).

        A replaced segment keeps its place; a new one goes last.

        Parameters
        ----------
        segment : Segment
            The segment to add or replace.

        Returns
        -------
        Catalog
            A new, checked catalog; this one is unchanged.

        Raises
        ------
        UnknownSegmentError, CyclicReferenceError
            When the new segment references a missing segment or closes a cycle.

        Examples
        --------
        >>> from segment_lab import Catalog, Segment, field
        >>> cat = Catalog([Segment("tokyo", field("city") == "Tokyo")])
        >>> cat.with_segment(Segment("london", field("city") == "London")).names
        ('tokyo', 'london')
        >>> cat.with_segment(Segment("tokyo", field("city").contains("tokyo")))["tokyo"].describe()
        "City contains 'tokyo'"
        """
        kept = [s for s in self.segments if s.name != segment.name]
        if len(kept) == len(self.segments):
            return Catalog((*self.segments, segment))
        return Catalog(tuple(segment if s.name == segment.name else s for s in self.segments))

    def without(self, name: str) -> Catalog:
        """Return a copy without the segment ``name`` (an error if others reference it).

        Parameters
        ----------
        name : str
            A segment of this catalog.

        Returns
        -------
        Catalog
            A new catalog; this one is unchanged.

        Raises
        ------
        UnknownSegmentError
            When the catalog holds no segment ``name``, or another segment references it.

        Examples
        --------
        >>> from segment_lab import Catalog, Segment, field, in_segment
        >>> cto = in_segment("tokyo") & (field("job_title") == "CTO")
        >>> cat = Catalog([Segment("tokyo", field("city") == "Tokyo"), Segment("tokyo-cto", cto)])
        >>> cat.without("tokyo-cto").names
        ('tokyo',)
        >>> cat.without("tokyo")
        Traceback (most recent call last):
        ...
        segment_lab.errors.UnknownSegmentError: Segment 'tokyo-cto' references in_segment('tokyo'), which is not in the catalog. ...
        """
        self[name]
        return Catalog(tuple(s for s in self.segments if s.name != name))

    def merge(self, other: Iterable[Segment]) -> Catalog:
        """Return a copy with the segments of ``other`` added or replaced (checked once).

        The catalog is checked once, at the end, so ``other`` may hold segments that reference each
        other in any order.

        Parameters
        ----------
        other : iterable of Segment
            Segments, e.g. another :class:`Catalog`; replaced segments keep their place.

        Returns
        -------
        Catalog
            A new, checked catalog; this one is unchanged.

        Examples
        --------
        >>> from segment_lab import Catalog, Segment, field, in_segment
        >>> cat = Catalog([Segment("tokyo", field("city") == "Tokyo")])
        >>> more = [Segment("tokyo-cto", in_segment("tokyo") & (field("job_title") == "CTO")),
        ...         Segment("tokyo", field("city").contains("tokyo"))]
        >>> cat.merge(more).names
        ('tokyo', 'tokyo-cto')
        """
        merged = {s.name: s for s in self.segments}
        for s in other:
            merged[s.name] = s  # a replaced segment keeps its place
        return Catalog(tuple(merged.values()))

    # -- serialisation ----------------------------------------------------------
    def to_dict(self) -> dict:
        """Return the dict form, with the format version on top.

        Returns
        -------
        dict
            ``{"segment_lab": 1, "kind": "catalog", "segments": [...]}``.

        See Also
        --------
        from_dict : The inverse.

        Examples
        --------
        >>> from segment_lab import Catalog, Segment, field
        >>> Catalog([Segment("tokyo", field("city") == "Tokyo")]).to_dict()
        ... # doctest: +NORMALIZE_WHITESPACE
        {'segment_lab': 1, 'kind': 'catalog',
         'segments': [{'kind': 'segment', 'name': 'tokyo',
                       'rule': {'kind': 'compare', 'field': 'city', 'op': '==', 'value': 'Tokyo'}}]}
        """
        from segment_lab.serde import to_dict

        return to_dict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Catalog:
        """Build a catalog from its dict form (or one segment's, or a list of segments').

        Parameters
        ----------
        data : dict or list
            The dict form, as :meth:`to_dict` writes it; the ``segment_lab`` version
            key is optional.

        Returns
        -------
        Catalog

        Raises
        ------
        SerializationError
            For structural problems, with the place in the document.
        DuplicateSegmentError, UnknownSegmentError, CyclicReferenceError
            As the constructor raises them, with the place in the document.

        Examples
        --------
        >>> from segment_lab import Catalog
        >>> seg = {"kind": "segment", "name": "vip",
        ...        "rule": {"kind": "compare", "field": "points", "op": ">", "value": 1000}}
        >>> Catalog.from_dict({"kind": "catalog", "segments": [seg]}).names
        ('vip',)
        >>> Catalog.from_dict([seg, {**seg, "name": "vip2"}]).names
        ('vip', 'vip2')
        """
        from segment_lab.serde import catalog_from_dict

        return catalog_from_dict(data)

    @classmethod
    def load(cls, path: str) -> Catalog:
        """Read a catalog from a ``.yaml``/``.yml`` or ``.json`` file.

        A file holding one segment or a list of segments reads as a catalog too.

        Parameters
        ----------
        path : str or path-like
            The file; its suffix picks the format.

        Returns
        -------
        Catalog

        Raises
        ------
        SerializationError
            For an unknown suffix, malformed text or an invalid document; the message
            names the file and the place in it.
        DuplicateSegmentError, UnknownSegmentError, CyclicReferenceError
            As the constructor raises them, with the file name.

        See Also
        --------
        save : The inverse.
        segment_lab.serde.load : Rules and segments too.

        Examples
        --------
        >>> import pathlib, shutil, tempfile
        >>> from segment_lab import Catalog, Segment, field
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> from segment_lab.serde import save
        >>> save(Segment("vip", field("points") > 1000), folder / "vip.yaml")  # one segment
        >>> Catalog.load(folder / "vip.yaml")["vip"].describe()
        'Points is greater than 1,000'
        >>> shutil.rmtree(folder)
        """
        from segment_lab.serde import load

        return load(path, expect="catalog")

    def save(self, path: str) -> None:
        """Write the catalog to ``.yaml``/``.yml`` or ``.json`` (atomically).

        The text goes to a temporary file that then replaces ``path``, so a failure
        never leaves a half-written file behind.

        Parameters
        ----------
        path : str or path-like
            The file; its suffix picks the format.

        Raises
        ------
        SerializationError
            For an unknown suffix; nothing is written.

        See Also
        --------
        load : The inverse.

        Examples
        --------
        >>> import pathlib, shutil, tempfile
        >>> from segment_lab import Catalog, Segment, field
        >>> cat = Catalog([Segment("vip", field("points") > 1000, tags=("score",))])
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> cat.save(folder / "segments.yaml")
        >>> print((folder / "segments.yaml").read_text(), end="")
        segment_lab: 1
        kind: catalog
        segments:
        - kind: segment
          name: vip
          rule:
            kind: compare
            field: points
            op: '>'
            value: 1000
          tags:
          - score
        >>> Catalog.load(folder / "segments.yaml") == cat
        True
        >>> shutil.rmtree(folder)
        """
        from segment_lab.serde import save

        save(self, path)

    def _repr_html_(self) -> str:
        from segment_lab.model._describe import catalog_html

        return catalog_html(self)
