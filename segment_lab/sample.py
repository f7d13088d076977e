"""Deterministic synthetic CRM data with planted, documented ground truth.

The generator simulates the marketing database of a B2B software company between
:data:`START` and :data:`END`: contacts with attributes (one of them a list of
technologies), their events (weekly newsletters, opens, clicks, web visits, forms,
purchases, unsubscribes) and an SCD2 ``contact_history`` of the attributes that change
(job title, lifecycle stage, points, city).  Five personas drive behaviour; engagement
decays, contacts churn and unsubscribe.  The data card is ``datasets/README.md``.

Three patterns are planted so that analytics can be tested against a known answer:

* a **churn wave** from :data:`CHURN_WAVE_START`: a cohort of engaged contacts,
  concentrated in the :data:`CHURN_WAVE_INDUSTRY` industry, goes dark, so the
  :data:`CHURN_RISK` segment grows sharply two to three weeks later;
* a **high-intent surge** from :data:`INTENT_SURGE_START`: after the ``pricing-launch``
  email many contacts visit ``/pricing`` repeatedly and ask for demos, so
  :data:`PRICING_INTENT` jumps within a week;
* a **control**, :data:`CONTROL`, whose size never changes.

The ``truth`` table gives every contact's persona and whether it was planted into either
wave.  The same ``seed`` gives the same data.

Examples
--------
>>> from segment_lab import sample
>>> frames = sample.generate(scale="tiny", seed=0)
>>> sorted(frames)
['contact_history', 'contacts', 'events', 'truth']
>>> len(frames["contacts"])
200
>>> bool(frames["events"]["ts"].max() <= sample.END)
True
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from segment_lab.dsl import all_of, any_of, event, field, in_segment
from segment_lab.model import Catalog, Segment

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

__all__ = [
    "CHURN_RISK",
    "CHURN_WAVE_INDUSTRY",
    "CHURN_WAVE_START",
    "CONTROL",
    "END",
    "EVENT_TYPES",
    "GENERATOR_VERSION",
    "INTENT_SURGE_CAMPAIGN",
    "INTENT_SURGE_START",
    "PERSONAS",
    "PRICING_INTENT",
    "SCALES",
    "STAGES",
    "START",
    "STATIC_ATTRIBUTES",
    "TABLES",
    "Scale",
    "build_database",
    "default_path",
    "demo_catalog",
    "generate",
    "is_current",
    "main",
]

#: Bumped whenever the data generated for a given seed changes (see :func:`is_current`).
GENERATOR_VERSION = 2

#: First instant of simulated activity (naive UTC).
START = dt.datetime(2024, 1, 1)
#: Last instant of simulated activity (naive UTC); nothing happens after it.
END = dt.datetime(2025, 6, 30, 23, 59, 59)
#: Contacts created before START were created from this date on; their events start at START.
PRE_START_FROM = dt.datetime(2022, 1, 1)

#: Monday from which the churn-wave cohort goes dark (no opens, clicks, visits, forms, buys).
CHURN_WAVE_START = dt.datetime(2025, 3, 3)
#: The industry the churn-wave cohort is concentrated in.
CHURN_WAVE_INDUSTRY = "Retail"
#: Monday of the ``pricing-launch`` email (14:00 UTC) that starts the high-intent surge.
INTENT_SURGE_START = dt.datetime(2025, 5, 5)
#: Campaign name of the email that starts the surge.
INTENT_SURGE_CAMPAIGN = "pricing-launch"

#: Personas, in the order of the parameter table.
PERSONAS = ("champion", "engaged", "evaluator", "casual", "dormant")
#: Lifecycle stages, in order of progression.
STAGES = ("subscriber", "lead", "mql", "sql", "customer")
#: Event types, in code order.
EVENT_TYPES = (
    "email_sent",
    "email_open",
    "email_click",
    "page_visit",
    "form_submit",
    "purchase",
    "unsubscribe",
)

#: Contact attributes that never change in this data (they are not in contact_history); bind
#: them with ``Bindings(static=STATIC_ATTRIBUTES)`` to evaluate them at past instants silently.
STATIC_ATTRIBUTES = ("email", "first_name", "country", "company", "industry", "technologies",
                     "created_at")  # fmt: skip

# fmt: off
# -- behaviour: one value per persona, in PERSONAS order; rates are per week -------------------
_PERSONA = {
    "share":       (0.08,   0.22,  0.10,  0.35,  0.25),
    "opt_in":      (0.95,   0.85,  0.75,  0.50,  0.25),    # subscribed to email at creation
    "p_open":      (0.90,   0.70,  0.45,  0.10,  0.02),    # opens an email (before decay)
    "p_click":     (0.35,   0.20,  0.25,  0.08,  0.05),    # clicks an opened email
    "sessions":    (0.50,   0.25,  0.35,  0.06,  0.015),   # web sessions (before decay)
    "forms":       (0.015,  0.008, 0.03,  0.002, 0.0005),  # form submissions (before decay)
    "demo_share":  (0.10,   0.20,  0.60,  0.15,  0.05),    # share of forms that ask for a demo
    "purchases":   (0.10,   0.05,  0.06,  0.02,  0.01),    # purchases while a customer
    "decay_weeks": (np.inf, 200.0, 40.0,  80.0,  20.0),    # engagement e-folding time
    "churn":       (0.0,    0.002, 0.005, 0.004, 0.006),   # hazard of stopping all activity
    "unsub":       (0.0005, 0.003, 0.006, 0.012, 0.020),   # hazard of unsubscribing
    "convert":     (0.5,    0.35,  0.5,   0.2,   0.1),     # an SQL becomes a customer
    "surge":       (0.10,   0.12,  0.45,  0.03,  0.0),     # joins the intent surge
    "lead0":       (0.3,    0.3,   0.5,   0.3,   0.3),     # created after START as a lead
}
# Stage level at creation for contacts created before START (subscriber ... customer).
_STAGE0_OLD = (
    (0.05, 0.15, 0.20, 0.10, 0.50),
    (0.25, 0.35, 0.15, 0.05, 0.20),
    (0.20, 0.45, 0.20, 0.15, 0.00),
    (0.55, 0.30, 0.05, 0.02, 0.08),
    (0.70, 0.25, 0.02, 0.00, 0.03),
)
_POINTS0 = ((0, 20), (5, 60), (100, 150), (120, 200), (150, 300))  # by stage level, inclusive
_POINT_WEIGHTS = {"email_open": 1, "email_click": 3, "page_visit": 1, "form_submit": 10,
                  "purchase": 15}
# fmt: on
MQL_POINTS = 100  # the monthly scoring run makes a contact an MQL from this many points
_PRICING_BONUS = 2  # extra points for a pricing-page view
PRE_START_SHARE = 0.12  # share of contacts created before START
_GROWTH = 2.5  # the creation rate at END is 1 + _GROWTH times the rate at START
_WAVE_P = (0.8, 0.2)  # chance to join the churn wave: in CHURN_WAVE_INDUSTRY, elsewhere
_WAVE_RESIDUAL = 0.03  # share of a dark contact's activity that still happens
_JOB_CHANGE, _CITY_CHANGE = 0.08, 0.03  # share of contacts changing job / city

# fmt: off
# -- the world: places, names, jobs, technologies, companies, pages ----------------------------
_COUNTRIES = (  # country, share, ((city, share in country), ...), first-name pool
    ("United States", 0.28, (("New York", 0.3), ("San Francisco", 0.25), ("Austin", 0.15),
                             ("Chicago", 0.15), ("Seattle", 0.15)), "en"),
    ("United Kingdom", 0.10, (("London", 0.8), ("Manchester", 0.2)), "en"),
    ("Germany", 0.10, (("Berlin", 0.55), ("Munich", 0.3), ("Hamburg", 0.15)), "de"),
    ("Japan", 0.10, (("Tokyo", 0.8), ("Osaka", 0.2)), "jp"),
    ("France", 0.07, (("Paris", 0.8), ("Lyon", 0.2)), "fr"),
    ("India", 0.07, (("Bangalore", 0.6), ("Mumbai", 0.4)), "in"),
    ("Canada", 0.05, (("Toronto", 0.7), ("Vancouver", 0.3)), "en"),
    ("Netherlands", 0.04, (("Amsterdam", 1.0),), "nl"),
    ("Spain", 0.04, (("Madrid", 0.6), ("Barcelona", 0.4)), "es"),
    ("Australia", 0.04, (("Sydney", 0.7), ("Melbourne", 0.3)), "en"),
    ("Brazil", 0.04, (("São Paulo", 1.0),), "es"),
    ("Singapore", 0.03, (("Singapore", 1.0),), "en"),
    ("Sweden", 0.04, (("Stockholm", 1.0),), "se"),
)
_NAMES = {
    "en": ("James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda",
           "David", "Sarah", "Emily", "Daniel", "Olivia", "Liam", "Emma", "Noah", "Ava",
           "Lucas", "Mia", "Ethan"),
    "jp": ("Haruto", "Yui", "Sota", "Hina", "Yuto", "Aoi", "Ren", "Sakura", "Kenji", "Yuki",
           "Takashi", "Akiko", "Hiroshi", "Naomi"),
    "de": ("Lukas", "Anna", "Jonas", "Lea", "Felix", "Marie", "Paul", "Hannah", "Leon",
           "Sophie", "Maximilian", "Laura"),
    "fr": ("Louis", "Camille", "Hugo", "Chloe", "Jules", "Manon", "Arthur", "Ines", "Theo"),
    "es": ("Pedro", "Lucia", "Mateo", "Sofia", "Diego", "Valentina", "Joao", "Ana", "Gabriel"),
    "in": ("Aarav", "Priya", "Vivaan", "Ananya", "Arjun", "Diya", "Rohan", "Isha", "Karthik"),
    "se": ("Erik", "Astrid", "Oscar", "Elsa", "Axel", "Maja"),
    "nl": ("Daan", "Sanne", "Bram", "Fleur", "Jesse", "Lotte"),
}
_TITLES = (  # title, share, role group, title after a promotion
    ("CTO", 0.05, "tech", "CEO"),
    ("CEO", 0.04, "other", "Founder"),
    ("Founder", 0.03, "tech", "CEO"),
    ("VP Engineering", 0.04, "tech", "CTO"),
    ("Engineering Manager", 0.06, "tech", "VP Engineering"),
    ("Senior Developer", 0.10, "tech", "Engineering Manager"),
    ("Developer", 0.16, "tech", "Senior Developer"),
    ("Data Engineer", 0.07, "tech", "Senior Developer"),
    ("Data Scientist", 0.05, "tech", "Engineering Manager"),
    ("Product Manager", 0.06, "other", "Head of Product"),
    ("Head of Product", 0.01, "other", "CEO"),
    ("Marketing Manager", 0.10, "gtm", "Head of Marketing"),
    ("Head of Marketing", 0.04, "gtm", "CMO"),
    ("CMO", 0.02, "gtm", "CEO"),
    ("Sales Manager", 0.04, "gtm", "VP Sales"),
    ("VP Sales", 0.01, "gtm", "CEO"),
    ("Consultant", 0.04, "other", "Founder"),
    ("Student", 0.03, "tech", "Developer"),
    ("Analyst", 0.03, "other", "Data Scientist"),
)
_TECH = ("python", "aws", "gcp", "azure", "kubernetes", "react", "java", "go", "postgres",
         "duckdb", "snowflake", "dbt", "spark", "hubspot", "salesforce", "google-analytics",
         "excel", "segment")
_TECH_P = {  # chance of each technology, in _TECH order, by role group
    "tech":  (0.55, 0.45, 0.2, 0.15, 0.25, 0.3, 0.2, 0.15, 0.35, 0.12, 0.12, 0.12, 0.1,
              0, 0, 0.02, 0.05, 0.02),
    "gtm":   (0.05, 0.02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.5, 0.45, 0.5, 0.4, 0.15),
    "other": (0.2, 0.15, 0.05, 0.05, 0.02, 0.02, 0.05, 0.02, 0.1, 0.03, 0.1, 0.05, 0.02,
              0.1, 0.2, 0.2, 0.4, 0.03),
}
_TECH_STATE = (0.86, 0.04, 0.10)  # technologies listed, an empty list, NULL
_PREFIXES = ("Acme", "Nimbus", "Blue", "Bright", "Cedar", "Delta", "Echo", "Falcon",
             "Granite", "Harbor", "Iron", "Juniper", "Kite", "Lumen", "Maple", "Nova", "Orbit",
             "Pine", "Quartz", "River", "Summit", "Tidal", "Umbra", "Vector", "Willow",
             "Xenon", "Yellow", "Zephyr", "Atlas", "Beacon", "Cobalt", "Drift", "Ember",
             "Fjord", "Glacier", "Helix", "Indigo", "Jade", "Keystone", "Lattice")
_SUFFIXES = (  # company name suffix -> industry
    ("Labs", "Software"), ("Analytics", "Software"), ("Systems", "Software"),
    ("Software", "Software"), ("Networks", "Software"), ("Data", "Software"),
    ("Cloud", "Software"), ("Group", "Software"), ("Retail", "Retail"), ("Apparel", "Retail"),
    ("Foods", "Retail"), ("Markets", "Retail"), ("Bank", "Finance"), ("Capital", "Finance"),
    ("Insurance", "Finance"), ("Health", "Healthcare"), ("Media", "Media"),
    ("Studios", "Media"), ("Learning", "Education"), ("Logistics", "Logistics"),
    ("Consulting", "Consulting"), ("Partners", "Consulting"), ("Robotics", "Manufacturing"),
    ("Energy", "Manufacturing"), ("Works", "Manufacturing"),
)
_PERSONAL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me")
_PERSONAL_SHARE = 0.25
BLOG_POSTS = ("/blog/segment-history", "/blog/churn-signals", "/blog/duckdb-at-scale",
              "/blog/lead-scoring-101", "/blog/cohort-analysis", "/blog/email-deliverability",
              "/blog/saas-pricing", "/blog/customer-stories")
_SITE = ("/", "/pricing", "/features", "/docs", "/docs/quickstart", "/docs/api",
         "/integrations", "/customers", "/contact")
_PAGE_P = (  # _SITE pages, then all blog posts together; by persona
    (0.10, 0.03, 0.07, 0.25, 0.05, 0.15, 0.05, 0.02, 0.01, 0.27),
    (0.15, 0.04, 0.10, 0.15, 0.06, 0.05, 0.05, 0.04, 0.01, 0.35),
    (0.14, 0.20, 0.18, 0.08, 0.08, 0.02, 0.08, 0.12, 0.05, 0.05),
    (0.30, 0.04, 0.10, 0.05, 0.03, 0.01, 0.03, 0.03, 0.01, 0.40),
    (0.50, 0.03, 0.07, 0.05, 0.02, 0.00, 0.02, 0.01, 0.01, 0.29),
)
_FORMS = ("/demo", "/contact", "/webinar", "/ebook")  # form pages; /demo asks for a demo
_PLANS = ("/pricing?plan=team", "/pricing?plan=enterprise")  # a quarter of pricing views
#: Every url in the events table.
URLS = (*_SITE, *BLOG_POSTS, "/demo", "/webinar", "/ebook", *_PLANS)
# fmt: on
_ET = {name: code for code, name in enumerate(EVENT_TYPES)}
_PRICING_URLS = np.array([URLS.index(u) for u in ("/pricing", *_PLANS)])

# -- time: generation runs on int64 seconds since 1970 -----------------------------------------
_EPOCH = dt.datetime(1970, 1, 1)
_MIN, _HOUR, _DAY = 60, 3600, 86_400
_WEEK = 7 * _DAY
_NEVER = np.int64(2**62)  # "no such time"; NULL in the tables


def _sec(d: dt.datetime) -> int:
    return int((d - _EPOCH).total_seconds())


_START, _END = _sec(START), _sec(END)
_WAVE, _SURGE = _sec(CHURN_WAVE_START), _sec(INTENT_SURGE_START)
_WEEKS = _START + _WEEK * np.arange(-(-(_END - _START + 1) // _WEEK), dtype=np.int64)
_MONTHS = np.array(  # monthly lead-scoring runs, on the 1st of each month after START
    [_sec(dt.datetime(2024 + m // 12, m % 12 + 1, 1)) for m in range(1, 18)], dtype=np.int64
)


def _campaigns() -> dict:
    """Every email send: weekly newsletter, monthly product update, the pricing launch."""
    rows = []  # (send time, kind, email_id, click url)
    launch = INTENT_SURGE_START.replace(hour=14)
    for k in range((END - START).days // 7 + 1):
        day = START + dt.timedelta(days=1 + 7 * k)  # Tuesdays from 2024-01-02
        if day <= END and day.date() != (launch + dt.timedelta(days=1)).date():
            url = BLOG_POSTS[k % len(BLOG_POSTS)]
            rows.append((day.replace(hour=9), 0, f"newsletter-{day:%Y-%m-%d}", url))
    for m in range(18):
        first = dt.datetime(2024 + m // 12, m % 12 + 1, 1)
        thursday = first + dt.timedelta(days=(3 - first.weekday()) % 7, hours=15)
        rows.append((thursday, 1, f"product-update-{first:%Y-%m}", "/features"))
    # The pricing launch replaces that week's newsletter and goes to every subscriber.
    rows.append((launch, 2, f"{INTENT_SURGE_CAMPAIGN}-{launch:%Y-%m-%d}", "/pricing"))
    rows.sort()
    return {
        "send": np.array([_sec(r[0]) for r in rows], dtype=np.int64),
        "kind": np.array([r[1] for r in rows], dtype=np.int64),
        "email_id": tuple(r[2] for r in rows),
        "name": ("weekly-newsletter", "product-update", INTENT_SURGE_CAMPAIGN),  # by kind
        "url": np.array([URLS.index(r[3]) for r in rows], dtype=np.int64),
    }


_CAMPAIGNS = _campaigns()
_NEWSLETTER_J = np.flatnonzero(_CAMPAIGNS["kind"] == 0)
_NEWSLETTERS = _CAMPAIGNS["send"][_NEWSLETTER_J]


# -- scales ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scale:
    """Size of a data set: contacts, generated in independently seeded chunks.

    Every chunk has the same per-contact behaviour, so events per contact (about 36) do not
    depend on the scale.
    """

    name: str
    contacts: int
    chunk_size: int
    description: str = ""

    @property
    def chunks(self) -> int:
        """Number of chunks."""
        return -(-self.contacts // self.chunk_size)


#: Named sizes (measured row counts in ``datasets/README.md``).
SCALES: dict[str, Scale] = {
    "tiny": Scale("tiny", 200, 200, "doctests and unit tests: about 7 000 events"),
    "sample": Scale("sample", 5_000, 5_000, "tests and notebooks: about 180 000 events"),
    "bench": Scale("bench", 1_000_000, 50_000, "benchmarks: about 36 million events"),
}


def _scale(scale: str | Scale) -> Scale:
    if isinstance(scale, Scale):
        return scale
    if scale not in SCALES:
        from segment_lab.errors import InvalidValueError, did_you_mean

        raise InvalidValueError(
            f"Unknown scale {scale!r}; use one of {', '.join(map(repr, SCALES))}."
            + did_you_mean(scale, SCALES)
        )
    return SCALES[scale]


# -- vocabularies: string columns are generated as integer codes into these --------------------
def _variants(values: tuple[str, ...]) -> tuple[str, ...]:
    """Values, then lower-case, leading-space, trailing-space and upper-case variants."""
    return (*values, *(v.lower() for v in values), *(" " + v for v in values),
            *(v + " " for v in values), *(v.upper() for v in values))  # fmt: skip


def _world() -> dict:
    cities, city_country, city_w, alt = [], [], [], []
    for ci, (_, _, in_country, _) in enumerate(_COUNTRIES):
        first = len(cities)
        for k, (city, w) in enumerate(in_country):
            cities.append(city)
            city_country.append(ci)
            city_w.append(w)
            alt.append(first + (k + 1) % len(in_country))  # where a relocation goes
    pools = list(_NAMES)
    starts = np.cumsum([0] + [len(_NAMES[p]) for p in pools])
    pool = [pools.index(c[3]) for c in _COUNTRIES]
    titles = tuple(t[0] for t in _TITLES)
    industries = tuple(sorted({ind for _, ind in _SUFFIXES}))
    companies = tuple(f"{p} {s}" for p in _PREFIXES for s, _ in _SUFFIXES)
    size = np.empty(len(companies))  # Zipf-like company sizes in a fixed, seed-free order
    size[np.random.default_rng(7).permutation(len(companies))] = 1 / np.arange(10, 10 + len(size))
    return {
        "countries": tuple(c[0] for c in _COUNTRIES),
        "country_w": np.array([c[1] for c in _COUNTRIES]),
        "cities": tuple(cities),
        "city_country": np.array(city_country),
        "city_w": np.array(city_w),
        "city_alt": np.array(alt),
        "movable": np.bincount(city_country)[city_country] > 1,
        "names": tuple(n for p in pools for n in _NAMES[p]),
        "name_start": starts[pool],
        "name_len": np.diff(starts)[pool],
        "titles": titles,
        "title_w": np.array([t[1] for t in _TITLES]),
        "promotion": np.array([titles.index(t[3]) for t in _TITLES]),
        "tech_p": np.array([_TECH_P[t[2]] for t in _TITLES]),
        "industries": industries,
        "companies": companies,
        "company_w": size / size.sum(),
        "company_industry": np.tile([industries.index(i) for _, i in _SUFFIXES], len(_PREFIXES)),
        "domains": (*(c.replace(" ", "").lower() + ".com" for c in companies), *_PERSONAL_DOMAINS),
    }  # fmt: skip


_W = _world()
_CITY_VOCAB = _variants(_W["cities"])
_COUNTRY_VOCAB = _variants(_W["countries"])
_TITLE_VOCAB = _variants(_W["titles"])


# -- one chunk: who the contacts are -----------------------------------------------------------
def _p(name: str, persona: np.ndarray) -> np.ndarray:
    """A persona parameter for each contact."""
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
    """A few job changes (promotions) and relocations within the country (in place)."""
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


# -- one chunk: what they do -------------------------------------------------------------------
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
        """contact index, ts, type, url, email_id, campaign, value."""
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
    """A first purchase at conversion, then repeat purchases while a customer."""
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


# -- one chunk: how attributes change ----------------------------------------------------------
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


# -- one chunk: Arrow tables -------------------------------------------------------------------
#: Tables and their columns with DuckDB types, in column order.
TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "contacts": (
        ("contact_id", "BIGINT"), ("email", "VARCHAR"), ("first_name", "VARCHAR"),
        ("city", "VARCHAR"), ("country", "VARCHAR"), ("job_title", "VARCHAR"),
        ("company", "VARCHAR"), ("industry", "VARCHAR"), ("lifecycle_stage", "VARCHAR"),
        ("points", "INTEGER"), ("is_customer", "BOOLEAN"), ("technologies", "VARCHAR[]"),
        ("created_at", "TIMESTAMP"),
    ),
    "events": (
        ("contact_id", "BIGINT"), ("event_type", "VARCHAR"), ("ts", "TIMESTAMP"),
        ("url", "VARCHAR"), ("email_id", "VARCHAR"), ("campaign", "VARCHAR"),
        ("value", "DOUBLE"),
    ),
    "contact_history": (
        ("contact_id", "BIGINT"), ("valid_from", "TIMESTAMP"), ("valid_to", "TIMESTAMP"),
        ("job_title", "VARCHAR"), ("lifecycle_stage", "VARCHAR"), ("points", "INTEGER"),
        ("city", "VARCHAR"), ("is_customer", "BOOLEAN"),
    ),
    "truth": (
        ("contact_id", "BIGINT"), ("persona", "VARCHAR"), ("opted_in", "BOOLEAN"),
        ("churn_wave", "BOOLEAN"), ("intent_surge", "BOOLEAN"), ("churned_at", "TIMESTAMP"),
        ("unsubscribed_at", "TIMESTAMP"),
    ),
}  # fmt: skip


def _dict(codes: np.ndarray, vocab: tuple[str, ...]) -> pa.Array:
    """Codes into ``vocab`` as an Arrow dictionary array; negative codes are NULL."""
    import pyarrow as pa

    codes = np.asarray(codes)
    idx = pa.array(codes.astype(np.int16), mask=codes < 0)
    return pa.DictionaryArray.from_arrays(idx, pa.array(vocab, pa.string()))


def _time(seconds: np.ndarray) -> pa.Array:
    """Seconds since 1970 as microsecond timestamps; _NEVER becomes NULL."""
    import pyarrow as pa

    never = seconds >= _NEVER
    return pa.array(np.where(never, 0, seconds) * 1_000_000, pa.timestamp("us"), mask=never)


def _technologies(c: dict) -> pa.Array:
    import pyarrow as pa

    tech = c["tech"] & (c["tech_state"] == 0)[:, None]
    _, cols = np.nonzero(tech)
    offsets = np.concatenate([[0], np.cumsum(tech.sum(axis=1))]).astype(np.int32)
    values = pa.array(np.asarray(_TECH, dtype=object)[cols], pa.string())
    return pa.ListArray.from_arrays(offsets, values, mask=pa.array(c["tech_state"] == 2))


def _email(c: dict, ids: np.ndarray) -> pa.Array:
    import pyarrow as pa
    import pyarrow.compute as pc

    local = pc.utf8_lower(_dict(c["name"], _W["names"]).dictionary_decode())
    domain = _dict(c["domain"], _W["domains"]).dictionary_decode()
    return pc.binary_join_element_wise(local, ".", pa.array(ids.astype(str)), "@", domain, "")


def _contacts_table(rng: np.random.Generator, c: dict, h: dict, ids: np.ndarray) -> pa.Table:
    """Current values: the open history row of each contact, plus the fixed attributes."""
    import pyarrow as pa

    n, now = len(ids), np.flatnonzero(h["valid_to"] >= _NEVER)  # one open row per contact

    def some_null(codes: np.ndarray, rate: float) -> np.ndarray:
        return np.where(rng.random(n) < rate, -1, codes)

    return pa.table({
        "contact_id": pa.array(ids),
        "email": _email(c, ids),
        "first_name": _dict(some_null(c["name"], 0.01), _W["names"]),
        "city": _dict(h["city"][now], _CITY_VOCAB),
        "country": _dict(c["country_q"], _COUNTRY_VOCAB),
        "job_title": _dict(h["title"][now], _TITLE_VOCAB),
        "company": _dict(some_null(c["company"], 0.03), _W["companies"]),
        "industry": _dict(some_null(c["industry"], 0.05), _W["industries"]),
        "lifecycle_stage": _dict(h["level"][now], STAGES),
        "points": pa.array(h["points"][now].astype(np.int32)),
        "is_customer": pa.array(h["level"][now] == 4),
        "technologies": _technologies(c),
        "created_at": _time(c["created"]),
    })  # fmt: skip


def _history_table(h: dict, first_id: int) -> pa.Table:
    import pyarrow as pa

    return pa.table({
        "contact_id": pa.array(h["i"] + first_id),
        "valid_from": _time(h["valid_from"]),
        "valid_to": _time(h["valid_to"]),
        "job_title": _dict(h["title"], _TITLE_VOCAB),
        "lifecycle_stage": _dict(h["level"], STAGES),
        "points": pa.array(h["points"].astype(np.int32)),
        "city": _dict(h["city"], _CITY_VOCAB),
        "is_customer": pa.array(h["level"] == 4),
    })  # fmt: skip


def _events_table(cols: list[np.ndarray], first_id: int) -> pa.Table:
    """Events ordered by contact, then time (ties keep generation order)."""
    import pyarrow as pa

    i, ts, et, url, email, campaign, value = cols
    order = np.argsort((i << 32) | (ts - _START), kind="stable")
    value = value[order]
    return pa.table({
        "contact_id": pa.array(i[order] + first_id),
        "event_type": _dict(et[order], EVENT_TYPES),
        "ts": _time(ts[order]),
        "url": _dict(url[order], URLS),
        "email_id": _dict(email[order], _CAMPAIGNS["email_id"]),
        "campaign": _dict(campaign[order], _CAMPAIGNS["name"]),
        "value": pa.array(value, mask=np.isnan(value)),
    })  # fmt: skip


def _truth_table(c: dict, ids: np.ndarray) -> pa.Table:
    import pyarrow as pa

    return pa.table({
        "contact_id": pa.array(ids),
        "persona": _dict(c["persona"], PERSONAS),
        "opted_in": pa.array(c["opt_in"]),
        "churn_wave": pa.array(c["wave"]),
        "intent_surge": pa.array(c["surge"]),
        "churned_at": _time(c["churn_at"]),
        "unsubscribed_at": _time(c["unsub_at"]),
    })  # fmt: skip


def _chunk(scale: Scale, seed: int, k: int) -> dict[str, pa.Table]:
    """Chunk ``k`` of a scale, from its own random stream ``(seed, k)``."""
    rng = np.random.default_rng([seed, k])
    first_id = k * scale.chunk_size + 1
    n = min(scale.chunk_size, scale.contacts - k * scale.chunk_size)
    c = _people(rng, n)
    c["country_q"] = _quirk(rng, c["country"], len(_W["countries"]), 0.015, 1, 0.02)
    c["city0"] = _quirk(rng, c["city"], len(_W["cities"]), 0.02, 4, 0.03)
    c["title0"] = _quirk(rng, c["title"], len(_W["titles"]), 0.015, 3, 0.05)
    _life(rng, c)
    ev, grid = _Events(), _intensity(c)
    _forms(rng, c, grid, ev)
    _emails(rng, c, ev)
    _visits(rng, c, grid, ev)
    _purchases(rng, c, ev)
    _unsubscribes(c, ev)
    cols = ev.columns()
    _points(c, cols)
    _moves(rng, c)
    h = _history(c)
    ids = np.arange(first_id, first_id + n, dtype=np.int64)
    return {
        "contacts": _contacts_table(rng, c, h, ids),
        "events": _events_table(cols, first_id),
        "contact_history": _history_table(h, first_id),
        "truth": _truth_table(c, ids),
    }


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    import pyarrow as pa

    plain = [col.cast(col.type.value_type) if pa.types.is_dictionary(col.type) else col
             for col in table.columns]  # fmt: skip
    df = pa.table(plain, names=table.column_names).to_pandas()
    for name in table.column_names:
        if pa.types.is_list(table.schema.field(name).type):  # Python lists, not numpy arrays
            df[name] = table.column(name).to_pylist()
    return df


# -- public API --------------------------------------------------------------------------------
def generate(scale: str | Scale = "sample", seed: int = 0) -> dict[str, pd.DataFrame]:
    """Generate the sample data as pandas DataFrames.

    Parameters
    ----------
    scale
        A name in :data:`SCALES` (``"tiny"``, ``"sample"``, ``"bench"``) or a :class:`Scale`.
        For ``"bench"`` use :func:`build_database`, which streams chunk by chunk.
    seed
        Random seed; the same seed gives identical frames.

    Returns
    -------
    dict
        ``contacts``, ``events``, ``contact_history`` and ``truth`` DataFrames (columns in
        :data:`TABLES`, meaning in ``datasets/README.md``).  Timestamps are naive UTC
        ``datetime64[us]`` holding whole seconds; ``technologies`` holds Python lists.

    Examples
    --------
    >>> frames = generate("tiny", seed=1)
    >>> frames["events"]["event_type"].value_counts().index[0]
    'email_sent'
    >>> frames["truth"].columns.tolist()
    ['contact_id', 'persona', 'opted_in', 'churn_wave', 'intent_surge', 'churned_at', 'unsubscribed_at']
    """
    import pyarrow as pa

    sc = _scale(scale)
    parts: dict[str, list[pa.Table]] = {name: [] for name in TABLES}
    for k in range(sc.chunks):
        for name, table in _chunk(sc, seed, k).items():
            parts[name].append(table)
    return {name: _to_pandas(pa.concat_tables(tables)) for name, tables in parts.items()}


def default_path(scale: str | Scale = "sample", seed: int = 0) -> Path:
    """Where a generated database lives unless told otherwise.

    ``datasets/generated/<scale>.duckdb`` in the repository checkout when that folder is
    writable; else ``$SEGMENT_LAB_DATA_DIR`` if set, or the user cache
    (``$XDG_CACHE_HOME/segment_lab``, default ``~/.cache/segment_lab``).  The variable
    ``SEGMENT_LAB_DATA_DIR`` wins everywhere.  A non-zero seed adds ``-seed<seed>``.

    Examples
    --------
    >>> default_path("bench").name
    'bench.duckdb'
    >>> default_path("sample", seed=3).name
    'sample-seed3.duckdb'
    """
    name = f"{_scale(scale).name}{f'-seed{seed}' if seed else ''}.duckdb"
    if os.environ.get("SEGMENT_LAB_DATA_DIR"):
        return Path(os.environ["SEGMENT_LAB_DATA_DIR"]) / name
    root = Path(__file__).resolve().parent.parent
    datasets = root / "datasets"
    if (root / "pyproject.toml").is_file() and datasets.is_dir() and os.access(datasets, os.W_OK):
        return datasets / "generated" / name
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "segment_lab" / name


def build_database(
    path: str | os.PathLike | None = None,
    scale: str | Scale = "sample",
    seed: int = 0,
    progress: bool = False,
) -> str:
    """Write the sample data to a DuckDB file, atomically.

    The file is built as ``<path>.tmp`` and renamed over ``path`` only when complete, so a
    failed or interrupted build leaves nothing half-written.  Tables: ``contacts``,
    ``events``, ``contact_history``, ``truth`` (types in :data:`TABLES`) and ``build_info``
    (key/value: generator version, scale, seed, planted dates).  The data equals
    ``generate(scale, seed)``.  The next chunk is generated while the previous one is
    written.

    Parameters
    ----------
    path
        Target file, :func:`default_path` when omitted.  Parent folders are created.
    scale, seed
        As in :func:`generate`.
    progress
        Show a ``tqdm`` progress bar over chunks (worth it for ``"bench"``: about 2 minutes).

    Returns
    -------
    str
        The path written.

    Examples
    --------
    >>> import duckdb, tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "tiny.duckdb")
    >>> path = build_database(target, scale="tiny")
    >>> with duckdb.connect(path, read_only=True) as con:
    ...     con.sql("select count(*) from contacts").fetchone()[0]
    200
    """
    import duckdb

    sc = _scale(scale)
    path = os.fspath(default_path(sc, seed) if path is None else path)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    tmp = path + ".tmp"
    _remove(tmp)
    try:
        with duckdb.connect(tmp) as con:
            _write(con, sc, seed, progress)
        _remove(path + ".wal")
        os.replace(tmp, path)
    except BaseException:
        _remove(tmp)
        raise
    return path


def is_current(path: str | os.PathLike, scale: str | Scale = "sample", seed: int = 0) -> bool:
    """Whether ``path`` is a complete database of this generator version, scale and seed.

    Use it to rebuild a stale file, e.g. one written by an older :data:`GENERATOR_VERSION`.
    A missing, unreadable or locked file is not current.

    Examples
    --------
    >>> import tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "tiny.duckdb")
    >>> is_current(target, "tiny")
    False
    >>> is_current(build_database(target, scale="tiny"), "tiny"), is_current(target, "sample")
    (True, False)
    """
    import duckdb

    if not os.path.isfile(path):
        return False
    want = {"generator_version": str(GENERATOR_VERSION), "scale": _scale(scale).name,
            "seed": str(seed)}  # fmt: skip
    try:
        with duckdb.connect(os.fspath(path), read_only=True) as con:
            info = dict(con.sql("SELECT key, value FROM build_info").fetchall())
    except duckdb.Error:
        return False
    return all(info.get(k) == v for k, v in want.items())


def _remove(path: str) -> None:
    for p in (path, path + ".wal"):
        if os.path.exists(p):
            os.remove(p)


def _write(con, scale: Scale, seed: int, progress: bool) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from tqdm.auto import tqdm

    for name, cols in TABLES.items():
        con.execute(f"CREATE TABLE {name} ({', '.join(f'{c} {t}' for c, t in cols)})")
    bar = tqdm(total=scale.chunks, desc=f"sample data ({scale.name})", unit="chunk",
               disable=not progress)  # fmt: skip
    events = 0
    with ThreadPoolExecutor(max_workers=1) as pool:  # generate chunk k+1 while writing k
        pending = pool.submit(_chunk, scale, seed, 0)
        for k in range(scale.chunks):
            chunk = pending.result()
            if k + 1 < scale.chunks:
                pending = pool.submit(_chunk, scale, seed, k + 1)
            for name, table in chunk.items():
                con.register("_chunk", table)
                con.execute(f"INSERT INTO {name} SELECT * FROM _chunk")
                con.unregister("_chunk")
            events += chunk["events"].num_rows
            bar.set_postfix(events=f"{events:,}")
            bar.update()
    bar.close()
    info = {
        "generator_version": GENERATOR_VERSION, "scale": scale.name, "seed": seed,
        "contacts": scale.contacts, "start": START, "end": END,
        "churn_wave_start": CHURN_WAVE_START, "churn_wave_industry": CHURN_WAVE_INDUSTRY,
        "intent_surge_start": INTENT_SURGE_START, "intent_surge_campaign": INTENT_SURGE_CAMPAIGN,
    }  # fmt: skip
    con.execute("CREATE TABLE build_info (key VARCHAR, value VARCHAR)")
    con.executemany("INSERT INTO build_info VALUES (?, ?)", [(k, str(v)) for k, v in info.items()])
    con.execute("CHECKPOINT")


# -- planted truth and the demo catalog --------------------------------------------------------
#: Reveals the churn wave: read 2+ emails in 60 days, none in the last 21, still subscribed.
#: About 2.5 times its usual size 3 weeks after CHURN_WAVE_START.
CHURN_RISK = Segment(
    "churn-risk",
    (event("email_open").count(within="60d") >= 2)
    & ~event("email_open").exists(within="21d")
    & ~event("unsubscribe").exists(),
    description="Opened 2+ emails in the last 60 days but none in the last 21; still subscribed.",
    tags=("planted-truth", "churn"),
)
#: Reveals the intent surge: 3+ pricing-page views in 14 days; near zero, then hundreds of
#: times larger in the week after INTENT_SURGE_START.
PRICING_INTENT = Segment(
    "pricing-intent",
    event("page_visit").where(field("url").contains("/pricing")).count(within="14d") >= 3,
    description="Viewed the pricing page at least 3 times in the last 14 days.",
    tags=("planted-truth", "intent"),
)
#: Control: German contacts created before START; its size is constant over the span.
CONTROL = Segment(
    "control-germany-established",
    (field("country") == "Germany") & (field("created_at") < START),
    description="Contacts in Germany created before 2024: a control whose size never changes.",
    tags=("planted-truth", "control"),
)


def demo_catalog() -> Catalog:
    """Ten segments that tell the sample data's story (three reveal planted truth).

    Examples
    --------
    >>> cat = demo_catalog()
    >>> len(cat), "churn-risk" in cat
    (10, True)
    >>> cat["customers-at-risk"].references()
    ('churn-risk',)
    """
    activity = ["email_open", "email_click", "page_visit", "form_submit", "purchase"]
    demo_request = event("form_submit").where(field("url") == "/demo")
    return Catalog([
        Segment(
            "tokyo-cto-python-quiet",
            (field("city") == "Tokyo") & (field("job_title") == "CTO")
            & field("technologies").has_any(["python"])
            & ~event("page_visit").exists(within="14d"),
            description="CTOs in Tokyo who use Python and have not visited the site in two weeks.",
        ),
        Segment(
            "newsletter-readers",
            event("email_open").count(within="30d") >= 3,
            description="Active newsletter readers: opened 3+ emails in the last 30 days.",
        ),
        CHURN_RISK,
        PRICING_INTENT,
        Segment(
            "high-intent-leads",
            all_of(
                field("lifecycle_stage").isin(["lead", "mql", "sql"]),
                any_of(in_segment("pricing-intent"), demo_request.exists(within="14d")),
            ),
            description="Open leads who keep viewing pricing or asked for a demo in 14 days.",
        ),
        Segment(
            "customers-at-risk",
            (field("lifecycle_stage") == "customer")
            & any_of(in_segment("churn-risk"), event("purchase").last_seen() < "-90d"),
            description="Customers who stopped reading or have not bought in 90 days.",
        ),
        Segment(
            "recent-spenders",
            event("purchase").sum("value", within="90d") >= 100,
            description="Spent at least 100 in the last 90 days.",
        ),
        Segment(
            "dormant",
            ~event(activity).exists(within="90d") & (field("created_at") < "-90d"),
            description="Known for 90+ days; no opens, clicks, visits, forms or purchases in 90.",
        ),
        Segment(
            "new-leads",
            (field("created_at") > "-7d") & (field("lifecycle_stage") == "lead"),
            description="Leads created in the last 7 days.",
        ),
        CONTROL,
    ])  # fmt: skip


# -- command line ------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    """``python -m segment_lab.sample [--scale bench] [--seed N] [--path FILE] [--quiet]``."""
    parser = argparse.ArgumentParser(
        prog="python -m segment_lab.sample",
        description="Build the synthetic sample database (DuckDB) described in datasets/README.md.",
    )
    parser.add_argument("--scale", choices=list(SCALES), default="sample")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--path", help="target .duckdb file (default: default_path(scale))")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    path = build_database(args.path, scale=args.scale, seed=args.seed, progress=not args.quiet)
    seconds = time.perf_counter() - t0
    import duckdb

    with duckdb.connect(path, read_only=True) as con:
        rows = {t: con.sql(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    counts = ", ".join(f"{t} {n:,}" for t, n in rows.items())
    size = os.path.getsize(path) / 2**20
    print(f"{path}: {counts}; {size:,.0f} MiB in {seconds:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
