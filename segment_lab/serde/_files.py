"""JSON and YAML text, and files: thin wrappers around the dict form.

YAML is imported on first use.  :func:`save` writes atomically.  Public names are
re-exported by :mod:`segment_lab.serde`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import stat
from pathlib import Path
from typing import Any

from segment_lab.errors import SegmentLabError, SerializationError, did_you_mean
from segment_lab.serde._codec import Serialisable, _show, from_dict, to_dict

#: File suffixes :func:`load` and :func:`save` understand, and their format.
SUFFIXES = {".json": "json", ".yaml": "yaml", ".yml": "yaml"}


# -- JSON and YAML text ----------------------------------------------------------------
def to_json(obj: Serialisable, indent: int | None = 2) -> str:
    """Return the dict form as JSON text.

    Parameters
    ----------
    obj : Rule, Segment or Catalog
        What to write.
    indent : int or None, default 2
        Indentation of nested values; None for one line.

    Returns
    -------
    str
        JSON text (non-ASCII characters kept as they are).

    Raises
    ------
    SerializationError
        For a value JSON cannot hold (an infinite float).

    See Also
    --------
    from_json : The inverse.
    to_dict : The dict form.

    Examples
    --------
    >>> from segment_lab import in_segment
    >>> print(to_json(~in_segment("churned"), indent=None))
    {"segment_lab": 1, "kind": "not", "rule": {"kind": "in_segment", "name": "churned"}}
    >>> print(to_json(in_segment("churned")))
    {
      "segment_lab": 1,
      "kind": "in_segment",
      "name": "churned"
    }
    """
    return json.dumps(to_dict(obj), indent=indent, ensure_ascii=False, allow_nan=False)


def from_json(text: str | bytes, *, expect: str | None = None) -> Serialisable:
    """Read a rule, segment or catalog from JSON text.

    Parameters
    ----------
    text : str or bytes
        JSON text; ``NaN`` and ``Infinity`` are refused.
    expect : {None, "rule", "segment", "catalog"}, default None
        As in :func:`from_dict`.

    Returns
    -------
    Rule, Segment or Catalog

    Raises
    ------
    SerializationError
        For malformed JSON (with line and column), and as :func:`from_dict` raises.

    See Also
    --------
    to_json : The inverse.

    Examples
    --------
    >>> from_json('{"kind": "in_segment", "name": "vip"}')
    InSegment(name='vip')
    >>> from_json('{"kind": "in_segment", "name": }')
    Traceback (most recent call last):
    ...
    segment_lab.errors.SerializationError: Malformed JSON at line 1, column 32: Expecting value.
    """
    if not isinstance(text, (str, bytes, bytearray)):
        raise SerializationError(f"from_json() needs JSON text, got {_show(text)}.")
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise SerializationError(
            f"Malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}."
        ) from None
    return from_dict(data, expect=expect)


def _no_constant(name: str) -> None:
    raise SerializationError(f"Invalid JSON number {name!r}: NaN and Infinity are not allowed.")


def _yaml() -> Any:
    import yaml

    return yaml


def to_yaml(obj: Serialisable) -> str:
    """Return the dict form as YAML text (block style, keys in field order).

    Parameters
    ----------
    obj : Rule, Segment or Catalog
        What to write.

    Returns
    -------
    str
        YAML text, ending with a newline.

    Raises
    ------
    SerializationError
        For a value YAML cannot hold portably (an infinite float).

    See Also
    --------
    from_yaml : The inverse.
    to_dict : The dict form.

    Examples
    --------
    >>> from segment_lab import field
    >>> print(to_yaml(field("points").between(10, 100)), end="")
    segment_lab: 1
    kind: range
    field: points
    low: 10
    high: 100
    """
    return _render(to_dict(obj), "yaml")


def _render(data: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    yaml = _yaml()
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(
        data, Dumper=dumper, sort_keys=False, allow_unicode=True, default_flow_style=False
    )


_YAML_HINT = re.compile(r":\s*[!>|&*%@`]")


def from_yaml(text: str | bytes, *, expect: str | None = None) -> Serialisable:
    r"""Read a rule, segment or catalog from YAML text.

    Parameters
    ----------
    text : str or bytes
        YAML text (read with the safe loader).  Quote values that start with a
        YAML indicator such as ``>`` or ``!``, e.g. ``op: '>='``.
    expect : {None, "rule", "segment", "catalog"}, default None
        As in :func:`from_dict`.

    Returns
    -------
    Rule, Segment or Catalog

    Raises
    ------
    SerializationError
        For malformed YAML (with line and column, and a hint on unquoted
        indicators), and as :func:`from_dict` raises.

    See Also
    --------
    to_yaml : The inverse.

    Examples
    --------
    >>> from_yaml("kind: compare\nfield: points\nop: '>='\nvalue: 10\n")
    Compare(field='points', op='>=', value=10)
    >>> from_yaml("kind: compare\nfield: [points\n")
    Traceback (most recent call last):
    ...
    segment_lab.errors.SerializationError: Malformed YAML at line 3, column 1: ...
    """
    yaml = _yaml()
    if not isinstance(text, (str, bytes, bytearray)):
        raise SerializationError(f"from_yaml() needs YAML text, got {_show(text)}.")
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        raise SerializationError(_yaml_message(exc, text)) from None
    except yaml.YAMLError as exc:
        raise SerializationError(f"Malformed YAML: {exc}.") from None
    return from_dict(data, expect=expect)


def _yaml_message(exc: Any, text: str | bytes) -> str:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "invalid YAML"
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    msg = f"Malformed YAML{where}: {problem}."
    lines = (text.decode("utf-8", "replace") if isinstance(text, bytes) else text).splitlines()
    if mark and mark.line < len(lines) and _YAML_HINT.search(lines[mark.line]):
        msg += " Quote values that start with !, >, |, &, *, %, @ or `, e.g. op: '>='."
    return msg


# -- files -----------------------------------------------------------------------------
def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise SerializationError(
            f"Cannot tell the format of {str(path)!r} from its suffix {path.suffix!r}; use "
            f"{', '.join(SUFFIXES)}." + did_you_mean(suffix, SUFFIXES)
        )
    return SUFFIXES[suffix]


def load(path: str | os.PathLike[str], expect: str | None = None) -> Serialisable:
    """Read a rule, segment or catalog from a ``.json``, ``.yaml`` or ``.yml`` file.

    Parameters
    ----------
    path : str or path-like
        The file; its suffix picks the format.
    expect : {None, "rule", "segment", "catalog"}, default None
        As in :func:`from_dict`: ``expect="catalog"`` also accepts a file holding one
        segment or a list of segments.

    Returns
    -------
    Rule, Segment or Catalog

    Raises
    ------
    SerializationError
        For an unknown suffix or a file that is not UTF-8 text.
    SegmentLabError
        The same errors as :func:`from_dict`, their message prefixed with the file name.

    See Also
    --------
    save : The inverse.
    segment_lab.Catalog.load : ``expect="catalog"``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from segment_lab import Segment, field
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "vip.yaml"
    >>> save(Segment("vip", field("points") > 1000), path)
    >>> load(path, expect="catalog").names
    ('vip',)
    >>> import shutil; shutil.rmtree(path.parent)
    """
    path = Path(path)
    reader = from_json if _format_of(path) == "json" else from_yaml
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SerializationError(f"{str(path)!r} is not UTF-8 text: {exc.reason}.") from None
    try:
        return reader(text, expect=expect)
    except SegmentLabError as exc:
        raise type(exc)(f"In {str(path)!r}: {exc}") from None


def save(obj: Serialisable, path: str | os.PathLike[str]) -> None:
    """Write a rule, segment or catalog to ``.json``, ``.yaml`` or ``.yml`` atomically.

    The object is validated and rendered first; the text goes to a temporary file in
    the same folder that then replaces ``path``, so a failure never leaves a
    half-written file behind (an existing file keeps its permissions).

    Parameters
    ----------
    obj : Rule, Segment or Catalog
        What to write.
    path : str or path-like
        The file; its suffix picks the format.

    Raises
    ------
    SerializationError
        For an unknown suffix or a value JSON cannot hold; nothing is written.

    See Also
    --------
    load : The inverse.
    to_json, to_yaml : The same text, as a string.

    Examples
    --------
    >>> import pathlib, shutil, tempfile
    >>> from segment_lab import field
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> save(field("points") > 1000, folder / "vip.json")
    >>> print((folder / "vip.json").read_text(), end="")
    {
      "segment_lab": 1,
      "kind": "compare",
      "field": "points",
      "op": ">",
      "value": 1000
    }
    >>> save(field("points") > 1000, folder / "vip.txt")
    Traceback (most recent call last):
    ...
    segment_lab.errors.SerializationError: Cannot tell the format of '...vip.txt' from its suffix '.txt'; use .json, .yaml, .yml.
    >>> sorted(p.name for p in folder.iterdir())
    ['vip.json']
    >>> shutil.rmtree(folder)
    """
    path = Path(path)
    fmt = _format_of(path)
    data = to_dict(obj)
    from_dict(data)  # validated both ways: what we write, we can read
    _write_atomic(path, _render(data, fmt))


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # umask applies
    try:
        with open(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
