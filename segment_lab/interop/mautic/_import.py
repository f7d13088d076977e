"""Mautic segment filters (REST JSON) as segment_lab rules, with Mautic 5's semantics.

A Mautic segment is a flat list of filters, each with a glue: ``or`` starts a new
group, ``and`` joins the group before it, so AND binds tighter than OR and the first
glue counts as ``and``.  Every filter becomes one rule over the tables that
:func:`segment_lab.interop.mautic.tables` reads from a Mautic database.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from segment_lab.errors import MauticFormatError, MauticUnsupportedError, did_you_mean
from segment_lab.interop.mautic._dates import Unsupported, date_rule
from segment_lab.model import (
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
    Segment,
    TextMatch,
)

__all__ = ["OPERATORS", "from_mautic", "parse_filters", "segment_name"]

#: Every operator Mautic 5 stores for a filter.
OPERATORS = (
    "=", "!=", "gt", "gte", "lt", "lte", "empty", "!empty", "like", "!like", "in", "!in",
    "regexp", "!regexp", "startsWith", "endsWith", "contains", "between", "!between",
)  # fmt: skip
_ORDER = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_DATE_TYPES = ("date", "datetime")
#: Core contact fields whose type decides how a value reads, when a filter omits it.
_LEAD_TYPES = {
    "date_added": "datetime", "date_identified": "datetime", "last_active": "datetime",
    "date_modified": "datetime", "attribution_date": "datetime", "points": "number",
    "owner_id": "lookup_id", "stage": "stage", "tags": "tags", "leadlist": "leadlist",
}  # fmt: skip
#: Leads columns whose filter alias differs from the column.
_COLUMNS = {"stage": "stage_id"}
#: Do-not-contact flags: (reason, channel) in lead_donotcontact.
DNC = {
    "dnc_unsubscribed": (1, "email"), "dnc_bounced": (2, "email"),
    "dnc_manual_email": (3, "email"), "dnc_unsubscribed_sms": (1, "sms"),
    "dnc_bounced_sms": (2, "sms"), "dnc_manual_sms": (3, "sms"),
}  # fmt: skip
#: Filters that read tables segment_lab's Mautic bindings do not load, with the reason.
_UNSUPPORTED = {
    "sessions": "browsing sessions (hits 30 minutes apart) have no event equivalent",
    "campaign": "campaign membership (campaign_leads) is not read",
    "globalcategory": "subscribed categories (lead_categories) are not read",
    "lead_asset_download": "asset downloads (asset_downloads) are not read",
    "notification": "push notifications (push_ids) are not read",
    "sms_clicked_link": "text-message clicks are not read",
    "sms_clicked_link_date": "text-message clicks are not read",
    "device_type": "devices (lead_devices) are not read",
    "device_brand": "devices (lead_devices) are not read",
    "device_os": "devices (lead_devices) are not read",
    "device_model": "devices (lead_devices) are not read",
    "integration_campaigns": "CRM integration campaigns are not read",
    "generated_email_domain": "a MySQL generated column; use email with endsWith",
}


def segment_name(segment_id: object) -> str:
    """Return the catalog name a Mautic segment id stands for when no name is known.

    Examples
    --------
    >>> segment_name(21)
    'mautic-21'
    """
    return f"mautic-{segment_id}"


class _Filter:
    """One filter of the list, read and checked, with its position for messages."""

    def __init__(self, raw: object, index: int) -> None:
        self.index = index
        if not isinstance(raw, Mapping):
            raise MauticFormatError(
                f"filters[{index}]: a filter is an object with glue, field, operator and "
                f"properties.filter, got {raw!r} ({type(raw).__name__})."
            )
        for key in ("field", "operator"):
            if key not in raw:
                raise MauticFormatError(
                    f"filters[{index}]: missing key {key!r} (keys: "
                    f"{', '.join(map(repr, raw)) or 'none'})."
                )
        self.field = self._text(raw, "field")
        self.where = f"filters[{index}] (field {self.field!r})"
        self.glue = self._glue(raw)
        self.operator = self._operator(raw)
        self.object = raw.get("object", "lead")
        self.type = raw.get("type") or _LEAD_TYPES.get(self.field, "text")
        self.value = self._value(raw)

    def _text(self, raw: Mapping, key: str) -> str:
        value = raw[key]
        if not isinstance(value, str) or not value.strip():
            raise MauticFormatError(
                f"filters[{self.index}]: {key!r} must be a non-empty string, got {value!r}."
            )
        return value

    def _glue(self, raw: Mapping) -> str:
        glue = raw.get("glue", "and" if self.index == 0 else None)
        if glue not in ("and", "or"):
            got = "missing" if glue is None else repr(glue)
            raise MauticFormatError(f"{self.where}: 'glue' must be 'and' or 'or', got {got}.")
        return glue

    def _operator(self, raw: Mapping) -> str:
        op = raw["operator"]
        if op not in OPERATORS:
            raise MauticFormatError(
                f"{self.where}: unknown operator {op!r} (Mautic's operators: "
                f"{', '.join(OPERATORS)})." + did_you_mean(op, OPERATORS)
            )
        return op

    def _value(self, raw: Mapping) -> object:
        props = raw.get("properties")
        if props is not None and not isinstance(props, Mapping):
            raise MauticFormatError(f"{self.where}: 'properties' must be an object, got {props!r}.")
        if props is not None and "filter" in props:
            return props["filter"]
        if "filter" in raw:  # the legacy top-level form
            return raw["filter"]
        if self.operator in ("empty", "!empty"):
            return None
        raise MauticFormatError(
            f"{self.where}: missing the value: operator {self.operator!r} needs "
            f"'properties': {{'filter': ...}} (or the legacy top-level 'filter')."
        )

    def fail(self, message: str) -> MauticFormatError:
        return MauticFormatError(f"{self.where}: {message}")

    def text(self) -> str:
        """Return the value as text (numbers are written as Mautic would bind them)."""
        v = self.value
        if isinstance(v, bool) or not isinstance(v, (str, int, float)):
            raise self.fail(
                f"operator {self.operator!r} needs a single text value, got {v!r} "
                f"({type(v).__name__})."
            )
        return v if isinstance(v, str) else _number_text(v)

    def values(self) -> list:
        """Return the value as a list: an array, or a pipe-separated string (``a|b|c``)."""
        v = self.value
        if isinstance(v, str):
            v = v.split("|")
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            v = [v]
        if not isinstance(v, list) or not v:
            raise self.fail(
                f"operator {self.operator!r} needs a list of values (an array, or text "
                f"separated by '|'), got {self.value!r}."
            )
        for item in v:
            if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                raise self.fail(f"list values must be text or numbers, got {item!r}.")
        return v

    def number(self, value: object = None) -> int | float:
        """Return the value cast to a number, as Mautic casts ``number`` values to float."""
        v = self.value if value is None else value
        try:
            out = float(v)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            out = math.nan
        if isinstance(v, bool) or math.isnan(out) or math.isinf(out):
            raise self.fail(f"operator {self.operator!r} needs a number, got {v!r}.")
        return int(out) if out.is_integer() else out

    def count_of(self, value: object) -> int:
        """Return a whole-number id (a segment's, an email's)."""
        n = self.number(value)
        if not isinstance(n, int) or n < 0:
            raise self.fail(f"an id is a whole number, got {value!r}.")
        return n

    def count(self) -> int:
        n = self.number()
        if not isinstance(n, int) or n < 0:
            raise self.fail(f"a count compares with a whole number >= 0, got {self.value!r}.")
        return n

    def flag(self) -> bool:
        """Return a yes/no value: 1/0, true/false, "1"/"0"."""
        v = self.value
        if v in (1, "1", True, "true", "yes"):
            return True
        if v in (0, "0", False, "false", "no"):
            return False
        raise self.fail(f"a yes/no filter takes 1 or 0, got {v!r}.")


def _number_text(v: int | float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


# -- text semantics (MySQL, utf8mb4_unicode_ci: comparisons ignore case) ----------------
def _like_value(f: _Filter, text: str) -> str:
    """Mautic's LIKE value: wrapped in % unless it holds one, or per starts/ends/contains."""
    op = f.operator
    if op in ("like", "!like"):
        return text if "%" in text else f"%{text}%"
    return {"startsWith": f"{text}%", "endsWith": f"%{text}", "contains": f"%{text}%"}[op]


