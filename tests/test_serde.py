"""Serialisation: the dict form, JSON/YAML text and files, versions, hashes, the schema."""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import random
import re
import stat
import subprocess
import sys
from collections.abc import Iterator

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import segment_lab
from segment_lab import Catalog, Segment, all_of, any_of, event, field, in_segment, serde
from segment_lab.errors import (
    InvalidOperatorError,
    SerializationError,
    UnsupportedVersionError,
)
from segment_lab.model import (
    NODE_TYPES,
    AbsoluteTime,
    Between,
    Compare,
    Duration,
    EventCondition,
    IsIn,
    RelativeTime,
    walk,
)
from segment_lab.model._nodes import COMPARISONS, LIST_MODES, MEASURES, TEXT_OPS
from segment_lab.serde import (
    definition_hash,
    from_dict,
    from_json,
    from_yaml,
    load,
    save,
    to_dict,
    to_json,
    to_yaml,
)
from tests.strategies import catalogs, depth, rules, segments

VALIDATOR = jsonschema.Draft202012Validator(serde.json_schema())

EVERY_NODE = all_of(
    field("city") == "Tokyo",
    field("signup_at") >= dt.datetime(2024, 1, 2, 9, 30),
    field("last_login") < "today-1d",
    field("country").notin(["JP", "KR"]),
    field("score").between(1, 2.5),
    field("email").endswith("@example.com"),
    field("phone").isnull(),
    field("company").notempty(),
    field("tech").has_all(["python", "duckdb"]),
    event("purchase").where(field("amount") > 10).sum("amount", within="90d") >= 100,
    any_of(in_segment("vip"), ~event("email_open").exists(between=("2024-01-01", "-7d"))),
)

EVERY_NODE_DICT = {
    "segment_lab": 1,
    "kind": "and",
    "rules": [
        {"kind": "compare", "field": "city", "op": "==", "value": "Tokyo"},
        {
            "kind": "compare",
            "field": "signup_at",
            "op": ">=",
            "value": {"time": "2024-01-02T09:30:00"},
        },
        {"kind": "compare", "field": "last_login", "op": "<", "value": "today-1d"},
        {"kind": "isin", "field": "country", "values": ["JP", "KR"], "negate": True},
        {"kind": "range", "field": "score", "low": 1, "high": 2.5},
        {"kind": "text", "field": "email", "op": "endswith", "pattern": "@example.com"},
        {"kind": "isnull", "field": "phone"},
        {"kind": "empty", "field": "company", "negate": True},
        {"kind": "list_has", "field": "tech", "mode": "all", "values": ["python", "duckdb"]},
        {
            "kind": "event",
            "types": ["purchase"],
            "measure": "sum",
            "op": ">=",
            "value": 100,
            "window": {"kind": "within", "duration": "90d"},
            "where": {"kind": "compare", "field": "amount", "op": ">", "value": 10},
            "column": "amount",
        },
        {
            "kind": "or",
            "rules": [
                {"kind": "in_segment", "name": "vip"},
                {
                    "kind": "not",
                    "rule": {
                        "kind": "event",
                        "types": ["email_open"],
                        "measure": "count",
                        "op": ">=",
                        "value": 1,
                        "window": {"kind": "between", "start": "2024-01-01", "end": "-7d"},
                    },
                },
            ],
        },
    ],
}

CORPUS = [
    EVERY_NODE,
    field("city") == "Tokyo",
    event("purchase").last_seen() < "-90d",
    event(["email_open", "email_click"]).first_seen(within="2w") >= dt.date(2024, 3, 1),
    Segment("tokyo", field("city") == "Tokyo", description="Tokyo", tags=("geo",)),
    Catalog(
        [
            Segment("vip", field("points") > 1000),
            Segment("tokyo-vip", in_segment("vip") & (field("city") == "Tokyo")),
        ]
    ),
]


def _canonical(obj: object) -> str:
    return json.dumps(to_dict(obj), sort_keys=True)


