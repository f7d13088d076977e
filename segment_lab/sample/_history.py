"""One chunk: how attributes change (monthly lead scoring, SCD2 ``contact_history`` rows)."""

from __future__ import annotations

import numpy as np

from segment_lab.sample._params import (
    _ET,
    _MONTHS,
    _NEVER,
    _POINT_WEIGHTS,
    _PRICING_BONUS,
    EVENT_TYPES,
    MQL_POINTS,
    PRE_START_FROM,
    _sec,
)
from segment_lab.sample._world import _PRICING_URLS


def _points(c: dict, cols: list[np.ndarray]) -> None:
    """Monthly lead scoring: points per activity, counted on the 1st of the next month."""
    n, months = len(c["persona"]), len(_MONTHS)
    i, ts, et, url = cols[:4]
    weight = np.zeros(len(EVENT_TYPES))
    for name, w in _POINT_WEIGHTS.items():
        weight[_ET[name]] = w
    pts = weight[et] + _PRICING_BONUS * ((et == _ET["page_visit"]) & np.isin(url, _PRICING_URLS))
    m = np.searchsorted(_MONTHS, ts, side="right")  # the first scoring run that counts it
    ok = (m < months) & (pts > 0)
    delta = np.bincount(i[ok] * months + m[ok], weights=pts[ok], minlength=n * months)
    c["points_delta"] = delta.reshape(n, months).astype(np.int64)
    c["points_cum"] = np.cumsum(c["points_delta"], axis=1)
    total = c["points0"][:, None] + c["points_cum"]
    reached = (total >= MQL_POINTS) & (_MONTHS[None, :] > c["created"][:, None])
    c["t_mql"] = np.where(reached.any(axis=1), _MONTHS[reached.argmax(axis=1)], _NEVER)


def _change_points(c: dict) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique (contact index, time) at which some attribute may change."""
    n = len(c["persona"])
    i_parts, t_parts = [np.arange(n)], [c["created"]]
    ci, m = np.nonzero((c["points_delta"] > 0) & (_MONTHS[None, :] > c["created"][:, None]))
    i_parts.append(ci)
    t_parts.append(_MONTHS[m])
    for name in ("t_lead", "t_mql", "t_sql", "t_cust", "t_job", "t_city"):
        idx = np.flatnonzero(c[name] < _NEVER)
        i_parts.append(idx)
        t_parts.append(c[name][idx])
    base = _sec(PRE_START_FROM)  # every time is after it and within 2**32 s of it
    key = np.unique((np.concatenate(i_parts) << 32) | (np.concatenate(t_parts) - base))
    return key >> 32, (key & 0xFFFFFFFF) + base


def _history(c: dict) -> dict[str, np.ndarray]:
    """SCD2 rows: a new row whenever job title, stage, points or city change."""
    i, t = _change_points(c)
    level = c["level0"][i]
    for lvl, name in enumerate(("t_lead", "t_mql", "t_sql", "t_cust"), start=1):
        level = np.maximum(level, np.where(t >= c[name][i], lvl, 0))
    cum = np.hstack([np.zeros((len(c["persona"]), 1), np.int64), c["points_cum"]])
    points = c["points0"][i] + cum[i, np.searchsorted(_MONTHS, t, side="right")]
    title = np.where(t >= c["t_job"][i], c["title1"][i], c["title0"][i])
    city = np.where(t >= c["t_city"][i], c["city1"][i], c["city0"][i])
    same = (i[1:] == i[:-1]) & (level[1:] == level[:-1]) & (points[1:] == points[:-1])
    same &= (title[1:] == title[:-1]) & (city[1:] == city[:-1])
    keep = np.concatenate([[True], ~same])
    h = {"i": i[keep], "valid_from": t[keep], "level": level[keep], "points": points[keep],
         "title": title[keep], "city": city[keep]}  # fmt: skip
    more = np.append(h["i"][1:] == h["i"][:-1], False)
    h["valid_to"] = np.where(more, np.append(h["valid_from"][1:], 0), _NEVER)
    return h
