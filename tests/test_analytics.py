"""Analytics on the sample: shapes, cross-checks with the workspace, and clear errors."""

from __future__ import annotations

import warnings

import pytest

import segment_lab as sl
from segment_lab import analytics as an
from segment_lab import event, field, sample
from segment_lab.errors import (
    InvalidTimeError,
    InvalidValueError,
    UnknownFieldError,
    UnknownSegmentError,
)

T = "2025-06-30"


@pytest.fixture(scope="module")
def cat(demo_catalog) -> sl.Catalog:
    """The demo catalog (tests/conftest.py)."""
    return demo_catalog


@pytest.fixture(scope="module")
def ws(demo_ws) -> sl.Workspace:
    """The shared demo workspace (tests/conftest.py)."""
    return demo_ws


def test_overlap_agrees_with_counts(ws, cat):
    segs = [cat["newsletter-readers"], cat["churn-risk"], cat["dormant"]]
    o = an.overlap(ws, segs, as_of=T)
    assert len(o) == 9
    for seg in segs:
        row = o[(o.segment_a == seg.name) & (o.segment_b == seg.name)].iloc[0]
        assert row.both == row.size_a == ws.count(seg, as_of=T)
    both = ws.count(segs[0].rule & segs[1].rule, as_of=T)
    pair = o[(o.segment_a == segs[0].name) & (o.segment_b == segs[1].name)].iloc[0]
    assert pair.both == both
    assert pair.jaccard == pytest.approx(both / (pair.size_a + pair.size_b - both))


def test_transitions_sum_to_the_contacts_at_end(ws, cat):
    segs = [cat["newsletter-readers"], cat["churn-risk"], cat["dormant"]]
    f = an.transitions(ws, segs, "2025-02-03", "2025-04-28")
    assert len(f) == 16 and set(f["from"]) == {*(s.name for s in segs), an.IN_NONE}
    everyone = ws.count(field("contact_id").notnull(), as_of="2025-04-28")
    assert f.contacts.sum() == everyone
    # exclusive states: the first segment wins, so "to newsletter-readers" is its size
    into = f[f.to == "newsletter-readers"].contacts.sum()
    assert into == ws.count(segs[0], as_of="2025-04-28")
    loose = an.transitions(ws, segs, "2025-02-03", "2025-04-28", exclusive=False)
    assert loose.contacts.sum() >= f.contacts.sum()
    into_dormant = loose[loose.to == "dormant"].contacts.sum()
    assert into_dormant == ws.count(segs[2], as_of="2025-04-28")


def test_funnel_steps_are_nested_counts(ws, cat):
    seg = cat["tokyo-cto-python-quiet"]
    f = an.funnel(ws, seg, as_of=T)
    rules = seg.rule.rules
    assert f.kept.iloc[-1] == ws.count(seg, as_of=T)
    assert f.kept.iloc[2] == ws.count(rules[0] & rules[1], as_of=T)
    assert f.alone.iloc[3] == ws.count(rules[2], as_of=T)
    others = sl.all_of(rules[0], rules[1], rules[3])
    assert f.blocks.iloc[3] == ws.count(others, as_of=T) - ws.count(seg, as_of=T)
    assert (f.removed.iloc[1:].to_numpy() == -f.kept.diff().iloc[1:].to_numpy()).all()
    assert f.attrs["bottleneck"] in set(f.condition)
    assert f.attrs["message"].startswith(f"Of {f.kept.iloc[0]:,} contacts")


def test_funnel_of_a_list_and_of_one_condition(ws):
    f = an.funnel(ws, [field("city") == "Tokyo", field("job_title") == "CTO"], as_of=T)
    assert list(f.step) == [0, 1, 2]
    one = an.funnel(ws, field("city") == "Tokyo", as_of=T)
    assert list(one.step) == [0, 1] and one.attrs["message"].endswith("pass the condition.")


