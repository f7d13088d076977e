"""The ``segment-lab`` argument parser: every command, every option with its help."""

from __future__ import annotations

import argparse

from segment_lab.cli import _commands as cmd
from segment_lab.cli import _mautic

DATA_HELP = """\
data (default: the generated sample, built on first use):
  --db FILE.duckdb                      a DuckDB file with contacts, events, contact_history
  --contacts F [--events F] [--history F]   Parquet or CSV files (globs allowed)
"""


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


def _common() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("data and output")
    g.add_argument("--db", metavar="FILE", help="a DuckDB file holding the tables")
    g.add_argument("--contacts", metavar="FILE", help="contacts as a Parquet or CSV file")
    g.add_argument("--events", metavar="FILE", help="events as a Parquet or CSV file (or glob)")
    g.add_argument(
        "--history", metavar="FILE", help="contact_history (SCD2) as a Parquet or CSV file"
    )
    g.add_argument("--bindings", metavar="YAML", help="column names, e.g. a line 'contact_id: id'")
    g.add_argument("--now", metavar="TIME", help="the instant 'now' (default: the data's own)")
    g.add_argument("--json", action="store_true", help="print JSON for scripts, not text")
    g.add_argument(
        "--no-progress",
        dest="progress",
        action="store_false",
        help="no progress bar (there is none anyway when stderr is not a terminal)",
    )
    return p


def _grid(p: argparse.ArgumentParser, start: str, every: str) -> None:
    p.add_argument("--start", default=start, help=f"first period (default {start})")
    p.add_argument("--end", default=None, help="last instant (default: now)")
    p.add_argument("--every", default=every, help=f"period length, e.g. 1d, 1w (default {every})")


def _segment_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--segment",
        action="append",
        metavar="NAME",
        help="only this segment of the catalog (repeat for several; default all)",
    )


def _catalog_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "catalog",
        nargs="?",
        metavar="CATALOG",
        help="catalog .yaml or .json (default with the sample data: the demo catalog)",
    )


def _command(sub, name: str, func, help: str, example: str) -> argparse.ArgumentParser:
    p = sub.add_parser(
        name,
        parents=[_common()],
        help=help,
        description=f"{help}.\n\n{DATA_HELP}",
        epilog=f"example:\n  {example}",
        formatter_class=_formatter,
    )
    p.set_defaults(func=func)
    return p


