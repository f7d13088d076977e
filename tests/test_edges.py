"""The smaller edges a new analyst met (issue 11, item 12), each as they met it.

- a list column holding only empty lists (no tags yet) loads, typed list<string>;
- ``charts.save`` into a missing folder names that folder, not a temporary file;
- ``compare_chart`` takes one rule's history;
- tab completion on a public module shows its public names, not its imports.
"""

from __future__ import annotations

import importlib

import pandas as pd
import pytest

import segment_lab as sl
from segment_lab import charts, field
from tests import reference


@pytest.mark.parametrize(
    "tags", [[[], [], []], [[], None, []]], ids=["only-empty-lists", "empty-lists-and-null"]
)
def test_a_list_column_of_only_empty_lists_loads(tags):
    contacts = pd.DataFrame({"contact_id": [1, 2, 3], "tags": tags})
    ws = sl.Workspace.from_pandas(contacts, now="2024-06-01")
    data = reference.Dataset([{"contact_id": i + 1, "tags": t} for i, t in enumerate(tags)])
    t = ws.now
    for rule in (
        field("tags").has_any(["vip"]),
        field("tags").has_none(["vip"]),
        field("tags").isnull(),
        ~field("tags").has_all(["a", "b"]),
    ):
        assert ws.count(rule) == len(reference.evaluate(rule, t, data)), rule.describe()


def _history(demo_ws):
    return demo_ws.history(
        field("city") == "Tokyo", start="2025-05-01", end="2025-06-30", every="1w"
    )


def test_save_into_a_missing_folder_names_the_folder(demo_ws, tmp_path):
    chart = charts.size_chart(_history(demo_ws))
    target = tmp_path / "reports" / "june" / "tokyo.svg"
    with pytest.raises(FileNotFoundError) as info:
        charts.save(chart, target)
    message = str(info.value)
    assert f"the folder '{target.parent}' does not exist" in message
    assert f"the nearest existing folder is '{tmp_path}'" in message
    assert ".tmp" not in message
    assert not (tmp_path / "reports").exists()  # nothing created, nothing half-written
    target.parent.mkdir(parents=True)
    assert charts.save(chart, target).read_text().startswith("<svg")


def test_compare_chart_takes_one_rules_history(demo_ws):
    history = _history(demo_ws)
    chart = charts.compare_chart(history, title="Tokyo")
    data = chart.data
    assert data["segment"].unique().tolist() == ["Tokyo"]
    assert data["size"].tolist() == history["size"].tolist()
    indexed = charts.compare_chart(history, index=True).layer[0].data
    first = history["size"][history["size"] != 0].iloc[0]
    assert indexed["index"].tolist() == pytest.approx((history["size"] / first * 100).tolist())


PUBLIC_MODULES = [
    "segment_lab",
    "segment_lab.analytics",
    "segment_lab.charts",
    "segment_lab.dsl",
    "segment_lab.engine",
    "segment_lab.errors",
    "segment_lab.interop",
    "segment_lab.interop.cdnow",
    "segment_lab.model",
    "segment_lab.sample",
    "segment_lab.serde",
    "segment_lab.templates",
    "segment_lab.workspace",
]


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_tab_completion_shows_the_public_names_only(name):
    module = importlib.import_module(name)
    shown = {n for n in dir(module) if not n.startswith("_")}
    subpackages = {"analytics", "charts", "dashboard", "dsl", "errors", "interop", "model",
                   "sample", "serde", "templates", "widgets"} if name == "segment_lab" else set()  # fmt: skip
    assert shown == {n for n in module.__all__ if not n.startswith("_")} | subpackages
    for public in module.__all__:
        getattr(module, public)  # every name of __all__ is there


def test_charts_imports_are_private():
    for leaked in ("os", "pd", "alt", "Path", "build", "export"):
        assert not hasattr(charts, leaked), leaked
