"""The dict form of rules, segments and catalogs: encoding, decoding and validation.

Every node is a mapping with a ``kind`` tag and its fields by name; the field specs are
derived from the model's dataclass definitions.  Decoding validates with the place in
the document in every message (``At segments[2].rule.rules[0]: ...``).  Public names are
re-exported by :mod:`segment_lab.serde`.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
from collections.abc import Callable
from typing import Any, Union

from segment_lab.errors import (
    InvalidValueError,
    SegmentLabError,
    SerializationError,
    UnsupportedVersionError,
    did_you_mean,
)
from segment_lab.model._nodes import NODE_TYPES, EventCondition, Rule
from segment_lab.model._segment import Catalog, Segment
from segment_lab.model._time import AbsoluteTime, Between, RelativeTime, Within, as_time_value

#: Version of the document format this segment_lab writes and reads.
FORMAT_VERSION = 1
#: Top-level key that carries the format version.
VERSION_KEY = "segment_lab"
EXPECTS = ("rule", "segment", "catalog")

Serialisable = Union[Rule, Segment, Catalog]

_RULES: dict[str, type] = {cls.kind: cls for cls in NODE_TYPES}
_WINDOWS: dict[str, type] = {Within.kind: Within, Between.kind: Between}
_SEGMENTS: dict[str, type] = {Segment.kind: Segment}
_TOP: dict[str | None, dict[str, type]] = {
    None: {**_RULES, "segment": Segment, "catalog": Catalog},
    "rule": _RULES,
    "segment": _SEGMENTS,
    "catalog": {"catalog": Catalog, "segment": Segment},
}
_WHAT = {None: "a rule, segment or catalog", "rule": "a rule", "segment": "a segment",
         "catalog": "a catalog"}  # fmt: skip


# -- field specs, derived from the dataclass definitions ------------------------------
#: Role of a field, by its annotation; the role picks the encoder, decoder and schema.
_ROLES = {
    "str": "text", "str | None": "text", "bool": "flag", "Scalar": "scalar",
    "tuple[Scalar, ...]": "scalars", "tuple[str, ...]": "names", "Rule": "rule",
    "Rule | None": "rule", "tuple[Rule, ...]": "rules", "Window | None": "window",
    "Duration": "duration", "TimeValue": "time", "tuple[Segment, ...]": "segments",
}  # fmt: skip
_OVERRIDES = {(EventCondition, "value"): "measure_value"}
_ALWAYS = {(Catalog, "segments")}  # written even when equal to the default


@dataclasses.dataclass(frozen=True)
class _Field:
    name: str
    role: str
    required: bool
    default: Any


@functools.cache
def _spec(cls: type) -> tuple[_Field, ...]:
    out = []
    for f in dataclasses.fields(cls):
        role = _OVERRIDES.get((cls, f.name)) or _ROLES.get(str(f.type))
        if role is None:  # a new field type: fail loudly rather than guess
            raise TypeError(f"serde has no codec for {cls.__name__}.{f.name}: {f.type}")
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        out.append(_Field(f.name, role, required, None if required else f.default))
    return tuple(out)


# -- helpers for messages ------------------------------------------------------------
_TYPE_NAMES = {"dict": "mapping", "list": "list", "str": "string", "int": "integer",
               "float": "number", "bool": "boolean", "NoneType": "null"}  # fmt: skip


def _show(value: object) -> str:
    text = repr(value)
    text = text if len(text) <= 80 else text[:77] + "..."
    return f"{text} ({_TYPE_NAMES.get(type(value).__name__, type(value).__name__)})"


def _at(path: str) -> str:
    return f"At {path or 'the top level'}: "


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _relocate(exc: SegmentLabError, path: str) -> SegmentLabError:
    """Return the same error class, its message prefixed with the document location."""
    return type(exc)(_at(path) + str(exc))


def _located(path: str, fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args)
    except SegmentLabError as exc:
        raise _relocate(exc, path) from None


# -- encoding ------------------------------------------------------------------------
def to_dict(obj: Serialisable) -> dict[str, Any]:
    """Return the dict form of a rule, segment or catalog, with the format version on top.

    Every node becomes a mapping with a ``kind`` tag and its fields by name, in
    declaration order; tuples become lists, fields equal to their default are left
    out, and fixed instants are tagged as ``{"time": "2025-01-01"}`` so that they do
    not read back as text.  The result is plain data for :func:`json.dumps` or YAML.

    Parameters
    ----------
    obj : Rule, Segment or Catalog
        What to encode.

    Returns
    -------
    dict
        The dict form, ``{"segment_lab": FORMAT_VERSION, "kind": ..., ...}``.

    Raises
    ------
    InvalidValueError
        When ``obj`` is not a rule, segment or catalog.
    SerializationError
        For a value JSON cannot hold (an infinite float); the message names its place.

    See Also
    --------
    from_dict : The inverse.
    to_json, to_yaml : The dict form as text.

    Examples
    --------
    >>> from segment_lab import field
    >>> to_dict(field("tags").has_any(["python"]))
    {'segment_lab': 1, 'kind': 'list_has', 'field': 'tags', 'mode': 'any', 'values': ['python']}
    >>> import datetime as dt
    >>> to_dict(field("created_at") > dt.date(2025, 1, 1))["value"]
    {'time': '2025-01-01'}
    >>> to_dict(field("created_at") > "-7d")["value"]
    '-7d'
    """
    if not isinstance(obj, (Rule, Segment, Catalog)):
        raise InvalidValueError(f"to_dict() takes a rule, Segment or Catalog, got {_show(obj)}.")
    return {VERSION_KEY: FORMAT_VERSION, **_encode(obj, "")}


def _encode(obj: Any, path: str) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": obj.kind}
    for f in _spec(type(obj)):
        value = getattr(obj, f.name)
        if _is_default(value, f) and (type(obj), f.name) not in _ALWAYS:
            continue
        out[f.name] = _ENCODERS[f.role](value, _join(path, f.name))
    return out


def _is_default(value: object, f: _Field) -> bool:
    return not f.required and type(value) is type(f.default) and value == f.default


def _encode_scalar(value: object, path: str) -> object:
    if isinstance(value, AbsoluteTime):
        return {"time": str(value)}
    return _encode_plain(value, path)


def _encode_plain(value: object, path: str) -> object:
    if isinstance(value, (AbsoluteTime, RelativeTime)):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise SerializationError(f"{_at(path)}{value!r} cannot be written to JSON or YAML.")
    return value


_ENCODERS: dict[str, Callable[[Any, str], Any]] = {
    "text": lambda v, p: v,
    "flag": lambda v, p: v,
    "names": lambda v, p: list(v),
    "scalar": _encode_scalar,
    "scalars": lambda v, p: [_encode_scalar(x, _join(p, i)) for i, x in enumerate(v)],
    "measure_value": _encode_plain,
    "time": _encode_plain,
    "duration": lambda v, p: str(v),
    "rule": _encode,
    "window": _encode,
    "rules": lambda v, p: [_encode(x, _join(p, i)) for i, x in enumerate(v)],
    "segments": lambda v, p: [_encode(x, _join(p, i)) for i, x in enumerate(v)],
}


# -- decoding ------------------------------------------------------------------------
def from_dict(data: object, *, expect: str | None = None) -> Serialisable:
    """Build a rule, segment or catalog from its dict form (dispatching on ``kind``).

    Validation is as strict as building in Python: every node constructor runs.

    Parameters
    ----------
    data : dict or list
        The dict form; the top-level ``segment_lab`` version key is optional.
    expect : {None, "rule", "segment", "catalog"}, default None
        ``"rule"``, ``"segment"`` or ``"catalog"`` to accept only that; ``"catalog"``
        also accepts one segment or a list of segments and wraps them.

    Returns
    -------
    Rule, Segment or Catalog
        The object; ``from_dict(to_dict(x)) == x``.

    Raises
    ------
    SerializationError
        For structural problems (unknown kind or key, missing key, wrong type), with
        the place in the document; the node constructors' own errors (unknown
        operator, bad duration, cycle, ...) likewise carry the place.
    UnsupportedVersionError
        When the document was written by a newer format version.
    ValueError
        When ``expect`` is not one of the values above.

    See Also
    --------
    to_dict : The inverse.
    rule_from_dict, segment_from_dict, catalog_from_dict : ``expect`` fixed.

    Examples
    --------
    >>> from_dict({"kind": "isnull", "field": "email", "negate": True})
    IsNull(field='email', negate=True)
    >>> from_dict({"kind": "and", "rules": [{"kind": "compare", "field": "city", "op": "==",
    ...                                      "valeu": "Tokyo"}]})
    Traceback (most recent call last):
    ...
    segment_lab.errors.SerializationError: At rules[0]: Unknown key 'valeu' in the 'compare' node; ...
    >>> from_dict({"kind": "compre", "field": "city", "op": "==", "value": "Tokyo"})
    Traceback (most recent call last):
    ...
    segment_lab.errors.SerializationError: At the top level: Unknown kind 'compre'; ...
    """
    if expect not in (None, *EXPECTS):
        raise ValueError(f"expect must be one of {EXPECTS} or None, got {expect!r}.")
    if expect == "catalog" and isinstance(data, list):
        segments = tuple(_decode_top(item, f"[{i}]", "segment") for i, item in enumerate(data))
        return _located("", Catalog, segments)
    obj = _decode_top(data, "", expect)
    return Catalog((obj,)) if expect == "catalog" and isinstance(obj, Segment) else obj


def rule_from_dict(data: object) -> Rule:
    """Build a rule from its dict form; anything else is an error.

    Parameters
    ----------
    data : dict
        The dict form of a rule.

    Returns
    -------
    Rule

    Raises
    ------
    SerializationError
        For a segment or catalog, and as :func:`from_dict` raises.

    Examples
    --------
    >>> rule_from_dict({"kind": "in_segment", "name": "vip"})
    InSegment(name='vip')
    >>> rule_from_dict({"kind": "segment", "name": "vip",
    ...                 "rule": {"kind": "in_segment", "name": "x"}})
    Traceback (most recent call last):
    ...
    segment_lab.errors.SerializationError: At the top level: Expected a rule, got kind 'segment'.
    """
    return from_dict(data, expect="rule")  # type: ignore[return-value]


def segment_from_dict(data: object) -> Segment:
    """Build a segment from its dict form; anything else is an error.

    Parameters
    ----------
    data : dict
        The dict form of a segment.

    Returns
    -------
    Segment

    Raises
    ------
    SerializationError
        For a rule or catalog, and as :func:`from_dict` raises.

    Examples
    --------
    >>> seg = segment_from_dict({"kind": "segment", "name": "vip",
    ...                          "rule": {"kind": "compare", "field": "points", "op": ">",
    ...                                   "value": 1000}})
    >>> seg.name, seg.describe()
    ('vip', 'Points is greater than 1,000')
    """
    return from_dict(data, expect="segment")  # type: ignore[return-value]


def catalog_from_dict(data: object) -> Catalog:
    """Build a catalog from its dict form (or from one segment, or a list of segments).

    Parameters
    ----------
    data : dict or list
        The dict form of a catalog or of one segment, or a list of segments' dict forms.

    Returns
    -------
    Catalog

    Raises
    ------
    SerializationError
        For a rule, and as :func:`from_dict` raises.
    DuplicateSegmentError, UnknownSegmentError, CyclicReferenceError
        As :class:`~segment_lab.Catalog` raises them, with the place in the document.

    Examples
    --------
    >>> vip = {"kind": "segment", "name": "vip", "rule": {"kind": "isnull", "field": "email"}}
    >>> catalog_from_dict(vip).names
    ('vip',)
    >>> catalog_from_dict([vip, vip])
    Traceback (most recent call last):
    ...
    segment_lab.errors.DuplicateSegmentError: At the top level: Two segments in the catalog are named 'vip'; ...
    """
    return from_dict(data, expect="catalog")  # type: ignore[return-value]


def _decode_top(data: object, path: str, expect: str | None) -> Any:
    if isinstance(data, dict) and VERSION_KEY in data:
        _check_version(data[VERSION_KEY], _join(path, VERSION_KEY))
        data = {k: v for k, v in data.items() if k != VERSION_KEY}
    return _decode(data, path, _TOP[expect], _WHAT[expect])


def _installed_version() -> str:
    """Return the installed segment_lab version (read from its metadata, not the package)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("segment_lab")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown version"


