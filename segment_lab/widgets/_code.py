"""Render a rule as DSL code that evaluates back to an equal rule.

``eval(to_python(rule), NAMESPACE) == rule`` for every rule of the language.  The code
reads as a user would write it: ``(field("city") == "Tokyo") & (event("email_open")
.count(within="30d") >= 3)``.  Groups use ``&``/``|`` unless an operand is itself a
group of the same kind (the operators flatten), then ``all_of``/``any_of``; a double
negation, which ``~`` would cancel, is written ``Not(...)``.
"""

from __future__ import annotations

import datetime
from functools import singledispatch

from segment_lab.dsl import all_of, any_of, event, field, in_segment
from segment_lab.errors import UnsupportedNodeError
from segment_lab.model import (
    AbsoluteTime,
    And,
    Between,
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
    TextMatch,
    Within,
)

__all__ = ["NAMESPACE", "to_python"]

#: The names the code uses (``from segment_lab import *`` gives all but ``Not``).
NAMESPACE = {
    "field": field, "event": event, "in_segment": in_segment, "all_of": all_of,
    "any_of": any_of, "Not": Not, "datetime": datetime,
}  # fmt: skip


def to_python(rule: Rule) -> str:
    r"""Return DSL code for ``rule``.

    Parameters
    ----------
    rule : Rule
        Any rule.

    Returns
    -------
    str
        One Python expression over :data:`NAMESPACE`.

    Examples
    --------
    >>> from segment_lab import field, event
    >>> from segment_lab.widgets._code import to_python
    >>> print(repr(to_python((field("city") == "Tokyo") & (event("email_open").count(within="30d") >= 3))))
    "(field('city') == 'Tokyo') & (event('email_open').count(within='30d') >= 3)"
    """
    return _code(rule)


def _value(v: object) -> str:
    if isinstance(v, AbsoluteTime):
        return repr(v.value)
    if isinstance(v, RelativeTime):
        return repr(str(v))
    return repr(v)


def _values(values: tuple) -> str:
    return "[" + ", ".join(_value(v) for v in values) + "]"


def _time(v: object) -> str:
    """Render a time value where the DSL parses strings as times (windows, last/first seen)."""
    return repr(str(v)) if isinstance(v, (AbsoluteTime, RelativeTime)) else repr(v)


@singledispatch
def _code(rule: Rule) -> str:
    raise UnsupportedNodeError.of(rule, "to_python")


@_code.register
def _(rule: Compare) -> str:
    return f"field({rule.field!r}) {rule.op} {_value(rule.value)}"


@_code.register
def _(rule: IsIn) -> str:
    return f"field({rule.field!r}).{'notin' if rule.negate else 'isin'}({_values(rule.values)})"


@_code.register
def _(rule: Range) -> str:
    return f"field({rule.field!r}).between({_value(rule.low)}, {_value(rule.high)})"


@_code.register
def _(rule: TextMatch) -> str:
    return f"field({rule.field!r}).{rule.op}({rule.pattern!r})"


@_code.register
def _(rule: IsNull) -> str:
    return f"field({rule.field!r}).{'notnull' if rule.negate else 'isnull'}()"


@_code.register
def _(rule: IsEmpty) -> str:
    return f"field({rule.field!r}).{'notempty' if rule.negate else 'empty'}()"


@_code.register
def _(rule: ListHas) -> str:
    return f"field({rule.field!r}).has_{rule.mode}({_values(rule.values)})"


@_code.register
def _(rule: InSegment) -> str:
    return f"in_segment({rule.name!r})"


def _window(window: object) -> str:
    if isinstance(window, Within):
        return f"within={str(window.duration)!r}"
    if isinstance(window, Between):
        return f"between=({_time(window.start)}, {_time(window.end)})"
    return ""


@_code.register
def _(rule: EventCondition) -> str:
    types = repr(rule.types[0]) if len(rule.types) == 1 else repr(list(rule.types))
    spec = f"event({types})"
    if rule.where is not None:
        spec += f".where({_code(rule.where)})"
    window = _window(rule.window)
    if rule.measure == "sum":
        args = ", ".join(a for a in (repr(rule.column), window) if a)
        value = repr(rule.value)
    elif rule.measure == "count":
        args, value = window, repr(rule.value)
    else:
        args, value = window, _time(rule.value)
    return f"{spec}.{rule.measure}({args}) {rule.op} {value}"


def _operand(rule: Rule) -> str:
    code = _code(rule)
    return (
        code
        if isinstance(rule, (Not, InSegment)) or (code.endswith(")") and _atomic(rule))
        else f"({code})"
    )


def _atomic(rule: Rule) -> bool:
    """Tell whether the code of ``rule`` is one call (needs no parentheses)."""
    return isinstance(rule, (IsIn, Range, TextMatch, IsNull, IsEmpty, ListHas)) or (
        isinstance(rule, (And, Or)) and _uses_call(rule)
    )


def _uses_call(rule: And | Or) -> bool:
    return len(rule.rules) == 1 or any(type(r) is type(rule) for r in rule.rules)


@_code.register
def _(rule: And) -> str:
    if _uses_call(rule):
        return "all_of(" + ", ".join(_code(r) for r in rule.rules) + ")"
    return " & ".join(_operand(r) for r in rule.rules)


@_code.register
def _(rule: Or) -> str:
    if _uses_call(rule):
        return "any_of(" + ", ".join(_code(r) for r in rule.rules) + ")"
    return " | ".join(_operand(r) for r in rule.rules)


@_code.register
def _(rule: Not) -> str:
    if isinstance(rule.rule, Not):
        return f"Not({_code(rule.rule)})"
    return f"~{_operand(rule.rule)}"
