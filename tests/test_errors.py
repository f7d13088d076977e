"""Malformed definitions raise a specific error whose message names the problem, the
offending value and where it is; the exception hierarchy refines the builtins."""

from __future__ import annotations

import inspect

import pytest

import segment_lab
from segment_lab import errors, serde
from segment_lab.errors import (
    BindingError,
    CyclicReferenceError,
    DatabaseLockedError,
    DataError,
    DuplicateSegmentError,
    EvaluationError,
    InvalidDurationError,
    InvalidOperatorError,
    InvalidRegexError,
    InvalidSegmentError,
    InvalidTimeError,
    InvalidValueError,
    SegmentLabError,
    SerializationError,
    UnknownFieldError,
    UnknownSegmentError,
    UnsupportedVersionError,
)
from segment_lab.interop.cdnow import CdnowNotFoundError


def cmp(op: object = "==", value: object = 1, **extra: object) -> dict:
    return {"kind": "compare", "field": "age", "op": op, "value": value, **extra}


def ev(**fields: object) -> dict:
    return {
        "kind": "event",
        "types": ["purchase"],
        "measure": "count",
        "op": ">=",
        "value": 1,
        **fields,
    }


def seg(name: str, rule: dict | None = None, **extra: object) -> dict:
    return {
        "kind": "segment",
        "name": name,
        "rule": rule or {"kind": "isnull", "field": "x"},
        **extra,
    }


def ref(name: str) -> dict:
    return {"kind": "in_segment", "name": name}


def cat(*segments: dict) -> dict:
    return {"segment_lab": 1, "kind": "catalog", "segments": list(segments)}


def within(duration: object) -> dict:
    return {"kind": "within", "duration": duration}


