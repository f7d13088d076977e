"""The ``segment-lab`` command line (``python -m segment_lab``)."""

from __future__ import annotations

import pytest

from segment_lab.cli import main
from tests.helpers import count_rows


def test_demo_prints_sizes_and_the_planted_alerts(capsys):
    assert main(["demo", "--as-of", "2025-06-30"]) == 0
    out = capsys.readouterr().out
    assert "control-germany-established    64          0" in out
    assert "2025-05-12 [critical] pricing-intent grew" in out
    assert "2025-03-24 [notice] churn-risk grew 71% week over week (102 → 174 contacts" in out
    assert "control-germany" not in out.split("Alerts from")[1]


def test_alerts_command(capsys):
    assert main(["alerts", "--as-of", "2025-04-07", "--weeks", "8"]) == 0
    out = capsys.readouterr().out
    assert "Alerts from 2025-02-10 to 2025-04-07" in out
    assert "2025-03-24 [notice] churn-risk grew 71% week over week (102 → 174 contacts" in out


def test_history_csv_and_sql(capsys, demo_ws):
    args = [
        "history",
        "control-germany-established",
        "--start",
        "2025-06-02",
        "--end",
        "2025-06-16",
    ]
    assert main([*args, "--csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "segment,period,size,entered,exited" and len(lines) == 4
    assert all(line.endswith(",64,0,0") for line in lines[1:])
    assert (
        main(["sql", "newsletter-readers", "--as-of", "2025-06-02", "--dialect", "postgres"]) == 0
    )
    out = capsys.readouterr().out
    seg = demo_ws.catalog["newsletter-readers"]
    assert out == demo_ws.sql(seg, as_of="2025-06-02", dialect="postgres") + "\n"
    assert count_rows(demo_ws, out, "postgres") == demo_ws.count(seg, as_of="2025-06-02") > 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sql", "no-such-segment"], "no-such-segment"),
        (["demo", "--catalog", "/nonexistent/catalog.yaml"], "catalog.yaml"),
        (["alerts", "--every", "fortnight"], "fortnight"),
    ],
)
def test_user_errors_print_one_line_and_exit_2(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("segment-lab: error:") and message in err
    assert "Traceback" not in err