def text_equals(name: str, text: str) -> Rule:
    r"""``name = text`` ignoring case, as MySQL's default collation compares.

    Examples
    --------
    >>> text_equals("city", "Prague")
    TextMatch(field='city', op='like', pattern='Prague')
    >>> text_equals("email", "a_b@x.com").pattern
    '(?i)^a_b@x\\.com$'
    """
    if "%" in text or "_" in text:  # LIKE would read them as wildcards
        return TextMatch(name, "matches", "(?i)^" + re.escape(text) + "$")
    return TextMatch(name, "like", text)


def regex_value(text: str) -> str:
    """Return Mautic's REGEXP value as a case-insensitive search (a doubled backslash un-escaped)."""
    return "(?i)" + text.replace("\\\\", "\\")


def _one_of(name: str, values: list, numeric: bool) -> Rule:
    if numeric:
        return IsIn(name, tuple(values))
    rules = [text_equals(name, str(v)) for v in values]
    return rules[0] if len(rules) == 1 else Or(tuple(rules))


def _multiselect_hit(name: str, value: object) -> Rule:
    """One selected value inside a pipe-delimited multiselect column."""
    return TextMatch(name, "matches", "(?i)(^|[|])" + re.escape(str(value)) + "([|]|$)")


# -- one filter on a column (of leads, or of a behaviour's rows) -----------------------
def column_rule(f: _Filter, name: str) -> Rule:
    """Return the rule for a filter on column ``name`` (NULL-inclusive negatives)."""
    op, numeric = f.operator, f.type in ("number", "lookup_id", "stage", "boolean", "bool")
    if f.type in _DATE_TYPES:
        return _date(f, name)
    if f.type == "multiselect":
        return _multiselect(f, name)
    if f.type in ("boolean", "bool") and op in ("=", "!="):
        rule: Rule = Compare(name, "==", int(f.flag()))
        return rule if op == "=" else Not(rule)
    if op == "=" and isinstance(f.value, list):  # legacy: = with an array is in
        op = "in"
    builder = _POSITIVE.get(op.lstrip("!"))
    if builder is None:
        return _other(f, name, op, numeric)
    positive = builder(f, name, numeric)
    return Not(positive) if op.startswith("!") else positive