# (id, reader, document, exception class, substrings of the message)
CASES = [
    ("unknown-kind", "dict", {"kind": "compre", "field": "a", "op": "==", "value": 1},
     SerializationError, ["Unknown kind 'compre'", "Did you mean 'compare'?"]),
    ("missing-kind", "dict", {"field": "a", "op": "==", "value": 1},
     SerializationError, ["Missing key 'kind'", "'field': 'a'"]),
    ("unknown-operator", "dict", {"kind": "and", "rules": [cmp("=<")]},
     InvalidOperatorError, ["At rules[0]: Unknown operator '=<'", "Did you mean '<'?"]),
    ("unknown-text-operator", "dict", {"kind": "text", "field": "a", "op": "contain", "pattern": "x"},
     InvalidOperatorError, ["Unknown operator 'contain'", "Did you mean 'contains'?"]),
    ("unknown-list-mode", "dict", {"kind": "list_has", "field": "t", "mode": "some", "values": ["x"]},
     InvalidOperatorError, ["Unknown operator 'some'", "'all', 'any', 'none'"]),
    ("unknown-measure", "dict", ev(measure="counts"),
     InvalidOperatorError, ["Unknown operator 'counts' in event measure", "Did you mean 'count'?"]),
    ("list-given-to-equals", "dict", cmp("==", [1, 2]),
     InvalidValueError, ["got a list [1, 2]", "isin"]),
    ("null-compared", "dict", cmp("==", None),
     InvalidValueError, ["cannot compare with None", "isnull"]),
    ("duration-30days", "dict", ev(window=within("30days")),
     InvalidDurationError, ["At window: Invalid duration '30days'", "'30d'"]),
    ("duration-zero", "dict", ev(window=within("0d")),
     InvalidDurationError, ["window length must be positive, got '0d'"]),
    ("duration-number", "dict", ev(window=within(30)),
     InvalidDurationError, ["got 30 (int)"]),
    ("invalid-regex", "dict", {"kind": "text", "field": "email", "op": "matches", "pattern": "(ab"},
     InvalidRegexError, ["Invalid regular expression '(ab'", "missing ), unterminated subpattern"]),
    ("regex-lookahead", "dict", {"kind": "text", "field": "email", "op": "matches", "pattern": "(?!x)y"},
     InvalidRegexError, ["'(?!x)y'", "look-around or a back-reference", "rewrite it"]),
    ("range-low-above-high", "dict", {"kind": "range", "field": "age", "low": 65, "high": 18},
     InvalidValueError, ["between(65, 18)", "lower bound is above the upper bound"]),
    ("window-start-after-end", "dict",
     ev(window={"kind": "between", "start": "2024-02-01", "end": "2024-01-01"}),
     InvalidTimeError, ["between=('2024-02-01', '2024-01-01') starts after it ends"]),
    ("empty-any-of", "dict", {"kind": "or", "rules": []},
     InvalidSegmentError, ["any_of needs at least one rule"]),
    ("empty-isin", "dict", {"kind": "isin", "field": "city", "values": []},
     InvalidValueError, ["field('city').isin needs at least one value"]),
    ("cycle", "dict", cat(seg("a", ref("b")), seg("b", ref("c")), seg("c", ref("a"))),
     CyclicReferenceError, ["At segments:", "a -> b -> c -> a"]),
    ("self-reference", "dict", cat(seg("loop", ref("loop"))),
     CyclicReferenceError, ["loop -> loop"]),
    ("duplicate-segment", "dict", cat(seg("vip"), seg("vip")),
     DuplicateSegmentError, ["named 'vip'"]),
    ("missing-segment", "dict", cat(seg("vip"), seg("b", ref("vipp"))),
     UnknownSegmentError, ["in_segment('vipp')", "Did you mean 'vip'?"]),
    ("future-version", "dict", {"segment_lab": 2, "kind": "isnull", "field": "a"},
     UnsupportedVersionError, ["format version 2", f"segment_lab ({segment_lab.__version__}) reads format version 1", "Upgrade segment_lab"]),
    ("version-as-text", "dict", {"segment_lab": "1", "kind": "isnull", "field": "a"},
     SerializationError, ["At segment_lab: The format version must be a whole number", "'1'"]),
    ("count-as-text", "dict", ev(value="3"),
     InvalidValueError, ["compares a count with a whole number, got '3' (str)"]),
    ("count-negative", "dict", ev(value=-1),
     InvalidValueError, [">= -1: a count is never negative"]),
    ("count-fraction", "dict", ev(value=2.5),
     InvalidValueError, ["got 2.5 (float)"]),
    ("sum-of-text", "dict", ev(measure="sum", column="amount", value="lots"),
     InvalidValueError, ["compares a sum with a number, got 'lots'"]),
    ("sum-without-column", "dict", ev(measure="sum"),
     InvalidValueError, ["sum column name must be a non-empty string, got None"]),
    ("column-on-count", "dict", ev(column="amount"),
     InvalidValueError, ["takes no column, got 'amount'"]),
    ("unknown-key", "dict", {"kind": "not", "rule": {"kind": "compare", "field": "a", "op": "==", "valeu": 1}},
     SerializationError, ["At rule: Unknown key 'valeu'", "Did you mean 'value'?"]),
    ("missing-key", "dict", {"kind": "compare", "field": "a", "op": "=="},
     SerializationError, ["needs the key 'value'"]),
    ("nested-version", "dict", {"kind": "not", "rule": {"segment_lab": 1, "kind": "isnull", "field": "a"}},
     SerializationError, ["Unknown key 'segment_lab'", "belongs at the top"]),
    ("bad-relative-time", "dict", ev(measure="last_seen", op="<", value="-30days"),
     InvalidDurationError, ["Invalid duration '-30days'"]),
    ("misspelt-anchor", "dict", ev(measure="last_seen", op="<", value="yesterdy"),
     InvalidTimeError, ["Invalid time 'yesterdy'", "Did you mean 'yesterday'?"]),
    ("bad-iso-date", "dict", cmp(">", {"time": "2024-13-01"}),
     InvalidTimeError, ["At value.time: Invalid time '2024-13-01'"]),
    ("tagged-time-extra-key", "dict", cmp(">", {"time": "2024-01-01", "tz": "JST"}),
     SerializationError, ["At value: Expected a value", "'tz': 'JST'"]),
    ("bool-compared-with-less", "dict", cmp("<", True),
     InvalidValueError, ["field('age') < True: booleans support only == and !="]),
    ("negate-as-text", "dict", {"kind": "isnull", "field": "a", "negate": "yes"},
     SerializationError, ["At negate: Expected true or false, got 'yes' (string)"]),
    ("rules-not-a-list", "dict", {"kind": "and", "rules": cmp()},
     SerializationError, ["At rules: Expected a list, got {'kind': 'compare'"]),
    ("rule-as-text", "dict", seg("s", "age > 3"),
     SerializationError, ["At rule: Expected a rule", "'age > 3' (string)"]),
    ("blank-field", "dict", cmp(field=" "),
     InvalidValueError, ["A field name must be a non-empty string, got ' '"]),
    ("empty-types", "dict", ev(types=[]),
     InvalidValueError, ["event() needs one event type or a non-empty list of them, got []"]),
    ("where-with-event", "dict", ev(where=ev()),
     InvalidSegmentError, ["cannot contain EventCondition"]),
    ("unknown-window-kind", "dict", ev(window={"kind": "within_days", "duration": "3d"}),
     SerializationError, ["At window: Unknown kind 'within_days'", "Did you mean 'within'?"]),
    ("description-not-text", "dict", seg("s", description=3),
     SerializationError, ["At description: Expected a string, got 3 (integer)"]),
    ("deep-path", "dict", cat(seg("a"), seg("b"), seg("c", {"kind": "and", "rules": [cmp("=<")]})),
     InvalidOperatorError, ["At segments[2].rule.rules[0]: Unknown operator '=<'"]),
    ("rule-where-segment-expected", "segment", cmp(),
     SerializationError, ["Expected a segment, got kind 'compare'"]),
    ("wrong-top-level-type", "dict", ["kind", "compare"],
     SerializationError, ["At the top level: Expected a rule, segment or catalog as a mapping",
                          "['kind', 'compare'] (list)"]),
    ("malformed-json", "json", '{"kind": "compare",\n "field": "age" "op": "=="}',
     SerializationError, ["Malformed JSON at line 2, column 17: Expecting ',' delimiter"]),
    ("json-nan", "json", '{"kind": "compare", "field": "a", "op": "==", "value": NaN}',
     SerializationError, ["Invalid JSON number 'NaN'"]),
    ("malformed-yaml", "yaml", "kind: compare\nfield: [age\nop: '=='\n",
     SerializationError, ["Malformed YAML at line 3, column 3", "expected ',' or ']'"]),
    ("unquoted-yaml-operator", "yaml", "kind: compare\nfield: age\nop: !=\nvalue: 3\n",
     SerializationError, ["Malformed YAML at line 3, column 5", "tag '!='", "op: '>='"]),
    ("empty-yaml", "yaml", "# nothing here\n",
     SerializationError, ["got None (null) (is the document empty?)"]),
    ("yaml-scalar-document", "yaml", "just some text\n",
     SerializationError, ["'just some text' (string)"]),
]  # fmt: skip

