"""Helpers shared by several test modules (test modules never import each other).

* the Hypothesis settings and the ``with_history`` parametrisation of the differential
  suites (``test_differential``, ``test_analytics_reference``);
* :func:`dataset_workspace`: a reference :class:`~tests.reference.Dataset` as an engine
  workspace;
* :func:`count_rows`: run a workspace's SQL text (any dialect sqlglot reads) on its
  DuckDB connection;
* :func:`reference_backtest`: a backtest computed with ``tests/reference.py`` (for the
  backtest's differential test and the CLI's);
* :func:`assert_matches_snapshot`: compare a text with a pinned file under
  ``tests/snapshots/``, or rewrite the file when ``SEGMENT_LAB_UPDATE_SNAPSHOTS=1``.

The shared fixtures built from these (the demo workspace, the hand-computed dataset as a
workspace, ...) are in ``tests/conftest.py``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import os
from pathlib import Path
from typing import Any

import ibis
import pytest
import sqlglot
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

import segment_lab as sl
import tests.reference as reference
from segment_lab.model import Catalog, Duration, Segment
from tests.reference import Dataset
from tests.strategies_data import EVENT_TYPES

# -- the differential suites ----------------------------------------------------------------

#: ``SEGMENT_LAB_DIFF_EXAMPLES=5000`` runs every differential test with that many examples
DIFF_SCALE = int(os.environ.get("SEGMENT_LAB_DIFF_EXAMPLES", "0"))
#: ``SEGMENT_LAB_DIFF_RANDOM=1`` draws fresh examples each run instead of the fixed ones
DIFF_RANDOM = os.environ.get("SEGMENT_LAB_DIFF_RANDOM") == "1"


def diff_settings(examples: int) -> settings:
    """Hypothesis settings of a differential test: ``examples`` cases, reproducibly."""
    return settings(
        max_examples=DIFF_SCALE or examples,
        deadline=None,
        derandomize=not DIFF_RANDOM,
        database=None,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


WITH_HISTORY = pytest.mark.parametrize("with_history", [False, True], ids=["plain", "scd2"])
#: Every history plan, forced (a differential test parametrized by it splits its examples).
PLAN_NAMES = ("intervals", "batched", "bitmask")
PLANS = pytest.mark.parametrize("plan", PLAN_NAMES)


def split_examples(data, plan: str) -> None:
    """Make the examples of one plan differ from the other's.

    Derandomized Hypothesis draws the same examples for every parametrization, so a
    test split between plans would test fewer cases; one extra draw first per plan after
    the first shifts what each draws next.
    """
    for _ in range(PLAN_NAMES.index(plan)):
        data.draw(st.integers(0, 2**16), label="split")


def dataset_workspace(
    data: Dataset, catalog: sl.Catalog | None = None, validate: bool = True
) -> sl.Workspace:
    """The dataset as in-memory Ibis tables (default DuckDB backend).

    The event types the strategies draw are declared (``Bindings(event_types=...)``): a
    small drawn dataset may lack some, and a rule on them then rightly counts 0.
    """
    frames = data.to_frames()
    history = frames["contact_history"]
    return sl.Workspace.from_ibis(
        contacts=ibis.memtable(frames["contacts"]),
        events=ibis.memtable(frames["events"]),
        contact_history=None if history is None else ibis.memtable(history),
        bindings=sl.Bindings(event_types=EVENT_TYPES),
        catalog=catalog,
        validate=validate,
    )


def count_rows(ws: sl.Workspace, sql: str, dialect: str = "duckdb") -> int:
    """The number of rows ``sql`` selects, run on ``ws``'s DuckDB connection.

    SQL in another dialect is transpiled to DuckDB's by sqlglot first, so a Postgres or
    Snowflake rendering is checked for what it selects without a server of that kind.
    """
    if dialect != "duckdb":
        sql = sqlglot.transpile(sql, read=dialect, write="duckdb")[0]
    backend = ws.tables.contacts.get_backend()
    return backend.raw_sql(f"SELECT COUNT(*) FROM ({sql}) AS rows_of_sql").fetchone()[0]


# -- snapshot files -------------------------------------------------------------------------

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
#: set to ``1`` to rewrite every snapshot file a test compares with
UPDATE_SNAPSHOTS = "SEGMENT_LAB_UPDATE_SNAPSHOTS"


def assert_matches_snapshot(path: Path, text: str) -> None:
    """``text`` (plus a final newline) must be exactly the content of ``path``.

    On a mismatch the failure shows a unified diff (pinned -> generated) and how to
    accept the new text; with ``SEGMENT_LAB_UPDATE_SNAPSHOTS=1`` the file is rewritten
    instead (review the change with ``git diff tests/snapshots``).
    """
    text = text.rstrip("\n") + "\n"
    if os.environ.get(UPDATE_SNAPSHOTS) == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text() != text:
            path.write_text(text)
        return
    shown = path.relative_to(SNAPSHOTS.parent.parent)
    how = (
        f"If the change is intended, rewrite the snapshots with "
        f"{UPDATE_SNAPSHOTS}=1 python -m pytest -n 0 tests/test_sql_snapshots.py "
        f"and review `git diff tests/snapshots`."
    )
    if not path.is_file():
        pytest.fail(f"No snapshot file {shown}. {how}", pytrace=False)
    pinned = path.read_text()
    if pinned != text:
        diff = difflib.unified_diff(
            pinned.splitlines(keepends=True),
            text.splitlines(keepends=True),
            fromfile=f"{shown} (pinned)",
            tofile=f"{shown} (generated)",
        )
        pytest.fail(
            f"{shown} differs from the generated text:\n{''.join(diff)}\n{how}", pytrace=False
        )


def _dsl_namespace() -> dict:
    """Return the names the code of ``segment_lab.dsl.to_python`` needs (its PYTHON_IMPORTS)."""
    from segment_lab.model._python import PYTHON_IMPORTS

    namespace: dict = {}
    exec(PYTHON_IMPORTS, namespace)
    return namespace


#: What ``eval(segment_lab.dsl.to_python(rule), DSL_NAMESPACE)`` evaluates in.
DSL_NAMESPACE = _dsl_namespace()
#: Strings that would run script if a page inserted them as HTML.
HOSTILE = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')


def hostile_workspace() -> tuple[sl.Workspace, sl.Catalog]:
    """A small workspace whose segment names, descriptions and values are :data:`HOSTILE`.

    Twenty contacts in two cities named after the hostile strings, half of them opening an
    email every few days over 60 days; a catalog of two segments named and described with
    those strings (one references the other's name).
    """
    import pandas as pd

    ids = list(range(1, 21))
    contacts = pd.DataFrame(
        {
            "contact_id": ids,
            "email": [f"{HOSTILE[i % 2]}{i}@example.com" for i in ids],
            "city": [HOSTILE[i % 2] for i in ids],
            "created_at": pd.Timestamp("2025-01-01"),
        }
    )
    days = pd.date_range("2025-03-01", "2025-04-29", freq="3D")
    events = pd.DataFrame(
        [
            {"contact_id": c, "event_type": "email_open", "ts": t + pd.Timedelta(hours=c)}
            for c in ids[:10]
            for t in days[c % 3 :: 2]
        ]
    )
    first = sl.Segment(
        HOSTILE[0], sl.field("city") == HOSTILE[1], description=HOSTILE[1], tags=(HOSTILE[0],)
    )
    second = sl.Segment(
        HOSTILE[1],
        sl.event("email_open").exists(within="7d") | sl.in_segment(HOSTILE[0]),
        description=HOSTILE[0],
    )
    catalog = sl.Catalog((first, second))
    bindings = sl.Bindings(static=("city", "email"))
    ws = sl.Workspace.from_pandas(
        contacts, events, now="2025-04-30", catalog=catalog, bindings=bindings
    )
    return ws, catalog


# -- the backtest reference --------------------------------------------------------------

#: The 97.5% normal quantile of the Wilson intervals.
Z = 1.959963984540054
#: The counts of a backtest row.
BACKTEST_COUNTS = ("population", "members", "positives", "true_positives")


def _div(a: float, b: float) -> float:
    return a / b if b else math.nan


def _wilson(x: int, n: int) -> tuple[float, float]:
    """``(x + z²/2 ± z·sqrt(x(n-x)/n + z²/4)) / (n + z²)``."""
    if n == 0:
        return math.nan, math.nan
    root = Z * math.sqrt(x * (n - x) / n + Z * Z / 4)
    return (x + Z * Z / 2 - root) / (n + Z * Z), (x + Z * Z / 2 + root) / (n + Z * Z)


def backtest_ratios(pop: int, mem: int, pos: int, tp: int) -> dict:
    precision, recall, base = _div(tp, mem), _div(tp, pos), _div(pos, pop)
    row = {
        "base_rate": base,
        "precision": precision,
        "recall": recall,
        "f1": _div(2 * tp, mem + pos),
        "lift": _div(precision, base) if not math.isnan(precision) else math.nan,
        "coverage": _div(mem, pop),
        "rate_nonmembers": _div(pos - tp, pop - mem),
    }
    for name, (x, n) in {
        "precision": (tp, mem),
        "recall": (tp, pos),
        "base_rate": (pos, pop),
    }.items():
        row[f"{name}_lo"], row[f"{name}_hi"] = _wilson(x, n)
    return row


def _universe(data: reference.Dataset, t: dt.datetime) -> set:
    return {
        c["contact_id"]
        for c in data.contacts
        if c.get("created_at") is None or c["created_at"] <= t
    }


def _event_outcome(spec: Any, t: dt.datetime, until: dt.datetime, data: reference.Dataset) -> set:
    """Contacts with a matching event in ``(t, until]`` (a plain scan)."""
    node = spec.exists()
    ctx = reference._context(until, data, None)
    return {
        e["contact_id"]
        for e in data.events
        if e["event_type"] in node.types
        and t < e["ts"] <= until
        and (node.where is None or reference.holds(node.where, reference._event_subject(e), ctx))
    }


def reference_backtest(
    segments: list, outcome: Any, grid: tuple, horizon: str, now: dt.datetime,
    data: reference.Dataset, catalog: Catalog | None, partial: bool,
) -> list[dict]:  # fmt: skip
    h = Duration.parse(horizon)  # calendar months too: t + h clipped at the month's end
    rows = []
    for t in reference.grid(*grid):
        reach = reference.shift(t, h)
        if reach > now and not partial:
            continue
        until = min(reach, now)
        pop = _universe(data, t)
        if isinstance(outcome, (sl.Segment, sl.model.Rule)):
            happened = reference.evaluate(outcome, until, data, catalog)
        else:
            happened = _event_outcome(outcome, t, until, data)
        positives = pop & happened
        for i, seg in enumerate(segments):
            name = seg.name if isinstance(seg, Segment) else f"rule_{i}"
            members = reference.evaluate(seg, t, data, catalog)
            assert members <= pop
            counts = (len(pop), len(members), len(positives), len(members & positives))
            row = {
                "segment": name,
                "snapshot": t,
                **dict(zip(BACKTEST_COUNTS, counts)),
                **backtest_ratios(*counts),
            }
            if partial:
                row["partial"] = reach > now
            rows.append(row)
    return rows
