"""The segment explorer: picked segments, span and grid drive its frames and charts.

Its computations run on a worker thread like the builder's count: the pickers never wait
for them, "computing…" shows meanwhile, and a newer selection supersedes an older one
(tested with a deliberately slow query, as the builder's count is).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pandas as pd
import pytest

import segment_lab as sl
from segment_lab import analytics
from segment_lab.engine._execute import run_scalar_sql
from segment_lab.errors import EvaluationError, InvalidValueError, SegmentLabError
from segment_lab.widgets import SegmentBuilder, SegmentExplorer

SPAN = {"start": "2025-01-06", "end": "2025-06-30", "every": "1w"}
SHORT = {"start": "2025-06-02", "end": "2025-06-30", "every": "1w"}  # the supersession tests


@pytest.fixture(scope="module")
def explorer(demo_ws):
    ex = SegmentExplorer(demo_ws)
    ex.segments.value = ("churn-risk", "dormant")
    ex.start.value, ex.end.value, ex.every.value = SPAN["start"], SPAN["end"], SPAN["every"]
    ex.wait()  # the pickers' changes started it (one computation: they came within the debounce)
    yield ex
    ex.close()


def _members(ws: sl.Workspace, segment: sl.Segment, as_of: str) -> set:
    return set(ws.members(segment, as_of=as_of).to_pandas()["contact_id"])


def test_history_alerts_and_overlap_are_those_of_the_picked_segments(explorer, demo_ws):
    cat = demo_ws.catalog
    picked = [cat["churn-risk"], cat["dormant"]]
    pd.testing.assert_frame_equal(explorer.history, demo_ws.history(picked, **SPAN))
    pd.testing.assert_frame_equal(explorer.alerts, analytics.alerts(demo_ws, picked, **SPAN))
    both = explorer.overlap.set_index(["segment_a", "segment_b"])["both"]
    members = [_members(demo_ws, s, SPAN["end"]) for s in picked]
    assert both["churn-risk", "dormant"] == len(members[0] & members[1])
    assert both["dormant", "dormant"] == len(members[1])
    assert 'data-state="fresh"' in explorer.status.value


def test_movers_table_lists_every_entry_and_exit_in_the_span(explorer, demo_ws):
    seg = demo_ws.catalog["churn-risk"]
    changes = demo_ws.changes(seg, start=SPAN["start"], end=SPAN["end"])
    assert (explorer.movers["segment"] == "churn-risk").sum() == len(changes)
    assert f"churn-risk: {len(changes):,} changes" in explorer.movers_html.value
    titles = [f.title for f in explorer.figures]  # one size chart per picked segment
    assert titles == ["churn-risk: size, entries and exits", "dormant: size, entries and exits"]


def test_edit_opens_the_segment_in_a_builder(explorer, demo_ws):
    explorer.edit_button.click()
    builder = explorer.builder
    assert isinstance(builder, SegmentBuilder)
    assert builder.segment == demo_ws.catalog["churn-risk"]
    assert builder.wait() == demo_ws.count(demo_ws.catalog["churn-risk"], as_of=SPAN["end"])
    builder.close()


def test_bad_input_is_a_message_not_a_traceback(demo_ws):
    ex = SegmentExplorer(demo_ws, debounce=0)
    try:
        ex.start.value = "<yesterday-ish>"
        with pytest.raises(SegmentLabError):
            ex.wait()
        assert "&lt;yesterday-ish&gt;" in ex.message.value
        assert 'data-state="error"' in ex.status.value
        ex.show_button.click()  # "show" computes again: the same message
        with pytest.raises(SegmentLabError):
            ex.wait()
        assert "&lt;yesterday-ish&gt;" in ex.message.value
        ex.segments.value = ()
        with pytest.raises(InvalidValueError, match="Pick at least one segment"):
            ex.wait()
        assert "Pick at least one segment" in ex.message.value
    finally:
        ex.close()
    with pytest.raises(InvalidValueError, match="needs segments"):
        SegmentExplorer(sl.Workspace.from_pandas(pd.DataFrame({"contact_id": [1]})))


# -- off the UI thread ---------------------------------------------------------------------
class SlowHistory:
    """``Workspace.history`` patched: its first call from a new thread is ``slow()``.

    Later calls are real, and so are those of threads already running (other tests'
    builders finishing their work).
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch, slow: Any) -> None:
        self.calls, self.first = 0, threading.Event()
        real, before = sl.Workspace.history, set(threading.enumerate())

        def history(ws: sl.Workspace, *args: Any, **kwargs: Any) -> pd.DataFrame:
            if threading.current_thread() not in before:
                self.calls += 1
                if self.calls == 1:
                    self.first.set()
                    return slow()
            return real(ws, *args, **kwargs)

        monkeypatch.setattr(sl.Workspace, "history", history)


