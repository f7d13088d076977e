"""Draw the pictures in ``docs/img/``: one PNG per chart, from the demo workspace.

Each picture tells part of the sample data's story (``datasets/README.md``): the churn
wave in ``churn-risk`` with its alerts, the segments compared, how they overlap, where
newsletter readers went during the wave, why ``tokyo-cto-python-quiet`` is so small, and
the lifecycle and retention of readers.

Run from the repository root::

    .venv/bin/python docs/make_pictures.py            # all pictures
    .venv/bin/python docs/make_pictures.py size funnel  # some of them
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import altair as alt

import segment_lab as sl
from segment_lab import analytics as an
from segment_lab import charts, sample

IMG = Path(__file__).resolve().parent / "img"
START, END, EVERY = "2024-09-02", "2025-06-30", "1w"
COMPARED = ("churn-risk", "pricing-intent", "newsletter-readers", "control-germany-established")
OVERLAPPING = (
    "newsletter-readers",
    "churn-risk",
    "pricing-intent",
    "high-intent-leads",
    "customers-at-risk",
    "dormant",
)


def size(ws: sl.Workspace, cat: sl.Catalog) -> alt.TopLevelMixin:
    """churn-risk over the whole span, weekly, with the alerts the churn wave raises."""
    frame = an.trends(ws, sample.CHURN_RISK, START, END, EVERY, progress=False)
    alerts = an.alerts(ws, sample.CHURN_RISK, START, END, EVERY)
    return charts.size_chart(frame, alerts, title="churn-risk, weekly: the churn wave")


def compare(ws: sl.Workspace, cat: sl.Catalog) -> alt.TopLevelMixin:
    frame = an.trends(ws, [cat[name] for name in COMPARED], START, END, EVERY, progress=False)
    return charts.compare_chart(frame, title="Four segments, weekly")


def overlap(ws: sl.Workspace, cat: sl.Catalog) -> alt.TopLevelMixin:
    frame = an.overlap(ws, [cat[name] for name in OVERLAPPING], as_of=END)
    return charts.overlap_heatmap(frame, title=f"How the segments overlap on {END}")


def transitions(ws: sl.Workspace, cat: sl.Catalog) -> alt.TopLevelMixin:
    names = ("newsletter-readers", "churn-risk", "dormant")
    start, end = "2025-02-03", "2025-04-28"
    frame = an.transitions(ws, [cat[name] for name in names], start, end)
    return charts.transition_chart(frame, title=f"Where contacts went, {start} → {end}")


def funnel(ws: sl.Workspace, cat: sl.Catalog) -> alt.TopLevelMixin:
    frame = an.funnel(ws, cat["tokyo-cto-python-quiet"], as_of=END)
    return charts.funnel_chart(frame, title=f"Why tokyo-cto-python-quiet is small ({END})")


def lifecycle(ws: sl.Workspace, cat: sl.Catalog) -> alt.TopLevelMixin:
    # Weekly periods are [p, p + 1w); the one starting on END would hold a single day of
    # data (the sample ends on END), so every reader would look dormant in it: stop a week
    # earlier.
    frame = an.lifecycle(ws, "email_open", "2025-01-06", "2025-06-23", EVERY)
    return charts.lifecycle_chart(
        frame, title="Email readers: new, returning, resurrecting, dormant"
    )


def retention(ws: sl.Workspace, cat: sl.Catalog) -> alt.TopLevelMixin:
    segment = cat["newsletter-readers"]
    frame = an.retention(ws, segment, "2025-03-03", END, EVERY, periods=8)
    return charts.retention_heatmap(frame, title="newsletter-readers: weekly entrants still in")


PICTURES: dict[str, Callable[[sl.Workspace, sl.Catalog], alt.TopLevelMixin]] = {
    "size": size,
    "compare": compare,
    "overlap": overlap,
    "transitions": transitions,
    "funnel": funnel,
    "lifecycle": lifecycle,
    "retention": retention,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"pictures to draw: {', '.join(PICTURES)}")
    parser.add_argument("--out", type=Path, default=IMG, help=f"folder (default {IMG})")
    parser.add_argument("--scale", type=float, default=2.0, help="PNG pixel density")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(PICTURES))
    if unknown:
        parser.error(f"unknown pictures {unknown}; choose from {', '.join(PICTURES)}")
    cat = sample.demo_catalog()
    ws = sl.Workspace.demo().with_catalog(cat)  # some segments reference others by name
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.names or PICTURES:
        began = time.perf_counter()
        path = charts.save(PICTURES[name](ws, cat), args.out / f"{name}.png", scale=args.scale)
        print(f"{path}  ({time.perf_counter() - began:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
