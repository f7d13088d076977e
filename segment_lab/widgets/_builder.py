"""SegmentBuilder: compose a segment by clicking, with a live count at any instant."""

from __future__ import annotations

import datetime as dt
import html
import os
import time
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import traitlets

from segment_lab.dsl import to_python
from segment_lab.engine import interrupt
from segment_lab.errors import InvalidSegmentError, SegmentLabError
from segment_lab.model import And, Catalog, Rule, Segment
from segment_lab.widgets._counter import Counter
from segment_lab.widgets._groups import Group
from segment_lab.widgets._panels import Panels
from segment_lab.widgets._schema import Context

if TYPE_CHECKING:
    from segment_lab.workspace import Workspace

__all__ = ["SegmentBuilder"]

#: Seconds of quiet after an edit before the count starts.
DEBOUNCE = 0.3
#: Seconds of quiet after the count before the extras (funnel, SQL, sparkline) start.
EXTRAS_DELAY = 0.5


class SegmentBuilder(w.VBox):
    """Compose a segment with widgets; see its size move as you edit, at any instant.

    Conditions on contact fields, on events (with ``where`` filters, measures and
    windows) and on other catalog segments, in AND / OR groups nested to any depth,
    each with NOT.  The count runs on a worker thread after a short pause in the edits
    (a newer edit interrupts an older count); next to each condition of the top-level
    AND stands the number of contacts that this condition alone removes.

    Parameters
    ----------
    ws : Workspace
        The data to count on; its catalog supplies the segments to refer to.
    segment : Segment or Rule, optional
        What to start from (any rule loads; a construct the builder cannot edit shows
        as a read-only row and is kept).
    as_of : optional
        The instant to count at (a datetime, ISO text or a relative form like ``"-30d"``;
        default: the workspace's now).
    debounce : float
        Seconds of quiet after an edit before the count starts (default 0.3).

    Attributes
    ----------
    segment : Segment or None
        The current segment (an observable trait); None until a condition is added.
    count : int or None
        The displayed count (an observable trait); None while counting.

    Examples
    --------
    >>> import segment_lab as sl
    >>> from segment_lab.widgets import SegmentBuilder
    >>> ws = sl.Workspace.demo()
    >>> rule = (sl.field("city") == "Tokyo") & (sl.event("email_open").count(within="30d") >= 3)
    >>> builder = SegmentBuilder(ws, sl.Segment("tokyo-openers", rule))
    >>> builder.rule == rule
    True
    >>> builder.wait() == ws.count(rule)
    True
    >>> builder.to_python()
    "(field('city') == 'Tokyo') & (event('email_open').count(within='30d') >= 3)"
    """

    segment = traitlets.Instance(Segment, allow_none=True)
    count = traitlets.Int(allow_none=True)

    def __init__(
        self,
        ws: Workspace,
        segment: Segment | Rule | None = None,
        *,
        as_of: Any = None,
        debounce: float = DEBOUNCE,
    ) -> None:
        super().__init__()
        self.ws = ws
        self.context = Context.read(ws)
        if isinstance(segment, Rule):
            segment = Segment("new-segment", segment)
        self._base = segment
        self._error: Exception | None = None
        self.name = w.Text(
            value=segment.name if segment is not None else "new-segment",
            description="name",
            layout=w.Layout(width="300px"),
        )
        self.as_of = w.Text(value=_as_of_text(as_of), placeholder="now", description="as of",
                            layout=w.Layout(width="220px"))  # fmt: skip
        self.as_of_date = w.DatePicker(layout=w.Layout(width="150px"))
        self.as_of_date.observe(self._date_picked, "value")
        self.as_of_message = w.HTML()
        self.count_html = w.HTML(_count_html(None, "counting"))
        self.status = w.HTML()
        self.panels = Panels()
        self.root = Group(self.context, segment.rule if segment is not None else None, root=True)
        self.root.widget.add_class("sl-root")
        contacts = ws.tables.contacts
        self._counter = Counter(
            self._publish, lambda: interrupt(contacts, self._counter.thread), debounce
        )
        self.root.on_change(self._edited)
        self.name.observe(lambda _: self._current(), "value")  # a new name needs no recount
        self.as_of.observe(lambda _: self._edited(), "value")
        header = w.HBox([self.name, self.as_of, self.as_of_date, self.as_of_message])
        counter = w.HBox([self.count_html, self.status])
        self.children = [header, counter, self.root.widget, self.panels.widget]
        self.add_class("sl-builder")
        self._edited()

    # -- the public API ----------------------------------------------------------------
    @property
    def rule(self) -> Rule | None:
        """The current rule (None until a condition is added)."""
        return self.segment.rule if self.segment is not None else None

    def wait(self, timeout: float = 30) -> int:
        """Block until the displayed count is current and return it.

        Raises
        ------
        InvalidSegmentError
            When the builder holds no valid segment (the message says what to fix).
        EvaluationError
            When the count failed (the message is also shown in the builder).
        TimeoutError
            When counting takes longer than ``timeout`` seconds.
        """
        if not self._counter.wait(timeout):
            raise TimeoutError(f"The count did not finish within {timeout} seconds.")
        if self._error is not None:
            raise self._error
        return self.count  # type: ignore[return-value]

    def to_python(self) -> str:
        """Return DSL code that evaluates to the current rule.

        Raises
        ------
        InvalidSegmentError
            When the builder holds no valid rule.
        """
        return to_python(self._require().rule)

    def save(self, catalog_path: str | os.PathLike) -> Segment:
        """Add the segment to the catalog file at ``catalog_path`` (replacing its namesake).

        The file is created when missing; it is written atomically (YAML or JSON by its
        extension).  Returns the saved segment.
        """
        segment = self._require()
        path = os.fspath(catalog_path)
        catalog = Catalog.load(path) if os.path.exists(path) else Catalog()
        catalog.with_segment(segment).save(path)
        return segment

    def close(self) -> None:
        """Stop the counting thread and close the widgets."""
        if hasattr(self, "_counter"):
            self._counter.close()
        super().close()

    # -- editing -----------------------------------------------------------------------
    def _require(self) -> Segment:
        self._current()
        if self._invalid is not None:
            raise self._invalid
        if self.segment is None:
            raise InvalidSegmentError("The builder holds no condition yet: add one.")
        return self.segment

    def _date_picked(self, change: dict) -> None:
        if change["new"] is not None:
            self.as_of.value = change["new"].isoformat()

    def _current(self) -> tuple[Segment | None, dt.datetime | None]:
        """Read the segment and the instant from the widgets; messages go inline."""
        self._invalid: Exception | None = None
        t = None
        self.as_of_message.value = ""
        try:
            t = self.ws.instant(self.as_of.value.strip() or None)
        except SegmentLabError as exc:
            self.as_of_message.value = _error_html(str(exc))
            self._invalid = exc
        try:
            rule = self.root.rule()
            segment = None if rule is None else self._segment(rule)
        except SegmentLabError as exc:
            self._invalid = self._invalid or exc
            return self.segment, t
        self.segment = segment
        return segment, t

    def _segment(self, rule: Rule) -> Segment:
        if self._base is None:
            return Segment(self.name.value, rule)
        return self._base.with_rule(rule).with_name(self.name.value)

    def _edited(self) -> None:
        segment, t = self._current()
        invalid = self._invalid
        rule = segment.rule if segment is not None and invalid is None else None
        code = to_python(rule) if rule is not None else ""
        blocks = self._blocks_wanted(rule)

        def counting() -> None:  # under the counter's lock: no older result lands after it
            self.count = None
            self.count_html.value = _count_html(None, "counting")
            self.status.value = '<span class="sl-status" data-state="counting">counting…</span>'
            self.panels.show_rule(rule, code)
            for item in self.root.items:
                item.side.value = ""

        self._counter.submit(lambda: self._job(rule, t, invalid, blocks), counting)

    def _blocks_wanted(self, rule: Rule | None) -> bool:
        return isinstance(rule, And) and len(self.root.items) > 1

    def _job(self, rule: Rule | None, t: Any, invalid: Exception | None, blocks: bool) -> Iterator:
        if invalid is not None:
            raise invalid
        if rule is None:
            raise InvalidSegmentError("Add a condition to count.")
        started = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            n = self.ws.count(rule, as_of=t)
        yield "count", (n, t, time.perf_counter() - started, [str(c.message) for c in caught])
        yield "pause", EXTRAS_DELAY
        if blocks:
            from segment_lab.analytics import funnel

            frame = funnel(self.ws, rule, as_of=t)
            yield "blocks", [int(b) for b in frame["blocks"].iloc[1:]]
        yield "sql", self.ws.sql(rule, as_of=t)
        start = t - dt.timedelta(days=90)
        yield "history", self.ws.history(rule, start=start, end=t, every="1d")

    def _publish(self, stage: str, value: Any) -> None:
        """Show one stage's result (on the worker thread, only for the newest edit)."""
        if stage == "count":
            n, t, seconds, notes = value
            self._error = None
            self.count = n
            self.count_html.value = _count_html(n, "done")
            self.status.value = _freshness(t, seconds, notes)
        elif stage == "error":
            self._error = value
            self.count_html.value = _count_html(None, "error")
            self.status.value = _error_html(str(value))
        elif stage == "blocks":
            for item, removed in zip(self.root.items, value):
                item.side.value = (
                    f'<span class="sl-blocks" title="contacts that this condition alone removes">'
                    f"removes {removed:,}</span>"
                )
        else:
            self.panels.show(stage, value)


def _as_of_text(as_of: Any) -> str:
    if as_of is None:
        return ""
    if isinstance(as_of, (dt.datetime, dt.date)):
        return as_of.isoformat()
    return str(as_of)


def _error_html(text: str) -> str:
    return f'<span class="sl-error" style="color:#b00020">{html.escape(text)}</span>'


def _count_html(n: int | None, state: str) -> str:
    text = {"counting": "…", "error": "—"}.get(state, f"{n:,}" if n is not None else "")
    data = f' data-count="{n}"' if n is not None else ""
    return (
        f'<span class="sl-count" data-state="{state}"{data} '
        f'style="font-size:1.6em;font-weight:600">{text}</span> contacts'
    )


def _freshness(t: dt.datetime, seconds: float, notes: list[str]) -> str:
    clock = dt.datetime.now().strftime("%H:%M:%S")
    text = f"as of {t:%Y-%m-%d %H:%M:%S} · counted at {clock} in {seconds:.2f} s"
    extra = "".join(
        f'<br><span class="sl-note">{html.escape(n)}</span>' for n in dict.fromkeys(notes)
    )
    return f'<span class="sl-status" data-state="fresh">✓ {html.escape(text)}</span>{extra}'
