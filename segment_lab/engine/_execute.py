"""Backends: opening them, rendering SQL and running queries (and nothing else does).

This is the one module that touches backend internals.  The rest of the engine builds Ibis expressions and hands them here to run.  On DuckDB,
small results (a count, a history's grid counts) go straight through the backend's
connection, which skips Ibis' Arrow and pandas conversion; everywhere else Ibis
executes.  Backend failures become :class:`~segment_lab.errors.EvaluationError`.
Off the main thread (a widget's worker) those direct queries run on a DuckDB cursor of
the thread's own, beside the notebook's; :func:`interrupt` can aim at one thread.

ibis 12 reads a pandas option that pandas 3 deprecates whenever it converts between
pandas and Ibis; that harmless warning is silenced here, around those conversions only.
"""

from __future__ import annotations

import contextlib
import difflib
import glob
import os
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ibis

from segment_lab.errors import (
    BindingError,
    DatabaseLockedError,
    EvaluationError,
    MissingTableWarning,
    SegmentLabError,
    did_you_mean,
)

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from segment_lab.engine._bindings import Bindings

__all__ = [
    "DIALECT_ALIASES",
    "backend_tables",
    "compile_sql",
    "supports_bit_or",
    "configure_duckdb",
    "duckdb_backend",
    "duckdb_tables",
    "execute",
    "execute_rows",
    "execute_scalar",
    "file_tables",
    "interrupt",
    "literal_sql",
    "pandas_tables",
    "release_cursors",
    "resume",
    "run_rows_sql",
    "run_scalar_sql",
    "to_sql",
    "url_tables",
]

#: Common names of SQL dialects -> Ibis backend names.
DIALECT_ALIASES = {"spark": "pyspark", "postgresql": "postgres", "sparksql": "pyspark"}

_INFER_STRING = "The 'future.infer_string' option is deprecated"

#: Queries on a backend's own connection run one at a time: a DuckDB connection used by
#: two threads at once (a builder's counting thread and the notebook) mixes up their
#: results.  :func:`interrupt` stops the query running; one waiting here runs when its
#: turn comes (unless its thread was interrupted: then it fails then).  Threads other
#: than the main one run DuckDB's direct queries (counts, grid counts) on a cursor of
#: their own instead (:func:`_own_cursor`), beside the others.
_QUERY_LOCK = threading.RLock()
#: Guards _SHARED_BY, _CANCELLED and _CURSORS (held for a lookup or an interrupt only).
_STATE_LOCK = threading.Lock()
#: id(connection) -> ident of the thread running a query on that shared connection now.
_SHARED_BY: dict[int, int] = {}
#: Threads whose queries are interrupted (``interrupt(..., thread)``) until they
#: :func:`resume`: a query that had not begun when the interrupt came fails as it starts.
_CANCELLED: set[int] = set()


def _check_cancelled() -> None:
    """Raise EvaluationError if this thread's queries are interrupted (under _STATE_LOCK)."""
    if threading.get_ident() in _CANCELLED:
        raise EvaluationError(
            "The query was interrupted before it began (a newer request superseded it)."
        )


def resume() -> None:
    """Let this thread's queries run again after ``interrupt(..., thread=<this thread>)``.

    Examples
    --------
    >>> from segment_lab.engine import resume
    >>> resume()  # nothing was interrupted: nothing happens
    """
    with _STATE_LOCK:
        _CANCELLED.discard(threading.get_ident())


@dataclass
class _Cursor:
    """A thread's own connection to a DuckDB database: ``con.cursor()``."""

    con: Any  # the backend's connection it came from (kept: ids are never reused meanwhile)
    cursor: Any
    registered: set[str] = field(default_factory=set)  # in-memory tables registered on it
    views_copied: bool = False  # the shared connection's temporary views, made on it


#: (thread ident, id(backend connection)) -> that thread's cursor.
_CURSORS: dict[tuple[int, int], _Cursor] = {}


