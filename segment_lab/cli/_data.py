"""Where the command line's data comes from, and where its output files go."""

from __future__ import annotations

import argparse
import dataclasses
import glob
import io
from pathlib import Path
from typing import Any

from segment_lab.errors import InvalidValueError, SegmentLabError, did_you_mean

#: Suffixes ``--contacts``/``--events``/``--history`` read.
READABLE = (".parquet", ".pq", ".csv", ".csv.gz", ".tsv")
#: Suffixes ``history -o`` writes.
WRITABLE = (".csv", ".json", ".parquet")


def workspace(args: argparse.Namespace, catalog: Any = None) -> Any:
    """Open the data the options name (a DuckDB file, files, or the sample) with a catalog."""
    import segment_lab as sl

    bindings = load_bindings(args.bindings) if args.bindings else None
    files = (args.contacts, args.events, args.history)
    if args.db and any(files):
        raise InvalidValueError("Give either --db or --contacts/--events/--history, not both.")
    if args.db:
        path = Path(args.db)
        if not path.is_file():
            raise InvalidValueError(f"--db: no such file {args.db!r}.")
        ws = sl.Workspace.connect(path, bindings=bindings, now=args.now)
    elif any(files):
        if not args.contacts:
            raise InvalidValueError("--events/--history need --contacts FILE as well.")
        ws = read_files(args.contacts, args.events, args.history, bindings, args.now)
    else:
        ws = sl.Workspace.demo()
        if args.now is not None:
            ws = ws.with_now(args.now)
        if catalog is None:
            return ws
    return ws.with_catalog(catalog) if catalog is not None else ws


def load_catalog(path: str | None, ws_default: bool = False) -> Any:
    """Load ``path``; ``None`` means the demo catalog when ``ws_default`` allows it."""
    import segment_lab as sl
    from segment_lab import sample

    if path is None:
        if ws_default:
            return sample.demo_catalog()
        raise InvalidValueError("No catalog: give CATALOG (a .yaml or .json file).")
    if not Path(path).is_file():
        raise InvalidValueError(f"No such catalog file {path!r}.")
    return sl.Catalog.load(path)


def load_bindings(path: str) -> Any:
    """Read ``--bindings bindings.yaml``: a mapping of :class:`Bindings` fields to names."""
    import yaml

    import segment_lab as sl

    file = Path(path)
    if not file.is_file():
        raise InvalidValueError(f"--bindings: no such file {path!r}.")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise InvalidValueError(f"--bindings: {path!r} is not valid YAML{where}.") from None
    if not isinstance(data, dict):
        raise InvalidValueError(
            f"--bindings: {path!r} must be a mapping such as 'contact_id: id', "
            f"got {type(data).__name__}."
        )
    valid = [f.name for f in dataclasses.fields(sl.Bindings)]
    for key, value in data.items():
        if key not in valid:
            raise InvalidValueError(
                f"--bindings: unknown key {key!r} in {path!r}.{did_you_mean(str(key), valid)} "
                f"Valid keys: {', '.join(valid)}."
            )
        if key in ("static", "history_ignore"):
            data[key] = tuple(value if isinstance(value, list) else [value])
    return sl.Bindings(**data)


def _matches(path: str, option: str) -> None:
    found = glob.glob(path) if any(c in path for c in "*?[") else [path]
    if not found or not all(Path(p).is_file() for p in found):
        raise InvalidValueError(f"{option}: no such file {path!r}.")
    if not str(path).lower().endswith(READABLE):
        raise InvalidValueError(
            f"{option}: cannot read {path!r}: give a Parquet or CSV file ({', '.join(READABLE)})."
        )


