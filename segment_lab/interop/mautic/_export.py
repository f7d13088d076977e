"""segment_lab rules as Mautic filters, where Mautic expresses them exactly.

A rule is flattened to Mautic's OR of AND groups (negations pushed down to the
conditions, ANDs distributed over ORs); each condition becomes one Mautic filter.  What
Mautic cannot say exactly is an error naming the part.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from segment_lab.errors import MauticUnsupportedError
from segment_lab.interop.mautic._dates import KEYWORDS
from segment_lab.interop.mautic._import import _CLICK, _LEAD_TYPES, DNC, manual
from segment_lab.model import (
    AbsoluteTime,
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
    RelativeTime,
    Rule,
    Segment,
    TextMatch,
    walk,
)

__all__ = ["to_mautic"]

Filter = dict[str, Any]
Dnf = list[list[Filter]]
_MAX_FILTERS = 200
_CMP = {"==": "=", "!=": "!=", ">": "gt", ">=": "gte", "<": "lt", "<=": "lte"}
_FLIP = {">": "<=", ">=": "<", "<": ">=", "<=": ">"}
_EQ = re.compile(r"^\(\?i\)\^(.*)\$$", re.S)
_MULTI = re.compile(r"^\(\?i\)\(\^\|\[\|\]\)(.*)\(\[\|\]\|\$\)$", re.S)
_SEGMENT_FIELDS = {"stage_id": "stage"}


class _Cannot(Exception):
    """The part (described) and why Mautic cannot express it."""


def _describe(rule: Rule) -> str:
    try:
        return rule.describe()
    except Exception:
        return repr(rule)


def _filter(field: str, op: str, value: Any, kind: str, obj: str = "lead") -> Filter:
    out: Filter = {"glue": "and", "field": field, "object": obj, "type": kind, "operator": op}
    out["properties"] = {"filter": value}
    return out


def _one(f: Filter) -> Dnf:
    return [[f]]


# -- types of fields -------------------------------------------------------------------
def _field_types(rule: Rule) -> dict[str, str]:
    """Mautic types of the contact fields, from the values the rule compares them with."""
    out: dict[str, str] = {k: v for k, v in _LEAD_TYPES.items() if v == "datetime"}
    for node in walk(rule):
        if isinstance(node, EventCondition):
            continue
        value = getattr(node, "value", getattr(node, "low", None))
        if isinstance(value, (AbsoluteTime, RelativeTime)):
            out[node.field] = "datetime"  # type: ignore[attr-defined]
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out.setdefault(node.field, "number")  # type: ignore[attr-defined]
        elif isinstance(node, TextMatch) and _MULTI.match(node.pattern):
            out[node.field] = "multiselect"
    return out


# -- time values -----------------------------------------------------------------------
_PERIOD_UNIT = {"week_start": ("w", 1, "week"), "month_start": ("mo", 1, "month"),
                "year_start": ("mo", 12, "year")}  # fmt: skip


def _days_from_today(tv: RelativeTime) -> int | None:
    """Whole days from today's midnight, for today/yesterday/tomorrow with day offsets."""
    if tv.anchor not in ("today", "yesterday", "tomorrow") or tv.is_calendar:
        return None
    secs = int(tv.shift.total_seconds())
    return secs // 86400 if secs % 86400 == 0 else None


def _keyword_start(tv: RelativeTime) -> str | None:
    """Return the keyword whose period starts at ``tv`` (``week_start-1w`` -> ``last week``)."""
    if tv.anchor not in _PERIOD_UNIT:
        return None
    unit, per, word = _PERIOD_UNIT[tv.anchor]
    off = tv.offset
    n = 0
    if off is not None and off.amount:
        if off.unit == unit and off.amount % per == 0:
            n = off.amount // per
        elif tv.anchor == "week_start" and off.unit == "d" and off.amount % 7 == 0:
            n = off.amount // 7
        else:
            return None
    return {-1: f"last {word}", 0: f"this {word}", 1: f"next {word}"}.get(n)


def _interval(days: int) -> str:
    return f"{days:+d} days"


