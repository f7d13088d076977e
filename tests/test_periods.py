"""Calendar periods as time values: ``week_start``, ``month_start``, ``year_start``.

The engine's two paths — as-of counts, and the interval engine behind ``history`` — are
held to the plain-Python reference (``tests/reference.py``) on a daily grid that crosses a
week, a month and a year boundary, for comparisons of fields, ``where`` on event times,
``between`` windows and ``last_seen``.  The text forms round-trip through serde and
``to_python``.
"""

from __future__ import annotations

import datetime as dt
import warnings

import jsonschema
import pytest

import segment_lab as sl
from segment_lab import event, field
from segment_lab.dsl import to_python
from segment_lab.errors import InvalidTimeError
from segment_lab.model import as_time_value
from segment_lab.serde import from_json, json_schema, to_json
from tests.helpers import DSL_NAMESPACE, dataset_workspace
from tests.reference import Dataset, evaluate
from tests.reference import history as ref_history


def _t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


DATA = Dataset(
    contacts=[
        {"contact_id": 1, "seen": _t("2024-12-30 00:00:00")},  # a Monday, a week start
        {"contact_id": 2, "seen": _t("2024-12-29 23:59:59")},
        {"contact_id": 3, "seen": _t("2025-01-01 00:00:00")},  # a year and month start
        {"contact_id": 4, "seen": _t("2025-01-15 12:00:00")},
        {"contact_id": 5, "seen": None},
        {"contact_id": 6, "seen": _t("2025-02-03 00:00:00")},  # month and week start
    ],
    events=[
        {"contact_id": 1, "event_type": "visit", "ts": _t("2024-12-28 10:00:00")},
        {"contact_id": 1, "event_type": "visit", "ts": _t("2025-01-06 00:00:00")},
        {"contact_id": 2, "event_type": "visit", "ts": _t("2024-12-31 23:59:59")},
        {"contact_id": 3, "event_type": "visit", "ts": _t("2025-01-31 08:00:00")},
        {"contact_id": 4, "event_type": "visit", "ts": _t("2025-02-01 00:00:00")},
        {"contact_id": 6, "event_type": "visit", "ts": _t("2025-01-13 09:00:00")},
    ],
)

RULES = {
    "last-week": (field("seen") >= "week_start-1w") & (field("seen") < "week_start"),
    "this-month": (field("seen") >= "month_start") & (field("seen") < "month_start+1mo"),
    "before-last-year-end": field("seen") < "year_start",
    "not-this-week": ~((field("seen") >= "week_start") & (field("seen") < "week_start+7d")),
    "eq-month-start": field("seen") == "month_start",
    "ne-year-start": field("seen") != "year_start-12mo",
    "le-next-month": field("seen") <= "month_start+1mo",
    "gt-week-plus-2d": field("seen") > "week_start+2d",
    "visit-this-week": event("visit").exists(between=("week_start", "now")),
    "visit-last-month": event("visit").exists(between=("month_start-1mo", "month_start")),
    "visit-where-this-year": event("visit").where(field("ts") >= "year_start").count() >= 1,
    "last-visit-before-month": event("visit").last_seen() < "month_start",
    "first-visit-this-year": event("visit").first_seen() >= "year_start",
}


@pytest.fixture(scope="module")
def ws():
    w = dataset_workspace(DATA)
    return w.with_now("2025-02-20")


@pytest.mark.parametrize("name", list(RULES))
def test_history_and_counts_match_the_reference(ws, name):
    rule = RULES[name]
    start, end = dt.datetime(2024, 12, 24), dt.datetime(2025, 2, 12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sl.errors.SegmentLabWarning)
        got = ws.history(rule, start=start, end=end, every="1d")
        for t in (dt.datetime(2024, 12, 30, 0, 0), dt.datetime(2025, 1, 1, 0, 0, 1),
                  dt.datetime(2025, 2, 2, 23, 59, 59)):  # fmt: skip
            want = sorted(evaluate(rule, t, DATA))
            assert sorted(ws.members(rule, as_of=t).execute()["contact_id"]) == want, t
    want = ref_history(rule, start, end, "1d", DATA)
    assert got[["size", "entered", "exited"]].to_dict("records") == [
        {k: r[k] for k in ("size", "entered", "exited")} for r in want
    ]


@pytest.mark.parametrize(
    ("text", "at", "expected"),
    [
        ("week_start", "2025-01-01 15:00", "2024-12-30 00:00"),  # a Wednesday
        ("week_start", "2024-12-30 00:00", "2024-12-30 00:00"),
        ("week_start+1w", "2025-01-05 23:59", "2025-01-06 00:00"),
        ("month_start-1mo", "2025-03-31 10:00", "2025-02-01 00:00"),
        ("month_start+2mo", "2024-12-15 10:00", "2025-02-01 00:00"),
        ("year_start-12mo", "2025-06-30 10:00", "2024-01-01 00:00"),
        ("year_start+24mo", "2025-06-30 10:00", "2027-01-01 00:00"),
    ],
)
def test_resolution(text, at, expected):
    assert as_time_value(text).resolve(_t(at)) == _t(expected)


def test_week_start_refuses_calendar_offsets():
    with pytest.raises(InvalidTimeError, match="fixed offset"):
        as_time_value("week_start-1mo")


@pytest.mark.parametrize("name", list(RULES))
def test_round_trips(name):
    rule = RULES[name]
    doc = sl.Segment("s", rule).to_dict()
    jsonschema.Draft202012Validator(json_schema()).validate(doc)
    assert from_json(to_json(sl.Segment("s", rule))).rule == rule
    assert eval(to_python(rule), dict(DSL_NAMESPACE)) == rule
    assert "start of" in rule.describe()
