"""What a segment needs, and whether a workspace has it (see :mod:`segment_lab.templates`)."""

from __future__ import annotations

import difflib
import inspect
from typing import Any, NamedTuple

from segment_lab.errors import (
    BindingError,
    InvalidValueError,
    UnknownFieldError,
    UnknownSegmentError,
    did_you_mean,
)
from segment_lab.model import (
    And,
    Catalog,
    EventCondition,
    InSegment,
    Rule,
    Segment,
    walk,
)
from segment_lab.model._nodes import ATTRIBUTE_NODES
from segment_lab.templates._definitions import _INLINE, TEMPLATES, churn_risks


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
    >>> from segment_lab.templates import high_intent_leads, newsletter_readers
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
                if isinstance(node, ATTRIBUTE_NODES):
                    found["event_fields"][node.field] = None
    elif isinstance(rule, InSegment):
        found["segments"][rule.name] = None
    elif isinstance(rule, ATTRIBUTE_NODES):
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
    """Return the values a template parameter's default contributes (event types or field names)."""
    default = inspect.signature(TEMPLATES[key]).parameters[param].default
    if default is _INLINE:
        return set(requirements(churn_risks()).event_types)
    if isinstance(default, str):
        return {default}
    return set(default) if isinstance(default, tuple) else set()


def _params_for(key: str, role: str, value: str, used: set[str]) -> list[str]:
    """Name the template parameters that may have given ``value`` (a missing type or field).

    A default value is matched directly; a value passed in is attributed to the
    parameters whose defaults are not all in the rule (the others look untouched).
    """
    params = [p for p, (r, _) in _ROLES[key].items() if r == role]
    matching = [p for p in params if value in _defaults(key, p)]
    if matching:
        return matching
    return [p for p in params if not (_defaults(key, p) and _defaults(key, p) <= used)] or params


def _hint(key: str | None, role: str, value: str, repl: str | None, used: set[str]) -> str:
    """Return a hint such as ``" Built by templates.x(): pass p='...' (or p=None ...)."``."""
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
    """Return the option :func:`~segment_lab.errors.did_you_mean` would suggest, or None."""
    close = difflib.get_close_matches(value, options, n=1, cutoff=0.6)
    if close:
        return close[0]
    lowered = {o.lower(): o for o in options}
    return lowered.get(value.lower())


def _present_event_types(ws: Any) -> list[str] | None:
    """Distinct event types of the workspace's events table (None without one)."""
    from segment_lab.engine import event_types_present  # templates import no engine

    return event_types_present(ws.tables)


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
        A Segment, a rule, a catalog segment's name, or a Catalog (each segment checked
        on its own).

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
    >>> from segment_lab.templates import newsletter_readers
    >>> ws = sl.Workspace.demo()
    >>> check(ws, newsletter_readers()).event_types
    ('email_open',)
    >>> check(ws, newsletter_readers(open_event="email_opened"))
    Traceback (most recent call last):
    ...
    segment_lab.errors.BindingError: Segment 'newsletter-readers' needs data the workspace does not have:
      - event type 'email_opened' never occurs in the events table (present: ...). Did you mean 'email_open'? Built by templates.newsletter_readers(): pass open_event='email_open'.
    """
    if isinstance(segment, str):
        segment = ws.lookup(segment)
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
