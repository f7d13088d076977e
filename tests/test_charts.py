"""Charts: valid Vega-Lite, render to PNG offline, and draw the right data.

Frames are built by hand in the shapes ``docs/analytics.md`` documents, so these tests
do not depend on the analytics engine.
"""

from __future__ import annotations

import importlib
import json
import os
import struct
from functools import cache
from pathlib import Path

import altair as alt
import jsonschema
import numpy as np
import pandas as pd
import pytest
import vl_convert as vlc

from segment_lab import charts
from segment_lab.errors import InvalidValueError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WEEKS = pd.date_range("2025-01-06", periods=16, freq="7D")


# ---------------------------------------------------------------- realistic frames


def history_frame() -> pd.DataFrame:
    """Sixteen weeks of a segment that jumps in week 11 (a churn wave)."""
    entered = [20, 25, 22, 23, 22, 24, 21, 20, 23, 22, 102, 40, 24, 45, 37, 33]
    exited = [14, 22, 13, 28, 19, 21, 22, 24, 20, 23, 30, 47, 62, 61, 69, 52]
    size = np.cumsum(np.array(entered) - np.array(exited)) + 60
    return pd.DataFrame(
        {
            "segment": "churn-risk",
            "period": WEEKS,
            "size": size,
            "entered": entered,
            "exited": exited,
        }
    )


def alerts_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "segment": ["churn-risk", "churn-risk", "other"],
            "period": [WEEKS[10], WEEKS[14], WEEKS[3]],
            "direction": ["growing", "shrinking", "growing"],
            "severity": ["critical", "notice", "notice"],
            "z": [14.2, -3.9, 4.0],
            "net": [72, -32, 9],
            "message": [
                "churn-risk grew 99% week over week (73 → 145 contacts, net +72).",
                "churn-risk shrank 25% week over week (net -32).",
                "other grew.",
            ],
        }
    )


def compare_frame() -> pd.DataFrame:
    sizes = {
        "churn-risk": history_frame()["size"].tolist(),
        "pricing-intent": [0, 0, 1, 0, 2, 1, 0, 3, 180, 260, 140, 60, 30, 12, 8, 5],
        "newsletter-readers": [400 - 3 * i for i in range(16)],
        "control-germany-established": [120] * 16,
    }
    return pd.concat(
        [pd.DataFrame({"segment": name, "period": WEEKS, "size": s}) for name, s in sizes.items()],
        ignore_index=True,
    )


def overlap_frame() -> pd.DataFrame:
    names = ["newsletter-readers", "churn-risk", "pricing-intent", "high-intent-leads", "dormant"]
    size = dict(zip(names, [420, 160, 230, 95, 610]))
    shared = {
        frozenset(["newsletter-readers", "pricing-intent"]): 140,
        frozenset(["pricing-intent", "high-intent-leads"]): 80,
        frozenset(["newsletter-readers", "high-intent-leads"]): 40,
        frozenset(["churn-risk", "pricing-intent"]): 12,
        frozenset(["newsletter-readers", "churn-risk"]): 0,
        frozenset(["churn-risk", "dormant"]): 0,
    }
    rows = []
    for a in names:
        for b in names:
            both = size[a] if a == b else shared.get(frozenset([a, b]), 3)
            either = size[a] + size[b] - both
            rows.append((a, b, size[a], size[b], both, either, both / either))
    columns = ["segment_a", "segment_b", "size_a", "size_b", "both", "either", "jaccard"]
    return pd.DataFrame(rows, columns=columns)


def transitions_frame() -> pd.DataFrame:
    states = ["newsletter-readers", "churn-risk", "dormant", "in none"]
    counts = [
        [300, 60, 0, 80],
        [10, 40, 25, 30],
        [0, 0, 500, 20],
        [45, 5, 90, 795],
    ]
    rows = [(a, b, counts[i][j]) for i, a in enumerate(states) for j, b in enumerate(states)]
    return pd.DataFrame(rows, columns=["from", "to", "contacts"])