def _time_filters(name: str, op: str, tv: Any) -> Dnf:
    """``name op tv`` on a date field as Mautic filters."""
    if isinstance(tv, AbsoluteTime):
        return _one(_filter(name, _CMP[op], tv.value.strftime("%Y-%m-%d %H:%M:%S"), "datetime"))
    days = _days_from_today(tv)
    if days is not None:
        if op == "==":  # Mautic's = with an interval is the whole day: use its midnight twice
            return [[_filter(name, "gte", _interval(days), "datetime"),
                     _filter(name, "lte", _interval(days), "datetime")]]  # fmt: skip
        if op == "!=":
            raise _Cannot("!= with a midnight: Mautic's != with a date means the whole day")
        return _one(_filter(name, _CMP[op], _interval(days), "datetime"))
    if op in (">=", "<"):
        keyword = _keyword_start(tv)
        if keyword is not None:  # gte / lt compare with the period's start
            return _one(_filter(name, _CMP[op], keyword, "datetime"))
        keyword = _ENDS.get(str(tv))
        if keyword is not None:  # gt / lte with its end - 1s: >= end / < end on whole seconds
            return _one(_filter(name, "gt" if op == ">=" else "lte", keyword, "datetime"))
    if tv.anchor == "now":
        raise _Cannot(
            f"{str(tv)!r} is relative to now; Mautic 5 compares dates by day: use "
            f"'today-30d' and the like"
        )
    raise _Cannot(f"Mautic has no date value for {op} {str(tv)!r}")


#: (start, end) of every keyword period -> the keyword
_PERIODS = {v: k for k, v in KEYWORDS.items()}
#: the end of a week, month or year keyword's period -> the keyword
_ENDS = {end: k for k, (_, end) in KEYWORDS.items() if " " in k}


def _span_value(rule: Rule, column: str) -> str | None:
    """Return the Mautic value whose period is ``column >= S and column < E``, if ``rule`` is that."""
    if not (isinstance(rule, And) and len(rule.rules) == 2):
        return None
    a, b = rule.rules
    ok = all(isinstance(r, Compare) and r.field == column for r in (a, b))
    if not ok or (a.op, b.op) != (">=", "<"):  # type: ignore[attr-defined]
        return None
    lo, hi = str(a.value), str(b.value)  # type: ignore[attr-defined]
    if (lo, hi) in _PERIODS:
        return _PERIODS[(lo, hi)]
    start, end = a.value, b.value  # type: ignore[attr-defined]
    if isinstance(start, RelativeTime) and isinstance(end, RelativeTime):
        d0, d1 = _days_from_today(start), _days_from_today(end)
        if d0 is not None and d1 == d0 + 1:
            return _interval(d0)
    return None


# -- contact-field conditions -------------------------------------------------------
def _text_value(rule: TextMatch) -> tuple[str, str, str] | None:
    """(operator, value, type) for a text test of the contacts table."""
    p = rule.pattern
    if rule.op == "like":
        if "%" in p:
            return "like", p, "text"
        if "_" not in p:
            return "=", p, "text"
        return None
    words = {"contains": "contains", "startswith": "startsWith", "endswith": "endsWith"}
    if rule.op in words:  # Mautic's are LIKEs: exact only without wildcard characters
        return None if "%" in p or "_" in p else (words[rule.op], p, "text")
    if rule.op != "matches":
        return None
    m = _MULTI.match(p)
    if m:
        return "in", _unescape(m.group(1)), "multiselect"
    m = _EQ.match(p)
    if m and re.escape(_unescape(m.group(1))) == m.group(1):
        return "=", _unescape(m.group(1)), "text"
    if p.startswith("(?i)"):
        return "regexp", p[4:].replace("\\", "\\\\"), "text"
    return None


def _unescape(escaped: str) -> str:
    return re.sub(r"\\(.)", r"\1", escaped, flags=re.S)


def _field_name(name: str) -> str:
    return _SEGMENT_FIELDS.get(name, name)