@contextlib.contextmanager
def _on_shared(con: Any) -> Iterator[None]:
    """Hold the query lock and record this thread as the one running on ``con``."""
    with _QUERY_LOCK:
        with _STATE_LOCK:
            _check_cancelled()
            before = _SHARED_BY.get(id(con))
            _SHARED_BY[id(con)] = threading.get_ident()
        try:
            yield
        finally:
            with _STATE_LOCK:
                if before is None:
                    _SHARED_BY.pop(id(con), None)
                else:
                    _SHARED_BY[id(con)] = before


def _own_cursor(backend: Any) -> _Cursor | None:
    """Return this thread's cursor on ``backend``'s database (None on the main thread).

    Made on first use without waiting for the shared connection.  A cursor sees the
    database's tables but not another connection's temporary views (the files of
    ``Workspace.read``): those are copied onto it once the shared connection is free
    (until then, a query on them runs on the shared path).
    """
    if threading.current_thread() is threading.main_thread():
        return None
    key = (threading.get_ident(), id(backend.con))
    with _STATE_LOCK:
        own = _CURSORS.get(key)
    if own is None or own.con is not backend.con:
        own = _Cursor(backend.con, backend.con.cursor())
        with _STATE_LOCK:
            _CURSORS[key] = own
    if not own.views_copied:
        _copy_temporary_views(own)
    return own


def _copy_temporary_views(own: _Cursor) -> None:
    """Create the shared connection's temporary views on the cursor, if it is free now."""
    import duckdb

    if not _QUERY_LOCK.acquire(blocking=False):  # a long query runs there: try again later
        return
    try:
        views = own.con.execute(
            "SELECT sql FROM duckdb_views() WHERE temporary AND NOT internal"
        ).fetchall()
    finally:
        _QUERY_LOCK.release()
    for (sql,) in views:
        with contextlib.suppress(duckdb.Error):  # what fails here runs on the shared path
            own.cursor.execute(sql)
    own.views_copied = True


def release_cursors() -> None:
    """Close the cursors this thread made (a worker thread calls this before it ends).

    Examples
    --------
    >>> from segment_lab.engine import release_cursors
    >>> release_cursors()  # the main thread has none: nothing happens
    """
    ident = threading.get_ident()
    with _STATE_LOCK:
        mine = [key for key in _CURSORS if key[0] == ident]
        cursors = [_CURSORS.pop(key) for key in mine]
        _CANCELLED.discard(ident)
    for own in cursors:
        with contextlib.suppress(Exception):
            own.cursor.close()


def _register_in_memory(own: _Cursor, expr: ir.Expr | None) -> bool:
    """Register ``expr``'s in-memory tables on the cursor; False if it needs the shared path.

    (User-defined functions are registered by Ibis on the shared connection only.)
    """
    if expr is None:
        return True
    import ibis.expr.operations as ops

    node = expr.op()
    if node.find(ops.ScalarUDF):
        return False
    for table in node.find(ops.InMemoryTable):
        if table.name not in own.registered:
            own.cursor.register(table.name, table.data.to_pyarrow(table.schema))
            own.registered.add(table.name)
    return True


