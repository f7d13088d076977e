"""``segment-lab mautic import`` and ``export``, run as a user runs them (a subprocess each).

The catalog the command writes is compared with the Python API's import of the same JSON,
and its members on the fixture Mautic database with members written by hand.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import duckdb
import ibis
import pytest

import segment_lab as sl
from segment_lab.interop.mautic import catalog_from_mautic
from tests.mautic_rows import NOW, load_duckdb

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    return subprocess.run(
        [sys.executable, "-m", "segment_lab", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def _filter(field, op, value, kind):
    return {"glue": "and", "field": field, "object": "lead", "type": kind, "operator": op,
            "properties": {"filter": value}}  # fmt: skip


SEGMENTS = {"total": 2, "lists": {
    "1": {"id": 1, "name": "Prague", "alias": "prague",
          "filters": [_filter("city", "startsWith", "Prague", "text")]},
    "2": {"id": 2, "name": "Prague VIPs", "alias": "prague-vips",
          "filters": [_filter("leadlist", "in", [1], "leadlist"), _filter("tags", "in", [1], "tags")]},
}}  # fmt: skip


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("mautic-cli")
    (root / "segments.json").write_text(json.dumps(SEGMENTS))
    bad = {"lists": [{"alias": "x", "filters": [
        {"glue": "and", "field": "sessions", "operator": "gt", "properties": {"filter": 2}},
        {"glue": "and", "field": "campaign", "operator": "in", "properties": {"filter": [1]}}]}]}  # fmt: skip
    (root / "bad.json").write_text(json.dumps(bad))
    (root / "broken.json").write_text("{not json")
    return root


def test_import_writes_the_catalog(files):
    out = run("mautic", "import", "segments.json", "-o", "catalog.yaml", cwd=files)
    assert out.returncode == 0, out.stderr
    assert "wrote 2 segment(s) to catalog.yaml" in out.stdout
    written = sl.Catalog.load(str(files / "catalog.yaml"))
    assert written == catalog_from_mautic(SEGMENTS)
    con = duckdb.connect()
    load_duckdb(con)
    ws = sl.Workspace.from_mautic_db(ibis.duckdb.from_connection(con), written, now=NOW)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sl.errors.SegmentLabWarning)
        got = sorted(ws.members(written["prague-vips"]).execute()["contact_id"])
    # by hand: Prague* is 1, 2, 6; minus 6 removed by hand, plus 8 added by hand: 1, 2, 8;
    # of those tag 1 (1, 6, 7): 1
    assert got == [1]


def test_export_round_trips(files):
    run("mautic", "import", "segments.json", "-o", "catalog.yaml", cwd=files)
    out = run("mautic", "export", "catalog.yaml", "-o", "out.json", cwd=files)
    assert out.returncode == 0, out.stderr
    exported = json.loads((files / "out.json").read_text())
    assert [s["alias"] for s in exported["lists"]] == ["prague", "prague-vips"]
    assert exported["lists"][1]["filters"][0]["field"] == "leadlist"
    assert catalog_from_mautic(exported) == catalog_from_mautic(SEGMENTS)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ("mautic", "import", "bad.json", "-o", "never.yaml"),
            ["2 Mautic filter(s)", "sessions", "campaign"],
        ),
        (("mautic", "import", "broken.json", "-o", "never.yaml"), ["not JSON"]),
        (("mautic", "export", "never.yaml"), ["never.yaml"]),
        (("mautic", "export", "segments.json", "--id", "prague"), ["NAME=ID"]),
    ],
)
def test_errors_are_one_line_and_write_nothing(files, args, words):
    if args[1] == "export" and args[2] == "segments.json":
        run("mautic", "import", "segments.json", "-o", "segments.json.yaml", cwd=files)
        args = ("mautic", "export", "segments.json.yaml", "--id", "prague")
    out = run(*args, cwd=files)
    assert out.returncode == 1
    assert out.stderr.startswith("segment-lab: error:") and out.stderr.count("\n") == 1
    assert "Traceback" not in out.stderr
    for word in words:
        assert word in out.stderr
    assert not (files / "never.yaml").exists()


def test_help_has_examples_and_usage_errors_exit_2(tmp_path):
    assert "mautic" in run("--help", cwd=tmp_path).stdout
    for argv in (("mautic",), ("mautic", "import"), ("mautic", "exportt", "x")):
        out = run(*argv, cwd=tmp_path)
        assert out.returncode == 2 and "usage:" in out.stderr and "Traceback" not in out.stderr
    for sub in ("import", "export"):
        out = run("mautic", sub, "--help", cwd=tmp_path)
        assert out.returncode == 0 and "example:" in out.stdout
        assert "-o FILE, --output FILE" in out.stdout
