"""One function per ``segment-lab`` command: parse nothing, print results, return 0."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

from segment_lab.cli import _data
from segment_lab.errors import InvalidValueError, did_you_mean


def _progress(args: argparse.Namespace) -> bool:
    return bool(args.progress) and sys.stderr.isatty()


def _emit(args: argparse.Namespace, frame: Any, text: str | None = None) -> None:
    if args.json:
        print(frame.to_json(orient="records", date_format="iso", indent=1, double_precision=15))
    else:
        print(text if text is not None else frame.to_string(index=False))


def _write(args: argparse.Namespace, frame: Any, out: Any) -> None:
    """Write ``frame`` to ``out`` (atomically) and say so, in JSON with ``--json``."""
    _data.write_frame(frame, out)
    print(
        json.dumps({"written": str(out), "rows": len(frame)})
        if args.json
        else f"Wrote {len(frame)} rows to {out}"
    )


def _segments(catalog: Any, names: list[str] | None) -> list[Any]:
    if not names:
        return list(catalog)
    out = []
    for name in names:
        if name not in catalog:
            valid = list(catalog.names)
            raise InvalidValueError(
                f"Unknown segment {name!r}.{did_you_mean(name, valid)} Segments: {', '.join(valid)}."
            )
        out.append(catalog[name])
    return out


def _ws(args: argparse.Namespace) -> tuple[Any, Any]:
    catalog = _data.load_catalog(args.catalog, ws_default=_is_demo(args))
    return _data.workspace(args, catalog), catalog


def _is_demo(args: argparse.Namespace) -> bool:
    return not (args.db or args.contacts or args.events or args.history)


def validate(args: argparse.Namespace) -> int:
    """Load a catalog; with data options also check that the data has what it reads."""
    from segment_lab import templates

    catalog = _data.load_catalog(args.catalog)
    checked = "its definitions"
    if not _is_demo(args):
        ws = _data.workspace(args, catalog)
        templates.check(ws, catalog)
        checked = "its definitions and the data it reads"
    rows = [{"segment": s.name, "definition_hash": s.definition_hash} for s in catalog]
    if args.json:
        print(json.dumps({"valid": True, "segments": rows}, indent=1))
    else:
        print(f"{args.catalog}: {len(catalog)} segments, {checked} OK.")
        for row in rows:
            print(f"  {row['definition_hash']}  {row['segment']}")
    return 0


def count(args: argparse.Namespace) -> int:
    """Print segment sizes at one instant."""
    ws, catalog = _ws(args)
    as_of = ws.instant(args.as_of)
    sizes = ws.sizes(_segments(catalog, args.segment), as_of=as_of)
    sizes.insert(2, "as_of", as_of)
    _emit(
        args,
        sizes,
        f"Sizes as of {as_of:%Y-%m-%d %H:%M:%S}:\n"
        + sizes.drop(columns="as_of").to_string(index=False),
    )
    return 0


def history(args: argparse.Namespace) -> int:
    """Print or write size, entries and exits per period."""
    out = _data.check_output(args.output, _data.WRITABLE) if args.output else None
    ws, catalog = _ws(args)
    segs = _segments(catalog, args.segment)
    frame = ws.history(segs, args.start, args.end, args.every, progress=_progress(args))
    if out is not None:
        _write(args, frame, out)
    else:
        _emit(args, frame, frame.to_csv(index=False).rstrip("\n") if args.csv else None)
    return 0


def trends(args: argparse.Namespace) -> int:
    """Print size, net change, growth and entry/exit rates per period."""
    from segment_lab import analytics

    ws, catalog = _ws(args)
    segs = _segments(catalog, args.segment)
    frame = analytics.trends(ws, segs, args.start, args.end, args.every, progress=_progress(args))
    _emit(args, frame)
    return 0


#: The columns ``backtest`` prints as text (``--json`` and ``-o`` give them all).
BACKTEST_TEXT = ("segment", "snapshot", "population", "members", "positives", "true_positives",
                 "precision", "recall", "lift")  # fmt: skip
SUMMARY_TEXT = ("segment", "snapshots", "members", "true_positives", "precision",
                "precision_lo", "precision_hi", "recall", "lift", "q_value")  # fmt: skip


def _backtest_frame(args: argparse.Namespace, ws: Any, catalog: Any) -> tuple[Any, str]:
    """Run the backtest the options describe; ``(frame, heading)``."""
    import warnings

    import segment_lab as sl
    from segment_lab.errors import IncompleteSnapshotWarning

    outcome = _data.parse_outcome(args.outcome, args.outcome_where, catalog)
    segs = _segments(catalog, args.segment)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", IncompleteSnapshotWarning)
        frame = sl.backtest(
            ws, segs, outcome, start=args.start, end=args.end, every=args.every,
            horizon=args.horizon, partial=args.partial, audit=args.audit,
            progress=_progress(args),
        )  # fmt: skip
    left_out = [w for w in caught if issubclass(w.category, IncompleteSnapshotWarning)]
    for w in caught:
        if w not in left_out:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if frame.empty:
        raise InvalidValueError(
            f"No complete snapshot: t + horizon ({args.horizon}) is after now ({ws.now}) for "
            f"every snapshot from {args.start} to {args.end or 'now'}; move --end back, shorten "
            "--horizon, or pass --partial to keep incomplete snapshots (flagged)."
        )
    for w in left_out:
        text = str(w.message)
        text = (
            text.replace("pass partial=True", "pass --partial")
            if args.command == "backtest"
            else text.split("; pass partial=True")[0] + "."
        )
        warnings.warn_explicit(text, w.category, w.filename, w.lineno)
    head = f"Backtest of {args.outcome} over {args.horizon} after each snapshot"
    if args.summary:
        return frame.summary(), f"{head}, pooled (highest lift first):"
    return frame, f"{head}:"


def backtest(args: argparse.Namespace) -> int:
    """Print or write a backtest: per (segment, snapshot), or pooled with ``--summary``."""
    out = _data.check_output(args.output, _data.WRITABLE) if args.output else None
    frame, head = _backtest_frame(args, *_ws(args))
    if out is not None:
        _write(args, frame, out)
        return 0
    shown = [c for c in (SUMMARY_TEXT if args.summary else BACKTEST_TEXT) if c in frame]
    if "partial" in frame:
        shown.append("partial")
    text = frame[shown].to_string(index=False, float_format=lambda x: f"{x:.3f}")
    _emit(args, frame, f"{head}\n{text}")
    return 0


def _alerts(ws: Any, segs: list[Any], args: argparse.Namespace) -> Any:
    from segment_lab import analytics

    found = analytics.alerts(ws, segs, args.start, args.end, args.every, progress=_progress(args))
    return found.sort_values(["period", "segment"]).reset_index(drop=True)


def _alert_lines(found: Any) -> list[str]:
    return [f"  {r.period:%Y-%m-%d} [{r.severity}] {r.message}" for r in found.itertuples()] or [
        "  none"
    ]


def alerts(args: argparse.Namespace) -> int:
    """Print the alerts of a catalog's segments over a grid."""
    ws, catalog = _ws(args)
    found = _alerts(ws, _segments(catalog, args.segment), args)
    head = f"Alerts ({args.every} periods, robust z of net flow):"
    _emit(args, found, "\n".join([head, *_alert_lines(found)]))
    return 0


