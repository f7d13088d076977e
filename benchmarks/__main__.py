"""``python -m benchmarks [asof] [history] [analytics] [widgets] [dashboard] [backtest] [backends] [--scale bench] [--repeat 5]``.

Writes ``benchmarks/results/<name>.json`` and rewrites BENCHMARKS.md from all results.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks import _common

ROOT = Path(__file__).resolve().parent.parent


def _fmt(x: float) -> str:
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def render() -> str:
    lines = [
        "# Benchmarks",
        "",
        "Run them with `make bench` (= `.venv/bin/python -m benchmarks --scale bench`); the",
        "bench database (1M contacts, 35M events, 4.4M history rows) is generated on first use",
        "(about 2 minutes).",
        "Times are medians of repeated runs after a warm-up; every ratio compares numbers",
        "measured in the same run.  Raw figures: `benchmarks/results/*.json`.",
        "",
    ]
    asof = _load("asof")
    if asof:
        m = asof["machine"]
        lines += [
            f"## As-of evaluation ({asof['scale']}: {asof['contacts']:,} contacts, {asof['events']:,} events)",
            "",
            f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python {m['python']}, "
            f"DuckDB {m['duckdb']}, Ibis {m['ibis']}, pandas {m['pandas']}; {m['date']}; "
            f"median of {asof['repeat']}.",
            "",
            "`segment_lab s` and `hand SQL s` are medians over counts at different instants (t, t − 1 min, …); "
            "`first call s` is a rule's first count in a fresh workspace, compiling its count plan.",
            "",
            "| segment | members | segment_lab s | hand SQL s | ratio (≤ 1.3) | first call s | first-call ratio | generated SQL alone s | pandas in memory s | speed-up (≥ 2.5) | segment_lab from Parquet s | pandas from Parquet s | speed-up (≥ 6) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in asof["rows"]:
            first = r.get("engine_first_s", float("nan"))
            lines.append(
                f"| {r['segment']} | {r['members']:,} | {_fmt(r['engine_s'])} | {_fmt(r['sql_s'])} | "
                f"{r['vs_sql']:.2f} | {_fmt(first)} | {r.get('first_vs_sql', float('nan')):.2f} | "
                f"{_fmt(r.get('query_s', float('nan')))} | "
                f"{_fmt(r['pandas_mem_s'])} | {r['pandas_mem_speedup']:.1f}× | "
                f"{_fmt(r['engine_parquet_s'])} | {_fmt(r['pandas_parquet_s'])} | {r['pandas_parquet_speedup']:.1f}× |"
            )
        lines += [
            "",
            f"Compiling a 20-node rule to SQL: {asof['compile_20_nodes_ms']:.1f} ms (target < 50 ms).  "
            f"Peak memory of the process after the segment_lab runs: {asof['peak_rss_engine_gib']:.2f} GiB "
            f"(target < 4 GiB).",
            "",
        ]
    hist = _load("history")
    if hist:
        m = hist["machine"]
        lines += [
            f"## History ({hist['scale']}, end {hist['end']})",
            "",
            f"Machine: {m['cpu']}, {m['cores']} cores; {m['date']}; median of {hist['repeat']}.  "
            f"The naive loop evaluates as-of once per point: timed on {hist['naive_points']} points, scaled to 365.",
            "",
            "| segment | one as-of s | 365 daily s | ratio (≤ 3) | 720 hourly s | ratio (≤ 4) | naive loop 365 s | engine speed-up (≥ 50) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in hist["rows"]:
            lines.append(
                f"| {r['segment']} | {_fmt(r['asof_s'])} | {_fmt(r['daily365_s'])} | {r['daily_vs_asof']:.1f} | "
                f"{_fmt(r['hourly720_s'])} | {r['hourly_vs_asof']:.1f} | {_fmt(r['naive365_s'])} | "
                f"{r['naive_vs_engine']:.0f}× |"
            )
        floored = [r for r in hist["rows"] if "daily_order_s" in r]
        if floored:
            lines += [
                "",
                "Floors, hand-written DuckDB SQL on the same connection: *read* = count the events a "
                "history must consider (those of the segment's types that can count at some grid "
                "instant); *order* = order each contact's events in time (`LAG(ts) OVER (PARTITION BY "
                "contact_id ORDER BY ts)`), which exact entries and exits of a sliding window need.",
                "",
                "| segment | daily: events | read s | order s | order ÷ one as-of (target ≤ 3) | naive loop ÷ order (target ≥ 50) | hourly: events | read s | order s | order ÷ one as-of (target ≤ 4) |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            ]
            for r in floored:
                lines.append(
                    f"| {r['segment']} | {r['daily_events']:,} | {_fmt(r['daily_read_s'])} | "
                    f"{_fmt(r['daily_order_s'])} | {r['daily_order_vs_asof']:.1f} | "
                    f"{r['naive_vs_daily_order']:.0f}× | {r['hourly_events']:,} | "
                    f"{_fmt(r['hourly_read_s'])} | {_fmt(r['hourly_order_s'])} | "
                    f"{r['hourly_order_vs_asof']:.1f} |"
                )
        lines += _render_plans(hist)
        lines += [
            "",
            f"20 segments × 1 year daily in one `ws.history` call: {hist['twenty_segments_year_daily_s']:.0f} s "
            f"(target < 120 s).  Peak memory: {hist['peak_rss_gib']:.2f} GiB.",
            "",
        ]
    lines += _render_analytics(_load("analytics"))
    lines += _render_widgets(_load("widgets"))
    lines += _render_dashboard(_load("dashboard"))
    lines += _render_backtest(_load("backtest"))
    lines += _render_backends(_load("backends"))
    notes = ROOT / "benchmarks" / "NOTES.md"
    if notes.exists():
        lines += [notes.read_text().strip(), ""]
    return "\n".join(lines)


def _other(r: dict) -> str:
    if r["other_s"] is None:
        ratio = r[f"est_{r['other_plan']}"] / r[f"est_{r['plan']}"]
        return f"{r['other_plan']}: not run (est. {ratio:.0f}× the rows)"
    return f"{r['other_plan']}: {_fmt(r['other_s'])}"


def _render_plans(hist: dict) -> list[str]:
    """The history plan table: chosen plan per segment and grid, the other plan, the naive loop."""
    rows = hist.get("plans")
    if not rows:
        return []
    lines = [
        "",
        'History plans (`ws.history(..., plan="auto")`): per grid the plan chosen from the '
        "table statistics, its time (median), the other plan forced (one run), the naive loop "
        "(as-of at every point; on the hourly and daily grids 30 points timed and scaled) and "
        "the Python time to build and compile the chosen query.  "
        f"First weekly history of the seed example in a fresh workspace (table statistics "
        f"included): {_fmt(hist['seed_first_weekly_s'])} s.",
        "",
        "| segment | grid | points | plan | plan s | other plan s | naive loop s | naive ÷ plan (weekly ≥ 5) | build ms |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['segment']} | {r['grid']} | {r['points']} | {r['plan']} | {_fmt(r['plan_s'])} | "
            f"{_other(r)} | {_fmt(r['naive_s'])} | "
            f"{r['naive_vs_plan']:.1f}× | {r['build_ms']:.0f} |"
        )
    return lines


def _render_analytics(res: dict | None) -> list[str]:
    if not res:
        return []
    m = res["machine"]
    lines = [
        f"## Analytics ({res['scale']}: {res['contacts']:,} contacts, {res['events']:,} events; "
        f"end {res['end']})",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores; {m['date']}.  Medians of {res['repeat']} "
        "after a warm-up, except the naive loop of alerts (runs shown in brackets).  Every "
        "baseline is checked to give the same numbers as segment_lab.",
        "",
        "| analysis | workload | segment_lab s | baseline | baseline s (runs) | speed-up |",
        "|---|---|---:|---|---:|---:|",
    ]
    for r in res["rows"]:
        lines.append(
            f"| `{r['analysis']}` | {r['workload']} | {_fmt(r['segment_lab_s'])} | {r['baseline']} | "
            f"{_fmt(r['baseline_s'])} ({r['baseline_repeat']}) | {r['speedup']:.1f}× |"
        )
    extra = {r["analysis"]: r for r in res["rows"]}
    lc = extra.get("lifecycle")
    if lc:
        lines += [
            "",
            f"Lifecycle in pandas: reading the {lc['events_read']:,} events took "
            f"{_fmt(lc['baseline_read_s'])} s, the computation alone {_fmt(lc['baseline_compute_s'])} s "
            f"({lc['compute_vs_engine']:.1f}× segment_lab's whole call).",
        ]
    al = extra.get("alerts")
    if al:
        lines += [
            "",
            f"Alerts found: {al['alerts']} (the time includes computing the trends and the alerts).  "
            f"Peak memory: {res['peak_rss_gib']:.2f} GiB.",
        ]
        if "per_segment_s" in al:  # the histories shared across segments (engine/_catalog.py)
            plan = al["plan"]
            lines += [
                "",
                f"The ten histories one segment at a time, each on its own plan: "
                f"{_fmt(al['per_segment_s'])} s ({al['per_segment_vs_engine']:.1f}× the alerts call, "
                f"same numbers).  Shared queries: pruned frame {', '.join(plan['pruned']) or '—'}; "
                f"every contact at every instant {', '.join(plan['full']) or '—'}; alone "
                f"{', '.join(plan['alone']) or '—'}.  Naive loop timed at {al['naive_points']} of the "
                f"53 instants, scaled.",
            ]
    return [*lines, ""]


def _render_widgets(res: dict | None) -> list[str]:
    if not res:
        return []
    m = res["machine"]
    return [
        f"## Segment builder ({res['scale']}: {res['contacts']:,} contacts)",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores; {m['date']}.  "
        f'{res["edits"]} edits of the window of `city == "Tokyo" AND email_open count >= 3 '
        f"within Nd` (N = 70, 68, … 24 days; each a rule not counted before), from the edit to "
        f"the count on screen (the `count` trait); the debounce is {res['debounce_s']:.1f} s.  "
        f"The workspace's now is the data's end ({res['now']}); the counts shown "
        f"({res['counts']['min']:,} to {res['counts']['max']:,}, {res['counts']['distinct']} "
        f"distinct) equal `ws.count` of the same rules on a fresh workspace, in the same run.",
        "",
        "| measure | median s | p95 s |",
        "|---|---:|---:|",
        f"| edit → displayed count | {_fmt(res['edit_to_count_median_s'])} | "
        f"{_fmt(res['edit_to_count_p95_s'])} |",
        f"| `ws.count`, first call (plan compiled) | {_fmt(res['ws_count_first_median_s'])} | "
        f"{_fmt(res['ws_count_first_p95_s'])} |",
        f"| `ws.count`, warm | {_fmt(res['ws_count_warm_median_s'])} | |",
        f"| funnel column (`analytics.funnel`) | {_fmt(res['funnel_s'])} | |",
        "",
        f"Overhead: (edit → count − debounce) ÷ first `ws.count` = "
        f"{res['overhead_vs_first_count']:.2f} (target ≤ 1.2).  The funnel column costs "
        f"{res['funnel_vs_count']:.1f}× a warm count; it runs after the count is shown, so the "
        f"count does not wait for it.",
        "",
    ]


def _render_dashboard(res: dict | None) -> list[str]:
    if not res:
        return []
    m = res["machine"]
    lines = [
        "## Dashboard (the demo catalog, 1 year daily)",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores; {m['date']}.  One `dashboard.export` run per "
        f"scale (the first includes {res['bundle_s']:.1f} s for vl-convert's JavaScript bundle, "
        f"{res['runtime_bytes'] / 1e6:.2f} MB, built once per process).",
        "",
        "| data | contacts | segments × periods | charts | written in s | target s | file MB | target MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in res["rows"]:
        target = 30 if r["scale"] == "sample" else 120
        lines.append(
            f"| {r['scale']} | {r['contacts']:,} | {r['segments']} × {r['periods']} | {r['charts']} | "
            f"{_fmt(r['seconds'])} | < {target} | {r['bytes'] / 1e6:.2f} | "
            f"{'< 2' if r['scale'] == 'sample' else '—'} |"
        )
    note = f"  {res['note']}" if res.get("note") else ""
    return [*lines, "", f"Peak memory: {res['peak_rss_gib']:.2f} GiB.{note}", ""]


def _render_backtest(res: dict | None) -> list[str]:
    if not res:
        return []
    m = res["machine"]
    return [
        f"## Backtest ({res['scale']}; {res['snapshots']} weekly snapshots {res['start'][:10]} → "
        f"{res['end'][:10]} × {res['definitions']} definitions, outcome: a purchase in the next "
        f"{res['horizon_days']} days)",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores; {m['date']}.  Medians of {res['repeat']} after a "
        f"warm-up.  The naive loop (per snapshot: universe, outcome and each definition's "
        f"members as Python sets via `ws.members`) is timed on {res['naive_points']} snapshots "
        "and scaled (the timed snapshots took "
        f"{_fmt(res.get('naive_timed_s', float('nan')))} s); its counts are checked against the "
        "backtest's.",
        "",
        "| workload | s |",
        "|---|---:|",
        f"| `sl.backtest`, 10 definitions × 52 weekly | {_fmt(res['backtest_s'])} |",
        f"| `ws.history` of the 10 definitions + the outcome's history, same grid | {_fmt(res['histories_s'])} |",
        f"| ratio backtest ÷ histories (target ≤ 1.5) | {res['backtest_vs_histories']:.2f} |",
        f"| naive loop, 52 weekly ({res['naive_points']} snapshots timed, scaled to 52) | "
        f"{_fmt(res['naive52_weekly_s'])} |",
        f"| naive loop, 365 daily ({res['naive_points']} snapshots timed, scaled to 365) | "
        f"{_fmt(res['naive365_daily_s'])} |",
        f"| speed-up over the naive loop at 52 weekly | {res['naive_vs_backtest']:.1f}× |",
        "",
        f"Peak memory: {res['peak_rss_gib']:.2f} GiB.",
        "",
        *([res["note"], ""] if res.get("note") else []),
    ]


def _render_backends(res: dict | None) -> list[str]:
    if not res:
        return []
    m = res["machine"]
    lines = [
        f"## Backends ({res['scale']}: {res['contacts']:,} contacts, {res['events']:,} events, "
        f"{res['history_rows']:,} history rows)",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores; {m['date']}.  Medians of {res['repeat']} after a "
        "warm-up.  DuckDB and PySpark (local[2]) read the same Parquet files; PostgreSQL (a "
        "local cluster, default settings) has them loaded.  As-of: one count at the data's end; "
        f"history: {res['history_points']} weekly points ending there.  Every engine's counts "
        "equal DuckDB's (checked in the run).  docs/backends.md says what each engine supports.",
        "",
        "| segment | engine | members | as-of s | × DuckDB | history s | × DuckDB |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in res["rows"]:
        lines.append(
            f"| {r['segment']} | {r['engine']} | {r['members']:,} | {_fmt(r['asof_s'])} | "
            f"{r['asof_vs_duckdb']:.1f} | {_fmt(r['history_s'])} | {r['history_vs_duckdb']:.1f} |"
        )
    return [*lines, "", f"Peak memory: {res['peak_rss_gib']:.2f} GiB.", ""]


def _load(name: str) -> dict | None:
    path = _common.RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks")
    p.add_argument(
        "which",
        nargs="*",
        default=["asof", "history", "analytics", "widgets", "dashboard", "backtest", "backends"],
        choices=["asof", "history", "analytics", "widgets", "dashboard", "backtest", "backends"],
    )
    p.add_argument("--scale", default="bench")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--no-write", action="store_true", help="print results, write nothing")
    args = p.parse_args()
    for which in args.which:
        if which == "asof":
            from benchmarks.asof import run
        elif which == "history":
            from benchmarks.history import run
        elif which == "widgets":
            from benchmarks.widgets import run
        elif which == "dashboard":
            from benchmarks.dashboard import run
        elif which == "backtest":
            from benchmarks.backtest import run
        elif which == "backends":
            from benchmarks.backends import run
        else:
            from benchmarks.analytics import run
        result = run(scale=args.scale, repeat=args.repeat)
        print(json.dumps(result, indent=2, default=str))
        if not args.no_write:
            _common.save(which, result)
    if not args.no_write:
        tmp = ROOT / "BENCHMARKS.md.tmp"
        tmp.write_text(render())
        tmp.replace(ROOT / "BENCHMARKS.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