READERS = {
    "dict": serde.from_dict,
    "json": serde.from_json,
    "yaml": serde.from_yaml,
    "segment": serde.segment_from_dict,
}


@pytest.mark.parametrize(
    ("reader", "document", "error", "fragments"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_malformed_definition_raises_a_specific_error(
    reader: str, document: object, error: type, fragments: list[str]
) -> None:
    with pytest.raises(SegmentLabError) as info:
        READERS[reader](document)
    assert type(info.value) is error, f"{type(info.value).__name__}: {info.value}"
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    exc = info.value  # no traceback from inside json/yaml/re is chained to it
    assert exc.__cause__ is None and (exc.__context__ is None or exc.__suppress_context__)


def test_the_cases_are_many_and_distinct() -> None:
    ids = [case[0] for case in CASES]
    assert len(ids) == len(set(ids)) >= 30
    assert len({type_ for *_, type_, _ in CASES}) >= 10


@pytest.mark.parametrize(
    ("error", "builtins"),
    [
        (InvalidSegmentError, (ValueError,)),
        (InvalidValueError, (ValueError, TypeError)),
        (InvalidOperatorError, (ValueError,)),
        (InvalidTimeError, (ValueError,)),
        (InvalidDurationError, (InvalidTimeError, ValueError)),
        (InvalidRegexError, (ValueError,)),
        (CyclicReferenceError, (ValueError,)),
        (DuplicateSegmentError, (ValueError,)),
        (UnknownSegmentError, (KeyError,)),
        (UnknownFieldError, (KeyError,)),
        (SerializationError, (ValueError, InvalidSegmentError)),
        (UnsupportedVersionError, (SerializationError,)),
        (BindingError, (ValueError,)),
        (DataError, (BindingError, ValueError)),
        (DatabaseLockedError, (BindingError, OSError)),
        (EvaluationError, (RuntimeError,)),
        (CdnowNotFoundError, (BindingError, FileNotFoundError)),
    ],
)
def test_each_error_refines_a_builtin(error: type, builtins: tuple[type, ...]) -> None:
    assert issubclass(error, SegmentLabError)
    for builtin in builtins:
        assert issubclass(error, builtin)
    assert error.__doc__ and error.__doc__.strip()


def test_every_public_error_class_has_a_docstring_and_the_root() -> None:
    classes = [
        obj
        for name in errors.__all__
        if inspect.isclass(obj := getattr(errors, name)) and issubclass(obj, Exception)
    ]
    assert len(classes) >= 15
    for cls in classes:
        assert cls.__doc__, cls.__name__
        if not issubclass(cls, Warning):
            assert issubclass(cls, SegmentLabError), cls.__name__


def test_key_errors_are_not_quoted() -> None:
    assert str(UnknownSegmentError("No segment named 'x'.")) == "No segment named 'x'."
    assert str(SegmentLabError()) == ""


def test_did_you_mean() -> None:
    assert errors.did_you_mean("citty", ["city", "country"]) == " Did you mean 'city'?"
    assert errors.did_you_mean("CITY", ["city"]) == " Did you mean 'city'?"
    assert errors.did_you_mean("zzz", ["city"]) == ""


def test_unknown_operator_message_lists_every_valid_option() -> None:
    exc = InvalidOperatorError.unknown("~=", ["==", "!="], "field 'a'")
    assert str(exc) == "Unknown operator '~=' in field 'a'. Valid operators: '!=', '=='."
    exc = UnknownFieldError.missing("citty", ["city", "email"], "contacts")
    assert str(exc) == (
        "Unknown field 'citty' in the contacts table. Available fields: 'city', 'email'. "
        "Did you mean 'city'?"
    )
