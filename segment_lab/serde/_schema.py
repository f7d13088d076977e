"""A JSON Schema for the JSON/YAML form, derived from the same field specs as the codec.

Public names are re-exported by :mod:`segment_lab.serde`.
"""

from __future__ import annotations

import copy
import functools
import re
from typing import Any

from segment_lab.model._nodes import (
    COMPARISONS,
    LIST_MODES,
    MEASURES,
    TEXT_OPS,
    Compare,
    EventCondition,
    ListHas,
    TextMatch,
)
from segment_lab.model._segment import Catalog, Segment
from segment_lab.model._time import ANCHORS, UNITS
from segment_lab.serde._codec import (
    _RULES,
    _WINDOWS,
    FORMAT_VERSION,
    VERSION_KEY,
    _Field,
    _spec,
)

#: Closed vocabularies, imported from the model so that they cannot drift.
_ENUMS: dict[tuple[type, str], tuple[str, ...]] = {
    (Compare, "op"): COMPARISONS, (TextMatch, "op"): TEXT_OPS, (ListHas, "mode"): LIST_MODES,
    (EventCondition, "measure"): MEASURES, (EventCondition, "op"): COMPARISONS,
}  # fmt: skip
_NAMES = ("field", "name", "column")  # text fields that must be non-blank

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
    """Return ``oneOf`` over kinds, each branch checking its ``kind`` first.

    A wrong branch then fails at once instead of validating the whole subtree (and
    editors name the branch).
    """
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
    """Return a JSON Schema (draft 2020-12) for the JSON/YAML form of rules, segments, catalogs.

    Point an editor at it for completion and checks while writing YAML by hand.
    Loading checks more than the schema can say (regexes compile, ranges are ordered,
    references resolve, no cycles).

    Returns
    -------
    dict
        The schema, a fresh copy on every call (changing it changes nothing else).

    See Also
    --------
    from_dict : The full validation.

    Examples
    --------
    >>> schema = json_schema()
    >>> schema["title"]
    'segment_lab definition (format version 1)'
    >>> import json, pathlib, shutil, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "segment_lab.schema.json").write_text(json.dumps(schema, indent=2))
    >>> shutil.rmtree(folder)

    Validate a document with :mod:`jsonschema`:

    >>> import jsonschema
    >>> from segment_lab import field
    >>> from segment_lab.serde import to_dict
    >>> jsonschema.Draft202012Validator(json_schema()).is_valid(to_dict(field("age") > 30))
    True
    >>> jsonschema.Draft202012Validator(json_schema()).is_valid({"kind": "compare"})
    False
    """
    return copy.deepcopy(_schema())