def dashboard(args: argparse.Namespace) -> int:
    """Write the offline HTML dashboard."""
    from segment_lab import dashboard as dash

    out = _data.check_output(args.output, (".html", ".htm"))
    if (args.backtest_outcome is None) != (args.horizon is None) or (
        args.backtest_where is not None and args.backtest_outcome is None
    ):
        raise InvalidValueError(
            "dashboard: a backtest section needs both --backtest-outcome and --horizon "
            "(e.g. --backtest-outcome event:purchase --horizon 28d)."
        )
    ws, catalog = _ws(args)
    segs = _segments(catalog, args.segment)
    bt = None
    if args.backtest_outcome is not None:
        ns = argparse.Namespace(**{
            **vars(args), "outcome": args.backtest_outcome, "outcome_where": args.backtest_where,
            "partial": False, "audit": 0, "summary": False,
        })  # fmt: skip
        bt, _ = _backtest_frame(ns, ws, catalog)
    dash.export(
        ws,
        segs,
        out,
        start=args.start,
        end=args.end,
        every=args.every,
        title=args.title,
        progress=_progress(args),
        backtest=bt,
    )
    _report_dashboard(args, out)
    return 0


def _report_dashboard(args: argparse.Namespace, out: Any) -> None:
    size = out.stat().st_size
    if args.json:
        print(json.dumps({"written": str(out.resolve()), "bytes": size}))
    else:
        print(f"Wrote the dashboard to {out.resolve()} ({size / 1e6:.1f} MB).")
        print(f"Open it in a browser: xdg-open {out} (Linux), open {out} (macOS), or File > Open.")


def sql(args: argparse.Namespace) -> int:
    """Print the SQL of one segment."""
    ws, catalog = _ws(args)
    (seg,) = _segments(catalog, [args.segment])
    text = ws.sql(seg, as_of=args.as_of, dialect=args.dialect)
    print(json.dumps({"segment": seg.name, "sql": text}) if args.json else text)
    return 0


def demo(args: argparse.Namespace) -> int:
    """Sizes and alerts of the demo catalog on the sample (built if absent)."""
    import pandas as pd

    out = _data.check_output(args.dashboard, (".html", ".htm")) if args.dashboard else None
    ws, catalog = _ws(args)
    as_of = ws.instant(args.as_of)
    sizes = ws.sizes(catalog, as_of=as_of)
    week = ws.sizes(catalog, as_of=as_of - dt.timedelta(days=7))
    sizes.insert(2, "change_7d", sizes["size"] - week["size"])
    watch = as_of - dt.timedelta(weeks=26)
    ns = argparse.Namespace(
        start=watch - dt.timedelta(weeks=12), end=as_of, every="1w", progress=args.progress
    )
    found = _alerts(ws, list(catalog), ns)
    found = found[found["period"] > watch]
    if out is not None:
        from segment_lab import dashboard as dash

        dash.export(ws, catalog, out, end=as_of, progress=_progress(args))
    if args.json:
        print(
            json.dumps(
                {
                    "as_of": as_of.isoformat(),
                    "sizes": json.loads(sizes.to_json(orient="records")),
                    "alerts": json.loads(found.to_json(orient="records", date_format="iso")),
                    "dashboard": str(out.resolve()) if out else None,
                },
                indent=1,
            )
        )
        return 0
    print(f"segment_lab demo: {ws}")
    print(f"Segment sizes as of {as_of:%Y-%m-%d %H:%M} (change over the previous 7 days):\n")
    with pd.option_context("display.max_colwidth", 70, "display.width", 160):
        print(sizes.to_string(index=False))
    print(f"\nAlerts from {watch:%Y-%m-%d} to {as_of:%Y-%m-%d} (1w periods, robust z of net flow):")
    print("\n".join(_alert_lines(found)))
    if out is not None:
        print()
        _report_dashboard(args, out)
    return 0
