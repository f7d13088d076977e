"""Plain-language descriptions and HTML views of rules and segments."""

from __future__ import annotations

import html
from functools import singledispatch
from typing import TYPE_CHECKING

from segment_lab.model._nodes import (
    And,
    Compare,
    EventCondition,
    InSegment,
    IsEmpty,
    IsIn,
    IsNull,
    ListHas,
    Not,
    Or,
    Range,
    Rule,
    TextMatch,
)
from segment_lab.model._python import rule_to_python
from segment_lab.model._time import (
    PERIOD_ANCHORS,
    UNIT_WORDS,
    AbsoluteTime,
    Between,
    RelativeTime,
    Within,
)

if TYPE_CHECKING:
    from segment_lab.model._segment import Catalog, Segment

__all__ = ["describe_rule", "label", "rule_html", "segment_html"]

#: How an event type reads as a verb phrase ("opened an email").
EVENT_PHRASES = {
    "email_open": "opened an email",
    "email_click": "clicked a link in an email",
    "email_sent": "was sent an email",
    "email_bounce": "had an email bounce",
    "page_visit": "visited a page",
    "page_view": "viewed a page",
    "form_submit": "submitted a form",
    "purchase": "made a purchase",
    "unsubscribe": "unsubscribed",
    "signup": "signed up",
    "login": "logged in",
}
_CMP_WORDS = {
    "==": "is", "!=": "is not", "<": "is less than", "<=": "is at most",
    ">": "is greater than", ">=": "is at least",
}  # fmt: skip
_TIME_WORDS = {
    "==": "is", "!=": "is not", "<": "is before", "<=": "is on or before",
    ">": "is after", ">=": "is on or after",
}  # fmt: skip


def label(name: str) -> str:
    """``"job_title"`` -> ``"Job title"``."""
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def value_text(value: object) -> str:
    """Say a comparison value in words."""
    if isinstance(value, RelativeTime):
        return time_text(value)
    if isinstance(value, AbsoluteTime):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return (
            f"'{value}'" if (not value or " " in value.strip() or value != value.strip()) else value
        )
    return f"{value:,}" if isinstance(value, int) else str(value)


def time_text(value: AbsoluteTime | RelativeTime) -> str:
    """``-30d`` -> ``30 days ago``; ``today`` -> ``today``; ISO -> itself."""
    if isinstance(value, AbsoluteTime):
        return str(value)
    off = value.offset
    if value.anchor in PERIOD_ANCHORS:
        return _period_text(value)
    base = {"now": "now", "today": "today", "yesterday": "yesterday", "tomorrow": "tomorrow"}[
        value.anchor
    ]
    if off is None or off.amount == 0:
        return base
    span = _plural(abs(off.amount), UNIT_WORDS[off.unit])
    if value.anchor == "now":
        return f"{span} ago" if off.amount < 0 else f"{span} from now"
    return f"{span} {'before' if off.amount < 0 else 'after'} {base}"


def _period_text(value: RelativeTime) -> str:
    """``week_start-1w`` -> ``the start of last week``; other offsets from this period's start."""
    period = {"week_start": "week", "month_start": "month", "year_start": "year"}[value.anchor]
    off = value.offset
    steps = {"week": (7, "d", 1, "w"), "month": (1, "mo", 1, "mo"), "year": (12, "mo", 4, "q")}
    per, unit, per2, unit2 = steps[period]
    n = None
    if off is None or off.amount == 0:
        n = 0
    elif off.unit == unit and off.amount % per == 0:
        n = off.amount // per
    elif off.unit == unit2 and off.amount % per2 == 0:
        n = off.amount // per2
    if n in (-1, 0, 1):
        return f"the start of { ({-1: 'last', 0: 'this', 1: 'next'}[n]) } {period}"
    span = _plural(abs(off.amount), UNIT_WORDS[off.unit])  # type: ignore[union-attr]
    side = "before" if off.amount < 0 else "after"  # type: ignore[union-attr]
    return f"{span} {side} the start of this {period}"


def _list(values: tuple, conj: str) -> str:
    words = [value_text(v) for v in values]
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + f" {conj} " + words[-1]


def _group(rule: Rule) -> str:
    text = describe_rule(rule)
    return f"({text})" if isinstance(rule, (And, Or)) and len(rule.rules) > 1 else text


