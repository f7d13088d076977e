"""The ``segment-lab`` command line, run as a user runs it: a subprocess per command.

``[sys.executable, "-m", "segment_lab", ...]`` runs the same ``segment_lab.cli:main`` as
the installed ``segment-lab`` console script, from this checkout.  Every command runs on
every data source (the sample, ``--db``, Parquet files, CSV files with ``--bindings``), and
its numbers are compared with the Python API on the same data.  Bad inputs exit 1 with one
line on stderr, no traceback and no file written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import segment_lab as sl

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DB = ROOT / "datasets" / "generated" / "sample.duckdb"
AS_OF = "2025-06-01"
COMMANDS = ("demo", "validate", "count", "history", "trends", "alerts", "dashboard", "sql")


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