@contextlib.contextmanager
def _pandas_conversion() -> Iterator[None]:
    """Silence the pandas 3 deprecation that ibis 12 raises on each pandas conversion."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_INFER_STRING)
        yield


def _failed(exc: Exception) -> EvaluationError:
    return EvaluationError(
        f"The backend failed to evaluate the segment: {type(exc).__name__}: {exc}"
    )


# -- running ------------------------------------------------------------------------------
def execute(expr: ir.Expr) -> Any:
    """Run an Ibis expression (a pandas frame, series or scalar comes back).

    Raises
    ------
    EvaluationError
        When the backend fails.
    """
    backend = duckdb_backend(expr)
    shared = _on_shared(backend.con) if backend is not None else _QUERY_LOCK
    try:
        with shared, _pandas_conversion():
            return expr.execute()
    except SegmentLabError:
        raise
    except Exception as exc:
        raise _failed(exc) from exc


def execute_scalar(expr: ir.Scalar) -> Any:
    """Run a scalar Ibis expression.

    On DuckDB the SQL goes straight through its connection, which saves Ibis' result
    conversion (milliseconds that matter for a 50 ms count).
    """
    backend = duckdb_backend(expr)
    if backend is None:
        return execute(expr)
    return _run_direct(backend, expr, lambda cursor: cursor.fetchone()[0])


def execute_rows(expr: ir.Table) -> list[tuple]:
    """Run a small Ibis table and return its rows as tuples.

    On DuckDB they come straight from its connection (a history's few hundred grid
    counts need no Arrow and pandas round trip).
    """
    backend = duckdb_backend(expr)
    if backend is None:
        return list(execute(expr).itertuples(index=False, name=None))
    return _run_direct(backend, expr, lambda cursor: cursor.fetchall())


def _run_direct(backend: Any, expr: ir.Expr, fetch: Callable[[Any], Any]) -> Any:
    try:
        return _on_cursor(backend, expr, lambda: backend.compile(expr), fetch)
    except _SharedPath:
        pass
    try:
        with _on_shared(backend.con):
            backend._run_pre_execute_hooks(expr)  # registers in-memory tables (ibis.memtable)
            return fetch(backend.con.execute(backend.compile(expr)))
    except SegmentLabError:
        raise
    except Exception as exc:
        raise _failed(exc) from exc


class _SharedPath(Exception):
    """The query cannot run on this thread's cursor: run it on the shared connection."""


def _on_cursor(
    backend: Any, expr: ir.Expr | None, sql: Callable[[], str], fetch: Callable[[Any], Any]
) -> Any:
    """Run ``sql()`` on this thread's own cursor; raise _SharedPath where that cannot be.

    A table the cursor does not know (a temporary one made after the cursor, or an
    in-memory table registered by an older query) sends the query to the shared path.
    """
    import duckdb

    try:
        own = _own_cursor(backend)
        if own is None:
            raise _SharedPath
        if not _register_in_memory(own, expr):
            raise _SharedPath
        text = sql()
        with _STATE_LOCK:
            _check_cancelled()
        return fetch(own.cursor.execute(text))
    except duckdb.CatalogException:
        raise _SharedPath from None
    except (_SharedPath, SegmentLabError):
        raise
    except Exception as exc:
        raise _failed(exc) from exc


def interrupt(expr: ir.Expr, thread: threading.Thread | None = None) -> bool:
    """Interrupt the query running on the DuckDB connection of ``expr``'s backend.

    A query that is interrupted fails with an :class:`~segment_lab.errors.EvaluationError`
    in the thread that ran it; with no query running nothing happens (the next query runs
    as usual).  Other backends have no interrupt: their query runs to its end.

    Parameters
    ----------
    expr : ibis.expr.types.Expr
        Any expression on the backend (e.g. the contacts table).
    thread : threading.Thread, optional
        Interrupt only the query that this thread runs (on its own cursor, or on the
        backend's connection if it holds it now), never another thread's; the thread's
        later queries fail as they start, until it calls :func:`resume`.  Default: the
        query on the backend's connection, whoever runs it.

    Returns
    -------
    bool
        Whether an interrupt was sent (False: not DuckDB).

    Examples
    --------
    >>> import segment_lab as sl
    >>> from segment_lab.engine import interrupt
    >>> interrupt(sl.Workspace.demo().tables.contacts)
    True
    """
    backend = duckdb_backend(expr)
    if backend is None:
        return False
    if thread is None:
        backend.con.interrupt()
        return True
    con = backend.con
    with _STATE_LOCK:  # the thread cannot leave the shared connection meanwhile
        _CANCELLED.add(thread.ident)  # type: ignore[arg-type]
        own = _CURSORS.get((thread.ident, id(con)))
        if own is not None and own.con is con:
            own.cursor.interrupt()
        if _SHARED_BY.get(id(con)) == thread.ident:
            con.interrupt()
    return True


