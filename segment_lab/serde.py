"""Serialisation of rules, segments and catalogs: one path, ``to_dict``/``from_dict``.

JSON and YAML are thin wrappers around the dict form.  Every node is a mapping with a
``kind`` tag and its fields by name (tuples as lists, fields equal to their default
left out); the top level also carries the format version, ``{"segment_lab": 1}``.

Loading validates as strictly as building in Python does.  Structural problems (an
unknown ``kind`` or key, a missing key, a list where a mapping is expected, malformed
JSON or YAML text) raise :class:`~segment_lab.errors.SerializationError`; the node
constructors raise their own errors for bad values (an unknown operator, a bad
duration, an invalid regex, a cycle, ...).  Every message says where in the document
the problem is, e.g. ``At segments[2].rule.rules[0]: ...``.

Examples
--------
>>> from segment_lab import Segment, field, event
>>> from segment_lab.serde import to_dict, from_dict, to_yaml
>>> rule = (field("city") == "Tokyo") & (event("email_open").count(within="30d") >= 3)
>>> to_dict(rule)  # doctest: +NORMALIZE_WHITESPACE
{'segment_lab': 1, 'kind': 'and',
 'rules': [{'kind': 'compare', 'field': 'city', 'op': '==', 'value': 'Tokyo'},
           {'kind': 'event', 'types': ['email_open'], 'measure': 'count', 'op': '>=',
            'value': 3, 'window': {'kind': 'within', 'duration': '30d'}}]}
>>> from_dict(to_dict(rule)) == rule
True
>>> print(to_yaml(Segment("tokyo", field("city") == "Tokyo", tags=("geo",))), end="")
segment_lab: 1
kind: segment
name: tokyo
rule:
  kind: compare
  field: city
  op: ==
  value: Tokyo
tags:
- geo
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import hashlib
import json
import math
import os
import re
import secrets
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, Union

from segment_lab.errors import (
    InvalidValueError,
    SegmentLabError,
    SerializationError,
    UnsupportedVersionError,
    did_you_mean,
)
from segment_lab.model._nodes import (
    COMPARISONS,
    LIST_MODES,
    MEASURES,
    NODE_TYPES,
    TEXT_OPS,
    Compare,
    EventCondition,
    ListHas,
    Rule,
    TextMatch,
)
from segment_lab.model._segment import Catalog, Segment
from segment_lab.model._time import (
    ANCHORS,
    UNITS,
    AbsoluteTime,
    Between,
    RelativeTime,
    Within,
    as_time_value,
)

__all__ = [
    "FORMAT_VERSION",
    "catalog_from_dict",
    "definition_hash",
    "from_dict",
    "from_json",
    "from_yaml",
    "json_schema",
    "load",
    "rule_from_dict",
    "save",
    "segment_from_dict",
    "to_dict",
    "to_json",
    "to_yaml",
]

#: Version of the document format this segment_lab writes and reads.
FORMAT_VERSION = 1
#: Top-level key that carries the format version.
VERSION_KEY = "segment_lab"
SUFFIXES = {".json": "json", ".yaml": "yaml", ".yml": "yaml"}
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
#: Closed vocabularies, imported from the model so that they cannot drift.
_ENUMS: dict[tuple[type, str], tuple[str, ...]] = {
    (Compare, "op"): COMPARISONS, (TextMatch, "op"): TEXT_OPS, (ListHas, "mode"): LIST_MODES,
    (EventCondition, "measure"): MEASURES, (EventCondition, "op"): COMPARISONS,
}  # fmt: skip
_NAMES = ("field", "name", "column")  # text fields that must be non-blank
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
    """The same error class, its message prefixed with the document location."""
    return type(exc)(_at(path) + str(exc))


def _located(path: str, fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args)
    except SegmentLabError as exc:
        raise _relocate(exc, path) from None


# -- encoding ------------------------------------------------------------------------
def to_dict(obj: Serialisable) -> dict[str, Any]:
    """The dict form of a rule, segment or catalog, with the format version on top.

    >>> from segment_lab import field
    >>> to_dict(field("tags").has_any(["python"]))
    {'segment_lab': 1, 'kind': 'list_has', 'field': 'tags', 'mode': 'any', 'values': ['python']}
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

    Parameters
    ----------
    data
        The dict form; the top-level ``segment_lab`` version key is optional.
    expect
        ``"rule"``, ``"segment"`` or ``"catalog"`` to accept only that; ``"catalog"``
        also accepts one segment or a list of segments and wraps them.

    Raises
    ------
    SerializationError
        For structural problems (unknown kind or key, missing key, wrong type), with
        the place in the document; the node constructors' own errors (unknown
        operator, bad duration, cycle, ...) likewise carry the place.
    UnsupportedVersionError
        When the document was written by a newer format version.

    Examples
    --------
    >>> from_dict({"kind": "isnull", "field": "email", "negate": True})
    IsNull(field='email', negate=True)
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
    """Build a rule from its dict form; anything else is an error."""
    return from_dict(data, expect="rule")  # type: ignore[return-value]


