"""The ``segment-lab`` command line, run as a user runs it: a subprocess per command.

``[sys.executable, "-m", "segment_lab", ...]`` runs the same ``segment_lab.cli:main`` as
the installed ``segment-lab`` console script, from this checkout.  Every command runs on
every data source (the sample, ``--db``, Parquet files, CSV files with ``--bindings``), and
its numbers are compared with the Python API on the same data.  Bad inputs exit 1 with one
line on stderr, no traceback and no file written.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import segment_lab as sl
from tests.helpers import reference_backtest
from tests.reference import Dataset

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DB = ROOT / "datasets" / "generated" / "sample.duckdb"
AS_OF = "2025-06-01"
COMMANDS = (
    "demo", "validate", "count", "history", "trends", "alerts", "backtest", "dashboard", "sql",
)  # fmt: skip


def run(*args: str, cwd: Path = ROOT, stdin=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    return subprocess.run(
        [sys.executable, "-m", "segment_lab", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def data(tmp_path_factory, demo_ws) -> dict[str, Path]:
    """The sample's catalog as YAML; its tables as Parquet; a subset as CSV with other names."""
    root = tmp_path_factory.mktemp("cli-data")
    demo_ws.catalog.save(str(root / "catalog.yaml"))
    t = demo_ws.tables
    frames = {
        "contacts": t.contacts.execute(),
        "events": t.events.execute(),
        "history": t.history.execute(),
    }
    for name, frame in frames.items():
        frame.to_parquet(root / f"{name}.parquet", index=False)
    keep = frames["contacts"]["contact_id"] <= 400
    small = (
        frames["contacts"][keep]
        .drop(columns=["technologies"])
        .rename(columns={"contact_id": "cid"})
    )
    small.to_csv(root / "contacts.csv", index=False)
    ev = frames["events"][frames["events"]["contact_id"] <= 400]
    ev[["contact_id", "event_type", "ts"]].rename(columns={"contact_id": "cid"}).to_csv(
        root / "events.csv", index=False
    )
    small.drop(columns=["cid"]).to_csv(root / "no_id.csv", index=False)
    (root / "bindings.yaml").write_text("contact_id: cid\nstatic: [email, first_name]\n")
    typo = sl.Catalog((sl.Segment("openers", sl.event("email_opens").exists(within="30d")),))
    typo.save(str(root / "typo.yaml"))
    (root / "broken.yaml").write_text("segments: [\n")
    (root / "wrong.yaml").write_text("kind: catalog\nsegments:\n- kind: segment\n  name: x\n")
    (root / "bad_bindings.yaml").write_text("contact_idd: cid\n")
    return {p.name: p for p in root.iterdir()} | {"root": root}


def test_every_command_has_help_with_an_example():
    top = run("--help")
    assert top.returncode == 0 and "examples:" in top.stdout
    for command in COMMANDS:
        out = run(command, "--help")
        assert out.returncode == 0, out.stderr
        assert "example:" in out.stdout and "``" not in out.stdout, command
        options = [line for line in out.stdout.splitlines() if line.strip().startswith("--")]
        assert options and all(len(line.split()) > 1 for line in options), (command, options)


def test_usage_errors_exit_2():
    for argv in ([], ["nonsense"], ["count", "--as-off", "x"], ["dashboard"]):
        out = run(*argv)
        assert out.returncode == 2 and "usage:" in out.stderr and "Traceback" not in out.stderr


def _json(out: subprocess.CompletedProcess):
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_demo_prints_sizes_alerts_and_writes_the_dashboard(tmp_path, demo_ws):
    out = run("demo", "--dashboard", str(tmp_path / "d.html"))
    assert out.returncode == 0, out.stderr
    for seg in demo_ws.catalog:
        assert f"{seg.name} " in out.stdout
    assert "[critical] pricing-intent grew" in out.stdout
    assert str((tmp_path / "d.html").resolve()) in out.stdout
    assert (tmp_path / "d.html").read_text().startswith("<!DOCTYPE html>")
    sizes = _json(run("demo", "--json"))["sizes"]
    assert {r["segment"]: r["size"] for r in sizes} == {
        s.name: demo_ws.count(s) for s in demo_ws.catalog
    }


