"""The segment explorer: picked segments, span and grid drive its frames and charts."""

from __future__ import annotations

import pandas as pd
import pytest

import segment_lab as sl
from segment_lab import analytics
from segment_lab.errors import InvalidValueError
from segment_lab.widgets import SegmentBuilder, SegmentExplorer


@pytest.fixture(scope="module")
def explorer(demo_ws):
    ex = SegmentExplorer(demo_ws)
    ex.segments.value = ("churn-risk", "dormant")
    ex.start.value, ex.end.value, ex.every.value = "2025-01-06", "2025-06-30", "1w"
    ex.show_button.click()
    return ex


def test_history_alerts_and_overlap_are_those_of_the_picked_segments(explorer, demo_ws):
    cat = demo_ws.catalog
    picked = [cat["churn-risk"], cat["dormant"]]
    span = {"start": "2025-01-06", "end": "2025-06-30", "every": "1w"}
    pd.testing.assert_frame_equal(explorer.history, demo_ws.history(picked, **span))
    pd.testing.assert_frame_equal(explorer.alerts, analytics.alerts(demo_ws, picked, **span))
    both = explorer.overlap.set_index(["segment_a", "segment_b"])["both"]
    members = [
        set(demo_ws.members(s, as_of="2025-06-30").to_pandas()["contact_id"]) for s in picked
    ]
    assert both["churn-risk", "dormant"] == len(members[0] & members[1])
    assert both["dormant", "dormant"] == len(members[1])


def test_movers_table_lists_every_entry_and_exit_in_the_span(explorer, demo_ws):
    seg = demo_ws.catalog["churn-risk"]
    changes = demo_ws.changes(seg, start="2025-01-06", end="2025-06-30")
    assert (explorer.movers["segment"] == "churn-risk").sum() == len(changes)
    assert f"churn-risk: {len(changes):,} changes" in explorer.movers_html.value
    titles = [f.title for f in explorer.figures]  # one size chart per picked segment
    assert titles == ["churn-risk: size, entries and exits", "dormant: size, entries and exits"]


def test_edit_opens_the_segment_in_a_builder(explorer, demo_ws):
    explorer.edit_button.click()
    builder = explorer.builder
    assert isinstance(builder, SegmentBuilder)
    assert builder.segment == demo_ws.catalog["churn-risk"]
    assert builder.wait() == demo_ws.count(demo_ws.catalog["churn-risk"], as_of="2025-06-30")
    builder.close()


def test_bad_input_is_a_message_not_a_traceback(demo_ws):
    ex = SegmentExplorer(demo_ws)
    ex.start.value = "<yesterday-ish>"
    ex.show_button.click()
    assert "&lt;yesterday-ish&gt;" in ex.message.value
    ex.segments.value = ()
    ex.show_button.click()
    assert "Pick at least one segment" in ex.message.value
    with pytest.raises(InvalidValueError, match="needs segments"):
        SegmentExplorer(sl.Workspace.from_pandas(pd.DataFrame({"contact_id": [1]})))
