"""The simulated world: places, names, jobs, technologies, companies, pages, email campaigns.

String columns are generated as integer codes into the vocabularies defined here.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from segment_lab.sample._params import END, INTENT_SURGE_CAMPAIGN, INTENT_SURGE_START, START, _sec

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
_PRICING_URLS = np.array([URLS.index(u) for u in ("/pricing", *_PLANS)])


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
