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

from segment_lab.serde._codec import EXPECTS as EXPECTS
from segment_lab.serde._codec import (
    FORMAT_VERSION,
    catalog_from_dict,
    definition_hash,
    from_dict,
    rule_from_dict,
    segment_from_dict,
    to_dict,
)
from segment_lab.serde._codec import VERSION_KEY as VERSION_KEY
from segment_lab.serde._codec import Serialisable as Serialisable
from segment_lab.serde._files import SUFFIXES as SUFFIXES
from segment_lab.serde._files import from_json, from_yaml, load, save, to_json, to_yaml
from segment_lab.serde._schema import ISO_PATTERN as ISO_PATTERN
from segment_lab.serde._schema import RELATIVE_PATTERN as RELATIVE_PATTERN
from segment_lab.serde._schema import WITHIN_PATTERN as WITHIN_PATTERN
from segment_lab.serde._schema import json_schema

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


def __dir__() -> list[str]:
    """List the public names only (tab completion hides the imports)."""
    return sorted(__all__)