def _eq(f: _Filter, name: str, numeric: bool) -> Rule:
    return Compare(name, "==", f.number()) if numeric else text_equals(name, f.text())


def _in(f: _Filter, name: str, numeric: bool) -> Rule:
    values = f.values()
    return _one_of(name, [f.number(v) for v in values] if numeric else values, numeric)


def _like(f: _Filter, name: str, numeric: bool) -> Rule:
    return TextMatch(name, "like", _like_value(f, f.text()))


def _between(f: _Filter, name: str, numeric: bool) -> Rule:
    v = f.value
    if not isinstance(v, list) or len(v) != 2:
        raise f.fail(f"operator {f.operator!r} needs a list of two values, got {v!r}.")
    lo, hi = (f.number(x) for x in v) if numeric else (str(x) for x in v)
    return Range(name, lo, hi)


_POSITIVE: dict[str, Callable[[_Filter, str, bool], Rule]] = {
    "=": _eq, "in": _in, "like": _like, "between": _between,
}  # fmt: skip


def _other(f: _Filter, name: str, op: str, numeric: bool) -> Rule:
    if op in _ORDER:
        value = f.number() if numeric else f.text()
        return Compare(name, _ORDER[op], value)
    if op in ("empty", "!empty"):
        rule = number_empty(name) if numeric else IsEmpty(name)
        return rule if op == "empty" else Not(rule)
    if op in ("startsWith", "endsWith", "contains"):
        return TextMatch(name, "like", _like_value(f, f.text()))
    if op == "regexp":
        return TextMatch(name, "matches", regex_value(f.text()))
    # !regexp: NOT REGEXP, which is not NULL-inclusive (kept so by Mautic)
    return And((IsNull(name, negate=True), Not(TextMatch(name, "matches", regex_value(f.text())))))


def number_empty(name: str) -> Rule:
    """Mautic's ``empty`` on a number: ``col IS NULL OR col = ''``, and MySQL reads '' as 0.

    Examples
    --------
    >>> number_empty("points").describe()
    'Points is unknown or Points is 0'
    """
    return Or((IsNull(name), Compare(name, "==", 0)))


def _date(f: _Filter, name: str) -> Rule:
    try:
        return date_rule(f.value, f.operator, name)
    except MauticFormatError as exc:
        raise f.fail(str(exc)) from None


def _multiselect(f: _Filter, name: str) -> Rule:
    """``in`` is "has ALL of" (one REGEXP per value, AND-ed); ``!in`` "has none of"."""
    op = f.operator
    if op in ("empty", "!empty"):
        return IsEmpty(name, negate=op == "!empty")
    if op not in ("in", "!in"):
        raise Unsupported(f"operator {op!r} on a multiselect field is not offered by Mautic")
    hits = [_multiselect_hit(name, v) for v in f.values()]
    if op == "in":
        return hits[0] if len(hits) == 1 else And(tuple(hits))
    return Not(hits[0] if len(hits) == 1 else Or(tuple(hits)))


