"""Type-aware value inputs: one value, a list of values, and their exact text forms.

A value is shown as a *kind* (text, number, boolean, date, relative) and a text, so
every value the language accepts comes back exactly: ``"123"`` (text) is not ``123``
(number), ``-0.5`` keeps its float, ``"-30d"`` is a relative time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as w

from segment_lab.errors import InvalidValueError
from segment_lab.model import AbsoluteTime, RelativeTime
from segment_lab.model._time import as_time_value, parse_instant

__all__ = ["KINDS", "TIME_KINDS", "ValueInput", "ValuesInput", "format_value", "parse_value"]

KINDS = ("text", "number", "boolean", "date", "relative")
TIME_KINDS = ("date", "relative")
_INT = re.compile(r"^\s*[+-]?\d+\s*$")
_RELATIVE_HINTS = ["now", "today", "yesterday", "-7d", "-14d", "-30d", "-90d", "-1w"]


def kind_of(value: object) -> str:
    """Return the kind of a model value (``bool`` before ``int``: True is no number)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, AbsoluteTime):
        return "date"
    if isinstance(value, RelativeTime):
        return "relative"
    return "text"


def format_value(value: object) -> str:
    """Return the text that :func:`parse_value` turns back into ``value``."""
    kind = kind_of(value)
    if kind == "number":
        return repr(value)
    if kind in ("date", "relative", "boolean"):
        return str(value)
    return value  # type: ignore[return-value]


def parse_value(kind: str, text: str) -> Any:
    """Turn the text of a value of ``kind`` into a model value.

    Raises
    ------
    InvalidValueError
        When the text is not a value of that kind (the message says what is expected).
    """
    if kind == "text":
        return text
    if kind == "number":
        return _number(text)
    if kind == "boolean":
        if text.strip() not in ("True", "False"):
            raise InvalidValueError(f"A boolean is True or False, got {text!r}.")
        return text.strip() == "True"
    if kind == "date":
        return AbsoluteTime(parse_instant(text))
    value = as_time_value(text)
    if not isinstance(value, RelativeTime):
        raise InvalidValueError(
            f"{text!r} is a fixed date, not a relative time; choose the kind 'date' or write "
            f"e.g. '-30d', 'today', 'yesterday-1w'."
        )
    return value


def _number(text: str) -> int | float:
    if _INT.match(text):
        return int(text)
    try:
        return float(text)
    except ValueError:
        raise InvalidValueError(f"Expected a number, got {text!r} (e.g. 10, -2.5, 1e6).") from None


def _kind_default(dtype: str | None, kinds: Sequence[str]) -> str:
    pick = {"number": "number", "boolean": "boolean", "time": "date"}.get(dtype or "", "text")
    return pick if pick in kinds else kinds[0]


class ValueInput:
    """One value: a kind picker, a text box with suggestions and, for dates, a date picker."""

    def __init__(
        self,
        value: object = None,
        *,
        kinds: Sequence[str] = KINDS,
        dtype: str | None = None,
        suggestions: Sequence[str] = (),
        description: str = "",
    ) -> None:
        known = value is not None and kind_of(value) in kinds
        kind = kind_of(value) if known else _kind_default(dtype, kinds)
        self.kinds = tuple(kinds)
        self.suggestions = list(suggestions)
        self.kind = w.Dropdown(options=self.kinds, value=kind, layout=w.Layout(width="90px"))
        self.text = w.Combobox(
            value="" if value is None else format_value(value),
            placeholder="value",
            description=description,
            layout=w.Layout(width="170px"),
        )
        self.date = w.DatePicker(layout=w.Layout(width="150px"))
        self.date.observe(self._date_picked, "value")
        self.kind.observe(self._kind_changed, "value")
        self.widget = w.HBox([self.kind, self.text, self.date])
        self._kind_changed()

    def _kind_changed(self, _change: object = None) -> None:
        kind = self.kind.value
        options = {"boolean": ["True", "False"], "relative": _RELATIVE_HINTS}
        self.text.options = options.get(kind, self.suggestions if kind == "text" else [])
        self.text.placeholder = {"date": "2025-03-01", "relative": "-30d"}.get(kind, "value")
        self.date.layout.display = None if kind == "date" else "none"
        if len(self.kinds) == 1:
            self.kind.layout.display = "none"

    def _date_picked(self, change: dict) -> None:
        if change["new"] is not None:
            self.text.value = change["new"].isoformat()

    def set_dtype(self, dtype: str | None, suggestions: Sequence[str]) -> None:
        """Follow a new field: its kind (when the box is still empty) and its suggestions."""
        self.suggestions = list(suggestions)
        if not self.text.value:
            self.kind.value = _kind_default(dtype, self.kinds)
        self._kind_changed()

    def observe(self, callback: Callable[[object], None]) -> None:
        """Call ``callback`` on every edit."""
        self.kind.observe(callback, "value")
        self.text.observe(callback, "value")

    def get(self) -> Any:
        """Return the model value (raises InvalidValueError on a bad text)."""
        if self.kind.value != "text" and not self.text.value.strip():
            raise InvalidValueError(f"Enter a {self.kind.value} value.")
        return parse_value(self.kind.value, self.text.value)


class ValuesInput:
    """A list of values of one kind, as tags (suggestions from the data for text)."""

    def __init__(
        self,
        values: Sequence[object] = (),
        *,
        dtype: str | None = None,
        suggestions: Sequence[str] = (),
    ) -> None:
        kind = kind_of(values[0]) if values else _kind_default(dtype, KINDS)
        self.kind = w.Dropdown(options=KINDS, value=kind, layout=w.Layout(width="90px"))
        self.tags = w.TagsInput(value=[format_value(v) for v in values])
        self.set_dtype(dtype, suggestions)
        self.widget = w.HBox([self.kind, self.tags])

    @staticmethod
    def representable(values: Sequence[object]) -> bool:
        """Tell whether the tags can show ``values`` (all of one kind, none blank)."""
        blank = any(not format_value(v).strip() for v in values)
        return not blank and len({kind_of(v) for v in values}) <= 1

    def set_dtype(self, dtype: str | None, suggestions: Sequence[str]) -> None:
        """Offer ``suggestions`` as the allowed tags when the current tags are among them."""
        if not self.tags.value:
            self.kind.value = _kind_default(dtype, KINDS)
        fits = set(self.tags.value) <= set(suggestions)
        self.tags.allowed_tags = list(suggestions) if suggestions and fits else []

    def observe(self, callback: Callable[[object], None]) -> None:
        """Call ``callback`` on every edit."""
        self.kind.observe(callback, "value")
        self.tags.observe(callback, "value")

    def get(self) -> list[Any]:
        """Return the model values (raises InvalidValueError on a bad tag or none)."""
        if not self.tags.value:
            raise InvalidValueError("Add at least one value (type it and press Enter).")
        return [parse_value(self.kind.value, t) for t in self.tags.value]