@pytest.mark.parametrize("source", ["sample", "db", "parquet"])
def test_count_on_every_data_source(data, demo_ws, source):
    where = {
        "sample": [],
        "db": ["--db", str(SAMPLE_DB)],
        "parquet": [
            "--contacts",
            str(data["contacts.parquet"]),
            "--events",
            str(data["events.parquet"]),
            "--history",
            str(data["history.parquet"]),
        ],
    }[source]
    rows = _json(run("count", str(data["catalog.yaml"]), "--as-of", AS_OF, "--json", *where))
    assert [r["segment"] for r in rows] == list(demo_ws.catalog.names)
    assert [r["size"] for r in rows] == [demo_ws.count(s, AS_OF) for s in demo_ws.catalog]


def test_csv_files_with_bindings(data, demo_ws):
    contacts = pd.read_csv(data["contacts.csv"], parse_dates=["created_at"])
    events = pd.read_csv(data["events.csv"], parse_dates=["ts"])
    bindings = sl.Bindings(contact_id="cid", static=("email", "first_name"))
    ws = sl.Workspace.from_pandas(contacts, events, bindings=bindings)
    seg = sl.event("email_open").count(within="30d") >= 2
    cat = sl.Catalog((sl.Segment("readers", seg),))
    cat.save(str(data["root"] / "readers.yaml"))
    files = [
        "--contacts",
        str(data["contacts.csv"]),
        "--events",
        str(data["events.csv"]),
        "--bindings",
        str(data["bindings.yaml"]),
    ]
    rows = _json(
        run("count", str(data["root"] / "readers.yaml"), "--as-of", AS_OF, "--json", *files)
    )
    assert rows[0]["size"] == ws.count(seg, AS_OF) > 0
    out = run("validate", str(data["root"] / "readers.yaml"), *files)
    assert out.returncode == 0 and "OK" in out.stdout, out.stderr


