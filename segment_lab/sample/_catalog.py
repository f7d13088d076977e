"""The planted-truth segments and the demo catalog that tells the sample data's story."""

from __future__ import annotations

from segment_lab.dsl import all_of, any_of, event, field, in_segment
from segment_lab.model import Catalog, Segment
from segment_lab.sample._params import START

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
