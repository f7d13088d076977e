"""Segment names wherever a segment goes, once a catalog is bound (issue 11, item 9).

The analyst has a catalog bound and types the segment's name instead of
``ws.catalog["..."]``: every evaluation path takes it, numbers agree with the plain-Python
reference, a misspelt name says "did you mean" and a name without a catalog says how to bind
one.
"""

from __future__ import annotations

import pytest

import segment_lab as sl
from segment_lab import analytics as an
from segment_lab import field
from segment_lab.errors import UnknownSegmentError
from tests import hand_cases, reference

T = hand_cases.T
# the hand dataset binds no history: city reads its current value at past instants
pytestmark = pytest.mark.filterwarnings("ignore::segment_lab.errors.CurrentValueWarning")


@pytest.fixture
def ws(hand_ws):
    return hand_ws.with_now(T)


def _expected(name: str, t=T) -> set:
    return reference.evaluate(hand_cases.CATALOG[name], t, hand_cases.DATA, hand_cases.CATALOG)


def test_count_members_sql_and_sizes_take_a_name(ws):
    expected = _expected("tokyo-buyers")
    assert ws.count("tokyo-buyers") == len(expected)
    assert set(ws.members("tokyo-buyers").execute()["contact_id"]) == expected
    assert "SELECT" in ws.sql("tokyo-buyers")
    sizes = ws.sizes(["tokyo", "tokyo-buyers"])
    assert sizes["segment"].tolist() == ["tokyo", "tokyo-buyers"]
    assert sizes["size"].tolist() == [len(_expected("tokyo")), len(expected)]


def test_history_intervals_and_changes_take_a_name(ws):
    start, end = hand_cases.d(1), hand_cases.d(10)
    h = ws.history("tokyo-buyers", start=start, end=end, every="1d")
    want = reference.history(
        hand_cases.CATALOG["tokyo-buyers"], start, end, "1d", hand_cases.DATA, hand_cases.CATALOG
    )
    assert h["size"].tolist() == [r["size"] for r in want]
    long = ws.history(["tokyo", "tokyo-buyers"], start=start, end=end, every="1d")
    assert sorted(set(long["segment"])) == ["tokyo", "tokyo-buyers"]
    iv = ws.intervals("tokyo-buyers", end=T)
    assert set(iv.loc[iv["exited_at"].isna(), "contact_id"]) == _expected("tokyo-buyers")
    by_segment = ws.changes(hand_cases.CATALOG["tokyo-buyers"], start, T)
    assert ws.changes("tokyo-buyers", start, T).equals(by_segment)


def test_analytics_take_a_name(ws):
    start, end = hand_cases.d(1), hand_cases.d(10)
    by_name = an.trends(ws, "tokyo-buyers", start=start, end=end, every="1d")
    want = reference.history(
        hand_cases.CATALOG["tokyo-buyers"], start, end, "1d", hand_cases.DATA, hand_cases.CATALOG
    )
    assert by_name["size"].tolist() == [r["size"] for r in want]
    assert set(by_name["segment"]) == {"tokyo-buyers"}
    ov = an.overlap(ws, ["tokyo", "tokyo-buyers"], as_of=T)
    both = ov[(ov["segment_a"] == "tokyo") & (ov["segment_b"] == "tokyo-buyers")]["both"]
    assert both.tolist() == [len(_expected("tokyo") & _expected("tokyo-buyers"))]
    f = an.funnel(ws, "tokyo-buyers", as_of=T)
    assert f["kept"].iloc[-1] == len(_expected("tokyo-buyers"))


def test_a_misspelt_name_says_did_you_mean(ws):
    with pytest.raises(UnknownSegmentError, match="Did you mean 'tokyo-buyers'"):
        ws.count("tokyo-buyer")
    with pytest.raises(UnknownSegmentError, match="Did you mean 'tokyo'"):
        an.trends(ws, "tokio", start=hand_cases.d(1), end=hand_cases.d(5))


def test_a_name_without_a_catalog_says_to_bind_one(ws):
    bare = ws.with_catalog(None)
    with pytest.raises(UnknownSegmentError, match=r"ws.with_catalog\(catalog\)"):
        bare.history("tokyo", start=hand_cases.d(1), end=hand_cases.d(5))
    assert bare.with_catalog(hand_cases.CATALOG).count("tokyo") == len(_expected("tokyo"))


def test_the_demo_counts_churn_risk_by_name(demo_ws):
    assert demo_ws.count("churn-risk") == demo_ws.count(demo_ws.catalog["churn-risk"])
    assert demo_ws.count("churn-risk") == demo_ws.count(
        sl.in_segment("churn-risk") & (field("contact_id").notnull())
    )


def test_templates_check_takes_a_name(demo_ws):
    from segment_lab import templates

    by_name = templates.check(demo_ws, "churn-risk")
    assert by_name == templates.check(demo_ws, demo_ws.catalog["churn-risk"])
    assert "email_open" in by_name.event_types