def _check_version(version: object, path: str) -> None:
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise SerializationError(
            f"{_at(path)}The format version must be a whole number such as "
            f"{FORMAT_VERSION} (the version this segment_lab writes), got {_show(version)}."
        )
    if version > FORMAT_VERSION:
        raise UnsupportedVersionError(
            f"This document has segment_lab format version {version}, but this segment_lab "
            f"({_installed_version()}) reads format version {FORMAT_VERSION} and older. "
            f"Upgrade segment_lab (pip install --upgrade segment_lab) to read it."
        )


def _decode(data: object, path: str, classes: dict[str, type], what: str) -> Any:
    if not isinstance(data, dict):
        empty = " (is the document empty?)" if data is None and not path else ""
        raise SerializationError(
            f"{_at(path)}Expected {what} as a mapping with a 'kind' key, got {_show(data)}{empty}."
        )
    cls = _kind_class(data, path, classes, what)
    fields = _spec(cls)
    _check_keys(data, path, cls, fields)
    kwargs = {
        f.name: _DECODERS[f.role](data[f.name], _join(path, f.name))
        for f in fields
        if f.name in data and not (data[f.name] is None and f.default is None and not f.required)
    }
    # a catalog's own checks (duplicates, references, cycles) are about its segments
    return _located(_join(path, "segments") if cls is Catalog else path, lambda: cls(**kwargs))