def build() -> argparse.ArgumentParser:
    """Return the parser of the ``segment-lab`` command line."""
    p = argparse.ArgumentParser(
        prog="segment-lab",
        description="Measurable marketing segments from the shell: sizes, history, alerts, "
        "dashboards and SQL.\nExit status: 0 success, 1 an error you can fix (one line), "
        "2 a usage error, 3 an internal error (please report it).",
        epilog="examples:\n  segment-lab demo\n  segment-lab count catalog.yaml --db crm.duckdb"
        "\n  segment-lab COMMAND --help",
        formatter_class=_formatter,
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    d = _command(
        sub,
        "demo",
        cmd.demo,
        "Print the demo catalog's sizes and alerts",
        "segment-lab demo --dashboard demo.html",
    )
    d.add_argument("--as-of", default=None, help="the instant (default: now)")
    d.add_argument("--dashboard", metavar="FILE.html", help="also write the dashboard here")
    d.set_defaults(catalog=None)

    v = _command(
        sub,
        "validate",
        cmd.validate,
        "Check a catalog (and, given data, that the data has what it reads)",
        "segment-lab validate catalog.yaml --db crm.duckdb",
    )
    v.add_argument("catalog", metavar="CATALOG", help="catalog .yaml or .json")

    c = _command(
        sub,
        "count",
        cmd.count,
        "Print segment sizes at one instant",
        "segment-lab count catalog.yaml --as-of 2025-06-01 --json",
    )
    _catalog_arg(c)
    c.add_argument("--as-of", default=None, help="the instant (default: now)")
    _segment_option(c)

    h = _command(
        sub,
        "history",
        cmd.history,
        "Size, entries and exits per period",
        "segment-lab history catalog.yaml --start -90d --every 1w -o history.parquet",
    )
    _catalog_arg(h)
    _grid(h, "-90d", "1d")
    h.add_argument(
        "-o", "--output", metavar="FILE", help="write .csv, .json or .parquet instead of printing"
    )
    h.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    _segment_option(h)

    t = _command(
        sub,
        "trends",
        cmd.trends,
        "Net change, growth and entry/exit rates",
        "segment-lab trends catalog.yaml --start -26w --every 1w",
    )
    _catalog_arg(t)
    _grid(t, "-26w", "1w")
    _segment_option(t)

    a = _command(
        sub,
        "alerts",
        cmd.alerts,
        "Unusual net flows in plain language",
        "segment-lab alerts catalog.yaml --start -38w --every 1w",
    )
    _catalog_arg(a)
    _grid(a, "-38w", "1w")
    _segment_option(a)

    bt = _command(
        sub,
        "backtest",
        cmd.backtest,
        "Would the definitions have predicted the outcome? Members against everyone, per snapshot",
        "segment-lab backtest catalog.yaml --outcome event:purchase --start -26w --end -4w "
        "--every 1w --horizon 4w --summary",
    )
    _catalog_arg(bt)
    bt.add_argument(
        "--outcome",
        required=True,
        metavar="OUTCOME",
        help="event:TYPE[,TYPE] (at least one such event in (t, t + horizon]) or "
        "segment:NAME (a catalog segment: a member at t + horizon)",
    )
    bt.add_argument(
        "--outcome-where",
        metavar="RULE",
        help="only events matching this rule on their columns, as JSON or YAML, e.g. "
        "'{kind: compare, field: value, op: \">\", value: 100}'",
    )
    bt.add_argument(
        "--horizon",
        required=True,
        help="how far the outcome looks forward, e.g. 30d, 4w, 1mo (calendar months)",
    )
    _grid(bt, "-26w", "1w")
    bt.add_argument(
        "--partial",
        action="store_true",
        help="keep snapshots whose t + horizon is after now (flagged) instead of leaving them out",
    )
    bt.add_argument(
        "--audit",
        type=int,
        default=0,
        metavar="K",
        help="re-check membership at K snapshots on data truncated there (look-ahead audit)",
    )
    bt.add_argument(
        "--summary", action="store_true", help="the pooled table per segment, ranked by lift"
    )
    bt.add_argument(
        "-o", "--output", metavar="FILE", help="write .csv, .json or .parquet instead of printing"
    )
    _segment_option(bt)

    b = _command(
        sub,
        "dashboard",
        cmd.dashboard,
        "Write the offline HTML dashboard",
        "segment-lab dashboard catalog.yaml --db crm.duckdb -o dashboard.html",
    )
    _catalog_arg(b)
    _grid(b, "-90d", "1d")
    b.add_argument("-o", "--output", required=True, metavar="FILE.html", help="the file to write")
    b.add_argument("--title", default=None, help="the page title")
    b.add_argument(
        "--backtest-outcome",
        metavar="OUTCOME",
        help="add a backtest section on the charts' grid: event:TYPE[,TYPE] or segment:NAME "
        "(as for the backtest command; needs --horizon)",
    )
    b.add_argument(
        "--backtest-where", metavar="RULE", help="the backtest's --outcome-where (JSON or YAML)"
    )
    b.add_argument("--horizon", help="the backtest's horizon, e.g. 28d")
    _segment_option(b)

    s = _command(
        sub,
        "sql",
        cmd.sql,
        "Print the SQL of one segment",
        "segment-lab sql churn-risk --catalog catalog.yaml --dialect postgres",
    )
    s.add_argument("segment", metavar="SEGMENT", help="the segment's name")
    s.add_argument(
        "--catalog",
        default=None,
        help="catalog .yaml or .json (default with the sample data: the demo catalog)",
    )
    s.add_argument("--as-of", default=None, help="the instant (default: now)")
    s.add_argument(
        "--dialect",
        default=None,
        help="SQL dialect, e.g. postgres, bigquery, snowflake (default: duckdb)",
    )
    _mautic.add(sub, _formatter)
    return p
