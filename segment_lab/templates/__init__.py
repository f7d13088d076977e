"""Segment templates: parameterised, documented definitions of common marketing segments.

Each template is a function with keyword-only parameters whose defaults follow the sample
data's conventions (``datasets/README.md``), so that ``newsletter_readers()`` gives the
demo catalog's ``newsletter-readers`` rule.  On other data, pass the event types and
fields your workspace uses; :func:`check` says what a segment needs that a workspace
lacks, and which parameter to change.

A standalone template is self-contained: ``high_intent_leads()`` and
``customers_at_risk()`` inline the pricing-intent and churn-risk rules, so they evaluate on
a workspace without a catalog.  :func:`catalog` instead builds them with
``in_segment`` references to its own ``pricing-intent`` and ``churn-risk`` segments, exactly
as ``sample.demo_catalog()`` does.  Every template segment is tagged ``"template"`` and
``"template:<function name>"`` (kept through serialisation), which is how :func:`check`
knows which parameter to suggest.  :func:`requirements` lists the event types, contact
fields and event columns a rule reads; :func:`describe_templates` tabulates them.

Examples
--------
>>> import segment_lab as sl
>>> from segment_lab import templates
>>> seg = templates.newsletter_readers(min_opens=5)
>>> seg.description
'Active newsletter readers: 5+ email opens in the last 30 days.'
>>> ws = sl.Workspace.demo()
>>> ws.count(templates.newsletter_readers(), as_of="2025-06-30")
660
>>> ws.count(seg, as_of="2025-06-30")
20
"""

from __future__ import annotations

from segment_lab.templates._check import Requirements, check, describe_templates, requirements
from segment_lab.templates._definitions import (
    ACTIVITY_EVENTS,
    TEMPLATES,
    catalog,
    churn_risks,
    customers_at_risk,
    dormant,
    high_intent_leads,
    new_leads,
    newsletter_readers,
    pricing_intent,
)

__all__ = [
    "ACTIVITY_EVENTS",
    "TEMPLATES",
    "Requirements",
    "catalog",
    "check",
    "churn_risks",
    "customers_at_risk",
    "describe_templates",
    "dormant",
    "high_intent_leads",
    "new_leads",
    "newsletter_readers",
    "pricing_intent",
    "requirements",
]


def __dir__() -> list[str]:
    """List the public names only (tab completion hides the imports)."""
    return sorted(__all__)