# -- SQL text on DuckDB (count plans) ------------------------------------------------------
def duckdb_backend(expr: ir.Expr) -> Any | None:
    """Return the DuckDB backend ``expr`` runs on, or None.

    The backend is for sending SQL straight to its connection.
    """
    try:
        backend = expr._find_backend(use_default=True)
    except Exception:  # no backend to talk to directly: let Ibis decide
        return None
    return backend if getattr(backend, "name", None) == "duckdb" else None


def supports_bit_or(expr: ir.Expr) -> bool:
    """Whether the backend ``expr`` runs on compiles Ibis's ``BIT_OR`` aggregate (not PySpark's)."""
    try:
        backend = expr._find_backend(use_default=True)
    except Exception:
        return True
    return getattr(backend, "name", None) != "pyspark"


def compile_sql(backend: Any, expr: ir.Expr) -> str:
    """Return the SQL ``backend`` runs for ``expr``, its in-memory tables registered first.

    Raises
    ------
    EvaluationError
        When the expression does not compile.
    """
    try:
        with _QUERY_LOCK:
            backend._run_pre_execute_hooks(expr)  # registers in-memory tables (ibis.memtable)
        return backend.compiler.to_sqlglot(expr).sql(dialect=backend.dialect, copy=False)
    except Exception as exc:
        raise EvaluationError(f"Could not compile the segment to SQL: {exc}") from exc


def literal_sql(backend: Any, value: ir.Scalar) -> str:
    """How ``backend`` writes the literal ``value`` in its SQL."""
    select = backend.compiler.to_sqlglot(value.name("v"))
    return select.expressions[0].this.sql(dialect=backend.dialect)


def run_scalar_sql(backend: Any, sql: str, expr: ir.Expr | None = None) -> Any:
    """Return the first value of the first row of ``sql`` run on ``backend``'s connection.

    Off the main thread it runs on the thread's own cursor, with the in-memory tables of
    ``expr`` (the expression ``sql`` was compiled from) registered there.
    """
    try:
        return _on_cursor(backend, expr, lambda: sql, lambda cursor: cursor.fetchone()[0])
    except _SharedPath:
        pass
    try:
        with _on_shared(backend.con):
            return backend.con.execute(sql).fetchone()[0]
    except SegmentLabError:
        raise
    except Exception as exc:
        raise _failed(exc) from exc


def configure_duckdb(
    expr: ir.Expr, memory_limit: str | None = None, temp_directory: str | None = None
) -> dict[str, str]:
    """Set DuckDB's ``memory_limit`` and ``temp_directory`` on ``expr``'s connection.

    Returns the two settings as DuckDB then reports them (None arguments are left as
    they are).  A query needing more memory than the limit spills to the temporary
    directory (sorts, joins, aggregates) instead of growing the process.

    Raises
    ------
    InvalidValueError
        When the backend is not DuckDB, or DuckDB refuses a value (the message says
        which and why).
    """
    from segment_lab.errors import InvalidValueError

    backend = duckdb_backend(expr)
    if backend is None:
        raise InvalidValueError(
            "memory_limit and temp_directory are DuckDB settings; this workspace's tables "
            "are on another backend (configure its memory there)."
        )
    for name, value in (("memory_limit", memory_limit), ("temp_directory", temp_directory)):
        if value is None:
            continue
        text = os.fspath(value) if name == "temp_directory" else str(value)
        try:
            with _QUERY_LOCK:
                quoted = text.replace("'", "''")  # SET takes no parameters: a quoted literal
                backend.con.execute(f"SET {name} = '{quoted}'")
        except Exception as exc:
            hint = " (e.g. '4GB', '512MB', '75%')" if name == "memory_limit" else ""
            raise InvalidValueError(
                f"DuckDB refused {name}={value!r}{hint}: {type(exc).__name__}: {exc}"
            ) from exc
    with _QUERY_LOCK:
        rows = backend.con.execute(
            "SELECT name, value FROM duckdb_settings() "
            "WHERE name IN ('memory_limit', 'temp_directory')"
        ).fetchall()
    return dict(rows)


