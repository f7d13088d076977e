"""Backends: opening them, rendering SQL and running queries (and nothing else does).

This is the one module that touches backend internals.  The rest of the engine builds Ibis expressions and hands them here to run.  On DuckDB,
small results (a count, a history's grid counts) go straight through the backend's
connection, which skips Ibis' Arrow and pandas conversion; everywhere else Ibis
executes.  Backend failures become :class:`~segment_lab.errors.EvaluationError`.

ibis 12 reads a pandas option that pandas 3 deprecates whenever it converts between
pandas and Ibis; that harmless warning is silenced here, around those conversions only.
"""

from __future__ import annotations

import contextlib
import os
import threading
import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import ibis

from segment_lab.errors import (
    BindingError,
    DatabaseLockedError,
    EvaluationError,
    SegmentLabError,
    did_you_mean,
)

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from segment_lab.engine._bindings import Bindings

__all__ = [
    "DIALECT_ALIASES",
    "compile_sql",
    "duckdb_backend",
    "duckdb_tables",
    "execute",
    "execute_rows",
    "execute_scalar",
    "interrupt",
    "literal_sql",
    "pandas_tables",
    "run_scalar_sql",
    "to_sql",
]

#: Common names of SQL dialects -> Ibis backend names.
DIALECT_ALIASES = {"spark": "pyspark", "postgresql": "postgres", "sparksql": "pyspark"}

_INFER_STRING = "The 'future.infer_string' option is deprecated"

#: Queries run one at a time: a DuckDB connection used by two threads at once (a
#: builder's counting thread and the notebook) mixes up their results.  A query waiting
#: here is not interrupted; :func:`interrupt` stops the one running.
_QUERY_LOCK = threading.RLock()


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
    try:
        with _QUERY_LOCK, _pandas_conversion():
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
        with _QUERY_LOCK:
            backend._run_pre_execute_hooks(expr)  # registers in-memory tables (ibis.memtable)
            return fetch(backend.con.execute(backend.compile(expr)))
    except Exception as exc:
        raise _failed(exc) from exc


def interrupt(expr: ir.Expr) -> bool:
    """Interrupt the query running on the DuckDB connection of ``expr``'s backend.

    A query that is interrupted fails with an :class:`~segment_lab.errors.EvaluationError`
    in the thread that ran it; with no query running nothing happens (the next query runs
    as usual).  Other backends have no interrupt: their query runs to its end.

    Parameters
    ----------
    expr : ibis.expr.types.Expr
        Any expression on the backend (e.g. the contacts table).

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
    backend.con.interrupt()
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


def run_scalar_sql(backend: Any, sql: str) -> Any:
    """Return the first value of the first row of ``sql`` run on ``backend``'s connection."""
    try:
        with _QUERY_LOCK:
            return backend.con.execute(sql).fetchone()[0]
    except Exception as exc:
        raise _failed(exc) from exc


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
        When the file is missing, unreadable or has no contacts table.
    DatabaseLockedError
        When another process holds the file open for writing.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise BindingError(f"No DuckDB database at {path!r}: the file does not exist.")
    con = _connect_duckdb(path, read_only)
    names = set(con.list_tables())
    b = bindings
    if b.contacts_table not in names:
        raise BindingError(
            f"The database {path!r} has no table {b.contacts_table!r}. Tables: "
            f"{', '.join(sorted(map(repr, names))) or 'none'}."
            + did_you_mean(b.contacts_table, names)
        )
    events = con.table(b.events_table) if b.events_table in names else None
    history = con.table(b.history_table) if b.history_table in names else None
    return con.table(b.contacts_table), events, history


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
