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

import difflib
import inspect
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from segment_lab.dsl import any_of, event, field, in_segment
from segment_lab.errors import (
    BindingError,
    InvalidDurationError,
    InvalidValueError,
    UnknownFieldError,
    UnknownSegmentError,
    did_you_mean,
)
from segment_lab.model import (
    And,
    Catalog,
    Compare,
    Duration,
    EventCondition,
    InSegment,
    IsEmpty,
    IsIn,
    IsNull,
    ListHas,
    Range,
    RelativeTime,
    Rule,
    Segment,
    TextMatch,
    Within,
    walk,
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

#: Every event type the sample data counts as activity.
ACTIVITY_EVENTS = ("email_open", "email_click", "page_visit", "form_submit", "purchase")
_NOUNS = {
    "email_open": "email opens", "email_click": "email clicks", "page_visit": "page visits",
    "page_view": "page views", "form_submit": "form submissions", "purchase": "purchases",
    "unsubscribe": "unsubscribes", "email_sent": "emails sent",
}  # fmt: skip
_UNITS = {"s": "second", "min": "minute", "h": "hour", "d": "day", "w": "week"}
_ATTRIBUTE_NODES = (Compare, IsIn, Range, TextMatch, IsNull, IsEmpty, ListHas)


# -- building blocks ---------------------------------------------------------------------
class _InlineChurnRisk:
    """Default of ``customers_at_risk(churn_risk=...)``: inline ``churn_risks()``."""

    def __repr__(self) -> str:
        return "churn_risks()"


_INLINE = _InlineChurnRisk()


def _window(value: object, param: str) -> Within:
    try:
        return Within(value)  # type: ignore[arg-type]
    except InvalidDurationError as exc:
        raise InvalidDurationError(f"{param}={value!r}: {exc}") from None


def _ago(value: object, param: str) -> RelativeTime:
    """``"90d"`` -> the relative time ``-90d`` (90 days before the evaluation instant)."""
    d = _window(value, param).duration
    return RelativeTime("now", -d)


def _span(d: Duration) -> str:
    unit = _UNITS[d.unit]
    return f"{d.amount} {unit}" + ("" if d.amount == 1 else "s")


def _noun(types: tuple[str, ...]) -> str:
    words = [_NOUNS.get(t, f"'{t}' events") for t in types]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _positive(value: object, param: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidValueError(f"{param} must be a whole number of at least 1, got {value!r}.")
    return value


def _types(value: object, param: str) -> tuple[str, ...]:
    try:
        types = (value,) if isinstance(value, str) else tuple(value)  # type: ignore[arg-type]
    except TypeError:
        types = ()
    if not types or not all(isinstance(t, str) and t for t in types):
        raise InvalidValueError(f"{param} needs event type names, got {value!r}.")
    return types


def _stage(stage_field: str, stages: str | Iterable[str]) -> Rule:
    """``stage == x`` for one stage, ``stage.isin([...])`` for several."""
    if isinstance(stages, str):
        return field(stage_field) == stages
    return field(stage_field).isin(stages)


def _stage_text(stage_field: str, stages: str | Iterable[str]) -> str:
    values = [stages] if isinstance(stages, str) else [str(v) for v in stages]
    listed = ", ".join(values[:-1]) + " or " + values[-1] if len(values) > 1 else values[0]
    return f"{stage_field} {listed}"


def _all(*rules: Rule | None) -> Rule:
    kept = [r for r in rules if r is not None]
    out = kept[0]
    for r in kept[1:]:
        out = out & r
    return out


def _segment(key: str, name: str, rule: Rule, description: str, topic: str) -> Segment:
    return Segment(name, rule, description=description, tags=("template", f"template:{key}", topic))


# -- the templates -------------------------------------------------------------------
def newsletter_readers(
    *,
    min_opens: int = 3,
    within: str = "30d",
    open_event: str = "email_open",
    name: str = "newsletter-readers",
) -> Segment:
    """Active newsletter readers: ``min_opens`` or more opens in the last ``within``.

    Parameters
    ----------
    min_opens
        Least number of ``open_event`` events in the window.
    within
        Window length (``"30d"``: the 30 days up to the evaluation instant).
    open_event
        Event type of an email open.
    name
        Segment name.

    Examples
    --------
    >>> seg = newsletter_readers(min_opens=5, within="2w")
    >>> seg.description
    'Active newsletter readers: 5+ email opens in the last 2 weeks.'
    >>> seg.describe()
    'opened an email at least 5 times in the last 2 weeks'
    """
    win = _window(within, "within")
    rule = event(_types(open_event, "open_event")).count(within=within) >= _positive(
        min_opens, "min_opens"
    )
    text = f"Active newsletter readers: {min_opens}+ {_noun((open_event,))} in the last "
    return _segment(
        "newsletter_readers", name, rule, text + f"{_span(win.duration)}.", "engagement"
    )


def churn_risks(
    *,
    open_event: str = "email_open",
    min_opens: int = 2,
    active_within: str = "60d",
    quiet_for: str = "21d",
    unsubscribe_event: str | None = "unsubscribe",
    name: str = "churn-risk",
) -> Segment:
    """Engagement drop: ``min_opens``+ opens in ``active_within``, none in ``quiet_for``.

    Parameters
    ----------
    open_event
        Event type of an email open.
    min_opens
        Least number of opens in the longer window ``active_within``.
    active_within, quiet_for
        The longer and the shorter window; ``quiet_for`` must be shorter.
    unsubscribe_event
        Contacts with this event (ever) are left out; ``None`` keeps them.
    name
        Segment name.

    Examples
    --------
    >>> import segment_lab as sl
    >>> ws = sl.Workspace.demo()
    >>> ws.count(churn_risks(), as_of="2025-03-24"), ws.count(churn_risks(), as_of="2025-02-24")
    (174, 83)
    >>> churn_risks(quiet_for="30d", unsubscribe_event=None).description
    'Engagement drop: 2+ email opens in the last 60 days but none in the last 30 days.'
    """
    active, quiet = _window(active_within, "active_within"), _window(quiet_for, "quiet_for")
    if quiet.duration.seconds >= active.duration.seconds:
        raise InvalidValueError(
            f"quiet_for={quiet_for!r} must be shorter than active_within={active_within!r}: "
            f"nobody can open {min_opens}+ emails in {active_within} but none in {quiet_for}."
        )
    opens = event(_types(open_event, "open_event"))
    rule = (opens.count(within=active_within) >= _positive(min_opens, "min_opens")) & ~(
        opens.exists(within=quiet_for)
    )
    text = (
        f"Engagement drop: {min_opens}+ {_noun((open_event,))} in the last "
        f"{_span(active.duration)} but none in the last {_span(quiet.duration)}"
    )
    if unsubscribe_event is not None:
        rule = rule & ~event(_types(unsubscribe_event, "unsubscribe_event")).exists()
        text += f"; still subscribed (no {unsubscribe_event})"
    return _segment("churn_risks", name, rule, text + ".", "churn")


def pricing_intent(
    *,
    page_event: str = "page_visit",
    url_field: str = "url",
    url_contains: str | None = "/pricing",
    min_views: int = 3,
    within: str = "14d",
    name: str = "pricing-intent",
) -> Segment:
    """Buying intent: ``min_views``+ views of pages whose url contains ``url_contains``.

    Parameters
    ----------
    page_event
        Event type of a page view.
    url_field
        Event column holding the url.
    url_contains
        Text the url contains, ignoring case; ``None`` counts every page view.
    min_views, within
        Least number of such views in the window.
    name
        Segment name.

    Examples
    --------
    >>> import segment_lab as sl
    >>> ws = sl.Workspace.demo()
    >>> ws.count(pricing_intent(), as_of="2025-05-12"), ws.count(pricing_intent(), as_of="2025-04-28")
    (163, 1)
    """
    rule, what = _pricing(page_event, url_field, url_contains, min_views, within)
    text = f"Pricing intent: {what} in the last {_span(_window(within, 'within').duration)}."
    return _segment("pricing_intent", name, rule, text, "intent")


def _pricing(
    page_event: str, url_field: str, url_contains: str | None, min_views: int, within: str
) -> tuple[Rule, str]:
    """The pricing-view condition and its words (without the window)."""
    views = event(_types(page_event, "page_event"))
    where = ""
    if url_contains is not None:
        views = views.where(field(url_field).contains(url_contains))
        where = f" of {url_field} containing '{url_contains}'"
    n = _positive(min_views, "min_views")
    return views.count(within=within) >= n, f"{n}+ {_noun((page_event,))}{where}"


def high_intent_leads(
    *,
    page_event: str = "page_visit",
    url_field: str = "url",
    url_contains: str | None = "/pricing",
    min_views: int = 3,
    within: str = "14d",
    demo_event: str | None = "form_submit",
    demo_url: str | None = "/demo",
    stage_field: str | None = "lifecycle_stage",
    open_stages: str | Iterable[str] = ("lead", "mql", "sql"),
    intent_segment: str | None = None,
    name: str = "high-intent-leads",
) -> Segment:
    """Open leads with buying intent: pricing views (see :func:`pricing_intent`) or a demo request.

    Parameters
    ----------
    page_event, url_field, url_contains, min_views, within
        The pricing-view condition, as in :func:`pricing_intent`; ``within`` is also the
        window of the demo request.
    demo_event, demo_url
        A demo request is a ``demo_event`` whose ``url_field`` equals ``demo_url``
        (``demo_url=None``: any ``demo_event``); ``demo_event=None`` drops this condition.
    stage_field, open_stages
        Only contacts whose ``stage_field`` is one of ``open_stages``; ``stage_field=None``
        drops this condition (for data without a lifecycle stage).
    intent_segment
        Name of a catalog segment to reference (``in_segment``) instead of the inline
        pricing-view rule; :func:`catalog` passes ``"pricing-intent"``.
    name
        Segment name.

    Examples
    --------
    >>> import segment_lab as sl
    >>> ws = sl.Workspace.demo()
    >>> ws.count(high_intent_leads(), as_of="2025-05-12")
    147
    >>> high_intent_leads(demo_event=None, stage_field=None).description
    "High intent: 3+ page visits of url containing '/pricing' in the last 14 days."
    """
    if intent_segment is not None:
        intent: Rule = in_segment(intent_segment)
        intent_text = f"in segment '{intent_segment}'"
    else:
        intent, intent_text = _pricing(page_event, url_field, url_contains, min_views, within)
    arms = [intent]
    span = _span(_window(within, "within").duration)
    if demo_event is not None:
        demo = event(_types(demo_event, "demo_event"))
        if demo_url is not None:
            demo = demo.where(field(url_field) == demo_url)
        arms.append(demo.exists(within=within))
        on = f" on '{demo_url}'" if demo_url is not None else ""
        intent_text += f" or a {demo_event}{on}"
    stage = None if stage_field is None else _stage(stage_field, open_stages)
    rule = _all(stage, any_of(arms) if len(arms) > 1 else arms[0])
    who = "High intent" if stage_field is None else "Open leads"
    if stage_field is not None:
        who += f" ({_stage_text(stage_field, open_stages)})"
    text = f"{who}: {intent_text} in the last {span}."
    return _segment("high_intent_leads", name, rule, text, "intent")


def customers_at_risk(
    *,
    stage_field: str | None = "lifecycle_stage",
    customer_stage: str | Iterable[str] = "customer",
    purchase_event: str | None = "purchase",
    no_purchase_for: str = "90d",
    churn_risk: Segment | Rule | str | None = _INLINE,  # type: ignore[assignment]
    name: str = "customers-at-risk",
) -> Segment:
    """Customers who are churn risks or whose last purchase is more than ``no_purchase_for`` ago.

    Parameters
    ----------
    stage_field, customer_stage
        Only contacts whose ``stage_field`` is ``customer_stage`` (one or several);
        ``stage_field=None`` drops this condition (e.g. purchase-only data, where everyone
        with a purchase is a customer).
    purchase_event, no_purchase_for
        "Bought before, but not in ``no_purchase_for``" (false for contacts who never
        bought); ``purchase_event=None`` drops this arm.
    churn_risk
        The churn-risk arm: by default the rule of :func:`churn_risks` inlined; a Segment
        or rule (inlined); a segment name (referenced with ``in_segment``, as
        :func:`catalog` does); ``None`` drops this arm.
    name
        Segment name.

    Examples
    --------
    >>> import segment_lab as sl
    >>> ws = sl.Workspace.demo()
    >>> ws.count(customers_at_risk(), as_of="2025-06-30")
    76
    >>> customers_at_risk(stage_field=None, churn_risk=None).description
    'At risk: last purchase more than 90 days ago.'
    """
    arms: list[Rule] = []
    texts: list[str] = []
    if churn_risk is _INLINE:
        churn_risk = churn_risks()
    if isinstance(churn_risk, Segment):
        arms.append(churn_risk.rule)
        texts.append(f"a churn risk ({churn_risk.name})")
    elif isinstance(churn_risk, Rule):
        arms.append(churn_risk)
        texts.append("a churn risk")
    elif isinstance(churn_risk, str):
        arms.append(in_segment(churn_risk))
        texts.append(f"in segment '{churn_risk}'")
    elif churn_risk is not None:
        raise InvalidValueError(
            f"churn_risk must be a Segment, a rule, a segment name or None, got {churn_risk!r}."
        )
    if purchase_event is not None:
        ago = _ago(no_purchase_for, "no_purchase_for")
        arms.append(event(_types(purchase_event, "purchase_event")).last_seen() < ago)
        span = _span(_window(no_purchase_for, "no_purchase_for").duration)
        texts.append(f"last {purchase_event} more than {span} ago")
    if not arms:
        raise InvalidValueError(
            "customers_at_risk() needs churn_risk or purchase_event: with both None it has "
            "no condition left."
        )
    stage = None if stage_field is None else _stage(stage_field, customer_stage)
    rule = _all(stage, any_of(arms) if len(arms) > 1 else arms[0])
    who = "At risk" if stage_field is None else "Customers at risk"
    if stage_field is not None:
        who += f" ({_stage_text(stage_field, customer_stage)})"
    return _segment("customers_at_risk", name, rule, f"{who}: {' or '.join(texts)}.", "churn")


def dormant(
    *,
    activity_events: str | Iterable[str] = ACTIVITY_EVENTS,
    within: str = "90d",
    known_for: str | None = "90d",
    created_field: str = "created_at",
    name: str = "dormant",
) -> Segment:
    """No activity in the last ``within``, among contacts known for more than ``known_for``.

    Parameters
    ----------
    activity_events
        Event types that count as activity (any of them).
    within
        The quiet window.
    known_for, created_field
        Only contacts whose ``created_field`` is more than ``known_for`` ago (so that new
        contacts are not dormant); ``known_for=None`` drops this condition.
    name
        Segment name.

    Examples
    --------
    >>> import segment_lab as sl
    >>> ws = sl.Workspace.demo()
    >>> ws.count(dormant(), as_of="2025-06-30")
    2020
    >>> dormant(activity_events=("purchase",), within="180d", known_for=None).description
    'Dormant: no purchases in the last 180 days.'
    """
    types = _types(activity_events, "activity_events")
    quiet = _window(within, "within")
    rule: Rule = ~event(types).exists(within=within)
    text = f"Dormant: no {_noun(types)} in the last {_span(quiet.duration)}"
    if known_for is not None:
        rule = rule & (field(created_field) < _ago(known_for, "known_for"))
        text += f"; known for more than {_span(_window(known_for, 'known_for').duration)}"
    return _segment("dormant", name, rule, text + ".", "lifecycle")


def new_leads(
    *,
    within: str = "7d",
    stage_field: str | None = "lifecycle_stage",
    lead_stage: str | Iterable[str] = "lead",
    created_field: str = "created_at",
    name: str = "new-leads",
) -> Segment:
    """Leads whose ``created_field`` lies in the last ``within``.

    Parameters
    ----------
    within
        How recent "new" is.
    stage_field, lead_stage
        Only contacts whose ``stage_field`` is ``lead_stage`` (one or several);
        ``stage_field=None`` drops this condition (every new contact).
    created_field
        Contact column with the creation time.
    name
        Segment name.

    Examples
    --------
    >>> import segment_lab as sl
    >>> ws = sl.Workspace.demo()
    >>> ws.count(new_leads(), as_of="2025-06-30")
    24
    >>> new_leads(within="30d", stage_field=None).description
    'New contacts: created in the last 30 days.'
    """
    created = field(created_field) > _ago(within, "within")
    span = _span(_window(within, "within").duration)
    if stage_field is None:
        return _segment(
            "new_leads", name, created, f"New contacts: created in the last {span}.", "lifecycle"
        )
    rule = created & _stage(stage_field, lead_stage)
    text = f"New leads ({_stage_text(stage_field, lead_stage)}): created in the last {span}."
    return _segment("new_leads", name, rule, text, "lifecycle")


#: Template name -> function; the name is also the ``template:<name>`` tag of its segments.
TEMPLATES: Mapping[str, Callable[..., Segment]] = MappingProxyType({
    f.__name__: f
    for f in (
        newsletter_readers, churn_risks, pricing_intent, high_intent_leads,
        customers_at_risk, dormant, new_leads,
    )
})  # fmt: skip


def catalog(**params: Mapping[str, Any]) -> Catalog:
    """A catalog of every template, with defaults or the parameters given per template.

    ``high-intent-leads`` and ``customers-at-risk`` reference the catalog's own
    ``pricing-intent`` and ``churn-risk`` segments (renamed ones included), so their rules
    equal ``sample.demo_catalog()``'s.

    Parameters
    ----------
    **params
        Template name -> keyword arguments, e.g. ``dormant={"within": "60d"}``.

    Examples
    --------
    >>> cat = catalog(newsletter_readers={"min_opens": 5})
    >>> cat.names
    ('newsletter-readers', 'churn-risk', 'pricing-intent', 'high-intent-leads', 'customers-at-risk', 'dormant', 'new-leads')
    >>> cat["customers-at-risk"].references()
    ('churn-risk',)
    """
    for key, kwargs in params.items():
        if key not in TEMPLATES:
            raise InvalidValueError(
                f"catalog() got {key}=..., which is not a template. Templates: "
                f"{', '.join(TEMPLATES)}." + did_you_mean(key, TEMPLATES)
            )
        if not isinstance(kwargs, Mapping):
            raise InvalidValueError(
                f"catalog({key}=...) takes a dict of parameters, e.g. {key}={{'name': ...}}; "
                f"got {kwargs!r}."
            )
    built: dict[str, Segment] = {}
    for key, fn in TEMPLATES.items():
        kwargs = dict(params.get(key, {}))
        if key == "high_intent_leads":
            kwargs.setdefault("intent_segment", built["pricing_intent"].name)
        elif key == "customers_at_risk":
            kwargs.setdefault("churn_risk", built["churn_risks"].name)
        built[key] = fn(**kwargs)
    return Catalog(tuple(built.values()))


# -- what a segment needs ----------------------------------------------------------------
class Requirements(NamedTuple):
    """The data a rule reads: event types, contact fields, event columns, segments."""

    event_types: tuple[str, ...]
    fields: tuple[str, ...]
    event_fields: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()


def _rule_of(segment: Segment | Rule) -> Rule:
    if isinstance(segment, Segment):
        return segment.rule
    if isinstance(segment, Rule):
        return segment
    raise InvalidValueError(f"Expected a Segment or a rule, got {segment!r}.")


def requirements(segment: Segment | Rule, catalog: Catalog | None = None) -> Requirements:
    """Event types, contact fields and event columns that a segment (or rule) reads.

    Event types are needed even inside negations: a misspelt type makes
    ``~event("x").exists()`` true for everyone.  ``in_segment`` references are listed in
    ``segments``; with ``catalog``, the referenced segments' needs are included too.

    Examples
    --------
    >>> requirements(high_intent_leads())
    Requirements(event_types=('page_visit', 'form_submit'), fields=('lifecycle_stage',), event_fields=('url',), segments=())
    >>> from segment_lab.sample import demo_catalog
    >>> requirements(demo_catalog()["customers-at-risk"], demo_catalog()).event_types
    ('purchase', 'email_open', 'unsubscribe')
    """
    found: dict[str, dict[str, None]] = {k: {} for k in Requirements._fields}
    stack, seen = [_rule_of(segment)], set()
    while stack:
        _collect(stack.pop(0), found)
        for ref in found["segments"]:
            if catalog is not None and ref not in seen:
                seen.add(ref)
                stack.append(catalog[ref].rule)
    return Requirements(*(tuple(found[k]) for k in Requirements._fields))


def _collect(rule: Rule, found: dict[str, dict[str, None]]) -> None:
    if isinstance(rule, EventCondition):
        found["event_types"].update(dict.fromkeys(rule.types))
        if rule.column is not None:
            found["event_fields"][rule.column] = None
        if rule.where is not None:
            for node in walk(rule.where):
                if isinstance(node, _ATTRIBUTE_NODES):
                    found["event_fields"][node.field] = None
    elif isinstance(rule, InSegment):
        found["segments"][rule.name] = None
    elif isinstance(rule, _ATTRIBUTE_NODES):
        found["fields"][rule.field] = None
    for child in rule.children():
        _collect(child, found)


def describe_templates() -> list[dict[str, Any]]:
    """One row per template: name, default segment name, description and data needs.

    Plain dicts (``pandas.DataFrame(describe_templates())`` makes a table).

    Examples
    --------
    >>> rows = describe_templates()
    >>> rows[0]["template"], rows[0]["event_types"], rows[0]["fields"]
    ('newsletter_readers', ('email_open',), ())
    >>> [r["segment"] for r in rows if "lifecycle_stage" in r["fields"]]
    ['high-intent-leads', 'customers-at-risk', 'new-leads']
    """
    rows = []
    for key, fn in TEMPLATES.items():
        seg = fn()
        req = requirements(seg)
        rows.append({
            "template": key,
            "segment": seg.name,
            "description": seg.description,
            "event_types": req.event_types,
            "fields": req.fields,
            "event_fields": req.event_fields,
        })  # fmt: skip
    return rows


# -- checking a workspace ------------------------------------------------------------------
#: Per template: parameter -> (role, how to drop the condition instead, or None).
_ROLES: dict[str, dict[str, tuple[str, str | None]]] = {
    "newsletter_readers": {"open_event": ("event", None)},
    "churn_risks": {
        "open_event": ("event", None),
        "unsubscribe_event": ("event", "unsubscribe_event=None"),
    },
    "pricing_intent": {"page_event": ("event", None), "url_field": ("event_field", None)},
    "high_intent_leads": {
        "page_event": ("event", None),
        "demo_event": ("event", "demo_event=None"),
        "url_field": ("event_field", None),
        "stage_field": ("field", "stage_field=None"),
    },
    "customers_at_risk": {
        "purchase_event": ("event", "purchase_event=None"),
        "churn_risk": ("event", "churn_risk=None"),
        "stage_field": ("field", "stage_field=None"),
    },
    "dormant": {"activity_events": ("event", None), "created_field": ("field", "known_for=None")},
    "new_leads": {"created_field": ("field", None), "stage_field": ("field", "stage_field=None")},
}
#: What to pass when no close match suggests a value.
_PLACEHOLDERS = {
    "event": "<an event type that occurs>",
    "field": "<a contacts column>",
    "event_field": "<an events column>",
}


def _template_of(segment: Segment | Rule) -> str | None:
    tags = segment.tags if isinstance(segment, Segment) else ()
    keys = [t.removeprefix("template:") for t in tags if t.startswith("template:")]
    return keys[0] if keys and keys[0] in TEMPLATES else None


def _defaults(key: str, param: str) -> set[str]:
    """The values a template parameter's default contributes (event types or field names)."""
    default = inspect.signature(TEMPLATES[key]).parameters[param].default
    if default is _INLINE:
        return set(requirements(churn_risks()).event_types)
    if isinstance(default, str):
        return {default}
    return set(default) if isinstance(default, tuple) else set()


def _params_for(key: str, role: str, value: str, used: set[str]) -> list[str]:
    """The template parameters that may have given ``value`` (a missing type or field).

    A default value is matched directly; a value passed in is attributed to the
    parameters whose defaults are not all in the rule (the others look untouched).
    """
    params = [p for p, (r, _) in _ROLES[key].items() if r == role]
    matching = [p for p in params if value in _defaults(key, p)]
    if matching:
        return matching
    return [p for p in params if not (_defaults(key, p) and _defaults(key, p) <= used)] or params


def _hint(key: str | None, role: str, value: str, repl: str | None, used: set[str]) -> str:
    """``" Built by templates.x(): pass p='...' (or p=None to drop that condition)."``"""
    if key is None:
        return ""
    params = _params_for(key, role, value, used)
    if len(params) > 1 and not any(value in _defaults(key, p) for p in params):
        which = " or ".join(params)
        return f" Built by templates.{key}(): change the parameter that gave it ({which})."
    fixes = []
    for p in params:
        drop = _ROLES[key][p][1]
        if p == "churn_risk":
            fix = "churn_risk=churn_risks(...) with event types that occur"
        else:
            fix = f"{p}={repl or _PLACEHOLDERS[role]}"
        fixes.append(fix + (f" (or {drop} to drop that condition)" if drop else ""))
    return f" Built by templates.{key}(): pass {'; or '.join(fixes)}." if fixes else ""


def _closest(value: str, options: list[str]) -> str | None:
    """The option :func:`~segment_lab.errors.did_you_mean` would suggest, or None."""
    close = difflib.get_close_matches(value, options, n=1, cutoff=0.6)
    if close:
        return close[0]
    lowered = {o.lower(): o for o in options}
    return lowered.get(value.lower())


def _present_event_types(ws: Any) -> list[str] | None:
    """Distinct event types of the workspace's events table (None without one)."""
    events = ws.tables.events
    if events is None:
        return None
    col = ws.bindings.event_type
    frame = events.select(col).distinct().limit(10_000).execute()
    return sorted(str(v) for v in frame[col] if isinstance(v, str))


def _event_problems(rule: Rule, present: list[str] | None, key: str | None) -> list[str]:
    """One line per fix: missing event types grouped by the parameter hint."""
    used = set(requirements(rule).event_types)
    if present is None:
        types = ", ".join(map(repr, requirements(rule).event_types))
        return [f"event types {types}: the workspace has no events table (pass events=...)."]
    groups: dict[str, list[str]] = {}
    for node in walk(rule):
        if not isinstance(node, EventCondition):
            continue
        fixed = [t if t in present else _closest(t, present) for t in node.types]
        kept = tuple(dict.fromkeys(t for t in fixed if t is not None))
        for t in node.types:
            if t in present or any(t in g for g in groups.values()):
                continue
            if not kept:
                repl = None
            else:
                repl = repr(kept) if len(node.types) > 1 else repr(kept[0])
            groups.setdefault(_hint(key, "event", t, repl, used), []).append(t)
    listed = ", ".join(map(repr, present[:25])) or "none"
    lines = []
    for hint, types in groups.items():
        names = ", ".join(map(repr, types))
        what = (
            f"event type {names} never occurs"
            if len(types) == 1
            else (f"event types {names} never occur")
        )
        close = [f" Did you mean {c!r} for {t!r}?" for t in types if (c := _closest(t, present))]
        if len(types) == 1 and close:
            close = [did_you_mean(types[0], present)]
        lines.append(f"{what} in the events table (present: {listed})." + "".join(close) + hint)
    return lines


def _field_problems(
    names: tuple[str, ...], available: list[str], table: str, role: str, key: str | None
) -> list[str]:
    """One line per missing field, with "did you mean" and the parameter to change."""
    listed = ", ".join(map(repr, sorted(available)[:25]))
    out = []
    for f in names:
        if f in available:
            continue
        close = _closest(f, available)
        out.append(
            f"field {f!r} is not in the {table} table (fields: {listed})."
            + did_you_mean(f, available)
            + _hint(key, role, f, close and repr(close), set(names))
        )
    return out


def _targets(segment: Segment | Rule | Catalog, ws: Any) -> tuple[list, Catalog | None]:
    if isinstance(segment, Catalog):
        return [(s, s.rule) for s in segment], segment
    cat = ws.catalog
    req = requirements(segment)
    if req.segments and cat is None:
        raise UnknownSegmentError(
            f"The rule references in_segment({req.segments[0]!r}), but the workspace has no "
            f"catalog: use ws.with_catalog(templates.catalog()) or inline the rule."
        )
    rule = _rule_of(segment)
    if req.segments:  # follow references: their data needs are this segment's too
        rule = And((rule, *(cat[n].rule for n in requirements(segment, cat).segments)))
    return [(segment, rule)], cat


def check(ws: Any, segment: Segment | Rule | Catalog) -> Requirements:
    """Check that a workspace has the data a segment (or every segment of a catalog) reads.

    Contact fields must be columns of the contacts (or contact_history) table, event
    columns of the events table, and every event type must occur in the events table at
    least once (a type that never occurs makes "opened 3+ emails" empty and "no activity"
    true for everyone, silently).

    Parameters
    ----------
    ws
        A :class:`~segment_lab.Workspace`; references resolve in its catalog.
    segment
        A Segment, a rule, or a Catalog (each segment checked on its own).

    Returns
    -------
    Requirements
        What was checked (all of it present).

    Raises
    ------
    BindingError
        When an event type never occurs (or there is no events table); the message lists
        every problem, the event types present and, for template segments, the
        parameter to change.
    UnknownFieldError
        When only fields are missing; with "did you mean" and the parameter to change.

    Examples
    --------
    >>> import segment_lab as sl
    >>> ws = sl.Workspace.demo()
    >>> check(ws, newsletter_readers()).event_types
    ('email_open',)
    >>> check(ws, newsletter_readers(open_event="email_opened"))
    Traceback (most recent call last):
    ...
    segment_lab.errors.BindingError: Segment 'newsletter-readers' needs data the workspace does not have:
      - event type 'email_opened' never occurs in the events table (present: ...). Did you mean 'email_open'? Built by templates.newsletter_readers(): pass open_event='email_open'.
    """
    targets, cat = _targets(segment, ws)
    present = _present_event_types(ws) if requirements(_rules(targets)).event_types else []
    contact_fields = list(ws.tables.contact_fields())
    events = ws.tables.events
    event_fields = [] if events is None else list(events.schema().names)
    messages, events_missing = [], False
    for seg, rule in targets:
        key, req = _template_of(seg), requirements(rule)
        ev = _event_problems(rule, present, key)
        problems = ev + _field_problems(req.fields, contact_fields, "contacts", "field", key)
        problems += _field_problems(req.event_fields, event_fields, "events", "event_field", key)
        events_missing = events_missing or bool(ev)
        if problems:
            who = f"Segment {seg.name!r}" if isinstance(seg, Segment) else "The rule"
            lines = "\n".join(f"  - {p}" for p in problems)
            messages.append(f"{who} needs data the workspace does not have:\n{lines}")
    if messages:
        raise (BindingError if events_missing else UnknownFieldError)("\n".join(messages))
    return requirements(_rules(targets), cat)


def _rules(targets: list) -> Rule:
    rules = [rule for _, rule in targets]
    return rules[0] if len(rules) == 1 else And(tuple(rules))