def _attribute(rule: Rule, negated: bool, types: Mapping[str, str]) -> Dnf:  # noqa: C901
    """Write a condition on a contact field as Mautic filters (negated: its exact complement)."""
    name = _field_name(rule.field)  # type: ignore[attr-defined]
    kind = "tags" if name == "tags" else types.get(rule.field, "text")  # type: ignore[attr-defined]
    if isinstance(rule, Compare):
        return _compare(rule, name, kind, negated)
    values = [*getattr(rule, "values", ()), getattr(rule, "low", None)]
    if isinstance(rule, (IsIn, Range)) and any(isinstance(v, str) for v in values):
        raise _Cannot(
            "Mautic compares text ignoring case (MySQL's default collation); write "
            "case-insensitive tests with .like(...)"
        )
    if isinstance(rule, IsIn):
        neg = negated != rule.negate
        return _one(_filter(name, "!in" if neg else "in", list(rule.values), kind))
    if isinstance(rule, Range):
        if isinstance(rule.low, (AbsoluteTime, RelativeTime)):
            raise _Cannot("between on times: write two comparisons")
        return _one(_filter(name, "!between" if negated else "between",
                            [rule.low, rule.high], kind))  # fmt: skip
    if isinstance(rule, IsEmpty):
        if kind in ("number", "datetime"):
            raise _Cannot(f"empty() on a {kind} field: Mautic's empty on it differs")
        neg = negated != rule.negate
        return _one(_filter(name, "!empty" if neg else "empty", None, kind))
    if isinstance(rule, IsNull):
        if kind != "datetime":
            raise _Cannot("isnull() on a field that is not a date: Mautic's empty also holds ''")
        neg = negated != rule.negate
        return _one(_filter(name, "!empty" if neg else "empty", None, "datetime"))
    if isinstance(rule, TextMatch):
        return _text(rule, name, negated)
    if isinstance(rule, ListHas):
        return _list(rule, negated)
    raise _Cannot("no Mautic filter")


def _compare(rule: Compare, name: str, kind: str, negated: bool) -> Dnf:
    value, op = rule.value, rule.op
    if isinstance(value, (AbsoluteTime, RelativeTime)):
        if not negated:
            return _time_filters(name, op, value)
        if op in _FLIP:
            empty = _filter(name, "empty", None, "datetime")
            return [*_time_filters(name, _FLIP[op], value), [empty]]
        raise _Cannot("the negation of a date equality")
    if isinstance(value, str):
        raise _Cannot(
            "Mautic compares text ignoring case (MySQL's default collation); write "
            f"field({rule.field!r}).like({value!r}) for that meaning"
        )
    if isinstance(value, bool):
        value, kind = int(value), "boolean"
    if negated:
        if op not in ("==", "!="):
            raise _Cannot("the negation of a comparison holds for NULL, which Mautic's "
                          "'empty' on a number also reads as 0")  # fmt: skip
        op = "!=" if op == "==" else "=="
    return _one(_filter(name, _CMP[op], value, kind))


def _text(rule: TextMatch, name: str, negated: bool) -> Dnf:
    found = _text_value(rule)
    if found is None:
        raise _Cannot(
            "Mautic's text tests ignore case and read % as a wildcard; this test has no "
            "exact Mautic form"
        )
    op, value, kind = found
    if op == "in":
        return _one(_filter(name, "!in" if negated else "in", [value], kind))
    if not negated:
        return _one(_filter(name, op, value, kind))
    if op in ("contains", "startsWith", "endsWith"):  # Mautic has no negation of these
        like = {"contains": f"%{value}%", "startsWith": f"{value}%", "endsWith": f"%{value}"}
        return _one(_filter(name, "!like", like[op], kind))
    if op == "regexp":  # NOT REGEXP skips NULL: add empty unless the regex matches ''
        if re.search(rule.pattern, ""):
            raise _Cannot("the negation of a regex that matches the empty text")
        return [[_filter(name, "!regexp", value, kind)], [_filter(name, "empty", None, kind)]]
    return _one(_filter(name, "!" + op if op != "=" else "!=", value, kind))