@singledispatch
def describe_rule(rule: Rule) -> str:
    """Say any rule node in a plain-language sentence."""
    raise TypeError(f"No description for rule node {type(rule).__name__}.")


@describe_rule.register
def _(rule: Compare) -> str:
    if _is_ago(rule.op, rule.value):  # created_at > "-7d": "less than 7 days ago"
        return f"{label(rule.field)} is {_ago_text(rule.op, rule.value)}"
    words = _TIME_WORDS if isinstance(rule.value, (AbsoluteTime, RelativeTime)) else _CMP_WORDS
    return f"{label(rule.field)} {words[rule.op]} {value_text(rule.value)}"


@describe_rule.register
def _(rule: IsIn) -> str:
    if len(rule.values) == 1:
        return (
            f"{label(rule.field)} {'is not' if rule.negate else 'is'} {value_text(rule.values[0])}"
        )
    verb = "is none of" if rule.negate else "is one of"
    return f"{label(rule.field)} {verb} {_list(rule.values, 'or' if not rule.negate else 'and')}"


@describe_rule.register
def _(rule: Range) -> str:
    return f"{label(rule.field)} is between {value_text(rule.low)} and {value_text(rule.high)}"


_TEXT_WORDS = {
    "contains": "contains", "startswith": "starts with", "endswith": "ends with",
    "like": "is like", "matches": "matches the pattern",
}  # fmt: skip


@describe_rule.register
def _(rule: TextMatch) -> str:
    return f"{label(rule.field)} {_TEXT_WORDS[rule.op]} '{rule.pattern}'"


@describe_rule.register
def _(rule: IsNull) -> str:
    return f"{label(rule.field)} is {'known' if rule.negate else 'unknown'}"


@describe_rule.register
def _(rule: IsEmpty) -> str:
    return f"{label(rule.field)} is {'not empty' if rule.negate else 'empty'}"


@describe_rule.register
def _(rule: ListHas) -> str:
    conj = {"any": "or", "all": "and", "none": "nor" if len(rule.values) == 2 else "or"}[rule.mode]
    verb = {"any": "includes", "all": "includes all of", "none": "includes neither"}[rule.mode]
    if rule.mode == "any" and len(rule.values) > 1:
        verb = "includes any of"
    if rule.mode == "none" and len(rule.values) == 1:
        verb = "does not include"
    if rule.mode == "none" and len(rule.values) > 2:
        verb = "includes none of"
    return f"{label(rule.field)} {verb} {_list(rule.values, conj)}"


def window_text(window: Within | Between | None) -> str:
    if window is None:
        return ""
    if isinstance(window, Within):
        d = window.duration
        span = UNIT_WORDS[d.unit] if d.amount == 1 else _plural(d.amount, UNIT_WORDS[d.unit])
        return f" in the last {span}"
    return f" between {time_text(window.start)} and {time_text(window.end)}"


def _event_phrase(rule: EventCondition) -> str:
    phrases = [EVENT_PHRASES.get(t, f"did '{t}'") for t in rule.types]
    text = phrases[0] if len(phrases) == 1 else " or ".join(phrases)
    if rule.where is not None:
        text += f" (where {describe_rule(rule.where)})"
    return text


_SUM_WORDS = {
    "==": "of exactly", "!=": "other than", "<": "below", "<=": "of at most",
    ">": "above", ">=": "of at least",
}  # fmt: skip


def _count_text(op: str, n: int) -> str:
    times = _plural(n, "time")
    return {
        ">=": f"at least {times}", ">": f"more than {times}", "<=": f"at most {times}",
        "<": f"fewer than {times}", "==": f"exactly {times}", "!=": f"other than {times}",
    }[op]  # fmt: skip


@describe_rule.register
def _(rule: EventCondition) -> str:
    what, win = _event_phrase(rule), window_text(rule.window)
    if rule.measure == "count":
        n = rule.value
        if (rule.op, n) in ((">=", 1), (">", 0)):
            return f"{what}{win}"
        if (rule.op, n) in (("==", 0), ("<", 1), ("<=", 0)):
            return f"never {what}{win}" if not win else f"not {what}{win}"
        return f"{what} {_count_text(rule.op, n)}{win}"
    if rule.measure == "sum":
        column = label(rule.column or "").lower()
        return f"{what} with a total {column} {_SUM_WORDS[rule.op]} {value_text(rule.value)}{win}"
    which = "last" if rule.measure == "last_seen" else "first"
    return f"{which} {what} {_ago_text(rule.op, rule.value)}{win}"