def _kind_class(data: dict, path: str, classes: dict[str, type], what: str) -> type:
    kinds = ", ".join(map(repr, classes))
    if "kind" not in data:
        raise SerializationError(
            f"{_at(path)}Missing key 'kind' in {_show(data)}: expected {what}, one of {kinds}."
        )
    kind = data["kind"]
    if isinstance(kind, str) and kind in classes:
        return classes[kind]
    if isinstance(kind, str) and kind in _TOP[None]:
        raise SerializationError(f"{_at(path)}Expected {what}, got kind {kind!r}.")
    raise SerializationError(
        f"{_at(path)}Unknown kind {kind!r}; expected {what}, one of {kinds}."
        + did_you_mean(kind, classes)
    )


def _check_keys(data: dict, path: str, cls: type, fields: tuple[_Field, ...]) -> None:
    names = [f.name for f in fields]
    valid = ["kind", *names]
    for key in data:
        if key not in valid:
            hint = " The format version belongs at the top of a document only." * (
                key == VERSION_KEY
            )
            raise SerializationError(
                f"{_at(path)}Unknown key {key!r} in the {cls.kind!r} node; valid keys: "
                f"{', '.join(map(repr, valid))}.{hint}" + did_you_mean(key, names)
            )
    for f in fields:
        if f.required and f.name not in data:
            raise SerializationError(
                f"{_at(path)}The {cls.kind!r} node needs the key {f.name!r}; required keys: "
                f"{', '.join(repr(g.name) for g in fields if g.required)}."
            )


