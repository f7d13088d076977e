"""Segment templates: defaults equal the demo catalog, parameters do what they say,
check() names what a workspace lacks, and adapted templates run on purchase-only data."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import pandas as pd
import pytest

import segment_lab as sl
from segment_lab import event, field, in_segment, templates
from segment_lab.errors import (
    BindingError,
    CyclicReferenceError,
    InvalidDurationError,
    InvalidValueError,
    UnknownFieldError,
    UnknownSegmentError,
)

INSTANTS = ("2025-02-24", "2025-03-24", "2025-05-12", "2025-06-30T12:00:00")
#: demo catalog name -> the template function whose defaults build it
DEMO_NAMES = {
    "newsletter-readers": templates.newsletter_readers,
    "churn-risk": templates.churn_risks,
    "pricing-intent": templates.pricing_intent,
    "high-intent-leads": templates.high_intent_leads,
    "customers-at-risk": templates.customers_at_risk,
    "dormant": templates.dormant,
    "new-leads": templates.new_leads,
}


@pytest.fixture(scope="module")
def demo(demo_ws) -> sl.Workspace:
    """The shared demo workspace (tests/conftest.py)."""
    return demo_ws


@pytest.fixture(scope="module")
def purchases() -> sl.Workspace:
    """A CDNOW-like workspace: contacts with created_at, purchase events only."""
    contacts = pd.DataFrame({
        "contact_id": [1, 2, 3, 4],
        "created_at": pd.to_datetime(["1997-01-01", "1997-01-10", "1997-03-01", "1997-06-20"]),
    })  # fmt: skip
    events = pd.DataFrame({
        "contact_id": [1, 1, 2, 3, 3, 4],
        "event_type": ["purchase"] * 6,
        "ts": pd.to_datetime(
            ["1997-01-01", "1997-05-01", "1997-01-10", "1997-03-01", "1997-06-25", "1997-06-20"]
        ),
        "value": [10.0, 20.0, 5.0, 7.0, 9.0, 30.0],
    })  # fmt: skip
    return sl.Workspace.from_pandas(contacts, events, now="1997-06-30")


# -- defaults are the demo catalog ---------------------------------------------------------
def test_template_defaults_are_the_demo_catalog_rules(demo_catalog):
    for name in ("newsletter-readers", "churn-risk", "pricing-intent", "dormant", "new-leads"):
        seg = DEMO_NAMES[name]()
        assert seg.name == name
        assert seg.rule == demo_catalog[name].rule, name
    cat = templates.catalog()
    assert set(cat.names) == set(DEMO_NAMES)
    for name in cat.names:  # references included: identical rules, same dependency order
        assert cat[name].rule == demo_catalog[name].rule, name
    assert cat.dependencies("customers-at-risk") == ("churn-risk",)
    assert cat.dependencies("high-intent-leads") == ("pricing-intent",)


def test_inlined_templates_count_like_the_demo_catalog(demo):
    standalone = [templates.high_intent_leads(), templates.customers_at_risk()]
    assert not any(s.references() for s in standalone)  # self-contained
    for t in INSTANTS:
        ours = demo.with_catalog(None).sizes(standalone, as_of=t)["size"].tolist()
        theirs = demo.sizes([demo.catalog[s.name] for s in standalone], as_of=t)["size"].tolist()
        assert ours == theirs, t
    assert ours[0] > 0 and ours[1] > 0


def test_every_template_segment_evaluates_on_the_demo(demo):
    cat = templates.catalog()
    sizes = demo.with_catalog(cat).sizes(as_of="2025-05-12")
    assert sizes["segment"].tolist() == list(cat.names)
    assert (sizes["size"] > 0).all(), sizes
    assert sizes["description"].tolist() == [s.description for s in cat]


# -- parameters change the rule as documented -------------------------------------------
def _count(ws, seg, t="2025-06-30"):
    return ws.count(seg, as_of=t)


def test_stricter_parameters_give_subsets_and_say_so(demo):
    base, strict = templates.newsletter_readers(), templates.newsletter_readers(min_opens=5)
    assert "5+" in strict.description and "3+" in base.description
    assert strict.rule.value == 5
    assert _count(demo, strict) < _count(demo, base)
    wide = templates.newsletter_readers(within="60d")
    assert "60 days" in wide.description and _count(demo, wide) >= _count(demo, base)
    pricing = templates.pricing_intent(min_views=5)
    assert "5+" in pricing.description
    assert _count(demo, pricing, "2025-05-12") <= _count(
        demo, templates.pricing_intent(), "2025-05-12"
    )
    longer = templates.dormant(within="180d")
    assert "180 days" in longer.description
    assert _count(demo, longer) <= _count(demo, templates.dormant())


def test_optional_conditions_can_be_dropped(demo):
    churn = templates.churn_risks(unsubscribe_event=None)
    assert "unsubscribe" not in templates.requirements(churn).event_types
    assert "subscribed" not in churn.description
    assert _count(demo, churn, "2025-03-24") >= _count(demo, templates.churn_risks(), "2025-03-24")

    leads = templates.high_intent_leads(stage_field=None, demo_event=None)
    assert leads.rule == templates.pricing_intent().rule  # nothing but the pricing views
    assert templates.requirements(leads).fields == ()

    anyone = templates.new_leads(stage_field=None)
    assert anyone.rule == (field("created_at") > "-7d")
    assert _count(demo, anyone) >= _count(demo, templates.new_leads())

    assert templates.dormant(known_for=None).rule == ~event(templates.ACTIVITY_EVENTS).exists(
        within="90d"
    )
    only_purchase = templates.customers_at_risk(churn_risk=None)
    assert only_purchase.rule == (field("lifecycle_stage") == "customer") & (
        event("purchase").last_seen() < "-90d"
    )


def test_customers_at_risk_takes_a_segment_a_rule_or_a_name():
    churn = templates.churn_risks(min_opens=4)
    by_segment = templates.customers_at_risk(churn_risk=churn)
    by_rule = templates.customers_at_risk(churn_risk=churn.rule)
    assert by_segment.rule == by_rule.rule
    assert churn.rule in by_segment.rule.rules[1].rules
    by_name = templates.customers_at_risk(churn_risk="my-churners")
    assert by_name.references() == ("my-churners",)
    assert "in segment 'my-churners'" in by_name.description
    assert repr(
        inspect.signature(templates.customers_at_risk).parameters["churn_risk"].default
    ) == ("churn_risks()")


def test_several_stages_and_custom_names():
    seg = templates.new_leads(lead_stage=("lead", "mql"), name="fresh")
    assert seg.name == "fresh"
    assert seg.rule.rules[1] == field("lifecycle_stage").isin(["lead", "mql"])
    assert "lead or mql" in seg.description
    one = templates.high_intent_leads(open_stages="sql")
    assert one.rule.rules[0] == (field("lifecycle_stage") == "sql")
    assert templates.high_intent_leads(demo_url=None).rule.rules[1].rules[1] == event(
        "form_submit"
    ).exists(within="14d")


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: templates.newsletter_readers(min_opens=0), InvalidValueError, "min_opens"),
        (lambda: templates.newsletter_readers(within="30days"), InvalidDurationError, "within="),
        (lambda: templates.dormant(known_for="-90d"), InvalidDurationError, "known_for="),
        (lambda: templates.churn_risks(quiet_for="60d"), InvalidValueError, "shorter"),
        (lambda: templates.newsletter_readers(open_event=None), InvalidValueError, "open_event"),
        (lambda: templates.dormant(activity_events=()), InvalidValueError, "activity_events"),
        (
            lambda: templates.customers_at_risk(churn_risk=None, purchase_event=None),
            InvalidValueError,
            "no condition left",
        ),
        (lambda: templates.customers_at_risk(churn_risk=3), InvalidValueError, "churn_risk"),
        (lambda: templates.catalog(dormnt={}), InvalidValueError, "Did you mean 'dormant'?"),
        (lambda: templates.catalog(dormant=3), InvalidValueError, "dict of parameters"),
    ],
)
def test_bad_parameters_raise_clear_errors(call, error, words):
    with pytest.raises(error, match=None) as info:
        call()
    assert words in str(info.value)


# -- the registry and serialisation ----------------------------------------------------------
def test_templates_registry_is_read_only_and_keyword_only():
    assert list(templates.TEMPLATES) == [
        "newsletter_readers",
        "churn_risks",
        "pricing_intent",
        "high_intent_leads",
        "customers_at_risk",
        "dormant",
        "new_leads",
    ]
    with pytest.raises(TypeError):
        templates.TEMPLATES["x"] = templates.dormant  # type: ignore[index]
    for key, fn in templates.TEMPLATES.items():
        assert fn.__name__ == key and fn.__doc__
        params = inspect.signature(fn).parameters.values()
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params), key
        seg = fn()
        assert seg.tags[:2] == ("template", f"template:{key}")
        assert seg.description.endswith(".") and seg.description[0].isupper()


VARIANTS = [
    *(fn() for fn in templates.TEMPLATES.values()),
    templates.newsletter_readers(min_opens=5, within="2w"),
    templates.churn_risks(unsubscribe_event=None),
    templates.high_intent_leads(intent_segment="pricing-intent", demo_url=None),
    templates.customers_at_risk(stage_field=None, churn_risk="churn-risk"),
    templates.dormant(activity_events=("purchase",), known_for=None),
    templates.new_leads(lead_stage=("lead", "mql")),
]


@pytest.mark.parametrize("seg", VARIANTS, ids=lambda s: s.name)
def test_every_template_round_trips(seg):
    again = sl.Segment.from_dict(json.loads(json.dumps(seg.to_dict())))
    assert again == seg
    assert again.definition_hash == seg.definition_hash


def test_catalog_round_trips_and_takes_parameters():
    cat = templates.catalog(
        churn_risks={"name": "churners", "quiet_for": "28d"},
        pricing_intent={"name": "pricing"},
        dormant={"within": "60d"},
    )
    assert sl.Catalog.from_dict(cat.to_dict()) == cat
    assert cat["customers-at-risk"].references() == ("churners",)  # follows the rename
    assert cat["high-intent-leads"].references() == ("pricing",)
    assert "28 days" in cat["churners"].description
    assert "60 days" in cat["dormant"].description
    own = templates.catalog(customers_at_risk={"churn_risk": None})
    assert own["customers-at-risk"].references() == ()


def test_catalog_cannot_be_made_cyclic():
    with pytest.raises(CyclicReferenceError):
        sl.Catalog([
            templates.pricing_intent().with_rule(in_segment("high-intent-leads")),
            templates.high_intent_leads(intent_segment="pricing-intent"),
        ])  # fmt: skip


# -- requirements and describe_templates -------------------------------------------------------
def test_requirements_reads_where_sum_and_references():
    rule = (
        (field("city") == "Tokyo")
        & (event("purchase").where(field("sku").startswith("A")).sum("value", within="30d") >= 10)
    ) | ~in_segment("churn-risk")
    req = templates.requirements(rule)
    assert req.event_types == ("purchase",)
    assert req.fields == ("city",)
    assert set(req.event_fields) == {"sku", "value"}
    assert req.segments == ("churn-risk",)
    types, *_ = templates.requirements(rule, templates.catalog())
    assert set(types) == {"purchase", "email_open", "unsubscribe"}
    with pytest.raises(UnknownSegmentError):
        templates.requirements(in_segment("nope"), templates.catalog())


def test_describe_templates_is_a_plain_table():
    rows = templates.describe_templates()
    assert [r["template"] for r in rows] == list(templates.TEMPLATES)
    by = {r["template"]: r for r in rows}
    assert by["dormant"]["event_types"] == templates.ACTIVITY_EVENTS
    assert by["dormant"]["fields"] == ("created_at",)
    assert by["pricing_intent"]["event_fields"] == ("url",)
    assert set(by["customers_at_risk"]["event_types"]) == {"email_open", "unsubscribe", "purchase"}
    assert pd.DataFrame(rows).shape == (7, 6)


# -- check() ----------------------------------------------------------------------------------
def test_check_passes_on_the_demo(demo):
    req = templates.check(demo, templates.catalog())
    assert set(req.event_types) == set(templates.ACTIVITY_EVENTS) | {"unsubscribe"}
    for fn in templates.TEMPLATES.values():
        templates.check(demo, fn())
    templates.check(demo, demo.catalog)  # the demo's own, with references
    templates.check(demo, demo.catalog["customers-at-risk"])


def test_check_names_missing_events_and_the_parameter(purchases):
    with pytest.raises(BindingError) as info:
        templates.check(purchases, templates.newsletter_readers())
    msg = str(info.value)
    assert "'email_open' never occurs in the events table (present: 'purchase')" in msg
    assert msg.startswith("Segment 'newsletter-readers' needs data the workspace does not have:")
    assert "pass open_event=<an event type that occurs>" in msg
    assert "Did you mean" not in msg  # nothing close to 'email_open' occurs

    with pytest.raises(BindingError, match=r"pass activity_events=\('purchase',\)"):
        templates.check(purchases, templates.dormant())
    with pytest.raises(BindingError) as info:
        templates.check(purchases, templates.customers_at_risk())
    msg = str(info.value)
    assert "churn_risk=None" in msg and "stage_field=None" in msg
    assert "field 'lifecycle_stage' is not in the contacts table" in msg


def test_check_suggests_close_names(purchases, demo):
    with pytest.raises(
        BindingError, match=r"Did you mean 'purchase'\? .*: pass purchase_event='purchase'"
    ):
        templates.check(purchases, templates.customers_at_risk(purchase_event="Purchase"))
    with pytest.raises(UnknownFieldError) as info:  # only fields missing: not a BindingError
        templates.check(demo, templates.new_leads(stage_field="lifecyle_stage"))
    msg = str(info.value)
    assert "field 'lifecyle_stage' is not in the contacts table" in msg  # the value given
    fields = ", ".join(repr(c) for c in sorted(demo.tables.contacts.columns))
    assert f"(fields: {fields})" in msg  # the options, all of them
    assert "Did you mean 'lifecycle_stage'?" in msg and "stage_field='lifecycle_stage'" in msg
    with pytest.raises(UnknownFieldError, match="pass created_field='created_at'"):
        templates.check(demo, templates.new_leads(created_field="created"))
    with pytest.raises(BindingError, match="'page_vist' never occurs"):  # a plain rule: no hint
        templates.check(demo, event("page_vist").exists())


def test_check_a_whole_catalog_lists_every_segment(purchases):
    with pytest.raises(BindingError) as info:
        templates.check(purchases, templates.catalog())
    msg = str(info.value)
    for name in DEMO_NAMES:
        assert f"Segment {name!r}" in msg, name


def test_check_without_events_or_catalog(purchases, contacts_only_ws):
    contacts_only = contacts_only_ws
    with pytest.raises(BindingError, match="no events table"):
        templates.check(contacts_only, templates.dormant())
    assert templates.check(contacts_only, templates.new_leads(stage_field=None)).fields == (
        "created_at",
    )
    with pytest.raises(UnknownSegmentError, match="with_catalog"):
        templates.check(purchases, templates.customers_at_risk(churn_risk="churn-risk"))


# -- adapted templates on purchase-only data ------------------------------------------------------
def test_adapted_templates_work_on_purchase_only_data(purchases):
    quiet = templates.dormant(activity_events=("purchase",))
    lapsed = templates.customers_at_risk(stage_field=None, churn_risk=None)
    lapsed_30 = templates.customers_at_risk(
        stage_field=None, churn_risk=None, no_purchase_for="30d"
    )
    fresh = templates.new_leads(stage_field=None, within="30d")
    for seg in (quiet, lapsed, lapsed_30, fresh):
        templates.check(purchases, seg)
    # at 1997-06-30: contact 2 last bought 01-10; 1 on 05-01; 3 on 06-25; 4 is new (06-20)
    assert purchases.count(quiet) == 1
    assert purchases.count(lapsed) == 1
    assert purchases.count(lapsed_30) == 2
    assert purchases.count(fresh) == 1
    assert purchases.count(fresh, as_of="1997-03-15") == 1  # contact 3
    cat = templates.catalog(
        dormant={"activity_events": ("purchase",)},
        customers_at_risk={"stage_field": None, "churn_risk": None},
    )
    small = sl.Catalog([cat["dormant"], cat["customers-at-risk"]])
    templates.check(purchases, small)
    assert purchases.with_catalog(small).sizes(as_of="1997-06-30")["size"].tolist() == [1, 1]


# -- packaging --------------------------------------------------------------------------------------
def test_templates_is_a_lazy_attribute_and_imports_no_engine():
    assert sl.templates is templates
    code = (
        "import sys, json\nfrom segment_lab import templates\ntemplates.catalog()\n"
        "templates.describe_templates()\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout.splitlines()[-1]))
    assert not loaded & {"ibis", "pandas", "duckdb", "altair"}