# -- the dict form ---------------------------------------------------------------------
def test_dict_form_of_every_node_type_is_pinned() -> None:
    assert to_dict(EVERY_NODE) == EVERY_NODE_DICT
    assert from_dict(EVERY_NODE_DICT) == EVERY_NODE
    kinds = {cls.kind for cls in NODE_TYPES}
    seen = set(re.findall(r'"kind": "(\w+)"', json.dumps(EVERY_NODE_DICT)))
    assert kinds <= seen


def test_yaml_text_is_pinned_and_readable() -> None:
    seg = Segment(
        "stopped-buying",
        (event("purchase").last_seen() < "-90d") & (field("city").isin(["Tokyo", "Osaka"])),
        description="Bought before, not in 90 days",
        tags=("churn",),
    )
    assert to_yaml(seg) == (
        "segment_lab: 1\n"
        "kind: segment\n"
        "name: stopped-buying\n"
        "rule:\n"
        "  kind: and\n"
        "  rules:\n"
        "  - kind: event\n"
        "    types:\n"
        "    - purchase\n"
        "    measure: last_seen\n"
        "    op: <\n"
        "    value: -90d\n"
        "  - kind: isin\n"
        "    field: city\n"
        "    values:\n"
        "    - Tokyo\n"
        "    - Osaka\n"
        "description: Bought before, not in 90 days\n"
        "tags:\n"
        "- churn\n"
    )
    assert from_yaml(to_yaml(seg)) == seg


def test_json_text() -> None:
    rule = field("points") > 10
    assert to_json(rule, indent=None) == (
        '{"segment_lab": 1, "kind": "compare", "field": "points", "op": ">", "value": 10}'
    )
    assert to_json(rule).splitlines()[1] == '  "segment_lab": 1,'
    assert from_json(to_json(rule)) == rule
    assert from_json(to_json(rule).encode()) == rule


def test_defaults_are_omitted_on_write_and_accepted_on_read() -> None:
    assert to_dict(field("email").isnull()) == {
        "segment_lab": 1,
        "kind": "isnull",
        "field": "email",
    }
    explicit = {
        "kind": "event",
        "types": ["login"],
        "measure": "count",
        "op": "==",
        "value": 0,
        "window": None,
        "where": None,
        "column": None,
    }
    assert from_dict(explicit) == EventCondition(("login",), "count", "==", 0)
    assert from_dict({"kind": "isin", "field": "a", "values": [1], "negate": False}) == IsIn(
        "a", (1,)
    )
    assert to_dict(Catalog())["segments"] == []


def test_times_keep_their_type() -> None:
    day = dt.datetime(2024, 5, 1)
    rule = all_of(
        field("signup") > day,  # AbsoluteTime: tagged
        field("plan_date") == "2024-05-01",  # a string that looks like a date stays a string
        field("seen") >= "-30d",
        field("seen") <= "tomorrow+2h",
    )
    values = [r["value"] for r in to_dict(rule)["rules"]]
    assert values == [{"time": "2024-05-01"}, "2024-05-01", "-30d", "tomorrow+2h"]
    back = from_dict(to_dict(rule))
    assert [r.value for r in back.rules] == [
        AbsoluteTime(day),
        "2024-05-01",
        RelativeTime("now", Duration(-30, "d")),
        RelativeTime("tomorrow", Duration(2, "h")),
    ]
    assert from_yaml(to_yaml(rule)) == rule


def test_times_in_events_and_windows_are_plain_strings() -> None:
    rule = event("login").last_seen(between=(dt.datetime(2024, 1, 1, 12), "today")) >= "2024-01-05"
    d = to_dict(rule)
    assert d["value"] == "2024-01-05"
    assert d["window"] == {"kind": "between", "start": "2024-01-01T12:00:00", "end": "today"}
    assert from_dict(d).value == AbsoluteTime(dt.datetime(2024, 1, 5))
    assert from_dict(d).window == Between(
        AbsoluteTime(dt.datetime(2024, 1, 1, 12)), RelativeTime("today")
    )
    # the tagged form is accepted there too
    d["value"] = {"time": "2024-01-05"}
    assert from_dict(d) == rule


