"""The exported dashboard's structure, numbers and escaping, read with ``html.parser``.

The page is parsed, never searched as text: scripts, charts, tiles and tables are found as
elements, and every number shown is checked against ``ws.count`` and ``ws.history`` (which
tests/test_differential.py checks against the plain-Python reference evaluator).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

import segment_lab as sl
from segment_lab import dashboard
from segment_lab.errors import InvalidValueError, SegmentLabError
from tests.helpers import HOSTILE, hostile_workspace

AS_OF = "2025-06-30"
START = "2025-04-28"


class Page(HTMLParser):
    """Elements of interest: scripts with their text, and every element with attributes."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self.text: list[str] = []
        self._script: dict[str, str] | None = None
        self._buffer: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        self.elements.append((tag, attrs))
        if tag == "script":
            self._script, self._buffer = attrs, []

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._buffer)))
            self._script = None

    def handle_data(self, data):
        (self._buffer if self._script is not None else self.text).append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [
            a
            for t, a in self.elements
            if t == tag and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def with_attr(self, name: str) -> list[tuple[str, dict[str, str]]]:
        return [(t, a) for t, a in self.elements if name in a]


@pytest.fixture(scope="module")
def html(demo_ws) -> str:
    return dashboard.to_html(demo_ws, start=START, end=AS_OF, every="1w", progress=False)


@pytest.fixture(scope="module")
def page(html) -> Page:
    return Page(html)


def test_one_runtime_and_a_spec_per_chart(page, demo_ws):
    runtimes = [s for a, s in page.scripts if "window.vegaEmbed=" in s]
    assert len(runtimes) == 1 and len(runtimes[0]) > 500_000
    views = page.find("div", **{"class": "vega"})
    assert len(views) == len(demo_ws.catalog) + 2  # a chart per segment, overlap, transitions
    specs = {a["id"]: json.loads(s) for a, s in page.scripts if a.get("type") == "application/json"}
    assert sorted(specs) == sorted(v["data-spec"] for v in views)
    for view in views:
        spec = specs[view["data-spec"]]
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
        assert view["role"] == "img" and view["aria-label"] == spec["description"]


def test_nothing_is_loaded_from_anywhere(page, html):
    assert not page.find("link") and not page.find("img") and not page.find("iframe")
    sources = [a for t, a in page.elements if "src" in a or "href" in a]
    assert all(a.get("href", "").startswith("#") for a in sources), sources
    style = html.split("<style>")[1].split("</style>")[0]
    assert "url(" not in style and "@import" not in style and "@font-face" not in style


def test_tiles_show_the_sizes_and_net_changes(page, demo_ws):
    tiles = page.find("article")
    assert [t["data-segment"] for t in tiles] == list(demo_ws.catalog.names)
    as_of = demo_ws.instant(AS_OF)
    sizes = [int(a["data-size"]) for _, a in page.with_attr("data-size")]
    week = [int(a["data-change-7d"]) for _, a in page.with_attr("data-change-7d")]
    month = [int(a["data-change-30d"]) for _, a in page.with_attr("data-change-30d")]
    trend = [a["data-trend"] for _, a in page.with_attr("data-trend")]
    for i, seg in enumerate(demo_ws.catalog):
        now = demo_ws.count(seg, as_of)
        assert sizes[i] == now
        assert week[i] == now - demo_ws.count(seg, as_of - dt.timedelta(days=7))
        assert month[i] == now - demo_ws.count(seg, as_of - dt.timedelta(days=30))
        assert trend[i] == ("up" if month[i] > 0 else "down" if month[i] < 0 else "flat")
    assert any(m != 0 for m in month)


class Tables(HTMLParser):
    """Rows of every table, as lists of cell texts."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self.classes: list[str] = []
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag in ("td", "th", "tr"):
            self._close()  # an end tag of a cell is optional in HTML
        if tag == "table":
            self.tables.append([])
            self.classes.append(dict(attrs).get("class") or "")
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th", "tr", "table"):
            self._close()

    def _close(self):
        if self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def test_each_chart_has_its_numbers_in_a_table(html, demo_ws):
    tables = [
        t for t in Tables(html).tables if t and t[0][:4] == ["Period", "Size", "Entered", "Exited"]
    ]
    assert len(tables) == len(demo_ws.catalog)
    for seg, table in zip(demo_ws.catalog, tables):
        h = demo_ws.history(seg, START, AS_OF, "1w")
        rows = [
            [f"{p:%Y-%m-%d}", str(s), str(e), str(x)] for p, s, e, x in h.itertuples(index=False)
        ]
        assert [r[:4] for r in table[1:]] == rows


def test_alerts_are_listed_in_words_and_marked(demo_ws):
    seg = demo_ws.catalog["pricing-intent"]
    one = dashboard.to_html(
        demo_ws, [seg], start="2025-01-06", end="2025-05-19", every="1w", progress=False
    )
    history = next(t for t in Tables(one).tables if t and t[0][0] == "Period")
    marked = [r[0] for r in history[1:] if r[4]]
    assert marked == ["2025-05-12", "2025-05-19"]  # the planted spike, as analytics.alerts finds
    text = " ".join(Page(one).text)
    assert text.count("pricing-intent grew") == 4  # two alerts, listed and in the table


def test_movers_and_definitions(page, html, demo_ws):
    seg = demo_ws.catalog["pricing-intent"]
    text = " ".join(page.text)
    assert seg.describe() in text and seg.definition_hash in text
    as_of = demo_ws.instant(AS_OF)
    moved = demo_ws.changes(seg, as_of - dt.timedelta(days=30), as_of, net=True)
    i = list(demo_ws.catalog.names).index("pricing-intent")
    parsed = Tables(html)
    for direction in ("entered", "exited"):
        ids = sorted(moved.loc[moved["direction"] == direction, "contact_id"])
        tables = [t for t, c in zip(parsed.tables, parsed.classes) if c == f"movers-{direction}"]
        totals = [int(a["data-total"]) for _, a in page.with_attr("data-total")]
        assert totals[2 * i + (direction == "exited")] == len(ids) > 0
        rows = tables[i]
        assert rows[0] == ["contact_id", "email", "first_name", "city"]
        assert [int(r[0]) for r in rows[1:]] == ids[:10]


def test_hostile_strings_render_as_text():
    ws, catalog = hostile_workspace()
    html = dashboard.to_html(ws, catalog, start="2025-03-01", every="1w", progress=False)
    page = Page(html)
    assert not page.find("img")
    scripts = [a for a, _ in page.scripts]
    assert sum(1 for a in scripts if a.get("type") == "application/json") == 4
    assert len(scripts) == 4 + 2  # the specs, the runtime, the embedding code
    text = "".join(page.text)
    for s in HOSTILE:
        assert s in text  # shown as text: names, descriptions, tags, cities in movers
    assert not any(k.startswith("on") for _, a in page.elements for k in a)
    for attrs, body in page.scripts:
        if attrs.get("type") == "application/json":
            assert "<" not in body  # tojson escapes it: no "</script>" can close the element


def test_export_is_atomic(tmp_path, demo_ws, monkeypatch):
    out = tmp_path / "d.html"
    assert (
        dashboard.export(demo_ws, path=out, start="2025-06-01", every="1w", progress=False) == out
    )
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    before = out.read_bytes()

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(InvalidValueError, match="No space left"):
        dashboard.export(demo_ws, path=out, start="2025-06-01", every="1w", progress=False)
    assert out.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["d.html"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"path": "missing-folder/d.html"}, "does not exist"),
        ({"path": "d.txt"}, r"\.html"),
        ({"path": ".", "every": "1d"}, r"\.html"),
        ({"path": "d.html", "every": "fortnight"}, "fortnight"),
        ({"path": "d.html", "catalog": []}, "no segments"),
        ({"path": "d.html", "backtest": "churn-risk"}, r"sl\.backtest"),
        ({"path": "d.html", "backtest": pd.DataFrame({"segment": ["a"]})}, "lacks the column"),
    ],
)
def test_export_errors_leave_no_file(tmp_path, demo_ws, kwargs, message, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SegmentLabError, match=message):
        dashboard.export(demo_ws, start="2025-06-01", progress=False, **kwargs)
    assert list(Path(tmp_path).iterdir()) == []


def test_a_list_of_segments_resolves_references_in_the_workspace_catalog(demo_ws):
    seg = demo_ws.catalog["high-intent-leads"]  # in_segment("pricing-intent")
    page = Page(dashboard.to_html(demo_ws, [seg], start="2025-06-01", every="1w", progress=False))
    tiles = page.find("article")
    assert [t["data-segment"] for t in tiles] == ["high-intent-leads"]
    assert [int(a["data-size"]) for _, a in page.with_attr("data-size")] == [demo_ws.count(seg)]
    assert len(page.find("div", **{"class": "vega"})) in (1, 2)  # no overlap for one segment


# -- the backtest section ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def backtested(demo_ws) -> tuple:
    segs = [demo_ws.catalog[n] for n in ("recent-spenders", "churn-risk", "new-leads")]
    bt = sl.backtest(
        demo_ws, segs, sl.event("purchase"), start="2025-03-03", end="2025-05-26",
        every="1w", horizon="4w", progress=False,
    )  # fmt: skip
    html = dashboard.to_html(
        demo_ws, segs, start=START, end=AS_OF, every="1w", backtest=bt, progress=False
    )
    return bt, Page(html)


def test_backtest_section_shows_the_pooled_table_and_the_lift_chart(backtested):
    bt, page = backtested
    assert page.find("section", aria_labelledby="backtest")
    text = "".join(page.text)
    assert "Outcome: made a purchase within 4w after the snapshot." in text
    assert "13 snapshots from 2025-03-03 to 2025-05-26, every 1w" in text
    rows = [a["data-segment"] for t, a in page.with_attr("data-segment") if t == "tr"]
    totals = bt.groupby("segment")[["members", "true_positives", "population", "positives"]].sum()
    lift = {  # pooled lift from the summed counts, computed here again
        n: (r.true_positives / r.members) / (r.positives / r.population) if r.members else None
        for n, r in totals.iterrows()
    }
    ranked = sorted((n for n in lift if lift[n] is not None), key=lambda n: -lift[n])
    assert rows == ranked + [n for n in lift if lift[n] is None]
    shown = [float(a["data-lift"]) for t, a in page.with_attr("data-lift")]
    assert shown == pytest.approx([lift[n] for n in ranked], rel=1e-12)
    for name in rows:
        assert (
            f"{name}{totals.loc[name, 'members']:,}{totals.loc[name, 'true_positives']:,}" in text
        )
    charts = page.find("div", **{"class": "vega"})
    labels = [c["aria-label"] for c in charts]
    assert labels[-1].startswith("Lift over time of 3 definitions") and len(charts) == 3 + 2 + 1
    spec = json.loads({a.get("id"): b for a, b in page.scripts}[charts[-1]["id"] + "-spec"])
    cells = [r for rows_ in spec["datasets"].values() for r in rows_ if "segment" in r]
    assert len(cells) == int(bt["lift"].notna().sum())
    assert f"Numbers behind the chart ({len(bt)} rows)" in text


def test_backtest_section_escapes_names():
    ws, catalog = hostile_workspace()
    bt = sl.backtest(
        ws, catalog, sl.event("email_open"), start="2025-03-03", end="2025-04-14", every="1w",
        horizon="2w", progress=False,
    )  # fmt: skip
    page = Page(dashboard.to_html(ws, catalog, start="2025-03-01", every="1w", backtest=bt))
    assert not page.find("img") and not any(k.startswith("on") for _, a in page.elements for k in a)
    rows = [a["data-segment"] for t, a in page.with_attr("data-segment") if t == "tr"]
    assert sorted(rows) == sorted(HOSTILE)
    for attrs, body in page.scripts:
        if attrs.get("type") == "application/json":
            assert "<" not in body