def _list(rule: ListHas, negated: bool) -> Dnf:
    if rule.field != "tags":
        raise _Cannot("Mautic has list filters for tags only")
    ids = list(rule.values)
    mode = {"any": "none", "none": "any", "all": "notall"}[rule.mode] if negated else rule.mode
    if mode == "any":
        return _one(_filter("tags", "in", ids, "tags"))
    if mode == "none":
        return _one(_filter("tags", "!in", ids, "tags"))
    if mode == "all":  # in is any-of: one filter per tag, AND-ed
        return [[_filter("tags", "in", [i], "tags") for i in ids]]
    return [[_filter("tags", "!in", [i], "tags")] for i in ids]


# -- events ----------------------------------------------------------------------------
_DATE_FIELDS = {("email_sent",): "lead_email_sent_date", ("email_read",): "lead_email_read_date",
                ("page_hit",): "hit_url_date"}  # fmt: skip
_HIT_FIELDS = {"url": "hit_url", "referer": "referer", "url_title": "url_title",
               "source": "source", "source_id": "source_id"}  # fmt: skip


def _is_exists(rule: Rule) -> bool:
    return (
        isinstance(rule, EventCondition)
        and rule.measure == "count"
        and rule.op == ">="
        and rule.value == 1
        and rule.window is None
    )


def _flag(field: str, negated: bool) -> Dnf:
    return _one(_filter(field, "=", 0 if negated else 1, "boolean", "behaviors"))


def _event(rule: EventCondition, negated: bool) -> Dnf:
    if rule.window is not None:
        raise _Cannot("Mautic filters have no time windows")
    if not _is_exists(rule):
        return _aggregate(rule, negated)
    types, where = rule.types, rule.where
    for field, (reason, channel) in DNC.items():
        if types == ("dnc",) and where == Compare("reason", "==", reason) & Compare(
            "channel", "==", channel
        ):
            return _one(_filter(field, "=", 0 if negated else 1, "boolean"))
    if types == ("page_hit",):
        flags = {_CLICK: "email_id", IsNull("redirect_id", negate=True): "redirect_id",
                 IsNull("page_id", negate=True): "page_id"}  # fmt: skip
        if where in flags:
            return _flag(flags[where], negated)
    if isinstance(where, IsIn) and where.field == "email_id" and not where.negate:
        field = {("email_read",): "lead_email_received", ("email_sent",): "lead_email_sent"}
        if types in field:
            ids = list(where.values)
            return _one(_filter(field[types], "!in" if negated else "in", ids,
                                "lead_email_received", "behaviors"))  # fmt: skip
    return _foreign(types, where, negated)


def _aggregate(rule: EventCondition, negated: bool) -> Dnf:
    op = rule.op
    if negated:
        op = {**_FLIP, "==": None, "!=": "=="}.get(op)  # type: ignore[arg-type]
    if op is None or op == "!=" or rule.where is not None:
        raise _Cannot("Mautic counts with =, <, <=, >, >= only, over all the rows")
    if rule.measure == "count" and rule.types == ("page_hit",):
        return _one(_filter("hit_url_count", _CMP[op], rule.value, "number", "behaviors"))
    if rule.measure == "sum" and rule.types == ("email_sent",) and rule.column == "open_count":
        return _one(_filter("lead_email_read_count", _CMP[op], rule.value, "number", "behaviors"))
    raise _Cannot("no Mautic filter measures this")


def _foreign(types: tuple[str, ...], where: Rule | None, negated: bool) -> Dnf:
    """Write a condition on the rows of email_stats or page_hits (exists / not exists)."""
    click = isinstance(where, And) and where.rules[: len(_CLICK.rules)] == _CLICK.rules
    inner = where
    if click:
        rest = where.rules[len(_CLICK.rules) :]  # type: ignore[union-attr]
        inner = rest[0] if len(rest) == 1 else And(rest)
    if inner is None:
        raise _Cannot("no Mautic filter")
    column, null_ok = _where_column(inner, negated)
    if column == "ts":
        field = "email_clicked_link_date" if click else _DATE_FIELDS.get(types)
    else:
        field = _HIT_FIELDS.get(column) if types == ("page_hit",) and not click else None
    if field is None:
        raise _Cannot("no Mautic filter tests these events")
    if negated and not null_ok:
        raise _Cannot("'none of the events' is !=, !like only (a NULL counts as matching)")
    return _one(_foreign_filter(field, column, inner, negated))


