"""The rows of a builder: an attribute condition, a segment reference, a read-only rule.

Each row shows one rule node and builds it back with :meth:`Row.rule`; an invalid entry
raises a :class:`~segment_lab.errors.SegmentLabError` whose message the group shows next
to the row (escaped), never a traceback.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from segment_lab.errors import InvalidValueError, did_you_mean
from segment_lab.model import (
    Compare,
    IsEmpty,
    IsIn,
    IsNull,
    ListHas,
    Range,
    Rule,
    TextMatch,
)
from segment_lab.widgets._schema import OPERATORS, operators_for
from segment_lab.widgets._values import ValueInput, ValuesInput

if TYPE_CHECKING:
    from segment_lab.widgets._schema import Context, Schema

__all__ = ["AttributeRow", "ReadOnlyRow", "ReferenceRow", "Row", "attribute_state"]

_LIST_OPS = ("isin", "notin", "has_any", "has_all", "has_none")
_TEXT_OPS = ("contains", "startswith", "endswith", "like", "matches")
_NO_VALUE = ("isnull", "notnull", "empty", "notempty")


class Row:
    """Base of the rows: a widget, an inline message, a rule."""

    label = "row"

    def __init__(self) -> None:
        self.message = w.HTML(layout=w.Layout(margin="0 0 0 8px"))
        self.widget: w.Widget = w.HBox()
        self._callbacks: list[Callable[[], None]] = []

    def on_change(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` after every edit of this row."""
        self._callbacks.append(callback)

    def _changed(self, _change: object = None) -> None:
        for callback in self._callbacks:
            callback()

    def rule(self) -> Rule:
        """Return the rule this row shows (raises SegmentLabError when it is invalid)."""
        raise NotImplementedError

    def show_error(self, text: str | None) -> None:
        """Show ``text`` (escaped) next to the row, or clear the message."""
        self.message.value = (
            ""
            if not text
            else f'<span class="sl-error" style="color:#b00020">{html.escape(text)}</span>'
        )


def attribute_state(rule: Rule) -> tuple[str, str, Any] | None:
    """Return ``(field, op, value)`` of an attribute node, or None when a row cannot show it.

    ``value`` is a scalar, a list, a ``(low, high)`` pair, a pattern or None.
    """
    if isinstance(rule, Compare):
        return rule.field, rule.op, rule.value
    if isinstance(rule, IsIn):
        return _list_state(rule.field, "notin" if rule.negate else "isin", rule.values)
    if isinstance(rule, ListHas):
        return _list_state(rule.field, f"has_{rule.mode}", rule.values)
    if isinstance(rule, Range):
        return rule.field, "between", (rule.low, rule.high)
    if isinstance(rule, TextMatch):
        return rule.field, rule.op, rule.pattern
    if isinstance(rule, IsNull):
        return rule.field, "notnull" if rule.negate else "isnull", None
    if isinstance(rule, IsEmpty):
        return rule.field, "notempty" if rule.negate else "empty", None
    return None


def _list_state(name: str, op: str, values: tuple) -> tuple[str, str, Any] | None:
    return (name, op, list(values)) if ValuesInput.representable(values) else None


def build_attribute(name: str, op: str, value: Any) -> Rule:
    """Build the attribute node of a row's field, operator and value."""
    if op in ("isin", "notin"):
        return IsIn(name, tuple(value), negate=op == "notin")
    if op.startswith("has_"):
        return ListHas(name, op[4:], tuple(value))
    if op == "between":
        return Range(name, *value)
    if op in _TEXT_OPS:
        return TextMatch(name, op, value)
    if op in ("isnull", "notnull"):
        return IsNull(name, negate=op == "notnull")
    if op in ("empty", "notempty"):
        return IsEmpty(name, negate=op == "notempty")
    return Compare(name, op, value)


def _family(op: str) -> str:
    if op in _LIST_OPS:
        return "list"
    if op == "between":
        return "range"
    if op in _TEXT_OPS:
        return "pattern"
    return "none" if op in _NO_VALUE else "scalar"