def segment_from_dict(data: object) -> Segment:
    """Build a segment from its dict form."""
    return from_dict(data, expect="segment")  # type: ignore[return-value]


def catalog_from_dict(data: object) -> Catalog:
    """Build a catalog from its dict form (or from one segment, or a list of segments)."""
    return from_dict(data, expect="catalog")  # type: ignore[return-value]


def _decode_top(data: object, path: str, expect: str | None) -> Any:
    if isinstance(data, dict) and VERSION_KEY in data:
        _check_version(data[VERSION_KEY], _join(path, VERSION_KEY))
        data = {k: v for k, v in data.items() if k != VERSION_KEY}
    return _decode(data, path, _TOP[expect], _WHAT[expect])


def _check_version(version: object, path: str) -> None:
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise SerializationError(
            f"{_at(path)}The format version must be a whole number such as "
            f"{FORMAT_VERSION} (the version this segment_lab writes), got {_show(version)}."
        )
    if version > FORMAT_VERSION:
        import segment_lab

        raise UnsupportedVersionError(
            f"This document has segment_lab format version {version}, but this segment_lab "
            f"({segment_lab.__version__}) reads format version {FORMAT_VERSION} and older. "
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


# -- JSON and YAML text ----------------------------------------------------------------
def to_json(obj: Serialisable, indent: int | None = 2) -> str:
    """The dict form as JSON text.

    >>> from segment_lab import in_segment
    >>> print(to_json(~in_segment("churned"), indent=None))
    {"segment_lab": 1, "kind": "not", "rule": {"kind": "in_segment", "name": "churned"}}
    """
    return json.dumps(to_dict(obj), indent=indent, ensure_ascii=False, allow_nan=False)


def from_json(text: str | bytes, *, expect: str | None = None) -> Serialisable:
    """Read a rule, segment or catalog from JSON text.

    >>> from_json('{"kind": "in_segment", "name": "vip"}')
    InSegment(name='vip')
    >>> from_json('{"kind": "in_segment", "name": }')
    Traceback (most recent call last):
    ...
    segment_lab.errors.SerializationError: Malformed JSON at line 1, column 32: Expecting value.
    """
    if not isinstance(text, (str, bytes, bytearray)):
        raise SerializationError(f"from_json() needs JSON text, got {_show(text)}.")
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise SerializationError(
            f"Malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}."
        ) from None
    return from_dict(data, expect=expect)


def _no_constant(name: str) -> None:
    raise SerializationError(f"Invalid JSON number {name!r}: NaN and Infinity are not allowed.")


def _yaml() -> Any:
    import yaml

    return yaml


def to_yaml(obj: Serialisable) -> str:
    """The dict form as YAML text (block style, keys in field order)."""
    return _render(to_dict(obj), "yaml")


def _render(data: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    yaml = _yaml()
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(
        data, Dumper=dumper, sort_keys=False, allow_unicode=True, default_flow_style=False
    )


_YAML_HINT = re.compile(r":\s*[!>|&*%@`]")


def from_yaml(text: str | bytes, *, expect: str | None = None) -> Serialisable:
    """Read a rule, segment or catalog from YAML text.

    >>> from_yaml("kind: compare\\nfield: points\\nop: '>='\\nvalue: 10\\n")
    Compare(field='points', op='>=', value=10)
    >>> from_yaml("kind: compare\\nfield: [points\\n")
    Traceback (most recent call last):
    ...
    segment_lab.errors.SerializationError: Malformed YAML at line 3, column 1: ...
    """
    yaml = _yaml()
    if not isinstance(text, (str, bytes, bytearray)):
        raise SerializationError(f"from_yaml() needs YAML text, got {_show(text)}.")
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        raise SerializationError(_yaml_message(exc, text)) from None
    except yaml.YAMLError as exc:
        raise SerializationError(f"Malformed YAML: {exc}.") from None
    return from_dict(data, expect=expect)


def _yaml_message(exc: Any, text: str | bytes) -> str:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "invalid YAML"
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    msg = f"Malformed YAML{where}: {problem}."
    lines = (text.decode("utf-8", "replace") if isinstance(text, bytes) else text).splitlines()
    if mark and mark.line < len(lines) and _YAML_HINT.search(lines[mark.line]):
        msg += " Quote values that start with !, >, |, &, *, %, @ or `, e.g. op: '>='."
    return msg


# -- files -----------------------------------------------------------------------------
def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise SerializationError(
            f"Cannot tell the format of {str(path)!r} from its suffix {path.suffix!r}; use "
            f"{', '.join(SUFFIXES)}." + did_you_mean(suffix, SUFFIXES)
        )
    return SUFFIXES[suffix]


def load(path: str | os.PathLike[str], expect: str | None = None) -> Serialisable:
    """Read a rule, segment or catalog from a ``.json``, ``.yaml`` or ``.yml`` file.

    Parameters
    ----------
    path
        The file; its suffix picks the format.
    expect
        As in :func:`from_dict`: ``expect="catalog"`` also accepts a file holding one
        segment or a list of segments.

    Raises
    ------
    SegmentLabError
        The same errors as :func:`from_dict`, their message prefixed with the file name.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from segment_lab import Segment, field
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "vip.yaml"
    >>> save(Segment("vip", field("points") > 1000), path)
    >>> load(path, expect="catalog").names
    ('vip',)
    >>> import shutil; shutil.rmtree(path.parent)
    """
    path = Path(path)
    reader = from_json if _format_of(path) == "json" else from_yaml
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SerializationError(f"{str(path)!r} is not UTF-8 text: {exc.reason}.") from None
    try:
        return reader(text, expect=expect)
    except SegmentLabError as exc:
        raise type(exc)(f"In {str(path)!r}: {exc}") from None


def save(obj: Serialisable, path: str | os.PathLike[str]) -> None:
    """Write a rule, segment or catalog to ``.json``, ``.yaml`` or ``.yml`` atomically.

    The object is validated and rendered first; the text goes to a temporary file in
    the same folder that then replaces ``path``, so a failure never leaves a
    half-written file behind (an existing file keeps its permissions).

    Raises
    ------
    SerializationError
        For an unknown suffix or a value JSON cannot hold; nothing is written.
    """
    path = Path(path)
    fmt = _format_of(path)
    data = to_dict(obj)
    from_dict(data)  # validated both ways: what we write, we can read
    _write_atomic(path, _render(data, fmt))


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # umask applies
    try:
        with open(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# -- identity --------------------------------------------------------------------------
def definition_hash(obj: Serialisable | dict[str, Any]) -> str:
    """A stable 16-hex-digit hash of a definition.

    For a segment it hashes the rule only (renaming or re-describing a segment keeps
    it); for a rule, the rule; for a catalog, the whole catalog.  It is the sha256 of
    the canonical JSON of the dict form (sorted keys, format version included), so it
    is the same in every process and for every key order.  A dict is read first.

    >>> from segment_lab import field
    >>> definition_hash(field("city") == "Tokyo")
    'e7dc2ebfd7000fa1'
    """
    if isinstance(obj, dict):
        obj = from_dict(obj)
    target = obj.rule if isinstance(obj, Segment) else obj
    text = json.dumps(to_dict(target), sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# -- JSON Schema -----------------------------------------------------------------------
_UNIT_RE = "(?:" + "|".join(map(re.escape, UNITS)) + ")"
_OFFSET_RE = rf"[+-]\s*\d+\s*{_UNIT_RE}"
_ANCHOR_RE = "(?:" + "|".join(ANCHORS) + ")"
WITHIN_PATTERN = rf"^\s*\+?\s*0*[1-9]\d*\s*{_UNIT_RE}\s*$"
RELATIVE_PATTERN = rf"^\s*(?:{_ANCHOR_RE}(?:\s*{_OFFSET_RE})?|{_OFFSET_RE})\s*$"
ISO_PATTERN = r"^\s*\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,6})?)?)?(?:Z|[+-]\d{2}:?\d{2})?\s*$"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/$defs/{name}"}


def _role_schema(cls: type, f: _Field) -> dict[str, Any]:
    if (cls, f.name) in _ENUMS:
        return {"enum": list(_ENUMS[cls, f.name])}
    if f.role == "text":
        return {"type": "string", "pattern": r"\S"} if f.name in _NAMES else {"type": "string"}
    if f.role == "names":
        item = {"type": "string", "pattern": r"\S"} if cls is EventCondition else {"type": "string"}
        many = {"type": "array", "items": item, "minItems": 1 if cls is EventCondition else 0}
        return {"anyOf": [item, many]}
    if f.role in ("scalars", "rules", "segments"):
        item = _ref({"scalars": "scalar", "rules": "rule", "segments": "segment"}[f.role])
        return {"type": "array", "items": item, "minItems": int(f.role != "segments")}
    simple = {
        "flag": {"type": "boolean"},
        "duration": {"type": "string", "pattern": WITHIN_PATTERN},
    }
    if f.role in simple:
        return simple[f.role]
    return _ref({"measure_value": "measure_value"}.get(f.role, f.role))


def _node_schema(cls: type, *, top: bool = False) -> dict[str, Any]:
    fields = _spec(cls)
    props: dict[str, Any] = {VERSION_KEY: _ref("version")} if top else {}
    props["kind"] = {"const": cls.kind}
    for f in fields:
        schema = _role_schema(cls, f)
        props[f.name] = (
            {"anyOf": [schema, {"type": "null"}]}
            if f.default is None and not f.required
            else schema
        )
    out: dict[str, Any] = {
        "type": "object",
        "description": (cls.__doc__ or "").strip().splitlines()[0],
        "properties": props,
        "required": ["kind", *(f.name for f in fields if f.required)],
        "additionalProperties": False,
    }
    out.update(_EXTRA.get(cls, {}))
    return out


def _if_measure(measures: list[str], then: dict[str, Any], otherwise: dict | None = None) -> dict:
    out = {"if": {"properties": {"measure": {"enum": measures}}}, "then": then}
    return {**out, "else": otherwise} if otherwise else out


_EXTRA: dict[type, dict[str, Any]] = {
    Compare: {
        "if": {"properties": {"value": {"type": "boolean"}}, "required": ["value"]},
        "then": {"properties": {"op": {"enum": ["==", "!="]}}},
    },
    EventCondition: {
        "allOf": [
            _if_measure(["count"], {"properties": {"value": {"type": "integer", "minimum": 0}}}),
            _if_measure(
                ["sum"],
                {"properties": {"value": {"type": "number"}, "column": {"type": "string"}},
                 "required": ["column"]},
                {"properties": {"column": {"type": "null"}}},
            ),
            _if_measure(["last_seen", "first_seen"], {"properties": {"value": _ref("time")}}),
        ]
    },
}  # fmt: skip


def _switch(cases: dict[str, Any]) -> dict[str, Any]:
    """``oneOf`` over kinds; each branch checks its ``kind`` first, so a wrong branch
    fails at once instead of validating the whole subtree (and editors name the branch)."""
    return {
        "oneOf": [
            {
                "if": {"properties": {"kind": {"enum": kinds.split()}}, "required": ["kind"]},
                "then": schema,
                "else": False,
            }
            for kinds, schema in cases.items()
        ]
    }


def _defs() -> dict[str, Any]:
    tagged = {
        "type": "object",
        "description": "A fixed instant, tagged so that it is not read back as text.",
        "properties": {"time": {"type": "string", "pattern": ISO_PATTERN}},
        "required": ["time"],
        "additionalProperties": False,
    }
    defs: dict[str, Any] = {
        "version": {"type": "integer", "minimum": 1, "maximum": FORMAT_VERSION},
        "tagged_time": tagged,
        "time": {"anyOf": [{"type": "string", "pattern": ISO_PATTERN},
                           {"type": "string", "pattern": RELATIVE_PATTERN}, _ref("tagged_time")]},
        "scalar": {"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"},
                             _ref("tagged_time")]},
        "measure_value": {"anyOf": [{"type": "number"}, _ref("time")]},
        "rule": _switch({kind: _ref(kind) for kind in _RULES}),
        "window": _switch({kind: _ref(kind) for kind in _WINDOWS}),
    }  # fmt: skip
    for cls in (*_RULES.values(), *_WINDOWS.values(), Segment):
        defs[cls.kind] = _node_schema(cls)
    defs["rule_document"] = _switch({c.kind: _node_schema(c, top=True) for c in _RULES.values()})
    defs["segment_document"] = _node_schema(Segment, top=True)
    defs["catalog_document"] = _node_schema(Catalog, top=True)
    return defs


@functools.cache
def _schema() -> dict[str, Any]:
    documents = {
        " ".join(_RULES): _ref("rule_document"),
        "segment": _ref("segment_document"),
        "catalog": _ref("catalog_document"),
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"segment_lab definition (format version {FORMAT_VERSION})",
        "description": "A segment_lab rule, segment or catalog in its JSON/YAML form.",
        **_switch(documents),
        "$defs": _defs(),
    }


def json_schema() -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) for the JSON/YAML form of rules, segments, catalogs.

    Point an editor at it for completion and checks while writing YAML by hand.
    Loading checks more than the schema can say (regexes compile, ranges are ordered,
    references resolve, no cycles).

    >>> import jsonschema
    >>> from segment_lab import field
    >>> jsonschema.Draft202012Validator(json_schema()).is_valid(to_dict(field("age") > 30))
    True
    >>> jsonschema.Draft202012Validator(json_schema()).is_valid({"kind": "compare"})
    False
    """
    return copy.deepcopy(_schema())
