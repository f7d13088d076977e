"""The ``segment-lab`` command: demo, alerts, history and SQL of catalog segments."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from segment_lab.errors import SegmentLabError

__all__ = ["main"]


def _workspace(args: argparse.Namespace):
    import segment_lab as sl

    if args.database:
        ws = sl.Workspace.connect(args.database)
    else:
        ws = sl.Workspace.demo(args.scale)
    if args.catalog:
        ws = ws.with_catalog(sl.Catalog.load(args.catalog))
    if ws.catalog is None:
        raise SegmentLabError("No catalog: pass --catalog FILE.yaml.")
    return ws


def _cmd_demo(args: argparse.Namespace) -> int:
    import pandas as pd

    ws = _workspace(args)
    as_of = ws.instant(args.as_of)
    sizes = ws.sizes(ws.catalog, as_of=as_of)
    week = ws.sizes(
        ws.catalog, as_of=ws.instant("-7d") if args.as_of is None else as_of - pd.Timedelta(days=7)
    )
    sizes.insert(2, "change_7d", sizes["size"] - week["size"])
    print(f"segment_lab demo: {ws}")
    print(f"Segment sizes as of {as_of:%Y-%m-%d %H:%M} (change over the previous 7 days):\n")
    with pd.option_context("display.max_colwidth", 70, "display.width", 160):
        print(sizes.to_string(index=False))
    print()
    _print_alerts(ws, as_of, weeks=26)
    return 0


def _print_alerts(ws, as_of, weeks: int, every: str = "1w") -> None:
    """Alerts of the catalog over the last ``weeks`` weeks (plus a 12-week baseline)."""
    import pandas as pd

    from segment_lab import analytics

    watch = as_of - pd.Timedelta(weeks=weeks)
    start = watch - pd.Timedelta(weeks=12)
    found = analytics.alerts(ws, ws.catalog, start, as_of, every=every, progress=False)
    found = found[found["period"] > watch].sort_values(["period", "segment"])
    print(
        f"Alerts from {watch:%Y-%m-%d} to {as_of:%Y-%m-%d} ({every} periods, robust z of net flow):"
    )
    if found.empty:
        print("  none")
    for row in found.itertuples():
        print(f"  {row.period:%Y-%m-%d} [{row.severity}] {row.message}")


def _cmd_alerts(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    _print_alerts(ws, ws.instant(args.as_of), weeks=args.weeks, every=args.every)
    return 0


def _cmd_history(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    segs = [ws.catalog[n] for n in args.segments] if args.segments else list(ws.catalog)
    frame = ws.history(segs, start=args.start, end=args.end, every=args.every)
    print(frame.to_csv(index=False) if args.csv else frame.to_string(index=False))
    return 0


def _cmd_sql(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    print(ws.sql(ws.catalog[args.segment], as_of=args.as_of, dialect=args.dialect))
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="segment-lab", description=__doc__)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--database", help="DuckDB file (default: the generated sample)")
    common.add_argument("--scale", default="sample", help="sample scale for the demo data")
    common.add_argument("--catalog", help="catalog YAML/JSON (default: the demo catalog)")
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("demo", parents=[common], help="print the demo catalog's sizes")
    d.add_argument("--as-of", default=None)
    d.set_defaults(func=_cmd_demo)
    a = sub.add_parser("alerts", parents=[common], help="alerts on the catalog's segments")
    a.add_argument("--as-of", default=None)
    a.add_argument("--weeks", type=int, default=26, help="how far back to report")
    a.add_argument("--every", default="1w")
    a.set_defaults(func=_cmd_alerts)
    h = sub.add_parser("history", parents=[common], help="size/entries/exits over time")
    h.add_argument("segments", nargs="*")
    h.add_argument("--start", default="-90d")
    h.add_argument("--end", default=None)
    h.add_argument("--every", default="1w")
    h.add_argument("--csv", action="store_true")
    h.set_defaults(func=_cmd_history)
    s = sub.add_parser("sql", parents=[common], help="print the SQL of a segment")
    s.add_argument("segment")
    s.add_argument("--as-of", default=None)
    s.add_argument("--dialect", default=None)
    s.set_defaults(func=_cmd_sql)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; errors a user can fix print one line and exit 2."""
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except (SegmentLabError, FileNotFoundError) as exc:
        print(f"segment-lab: error: {exc}", file=sys.stderr)
        return 2