def _dormant_size_at_end(explorer: SegmentExplorer) -> int:
    (size,) = explorer.history.loc[explorer.history["period"] == SHORT["end"], "size"]
    return int(size)


def _pick(ex: SegmentExplorer, name: str) -> None:
    ex.start.value, ex.end.value, ex.every.value = SHORT["start"], SHORT["end"], SHORT["every"]
    ex.segments.value = (name,)


def test_the_pickers_do_not_wait_and_computing_shows(demo_ws, monkeypatch):
    release, finished = threading.Event(), threading.Event()

    def slow() -> pd.DataFrame:
        release.wait(60)
        finished.set()
        return pd.DataFrame()

    ws = SlowHistory(monkeypatch, slow)
    ex = SegmentExplorer(demo_ws, debounce=0)
    try:
        assert ws.first.wait(30)  # the first computation hangs in its history
        _pick(ex, "dormant")  # returns while it hangs
        assert not finished.is_set()
        assert 'data-state="computing"' in ex.status.value and ex.history is None
        release.set()
        ex.wait()
        dormant = demo_ws.catalog["dormant"]
        assert _dormant_size_at_end(ex) == len(_members(demo_ws, dormant, SHORT["end"]))
    finally:
        release.set()
        ex.close()


def test_a_superseded_selection_never_overwrites_a_newer_one(demo_ws, monkeypatch):
    release = threading.Event()
    stale = pd.DataFrame({"segment": ["stale"], "period": [pd.Timestamp(SHORT["end"])],
                          "size": [999_999], "entered": [0], "exited": [0]})  # fmt: skip

    def slow() -> pd.DataFrame:
        release.wait(30)
        return stale  # a stale, wrong frame that must never be shown

    ws = SlowHistory(monkeypatch, slow)
    ex = SegmentExplorer(demo_ws, debounce=0)
    shown: list[Any] = []
    original = ex._publish
    ex._publish = lambda stage, value: (shown.append(value), original(stage, value))
    ex._counter.publish = ex._publish
    try:
        assert ws.first.wait(30)
        _pick(ex, "dormant")
        release.set()  # the older computation ends now, after the newer selection
        ex.wait()
        time.sleep(0.2)
        assert all(v is not stale for v in shown)
        assert list(ex.history["segment"].unique()) == ["dormant"]
        dormant = demo_ws.catalog["dormant"]
        assert _dormant_size_at_end(ex) == len(_members(demo_ws, dormant, SHORT["end"]))
    finally:
        release.set()
        ex.close()


def test_a_superseded_query_is_interrupted_not_awaited(demo_ws, monkeypatch):
    backend = demo_ws.tables.contacts._find_backend()
    huge = "select count(*) from range(100000000000) a"  # minutes, unless interrupted
    outcome: dict[str, Any] = {}

    def slow() -> pd.DataFrame:
        try:
            run_scalar_sql(backend, huge)  # on the worker's own cursor
        except EvaluationError as exc:
            outcome["error"] = str(exc)
            raise
        return pd.DataFrame()

    ws = SlowHistory(monkeypatch, slow)
    ex = SegmentExplorer(demo_ws, debounce=0)
    try:
        assert ws.first.wait(30)
        _pick(ex, "dormant")
        ex.wait()
        assert "interrupted" in outcome["error"].lower()  # mid-query, or as it began
        dormant = demo_ws.catalog["dormant"]
        assert _dormant_size_at_end(ex) == len(_members(demo_ws, dormant, SHORT["end"]))
    finally:
        ex.close()
