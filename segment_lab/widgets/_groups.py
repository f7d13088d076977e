"""AND / OR groups of rows and groups, nested to any depth, each item with NOT and moves.

A group's rule is ``And``/``Or`` of its items (an item with NOT on is ``Not(item)``).
The *root* group of a builder (and of a ``where`` filter) is lighter: with no item it
has no rule, with one item it is that item, so a single condition stays a single
condition and any rule loads back to itself (``And((x,))`` becomes a root holding one
nested AND group).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import ipywidgets as w

from segment_lab.errors import InvalidSegmentError, SegmentLabError
from segment_lab.model import And, EventCondition, InSegment, Not, Or, Rule
from segment_lab.widgets._event_row import EventRow
from segment_lab.widgets._rows import AttributeRow, ReadOnlyRow, ReferenceRow, Row, attribute_state

if TYPE_CHECKING:
    from segment_lab.widgets._schema import Context

__all__ = ["Group", "Item"]

_SMALL = w.Layout(width="34px", padding="0")


class Item:
    """One entry of a group: a row or a nested group, with NOT, move, copy and remove."""

    def __init__(self, group: Group, node: Row | Group, negate: bool = False) -> None:
        self.node = node
        self.negate = w.ToggleButton(value=negate, description="NOT", tooltip="negate",
                                     layout=w.Layout(width="52px"))  # fmt: skip
        self.up = w.Button(description="↑", tooltip="move up", layout=_SMALL)
        self.down = w.Button(description="↓", tooltip="move down", layout=_SMALL)
        self.copy = w.Button(description="copy", tooltip="duplicate", layout=w.Layout(width="60px"))
        self.remove = w.Button(description="✕", tooltip="remove", layout=_SMALL)
        self.side = w.HTML(layout=w.Layout(min_width="120px"))  # the funnel's "blocks"
        self.up.on_click(lambda _: group.move(self, -1))
        self.down.on_click(lambda _: group.move(self, 1))
        self.copy.on_click(lambda _: group.duplicate(self))
        self.remove.on_click(lambda _: group.remove(self))
        self.negate.observe(lambda _: group.changed(), "value")
        tools = w.HBox([self.negate, self.up, self.down, self.copy, self.remove],
                       layout=w.Layout(flex="0 0 auto"))  # fmt: skip
        self.side.layout.flex = "0 0 auto"
        self.widget = w.HBox([tools, node.widget, self.side])
        self.widget.add_class("sl-item")

    def rule(self) -> Rule:
        """Return the item's rule (NOT applied)."""
        rule = self.node.rule()
        return Not(rule) if self.negate.value else rule