def _expect(value: object, typ: type, what: str, path: str) -> Any:
    if isinstance(value, typ):
        return value
    raise SerializationError(f"{_at(path)}Expected {what}, got {_show(value)}.")


def _decode_list(value: object, path: str, item: Callable[[Any, str], Any]) -> list:
    _expect(value, list, "a list", path)
    return [item(x, _join(path, i)) for i, x in enumerate(value)]  # type: ignore[arg-type]


def _decode_names(value: object, path: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    return _decode_list(value, path, lambda x, p: _expect(x, str, "a string", p))


def _decode_scalar(value: object, path: str) -> object:
    """Plain JSON scalars pass to the node, which checks them; ``{"time": ...}`` is a time."""
    if not isinstance(value, dict):
        return value
    if set(value) != {"time"}:
        raise SerializationError(
            f"{_at(path)}Expected a value (string, number, boolean or {{time: <ISO time>}}), "
            f"got {_show(value)}."
        )
    return _located(_join(path, "time"), as_time_value, value["time"])


_DECODERS: dict[str, Callable[[Any, str], Any]] = {
    "text": lambda v, p: _expect(v, str, "a string", p),
    "flag": lambda v, p: _expect(v, bool, "true or false", p),
    "names": _decode_names,
    "scalar": _decode_scalar,
    "scalars": lambda v, p: tuple(_decode_list(v, p, _decode_scalar)),
    "measure_value": _decode_scalar,
    "time": _decode_scalar,
    "duration": lambda v, p: v,  # Within parses it and explains a bad one
    "rule": lambda v, p: _decode(v, p, _RULES, "a rule"),
    "window": lambda v, p: _decode(v, p, _WINDOWS, "a window"),
    "rules": lambda v, p: tuple(_decode_list(v, p, _DECODERS["rule"])),
    "segments": lambda v, p: tuple(
        _decode_list(v, p, lambda x, q: _decode(x, q, _SEGMENTS, "a segment"))
    ),
}


# -- identity --------------------------------------------------------------------------
def definition_hash(obj: Serialisable | dict[str, Any]) -> str:
    """Return a stable 16-hex-digit hash of a definition.

    For a segment it hashes the rule only (renaming or re-describing a segment keeps
    it); for a rule, the rule; for a catalog, the whole catalog.  It is the sha256 of
    the canonical JSON of the dict form (sorted keys, format version included), so it
    is the same in every process and for every key order.  A dict is read first.

    Parameters
    ----------
    obj : Rule, Segment, Catalog or dict
        The definition, or its dict form.

    Returns
    -------
    str
        The first 16 hexadecimal digits of the sha256.

    Raises
    ------
    InvalidSegmentError
        When a dict is not a valid definition, as :func:`from_dict` raises.

    See Also
    --------
    Segment.definition_hash : The same, as a property.

    Examples
    --------
    >>> from segment_lab import Segment, field
    >>> definition_hash(field("city") == "Tokyo")
    'e7dc2ebfd7000fa1'
    >>> definition_hash(Segment("tokyo", field("city") == "Tokyo", description="In Tokyo"))
    'e7dc2ebfd7000fa1'
    >>> definition_hash({"op": "==", "value": "Tokyo", "kind": "compare", "field": "city"})
    'e7dc2ebfd7000fa1'
    """
    if isinstance(obj, dict):
        obj = from_dict(obj)
    target = obj.rule if isinstance(obj, Segment) else obj
    text = json.dumps(to_dict(target), sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
