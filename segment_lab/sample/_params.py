"""Parameters of the simulation: planted dates, vocabularies, per-persona behaviour, time, scales.

Public names are re-exported by :mod:`segment_lab.sample`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

#: Bumped whenever the data generated for a given seed changes (see :func:`is_current`).
GENERATOR_VERSION = 3  # 3: events stored in time order

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
_ET = {name: code for code, name in enumerate(EVENT_TYPES)}

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