def test_hand_written_yaml_is_read_leniently_where_the_format_allows() -> None:
    text = """
kind: segment
name: recent-buyers
tags: vip
rule:
  kind: event
  types: purchase
  measure: count
  op: '>='
  value: 1
  window: {kind: between, start: 2024-01-01, end: 2024-02-01 10:00:00}
"""
    seg = from_yaml(text)
    assert seg == Segment(
        "recent-buyers",
        event("purchase").count(between=("2024-01-01", "2024-02-01T10:00")) >= 1,
        tags=("vip",),
    )
    # an unquoted YAML date in an attribute comparison is a time, not text
    assert from_yaml("kind: compare\nfield: d\nop: '>'\nvalue: 2024-01-01\n").value == AbsoluteTime(
        dt.datetime(2024, 1, 1)
    )


# -- round trips -----------------------------------------------------------------------
documents = st.one_of(rules(), segments(rules(max_leaves=8)), catalogs(max_segments=3))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(obj=documents)
def test_round_trip_through_dicts_text_and_files(obj: object, tmp_path_factory) -> None:
    folder = tmp_path_factory.getbasetemp() / "round_trip"
    folder.mkdir(exist_ok=True)
    d = to_dict(obj)
    back = from_dict(d)
    assert back == obj
    assert repr(back) == repr(obj)  # also tells 1 from 1.0 from True
    assert to_dict(back) == d
    assert not list(VALIDATOR.iter_errors(d))
    for name in ("doc.json", "doc.yaml"):  # .yml: test_catalog_save_and_load_methods
        save(obj, folder / name)
        loaded = load(folder / name)
        assert repr(loaded) == repr(obj), name
    assert definition_hash(back) == definition_hash(obj)


def test_generated_documents_cover_every_node_type_and_depth_three() -> None:
    kinds: set[str] = set()
    depths: list[int] = []
    references: list[int] = []

    @settings(max_examples=150, database=None, derandomize=True, deadline=None)
    @given(documents)
    def collect(obj: object) -> None:
        roots = [s.rule for s in obj] if isinstance(obj, Catalog) else [obj]
        roots = [r.rule if isinstance(r, Segment) else r for r in roots]
        kinds.update(node.kind for r in roots for node in walk(r))
        depths.extend(depth(r) for r in roots)
        if isinstance(obj, Catalog):
            references.append(sum(len(s.references()) for s in obj))

    collect()
    assert kinds == {cls.kind for cls in NODE_TYPES}
    assert max(depths) >= 4
    assert sum(d >= 3 for d in depths) >= 20
    assert sum(r > 0 for r in references) >= 3  # catalogs whose segments reference others


def test_load_expect_catalog_accepts_one_segment_or_a_list(tmp_path) -> None:
    a = Segment("a", field("x") == 1)
    b = Segment("b", in_segment("a") & (field("y") == 2))
    save(a, tmp_path / "one.yaml")
    assert load(tmp_path / "one.yaml", expect="catalog") == Catalog([a])
    assert Catalog.load(tmp_path / "one.yaml") == Catalog([a])
    (tmp_path / "many.json").write_text(json.dumps([to_dict(a), to_dict(b)]))
    assert load(tmp_path / "many.json", expect="catalog") == Catalog([a, b])
    assert load(tmp_path / "one.yaml") == a
    with pytest.raises(SerializationError, match="Expected a catalog, got kind 'compare'"):
        from_dict(to_dict(a.rule), expect="catalog")
    with pytest.raises(SerializationError, match="Expected a rule, got kind 'segment'"):
        from_dict(to_dict(a), expect="rule")
    with pytest.raises(ValueError, match="expect must be one of"):
        from_dict(to_dict(a), expect="segments")


def test_catalog_save_and_load_methods(tmp_path) -> None:
    cat = CORPUS[-1]
    cat.save(tmp_path / "cat.yml")
    assert Catalog.load(str(tmp_path / "cat.yml")) == cat
    assert Catalog.from_dict(cat.to_dict()) == cat
    assert Segment.from_dict(cat["vip"].to_dict()) == cat["vip"]