def run_rows_sql(
    backend: Any, sql: str, tables: dict[str, Any] | None = None, expr: ir.Expr | None = None
) -> list[tuple]:
    """Return the rows of ``sql`` on ``backend``'s connection, ``tables`` (name: Arrow table) bound first.

    The tables replace the in-memory tables of those names (a compiled plan's grid).
    Off the main thread it runs on the thread's own cursor, with the in-memory tables of
    ``expr`` (the expression ``sql`` was compiled from) registered there: two threads
    bind their own tables under the same name without seeing each other's.
    """
    import duckdb

    tables = tables or {}
    try:
        own = _own_cursor(backend)
        if own is not None and _register_in_memory(own, expr):
            with _STATE_LOCK:
                _check_cancelled()
            return _bound_rows(own.cursor, sql, tables)
    except duckdb.CatalogException:
        pass  # a table the cursor does not know: the shared path
    except SegmentLabError:
        raise
    except Exception as exc:
        raise _failed(exc) from exc
    try:
        with _on_shared(backend.con):
            return _bound_rows(backend.con, sql, tables)
    except SegmentLabError:
        raise
    except Exception as exc:
        raise _failed(exc) from exc


def _bound_rows(con: Any, sql: str, tables: dict[str, Any]) -> list[tuple]:
    for name, table in tables.items():
        con.register(name, table)
    return con.execute(sql).fetchall()


def to_sql(expr: ir.Expr, dialect: str | None = None) -> str:
    """Return the SQL of ``expr`` in ``dialect`` (an Ibis backend name or a common alias).

    Raises
    ------
    EvaluationError
        When the expression cannot be rendered in that dialect.
    """
    dialect = DIALECT_ALIASES.get(dialect, dialect)  # type: ignore[arg-type]
    try:
        return str(ibis.to_sql(expr, dialect=dialect))
    except Exception as exc:
        raise EvaluationError(f"Could not render SQL for dialect {dialect!r}: {exc}") from exc


