"""The reference segments: each as a segment_lab rule, hand-written DuckDB SQL and pandas.

All three implement exactly the same logic at instant ``t`` (docs/semantics.md): the universe
is ``created_at <= t``; ``city``, ``job_title`` and ``lifecycle_stage`` come from the
contact_history row valid at t.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from segment_lab import Catalog, Segment, all_of, any_of, event, field, in_segment

ENGAGED = Segment("engaged", event("email_open").exists(within="30d"))


@dataclass(frozen=True)
class Reference:
    name: str
    segment: Segment
    sql: Callable[[dt.datetime], str]
    pandas: Callable[[dict[str, pd.DataFrame], dt.datetime], int]


def _lit(t: dt.datetime) -> str:
    return f"TIMESTAMP '{t:%Y-%m-%d %H:%M:%S}'"


def _hist_sql(t: dt.datetime, cols: str) -> str:
    T = _lit(t)
    return (
        f"(SELECT contact_id, {cols} FROM contact_history "
        f"WHERE valid_from <= {T} AND (valid_to IS NULL OR valid_to > {T}))"
    )


def _universe_sql(t: dt.datetime) -> str:
    return f"(SELECT contact_id FROM contacts WHERE created_at <= {_lit(t)})"


def _events_sql(t: dt.datetime, etype: str, days: int | None, extra: str = "") -> str:
    T = _lit(t)
    win = f" AND ts > {T} - INTERVAL {days} DAY" if days else ""
    return f"events WHERE event_type = '{etype}' AND ts <= {T}{win}{extra}"


# -- pandas helpers (frames: contacts, events, contact_history) ------------------------
def _universe(f: dict[str, pd.DataFrame], t: dt.datetime) -> pd.Series:
    c = f["contacts"]
    return c.loc[c["created_at"] <= t, "contact_id"]


def _hist_at(f: dict[str, pd.DataFrame], t: dt.datetime) -> pd.DataFrame:
    h = f["contact_history"]
    return h[(h["valid_from"] <= t) & (h["valid_to"].isna() | (h["valid_to"] > t))]


def _events(
    f: dict[str, pd.DataFrame], t: dt.datetime, etype: str, days: int | None
) -> pd.DataFrame:
    e = f["events"]
    mask = (e["event_type"] == etype) & (e["ts"] <= t)
    if days:
        mask &= e["ts"] > t - pd.Timedelta(days=days)
    return e[mask]


def _count(f: dict[str, pd.DataFrame], t: dt.datetime, ids: Any) -> int:
    return int(_universe(f, t).isin(ids).sum())


# -- the six segments --------------------------------------------------------------------
def _attr_pd(f, t):
    h = _hist_at(f, t)
    return _count(f, t, h.loc[(h["city"] == "Tokyo") & (h["job_title"] == "CTO"), "contact_id"])


def _count_pd(f, t):
    vc = _events(f, t, "email_open", 30)["contact_id"].value_counts()
    return _count(f, t, vc.index[vc >= 3])


def _notexists_pd(f, t):
    seen = _events(f, t, "page_visit", 14)["contact_id"].unique()
    u = _universe(f, t)
    return int((~u.isin(seen)).sum())


def _sum_pd(f, t):
    s = _events(f, t, "purchase", 90).groupby("contact_id")["value"].sum()
    return _count(f, t, s.index[s >= 100])


def _last_pd(f, t):
    m = _events(f, t, "purchase", None).groupby("contact_id")["ts"].max()
    return _count(f, t, m.index[m < t - pd.Timedelta(days=90)])


def _nested_pd(f, t):
    engaged = _events(f, t, "email_open", 30)["contact_id"].unique()
    h = _hist_at(f, t)
    stage = h.loc[h["lifecycle_stage"].isin(["mql", "sql"]), "contact_id"]
    v = _events(f, t, "page_visit", 14)
    v = v[v["url"].str.lower().str.contains("/pricing", regex=False, na=False)]
    vc = v["contact_id"].value_counts()
    pricing = vc.index[vc >= 2]
    u = _universe(f, t)
    keep = u.isin(engaged) & (u.isin(stage) | u.isin(pricing))
    return int(keep.sum())


def _nested_sql(t):
    T = _lit(t)
    return f"""