def _where_column(where: Rule, negated: bool) -> tuple[str, bool]:
    """Return the one column ``where`` tests; and whether it is ``cond | isnull(column)``."""
    if negated and isinstance(where, Or) and len(where.rules) == 2:
        null = where.rules[1]
        if isinstance(null, IsNull) and not null.negate:
            return null.field, True
    cols = {getattr(n, "field", None) for n in walk(where)} - {None}
    if len(cols) != 1:
        raise _Cannot("a Mautic filter tests one column")
    column = cols.pop()
    return column, column == "ts" and negated


def _foreign_filter(field: str, column: str, where: Rule, negated: bool) -> Filter:
    cond = where.rules[0] if isinstance(where, Or) and negated else where
    obj = "behaviors"
    if column == "ts":
        span = _span_value(cond, "ts")
        if span is not None:
            return _filter(field, "!=" if negated else "=", span, "datetime", obj)
        if negated or not isinstance(cond, Compare):
            raise _Cannot("no Mautic date filter for this")
        (f,) = _time_filters("ts", cond.op, cond.value)[0]
        return {**f, "field": field, "object": obj}
    if isinstance(cond, And) and isinstance(cond.rules[0], IsNull) and cond.rules[0].negate:
        (f,) = _text(cond.rules[1].rule, field, True)[0]  # type: ignore[attr-defined]
        return {**f, "object": obj}
    types = {column: "number"} if column == "source_id" else {}
    dnf = _attribute(cond, False, types)
    if len(dnf) != 1 or len(dnf[0]) != 1:
        raise _Cannot("a Mautic filter tests one condition")
    f = {**dnf[0][0], "field": field, "object": obj}
    if negated:
        f["operator"] = {"=": "!=", "like": "!like"}.get(f["operator"], "")
        if not f["operator"]:
            raise _Cannot("Mautic's negative tests on events are != and !like")
    return f


# -- membership, the boolean structure ---------------------------------------------------
def _membership(rule: Rule) -> tuple[str, int] | None:
    """(segment name, Mautic id) if ``rule`` is the import's membership pattern."""
    if not (isinstance(rule, Or) and len(rule.rules) == 2):
        return None
    kept, added = rule.rules
    if not (isinstance(kept, And) and len(kept.rules) == 2):
        return None
    ref, removed = kept.rules
    if not (isinstance(ref, InSegment) and isinstance(removed, Not)):
        return None
    where = getattr(removed.rule, "where", None)
    leaf = where.rules[0] if isinstance(where, And) else None
    if not isinstance(leaf, Compare) or leaf.field != "leadlist_id":
        return None
    sid = leaf.value
    if not isinstance(sid, int) or (removed.rule, added) != (manual(sid, False), manual(sid, True)):
        return None
    return ref.name, sid


def _pattern(rule: Rule, negated: bool, ctx: dict) -> Dnf | None:
    """Return the filters of the import's multi-node patterns (membership, empty number)."""
    member = _membership(rule)
    if member is not None:
        return _one(_filter("leadlist", "!in" if negated else "in", [member[1]], "leadlist"))
    if isinstance(rule, Or) and len(rule.rules) == 2:
        null, zero = rule.rules
        if isinstance(null, IsNull) and not null.negate and zero == Compare(null.field, "==", 0):
            op = "!empty" if negated else "empty"
            return _one(_filter(_field_name(null.field), op, None, "number"))
    if isinstance(rule, And) and not negated:
        return _not_regexp(rule, ctx["types"])
    return None


def _dnf(rule: Rule, negated: bool, ctx: dict) -> Dnf:
    found = _pattern(rule, negated, ctx)
    if found is not None:
        return found
    if isinstance(rule, Not):
        return _dnf(rule.rule, not negated, ctx)
    if isinstance(rule, InSegment):
        sid = ctx["segments"].get(rule.name)
        if sid is None:
            why = f"segment {rule.name!r} has no Mautic id: pass segments={{name: id}}"
            ctx["problems"].append((_describe(rule), why))
            return [[]]
        return _one(_filter("leadlist", "!in" if negated else "in", [sid], "leadlist"))
    if isinstance(rule, (And, Or)):
        parts = [_dnf(r, negated, ctx) for r in rule.rules]
        conj = isinstance(rule, And) != negated
        return _product(parts) if conj else [g for p in parts for g in p]
    try:
        if isinstance(rule, EventCondition):
            return _event(rule, negated)
        return _attribute(rule, negated, ctx["types"])
    except _Cannot as exc:
        part = _describe(Not(rule) if negated else rule)
        ctx["problems"].append((part, str(exc)))
        return [[]]