def funnel_frame() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "step": [0, 1, 2, 3, 4],
            "condition": [
                "all contacts",
                "city is Tokyo",
                "job title is CTO",
                "technologies has any of ['python']",
                "no page visit in the last 14 days",
            ],
            "kept": [2000, 160, 21, 12, 7],
            "removed": [0, 1840, 139, 9, 5],
            "alone": [2000, 160, 130, 900, 1400],
            "blocks": [0, 30, 45, 3, 4],
        }
    )
    frame["kept_share"] = frame["kept"] / 2000
    frame.attrs["bottleneck"] = "job title is CTO"
    frame.attrs["message"] = (
        "Of 2,000 contacts, 7 pass all 4 conditions. 'job title is CTO' removes the most: "
        "without it, 45 more would pass."
    )
    return frame


def retention_frame() -> pd.DataFrame:
    rows = []
    cohorts = pd.date_range("2025-03-03", periods=6, freq="7D")
    for j, cohort in enumerate(cohorts):
        size = [40, 35, 52, 0, 28, 31][j]
        for k in range(len(cohorts) - j):
            retained = round(size * 0.8**k) if size else 0
            share = retained / size if size else np.nan
            rows.append((cohort, k, size, retained, share))
    columns = ["cohort", "periods_later", "cohort_size", "retained", "share"]
    return pd.DataFrame(rows, columns=columns)


def lifecycle_frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for i, period in enumerate(WEEKS[:12]):
        counts = {
            "new": int(rng.integers(20, 60)),
            "returning": int(rng.integers(200, 260)),
            "resurrecting": int(rng.integers(15, 40)),
            "dormant": 0 if i == 0 else int(rng.integers(30, 90)),
        }
        rows += [(period, status, n) for status, n in counts.items()]
    return pd.DataFrame(rows, columns=["period", "status", "contacts"])


def backtest_frame() -> pd.DataFrame:
    """Ten weekly snapshots of two definitions; 'quiet' has no members in week 4."""
    rows = []
    for name, share in (("churn-risk", 0.3), ("quiet", 0.05)):
        for k, snapshot in enumerate(WEEKS[:10]):
            pop, pos = 1000 + 10 * k, 80 + k
            mem = 0 if (name == "quiet" and k == 4) else 50 + 5 * k
            tp = round(mem * share)
            precision = tp / mem if mem else np.nan
            base = pos / pop
            lo, hi = (precision - 0.05, precision + 0.05) if mem else (np.nan, np.nan)
            rows.append({
                "segment": name, "snapshot": snapshot, "population": pop, "members": mem,
                "positives": pos, "true_positives": tp, "base_rate": base,
                "precision": precision, "recall": tp / pos,
                "lift": precision / base if mem else np.nan,
                "precision_lo": lo, "precision_hi": hi,
            })  # fmt: skip
    return pd.DataFrame(rows)


def summary_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "segment": ["churn-risk", "quiet"], "members": [700, 400], "precision": [0.3, 0.05],
        "recall": [0.25, 0.02], "lift": [3.6, 0.6], "precision_lo": [0.27, 0.03],
        "precision_hi": [0.33, 0.08], "recall_lo": [0.22, 0.01], "recall_hi": [0.28, 0.04],
    })  # fmt: skip


def sweep_frame() -> pd.DataFrame:
    rows = [
        {"segment": f"readers(min_opens={n}, within={w!r})", "min_opens": n, "within": w,
         "lift": (np.nan if (n, w) == (5, "7d") else 1 + n / (3 if w == "7d" else 5))}
        for n in range(1, 6) for w in ("7d", "30d")
    ]  # fmt: skip
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- helpers


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = alt.vegalite.v6.schema.load_schema()
    return jsonschema.validators.validator_for(schema)(schema)


def spec_of(chart: alt.TopLevelMixin) -> dict:
    """The chart's spec in the segment_lab theme, validated against the Vega-Lite schema."""
    with alt.theme.enable("segment_lab"):
        spec = chart.to_dict(validate=True)
    _validator().validate(spec)
    assert spec["$schema"].endswith(f"{alt.SCHEMA_VERSION}.json")
    return spec


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG_SIGNATURE)
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def render(chart: alt.TopLevelMixin) -> tuple[int, int]:
    png = vlc.vegalite_to_png(spec_of(chart), scale=1)
    return png_size(png)


def rows(spec: dict) -> list[dict]:
    """Every inline data row of a spec (Altair puts them in top-level ``datasets``)."""
    return [row for data in spec.get("datasets", {}).values() for row in data]