SELECT count(*) FROM {_universe_sql(t)} u
WHERE u.contact_id IN (SELECT contact_id FROM {_events_sql(t, "email_open", 30)})
  AND (u.contact_id IN (SELECT contact_id FROM {_hist_sql(t, "lifecycle_stage")} h
                        WHERE lifecycle_stage IN ('mql', 'sql'))
       OR u.contact_id IN (SELECT contact_id FROM events
                           WHERE event_type = 'page_visit' AND ts <= {T} AND ts > {T} - INTERVAL 14 DAY
                             AND contains(lower(url), '/pricing')
                           GROUP BY contact_id HAVING count(*) >= 2))"""


REFERENCES = [
    Reference(
        "attribute only",
        Segment("tokyo-ctos", (field("city") == "Tokyo") & (field("job_title") == "CTO")),
        lambda t: (
            f"""SELECT count(*) FROM {_universe_sql(t)} u JOIN {_hist_sql(t, "city, job_title")} h
            USING (contact_id) WHERE h.city = 'Tokyo' AND h.job_title = 'CTO'"""
        ),
        _attr_pd,
    ),
    Reference(
        "count in window",
        Segment("openers", event("email_open").count(within="30d") >= 3),
        lambda t: (
            f"""SELECT count(*) FROM {_universe_sql(t)} u JOIN
            (SELECT contact_id FROM {_events_sql(t, "email_open", 30)} GROUP BY contact_id
             HAVING count(*) >= 3) e USING (contact_id)"""
        ),
        _count_pd,
    ),
    Reference(
        "not exists",
        Segment("no-visit-14d", ~event("page_visit").exists(within="14d")),
        lambda t: (
            f"""SELECT count(*) FROM {_universe_sql(t)} u WHERE NOT EXISTS
            (SELECT 1 FROM {_events_sql(t, "page_visit", 14)} AND events.contact_id = u.contact_id)"""
        ),
        _notexists_pd,
    ),
    Reference(
        "sum",
        Segment("spenders-90d", event("purchase").sum("value", within="90d") >= 100),
        lambda t: (
            f"""SELECT count(*) FROM {_universe_sql(t)} u JOIN
            (SELECT contact_id FROM {_events_sql(t, "purchase", 90)} GROUP BY contact_id
             HAVING sum(value) >= 100) e USING (contact_id)"""
        ),
        _sum_pd,
    ),
    Reference(
        "last_seen",
        Segment("lapsed-buyers", event("purchase").last_seen() < "-90d"),
        lambda t: (
            f"""SELECT count(*) FROM {_universe_sql(t)} u JOIN
            (SELECT contact_id FROM {_events_sql(t, "purchase", None)} GROUP BY contact_id
             HAVING max(ts) < {_lit(t)} - INTERVAL 90 DAY) e USING (contact_id)"""
        ),
        _last_pd,
    ),
    Reference(
        "nested any/all + in_segment",
        Segment(
            "engaged-high-intent",
            all_of(
                in_segment("engaged"),
                any_of(
                    field("lifecycle_stage").isin(["mql", "sql"]),
                    event("page_visit").where(field("url").contains("/pricing")).count(within="14d")
                    >= 2,
                ),
            ),
        ),
        _nested_sql,
        _nested_pd,
    ),
]

CATALOG = Catalog([ENGAGED, *(r.segment for r in REFERENCES)])


def twenty_node_rule():
    """A rule of 20 nodes, for compile-time measurement."""
    leaves = [
        field("city") == "Tokyo", field("job_title").isin(["CTO", "CEO"]),
        field("points") >= 50, field("email").endswith(".io"), field("technologies").has_any(["python"]),
        event("email_open").count(within="30d") >= 3, ~event("page_visit").exists(within="14d"),
        event("purchase").sum("value", within="90d") >= 100, event("purchase").last_seen() < "-90d",
        event("page_visit").where(field("url").contains("/pricing")).count(within="14d") >= 2,
        field("industry") != "Retail", field("lifecycle_stage").notin(["customer"]),
        field("created_at") > "-365d",
    ]  # fmt: skip
    return all_of(
        any_of(*leaves[:4]), all_of(*leaves[4:8]), any_of(*leaves[8:11]), ~all_of(*leaves[11:])
    )