# -- special and behaviour filters ---------------------------------------------------
def _exists(types: str, where: Rule | None = None) -> Rule:
    return EventCondition((types,), "count", ">=", 1, where=where)


def _flag_exists(f: _Filter, types: str, where: Rule | None) -> Rule:
    """Test whether a row exists, for a yes/no filter whether a row exists (=/!= with 1/0)."""
    if f.operator not in ("=", "!="):
        raise Unsupported(f"operator {f.operator!r} on a yes/no filter is not offered by Mautic")
    rule = _exists(types, where)
    return rule if f.flag() == (f.operator == "=") else Not(rule)


def _dnc(f: _Filter) -> Rule:
    reason, channel = DNC[f.field]
    where = Compare("reason", "==", reason) & Compare("channel", "==", channel)
    return _flag_exists(f, "dnc", where)


def _tags(f: _Filter) -> Rule:
    """Tags: ``in`` is "has ANY of" (unlike multiselect), ``!in`` "has none of"."""
    op = f.operator
    if op in ("empty", "!empty"):
        return IsEmpty("tags", negate=op == "!empty")
    if op not in ("in", "!in"):
        raise Unsupported(f"operator {op!r} on tags is not offered by Mautic")
    ids = tuple(f.number(v) for v in f.values())
    return ListHas("tags", "any" if op == "in" else "none", ids)


def _leadlist(f: _Filter, names: Mapping[Any, str]) -> Rule:
    """Segment membership: ``in`` any of the segments, ``!in`` none of them.

    As Mautic's segment-reference filter: the segment's own rule, except contacts
    removed from it by hand, or a contact added to it by hand.
    """
    op = f.operator
    if op not in ("in", "!in"):
        raise Unsupported(
            f"operator {op!r} on segment membership needs every segment of the instance, "
            f"manual ones included"
        )
    refs = [membership(f.count_of(v), names) for v in f.values()]
    rule: Rule = refs[0] if len(refs) == 1 else Or(tuple(refs))
    return rule if op == "in" else Not(rule)


def manual(segment_id: int, added: bool) -> Rule:
    """Test for a contact added to (or removed from) segment ``segment_id`` by hand."""
    of = Compare("leadlist_id", "==", segment_id)
    where = (
        of & Compare("manually_added", "==", 1) & Compare("manually_removed", "==", 0)
        if added
        else of & Compare("manually_removed", "==", 1)
    )
    return EventCondition(("segment_member",), "count", ">=", 1, where=where)


def membership(segment_id: int, names: Mapping[Any, str]) -> Rule:
    r"""Return membership of Mautic segment ``segment_id``, manual additions and removals included.

    Examples
    --------
    >>> print(membership(21, {}).describe().replace(" or ", "\nor "))
    (is in segment 'mautic-21' and never did 'segment_member' (where Leadlist id is 21 and Manually removed is 1))
    or did 'segment_member' (where Leadlist id is 21 and Manually added is 1 and Manually removed is 0)
    """
    name = names.get(segment_id, names.get(str(segment_id), segment_name(segment_id)))
    return Or((And((InSegment(name), Not(manual(segment_id, False)))), manual(segment_id, True)))


def _email_ids(f: _Filter, types: str) -> Rule:
    """Read / was sent a specific email: ``in`` exists such a row, ``!in`` none does."""
    if f.operator not in ("in", "!in"):
        raise Unsupported(f"operator {f.operator!r} on {f.field!r} is not offered by Mautic")
    ids = tuple(f.number(v) for v in f.values())
    rule = _exists(types, IsIn("email_id", ids))
    return rule if f.operator == "in" else Not(rule)


_CLICK = Compare("source", "==", "email") & IsNull("redirect_id", negate=True)