def rows_with(spec: dict, column: str) -> pd.DataFrame:
    return pd.DataFrame([r for r in rows(spec) if column in r])


CASES = {
    "size": lambda: charts.size_chart(history_frame(), alerts_frame()),
    "size_no_alerts": lambda: charts.size_chart(history_frame()),
    "compare": lambda: charts.compare_chart(compare_frame()),
    "compare_index": lambda: charts.compare_chart(compare_frame(), index=True),
    "overlap": lambda: charts.overlap_heatmap(overlap_frame()),
    "overlap_both": lambda: charts.overlap_heatmap(overlap_frame(), value="both"),
    "transitions": lambda: charts.transition_chart(transitions_frame()),
    "funnel": lambda: charts.funnel_chart(funnel_frame()),
    "retention": lambda: charts.retention_heatmap(retention_frame()),
    "lifecycle": lambda: charts.lifecycle_chart(lifecycle_frame()),
    "lift": lambda: charts.lift_chart(backtest_frame()),
    "precision_recall": lambda: charts.precision_recall_chart(backtest_frame()),
    "precision_recall_pooled": lambda: charts.precision_recall_chart(summary_frame()),
    "sweep": lambda: charts.sweep_heatmap(sweep_frame(), x="within", y="min_opens"),
}


# ---------------------------------------------------------------- every chart


@pytest.mark.parametrize("case", sorted(CASES))
def test_chart_is_valid_vega_lite_and_renders_to_png(case: str) -> None:
    width, height = render(CASES[case]())
    assert width > 200
    assert 150 < height < 2000


def test_public_api() -> None:
    assert sorted(charts.__all__) == [
        "compare_chart",
        "enable_offline",
        "funnel_chart",
        "lifecycle_chart",
        "lift_chart",
        "overlap_heatmap",
        "precision_recall_chart",
        "retention_heatmap",
        "save",
        "size_chart",
        "sweep_heatmap",
        "transition_chart",
    ]


def test_theme_is_registered_and_charts_ignore_the_active_theme() -> None:
    assert "segment_lab" in alt.theme.names()
    with alt.theme.enable("dark"):
        dark = charts.lifecycle_chart(lifecycle_frame()).to_dict()
    plain = charts.lifecycle_chart(lifecycle_frame()).to_dict()
    scale = dark["layer"][0]["encoding"]["color"]["scale"]
    assert scale == plain["layer"][0]["encoding"]["color"]["scale"]
    assert scale["range"][0] == "#2e9e5b"  # new: green, whatever the theme


def test_theme_is_enabled_on_import_only_over_the_default() -> None:
    with alt.theme.enable("dark"):
        importlib.reload(charts)
        assert alt.theme.active == "dark"  # the user's choice is kept
    with alt.theme.enable("default"):
        importlib.reload(charts)
        assert alt.theme.active == "segment_lab"


def test_time_ticks_sit_on_the_grid_instants() -> None:
    spec = spec_of(charts.size_chart(history_frame()))
    axis = spec["vconcat"][1]["layer"][0]["encoding"]["x"]["axis"]
    ticks = [pd.Timestamp(v["year"], v["month"], v["date"]) for v in axis["values"]]
    assert set(ticks) <= set(WEEKS) and ticks[0] == WEEKS[0]
    assert axis["format"] == "%b %d"


# ---------------------------------------------------------------- data facts


def test_size_chart_diverging_bars_and_alerts_of_this_segment() -> None:
    spec = spec_of(charts.size_chart(history_frame(), alerts_frame()))
    flows = rows_with(spec, "flow")
    assert (flows.loc[flows["flow"] == "exited", "value"] <= 0).all()
    assert (flows.loc[flows["flow"] == "entered", "value"] >= 0).all()
    alerts = rows_with(spec, "message")
    assert set(alerts["segment"]) == {"churn-risk"}  # "other" is filtered out
    assert alerts["size"].tolist() == history_frame()["size"].iloc[[10, 14]].tolist()
    colour = spec["vconcat"][0]["layer"][1]["encoding"]["color"]
    assert colour["scale"] == {"domain": ["growing", "shrinking"], "range": ["#c2185b", "#6a1b9a"]}
    assert colour["legend"]["values"] == ["growing", "shrinking"]
    only_growing = spec_of(charts.size_chart(history_frame(), alerts_frame().iloc[:1]))
    assert only_growing["vconcat"][0]["layer"][1]["encoding"]["color"]["legend"]["values"] == [
        "growing"
    ]