def test_lifecycle_counts_follow_their_definition(ws):
    lc = an.lifecycle(ws, ["purchase"], "2025-05-05", "2025-06-30", every="1w")
    wide = lc.pivot(index="period", columns="status", values="contacts")
    active = wide["new"] + wide["returning"] + wide["resurrecting"]
    # active in period k = returning in k+1 + dormant in k+1
    nxt = (wide["returning"] + wide["dormant"]).shift(-1)
    assert (active.iloc[:-1] == nxt.iloc[:-1]).all()
    assert (lc.contacts >= 0).all()
    assert list(lc.status.iloc[:4]) == list(an.STATUSES)


def test_lifecycle_accepts_an_event_spec_with_where(ws):
    pricing = event("page_visit").where(field("url").contains("/pricing"))
    lc = an.lifecycle(ws, pricing, "2025-04-28", "2025-05-19", every="1w")
    wide = lc.pivot(index="period", columns="status", values="contacts")
    assert wide.loc["2025-05-05", "new"] > 5 * wide.loc["2025-04-28", "new"]  # the surge


def test_retention_cohorts_match_history_entries(ws, cat):
    seg = cat["newsletter-readers"]
    r = an.retention(ws, seg, "2025-03-03", "2025-05-26", every="1w", periods=4)
    h = ws.history(seg, "2025-03-03", "2025-05-26", every="1w")
    sizes = r[r.periods_later == 0].set_index("cohort").cohort_size
    assert sizes.to_dict() == h.set_index("period").entered.to_dict()
    assert r.periods_later.max() == 4
    strict = an.retention(ws, seg, "2025-03-03", "2025-05-26", every="1w", continuous=True)
    merged = strict.merge(r, on=["cohort", "periods_later"], suffixes=("_c", "_p"))
    assert (merged.retained_c <= merged.retained_p).all()


# -- errors --------------------------------------------------------------------------------


def test_lifecycle_without_events_says_so(contacts_only_ws):
    with pytest.raises(sl.errors.BindingError, match="no events table"):
        an.lifecycle(contacts_only_ws, "email_open", "2025-01-01", "2025-02-01")


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda ws: an.overlap("ws", [sample.CONTROL]), InvalidValueError, "Workspace first"),
        (lambda ws: an.overlap(ws, []), InvalidValueError, "empty list"),
        (lambda ws: an.overlap(ws, 42), InvalidValueError, "segment, a rule"),
        (
            lambda ws: an.overlap(ws, [sample.CONTROL, sample.CONTROL]),
            InvalidValueError,
            "two segments named",
        ),
        (
            lambda ws: an.transitions(ws, [sample.CONTROL], "2025-02-01", "2025-01-01"),
            InvalidValueError,
            "before start",
        ),
        (
            lambda ws: an.transitions(ws, [sl.Segment("in none", field("city") == "x")], "-7d"),
            InvalidValueError,
            "may not be called",
        ),
        (lambda ws: an.funnel(ws, []), InvalidValueError, "non-empty list"),
        (lambda ws: an.lifecycle(ws, 3, "2025-01-01"), InvalidValueError, "activity"),
        (
            lambda ws: an.retention(ws, sample.CONTROL, "2025-01-01", periods=-1),
            InvalidValueError,
            "periods",
        ),
        (
            lambda ws: an.overlap(ws, field("cty") == "Tokyo"),
            UnknownFieldError,
            "Did you mean .city.",
        ),
        (
            lambda ws: an.funnel(ws.with_catalog(None), sl.in_segment("churn-risk")),
            UnknownSegmentError,
            "with_catalog",
        ),
        (lambda ws: an.trends(ws, sample.CONTROL, "last tuesday"), InvalidTimeError, "start"),
        (
            lambda ws: an.lifecycle(
                ws, event("page_visit").where(field("nope") == 1), "2025-01-01"
            ),
            UnknownFieldError,
            "nope",
        ),
    ],
)
def test_clear_errors(ws, call, error, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error, match=match):
            call(ws)
