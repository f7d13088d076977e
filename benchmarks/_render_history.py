"""BENCHMARKS.md sections for the history plans, the scaling runs and peak memory."""

from __future__ import annotations

from typing import Any


def _fmt(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def _ratio(x: float | None, suffix: str = "") -> str:
    return "—" if x is None else f"{x:.2f}{suffix}" if x < 10 else f"{x:.0f}{suffix}"


def _others(r: dict[str, Any]) -> str:
    parts = []
    for plan, seconds in r["others_s"].items():
        if seconds == "stopped":  # interrupted: benchmarks.history.OTHER_MAX_S
            parts.append(f"{plan}: stopped after {r.get('other_max_s', 30):g} s")
        elif seconds is None and plan not in r["estimates"]:  # bitmask: does not suit the rule
            parts.append(f"{plan}: not run (does not suit)")
        elif seconds is None:
            est = r["estimates"][plan] / max(r["estimates"][r["plan"]], 1.0)
            parts.append(f"{plan}: not run (est. {est:.0f}× the rows)")
        else:
            parts.append(f"{plan}: {_fmt(seconds)}")
    return "; ".join(parts) or "—"


def _plan_row(r: dict[str, Any]) -> str:
    naive = f"{_fmt(r['naive_s'])}" + (
        f" ({r['naive_points_timed']} timed)" if r["naive_points_timed"] < r["points"] else ""
    )
    return (
        f"| {r['segment']} | {r['grid']} | {r['points']} | {r['plan']} | "
        f"{_fmt(r['plan_s'])} ({r['plan_runs']}) | {_others(r)} | {naive} | {_fmt(r['asof_s'])} | "
        f"{_fmt(r.get('read_s'))} | {_fmt(r.get('order_s'))} | {_ratio(r['plan_vs_naive'])} | "
        f"{_ratio(r['naive_vs_plan'], '×')} | {_ratio(r.get('plan_vs_order'), '×')} | "
        f"{_ratio(r['plan_vs_asof'], '×')} |"
    )


def _generic(rows: list[dict[str, Any]]) -> list[str]:
    """A table of ``rows`` with their keys as columns (the ``history_plans`` hook)."""
    keys = list(dict.fromkeys(k for r in rows for k in r))
    cell = lambda v: _fmt(v) if isinstance(v, float) else str(v)  # noqa: E731
    return [
        "| " + " | ".join(keys) + " |",
        "|" + "---|" * len(keys),
        *("| " + " | ".join(cell(r.get(k, "")) for k in keys) + " |" for r in rows),
    ]


def render_history(hist: dict[str, Any] | None) -> list[str]:
    """The history section: the plan table, the targets, the 20-segment call, the hook."""
    if not hist:
        return []
    if "targets" not in hist:  # a result file written before the per-grid table
        return [
            "## History",
            "",
            "`benchmarks/results/history.json` predates the per-segment, per-grid table; "
            "`python -m benchmarks history` writes it.",
            "",
        ]
    m = hist["machine"]
    settings = hist.get("duckdb_settings") or {}
    limit = f"; DuckDB memory_limit {settings['memory_limit']}" if settings else ""
    lines = [
        f"## History ({hist['scale']}, end {hist['end']})",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores; {m['date']}{limit}; the whole run took "
        f"{hist['total_s'] / 60:.1f} min.  Per reference segment and the seed example, on grids "
        'ending at the data\'s end: the plan `ws.history(..., plan="auto")` chooses, its time '
        f"(median of {hist['repeat']} after a warm-up; one run where the first took over "
        f"{hist['slow_s']:.0f} s; runs in brackets); the other plans forced once (not run where "
        "estimated at many times the rows) and checked to give the same frame; the naive loop "
        f"(`ws.count(as_of=p)` at every point; on the dense grids {hist['naive_sample']} spread "
        "points timed and scaled), checked to give the history's sizes; one as-of count at the "
        "end; the read and order floors (hand-written SQL, see *The floors* below).",
        "",
        "| segment | grid | points | plan | plan s (runs) | other plans s | naive loop s | "
        "one as-of s | read floor s | order floor s | plan ÷ naive | naive ÷ plan | "
        "plan ÷ order floor | plan ÷ one as-of |",
        "|---|---|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        *(_plan_row(r) for r in hist["plans"]),
        "",
        "Targets of issue 16, checked against the table (failing rows listed):",
        "",
        "| target | met | measured | failing rows |",
        "|---|---|---|---|",
    ]
    for t in hist["targets"]:
        failing = "; ".join(t["failing"]) or "—"
        met = {True: "met", False: "not met", None: "not measured"}[t["met"]]
        lines.append(f"| {t['target']} | {met} | {t['measured']} | {failing} |")
    if "twenty_segments_year_daily_s" in hist:
        lines += [
            "",
            f"20 segments × 1 year daily in one `ws.history` call: "
            f"{hist['twenty_segments_year_daily_s']:.0f} s (target < 120 s).",
        ]
    lines += ["", f"Peak memory of the run: {hist['peak_rss_gib']:.2f} GiB (target ≤ 4 GiB)."]
    if hist.get("history_plans"):
        lines += ["", "History plans, repeat calls:", "", *_generic(hist["history_plans"])]
    return [*lines, ""]


def render_scaling(res: dict[str, Any] | None) -> list[str]:
    """The scaling section: per scale and segment, time and memory per contact, growth."""
    if not res:
        return []
    m = res["machine"]
    dbs = "; ".join(
        f"{d['scale']}: {d['contacts']:,} contacts, {d['events']:,} events, {d['file_gib']:.2f} GiB"
        + (f", generated in {d['build_s']:.0f} s" if d.get("build_s") else "")
        for d in res["databases"]
    )
    lines = [
        f"## Scaling ({', '.join(res['scales'])}; end {res['end']})",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores; {m['date']}.  Databases: {dbs}.  Each "
        "segment at each scale runs in a process of its own: one as-of count (median of 3), "
        "`ws.history` over 365 daily and 52 weekly points (auto plan, timed as above), each "
        "checked against an as-of count.  µs/contact = seconds per contact; memory = peak "
        "RSS, and KiB per contact above the process's peak before its first query.  Growth "
        "= the cost's growth from the previous scale ÷ the contacts' growth (1 = linear, "
        "below 1 = better).  The 4M scale is opt-in: `make bench-scale`.",
        "",
        "| segment | scale | as-of s | µs/contact | growth | daily 365 s | µs/contact | growth | "
        "weekly 52 s | µs/contact | growth | peak RSS GiB | KiB/contact | growth |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in sorted(res["rows"], key=lambda r: r["segment"]):
        cells = [r["segment"], r["scale"]]
        for key in ("asof", "daily", "weekly"):
            cells += [
                _fmt(r[f"{key}_s"]),
                f"{r[f'{key}_us_per_contact']:.2f}",
                _ratio(r.get(f"{key}_growth")),
            ]
        cells += [f"{r['peak_rss_gib']:.2f}", f"{r['kib_per_contact']:.2f}"]
        cells.append(_ratio(r.get("memory_growth")))
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, ""]


def render_memory(results: dict[str, dict[str, Any] | None]) -> list[str]:
    """Peak RSS of every benchmark's run (each in a process of its own)."""
    rows = []
    for name, res in results.items():
        if not res:
            continue
        if name == "scaling":
            peak = max((r["peak_rss_gib"] for r in res["rows"]), default=0.0)
            where = "largest of its per-segment processes"
        elif "peak_rss_gib" in res:
            peak, where = res["peak_rss_gib"], "the benchmark's process"
        elif "peak_rss_engine_gib" in res:
            peak, where = res["peak_rss_engine_gib"], "the process, its segment_lab runs only"
        else:
            peak, where = None, "not recorded (the result file predates it: re-run)"
        child = res.get("peak_rss_children_gib") if name != "scaling" else None
        extra = f"; largest child process {child:.2f} GiB" if child else ""
        scale = res.get("scale") or ", ".join(res.get("scales", []))
        shown = "—" if peak is None else f"{peak:.2f}"
        rows.append(f"| {name} | {scale} | {shown} | {where}{extra} |")
    if not rows:
        return []
    return [
        "## Peak memory",
        "",
        "Peak resident memory (`ru_maxrss`) of each benchmark's run; `python -m benchmarks` "
        "runs each benchmark in a process of its own, so no figure includes another's.",
        "",
        "| benchmark | scale | peak RSS GiB | measured over |",
        "|---|---|---:|---|",
        *rows,
        "",
    ]
