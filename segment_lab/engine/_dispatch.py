"""One dispatch discipline for every walk over the rule tree.

A *walk* is a function of a rule node that does something different per node type
(compile it, inline it, test it on NULL, ...).  Each is a
:func:`functools.singledispatch` function made with :func:`rule_walk`: its body is
the fallback for node types nobody registered, and raises
:class:`~segment_lab.errors.UnsupportedNodeError` naming the type; one
implementation per node type is registered next to it.  :func:`rule_walk` also
records the walk in :data:`WALKS` with the node types it must handle, so that a
test checks every walk against every node of the language: adding a node type
without teaching each walk about it fails that test.

Where a node cannot stand in a walk (an ``in_segment`` reference, which is inlined
before compiling), :func:`refuse` registers an implementation that says so.
Walks that treat every node alike (collecting fields, finding event conditions)
use :func:`segment_lab.model.walk` and need no dispatch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import singledispatch
from typing import Any

from segment_lab.errors import UnsupportedNodeError

__all__ = ["WALKS", "refuse", "register_each", "rule_walk"]

#: Every walk of the engine, with the node types it must have an implementation for.
WALKS: list[tuple[Any, tuple[type, ...]]] = []


def rule_walk(domain: Iterable[type]) -> Callable[[Callable[..., Any]], Any]:
    """Make the decorated function a walk over rule nodes of the types in ``domain``.

    The function's body is the fallback for a type with no implementation: it must
    raise :class:`~segment_lab.errors.UnsupportedNodeError` (use
    :meth:`UnsupportedNodeError.of <segment_lab.errors.UnsupportedNodeError.of>`).
    """
    types = tuple(domain)

    def decorate(func: Callable[..., Any]) -> Any:
        walk = singledispatch(func)
        WALKS.append((walk, types))
        return walk

    return decorate


def register_each(walk: Any, types: Iterable[type]) -> Callable[[Callable[..., Any]], Any]:
    """Register the decorated function as ``walk``'s implementation for each of ``types``."""

    def decorate(func: Callable[..., Any]) -> Any:
        for cls in types:
            walk.register(cls, func)
        return func

    return decorate


def refuse(walk: Any, types: Iterable[type], where: str, why: str) -> None:
    """Register, for each of ``types``, an implementation raising UnsupportedNodeError."""

    def refused(node: object, *args: object, **kwargs: object) -> Any:
        raise UnsupportedNodeError.of(node, where, why)

    for cls in types:
        walk.register(cls, refused)