@pytest.mark.parametrize("suffix", [".csv", ".json", ".parquet"])
def test_history_writes_each_format(tmp_path, data, demo_ws, suffix):
    target = tmp_path / f"h{suffix}"
    out = run(
        "history",
        str(data["catalog.yaml"]),
        "--db",
        str(SAMPLE_DB),
        "--segment",
        "churn-risk",
        "--start",
        "2025-05-01",
        "--end",
        AS_OF,
        "--every",
        "1w",
        "-o",
        str(target),
    )
    assert out.returncode == 0, out.stderr
    read = {".csv": pd.read_csv, ".json": pd.read_json, ".parquet": pd.read_parquet}[suffix]
    got = read(target)
    want = demo_ws.history(demo_ws.catalog["churn-risk"], "2025-05-01", AS_OF, "1w")
    assert got["size"].tolist() == want["size"].tolist()
    assert got["entered"].tolist() == want["entered"].tolist()
    assert set(got["segment"]) == {"churn-risk"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_trends_alerts_sql_and_dashboard(tmp_path, data, demo_ws):
    cat = str(data["catalog.yaml"])
    grid = ["--start", "2025-01-06", "--end", "2025-05-19", "--every", "1w"]
    rows = _json(run("trends", cat, "--segment", "pricing-intent", *grid, "--json"))
    want = demo_ws.history(demo_ws.catalog["pricing-intent"], "2025-01-06", "2025-05-19", "1w")
    assert [r["size"] for r in rows] == want["size"].tolist()
    found = _json(run("alerts", cat, "--segment", "pricing-intent", *grid, "--json"))
    assert [(r["period"][:10], r["severity"]) for r in found] == [
        ("2025-05-12", "critical"),
        ("2025-05-19", "critical"),
    ]
    text = run("alerts", cat, *grid).stdout
    assert "2025-05-12 [critical] pricing-intent grew" in text
    sql = run(
        "sql", "newsletter-readers", "--catalog", cat, "--as-of", AS_OF, "--dialect", "postgres"
    )
    seg = demo_ws.catalog["newsletter-readers"]
    assert sql.stdout == demo_ws.sql(seg, as_of=AS_OF, dialect="postgres") + "\n"
    page = tmp_path / "d.html"
    out = _json(
        run(
            "dashboard",
            cat,
            "--db",
            str(SAMPLE_DB),
            "--segment",
            "churn-risk",
            "--start",
            "2025-05-01",
            "--end",
            AS_OF,
            "--every",
            "1w",
            "-o",
            str(page),
            "--json",
        )
    )
    assert out["written"] == str(page.resolve()) and out["bytes"] == page.stat().st_size
    size = demo_ws.count(demo_ws.catalog["churn-risk"], AS_OF)
    assert f'data-size="{size}"' in page.read_text()


def test_piped_into_head_exits_quietly(data):
    cmd = f"{sys.executable} -m segment_lab history --start 2024-01-01 --every 1d | head -n 2"
    out = subprocess.run(
        cmd,
        shell=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=300,
    )
    assert out.returncode == 0 and len(out.stdout.splitlines()) == 2
    assert "Traceback" not in out.stderr and "BrokenPipe" not in out.stderr


#: A backtest of two demo segments from 2025-05-05 with an output file (its bad inputs).
BT = ["backtest", "--start", "2025-05-05", "--segment", "churn-risk", "--segment", "dormant",
      "-o", "{root}/b.csv"]  # fmt: skip

BAD = {
    "missing catalog": (["count", "{root}/missing.yaml"], "missing.yaml"),
    "malformed catalog": (["count", "{broken_yaml}"], "YAML"),
    "invalid catalog": (["validate", "{wrong_yaml}"], "rule"),
    "unknown segment": (["sql", "churn-rsk"], "Did you mean 'churn-risk'"),
    "bad date": (["count", "--as-of", "2025-13-45"], "2025-13-45"),
    "bad every": (["history", "--every", "fortnight"], "fortnight"),
    "end before start": (["history", "--start", "2025-06-30", "--end", "2025-01-01"], "before"),
    "unwritable output": (["history", "-o", "{root}/no/such/dir/h.csv"], "does not exist"),
    "unknown output format": (["history", "-o", "{root}/h.xlsx"], ".parquet"),
    "dashboard not html": (["dashboard", "-o", "{root}/d.txt"], ".html"),
    "dashboard bad every": (["dashboard", "--every", "0d", "-o", "{root}/d.html"], "0d"),
    "missing db": (["count", "{catalog_yaml}", "--db", "{root}/none.duckdb"], "none.duckdb"),
    "not a duckdb file": (["count", "{catalog_yaml}", "--db", "{broken_yaml}"], "DuckDB"),
    "missing contacts": (
        ["count", "{catalog_yaml}", "--contacts", "{root}/c.parquet"],
        "c.parquet",
    ),
    "csv without contact_id": (
        ["count", "{catalog_yaml}", "--contacts", "{no_id_csv}"],
        "contact_id",
    ),
    "unknown bindings key": (
        [
            "count",
            "{catalog_yaml}",
            "--contacts",
            "{contacts_csv}",
            "--bindings",
            "{bad_bindings_yaml}",
        ],
        "contact_id",
    ),
    "events without contacts": (
        ["count", "{catalog_yaml}", "--events", "{events_csv}"],
        "--contacts",
    ),
    "event type never occurs": (["validate", "{typo_yaml}", "--db", str(SAMPLE_DB)], "email_open"),
    "backtest unknown outcome event": (
        [*BT, "--outcome", "event:purchse", "--horizon", "4w"],
        "Did you mean 'purchase'",
    ),
    "backtest outcome without kind": (
        [*BT, "--outcome", "purchase", "--horizon", "4w"],
        "Did you mean 'event:purchase'",
    ),
    "backtest unknown outcome segment": (
        [*BT, "--outcome", "segment:dormnt", "--horizon", "4w"],
        "Did you mean 'dormant'",
    ),
    "backtest bad outcome where": (
        [*BT, "--outcome", "event:purchase", "--outcome-where", "[1, 2]", "--horizon", "4w"],
        "--outcome-where",
    ),
    "backtest outcome where unknown column": (
        [
            *BT,
            "--outcome",
            "event:purchase",
            "--horizon",
            "4w",
            "--outcome-where",
            "{{kind: compare, field: amount, op: '>', value: 1}}",
        ],
        "'amount'",
    ),
    "backtest bad horizon": ([*BT, "--outcome", "event:purchase", "--horizon", "4x"], "'4x'"),
    "backtest nothing complete": (
        [*BT, "--outcome", "event:purchase", "--horizon", "52w"],
        "No complete snapshot",
    ),
    "backtest unwritable output": (
        [*BT[:-2], "--outcome", "event:purchase", "--horizon", "4w", "-o", "{root}/no/b.csv"],
        "does not exist",
    ),
    "dashboard backtest without horizon": (
        ["dashboard", "--backtest-outcome", "event:purchase", "-o", "{root}/d.html"],
        "--horizon",
    ),
    "backtest negative audit": (
        [*BT, "--outcome", "event:purchase", "--horizon", "4w", "--audit", "-1"],
        "audit",
    ),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_input_exits_1_with_one_line_and_no_file(tmp_path, data, case):
    argv, needle = BAD[case]
    names = {k.replace(".", "_"): str(v) for k, v in data.items()}
    names["root"] = str(tmp_path)
    before = sorted(data["root"].iterdir())
    out = run(*(a.format(**names) for a in argv), cwd=tmp_path)
    assert out.returncode == 1, (out.returncode, out.stderr)
    lines = [
        line for line in out.stderr.splitlines() if not line.startswith("segment-lab: warning")
    ]
    assert len(lines) == 1 and lines[0].startswith("segment-lab: error: "), out.stderr
    assert needle in lines[0] and "Traceback" not in out.stderr
    assert out.stdout == "" and list(tmp_path.iterdir()) == []
    assert sorted(data["root"].iterdir()) == before


# -- backtest --------------------------------------------------------------------------------


def small_data() -> Dataset:
    """40 contacts (some created during the grid) and their events, drawn with a fixed seed."""
    rng = random.Random(14)
    t0 = dt.datetime(2024, 3, 1)
    contacts = [
        {"contact_id": i, "created_at": t0 + dt.timedelta(hours=rng.randrange(-48, 200)),
         "city": rng.choice(["Tokyo", "Paris"]), "points": rng.randrange(10)}
        for i in range(1, 41)
    ]  # fmt: skip
    events = [
        {"contact_id": rng.randrange(1, 42), "event_type": rng.choice(["email_open", "purchase"]),
         "ts": t0 + dt.timedelta(hours=rng.randrange(0, 360)), "value": float(rng.randrange(10))}
        for _ in range(160)
    ]  # fmt: skip
    return Dataset(contacts, events)


SMALL_CATALOG = sl.Catalog((
    sl.Segment("openers", sl.event("email_open").exists(within="2d")),
    sl.Segment("tokyo", sl.field("city") == "Tokyo"),
    sl.Segment("tokyo-buyers", sl.in_segment("tokyo") & sl.event("purchase").exists()),
))  # fmt: skip


@pytest.fixture(scope="module")
def small_files(tmp_path_factory) -> dict[str, str]:
    """:func:`small_data` as Parquet files and its catalog as YAML."""
    root = tmp_path_factory.mktemp("cli-small")
    frames = small_data().to_frames()
    frames["contacts"].to_parquet(root / "contacts.parquet", index=False)
    frames["events"].to_parquet(root / "events.parquet", index=False)
    SMALL_CATALOG.save(str(root / "catalog.yaml"))
    return {
        "catalog": str(root / "catalog.yaml"),
        "data": ["--contacts", str(root / "contacts.parquet"), "--events",
                 str(root / "events.parquet")],
    }  # fmt: skip


def _rows(records: list[dict]) -> list[dict]:
    import math

    out = []
    for r in records:
        row = {k: (math.nan if v is None else v) for k, v in r.items()}
        row["snapshot"] = dt.datetime.fromisoformat(r["snapshot"].removesuffix("Z"))
        out.append(row)
    return sorted(out, key=lambda r: (r["segment"], r["snapshot"]))


BACKTESTS = {
    # outcome option, the reference's outcome, now, partial
    "event": ("event:purchase", sl.event("purchase"), "2024-03-12", False),
    "event where, partial": (
        "event:purchase,email_open",
        sl.event(["purchase", "email_open"]).where(sl.field("value") >= 5),
        "2024-03-10 12:00",
        True,
    ),
    "segment": ("segment:tokyo", SMALL_CATALOG["tokyo"], "2024-03-14", False),
}


@pytest.mark.parametrize("case", list(BACKTESTS), ids=list(BACKTESTS))
def test_backtest_matches_the_reference(small_files, case):
    """The command's numbers against the plain-Python reference (not against sl.backtest)."""
    import math

    option, outcome, now, partial = BACKTESTS[case]
    where = (
        ["--outcome-where", '{"kind": "compare", "field": "value", "op": ">=", "value": 5}']
        if "where" in case
        else []
    )
    argv = [
        "backtest", small_files["catalog"], *small_files["data"], "--outcome", option, *where,
        "--start", "2024-03-01", "--end", "2024-03-09 18:00", "--every", "12h",
        "--horizon", "2d", "--now", now, "--json", *(["--partial"] if partial else []),
    ]  # fmt: skip
    got = _rows(_json(run(*argv)))
    t = sl.Workspace.demo().instant  # parses the instants as the command line does
    expected = reference_backtest(
        list(SMALL_CATALOG), outcome, (t("2024-03-01"), t("2024-03-09 18:00"), "12h"), "2d",
        t(now), small_data(), SMALL_CATALOG, partial,
    )  # fmt: skip
    expected = sorted(expected, key=lambda r: (r["segment"], r["snapshot"]))
    assert len(got) == len(expected) > 0
    assert sum(r["true_positives"] for r in expected) > 0  # the case says something
    for g, e in zip(got, expected):
        assert set(g) == set(e)
        for c, v in e.items():
            same = (
                math.isclose(g[c], v, rel_tol=1e-9, abs_tol=1e-12)
                or (math.isnan(v) and math.isnan(g[c]))
                if isinstance(v, float)
                else g[c] == v
            )
            assert same, (e["segment"], e["snapshot"], c, g[c], v)


def test_backtest_text_summary_and_files(tmp_path, small_files):
    base = [
        "backtest", small_files["catalog"], *small_files["data"], "--outcome", "event:purchase",
        "--start", "2024-03-01", "--end", "2024-03-09", "--every", "1d", "--horizon", "2d",
        "--now", "2024-03-10",
    ]  # fmt: skip
    text = run(*base)
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("Backtest of event:purchase over 2d after each snapshot:")
    assert "2024-03-08" in text.stdout and "2024-03-09" not in text.stdout  # incomplete
    assert "1 of 9 snapshots are incomplete" in text.stderr and "pass --partial" in text.stderr
    pooled = _json(run(*base, "--summary", "--json"))
    rows = _rows([{**r, "snapshot": "2024-01-01"} for r in pooled])
    assert {r["segment"] for r in rows} == set(SMALL_CATALOG.names)
    assert all(r["snapshots"] == 8 for r in rows) and all("q_value" in r for r in rows)
    target = tmp_path / "b.parquet"
    out = run(*base, "-o", str(target))
    assert out.returncode == 0 and f"Wrote 24 rows to {target}" in out.stdout, out.stderr
    frame = pd.read_parquet(target)
    pooled_members = {r["segment"]: r["members"] for r in pooled}
    assert frame.groupby("segment")["members"].sum().to_dict() == pooled_members
    assert len(frame) == 24 and list(frame.columns[:4]) == [
            "segment", "snapshot", "population", "members",
        ]  # fmt: skip


def test_dashboard_with_a_backtest_section(tmp_path, small_files):
    page = tmp_path / "d.html"
    out = run(
        "dashboard", small_files["catalog"], *small_files["data"], "--now", "2024-03-16",
        "--start", "2024-03-01", "--every", "1d", "--backtest-outcome", "event:purchase",
        "--backtest-where", "{kind: compare, field: value, op: '>=', value: 5}",
        "--horizon", "2d", "-o", str(page),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "2 of 16 snapshots are incomplete" in out.stderr and "--partial" not in out.stderr
    html = page.read_text()
    assert 'id="backtest"' in html and "made a purchase (where Value" in html
    assert html.count('class="vega"') == len(SMALL_CATALOG) + 2 + 1