class Group:
    """An AND / OR group: its items, and buttons to add conditions, events, segments, groups."""

    label = "group"

    def __init__(
        self,
        context: Context,
        rule: Rule | None = None,
        *,
        root: bool = False,
        scope: str = "contacts",
    ) -> None:
        self.context, self.root, self.scope = context, root, scope
        self.items: list[Item] = []
        self._callbacks: list[Callable[[], None]] = []
        self.message = w.HTML()
        self.combinator = w.ToggleButtons(
            options=[("all of (AND)", "and"), ("any of (OR)", "or")], value="and",
            style={"button_width": "100px"},
        )  # fmt: skip
        self.combinator.observe(lambda _: self.changed(), "value")
        whats = (
            ["attribute", "event", "segment", "group"]
            if scope == "contacts"
            else ["attribute", "group"]
        )
        if not context.segments and "segment" in whats:
            whats.remove("segment")
        #: The add buttons by what they add: ``attribute``, ``event``, ``segment``, ``group``.
        self.add_buttons = {what: self._add_button(what) for what in whats}
        adds = list(self.add_buttons.values())
        self.body = w.VBox()
        border = "1px solid #ccc" if not root else "none"
        self.widget = w.VBox(
            [w.HBox([self.combinator, *adds, self.message]), self.body],
            layout=w.Layout(border=border, padding="2px 4px", margin="2px 0"),
        )
        self.widget.add_class("sl-group")
        self._load(rule)

    # -- structure ---------------------------------------------------------------------
    def _add_button(self, what: str) -> w.Button:
        text = {"attribute": "+ condition"}.get(what, f"+ {what}")
        button = w.Button(description=text, layout=w.Layout(width="auto"))
        button.add_class(f"sl-add-{what}")
        button.on_click(lambda _: self.add(what))
        return button

    def _load(self, rule: Rule | None) -> None:
        if rule is None:
            return
        if isinstance(rule, (And, Or)) and (not self.root or len(rule.rules) > 1):
            self.combinator.value = "and" if isinstance(rule, And) else "or"
            children = rule.rules
        else:
            children = (rule,)
        for child in children:
            self._append(self.item_for(child))
        self._render()

    def item_for(self, rule: Rule) -> Item:
        """Return an item showing ``rule`` (NOT on for a negation)."""
        if isinstance(rule, Not) and not isinstance(rule.rule, Not):
            return Item(self, self.node_for(rule.rule), negate=True)
        return Item(self, self.node_for(rule))

    def node_for(self, rule: Rule | None) -> Row | Group:
        """Return a row (or nested group) for ``rule``; read-only when no row can show it."""
        ctx = self.context
        if isinstance(rule, (And, Or)):
            return Group(ctx, rule, scope=self.scope)
        if isinstance(rule, EventCondition) and self.scope == "contacts":
            return EventRow(ctx, self._where_group, rule)
        if isinstance(rule, InSegment) and self.scope == "contacts":
            return ReferenceRow(ctx, rule.name)
        if rule is None or attribute_state(rule) is not None:
            schema = ctx.contacts if self.scope == "contacts" else ctx.events
            return AttributeRow(schema, rule, table=self.scope)
        return ReadOnlyRow(rule)

    def _where_group(self, rule: Rule | None) -> Group:
        return Group(self.context, rule, root=True, scope="events")

    def _append(self, item: Item) -> None:
        item.node.on_change(self.changed)
        self.items.append(item)

    def add(self, what: str) -> Item:
        """Add a new row (``attribute``, ``event``, ``segment``) or an empty ``group``."""
        ctx = self.context
        node: Row | Group
        if what == "event":
            node = EventRow(ctx, self._where_group)
        elif what == "segment":
            node = ReferenceRow(ctx)
        elif what == "group":
            node = Group(ctx, scope=self.scope)
        else:
            node = self.node_for(None)
        item = Item(self, node)
        self._append(item)
        self._render()
        self.changed()
        return item

    def move(self, item: Item, step: int) -> None:
        """Move ``item`` up (-1) or down (+1) within the group."""
        i = self.items.index(item)
        j = min(max(i + step, 0), len(self.items) - 1)
        self.items[i], self.items[j] = self.items[j], self.items[i]
        self._render()
        self.changed()

    def duplicate(self, item: Item) -> None:
        """Insert a copy of ``item`` below it (an invalid row copies as a fresh row)."""
        try:
            copy = self.item_for(item.rule())
        except SegmentLabError:
            copy = Item(self, self.node_for(None))
        copy.node.on_change(self.changed)
        self.items.insert(self.items.index(item) + 1, copy)
        self._render()
        self.changed()

    def remove(self, item: Item) -> None:
        """Remove ``item``."""
        self.items.remove(item)
        self._render()
        self.changed()

    def _render(self) -> None:
        self.body.children = [item.widget for item in self.items]
        self.combinator.layout.display = None if len(self.items) > 1 or not self.root else "none"

    # -- events and the rule -----------------------------------------------------------
    def on_change(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` after every edit in the group (nested ones included)."""
        self._callbacks.append(callback)

    def changed(self) -> None:
        """Tell the listeners that something in the group changed."""
        for callback in self._callbacks:
            callback()

    def show_error(self, text: str | None) -> None:
        """Show a message about the group itself (e.g. an empty group)."""
        self.message.value = (
            "" if not text else f'<span class="sl-error" style="color:#b00020">{_esc(text)}</span>'
        )

    def rule(self) -> Rule | None:
        """Return the group's rule; messages go next to each invalid row, then it raises.

        Raises
        ------
        InvalidSegmentError
            When a row is invalid or a nested group is empty (one message per problem).
        """
        rules, problems = [], []
        for item in self.items:
            item.node.show_error(None)
            try:
                rules.append(item.rule())
            except SegmentLabError as exc:
                if not isinstance(item.node, Group):
                    item.node.show_error(str(exc))
                problems.append(str(exc))
        self.show_error(None)
        if problems:
            raise InvalidSegmentError("; ".join(problems))
        if self.root:
            return None if not rules else rules[0] if len(rules) == 1 else self._combine(rules)
        if not rules:
            text = "This group is empty: add a condition or remove the group."
            self.show_error(text)
            raise InvalidSegmentError(text)
        return self._combine(rules)

    def _combine(self, rules: list[Rule]) -> Rule:
        return And(tuple(rules)) if self.combinator.value == "and" else Or(tuple(rules))


def _esc(text: str) -> str:
    import html

    return html.escape(text)