def _not_regexp(rule: And, types: Mapping[str, str]) -> Dnf | None:
    """``notnull(f) & ~matches(f, r)``: Mautic's ``!regexp`` (which skips NULL)."""
    if len(rule.rules) != 2:
        return None
    a, b = rule.rules
    if not (isinstance(a, IsNull) and a.negate and isinstance(b, Not)):
        return None
    m = b.rule
    if not (isinstance(m, TextMatch) and m.op == "matches" and m.field == a.field):
        return None
    found = _text_value(m)
    if found is None or found[0] != "regexp":
        return None
    return _one(_filter(_field_name(m.field), "!regexp", found[1], types.get(m.field, "text")))


def _product(parts: list[Dnf]) -> Dnf:
    out: Dnf = [[]]
    for part in parts:
        out = [g + h for g in out for h in part]
        if sum(map(len, out)) > _MAX_FILTERS:
            raise MauticUnsupportedError(
                f"The rule flattens to more than {_MAX_FILTERS} Mautic filters (OR of AND "
                f"groups); split it into segments and reference them with in_segment."
            )
    return out


def to_mautic(
    segment: Segment | Rule, *, segments: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """Write a segment as a Mautic 5 segment payload (``POST /api/segments/new``).

    Parameters
    ----------
    segment
        A segment or a rule, over the tables :func:`segment_lab.interop.mautic.tables`
        reads (as :func:`segment_lab.interop.mautic.from_mautic` makes them).
    segments
        Catalog names -> Mautic segment ids, for ``in_segment`` references (the names
        ``mautic-<id>`` and imported memberships need none).

    Returns
    -------
    dict
        ``name``, ``alias``, ``description``, ``isPublished`` and ``filters``: the rule
        flattened to Mautic's OR of AND groups, exactly.

    Raises
    ------
    MauticUnsupportedError
        Listing every part with no exact Mautic filter, with the reason.

    Examples
    --------
    >>> import segment_lab as sl
    >>> from segment_lab.interop.mautic import to_mautic
    >>> rule = (sl.field("points") >= 20) & (sl.field("tags").has_any([1]) | (sl.field("last_active") >= "week_start"))
    >>> [(f["glue"], f["field"], f["operator"], f["properties"]["filter"]) for f in to_mautic(rule)["filters"]]
    [('and', 'points', 'gte', 20), ('and', 'tags', 'in', [1]), ('or', 'points', 'gte', 20), ('and', 'last_active', 'gte', 'this week')]
    """
    rule = segment.rule if isinstance(segment, Segment) else segment
    names = dict(segments or {})
    for node in walk(rule):
        if isinstance(node, InSegment) and node.name not in names:
            m = re.fullmatch(r"mautic-(\d+)", node.name)
            if m:
                names[node.name] = int(m.group(1))
    ctx: dict[str, Any] = {"segments": names, "types": _field_types(rule), "problems": []}
    groups = _dnf(rule, False, ctx)
    if ctx["problems"]:
        listing = "\n".join(f"  - {part}: {why}" for part, why in ctx["problems"])
        raise MauticUnsupportedError(
            f"{len(ctx['problems'])} part(s) have no exact Mautic filter:\n{listing}",
            ctx["problems"],
        )
    filters = []
    for g, group in enumerate(groups):
        for i, f in enumerate(group):
            filters.append({**f, "glue": "or" if g and not i else "and"})
    if not isinstance(segment, Segment):
        return {"filters": filters}
    return {
        "name": segment.description or segment.name,
        "alias": segment.name,
        "description": segment.description,
        "isPublished": True,
        "filters": filters,
    }