def _foreign(f: _Filter, types: str, column: str, extra: Rule | None = None) -> Rule:
    """Test the rows of a one-to-many table, as Mautic's foreign-value filters.

    Positive operators: some row matches.  ``!=``, ``!like`` and ``!in``: no row matches
    (a row with a NULL value counts as matching for ``!=`` and ``!like``).  ``!regexp``
    is existential: some row does not match.
    """
    op = f.operator
    if op in ("!=", "!like", "!in"):
        inner = _Filter.__new__(_Filter)
        inner.__dict__.update(f.__dict__, operator=op[1:])
        hit = column_rule(inner, column)
        if op != "!in":
            hit = hit | IsNull(column)
        return Not(_exists(types, hit if extra is None else extra & hit))
    if op == "!regexp":
        hit = IsNull(column, negate=True) & Not(TextMatch(column, "matches", regex_value(f.text())))
    elif op in ("empty", "!empty"):
        rule = _exists(types, extra)
        return rule if op == "!empty" else Not(rule)
    else:
        hit = column_rule(f, column)
    return _exists(types, hit if extra is None else extra & hit)


def _aggregate(f: _Filter, types: str, measure: str) -> Rule:
    op = f.operator
    cmp = {"=": "==", **_ORDER}.get(op)
    if cmp is None:
        raise Unsupported(f"operator {op!r} on a count is not offered by Mautic")
    if measure == "sum":
        return EventCondition((types,), "sum", cmp, f.number(), column="open_count")
    return EventCondition((types,), "count", cmp, f.count())


def _behaviour(f: _Filter) -> Rule | None:
    """Behaviour filters: email, page hits and clicks as events; None if not one."""
    field = f.field
    dated = _Filter.__new__(_Filter)
    dated.__dict__.update(f.__dict__, type="datetime")
    table: dict[str, Callable[[], Rule]] = {
        "lead_email_received": lambda: _email_ids(f, "email_read"),
        "lead_email_sent": lambda: _email_ids(f, "email_sent"),
        "lead_email_sent_date": lambda: _foreign(dated, "email_sent", "ts"),
        "lead_email_read_date": lambda: _foreign(dated, "email_read", "ts"),
        "lead_email_read_count": lambda: _aggregate(f, "email_sent", "sum"),
        "hit_url": lambda: _foreign(f, "page_hit", "url"),
        "referer": lambda: _foreign(f, "page_hit", "referer"),
        "url_title": lambda: _foreign(f, "page_hit", "url_title"),
        "source": lambda: _foreign(f, "page_hit", "source"),
        "source_id": lambda: _foreign(_typed(f, "number"), "page_hit", "source_id"),
        "hit_url_date": lambda: _foreign(dated, "page_hit", "ts"),
        "hit_url_count": lambda: _aggregate(f, "page_hit", "count"),
        "email_id": lambda: _flag_exists(f, "page_hit", _CLICK),
        "email_clicked_link_date": lambda: _foreign(dated, "page_hit", "ts", _CLICK),
        "redirect_id": lambda: _flag_exists(f, "page_hit", IsNull("redirect_id", negate=True)),
        "page_id": lambda: _flag_exists(f, "page_hit", IsNull("page_id", negate=True)),
    }
    return table[field]() if field in table else None


def _typed(f: _Filter, kind: str) -> _Filter:
    out = _Filter.__new__(_Filter)
    out.__dict__.update(f.__dict__, type=kind)
    return out


def filter_rule(f: _Filter, names: Mapping[Any, str]) -> Rule:
    """Return the rule for one filter; raises Unsupported with the reason when there is none."""
    if f.field in _UNSUPPORTED:
        raise Unsupported(_UNSUPPORTED[f.field])
    if f.object == "company" or f.field.startswith("company"):
        raise Unsupported("company fields (companies, companies_leads) are not read")
    if f.field.startswith("group_points_") or f.object == "groups":
        raise Unsupported("point groups (point_group_contact_score) are not read")
    if f.field in DNC:
        return _dnc(f)
    if f.field == "tags":
        return _tags(f)
    if f.field == "leadlist":
        return _leadlist(f, names)
    rule = _behaviour(f)
    if rule is not None:
        return rule
    if f.object not in ("lead", "behaviors"):
        raise Unsupported(f"object {f.object!r} is not read")
    return column_rule(f, _COLUMNS.get(f.field, f.field))


