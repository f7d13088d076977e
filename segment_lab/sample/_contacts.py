"""One chunk: who the contacts are, and when they churn, unsubscribe, change job or move."""

from __future__ import annotations

import numpy as np

from segment_lab.sample._params import (
    _CITY_CHANGE,
    _DAY,
    _END,
    _GROWTH,
    _HOUR,
    _JOB_CHANGE,
    _MIN,
    _NEVER,
    _PERSONA,
    _POINTS0,
    _STAGE0_OLD,
    _START,
    _WAVE,
    _WAVE_P,
    _WEEK,
    CHURN_WAVE_INDUSTRY,
    PERSONAS,
    PRE_START_FROM,
    PRE_START_SHARE,
    _sec,
)
from segment_lab.sample._world import (
    _COUNTRIES,
    _NEWSLETTER_J,
    _NEWSLETTERS,
    _PERSONAL_DOMAINS,
    _PERSONAL_SHARE,
    _TECH,
    _TECH_STATE,
    _W,
)


def _p(name: str, persona: np.ndarray) -> np.ndarray:
    """Return a persona parameter for each contact."""
    return np.asarray(_PERSONA[name], dtype=np.float64)[persona]


def _choice(rng: np.random.Generator, weights, size: int) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(w), size=size, p=w / w.sum())


def _quirk(
    rng: np.random.Generator,
    codes: np.ndarray,
    n_base: int,
    rate: float,
    variants: int,
    null_rate: float,
) -> np.ndarray:
    """Turn a few codes into a casing/whitespace variant (code + k * n_base) or NULL (-1)."""
    codes = codes.copy()
    u = rng.random(len(codes))
    odd = u < rate
    codes[odd] += n_base * rng.integers(1, variants + 1, odd.sum())
    codes[u > 1 - null_rate] = -1
    return codes


def _created(rng: np.random.Generator, n: int) -> np.ndarray:
    """Creation times: a share before START, the rest over the span at a growing rate."""
    u, g = rng.random(n), _GROWTH
    x = (np.sqrt(1 + 2 * g * u * (1 + g / 2)) - 1) / g  # inverse CDF of density 1 + g x
    recent = _START + (x * (_END - _START)).astype(np.int64)
    old = rng.integers(_sec(PRE_START_FROM), _START, n)
    return np.where(rng.random(n) < PRE_START_SHARE, old, recent)


def _people(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Persona, creation, place, name, job, company, technologies, first stage and points."""
    c = {"persona": _choice(rng, _PERSONA["share"], n), "created": _created(rng, n)}
    country = _choice(rng, _W["country_w"], n)
    city = np.empty(n, dtype=np.int64)
    for ci in range(len(_COUNTRIES)):  # one step per country
        rows, options = np.flatnonzero(country == ci), np.flatnonzero(_W["city_country"] == ci)
        city[rows] = options[_choice(rng, _W["city_w"][options], len(rows))]
    c["country"], c["city"] = country, city
    c["name"] = _W["name_start"][country] + rng.integers(0, 1 << 30, n) % _W["name_len"][country]
    c["title"] = _choice(rng, _W["title_w"], n)
    c["company"] = rng.choice(len(_W["companies"]), size=n, p=_W["company_w"])
    c["industry"] = _W["company_industry"][c["company"]]
    personal = len(_W["companies"]) + rng.integers(0, len(_PERSONAL_DOMAINS), n)
    c["domain"] = np.where(rng.random(n) < _PERSONAL_SHARE, personal, c["company"])
    c["tech"] = rng.random((n, len(_TECH))) < _W["tech_p"][c["title"]]
    c["tech_state"] = _choice(rng, _TECH_STATE, n)
    old = c["created"] < _START
    level = np.zeros(n, dtype=np.int64)
    for p in range(len(PERSONAS)):  # one step per persona
        rows = np.flatnonzero(old & (c["persona"] == p))
        level[rows] = _choice(rng, _STAGE0_OLD[p], len(rows))
    new_lead = ~old & (rng.random(n) < _p("lead0", c["persona"]))
    level[new_lead] = 1
    lo, hi = np.asarray(_POINTS0).T
    c["level0"], c["points0"] = level, rng.integers(lo[level], hi[level] + 1)
    c["points0"][new_lead] = rng.integers(5, 31, new_lead.sum())
    return c


def _life(rng: np.random.Generator, c: dict) -> None:
    """Opt-in, natural churn, unsubscribe time and churn-wave membership (in place)."""
    n, persona = len(c["persona"]), c["persona"]
    origin = np.maximum(c["created"], _START)
    c["opt_in"] = rng.random(n) < _p("opt_in", persona)
    with np.errstate(divide="ignore"):
        churn = origin + rng.exponential(1.0, n) / _p("churn", persona) * _WEEK
        raw = origin + rng.exponential(1.0, n) / _p("unsub", persona) * _WEEK
    c["churn_at"] = np.where(churn <= _END, churn, _NEVER).astype(np.int64)
    # Unsubscribing answers a newsletter: 31 min to 11.5 h after the first one after `raw`.
    j = np.searchsorted(_NEWSLETTERS, np.minimum(raw, _END + 1.0))
    ok = c["opt_in"] & (j < len(_NEWSLETTERS))
    j = np.minimum(j, len(_NEWSLETTERS) - 1)
    delay = 31 * _MIN + np.minimum(rng.exponential(3 * _HOUR, n), 11 * _HOUR).astype(np.int64)
    unsub = _NEWSLETTERS[j] + delay
    ok &= unsub < c["churn_at"]
    eligible = (
        np.isin(persona, [PERSONAS.index("engaged"), PERSONAS.index("evaluator")])
        & c["opt_in"] & (c["created"] < _WAVE - 60 * _DAY) & (c["churn_at"] > _WAVE)
        & (~ok | (unsub > _WAVE))
    )  # fmt: skip
    industry = c["industry"] == _W["industries"].index(CHURN_WAVE_INDUSTRY)
    c["wave"] = eligible & (rng.random(n) < np.where(industry, *_WAVE_P))
    ok &= ~(c["wave"] & (unsub >= _WAVE))  # dark contacts do not even unsubscribe
    c["unsub_at"] = np.where(ok, unsub, _NEVER)
    c["unsub_j"] = _NEWSLETTER_J[j]


def _moves(rng: np.random.Generator, c: dict) -> None:
    """Add a few job changes (promotions) and relocations within the country (in place)."""
    n = len(c["persona"])
    base = np.maximum(c["created"], _START) + _DAY
    room = np.maximum(_END - base, 0)
    job = (rng.random(n) < _JOB_CHANGE) & (c["title0"] >= 0) & (room > 0)
    c["t_job"] = np.where(job, base + (rng.random(n) * room).astype(np.int64), _NEVER)
    c["title1"] = _W["promotion"][c["title0"] % len(_W["titles"])]
    city = c["city0"] % len(_W["cities"])
    move = (rng.random(n) < _CITY_CHANGE) & (c["city0"] >= 0) & _W["movable"][city] & (room > 0)
    c["t_city"] = np.where(move, base + (rng.random(n) * room).astype(np.int64), _NEVER)
    c["city1"] = _W["city_alt"][city]
