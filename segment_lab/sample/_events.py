"""One chunk: what the contacts do (forms, emails, clicks, visits, purchases, unsubscribes)."""

from __future__ import annotations

import numpy as np

from segment_lab.sample._contacts import _choice, _p
from segment_lab.sample._params import (
    _DAY,
    _END,
    _ET,
    _HOUR,
    _MIN,
    _NEVER,
    _SURGE,
    _WAVE,
    _WAVE_RESIDUAL,
    _WEEK,
    _WEEKS,
    PERSONAS,
)
from segment_lab.sample._world import _CAMPAIGNS, _FORMS, _PAGE_P, _PLANS, _SITE, BLOG_POSTS, URLS


class _Events:
    """Event columns collected part by part, as codes (-1 is NULL)."""

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, ...]] = []

    def add(self, kind: str, i, ts, url=-1, email=-1, campaign=-1, value=np.nan) -> None:
        m = len(i)

        def full(v, dtype) -> np.ndarray:
            return np.broadcast_to(np.asarray(v, dtype=dtype), (m,))

        self.parts.append((
            full(i, np.int64), full(ts, np.int64), full(_ET[kind], np.int8),
            full(url, np.int16), full(email, np.int16), full(campaign, np.int8),
            full(value, np.float64),
        ))  # fmt: skip

    def columns(self) -> list[np.ndarray]:
        """Return the columns: contact index, ts, type, url, email_id, campaign, value."""
        return [np.concatenate([p[k] for p in self.parts]) for k in range(7)]


