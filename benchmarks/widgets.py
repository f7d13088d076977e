"""The segment builder's live count: time from an edit to the displayed count.

The workspace's "now" is the data's end (its last event), so the relative windows look at
data.  Each edit sets the event row's window of ``city == "Tokyo" AND email_open count >= 3
within Nd`` to a new ``N`` (a rule the workspace has not counted yet), exactly as typing
in the box does; the time runs from the edit to the moment the builder's ``count`` trait
holds the new number.  Every displayed count is checked against ``ws.count`` of the same
rule, and the counts must be non-zero and differ across the edits (a count at a time
without data would be 0 whatever the edit, and time nothing).  That includes the debounce (the builder waits for the edits to
pause) and the worker thread's hand-off.  Next to it, in the same run: ``ws.count`` of the
same rules on a fresh workspace (first call: the count plan compiled, as the builder's
count must), and the extra cost of the funnel column (``analytics.funnel`` of the rule).
"""

from __future__ import annotations

import statistics
import threading
import time
from typing import Any

import segment_lab as sl
from benchmarks import _common
from segment_lab import analytics, event, field
from segment_lab.widgets import SegmentBuilder
from segment_lab.widgets._builder import DEBOUNCE

EDITS = 24
#: The windows of the edits, in days: 70d, 68d, ... 24d (distinct rules, non-zero counts).
WINDOWS = [70 - 2 * k for k in range(EDITS)]
FIRST = 72  # the window the builder opens with


def _rule(days: int) -> sl.Rule:
    return (field("city") == "Tokyo") & (event("email_open").count(within=f"{days}d") >= 3)


def _at_data_end(path: str) -> sl.Workspace:
    """The database's workspace whose "now" is its last event."""
    ws = sl.Workspace.connect(path)
    events = ws.tables.events
    return ws.with_now(events[ws.bindings.ts].max().execute())


def _p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[-1]


def _edits(builder: SegmentBuilder, windows: list[int]) -> tuple[list[float], list[int]]:
    """Edit the window to each value; return the seconds from edit to count, and the counts."""
    shown = threading.Event()
    builder.observe(lambda c: c["new"] is not None and shown.set(), "count")
    row = builder.root.items[1].node
    times, counts = [], []
    for days in windows:
        shown.clear()
        start = time.perf_counter()
        row.within.value = f"{days}d"
        if not shown.wait(120):
            raise TimeoutError(f"no count for within={days}d")
        times.append(time.perf_counter() - start)
        counts.append(builder.wait())
    return times, counts


def run(scale: str = "bench", repeat: int = 5) -> dict[str, Any]:
    """Time ``EDITS`` edits in a builder and the same counts with ``ws.count``."""
    path = _common.database(scale)
    ws = _at_data_end(path)
    builder = SegmentBuilder(ws, _rule(FIRST))
    builder.wait(120)
    edit_s, counts_shown = _edits(builder, WINDOWS)
    builder.close()

    fresh = _at_data_end(path)
    first_s, warm_s, numbers = [], [], []
    for days in WINDOWS:
        start = time.perf_counter()
        numbers.append(fresh.count(_rule(days)))
        first_s.append(time.perf_counter() - start)
        warm_s.append(_common.timeit(lambda d=days: fresh.count(_rule(d)), 1)[0])
    if counts_shown != numbers:
        raise AssertionError(f"builder counts {counts_shown} != ws.count {numbers}")
    if min(numbers) == 0 or len(set(numbers)) < EDITS // 2:
        raise AssertionError(f"the edits' counts are 0 or barely vary: {numbers}")
    funnel_s, _ = _common.timeit(lambda: analytics.funnel(fresh, _rule(30)), repeat)
    count_s = statistics.median(warm_s)
    median_edit = statistics.median(edit_s)
    return {
        "scale": scale,
        "contacts": int(fresh.tables.contacts.count().execute()),
        "now": fresh.now.isoformat(),
        "edits": EDITS,
        "counts": {"min": min(numbers), "max": max(numbers), "distinct": len(set(numbers))},
        "debounce_s": DEBOUNCE,
        "edit_to_count_median_s": median_edit,
        "edit_to_count_p95_s": _p95(edit_s),
        "ws_count_first_median_s": statistics.median(first_s),
        "ws_count_first_p95_s": _p95(first_s),
        "ws_count_warm_median_s": count_s,
        "overhead_vs_first_count": (median_edit - DEBOUNCE) / statistics.median(first_s),
        "funnel_s": funnel_s,
        "funnel_vs_count": funnel_s / count_s,
        "repeat": repeat,
        "peak_rss_gib": _common.peak_rss_gib(),
        "machine": _common.machine(),
    }
