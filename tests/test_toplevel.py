"""The public names: pinned, so that a rename is a decision, not an accident."""

from __future__ import annotations

import warnings

import pandas as pd

import segment_lab as sl


def test_toplevel_all_is_pinned():
    assert sl.__all__ == [
        "Bindings",
        "Catalog",
        "CurrentValueWarning",
        "Segment",
        "SegmentLabError",
        "Workspace",
        "__version__",
        "all_of",
        "any_of",
        "backtest",
        "event",
        "field",
        "in_segment",
        "json_schema",
        "sweep",
    ]
    for name in sl.__all__:
        assert getattr(sl, name) is not None


def test_workspace_api_is_stable():
    for method in (
        "count",
        "members",
        "history",
        "intervals",
        "changes",
        "sql",
        "sizes",
        "with_catalog",
    ):
        assert callable(getattr(sl.Workspace, method)), method
    for ctor in ("from_ibis", "from_pandas", "connect", "demo", "from_cdnow"):
        assert callable(getattr(sl.Workspace, ctor)), ctor


def _flat_workspace():
    contacts = pd.DataFrame({"contact_id": [1, 2], "plan": ["pro", "free"]})
    return sl.Workspace.from_pandas(contacts, now="2024-06-01")


def test_current_value_warning_points_at_the_caller_and_only_for_the_past():
    ws = _flat_workspace()
    rule = sl.field("plan") == "pro"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ws.count(rule, as_of="2024-01-01")
        ws.history(rule, start="2024-01-01", end="2024-02-01", every="1w")
    found = [w for w in caught if issubclass(w.category, sl.CurrentValueWarning)]
    assert len(found) == 2
    assert all(w.filename == __file__ for w in found), [w.filename for w in found]
    assert "Attribute 'plan' has no history" in str(found[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error", sl.CurrentValueWarning)
        assert ws.count(rule) == 1  # now
        assert ws.count(rule, as_of="2030-01-01") == 1  # the future: current values are right