class AttributeRow(Row):
    """``field op value`` over the contacts (or, in a ``where``, over the events)."""

    label = "condition"

    def __init__(
        self, schema: Schema, rule: Rule | None = None, *, table: str = "contacts"
    ) -> None:
        super().__init__()
        self.schema, self.table = schema, table
        name, op, value = attribute_state(rule) if rule is not None else (None, None, None)  # type: ignore[misc]
        name = name if name is not None else next(iter(schema.types), "")
        self.field = w.Dropdown(
            options=schema.options(name), value=name, layout=w.Layout(width="220px")
        )
        dtype = schema.dtype(name)
        ops = self._ops(dtype, op)
        self.op = w.Dropdown(
            options=[(OPERATORS[o], o) for o in ops],
            value=op or ops[0],
            layout=w.Layout(width="130px"),
        )
        self.value_box = w.HBox()
        self._inputs: list[Any] = []
        self._make_inputs(value)
        self.field.observe(self._field_changed, "value")
        self.op.observe(self._op_changed, "value")
        self.widget = w.HBox([self.field, self.op, self.value_box, self.message])

    @property
    def inputs(self) -> list[Any]:
        """The value inputs shown for the operator (none, one, or two for ``between``)."""
        return list(self._inputs)

    @staticmethod
    def _ops(dtype: str | None, current: str | None) -> tuple[str, ...]:
        ops = operators_for(dtype)
        return ops if current is None or current in ops else (*ops, current)

    def _suggestions(self) -> list[str]:
        return self.schema.values.get(self.field.value, [])

    def _make_inputs(self, value: Any) -> None:
        family = _family(self.op.value)
        dtype, hints = self.schema.dtype(self.field.value), self._suggestions()
        if family == "scalar":
            self._inputs = [ValueInput(value, dtype=dtype, suggestions=hints)]
        elif family == "list":
            self._inputs = [ValuesInput(value or [], dtype=dtype, suggestions=hints)]
        elif family == "range":
            low, high = value if value is not None else (None, None)
            self._inputs = [ValueInput(v, dtype=dtype, suggestions=hints) for v in (low, high)]
        elif family == "pattern":
            self._inputs = [
                w.Text(value=value or "", placeholder="text", layout=w.Layout(width="170px"))
            ]
        else:
            self._inputs = []
        for item in self._inputs:
            if isinstance(item, w.Text):
                item.observe(self._changed, "value")
            else:
                item.observe(self._changed)
        self.value_box.children = [getattr(i, "widget", i) for i in self._inputs]

    def _field_changed(self, _change: object) -> None:
        dtype = self.schema.dtype(self.field.value)
        ops = self._ops(dtype, None)
        keep = self.op.value if self.op.value in ops else ops[0]
        self.op.options = [(OPERATORS[o], o) for o in ops]
        self.op.value = keep
        for item in self._inputs:
            if hasattr(item, "set_dtype"):
                item.set_dtype(dtype, self._suggestions())
        self._changed()

    def _op_changed(self, change: dict) -> None:
        if _family(change["old"] or "") != _family(change["new"]):
            self._make_inputs(None)
        self._changed()

    def _value(self) -> Any:
        family = _family(self.op.value)
        if family == "none":
            return None
        if family == "pattern":
            return self._inputs[0].value
        if family == "range":
            return tuple(i.get() for i in self._inputs)
        return self._inputs[0].get()

    def rule(self) -> Rule:
        """Return the attribute node (a message names an unknown field, kept as typed)."""
        name = self.field.value
        rule = build_attribute(name, self.op.value, self._value())
        if self.schema.types and name not in self.schema.types:
            self.show_error(
                f"{name!r} is not a column of the {self.table}."
                + did_you_mean(name, list(self.schema.types))
            )
        return rule


class ReferenceRow(Row):
    """Membership of a catalog segment (``in_segment(name)``)."""

    label = "segment"

    def __init__(self, context: Context, name: str | None = None) -> None:
        super().__init__()
        names = list(context.segments)
        if name is not None and name not in names:
            names.append(name)
        self.known = context.segments
        self.name = w.Dropdown(
            options=names, value=name if name is not None else (names[0] if names else None),
            description="in segment", layout=w.Layout(width="320px"),
        )  # fmt: skip
        self.name.observe(self._changed, "value")
        self.widget = w.HBox([self.name, self.message])

    def rule(self) -> Rule:
        """Return ``in_segment(name)``."""
        from segment_lab.model import InSegment

        if self.name.value is None:
            raise InvalidValueError("The workspace has no catalog segments to refer to.")
        if self.name.value not in self.known:
            self.show_error(
                f"{self.name.value!r} is not in the workspace catalog."
                + did_you_mean(self.name.value, self.known)
            )
        return InSegment(self.name.value)


class ReadOnlyRow(Row):
    """A rule the builder cannot edit, kept as it is and shown by its description."""

    label = "read-only"

    def __init__(self, rule: Rule) -> None:
        super().__init__()
        self._rule = rule
        text = html.escape(rule.describe())
        self.widget = w.HTML(
            f'<span class="sl-readonly" title="shown as written; edit it in code">'
            f"<i>read-only:</i> {text}</span>"
        )

    def rule(self) -> Rule:
        """Return the rule as loaded."""
        return self._rule