# -- opening data -------------------------------------------------------------------------
def duckdb_tables(
    path: str | os.PathLike, bindings: Bindings, read_only: bool = True
) -> tuple[ir.Table, ir.Table | None, ir.Table | None]:
    """Return the contacts, events and contact_history tables of a DuckDB file (None: absent).

    Raises
    ------
    BindingError
        When the file is missing, not a DuckDB database (the message says how to open
        what it is), unreadable or has no contacts table.
    DatabaseLockedError
        When another process holds the file open for writing.

    Warns
    -----
    MissingTableWarning
        When the database has no events table (event conditions cannot be evaluated).
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise BindingError(
            f"No DuckDB database at {path!r}: the file does not exist.{_nearby(path)}"
        )
    _check_duckdb_file(path)
    return backend_tables(_connect_duckdb(path, read_only), bindings, path)


def backend_tables(
    con: Any, bindings: Bindings, where: str | None = None
) -> tuple[ir.Table, ir.Table | None, ir.Table | None]:
    """Return the contacts, events and contact_history tables of an Ibis backend (None: absent).

    The tables are found by the names of ``bindings`` (``contacts_table`` ...);
    ``where`` names the database in messages (default: the backend's name).

    Raises
    ------
    BindingError
        When the backend cannot list its tables or has no contacts table (the message
        lists the tables it has).

    Warns
    -----
    MissingTableWarning
        When there is no events table (event conditions cannot be evaluated).
    """
    from ibis.backends import BaseBackend

    if not isinstance(con, BaseBackend):
        raise BindingError(
            f"Workspace.connect takes a DuckDB file path, a database URL "
            f"('postgresql://user@host/db') or an Ibis backend (ibis.pyspark.connect(spark)), "
            f"got {type(con).__name__}: {con!r}."
        )
    where = where or f"{con.name} database"
    try:
        names = set(con.list_tables())
    except Exception as exc:
        raise BindingError(
            f"Could not list the tables of {where!r}: {type(exc).__name__}: {exc}"
        ) from None
    b = bindings
    if b.contacts_table not in names:
        raise BindingError(
            f"The database {where!r} has no table {b.contacts_table!r}. Tables: "
            f"{', '.join(sorted(map(repr, names))) or 'none'}."
            + did_you_mean(b.contacts_table, names)
            + " Name the tables with sl.Bindings(contacts_table=..., events_table=...)."
        )
    if b.events_table not in names:
        _warn_no_events(where, b.events_table, sorted(names - {b.contacts_table, b.history_table}))
    events = con.table(b.events_table) if b.events_table in names else None
    history = con.table(b.history_table) if b.history_table in names else None
    return con.table(b.contacts_table), events, history


def url_tables(url: str, bindings: Bindings) -> tuple[ir.Table, ir.Table | None, ir.Table | None]:
    """Return the tables of the database at ``url`` (``postgresql://user@host:5432/db``).

    Any URL :func:`ibis.connect` takes works (``duckdb://file.duckdb``, ``trino://``,
    ``snowflake://``, ``bigquery://project`` with their drivers installed).

    Raises
    ------
    BindingError
        When the URL names no backend Ibis has, its driver is missing, the database
        refuses the connection, or it has no contacts table.
    """
    shown = _without_password(url)
    try:
        con = ibis.connect(url)
    except Exception as exc:
        hint = (
            f" Install its driver, e.g. pip install 'ibis-framework[{exc.name.split('.')[0]}]'."
            if isinstance(exc, ImportError) and exc.name
            else ""
        )
        raise BindingError(
            f"Could not connect to {shown!r}: {type(exc).__name__}: "
            f"{_without_password(str(exc))}.{hint}"
        ) from None
    return backend_tables(con, bindings, shown)


def _without_password(text: str) -> str:
    """``text`` with the password of any ``scheme://user:password@host`` URL in it masked."""
    import re

    return re.sub(r"(://[^:/@\s]+):[^@\s]*@", r"\1:***@", text)


def _warn_no_events(path: str, table: str, others: list[str]) -> None:
    likely = (difflib.get_close_matches(table, others, n=1, cutoff=0.4) or others[:1] or [""])[0]
    fix = (
        f" If the events are in one of them, connect with "
        f"bindings=sl.Bindings(events_table={likely!r})."
        if others
        else " Rules without event conditions still work; to add events, put them in a "
        f"table {table!r} or build the workspace with sl.Workspace.read or from_pandas."
    )
    warnings.warn(
        f"The database {path!r} has no table {table!r}, so event conditions cannot be "
        f"evaluated. Other tables: {', '.join(map(repr, others)) or 'none'}." + fix,
        MissingTableWarning,
        stacklevel=4,
    )


_SQLITE_MAGIC = b"SQLite format 3\x00"
_FILE_SUFFIXES = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".tsv": "csv",
    ".csv.gz": "csv",
    ".tsv.gz": "csv",
}


def _check_duckdb_file(path: str) -> None:
    """Raise a BindingError saying how to open ``path`` when it is not a DuckDB database."""
    if os.path.isdir(path):
        raise BindingError(
            f"{path!r} is a folder, not a DuckDB database file. For Parquet or CSV files "
            f"use sl.Workspace.read(contacts='contacts.parquet', events='events/*.parquet')."
        )
    with open(path, "rb") as fh:
        head = fh.read(16)
    if head[8:12] == b"DUCK" or not head:
        return
    if head.startswith(_SQLITE_MAGIC):
        raise BindingError(
            f"{path!r} is a SQLite database, not a DuckDB one. Open it with Ibis and bind "
            f"its tables: con = ibis.sqlite.connect({path!r}); ws = sl.Workspace.from_ibis("
            f"con.table('contacts'), con.table('events'))."
        )
    if _file_format(path) or head.startswith(b"PAR1"):
        raise BindingError(
            f"{path!r} is a data file, not a DuckDB database: read it with "
            f"sl.Workspace.read(contacts={path!r}, events=...)."
        )
    raise BindingError(
        f"{path!r} is not a DuckDB database (its first bytes are {head[:8]!r}). "
        f"Workspace.connect opens DuckDB files; Parquet and CSV files open with "
        f"sl.Workspace.read(...), other databases through Ibis and sl.Workspace.from_ibis(...)."
    )


def _file_format(path: str) -> str | None:
    name = path.lower()
    return next((f for suffix, f in _FILE_SUFFIXES.items() if name.endswith(suffix)), None)


def _nearby(path: str) -> str:
    """Say what the folder of ``path`` holds (or the nearest folder above that exists)."""
    folder = os.path.dirname(path)
    while glob.has_magic(folder):
        folder = os.path.dirname(folder)
    folder, missing = folder or ".", ""
    if not os.path.isdir(folder):
        missing, name = folder, folder
        while folder and not os.path.isdir(folder):
            folder, name = os.path.dirname(folder), folder
        folder = folder or "."
        path = name
        missing = f" The folder {missing!r} does not exist either;"
    entries = sorted(e for e in os.listdir(folder) if not e.startswith("."))
    data = [
        e + ("/" if os.path.isdir(os.path.join(folder, e)) else "")
        for e in entries
        if _file_format(e) or os.path.isdir(os.path.join(folder, e))
    ]
    shown = ", ".join(map(repr, data[:12])) + (", ..." if len(data) > 12 else "")
    others = len(entries) - len(data)
    rest = f" (and {others} other file(s))" if others else ""
    hint = did_you_mean(os.path.basename(path), [d.rstrip("/") for d in data])
    where = f"{missing} the folder {folder!r}" if missing else f" The folder {folder!r}"
    if not data:
        return f"{where} holds no Parquet or CSV files and no folders{rest}."
    return f"{where} holds: {shown}{rest}.{hint}"


def file_tables(
    contacts: str | os.PathLike,
    events: str | os.PathLike | None = None,
    contact_history: str | os.PathLike | None = None,
    options: dict[str, Any] | None = None,
) -> tuple[ir.Table, ir.Table | None, ir.Table | None]:
    """Return Parquet or CSV files (by suffix; globs allowed) as tables of one DuckDB connection.

    The files stay where they are: DuckDB reads them at each query.  ``options`` go to
    DuckDB's ``read_csv`` / ``read_parquet`` (e.g. ``delim=";"``).

    Raises
    ------
    BindingError
        When a path matches no file (naming what its folder holds), has a suffix other
        than .parquet, .pq, .csv, .tsv (optionally .gz), or DuckDB cannot read it.
    """
    con = ibis.duckdb.connect()
    paths = {"contacts": contacts, "events": events, "contact_history": contact_history}
    c, e, h = (
        None if p is None else _read_file(con, name, p, options or {}) for name, p in paths.items()
    )
    return c, e, h  # type: ignore[return-value]


def _read_file(con: Any, name: str, path: Any, options: dict[str, Any]) -> ir.Table:
    if not isinstance(path, (str, os.PathLike)):
        raise BindingError(
            f"{name} must be a file path (a str or pathlib.Path, globs allowed), got "
            f"{path!r} ({type(path).__name__})."
        )
    path = os.fspath(path)
    fmt = _file_format(path)
    if fmt is None:
        raise BindingError(
            f"Cannot tell the format of {name}={path!r} from its suffix: Workspace.read "
            f"reads {', '.join(_FILE_SUFFIXES)} files. For a DuckDB database use "
            f"sl.Workspace.connect(path); for a pandas frame sl.Workspace.from_pandas(...)."
        )
    matched = sorted(glob.glob(path, recursive=True))
    if not matched:
        what = "matches no file" if glob.has_magic(path) else "does not exist"
        raise BindingError(f"{name}={path!r} {what}.{_nearby(path)}")
    reader = con.read_parquet if fmt == "parquet" else con.read_csv
    try:
        return reader(matched, table_name=name, **options)
    except Exception as exc:
        raise BindingError(
            f"Could not read {name} from {path!r} ({len(matched)} file(s)) as {fmt}: "
            f"{type(exc).__name__}: {exc}"
        ) from None


def _connect_duckdb(path: str, read_only: bool) -> Any:
    import duckdb

    try:
        return ibis.duckdb.connect(path, read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise DatabaseLockedError(
                f"The DuckDB file {path!r} is locked by another process (a notebook or "
                f"script has it open for writing). Close that connection, or copy the file. "
                f"DuckDB said: {exc}"
            ) from None
        raise BindingError(f"Could not open the DuckDB file {path!r}: {exc}") from None
    except duckdb.Error as exc:
        raise BindingError(f"Could not open the DuckDB file {path!r}: {exc}") from None


def pandas_tables(
    contacts: pd.DataFrame,
    events: pd.DataFrame | None = None,
    contact_history: pd.DataFrame | None = None,
) -> tuple[ir.Table, ir.Table | None, ir.Table | None]:
    """Return the frames as tables of one new in-memory DuckDB connection (None stays None).

    Raises
    ------
    BindingError
        When an argument is not a DataFrame or DuckDB cannot store a frame.
    """
    con = ibis.duckdb.connect()
    frames = {"contacts": contacts, "events": events, "contact_history": contact_history}
    c, e, h = (None if df is None else _table_from_pandas(con, n, df) for n, df in frames.items())
    return c, e, h  # type: ignore[return-value]


def _table_from_pandas(con: Any, name: str, df: Any) -> ir.Table:
    """Return a DuckDB table from a DataFrame.

    What DuckDB cannot store becomes a BindingError.
    """
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise BindingError(f"{name} must be a pandas DataFrame, got {type(df).__name__}.")
    df = _type_empty_lists(df)
    try:
        with _pandas_conversion():
            return con.create_table(name, df)
    except Exception as exc:
        empty = [c for c in df.columns if df[c].isna().all()]
        hint = (
            f" Columns with no values at all ({', '.join(map(repr, empty))}) have no type: "
            f"drop them or give them a dtype, e.g. df[{empty[0]!r}] = df[{empty[0]!r}].astype('string')."
            if empty
            else ""
        )
        raise BindingError(f"The {name} frame cannot be loaded: {exc}.{hint}") from None


def _type_empty_lists(df: pd.DataFrame) -> pd.DataFrame:
    """Give list columns holding only empty lists (or NULL) the type list<string>.

    DuckDB cannot infer an element type from ``[]`` alone and fails with a SQL parser
    error (``NULL[]``); a list of strings is what tags and the like hold.
    """
    empty = [c for c in df.columns if df[c].dtype == object and _only_empty_lists(df[c])]
    if not empty:
        return df
    import pandas as pd
    import pyarrow as pa

    out = df.copy()
    for c in empty:
        out[c] = out[c].astype(pd.ArrowDtype(pa.list_(pa.string())))
    return out


def _only_empty_lists(column: pd.Series) -> bool:
    values = column.dropna()
    return bool(len(values)) and all(
        hasattr(v, "__len__") and not isinstance(v, (str, bytes, dict)) and len(v) == 0
        for v in values
    )
