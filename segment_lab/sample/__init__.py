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

from segment_lab.sample._build import (
    build_database,
    default_path,
    ensure_database,
    generate,
    is_current,
    main,
)
from segment_lab.sample._catalog import CHURN_RISK, CONTROL, PRICING_INTENT, demo_catalog
from segment_lab.sample._params import (
    CHURN_WAVE_INDUSTRY,
    CHURN_WAVE_START,
    END,
    EVENT_TYPES,
    GENERATOR_VERSION,
    INTENT_SURGE_CAMPAIGN,
    INTENT_SURGE_START,
    PERSONAS,
    SCALES,
    STAGES,
    START,
    STATIC_ATTRIBUTES,
    Scale,
)
from segment_lab.sample._params import MQL_POINTS as MQL_POINTS
from segment_lab.sample._params import PRE_START_FROM as PRE_START_FROM
from segment_lab.sample._params import PRE_START_SHARE as PRE_START_SHARE
from segment_lab.sample._tables import TABLES
from segment_lab.sample._world import BLOG_POSTS as BLOG_POSTS
from segment_lab.sample._world import URLS as URLS

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
    "ensure_database",
    "generate",
    "is_current",
    "main",
]


def __dir__() -> list[str]:
    """List the public names only (tab completion hides the imports)."""
    return sorted(__all__)