def _keep(rng: np.random.Generator, c: dict, i: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """Which activities happen: after creation, by END, before churn, unless gone dark."""
    dark = c["wave"][i] & (ts >= _WAVE) & (rng.random(len(i)) >= _WAVE_RESIDUAL)
    return (ts >= c["created"][i]) & (ts <= _END) & (ts < c["churn_at"][i]) & ~dark


def _weekly(rng: np.random.Generator, rate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Poisson counts on the contact x week grid -> (contact index, uniform time in week)."""
    counts = rng.poisson(rate)
    i, w = np.divmod(np.repeat(np.arange(counts.size), counts.ravel()), counts.shape[1])
    return i, _WEEKS[w] + rng.integers(0, _WEEK, len(i))


def _intensity(c: dict) -> np.ndarray:
    """Engagement multiplier per contact and week: decays with the contact's age."""
    age = (_WEEKS[None, :] + _WEEK // 2 - c["created"][:, None]) / _WEEK
    return np.exp(-np.maximum(age, 0.0) / _p("decay_weeks", c["persona"])[:, None])


def _first(n: int, i: np.ndarray, ts: np.ndarray) -> np.ndarray:
    out = np.full(n, _NEVER, dtype=np.int64)
    np.minimum.at(out, i, ts)
    return out


def _milestones(c: dict, i: np.ndarray, ts: np.ndarray, form: np.ndarray) -> None:
    """Lead at the first form, SQL after a demo request, customer after an SQL (in place)."""
    n = len(c["persona"])
    c["t_lead"] = _first(n, i, ts)
    demo = _first(n, i[form == 0], ts[form == 0])
    t_sql = np.where((demo < _NEVER) & c["sql_ok"], demo + c["sql_delay"], _NEVER)
    t_cust = np.where((t_sql < _NEVER) & c["convert"], t_sql + c["convert_delay"], _NEVER)
    lost = (t_cust >= c["churn_at"]) | (t_cust > _END) | (c["wave"] & (t_cust >= _WAVE))
    c["t_sql"] = np.where(t_sql <= _END, t_sql, _NEVER)
    c["t_cust"] = np.where(lost, _NEVER, t_cust)
    c["customer_from"] = np.where(c["level0"] == 4, c["created"], c["t_cust"])


def _forms(rng: np.random.Generator, c: dict, grid: np.ndarray, ev: _Events) -> None:
    """Organic forms, the surge cohort (chosen among non-customers) and its demo requests."""
    n, persona = len(c["persona"]), c["persona"]
    c["sql_delay"] = rng.integers(1 * _DAY, 5 * _DAY, n)
    c["sql_ok"] = rng.random(n) < 0.7
    c["convert"] = rng.random(n) < _p("convert", persona)
    c["convert_delay"] = rng.integers(10 * _DAY, 60 * _DAY, n)
    i, ts = _weekly(rng, _p("forms", persona)[:, None] * grid)
    form = np.where(rng.random(len(i)) < _p("demo_share", persona)[i], 0,
                    rng.integers(1, len(_FORMS), len(i)))  # fmt: skip
    keep = _keep(rng, c, i, ts)
    i, ts, form = i[keep], ts[keep], form[keep]
    _milestones(c, i, ts, form)
    c["surge"] = (
        c["opt_in"] & (c["unsub_at"] > _SURGE + 14 * _HOUR) & ~c["wave"]
        & (c["created"] <= _SURGE - 14 * _DAY) & (c["churn_at"] > _SURGE)
        & (c["customer_from"] > _SURGE) & (rng.random(n) < _p("surge", persona))
    )  # fmt: skip
    s = np.flatnonzero(c["surge"] & (rng.random(n) < 0.5))
    s_ts = _SURGE + 16 * _HOUR + rng.exponential(4 * _DAY, len(s)).astype(np.int64)
    keep = _keep(rng, c, s, s_ts)
    i, ts = np.concatenate([i, s[keep]]), np.concatenate([ts, s_ts[keep]])
    form = np.concatenate([form, np.zeros(keep.sum(), np.int64)])
    _milestones(c, i, ts, form)  # later demo requests only add later milestones
    ev.add("form_submit", i, ts, url=np.array([URLS.index(u) for u in _FORMS])[form])


def _emails(rng: np.random.Generator, c: dict, ev: _Events) -> None:
    """Each campaign's audience gets it; opens depend on persona and decay, then clicks."""
    send, kind = _CAMPAIGNS["send"], _CAMPAIGNS["kind"]
    persona, created = c["persona"], c["created"]
    customer = c["customer_from"][:, None] <= send[None, :]
    sent = (
        c["opt_in"][:, None] & (created[:, None] <= send[None, :])
        & (send[None, :] < c["unsub_at"][:, None])
        & np.where(kind == 1, customer, True)  # product updates go to customers only
    )  # fmt: skip
    i, j = np.nonzero(sent)
    sts = send[j] + rng.integers(0, 30 * _MIN, len(i))
    ev.add("email_sent", i, sts, email=j, campaign=kind[j])
    age = np.maximum(send[j] - created[i], 0) / _WEEK
    p_open = _p("p_open", persona)[i] * np.exp(-age / _p("decay_weeks", persona)[i])
    p_open = np.minimum(p_open * np.where(kind[j] == 1, 1.1, 1.0), 0.97)
    o = np.flatnonzero(rng.random(len(i)) < p_open)
    delay = np.clip(np.exp(rng.normal(np.log(3 * _HOUR), 1.3, len(o))), 30, 5 * _DAY)
    ots = sts[o] + delay.astype(np.int64)
    keep = _keep(rng, c, i[o], ots)
    o, ots = o[keep], ots[keep]
    ev.add("email_open", i[o], ots, email=j[o], campaign=kind[j[o]])
    _clicks(rng, c, ev, i[o], j[o], ots)


def _clicks(rng, c: dict, ev: _Events, i: np.ndarray, j: np.ndarray, ots: np.ndarray) -> None:
    """Clicks on opened emails, each followed by a page visit tagged with the campaign."""
    kind = _CAMPAIGNS["kind"]
    surge_mail = (kind[j] == 2) & c["surge"][i]
    p_click = np.where(surge_mail, 0.85, _p("p_click", c["persona"])[i])
    k = np.flatnonzero(rng.random(len(i)) < p_click)
    cts = ots[k] + 20 + rng.exponential(60, len(k)).astype(np.int64)
    keep = _keep(rng, c, i[k], cts)
    k, cts = k[keep], cts[keep]
    url = _CAMPAIGNS["url"][j[k]]
    ev.add("email_click", i[k], cts, url=url, email=j[k], campaign=kind[j[k]])
    ev.add("page_visit", i[k], cts + rng.integers(2, 16, len(k)), url=url, campaign=kind[j[k]])


def _visits(rng: np.random.Generator, c: dict, grid: np.ndarray, ev: _Events) -> None:
    """Organic sessions of one or more page views, and the surge's repeated /pricing views."""
    persona = c["persona"]
    si, sts = _weekly(rng, _p("sessions", persona)[:, None] * grid)
    pages = 1 + rng.poisson(0.5, len(si))
    first = np.cumsum(pages) - pages
    gaps = rng.exponential(70.0, pages.sum())
    gaps[first] = 0.0
    run = np.cumsum(gaps)
    i = np.repeat(si, pages)
    ts = np.repeat(sts, pages) + (run - np.repeat(run[first], pages)).astype(np.int64)
    url = np.empty(len(i), dtype=np.int64)
    for p in range(len(PERSONAS)):  # one step per persona
        rows = np.flatnonzero(persona[i] == p)
        url[rows] = _choice(rng, _PAGE_P[p], len(rows))
    blog = np.flatnonzero(url == len(_SITE))
    url[blog] += rng.integers(0, len(BLOG_POSTS), len(blog))
    s = np.repeat(np.flatnonzero(c["surge"]), 3 + rng.poisson(1.5, c["surge"].sum()))
    s_ts = _SURGE + 15 * _HOUR + np.minimum(rng.exponential(3.5 * _DAY, len(s)), 20 * _DAY)
    i, ts = np.concatenate([i, s]), np.concatenate([ts, s_ts.astype(np.int64)])
    url = np.concatenate([url, np.full(len(s), URLS.index("/pricing"))])
    plan = np.flatnonzero((url == URLS.index("/pricing")) & (rng.random(len(url)) < 0.25))
    url[plan] = URLS.index(_PLANS[0]) + rng.integers(0, len(_PLANS), len(plan))
    keep = _keep(rng, c, i, ts)
    ev.add("page_visit", i[keep], ts[keep], url=url[keep])


def _purchases(rng: np.random.Generator, c: dict, ev: _Events) -> None:
    """Add a first purchase at conversion, then repeat purchases while a customer."""
    since = c["customer_from"]
    rate = _p("purchases", c["persona"])[:, None] * (since[:, None] < _WEEKS[None, :] + _WEEK)
    i, ts = _weekly(rng, rate)
    ok = ts >= since[i]
    i, ts = i[ok], ts[ok]
    value = np.exp(rng.normal(np.log(60.0), 0.8, len(i)))
    conv = np.flatnonzero(c["t_cust"] < _NEVER)
    i = np.concatenate([i, conv])
    ts = np.concatenate([ts, c["t_cust"][conv] + rng.integers(0, 2 * _HOUR, len(conv))])
    value = np.round(np.concatenate([value, np.exp(rng.normal(np.log(250.0), 0.6, len(conv)))]), 2)
    keep = _keep(rng, c, i, ts)
    ev.add("purchase", i[keep], ts[keep], value=value[keep])


def _unsubscribes(c: dict, ev: _Events) -> None:
    i = np.flatnonzero(c["unsub_at"] < _NEVER)
    ev.add("unsubscribe", i, c["unsub_at"][i], email=c["unsub_j"][i], campaign=0)
