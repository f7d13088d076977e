"""``segment-lab mautic import`` and ``segment-lab mautic export``: Mautic segments in and out."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from segment_lab.errors import InvalidValueError

EPILOG = """\
examples:
  curl -u user:pass https://mautic.example.com/api/segments > segments.json
  segment-lab mautic import segments.json -o catalog.yaml
  segment-lab mautic export catalog.yaml -o segments.json --id prague=1
"""


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    return Path(path).read_text(encoding="utf-8")


def run_import(args: argparse.Namespace) -> int:
    """Read Mautic segments (JSON) and write them as a catalog (YAML or JSON)."""
    from segment_lab import serde
    from segment_lab.interop.mautic import catalog_from_mautic

    catalog = catalog_from_mautic(_read(args.segments))
    if args.output is None:
        print(serde.to_yaml(catalog), end="")
        return 0
    catalog.save(args.output)  # written whole or not at all
    print(f"wrote {len(catalog)} segment(s) to {args.output}: {', '.join(catalog.names)}")
    return 0


def _write_whole(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (a temporary file, then a rename)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _ids(pairs: list[str] | None) -> dict[str, int]:
    out = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not value.strip().isdigit() or not name.strip():
            raise InvalidValueError(
                f"--id takes NAME=ID with a whole-number Mautic id, got {pair!r} "
                f"(e.g. --id prague=1)."
            )
        out[name.strip()] = int(value)
    return out


def run_export(args: argparse.Namespace) -> int:
    """Write a catalog's segments as Mautic segment payloads (JSON)."""
    from segment_lab.interop.mautic import catalog_to_mautic
    from segment_lab.model import Catalog

    catalog = Catalog.load(args.catalog)
    payload: Any = catalog_to_mautic(catalog, segments=_ids(args.id))
    text = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    if args.output is None:
        print(text, end="")
        return 0
    _write_whole(Path(args.output), text)
    print(f"wrote {len(payload['lists'])} Mautic segment(s) to {args.output}")
    return 0


def add(sub: Any, formatter: Any) -> None:
    """Add the ``mautic`` command and its ``import`` and ``export`` subcommands."""
    m = sub.add_parser(
        "mautic",
        help="Import Mautic segments as a catalog, export a catalog to Mautic",
        description="Mautic segments (REST API JSON) in and out; docs/mautic.md has the mapping.",
        epilog=EPILOG,
        formatter_class=formatter,
    )
    msub = m.add_subparsers(dest="mautic_command", required=True, metavar="SUBCOMMAND")
    i = msub.add_parser(
        "import",
        help="Mautic segments JSON -> catalog",
        description="Read GET /api/segments's JSON (or one segment, or a list) and write a "
        "catalog. Filters without an equivalent are listed, and nothing is written.",
        epilog="example:\n  segment-lab mautic import segments.json -o catalog.yaml",
        formatter_class=formatter,
    )
    i.add_argument("segments", metavar="SEGMENTS.json", help="the Mautic JSON ('-': stdin)")
    i.add_argument("-o", "--output", metavar="FILE", help="catalog .yaml or .json (default: print)")
    i.set_defaults(func=run_import)
    e = msub.add_parser(
        "export",
        help="catalog -> Mautic segments JSON",
        description="Write each segment as a POST /api/segments/new payload, where Mautic "
        "expresses it exactly; otherwise list the parts it cannot, and write nothing.",
        epilog="example:\n  segment-lab mautic export catalog.yaml -o segments.json",
        formatter_class=formatter,
    )
    e.add_argument("catalog", metavar="CATALOG", help="catalog .yaml or .json")
    e.add_argument("-o", "--output", metavar="FILE", help="the JSON file (default: print)")
    e.add_argument(
        "--id",
        action="append",
        metavar="NAME=ID",
        help="the Mautic id of a segment that in_segment references (repeat for several)",
    )
    e.set_defaults(func=run_export)
