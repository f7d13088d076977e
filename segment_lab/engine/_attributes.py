"""Attribute conditions -> Ibis boolean expressions (one function per node type).

Every expression returned here is NULL-safe: a test on NULL is ``False`` (two-valued
logic, docs/semantics.md#attribute-conditions), so ``~`` is an exact complement.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ibis

from segment_lab.engine._dispatch import refuse, register_each, rule_walk
from segment_lab.errors import InvalidValueError, UnsupportedNodeError
from segment_lab.model._nodes import (
    ATTRIBUTE_NODES,
    NODE_TYPES,
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
from segment_lab.model._time import PERIOD_ANCHORS, AbsoluteTime, RelativeTime, parse_instant

if TYPE_CHECKING:
    import ibis.expr.datatypes as idt
    import ibis.expr.types as ir

__all__ = [
    "COMPARE",
    "Columns",
    "attribute_predicate",
    "coerce",
    "resolve_time",
    "row_predicate",
]

#: What each comparison operator computes, on Python values and Ibis values alike.
COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt,
    "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}  # fmt: skip


class Columns:
    """Where attribute conditions find their columns: a table plus a dtype lookup.

    ``safe``: the predicate must be exactly true or false (it may be negated).  In a
    positive position of a filter, NULL already means "not selected", so the
    ``COALESCE(..., FALSE)`` that two-valued logic needs is left out there, which
    lets the database push the comparison into its scans.
    """

    def __init__(
        self,
        table: ir.Table,
        dtype: Callable[[str], idt.DataType],
        what: str,
        t: Instant,
        safe: bool = True,
    ) -> None:
        self.table, self.dtype, self.what, self.t, self.safe = table, dtype, what, t, safe

    def __getitem__(self, name: str) -> ir.Column:
        return self.table[name]

    def negatable(self) -> Columns:
        """Return the same columns for predicates under a negation (two-valued, NULL-free)."""
        return self if self.safe else Columns(self.table, self.dtype, self.what, self.t, True)


def _family(dtype: idt.DataType) -> str:
    if dtype.is_timestamp() or dtype.is_date():
        return "time"
    if dtype.is_boolean():
        return "bool"
    if dtype.is_numeric():
        return "number"
    if dtype.is_string():
        return "text"
    if dtype.is_array():
        return "list"
    return str(dtype)


Instant = Any  # a datetime, or an Ibis timestamp scalar (the evaluation instant, bound late)


def resolve_time(value: AbsoluteTime | RelativeTime, t: Instant) -> Any:
    """Return the instant ``value`` denotes at the evaluation instant ``t``.

    ``t`` may be an Ibis timestamp expression: then a relative time is
    an expression of it, such as ``t - INTERVAL 30 DAY``, which the database folds
    into a constant, so a query compiled once can be run at any instant.
    """
    if isinstance(value, AbsoluteTime) or isinstance(t, dt.datetime):
        return value.resolve(t)
    base = t if value.anchor == "now" else t.truncate(PERIOD_ANCHORS.get(value.anchor, "D"))
    secs = int(value.shift.total_seconds())
    out = base + ibis.interval(seconds=secs) if secs else base
    # calendar months after the fixed shift; the database clips at month end as pandas does
    return out + ibis.interval(months=value.months) if value.months else out


def coerce(value: Any, dtype: idt.DataType, name: str, t: Instant) -> Any:
    """Return the literal (or instant expression) to compare column ``name`` with.

    The column is of type ``dtype``.
    """
    family = _family(dtype)
    if isinstance(value, (AbsoluteTime, RelativeTime)):
        if family != "time":
            raise InvalidValueError(
                f"Field {name!r} is {dtype}, but the rule compares it with the time "
                f"{str(value)!r}; times only compare with timestamp or date fields."
            )
        return resolve_time(value, t)
    if family == "time":
        if isinstance(value, str):
            return parse_instant(value)
        raise InvalidValueError(
            f"Field {name!r} is a timestamp, but the rule compares it with {value!r}; use "
            f"an ISO date such as '2024-05-01' or a relative time such as '-30d'."
        )
    ok = {
        "bool": isinstance(value, bool),
        "number": isinstance(value, (int, float)) and not isinstance(value, bool),
        "text": isinstance(value, str),
    }.get(family)
    if ok is None:
        raise InvalidValueError(
            f"Field {name!r} has type {dtype}, which this condition cannot compare"
            + ("; for list fields use .has_any/.has_all/.has_none." if family == "list" else ".")
        )
    if not ok:
        raise InvalidValueError(
            f"Field {name!r} holds {family} values ({dtype}), but the rule compares it with "
            f"{value!r} ({type(value).__name__})."
        )
    return value


def _col(node: Any, cols: Columns) -> tuple[ir.Column, idt.DataType]:
    dtype = cols.dtype(node.field)
    col = cols[node.field]
    if dtype.is_date():
        col = col.cast("timestamp")
    return col, dtype


def _safe(expr: ir.BooleanValue, cols: Columns | None = None) -> ir.BooleanValue:
    """``expr`` with NULL as False, unless ``cols`` says NULL needs no mending here."""
    return expr if cols is not None and not cols.safe else expr.fill_null(False)


@rule_walk(ATTRIBUTE_NODES)
def attribute_predicate(node: Rule, cols: Columns) -> ir.BooleanValue:
    """Compile an attribute condition over ``cols``."""
    raise UnsupportedNodeError.of(node, "An attribute condition")


@attribute_predicate.register(Compare)
def _(node: Compare, cols: Columns) -> ir.BooleanValue:
    col, dtype = _col(node, cols)
    value = coerce(node.value, dtype, node.field, cols.t)
    if node.op == "!=":
        return ~_safe(col == value)
    return _safe(COMPARE[node.op](col, value), cols)


@attribute_predicate.register(IsIn)
def _(node: IsIn, cols: Columns) -> ir.BooleanValue:
    col, dtype = _col(node, cols)
    values = [coerce(v, dtype, node.field, cols.t) for v in node.values]
    if node.negate:
        return ~_safe(col.isin(values))
    return _safe(col.isin(values), cols)


@attribute_predicate.register(Range)
def _(node: Range, cols: Columns) -> ir.BooleanValue:
    col, dtype = _col(node, cols)
    low = coerce(node.low, dtype, node.field, cols.t)
    high = coerce(node.high, dtype, node.field, cols.t)
    return _safe((col >= low) & (col <= high), cols)


def _text(node: Any, cols: Columns) -> ir.StringValue:
    col, dtype = _col(node, cols)
    if not dtype.is_string():
        raise InvalidValueError(
            f"Field {node.field!r} is {dtype}; {node.op}() works on text fields only."
        )
    return col


@attribute_predicate.register(TextMatch)
def _(node: TextMatch, cols: Columns) -> ir.BooleanValue:
    col, p = _text(node, cols), node.pattern
    if node.op == "contains":
        expr = col.lower().contains(p.lower())
    elif node.op == "startswith":
        expr = col.lower().startswith(p.lower())
    elif node.op == "endswith":
        expr = col.lower().endswith(p.lower())
    elif node.op == "like":
        expr = col.ilike(p)
    else:
        expr = col.re_search(p)
    return _safe(expr, cols)


@attribute_predicate.register(IsNull)
def _(node: IsNull, cols: Columns) -> ir.BooleanValue:
    col, _ = _col(node, cols)
    return col.notnull() if node.negate else col.isnull()


@attribute_predicate.register(IsEmpty)
def _(node: IsEmpty, cols: Columns) -> ir.BooleanValue:
    col, dtype = _col(node, cols)
    if dtype.is_string():
        empty = col.isnull() | (col == "")
    elif dtype.is_array():
        empty = col.isnull() | (col.length() == 0)
    else:
        empty = col.isnull()
    empty = _safe(empty)
    return ~empty if node.negate else empty


@attribute_predicate.register(ListHas)
def _(node: ListHas, cols: Columns) -> ir.BooleanValue:
    col, dtype = _col(node, cols)
    if not dtype.is_array():
        raise InvalidValueError(
            f"Field {node.field!r} is {dtype}, not a list; has_{node.mode}() needs a list "
            f"field. For a single value use == or .isin([...])."
        )
    values = [coerce(v, dtype.value_type, node.field, cols.t) for v in node.values]
    inner = cols.negatable() if node.mode == "none" else cols
    hits = [_safe(col.contains(ibis.literal(v)), inner) for v in values]
    if node.mode == "all":
        return ibis.and_(*hits)
    anyhit = ibis.or_(*hits)
    return ~anyhit if node.mode == "none" else anyhit


# -- attribute-only rules ----------------------------------------------------------
@rule_walk(NODE_TYPES)
def row_predicate(rule: Rule, cols: Columns) -> ir.BooleanValue:
    """Return an attribute-only rule as one predicate on each row of ``cols``.

    The rule is an And/Or/Not of attribute conditions: an event's ``where``, or
    attributes read from one table.
    """
    raise UnsupportedNodeError.of(rule, "A row predicate")


register_each(row_predicate, ATTRIBUTE_NODES)(attribute_predicate)
refuse(
    row_predicate,
    (EventCondition, InSegment),
    "A row predicate",
    "it tests the columns of one row (an event's where, or a contact's attributes)",
)


@row_predicate.register(And)
def _(rule: And, cols: Columns) -> ir.BooleanValue:
    return ibis.and_(*(row_predicate(r, cols) for r in rule.rules))


@row_predicate.register(Or)
def _(rule: Or, cols: Columns) -> ir.BooleanValue:
    return ibis.or_(*(row_predicate(r, cols) for r in rule.rules))


@row_predicate.register(Not)
def _(rule: Not, cols: Columns) -> ir.BooleanValue:
    return ~row_predicate(rule.rule, cols.negatable())
