"""Whole Mautic segment lists as catalogs, and catalogs as Mautic segment lists."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from segment_lab.errors import MauticFormatError, MauticUnsupportedError
from segment_lab.interop.mautic._export import _membership, to_mautic
from segment_lab.interop.mautic._import import from_mautic, segment_name
from segment_lab.model import Catalog, walk

__all__ = ["catalog_from_mautic", "catalog_to_mautic"]


def _segments_of(payload: object) -> list[Mapping]:
    """Return the segment objects of ``GET /api/segments`` (``lists``), a list, or one segment."""
    if isinstance(payload, (str, bytes)):
        try:
            payload = json.loads(payload)
        except ValueError as exc:
            raise MauticFormatError(f"The payload is not JSON: {exc}.") from None
    if isinstance(payload, Mapping) and "lists" in payload:
        lists = payload["lists"]
        payload = list(lists.values()) if isinstance(lists, Mapping) else lists
    elif isinstance(payload, Mapping) and "list" in payload:
        payload = [payload["list"]]
    elif isinstance(payload, Mapping):
        payload = [payload]
    if not isinstance(payload, list) or not all(isinstance(s, Mapping) for s in payload):
        raise MauticFormatError(
            "Expected Mautic segments: GET /api/segments's {'lists': {...}}, a list of "
            "segment objects, or one segment."
        )
    return payload


def _name(seg: Mapping, index: int) -> str:
    name = seg.get("alias") or (segment_name(seg["id"]) if "id" in seg else None)
    if not isinstance(name, str) or not name.strip():
        raise MauticFormatError(f"lists[{index}]: a segment needs an 'alias' or an 'id'.")
    return name


def catalog_from_mautic(payload: object) -> Catalog:
    """Import every segment of a Mautic segment list as a catalog.

    Segment-membership filters reference the other segments by their alias.

    Parameters
    ----------
    payload
        ``GET /api/segments``'s response (``{"total": n, "lists": {...}}``), a list of
        segment objects, or the same as JSON text.

    Returns
    -------
    Catalog

    Raises
    ------
    MauticFormatError
        A malformed segment or filter (named by its position).
    MauticUnsupportedError
        Listing every filter of every segment without an equivalent.

    Examples
    --------
    >>> from segment_lab.interop.mautic import catalog_from_mautic
    >>> cat = catalog_from_mautic({"lists": {"3": {"id": 3, "alias": "czech", "filters": [
    ...     {"glue": "and", "field": "country", "type": "country", "operator": "=",
    ...      "properties": {"filter": "Czech Republic"}}]}}})
    >>> cat.names
    ('czech',)
    """
    segs = _segments_of(payload)
    names = {seg["id"]: _name(seg, i) for i, seg in enumerate(segs) if "id" in seg}
    names.update({str(k): v for k, v in names.items()})
    out, problems = [], []
    for i, seg in enumerate(segs):
        name = _name(seg, i)
        try:
            out.append(from_mautic(dict(seg), name=name, segments=names))
        except MauticUnsupportedError as exc:
            problems += [(f"segment {name!r} {where}", why) for where, why in exc.problems]
        except MauticFormatError as exc:
            raise MauticFormatError(f"segment {name!r}: {exc}") from None
    if problems:
        listing = "\n".join(f"  - {where}: {why}" for where, why in problems)
        raise MauticUnsupportedError(
            f"{len(problems)} Mautic filter(s) have no segment_lab equivalent:\n{listing}",
            problems,
        )
    return Catalog(out)


def catalog_to_mautic(
    catalog: Catalog, *, segments: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """Write every segment of a catalog as Mautic segment payloads.

    Parameters
    ----------
    catalog
        The segments.
    segments
        Catalog names -> Mautic ids, for ``in_segment`` references.

    Returns
    -------
    dict
        ``{"lists": [payload, ...]}``, one :func:`to_mautic` payload per segment, with
        its ``id`` when known (from ``segments``, or from imported memberships).

    Raises
    ------
    MauticUnsupportedError
        Listing every part of every segment with no exact Mautic filter.

    Examples
    --------
    >>> import segment_lab as sl
    >>> from segment_lab.interop.mautic import catalog_to_mautic
    >>> cat = sl.Catalog([sl.Segment("big", sl.field("points") > 100),
    ...                   sl.Segment("big-vip", sl.in_segment("big") & sl.field("tags").has_any([3]))])
    >>> out = catalog_to_mautic(cat, segments={"big": 4})
    >>> [(s.get("id"), [f["field"] for f in s["filters"]]) for s in out["lists"]]
    [(4, ['points']), (None, ['leadlist', 'tags'])]
    """
    ids = dict(segments or {})
    for seg in catalog:  # imported memberships carry the referenced segment's Mautic id
        for node in walk(seg.rule):
            found = _membership(node)
            if found is not None:
                ids.setdefault(*found)
    lists, problems = [], []
    for seg in catalog:
        try:
            payload = to_mautic(seg, segments=ids)
            lists.append({"id": ids[seg.name], **payload} if seg.name in ids else payload)
        except MauticUnsupportedError as exc:
            problems += [(f"segment {seg.name!r}: {part}", why) for part, why in exc.problems]
    if problems:
        listing = "\n".join(f"  - {part}: {why}" for part, why in problems)
        raise MauticUnsupportedError(
            f"{len(problems)} part(s) have no exact Mautic filter:\n{listing}", problems
        )
    return {"lists": lists}
