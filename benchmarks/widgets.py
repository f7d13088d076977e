"""The segment builder's live count: time from an edit to the displayed count.

Each edit sets the event row's threshold of ``city == "Tokyo" AND email_open count >= n
within 30d`` to a new ``n`` (a rule the workspace has not counted yet), exactly as typing
in the box does; the time runs from the edit to the moment the builder's ``count`` trait
holds the new number.  That includes the debounce (the builder waits for the edits to
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


def _rule(n: int) -> sl.Rule:
    return (field("city") == "Tokyo") & (event("email_open").count(within="30d") >= n)


def _p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[-1]


def _edits(builder: SegmentBuilder, thresholds: list[int]) -> list[float]:
    """Edit the threshold to each value; return the seconds from edit to displayed count."""
    shown = threading.Event()
    builder.observe(lambda c: c["new"] is not None and shown.set(), "count")
    row = builder.root.items[1].node
    times = []
    for n in thresholds:
        shown.clear()
        start = time.perf_counter()
        row.threshold.text.value = str(n)
        if not shown.wait(120):
            raise TimeoutError(f"no count for n={n}")
        times.append(time.perf_counter() - start)
        builder.wait()
    return times


def run(scale: str = "bench", repeat: int = 5) -> dict[str, Any]:
    """Time ``EDITS`` edits in a builder and the same counts with ``ws.count``."""
    path = _common.database(scale)
    ws = sl.Workspace.connect(path)
    builder = SegmentBuilder(ws, _rule(2))
    builder.wait(120)
    thresholds = list(range(3, 3 + EDITS))
    edit_s = _edits(builder, thresholds)
    counts_shown = []
    for n in thresholds[-3:]:
        builder.root.items[1].node.threshold.text.value = str(n)
        counts_shown.append(builder.wait(120))
    builder.close()

    fresh = sl.Workspace.connect(path)
    first_s, warm_s, numbers = [], [], []
    for n in thresholds:
        start = time.perf_counter()
        numbers.append(fresh.count(_rule(n)))
        first_s.append(time.perf_counter() - start)
        warm_s.append(_common.timeit(lambda n=n: fresh.count(_rule(n)), 1)[0])
    assert counts_shown == numbers[-3:], (counts_shown, numbers[-3:])
    funnel_s, _ = _common.timeit(lambda: analytics.funnel(fresh, _rule(3)), repeat)
    count_s = statistics.median(warm_s)
    median_edit = statistics.median(edit_s)
    return {
        "scale": scale,
        "contacts": int(fresh.tables.contacts.count().execute()),
        "edits": EDITS,
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
        "machine": _common.machine(),
        "note": "shared machine (2 cores, other jobs running)",
    }