def _is_ago(op: str, value: object) -> bool:
    return (
        isinstance(value, RelativeTime)
        and value.anchor == "now"
        and value.offset is not None
        and value.offset.amount < 0
        and op in ("<", "<=", ">", ">=")
    )


def _ago_text(op: str, value: object) -> str:
    """``< -90d`` -> "more than 90 days ago"; other times -> "before <time>"."""
    if _is_ago(op, value):
        span = _plural(-value.offset.amount, UNIT_WORDS[value.offset.unit])
        words = {"<": "more than", "<=": "at least", ">": "less than", ">=": "at most"}[op]
        return f"{words} {span} ago"
    return f"{_TIME_WORDS[op].removeprefix('is ')} {value_text(value)}"


@describe_rule.register
def _(rule: InSegment) -> str:
    return f"is in segment '{rule.name}'"


@describe_rule.register
def _(rule: And) -> str:
    return " and ".join(_group(r) for r in rule.rules)


@describe_rule.register
def _(rule: Or) -> str:
    return " or ".join(_group(r) for r in rule.rules)


@describe_rule.register
def _(rule: Not) -> str:
    inner = rule.rule
    if isinstance(inner, InSegment):
        return f"is not in segment '{inner.name}'"
    if (
        isinstance(inner, EventCondition)
        and inner.measure == "count"
        and (inner.op, inner.value) in ((">=", 1), (">", 0))
    ):
        if len(inner.types) > 1:  # "not (A or B) in 90 days" would read as "(not A) or B"
            phrases = [EVENT_PHRASES.get(t, f"did '{t}'") for t in inner.types]
            listed = ", ".join(phrases[:-1]) + " nor " + phrases[-1]
            where = f" (where {describe_rule(inner.where)})" if inner.where is not None else ""
            span = window_text(inner.window) or " ever"
            return f"has neither {listed}{where}{span}"
        never = "never " if inner.window is None else "not "
        return f"{never}{_event_phrase(inner)}{window_text(inner.window)}"
    return f"not ({describe_rule(inner)})"


# -- HTML ------------------------------------------------------------------------
_CSS = "font-family:system-ui,sans-serif;line-height:1.4"
_CODE = "background:#f6f8fa;padding:4px 8px;margin:4px 0;white-space:pre-wrap"


def rule_html(rule: Rule) -> str:
    return f"<div style='{_CSS}'>{html.escape(describe_rule(rule))}</div>"


def segment_html(seg: Segment, yaml_text: str | None = None) -> str:
    """Return a segment as HTML: name, tags, description, who, the DSL code, YAML on demand.

    Every user string (name, tags, description, field names, values) is escaped.
    """
    desc = (
        f"<div style='color:#555'>{html.escape(seg.description)}</div>" if seg.description else ""
    )
    tags = " ".join(
        f"<span style='background:#eef;border-radius:3px;padding:0 4px'>{html.escape(t)}</span>"
        for t in seg.tags
    )
    yaml_block = (
        f"<details><summary>YAML</summary><pre>{html.escape(yaml_text)}</pre></details>"
        if yaml_text is not None
        else ""
    )
    return (
        f"<div style='{_CSS}'><b>Segment {html.escape(seg.name)}</b> {tags}{desc}"
        f"<div><i>Who:</i> {html.escape(seg.describe())}</div>"
        f"<pre style='{_CODE}'><code>{html.escape(rule_to_python(seg.rule))}</code></pre>"
        f"{yaml_block}</div>"
    )


def catalog_html(cat: Catalog) -> str:
    rows = "".join(
        f"<tr><td><b>{html.escape(s.name)}</b></td><td>{html.escape(s.describe())}</td></tr>"
        for s in cat
    )
    return (
        f"<div style='{_CSS}'><b>Catalog of {len(cat)} segments</b>"
        f"<table><tr><th>segment</th><th>who</th></tr>{rows}</table></div>"
    )