def read_files(contacts: str, events: str | None, history: str | None, bindings, now) -> Any:
    """Bind Parquet/CSV files with ``Workspace.read`` (each option's path checked first)."""
    import segment_lab as sl

    named = {"contacts": contacts, "events": events, "contact_history": history}
    for option, path in zip(("--contacts", "--events", "--history"), named.values()):
        if path:
            _matches(path, option)
    extra = {"bindings": bindings} if bindings is not None else {}
    return sl.Workspace.read(**{k: v for k, v in named.items() if v}, now=now, **extra)


def check_output(path: str, valid: tuple[str, ...]) -> Path:
    """Check an output path before any work: a known suffix in an existing folder."""
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in valid:
        raise InvalidValueError(
            f"-o: cannot write {path!r}: the name must end in {', '.join(valid)}."
        )
    if out.is_dir():
        raise InvalidValueError(f"-o: {path!r} is a folder; give a file name.")
    if not out.parent.is_dir():
        raise InvalidValueError(f"-o: the folder {str(out.parent)!r} does not exist.")
    return out


def write_frame(frame: Any, out: Path) -> None:
    """Write a frame as CSV, JSON (records) or Parquet, atomically."""
    suffix = out.suffix.lower()
    if suffix == ".csv":
        data = frame.to_csv(index=False).encode()
    elif suffix == ".json":
        data = frame.to_json(
            orient="records", date_format="iso", indent=1, double_precision=15
        ).encode()
    else:
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        data = buffer.getvalue()
    write_file(out, data)


def write_file(out: Path, data: bytes) -> None:
    """Write bytes atomically (a temporary file in the same folder, then a rename)."""
    from segment_lab.charts._export import write_atomic

    try:
        write_atomic(out, data)
    except OSError as exc:
        raise SegmentLabError(f"Cannot write {str(out)!r}: {exc.strerror or exc}.") from None


def parse_outcome(text: str, where: str | None, catalog: Any) -> Any:
    """Read ``--outcome`` (``event:TYPE[,TYPE]`` or ``segment:NAME``) and ``--outcome-where``.

    ``event:...`` is "at least one such event in (t, t + horizon]", ``segment:NAME`` a
    segment of the catalog meaning "a member as of t + horizon" (docs/decisions.md).
    ``--outcome-where`` is a rule on the event's columns in the catalog's JSON or YAML
    form, e.g. ``{kind: compare, field: value, op: ">", value: 100}``.
    """
    import segment_lab as sl

    kind, sep, rest = text.partition(":")
    kind, rest = kind.strip().lower(), rest.strip()
    if not sep or kind not in ("event", "segment") or not rest:
        guess = "segment" if text in catalog else "event"
        hint = f" Did you mean '{guess}:{text}'?" if text and not sep else ""
        raise InvalidValueError(
            f"--outcome: cannot read {text!r}: write event:TYPE (or event:TYPE,TYPE), at least "
            f"one such event in (t, t + horizon], or segment:NAME, a catalog segment's "
            f"membership at t + horizon.{hint}"
        )
    if kind == "segment":
        if where is not None:
            raise InvalidValueError("--outcome-where applies to event:TYPE outcomes only.")
        if rest not in catalog:
            valid = list(catalog.names)
            raise InvalidValueError(
                f"--outcome: unknown segment {rest!r}.{did_you_mean(rest, valid)} "
                f"Segments: {', '.join(valid)}."
            )
        return catalog[rest]
    spec = sl.event([t.strip() for t in rest.split(",") if t.strip()])
    return spec.where(parse_where(where)) if where is not None else spec


def parse_where(text: str) -> Any:
    """Read ``--outcome-where``: a rule in the catalog's JSON/YAML form."""
    import yaml

    from segment_lab.serde import rule_from_dict

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        data = None
    if not isinstance(data, dict):
        raise InvalidValueError(
            f"--outcome-where: cannot read {text!r}: give a rule as JSON or YAML, e.g. "
            "'{kind: compare, field: value, op: \">\", value: 100}'."
        )
    try:
        return rule_from_dict(data)
    except SegmentLabError as exc:
        raise type(exc)(f"--outcome-where: {exc}") from None