def test_size_chart_picks_a_segment_or_asks_for_one() -> None:
    two = pd.concat([history_frame(), history_frame().assign(segment="other")])
    with pytest.raises(InvalidValueError, match="segment="):
        charts.size_chart(two)
    with pytest.raises(InvalidValueError, match="Did you mean 'other'"):
        charts.size_chart(two, segment="othr")
    spec = spec_of(charts.size_chart(two, alerts_frame(), segment="other"))
    assert set(rows_with(spec, "message")["segment"]) == {"other"}


def test_size_chart_accepts_a_history_frame_without_segment_column() -> None:
    frame = history_frame().drop(columns="segment")
    spec = spec_of(charts.size_chart(frame, alerts_frame().iloc[:2], segment="churn-risk"))
    assert len(rows_with(spec, "message")) == 2
    assert spec["title"].startswith("churn-risk")


def test_compare_index_is_100_at_the_first_nonzero_point() -> None:
    spec = spec_of(charts.compare_chart(compare_frame(), index=True))
    data = rows_with(spec, "index").sort_values(["segment", "period"])
    firsts = data.groupby("segment").first()
    assert (firsts["index"] == 100).all()
    pricing = data[data["segment"] == "pricing-intent"]
    assert pricing["period"].iloc[0].startswith("2025-01-20")  # first nonzero week
    assert (data.loc[data["segment"] == "control-germany-established", "index"] == 100).all()


def test_compare_colours_follow_frame_order() -> None:
    spec = spec_of(charts.compare_chart(compare_frame()))
    scale = spec["encoding"]["color"]["scale"]
    assert scale["domain"][0] == "churn-risk"
    assert len(set(scale["range"])) == 4


def test_overlap_labels_and_diagonal() -> None:
    spec = spec_of(charts.overlap_heatmap(overlap_frame()))
    data = rows_with(spec, "label")
    diagonal = data[data["segment_a"] == data["segment_b"]]
    assert diagonal["label"].str.startswith("n=").all()
    assert diagonal["shade"].isna().all()  # grey, so sizes do not swamp the colour scale
    pair = data[
        (data["segment_a"] == "pricing-intent") & (data["segment_b"] == "high-intent-leads")
    ]
    assert pair["label"].item() == f"{80 / 245:.2f}"
    assert data.loc[data["both"] == 0, "label"].eq("0").all()
    assert data.loc[(data["jaccard"] > 0) & (data["jaccard"] < 0.005), "label"].eq("<.01").all()
    shade = spec["layer"][1]["encoding"]["color"]["scale"]["domain"]
    assert shade == [0, pytest.approx(80 / 245)]  # off-diagonal maximum, not the sizes
    spec = spec_of(charts.overlap_heatmap(overlap_frame(), value="both"))
    assert "140" in rows_with(spec, "label")["label"].tolist()
    assert spec["layer"][1]["encoding"]["color"]["scale"]["domain"] == [0, 140]


def test_transitions_omit_zero_flows_and_conserve_contacts() -> None:
    frame = transitions_frame()
    spec = spec_of(charts.transition_chart(frame))
    links = rows_with(spec, "link").drop_duplicates("link")
    assert (links["contacts"] > 0).all()
    assert len(links) == (frame["contacts"] > 0).sum()
    assert "dormant → newsletter-readers" not in set(links["link"])
    nodes = rows_with(spec, "side")
    start = nodes[nodes["side"] == "start"].set_index("state")["contacts"]
    assert start.to_dict() == frame.groupby("from")["contacts"].sum().to_dict()
    assert nodes["state"].iloc[-1] == "in none"  # drawn last


def test_funnel_highlights_the_bottleneck_in_step_order() -> None:
    spec = spec_of(charts.funnel_chart(funnel_frame()))
    data = rows_with(spec, "role").drop_duplicates("step")
    assert data.loc[data["role"] == "bottleneck", "condition"].tolist() == ["job title is CTO"]
    assert data["role"].iloc[0] == "all contacts"
    labels = spec["layer"][1]["encoding"]["y"]["sort"]
    assert labels[0] == "0. all contacts" and labels[-1].startswith("4. ")
    assert "7 (0.4%)" in data["text"].tolist()
    assert "45 more" in " ".join(spec["title"]["subtitle"])