def test_version_key() -> None:
    d = to_dict(field("x") == 1)
    assert d["segment_lab"] == serde.FORMAT_VERSION == 1
    del d["segment_lab"]
    assert from_dict(d) == (field("x") == 1)  # missing: read as the current version
    with pytest.raises(UnsupportedVersionError, match="format version 7"):
        from_dict({**d, "segment_lab": 7})
    with pytest.raises(SerializationError, match="belongs at the top of a document only"):
        from_dict({"kind": "not", "rule": {**d, "segment_lab": 1}})
    # nested segments of a catalog carry no version
    assert "segment_lab" not in to_dict(CORPUS[-1])["segments"][0]


def test_load_errors_name_the_file(tmp_path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("kind: compare\nfield: city\nop: '=<'\nvalue: Tokyo\n")
    with pytest.raises(InvalidOperatorError) as info:
        load(path)
    assert str(info.value).startswith(f"In {str(path)!r}: At the top level: Unknown operator '=<'")
    path.write_bytes(b"kind: \xff\n")
    with pytest.raises(SerializationError, match="is not UTF-8 text"):
        load(path)
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.json")


# -- atomic files ------------------------------------------------------------------------
def _listing(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_save_with_unknown_suffix_writes_nothing(tmp_path) -> None:
    with pytest.raises(SerializationError, match=r"suffix '\.ymal'.*Did you mean '\.yml'\?"):
        save(field("x") == 1, tmp_path / "rule.ymal")
    assert _listing(tmp_path) == {}


def test_save_of_unwritable_value_leaves_the_old_file(tmp_path) -> None:
    path = tmp_path / "rule.json"
    save(field("x") == 1, path)
    before = _listing(tmp_path)
    with pytest.raises(SerializationError, match="inf cannot be written to JSON or YAML"):
        save(field("x") < float("inf"), path)
    assert _listing(tmp_path) == before


def test_failed_replace_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch) -> None:
    path = tmp_path / "cat.yaml"
    save(CORPUS[-1], path)
    before = _listing(tmp_path)

    def broken_replace(src, dst) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        save(field("x") == 2, path)
    assert _listing(tmp_path) == before


def test_save_keeps_the_mode_of_an_existing_file_and_honours_umask(tmp_path) -> None:
    path = tmp_path / "rule.yaml"
    save(field("x") == 1, path)
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    path.chmod(0o600)
    save(field("x") == 2, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load(path) == (field("x") == 2)


# -- definition_hash ----------------------------------------------------------------------
def test_definition_hash_is_pinned() -> None:
    # a change here changes every stored history tag: bump FORMAT_VERSION deliberately
    assert definition_hash(field("city") == "Tokyo") == "e7dc2ebfd7000fa1"
    assert re.fullmatch(r"[0-9a-f]{16}", definition_hash(CORPUS[-1]))


_HASHER = """
import sys
from collections.abc import Iterator
from segment_lab.serde import definition_hash, from_json
for line in sys.stdin:
    print(definition_hash(from_json(line)))
"""


def _hashes_in_subprocess(texts: list[str], seed: str) -> list[str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    out = subprocess.run(
        [sys.executable, "-c", _HASHER],
        input="\n".join(texts),
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return out.stdout.split()


def test_definition_hash_is_identical_across_processes() -> None:
    objs = list(CORPUS)

    @settings(max_examples=60, deadline=None, database=None)
    @given(catalogs(max_segments=3))
    def collect(cat: Catalog) -> None:
        objs.append(cat)

    collect()
    texts = [to_json(o, indent=None) for o in objs]
    here = [definition_hash(o) for o in objs]
    assert _hashes_in_subprocess(texts, "1") == here
    assert _hashes_in_subprocess(texts, "2") == here


def _shuffled(value: object, rnd: random.Random) -> object:
    if isinstance(value, dict):
        items = list(value.items())
        rnd.shuffle(items)
        return {k: _shuffled(v, rnd) for k, v in items}
    if isinstance(value, list):
        return [_shuffled(v, rnd) for v in value]
    return value


@settings(max_examples=100, deadline=None)
@given(obj=st.one_of(rules(), catalogs(max_segments=3)), rnd=st.randoms())
def test_definition_hash_ignores_key_order(obj: object, rnd: random.Random) -> None:
    d = _shuffled(to_dict(obj), rnd)
    assert definition_hash(d) == definition_hash(obj)
    assert definition_hash(from_json(json.dumps(d))) == definition_hash(obj)


def _leaves(value: object, path: tuple = ()) -> Iterator[tuple[tuple, object]]:
    if isinstance(value, dict):
        for k, v in value.items():
            if k not in ("kind", "segment_lab"):
                yield from _leaves(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, (*path, i))
    else:
        yield path, value


VOCABULARIES = (COMPARISONS, TEXT_OPS, LIST_MODES, MEASURES)


def _alternatives(value: object) -> list[object]:
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value + 1]
    if isinstance(value, float):
        return [value + 1.0 if abs(value) < 1e15 else value / 2]
    others = [w for vocab in VOCABULARIES if value in vocab for w in vocab if w != value]
    bumped = re.sub(r"\d+", lambda m: str(int(m.group()) + 1), value, count=1)
    return [value + "x", *others, *([bumped] if bumped != value else [])]


def _replace(doc: dict, path: tuple, new: object) -> dict:
    out = copy.deepcopy(doc)
    target = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return out


def _assert_every_change_changes_the_hash(obj: object) -> set[tuple]:
    """Change each leaf of the dict form in turn; return the leaves no change was valid for."""
    d, original = to_dict(obj), definition_hash(obj)
    unchanged = set()
    for path, leaf in _leaves(d):
        valid = 0
        for new in _alternatives(leaf):
            try:
                other = from_dict(_replace(d, path, new))
            except segment_lab.SegmentLabError:
                continue  # the change made the definition invalid
            assert definition_hash(other) != original, (path, leaf, new)
            valid += 1
        if not valid:
            unchanged.add(path)
    return unchanged


def test_definition_hash_differs_when_any_value_differs() -> None:
    # count <-> sum needs two changes (a column), so a lone measure change is invalid
    assert _assert_every_change_changes_the_hash(EVERY_NODE) == {
        ("rules", 9, "measure"),
        ("rules", 10, "rules", 1, "rule", "measure"),
    }
    for obj in CORPUS[1:-2]:
        assert _assert_every_change_changes_the_hash(obj) == set()
    # renaming 'vip' alone breaks the reference to it; every other leaf changed the hash
    assert _assert_every_change_changes_the_hash(CORPUS[-1]) == {
        ("segments", 0, "name"),
        ("segments", 1, "rule", "rules", 0, "name"),
    }


@settings(max_examples=100, deadline=None)
@given(obj=st.one_of(rules(max_leaves=6), catalogs(max_segments=2)))
def test_definition_hash_differs_when_any_generated_value_differs(obj: object) -> None:
    _assert_every_change_changes_the_hash(obj)


def test_segment_hash_is_the_hash_of_its_rule() -> None:
    seg = CORPUS[4]
    assert seg.definition_hash == definition_hash(seg) == definition_hash(seg.rule)
    renamed = seg.with_name("osaka").with_description("other words").with_tags("x", "y")
    assert renamed.definition_hash == seg.definition_hash
    assert seg.with_rule(field("city") == "Osaka").definition_hash != seg.definition_hash
    cat = CORPUS[-1]
    assert definition_hash(cat) != definition_hash(
        cat.with_segment(cat["tokyo-vip"].with_description("changed"))
    )


# -- JSON Schema --------------------------------------------------------------------------
def test_json_schema_is_a_valid_2020_12_schema_built_from_the_model() -> None:
    schema = serde.json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    defs = schema["$defs"]
    assert defs["compare"]["properties"]["op"]["enum"] == list(COMPARISONS)
    assert defs["text"]["properties"]["op"]["enum"] == list(TEXT_OPS)
    assert defs["list_has"]["properties"]["mode"]["enum"] == list(LIST_MODES)
    assert defs["event"]["properties"]["measure"]["enum"] == list(MEASURES)
    for cls in NODE_TYPES:
        assert defs[cls.kind]["additionalProperties"] is False
        assert defs[cls.kind]["properties"]["kind"] == {"const": cls.kind}
    branches = [b["if"]["properties"]["kind"]["enum"] for b in defs["rule"]["oneOf"]]
    assert branches == [[cls.kind] for cls in NODE_TYPES]
    schema["$defs"].clear()  # a copy: the next call is unaffected
    assert serde.json_schema()["$defs"]


def test_json_schema_is_exposed_lazily_at_the_top_level() -> None:
    assert "json_schema" in segment_lab.__all__
    assert segment_lab.json_schema() == serde.json_schema()


@pytest.mark.parametrize(
    ("doc", "valid"),
    [
        (EVERY_NODE_DICT, True),
        (to_dict(CORPUS[-1]), True),
        ({"kind": "compare", "field": "a", "op": "==", "value": 1}, True),
        ({"kind": "compare", "field": "a", "op": "=<", "value": 1}, False),
        ({"kind": "compare", "field": "a", "op": "==", "value": 1, "extra": 1}, False),
        ({"kind": "compare", "field": "a", "op": "<", "value": True}, False),
        ({"kind": "compare", "field": "a", "op": "==", "value": [1]}, False),
        ({"kind": "compare", "field": " ", "op": "==", "value": 1}, False),
        ({"kind": "compre", "field": "a", "op": "==", "value": 1}, False),
        ({"kind": "not", "rule": {"segment_lab": 1, "kind": "isnull", "field": "a"}}, False),
        ({"segment_lab": 2, "kind": "isnull", "field": "a"}, False),
        ({"kind": "or", "rules": []}, False),
        ({"kind": "event", "types": "buy", "measure": "count", "op": ">=", "value": "3"}, False),
        ({"kind": "event", "types": "buy", "measure": "count", "op": ">=", "value": -1}, False),
        ({"kind": "event", "types": "buy", "measure": "sum", "op": ">=", "value": 3}, False),
        ({"kind": "event", "types": "buy", "measure": "count", "op": ">=", "value": 3, "column": "x"}, False),
        ({"kind": "event", "types": "buy", "measure": "last_seen", "op": "<", "value": "-30days"}, False),
        ({"kind": "event", "types": "buy", "measure": "last_seen", "op": "<", "value": "today-1d"}, True),
        ({"kind": "event", "types": "buy", "measure": "count", "op": ">=", "value": 1,
          "window": {"kind": "within", "duration": "30days"}}, False),
        ({"kind": "event", "types": "buy", "measure": "count", "op": ">=", "value": 1,
          "window": {"kind": "within", "duration": "0d"}}, False),
        ({"kind": "segment", "name": "s", "rule": {"kind": "isnull", "field": "a"}, "tags": "vip"}, True),
        ({"kind": "catalog", "segments": [{"segment_lab": 1, "kind": "segment", "name": "s",
                                           "rule": {"kind": "isnull", "field": "a"}}]}, False),
    ],
)  # fmt: skip
def test_json_schema_accepts_and_rejects(doc: dict, valid: bool) -> None:
    assert VALIDATOR.is_valid(doc) is valid
    if valid:
        from_dict(doc)
    else:
        with pytest.raises(segment_lab.SegmentLabError):
            from_dict(doc)


def test_window_and_relative_patterns() -> None:
    within = re.compile(serde.WITHIN_PATTERN)
    assert [bool(within.search(s)) for s in ("30d", "+2w", "90min", "0d", "-1d", "30days")] == [
        True, True, True, False, False, False,
    ]  # fmt: skip
    relative = re.compile(serde.RELATIVE_PATTERN)
    good = ["now", "today", "-30d", "+2w", "today-1d", "tomorrow+12h", "yesterday"]
    assert all(relative.search(s) for s in good)
    assert not any(relative.search(s) for s in ["-30days", "today-", "soon", "2024-01-01"])
    for text in good:  # the pattern agrees with the parser
        assert str(Compare("t", "<", text).value) == text
