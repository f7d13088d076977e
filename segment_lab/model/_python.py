"""Rules as Python code: the DSL expression that builds an equal rule.

:func:`rule_to_python` is the inverse of evaluating DSL code: for every rule ``r``,
``eval(rule_to_python(r), PYTHON_NAMESPACE) == r``.  The code reads as a person
writes rules (``(field("city") == "Tokyo") & event("login").exists(within="7d")``);
shapes the operators cannot build (a group of one rule, a group nested directly in a
group of the same kind, a double negation) use ``all_of``/``any_of``/``Not``.
"""

from __future__ import annotations

import datetime as dt
from functools import singledispatch

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
    Scalar,
    TextMatch,
)
from segment_lab.model._time import AbsoluteTime, Between, RelativeTime, Window, Within

__all__ = ["PYTHON_IMPORTS", "rule_to_python"]

#: The imports the code of :func:`rule_to_python` needs (``datetime`` only for datetime
#: values of attributes, ``Not`` only for a double negation).
PYTHON_IMPORTS = (
    "import datetime\n"
    "from segment_lab import all_of, any_of, event, field, in_segment\n"
    "from segment_lab.model import Not\n"
)

# Precedence of the code's top operator: an operand of &, | or ~ below ATOM gets parentheses.
_ATOM, _COMPARE, _AND, _OR = 3, 2, 1, 0


def rule_to_python(rule: Rule) -> str:
    """Return DSL code that builds a rule equal to ``rule``.

    Parameters
    ----------
    rule : Rule
        Any rule.

    Returns
    -------
    str
        One Python expression over the names of :data:`PYTHON_IMPORTS`.

    Examples
    --------
    >>> from segment_lab import field, event
    >>> from segment_lab.model._python import rule_to_python
    >>> rule = (field("city") == "Tokyo") & (event("email_open").count(within="30d") >= 3)
    >>> print(rule_to_python(rule))
    (field('city') == 'Tokyo') & (event('email_open').count(within='30d') >= 3)
    """
    return _code(rule)[0]


def _operand(rule: Rule) -> str:
    code, level = _code(rule)
    return code if level >= _ATOM else f"({code})"


@singledispatch
def _code(rule: Rule) -> tuple[str, int]:
    raise TypeError(f"rule_to_python has no rendering for {type(rule).__name__} ({rule!r}).")


def _value(value: Scalar) -> str:
    """Write an attribute value: absolute times as datetime objects, others as literals."""
    if isinstance(value, AbsoluteTime):
        v = value.value
        if v == dt.datetime(v.year, v.month, v.day):
            return f"datetime.date({v.year}, {v.month}, {v.day})"
        return "datetime." + repr(v.replace(fold=0)).removeprefix("datetime.")
    if isinstance(value, RelativeTime):
        return repr(str(value))
    return repr(value)


def _values(values: tuple[Scalar, ...]) -> str:
    return "[" + ", ".join(map(_value, values)) + "]"


def _field(name: str) -> str:
    return f"field({name!r})"


@_code.register
def _(rule: Compare) -> tuple[str, int]:
    return f"{_field(rule.field)} {rule.op} {_value(rule.value)}", _COMPARE


@_code.register
def _(rule: IsIn) -> tuple[str, int]:
    method = "notin" if rule.negate else "isin"
    return f"{_field(rule.field)}.{method}({_values(rule.values)})", _ATOM


@_code.register
def _(rule: Range) -> tuple[str, int]:
    return f"{_field(rule.field)}.between({_value(rule.low)}, {_value(rule.high)})", _ATOM


@_code.register
def _(rule: TextMatch) -> tuple[str, int]:
    return f"{_field(rule.field)}.{rule.op}({rule.pattern!r})", _ATOM


@_code.register
def _(rule: IsNull) -> tuple[str, int]:
    return f"{_field(rule.field)}.{'notnull' if rule.negate else 'isnull'}()", _ATOM


@_code.register
def _(rule: IsEmpty) -> tuple[str, int]:
    return f"{_field(rule.field)}.{'notempty' if rule.negate else 'empty'}()", _ATOM


@_code.register
def _(rule: ListHas) -> tuple[str, int]:
    return f"{_field(rule.field)}.has_{rule.mode}({_values(rule.values)})", _ATOM


def _time(value: AbsoluteTime | RelativeTime) -> str:
    """Write a time where the DSL parses strings: ISO text or a relative form (``-30d``)."""
    return repr(str(value))


def _window(window: Window | None) -> str:
    if isinstance(window, Within):
        return f"within={str(window.duration)!r}"
    if isinstance(window, Between):
        return f"between=({_time(window.start)}, {_time(window.end)})"
    return ""


@_code.register
def _(rule: EventCondition) -> tuple[str, int]:
    types = repr(rule.types[0]) if len(rule.types) == 1 else repr(list(rule.types))
    spec = f"event({types})"
    if rule.where is not None:
        spec += f".where({rule_to_python(rule.where)})"
    window = _window(rule.window)
    if rule.measure == "count" and (rule.op, rule.value) == (">=", 1):
        return f"{spec}.exists({window})", _ATOM
    if rule.measure == "sum":
        args = ", ".join(a for a in (repr(rule.column), window) if a)
        measure = f"sum({args})"
    else:
        measure = f"{rule.measure}({window})"
    value = rule.value
    shown = _time(value) if isinstance(value, (AbsoluteTime, RelativeTime)) else repr(value)
    return f"{spec}.{measure} {rule.op} {shown}", _COMPARE


@_code.register
def _(rule: InSegment) -> tuple[str, int]:
    return f"in_segment({rule.name!r})", _ATOM


def _group(rule: And | Or, kind: type, op: str, function: str, level: int) -> tuple[str, int]:
    parts = rule.rules
    if len(parts) < 2 or any(isinstance(r, kind) for r in parts):  # & and | would flatten
        return f"{function}({', '.join(rule_to_python(r) for r in parts)})", _ATOM
    return f" {op} ".join(map(_operand, parts)), level


@_code.register
def _(rule: And) -> tuple[str, int]:
    return _group(rule, And, "&", "all_of", _AND)


@_code.register
def _(rule: Or) -> tuple[str, int]:
    return _group(rule, Or, "|", "any_of", _OR)


@_code.register
def _(rule: Not) -> tuple[str, int]:
    if isinstance(rule.rule, Not):  # ~ of a negation cancels it
        return f"Not({rule_to_python(rule.rule)})", _ATOM
    return f"~{_operand(rule.rule)}", _ATOM