def test_funnel_without_bottleneck_has_none() -> None:
    frame = funnel_frame()
    frame.attrs.clear()
    data = rows_with(spec_of(charts.funnel_chart(frame)), "role")
    assert "bottleneck" not in set(data["role"])


def test_retention_labels_are_percents_and_empty_cohorts_are_dashes() -> None:
    data = rows_with(spec_of(charts.retention_heatmap(retention_frame())), "label")
    first = data[data["periods_later"] == 0]
    assert set(first["label"]) == {"100%", "–"}
    assert data.loc[data["cohort_size"] == 0, "label"].eq("–").all()


def test_lifecycle_draws_dormant_below_zero_in_legend_order() -> None:
    spec = spec_of(charts.lifecycle_chart(lifecycle_frame()))
    data = rows_with(spec, "status")
    dormant = data[data["status"] == "dormant"]
    assert (dormant["value"] <= 0).all() and (dormant["value"] < 0).any()
    assert (data.loc[data["status"] != "dormant", "value"] > 0).all()
    color = spec["layer"][0]["encoding"]["color"]
    assert color["scale"]["domain"] == ["new", "returning", "resurrecting", "dormant"]


def test_lifecycle_rejects_unknown_status() -> None:
    frame = lifecycle_frame().replace({"status": {"new": "neww"}})
    with pytest.raises(InvalidValueError, match="Did you mean 'new'"):
        charts.lifecycle_chart(frame)


# ---------------------------------------------------------------- input errors


MISSING = [
    (charts.size_chart, history_frame, "exited"),
    (charts.compare_chart, compare_frame, "period"),  # without "segment": one line
    (charts.overlap_heatmap, overlap_frame, "jaccard"),
    (charts.transition_chart, transitions_frame, "contacts"),
    (charts.funnel_chart, funnel_frame, "kept"),
    (charts.retention_heatmap, retention_frame, "share"),
    (charts.lifecycle_chart, lifecycle_frame, "status"),
]


@pytest.mark.parametrize(("function", "make", "column"), MISSING)
def test_missing_column_names_missing_and_available(function, make, column) -> None:
    frame = make().drop(columns=column)
    with pytest.raises(InvalidValueError, match=f"missing '{column}'") as info:
        function(frame)
    msg = str(info.value)
    assert msg.startswith(f"{function.__name__}() needs the columns "), msg
    available = ", ".join(repr(str(c)) for c in frame.columns)
    assert f"Available columns: {available}." in msg  # every column, in order, not the missing


@pytest.mark.parametrize(("function", "make", "column"), MISSING)
def test_empty_frame_is_an_error(function, make, column) -> None:
    with pytest.raises(InvalidValueError, match="empty frame"):
        function(make().iloc[:0])


def test_not_a_pandas_frame() -> None:
    class Table:
        def to_pandas(self) -> pd.DataFrame:
            return history_frame()

    with pytest.raises(InvalidValueError, match=r"to_pandas\(\)"):
        charts.size_chart(Table())


def test_bad_choices() -> None:
    with pytest.raises(InvalidValueError, match="Did you mean 'jaccard'"):
        charts.overlap_heatmap(overlap_frame(), value="jacard")
    with pytest.raises(InvalidValueError, match="numeric"):
        charts.compare_chart(compare_frame().assign(size="x"))
    with pytest.raises(InvalidValueError, match="zero"):
        charts.transition_chart(transitions_frame().assign(contacts=0))


def test_empty_alerts_draw_no_annotations() -> None:
    spec = spec_of(charts.size_chart(history_frame(), alerts_frame().iloc[:0]))
    assert rows_with(spec, "message").empty


# ---------------------------------------------------------------- save


@pytest.fixture(scope="module")
def small_chart() -> alt.Chart:
    return charts.compare_chart(compare_frame().head(6))


