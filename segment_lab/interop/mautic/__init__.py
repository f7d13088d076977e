"""Mautic interoperability: import segments, read a Mautic database, export segments.

* :func:`from_mautic` — a segment as Mautic's REST API returns it (or its filters) as a
  :class:`~segment_lab.Segment` with Mautic 5's semantics; :func:`catalog_from_mautic`
  for a whole ``GET /api/segments`` response.
* :func:`to_mautic` — a segment as Mautic JSON, where Mautic can express it exactly;
  :func:`catalog_to_mautic` for a catalog.
* :func:`workspace` (also ``sl.Workspace.from_mautic_db``) — a Mautic 5 database's
  tables as a workspace; :func:`tables` and :func:`bindings` for the parts.

docs/mautic.md describes the mapping of every filter.
"""

from segment_lab.interop.mautic._catalog import catalog_from_mautic, catalog_to_mautic
from segment_lab.interop.mautic._db import EVENT_TYPES, bindings, tables, workspace
from segment_lab.interop.mautic._export import to_mautic
from segment_lab.interop.mautic._import import OPERATORS, from_mautic

__all__ = [
    "EVENT_TYPES",
    "OPERATORS",
    "bindings",
    "catalog_from_mautic",
    "catalog_to_mautic",
    "from_mautic",
    "tables",
    "to_mautic",
    "workspace",
]