# -- the list, the glue, the payload -------------------------------------------------
def _filters_of(payload: object) -> tuple[list, dict]:
    """Return the filters list and the segment's own keys from any accepted payload shape."""
    if isinstance(payload, (str, bytes)):
        try:
            payload = json.loads(payload)
        except ValueError as exc:
            raise MauticFormatError(f"The payload is not JSON: {exc}.") from None
    if isinstance(payload, Mapping) and "list" in payload and isinstance(payload["list"], Mapping):
        payload = payload["list"]  # GET /api/segments/{id}
    if isinstance(payload, list):
        return payload, {}
    if isinstance(payload, Mapping) and "filters" in payload:
        filters = payload["filters"]
        if not isinstance(filters, list):
            raise MauticFormatError(f"'filters' must be a list of filters, got {filters!r}.")
        return filters, dict(payload)
    hint = (
        " For GET /api/segments's list of segments use catalog_from_mautic."
        if isinstance(payload, Mapping) and "lists" in payload
        else ""
    )
    raise MauticFormatError(
        "Expected a Mautic segment (an object with 'filters', as GET /api/segments/{id} "
        f"returns it, or its 'list') or a list of filters, got {_short(payload)}.{hint}"
    )


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def parse_filters(filters: list, segments: Mapping[Any, str] | None = None) -> Rule:
    """Combine a Mautic filters list into one rule: OR of AND groups.

    Raises
    ------
    MauticFormatError
        The first malformed filter, naming its position and field.
    MauticUnsupportedError
        Every filter without an exact equivalent, each with the reason.
    """
    names = segments or {}
    parsed = [_Filter(raw, i) for i, raw in enumerate(filters)]
    if not parsed:
        raise MauticUnsupportedError(
            "A Mautic segment without filters holds only manually added contacts; "
            "segment_lab has no rule for it.",
            [("filters", "empty list")],
        )
    rules, problems = [], []
    for f in parsed:
        try:
            rules.append(filter_rule(f, names))
        except Unsupported as exc:
            problems.append((f.where, str(exc)))
    if problems:
        listing = "\n".join(f"  - {where}: {reason}" for where, reason in problems)
        raise MauticUnsupportedError(
            f"{len(problems)} Mautic filter(s) have no segment_lab equivalent:\n{listing}",
            problems,
        )
    return _glue(parsed, rules)


def _glue(parsed: list[_Filter], rules: list[Rule]) -> Rule:
    groups: list[list[Rule]] = [[rules[0]]]  # the first glue counts as and
    for f, rule in zip(parsed[1:], rules[1:]):
        if f.glue == "and":
            groups[-1].append(rule)
        else:
            groups.append([rule])
    ands = [g[0] if len(g) == 1 else And(tuple(g)) for g in groups]
    return ands[0] if len(ands) == 1 else Or(tuple(ands))


def from_mautic(
    payload: object, *, name: str | None = None, segments: Mapping[Any, str] | None = None
) -> Segment:
    """Import a Mautic 5 segment with Mautic's semantics.

    Parameters
    ----------
    payload
        A segment as Mautic's REST API returns it (``{"list": {...}}`` or the inner
        object with ``filters``), its ``filters`` list, or the same as JSON text.
        Each filter's value is read from ``properties.filter`` or the legacy
        top-level ``filter``.
    name
        The segment's name; default the payload's ``alias``, else ``mautic-<id>``.
    segments
        Mautic segment ids -> catalog names, for segment-membership filters
        (default ``mautic-<id>``).

    Returns
    -------
    Segment
        Its rule reads the tables of :func:`segment_lab.interop.mautic.tables`;
        docs/mautic.md lists how each filter maps.

    Raises
    ------
    MauticFormatError
        Not JSON, a missing key, an unknown operator (with "did you mean"), a value of
        the wrong type; the message names the filter's position and field.
    MauticUnsupportedError
        One error listing every filter with no exact equivalent, with the reasons.

    Examples
    --------
    >>> from segment_lab.interop.mautic import from_mautic
    >>> seg = from_mautic({"alias": "fr-active", "filters": [
    ...     {"glue": "and", "field": "country", "object": "lead", "type": "country",
    ...      "operator": "=", "properties": {"filter": "France"}},
    ...     {"glue": "and", "field": "last_active", "object": "lead", "type": "datetime",
    ...      "operator": "gte", "properties": {"filter": "-30 days"}},
    ...     {"glue": "or", "field": "tags", "object": "lead", "type": "tags",
    ...      "operator": "in", "properties": {"filter": [12]}}]})
    >>> seg.name
    'fr-active'
    >>> seg.rule.describe()
    "(Country is like 'France' and Last active is on or after 30 days before today) or Tags includes 12"
    """
    filters, meta = _filters_of(payload)
    rule = parse_filters(filters, segments)
    seg_name = name or meta.get("alias") or segment_name(meta.get("id", "segment"))
    description = meta.get("description") or meta.get("name") or ""
    return Segment(str(seg_name), rule, description=str(description))
