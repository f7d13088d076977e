"""The event row: event types, optional ``where``, measure, operator, threshold, window."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from segment_lab.errors import InvalidValueError
from segment_lab.model import Between, Duration, EventCondition, Rule, Within
from segment_lab.model._nodes import COMPARISONS
from segment_lab.model._time import as_time_value
from segment_lab.widgets._rows import Row
from segment_lab.widgets._values import TIME_KINDS, ValueInput

if TYPE_CHECKING:
    from segment_lab.widgets._schema import Context

__all__ = ["EventRow"]

MEASURES = {
    "count": "count", "exists": "exists", "sum": "sum of",
    "last_seen": "last seen", "first_seen": "first seen",
}  # fmt: skip
WINDOWS = {"all": "all time", "within": "within the last", "between": "between"}


def _measure_of(rule: EventCondition | None) -> str:
    if rule is None:
        return "count"
    if rule.measure == "count" and rule.op == ">=" and rule.value == 1:
        return "exists"
    return rule.measure


class EventRow(Row):
    """A measure of a contact's events compared with a value (``event(...)`` in the DSL).

    ``make_where(rule)`` builds the editor of the ``where`` filter: an attribute group
    over the event columns (passed in, so this module needs no group module).
    """

    label = "event"

    def __init__(
        self,
        context: Context,
        make_where: Callable[[Rule | None], Any],
        rule: EventCondition | None = None,
    ) -> None:
        super().__init__()
        self.context = context
        types = list(rule.types) if rule is not None else context.event_types[:1]
        known = set(context.event_types)
        self.types = w.TagsInput(
            value=types,
            allowed_tags=context.event_types if set(types) <= known else [],
            allow_duplicates=True,
            layout=w.Layout(min_width="200px"),
        )
        self.measure = w.Dropdown(
            options=[(v, k) for k, v in MEASURES.items()], value=_measure_of(rule),
            layout=w.Layout(width="110px"),
        )  # fmt: skip
        numeric = [n for n, t in context.events.types.items() if t == "number"]
        column = rule.column if rule is not None and rule.column else None
        cols = numeric + ([column] if column and column not in numeric else [])
        self.column = w.Dropdown(options=cols, value=column or (cols[0] if cols else None),
                                 layout=w.Layout(width="120px"))  # fmt: skip
        self.op = w.Dropdown(options=COMPARISONS, value=rule.op if rule is not None else ">=",
                             layout=w.Layout(width="60px"))  # fmt: skip
        self._build_threshold(rule.value if rule is not None else 1)
        self._build_window(rule.window if rule is not None else None)
        has_where = rule is not None and rule.where is not None
        self.where_on = w.ToggleButton(value=has_where, description="where…",
                                       layout=w.Layout(width="80px"))  # fmt: skip
        self.where = make_where(rule.where if rule is not None else None)
        self.where.on_change(self._changed)
        for widget in (self.types, self.measure, self.column, self.op, self.where_on):
            widget.observe(self._changed, "value")
        self.measure.observe(self._measure_changed, "value")
        self.where_on.observe(self._show, "value")
        self.line = w.HBox([w.HTML("<b>event</b>"), self.types, self.measure, self.column, self.op,
                            self.threshold_box, self.window, self.window_box, self.where_on,
                            self.message], layout=w.Layout(flex_flow="row wrap"))  # fmt: skip
        self.widget = w.VBox([self.line, self.where.widget])
        self._show()

    def _build_threshold(self, value: object) -> None:
        kinds = TIME_KINDS if self.measure.value in ("last_seen", "first_seen") else ("number",)
        self.threshold = ValueInput(
            value, kinds=kinds, dtype="time" if len(kinds) > 1 else "number"
        )
        self.threshold.observe(self._changed)
        self.threshold_box = getattr(self, "threshold_box", w.HBox())
        self.threshold_box.children = [self.threshold.widget]

    def _build_window(self, window: object) -> None:
        kind = (
            "within"
            if isinstance(window, Within)
            else "between"
            if isinstance(window, Between)
            else "all"
        )
        self.window = w.Dropdown(options=[(v, k) for k, v in WINDOWS.items()], value=kind,
                                 layout=w.Layout(width="130px"))  # fmt: skip
        within = str(window.duration) if isinstance(window, Within) else "30d"
        self.within = w.Text(value=within, placeholder="30d", layout=w.Layout(width="70px"))
        lo, hi = (window.start, window.end) if isinstance(window, Between) else (None, None)
        self.start = ValueInput(lo, kinds=TIME_KINDS, dtype="time")
        self.end = ValueInput(hi, kinds=TIME_KINDS, dtype="time")
        for item in (self.start, self.end):
            item.observe(self._changed)
        self.within.observe(self._changed, "value")
        self.window.observe(self._changed, "value")
        self.window.observe(self._show, "value")
        self.window_box = w.HBox()

    def _measure_changed(self, change: dict) -> None:
        timed = ("last_seen", "first_seen")
        if (change["old"] in timed) != (change["new"] in timed):
            self._build_threshold(as_time_value("-30d") if change["new"] in timed else 1)
        self._show()

    def _show(self, _change: object = None) -> None:
        measure = self.measure.value
        self.column.layout.display = None if measure == "sum" else "none"
        shown = None if measure != "exists" else "none"
        self.op.layout.display = self.threshold_box.layout.display = shown
        self.window_box.children = {
            "within": [self.within], "between": [self.start.widget, w.HTML("and"), self.end.widget],
        }.get(self.window.value, [])  # fmt: skip
        self.where.widget.layout.display = None if self.where_on.value else "none"

    def _window(self) -> Within | Between | None:
        if self.window.value == "within":
            return Within(Duration.parse(self.within.value))
        if self.window.value == "between":
            return Between(self.start.get(), self.end.get())
        return None

    def rule(self) -> Rule:
        """Return the event condition (raises on a missing type, bad threshold or window)."""
        if not self.types.value:
            raise InvalidValueError(
                "Choose an event type (type it and press Enter); the data has: "
                + ", ".join(self.context.event_types[:12])
            )
        measure = self.measure.value
        op, value = (">=", 1) if measure == "exists" else (self.op.value, self.threshold.get())
        where = self.where.rule() if self.where_on.value else None
        return EventCondition(
            types=tuple(self.types.value),
            measure="count" if measure == "exists" else measure,
            op=op,
            value=value,
            window=self._window(),
            where=where,
            column=self.column.value if measure == "sum" else None,
        )
