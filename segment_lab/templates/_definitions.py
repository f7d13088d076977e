"""Template definitions (see :mod:`segment_lab.templates`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

from segment_lab.dsl import any_of, event, field, in_segment
from segment_lab.errors import (
    InvalidDurationError,
    InvalidValueError,
    did_you_mean,
)
from segment_lab.model import (
    Catalog,
    Duration,
    RelativeTime,
    Rule,
    Segment,
    Within,
)
from segment_lab.model._time import UNIT_WORDS

#: Every event type the sample data counts as activity.
ACTIVITY_EVENTS = ("email_open", "email_click", "page_visit", "form_submit", "purchase")
_NOUNS = {
    "email_open": "email opens", "email_click": "email clicks", "page_visit": "page visits",
    "page_view": "page views", "form_submit": "form submissions", "purchase": "purchases",
    "unsubscribe": "unsubscribes", "email_sent": "emails sent",
}  # fmt: skip


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
    unit = UNIT_WORDS[d.unit]
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
    if quiet.duration.span_seconds()[0] >= active.duration.span_seconds()[1]:  # never shorter
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
    """Return the pricing-view condition and its words (without the window)."""
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
    """At risk: customers who are churn risks or last bought more than ``no_purchase_for`` ago.

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
    """Build a catalog of every template, with defaults or the parameters given per template.

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
