"""Generating the data as DataFrames, writing it to DuckDB atomically, and the command line."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from segment_lab.sample import _tables
from segment_lab.sample._params import (
    CHURN_WAVE_INDUSTRY,
    CHURN_WAVE_START,
    END,
    GENERATOR_VERSION,
    INTENT_SURGE_CAMPAIGN,
    INTENT_SURGE_START,
    SCALES,
    START,
    Scale,
    _scale,
)
from segment_lab.sample._tables import TABLES, _to_pandas

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa


# -- public API --------------------------------------------------------------------------------
def generate(scale: str | Scale = "sample", seed: int = 0) -> dict[str, pd.DataFrame]:
    """Generate the sample data as pandas DataFrames.

    Parameters
    ----------
    scale
        A name in :data:`SCALES` (``"tiny"``, ``"sample"``, ``"bench"``) or a :class:`Scale`.
        For ``"bench"`` use :func:`build_database`, which streams chunk by chunk.
    seed
        Random seed; the same seed gives identical frames.

    Returns
    -------
    dict
        ``contacts``, ``events``, ``contact_history`` and ``truth`` DataFrames (columns in
        :data:`TABLES`, meaning in ``datasets/README.md``).  Timestamps are naive UTC
        ``datetime64[us]`` holding whole seconds; ``technologies`` holds Python lists.

    Examples
    --------
    >>> frames = generate("tiny", seed=1)
    >>> frames["events"]["event_type"].value_counts().index[0]
    'email_sent'
    >>> frames["truth"].columns.tolist()
    ['contact_id', 'persona', 'opted_in', 'churn_wave', 'intent_surge', 'churned_at', 'unsubscribed_at']
    """
    import pyarrow as pa

    sc, make = _scale(scale), _tables._chunk
    parts: dict[str, list[pa.Table]] = {name: [] for name in TABLES}
    for k in range(sc.chunks):
        for name, table in make(sc, seed, k).items():
            parts[name].append(table)
    return {name: _to_pandas(pa.concat_tables(tables)) for name, tables in parts.items()}


def default_path(scale: str | Scale = "sample", seed: int = 0) -> Path:
    """Where a generated database lives unless told otherwise.

    ``datasets/generated/<scale>.duckdb`` in the repository checkout when that folder is
    writable; else ``$SEGMENT_LAB_DATA_DIR`` if set, or the user cache
    (``$XDG_CACHE_HOME/segment_lab``, default ``~/.cache/segment_lab``).  The variable
    ``SEGMENT_LAB_DATA_DIR`` wins everywhere.  A non-zero seed adds ``-seed<seed>``.

    Examples
    --------
    >>> default_path("bench").name
    'bench.duckdb'
    >>> default_path("sample", seed=3).name
    'sample-seed3.duckdb'
    """
    name = f"{_scale(scale).name}{f'-seed{seed}' if seed else ''}.duckdb"
    if os.environ.get("SEGMENT_LAB_DATA_DIR"):
        return Path(os.environ["SEGMENT_LAB_DATA_DIR"]) / name
    root = Path(__file__).resolve().parents[2]  # segment_lab/sample/_build.py -> checkout
    datasets = root / "datasets"
    if (root / "pyproject.toml").is_file() and datasets.is_dir() and os.access(datasets, os.W_OK):
        return datasets / "generated" / name
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "segment_lab" / name


def build_database(
    path: str | os.PathLike | None = None,
    scale: str | Scale = "sample",
    seed: int = 0,
    progress: bool = False,
) -> str:
    """Write the sample data to a DuckDB file, atomically.

    The file is built as ``<path>.tmp`` and renamed over ``path`` only when complete, so a
    failed or interrupted build leaves nothing half-written.  Tables: ``contacts``,
    ``events``, ``contact_history``, ``truth`` (types in :data:`TABLES`) and ``build_info``
    (key/value: generator version, scale, seed, planted dates).  The data equals
    ``generate(scale, seed)``.  The next chunk is generated while the previous one is
    written.

    Parameters
    ----------
    path
        Target file, :func:`default_path` when omitted.  Parent folders are created.
    scale, seed
        As in :func:`generate`.
    progress
        Show a ``tqdm`` progress bar over chunks (worth it for ``"bench"``: about 2 minutes).

    Returns
    -------
    str
        The path written.

    Examples
    --------
    >>> import duckdb, tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "tiny.duckdb")
    >>> path = build_database(target, scale="tiny")
    >>> with duckdb.connect(path, read_only=True) as con:
    ...     con.sql("select count(*) from contacts").fetchone()[0]
    200
    """
    import duckdb

    sc = _scale(scale)
    path = os.fspath(default_path(sc, seed) if path is None else path)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    tmp = path + ".tmp"
    _remove(tmp)
    try:
        with duckdb.connect(tmp) as con:
            _write(con, sc, seed, progress)
        _remove(path + ".wal")
        os.replace(tmp, path)
    except BaseException:
        _remove(tmp)
        raise
    return path


def is_current(path: str | os.PathLike, scale: str | Scale = "sample", seed: int = 0) -> bool:
    """Whether ``path`` is a complete database of this generator version, scale and seed.

    Use it to rebuild a stale file, e.g. one written by an older :data:`GENERATOR_VERSION`.
    A missing, unreadable or locked file is not current.

    Examples
    --------
    >>> import tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "tiny.duckdb")
    >>> is_current(target, "tiny")
    False
    >>> is_current(build_database(target, scale="tiny"), "tiny"), is_current(target, "sample")
    (True, False)
    """
    import duckdb

    if not os.path.isfile(path):
        return False
    want = {"generator_version": str(GENERATOR_VERSION), "scale": _scale(scale).name,
            "seed": str(seed)}  # fmt: skip
    try:
        with duckdb.connect(os.fspath(path), read_only=True) as con:
            info = dict(con.sql("SELECT key, value FROM build_info").fetchall())
    except duckdb.Error:
        return False
    return all(info.get(k) == v for k, v in want.items())


def ensure_database(scale: str | Scale = "sample", *, rebuild: bool = False) -> str:
    """Return the path of the generated database at :func:`default_path`, built on first use.

    A missing or stale file (see :func:`is_current`) is built; a lock file next to it
    makes concurrent processes wait for one build instead of racing.  This is what
    :meth:`segment_lab.Workspace.demo` opens.

    Parameters
    ----------
    scale
        As in :func:`generate`; ``"bench"`` builds with a progress bar.
    rebuild
        Build even if the file is current.

    Returns
    -------
    str
        The path of a current database.

    Examples
    --------
    >>> path = ensure_database("sample")
    >>> is_current(path, "sample")
    True
    """
    import fcntl

    path = os.fspath(default_path(scale))
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if rebuild or not is_current(path, scale):
            build_database(path, scale=scale, progress=_scale(scale).name != "sample")
    return path


def _remove(path: str) -> None:
    for p in (path, path + ".wal"):
        if os.path.exists(p):
            os.remove(p)


def _write(con, scale: Scale, seed: int, progress: bool) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from tqdm.auto import tqdm

    # events are written as they are generated (by contact), then stored in time order,
    # as an append-only event log is
    staging = {name: "_events_by_contact" if name == "events" else name for name in TABLES}
    for name, cols in TABLES.items():
        con.execute(f"CREATE TABLE {staging[name]} ({', '.join(f'{c} {t}' for c, t in cols)})")
    bar = tqdm(total=scale.chunks, desc=f"sample data ({scale.name})", unit="chunk",
               disable=not progress)  # fmt: skip
    events, make = 0, _tables._chunk
    with ThreadPoolExecutor(max_workers=1) as pool:  # generate chunk k+1 while writing k
        pending = pool.submit(make, scale, seed, 0)
        for k in range(scale.chunks):
            chunk = pending.result()
            if k + 1 < scale.chunks:
                pending = pool.submit(make, scale, seed, k + 1)
            for name, table in chunk.items():
                con.register("_chunk", table)
                con.execute(f"INSERT INTO {staging[name]} SELECT * FROM _chunk")
                con.unregister("_chunk")
            events += chunk["events"].num_rows
            bar.set_postfix(events=f"{events:,}")
            bar.update()
    bar.close()
    con.execute("CREATE TABLE events AS SELECT * FROM _events_by_contact ORDER BY ts, contact_id")
    con.execute("DROP TABLE _events_by_contact")
    info = {
        "generator_version": GENERATOR_VERSION, "scale": scale.name, "seed": seed,
        "contacts": scale.contacts, "start": START, "end": END,
        "churn_wave_start": CHURN_WAVE_START, "churn_wave_industry": CHURN_WAVE_INDUSTRY,
        "intent_surge_start": INTENT_SURGE_START, "intent_surge_campaign": INTENT_SURGE_CAMPAIGN,
    }  # fmt: skip
    con.execute("CREATE TABLE build_info (key VARCHAR, value VARCHAR)")
    con.executemany("INSERT INTO build_info VALUES (?, ?)", [(k, str(v)) for k, v in info.items()])
    con.execute("CHECKPOINT")


# -- command line ------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    """``python -m segment_lab.sample [--scale bench] [--seed N] [--path FILE] [--quiet]``."""
    parser = argparse.ArgumentParser(
        prog="python -m segment_lab.sample",
        description="Build the synthetic sample database (DuckDB) described in datasets/README.md.",
    )
    parser.add_argument("--scale", choices=list(SCALES), default="sample")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--path", help="target .duckdb file (default: default_path(scale))")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    path = build_database(args.path, scale=args.scale, seed=args.seed, progress=not args.quiet)
    seconds = time.perf_counter() - t0
    import duckdb

    with duckdb.connect(path, read_only=True) as con:
        rows = {t: con.sql(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    counts = ", ".join(f"{t} {n:,}" for t, n in rows.items())
    size = os.path.getsize(path) / 2**20
    print(f"{path}: {counts}; {size:,.0f} MiB in {seconds:.1f} s", file=sys.stderr)
    return 0