@pytest.mark.parametrize("suffix", [".png", ".svg", ".html", ".json"])
def test_save_writes_each_format(small_chart, tmp_path: Path, suffix: str) -> None:
    path = charts.save(small_chart, tmp_path / f"chart{suffix}", scale=1)
    data = path.read_bytes()
    if suffix == ".png":
        assert png_size(data)[0] > 200
    elif suffix == ".svg":
        assert data.startswith(b"<svg")
    elif suffix == ".html":
        text = data.decode()
        assert "<html" in text and "vegaEmbed" in text
        assert "cdn.jsdelivr.net" not in text  # JavaScript inlined: works offline
    else:
        spec = json.loads(data)
        _validator().validate(spec)
        assert spec["config"]["title"]["fontSize"] == 16  # rendered in the segment_lab theme
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_save_png_scale_doubles_pixels(small_chart, tmp_path: Path) -> None:
    one = png_size(charts.save(small_chart, tmp_path / "a.png", scale=1).read_bytes())
    two = png_size(charts.save(small_chart, tmp_path / "b.png", scale=2).read_bytes())
    assert two[0] == 2 * one[0]


def test_save_unknown_suffix_raises_and_writes_nothing(small_chart, tmp_path: Path) -> None:
    with pytest.raises(InvalidValueError, match=r"\.png.*Did you mean '\.png'"):
        charts.save(small_chart, tmp_path / "chart.pgn")
    assert list(tmp_path.iterdir()) == []


def test_failed_render_leaves_old_file_and_no_partial_file(tmp_path: Path) -> None:
    path = tmp_path / "chart.png"
    path.write_bytes(b"old")
    broken = alt.Chart(pd.DataFrame({"a": [1]})).mark_point().encode(x="a:Q")
    broken = broken.transform_calculate(b="datum.a +* 1")  # an expression Vega cannot parse
    with pytest.raises(Exception):  # noqa: B017 - vl-convert raises a plain ValueError
        charts.save(broken, path)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["chart.png"]


def test_failed_write_removes_the_temporary_file(small_chart, tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "chart.svg"

    def fail(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        charts.save(small_chart, path)
    assert list(tmp_path.iterdir()) == []


def test_enable_offline() -> None:
    try:
        name = charts.enable_offline()
        assert alt.renderers.active == name
        if name == "jupyter":
            assert alt.renderers.options == {"offline": True}
    finally:
        alt.renderers.enable("default")


# ---------------------------------------------------------------- backtest charts


def test_lift_band_is_the_precision_interval_over_the_base_rate() -> None:
    spec = spec_of(charts.lift_chart(backtest_frame()))
    data = rows_with(spec, "lift_lo")
    assert len(data) == 19  # quiet's empty week has no lift and is left out
    frame = backtest_frame().dropna(subset=["lift"])
    assert np.allclose(data["lift_lo"], frame["precision_lo"] / frame["base_rate"])
    assert np.allclose(data["lift_hi"], frame["precision_hi"] / frame["base_rate"])
    assert spec["layer"][2]["encoding"]["y"]["datum"] == 1  # the no-better-than-everyone rule


def test_lift_chart_without_any_lift_is_an_error() -> None:
    frame = backtest_frame().assign(lift=np.nan)
    with pytest.raises(InvalidValueError, match="no snapshot has a lift"):
        charts.lift_chart(frame)


def test_precision_recall_pooled_draws_interval_crosses() -> None:
    spec = spec_of(charts.precision_recall_chart(summary_frame()))
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["rule", "rule", "point"]
    per_snapshot = spec_of(charts.precision_recall_chart(backtest_frame()))
    assert [layer["mark"]["type"] for layer in per_snapshot["layer"]] == ["point"]
    assert len(rows_with(per_snapshot, "recall")) == 19  # the row without precision is left out


def test_sweep_heatmap_cells_and_duplicates() -> None:
    spec = spec_of(charts.sweep_heatmap(sweep_frame(), x="within", y="min_opens"))
    data = rows_with(spec, "label")
    assert len(data) == 10 and data["label"].tolist().count("–") == 1
    assert data.loc[data["min_opens"] == "3", "label"].tolist() == ["2.00", "1.60"]
    doubled = pd.concat([sweep_frame(), sweep_frame()])
    with pytest.raises(InvalidValueError, match="share a"):
        charts.sweep_heatmap(doubled, x="within", y="min_opens")
    with pytest.raises(InvalidValueError, match="missing 'n'"):
        charts.sweep_heatmap(sweep_frame(), x="within", y="n")
