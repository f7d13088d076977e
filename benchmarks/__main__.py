"""``python -m benchmarks [asof] [history] [scaling] [analytics] [widgets] [dashboard] [backtest] [backends] [--scale bench] [--repeat N] [--scales 100k,1M]``.

Writes ``benchmarks/results/<name>.json`` and rewrites BENCHMARKS.md from all results.
With more than one benchmark named (or none: all of them), each runs in a process of
its own, so that each result's peak memory (``ru_maxrss``, per process) is its own.
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
from pathlib import Path

from benchmarks import _common
from benchmarks._render_history import render_history, render_memory, render_scaling

ROOT = Path(__file__).resolve().parent.parent

#: Every benchmark (a module ``benchmarks.<name>`` with ``run(scale=..., repeat=...)``).
BENCHMARKS = (
    "asof", "history", "scaling", "analytics", "widgets", "dashboard", "backtest", "backends",
)  # fmt: skip

#: What ``python -m benchmarks`` runs without names: all of them.
DEFAULT = BENCHMARKS


def _fmt(x: float) -> str:
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def render() -> str:
    lines = [
        "# Benchmarks",
        "",
        "Run them with `make bench` (= `.venv/bin/python -m benchmarks --scale bench`); the",
        "bench database (1M contacts, 35M events, 4.4M history rows) is generated on first use",
        "(about 2 minutes).  Each benchmark runs in a process of its own (its peak memory is",
        "its own); `make bench-scale` adds the 4M-contact scaling run.",
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
    lines += render_history(_load("history"))
    lines += _render_history_plans(_load("history_plans_bench"))
    lines += render_scaling(_load("scaling"))
    lines += _render_analytics(_load("analytics"))
    lines += _render_widgets(_load("widgets"))
    lines += _render_dashboard(_load("dashboard"))
    lines += _render_backtest(_load("backtest"))
    lines += _render_backends(_load("backends"))
    lines += render_memory({name: _load(name) for name in BENCHMARKS})
    notes = ROOT / "benchmarks" / "NOTES.md"
    if notes.exists():
        lines += [notes.read_text().strip(), ""]
    return "\n".join(lines)


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
                f"same numbers).  One bitmask query: {', '.join(plan.get('bitmask', [])) or '—'}; "
                f"shared batched queries: pruned frame {', '.join(plan['pruned']) or '—'}; "
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


def _render_history_plans(res: dict | None) -> list[str]:
    """The repeat-call cost of compiled history plans (``python -m benchmarks.history_plans``)."""
    if not res:
        return []
    from benchmarks.history_plans import table

    m = res["machine"]
    done = "" if res.get("complete", True) else " (the run was stopped early: the rows it measured)"
    return [
        f"## History plans: repeat calls ({res['scale']}){done}",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores; {m['date']}; `python -m benchmarks.history_plans "
        f"--scale {res['scale']}`, {res['repeats']} repeat calls after the first.  A repeat call "
        "binds the compiled plan to another start, end or instant: its Python time is what the "
        "call costs beyond its query (target < 5 ms); the first call compiles the plan.",
        "",
        table(res),
        "",
    ]


def _load(name: str) -> dict | None:
    path = _common.RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _run(which: str, args: argparse.Namespace) -> dict:
    """Run one benchmark in this process; its result with this process's peak memory."""
    module = importlib.import_module(f"benchmarks.{which}")
    kwargs = {"scale": args.scale}
    if args.repeat is not None:
        kwargs["repeat"] = args.repeat
    if which == "scaling":
        kwargs["scales"] = args.scales
    result = module.run(**kwargs)
    result["peak_rss_gib"] = _common.peak_rss_gib()
    children = _common.peak_rss_children_gib()
    if children:
        result["peak_rss_children_gib"] = children
    return result


def _in_subprocess(which: str, args: argparse.Namespace) -> int:
    """Run one benchmark in a process of its own (``ru_maxrss`` is per process)."""
    cmd = [sys.executable, "-m", "benchmarks", which, "--scale", args.scale, "--no-render"]
    cmd += ["--scales", args.scales] + (["--repeat", str(args.repeat)] if args.repeat else [])
    cmd += ["--no-write"] if args.no_write else []
    return subprocess.run(cmd, cwd=ROOT).returncode


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks")
    p.add_argument("which", nargs="*", default=list(DEFAULT), choices=list(BENCHMARKS))
    p.add_argument("--scale", default="bench")
    p.add_argument("--repeat", type=int, default=None, help="default: each benchmark's own")
    p.add_argument("--scales", default="100k,1M", help="scaling: comma-separated scales")
    p.add_argument("--no-write", action="store_true", help="print results, write nothing")
    p.add_argument("--no-render", action="store_true", help="do not rewrite BENCHMARKS.md")
    args = p.parse_args()
    failed = []
    for which in args.which:
        if len(args.which) > 1:
            if _in_subprocess(which, args):
                failed.append(which)
            continue
        result = _run(which, args)
        print(json.dumps(result, indent=2, default=str))
        if not args.no_write:
            _common.save(which, result)
    if not (args.no_write or args.no_render):
        tmp = ROOT / "BENCHMARKS.md.tmp"
        tmp.write_text(render())
        tmp.replace(ROOT / "BENCHMARKS.md")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
