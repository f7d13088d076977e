"""Workspace: bound Ibis tables + a catalog; the user's entry point."""

from __future__ import annotations

import datetime as dt
import os
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import ibis

from segment_lab.engine import Bindings, Tables, as_rule, check_tables, compile_members, inline
from segment_lab.engine._asof import plan_asof, universe, used_fields
from segment_lab.engine._history import grid_counts, history_frame
from segment_lab.engine._intervals import LO, IntervalContext, membership
from segment_lab.engine._plans import CountPlans, duckdb_backend
from segment_lab.errors import (
    BindingError,
    CurrentValueWarning,
    DatabaseLockedError,
    DataError,
    EvaluationError,
    InvalidValueError,
    SegmentLabError,
)
from segment_lab.model._instants import resolve_every, resolve_instant
from segment_lab.model._nodes import And, Rule
from segment_lab.model._segment import Catalog, Segment

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

__all__ = ["Workspace"]

# ibis 12 sets a pandas option that pandas 3 deprecates on every to_pandas(): harmless noise.
warnings.filterwarnings(
    "ignore", message="The 'future.infer_string' option is deprecated", module=r"ibis\."
)

SegmentLike = Segment | Rule


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


class Workspace:
    """Contacts, events and (optionally) SCD2 history, bound for segment evaluation.

    Build one with :meth:`from_ibis`, :meth:`from_pandas`, :meth:`connect` or
    :meth:`demo`; workspaces are immutable (``with_*`` methods return new ones).

    Examples
    --------
    >>> import segment_lab as sl
    >>> from segment_lab import field, event
    >>> ws = sl.Workspace.demo()
    >>> ws.count(field("city") == "Tokyo", as_of="2025-06-30") > 0
    True
    >>> ws.count(event("email_open").count(within="30d") >= 3) <= ws.count(event("email_open").exists(within="30d"))
    True
    """

    def __init__(
        self,
        tables: Tables,
        catalog: Catalog | None = None,
        now: dt.datetime | None = None,
    ) -> None:
        self._tables = tables
        self._catalog = catalog
        self._now = now
        self._plans = CountPlans(tables)

    # -- construction ------------------------------------------------------------
    @classmethod
    def from_ibis(
        cls,
        contacts: ir.Table,
        events: ir.Table | None = None,
        contact_history: ir.Table | None = None,
        bindings: Bindings | None = None,
        catalog: Catalog | Iterable[Segment] | None = None,
        *,
        now: Any = None,
        validate: bool = True,
    ) -> Workspace:
        """Bind Ibis tables (any backend).

        Parameters
        ----------
        contacts, events, contact_history
            Ibis tables; docs/semantics.md#the-tables lists the columns each needs.
        bindings
            Column names, if they differ from the defaults.
        catalog
            Segments that ``in_segment`` references resolve in.
        now
            The instant "now" stands for (default: the wall clock, UTC).
        validate
            Check the data (non-empty contacts, unique ids, sane history) up front.
        """
        bindings = bindings or Bindings()
        if not isinstance(bindings, Bindings):
            raise BindingError(f"bindings must be sl.Bindings(...), got {bindings!r}.")
        tables = check_tables(contacts, events, contact_history, bindings)
        ws = cls(
            tables,
            _as_catalog(catalog),
            None if now is None else resolve_instant(now, _utcnow(), "now"),
        )
        if validate:
            ws._check_data()
        return ws

    @classmethod
    def from_pandas(
        cls,
        contacts: pd.DataFrame,
        events: pd.DataFrame | None = None,
        contact_history: pd.DataFrame | None = None,
        **kwargs: Any,
    ) -> Workspace:
        """Bind pandas frames through an in-memory DuckDB connection."""
        con = ibis.duckdb.connect()
        tabs = {}
        for name, df in (
            ("contacts", contacts),
            ("events", events),
            ("contact_history", contact_history),
        ):
            tabs[name] = None if df is None else _table_from_pandas(con, name, df)
        return cls.from_ibis(tabs["contacts"], tabs["events"], tabs["contact_history"], **kwargs)

    @classmethod
    def connect(
        cls,
        path: str | os.PathLike,
        *,
        bindings: Bindings | None = None,
        catalog: Catalog | Iterable[Segment] | None = None,
        read_only: bool = True,
        now: Any = None,
        validate: bool = True,
    ) -> Workspace:
        """Open a DuckDB file holding contacts, events and optionally contact_history tables."""
        bindings = bindings or Bindings()
        path = os.fspath(path)
        if not os.path.exists(path):
            raise BindingError(f"No DuckDB database at {path!r}: the file does not exist.")
        con = _connect_duckdb(path, read_only)
        names = set(con.list_tables())
        b = bindings
        if b.contacts_table not in names:
            from segment_lab.errors import did_you_mean

            raise BindingError(
                f"The database {path!r} has no table {b.contacts_table!r}. Tables: "
                f"{', '.join(sorted(map(repr, names))) or 'none'}."
                + did_you_mean(b.contacts_table, names)
            )
        events = con.table(b.events_table) if b.events_table in names else None
        history = con.table(b.history_table) if b.history_table in names else None
        return cls.from_ibis(
            con.table(b.contacts_table),
            events,
            history,
            bindings,
            catalog,
            now=now,
            validate=validate,
        )

    @classmethod
    def demo(cls, scale: str = "sample", *, rebuild: bool = False) -> Workspace:
        """The generated sample data (built on first use) with the demo catalog.

        "now" is the last instant of the sample data (see ``datasets/README.md``).
        """
        from segment_lab import sample

        path = _ensure_sample(scale, rebuild)
        # the generator never changes the attributes it keeps no history of
        static = Bindings(static=sample.STATIC_ATTRIBUTES)
        return cls.connect(path, bindings=static, catalog=sample.demo_catalog(), now=sample.END)

    @classmethod
    def from_cdnow(cls, path: str | os.PathLike | None = None) -> Workspace:
        """The real CDNOW purchase log (1997-01 to 1998-06, 23,570 customers).

        Needs the ``lifetimes`` package, which ships the data file
        (``pip install 'segment_lab[cdnow]'``). "now" is the last day of the data and the
        catalog holds :func:`segment_lab.interop.cdnow.example_segments`.

        Examples
        --------
        >>> ws = Workspace.from_cdnow()  # doctest: +SKIP
        >>> ws.count(ws.catalog["repeat-buyers"], as_of="1997-06-30")  # doctest: +SKIP
        """
        from segment_lab.interop import cdnow

        frames = cdnow.load_cdnow_frames(path)
        last = frames["events"]["ts"].max()
        return cls.from_pandas(
            frames["contacts"],
            frames["events"],
            catalog=cdnow.example_segments(),
            now=last.to_pydatetime().replace(hour=23, minute=59, second=59),
            bindings=Bindings(static=tuple(c for c in frames["contacts"].columns)),
        )

    # -- values, not mutation ---------------------------------------------------------
    def with_catalog(self, catalog: Catalog | Iterable[Segment] | None) -> Workspace:
        """A workspace whose ``in_segment`` references resolve in ``catalog``."""
        return Workspace(self._tables, _as_catalog(catalog), self._now)

    def with_now(self, now: Any) -> Workspace:
        """A workspace whose "now" (default as_of) is ``now``."""
        return Workspace(self._tables, self._catalog, resolve_instant(now, _utcnow(), "now"))

    @property
    def catalog(self) -> Catalog | None:
        return self._catalog

    @property
    def bindings(self) -> Bindings:
        return self._tables.bindings

    @property
    def tables(self) -> Tables:
        return self._tables

    @property
    def now(self) -> dt.datetime:
        """The instant relative times and a missing ``as_of`` refer to."""
        return self._now or _utcnow()

    def instant(self, value: Any, what: str = "as_of") -> dt.datetime:
        """Resolve a datetime, ISO string or relative form (``"-7d"``) against :attr:`now`."""
        return resolve_instant(value, self.now, what)

    # -- evaluation -----------------------------------------------------------------
    def _resolve(self, obj: SegmentLike) -> Rule:
        rule, name = as_rule(obj)
        return inline(rule, self._catalog, (name,) if name else ())

    def _warn_current(self, rule: Rule, earliest: dt.datetime) -> None:
        """Warn when attributes without history are read for an instant before now."""
        if earliest >= self.now:
            return
        b, tabs = self.bindings, self._tables
        skip = {b.contact_id, b.created_at, *b.static, *tabs.history_attrs}
        stale = [f for f in used_fields(rule) if f not in skip]
        if stale:
            names = ", ".join(map(repr, stale))
            what = f"Attribute {names} has" if len(stale) == 1 else f"Attributes {names} have"
            when = (
                "past instants" if earliest <= LO else f"{earliest:%Y-%m-%d %H:%M}, a past instant"
            )
            warnings.warn(
                f"{what} no history bound, so current values were used for "
                f"{when}. Bind a contact_history table "
                f"(SCD2) or declare unchanging attributes with sl.Bindings(static=(...)).",
                CurrentValueWarning,
                stacklevel=_caller_stacklevel(),
            )

    def members(self, segment: SegmentLike, as_of: Any = None) -> ir.Table:
        """Members at ``as_of`` as an Ibis table with one column, ``contact_id``."""
        rule = self._resolve(segment)
        t = self.instant(as_of)
        self._warn_current(rule, t)
        return compile_members(rule, self._tables, t)

    def count(self, segment: SegmentLike, as_of: Any = None) -> int:
        """Number of members at ``as_of``.

        On DuckDB a rule's count query is compiled once per workspace and then run at
        each instant asked for (only the SQL text is kept, never a result), so counting
        one segment at many instants costs the queries and little else.

        Examples
        --------
        >>> import segment_lab as sl
        >>> ws = sl.Workspace.demo()
        >>> seg = sl.event("email_open").count(within="30d") >= 3
        >>> [ws.count(seg, as_of=t) == ws.members(seg, as_of=t).count().execute()
        ...  for t in ("2025-03-01", "2025-06-30")]
        [True, True]
        """
        rule = self._resolve(segment)
        t = self.instant(as_of)
        self._warn_current(rule, t)
        plan = self._plans.get(rule)
        if plan is not None:
            return plan.run(t)
        return int(_execute_scalar(compile_members(rule, self._tables, t).count()))

    def sql(self, segment: SegmentLike, as_of: Any = None, dialect: str | None = None) -> str:
        """The SQL of the members query at ``as_of`` (in ``dialect``, default the backend's)."""
        expr = self.members(segment, as_of)
        dialect = _DIALECT_ALIASES.get(dialect, dialect)  # type: ignore[arg-type]
        try:
            return str(ibis.to_sql(expr, dialect=dialect))
        except Exception as exc:
            raise EvaluationError(f"Could not render SQL for dialect {dialect!r}: {exc}") from exc

    def sizes(
        self, segments: Iterable[SegmentLike] | Catalog | None = None, as_of: Any = None
    ) -> pd.DataFrame:
        """Sizes of several segments at ``as_of`` in one query.

        Returns a frame with columns ``segment``, ``size``, ``description``.
        """
        import pandas as pd

        items = list(self._catalog if segments is None else segments)  # type: ignore[arg-type]
        if not items:
            raise InvalidValueError("sizes() needs at least one segment (or a workspace catalog).")
        names = [as_rule(s)[1] or f"rule_{i}" for i, s in enumerate(items)]
        rules = [self._resolve(s) for s in items]
        t = self.instant(as_of)
        self._warn_current(And(tuple(rules)), t)
        plan = plan_asof(And(tuple(rules)), self._tables, t, prune=False)
        frame = plan.frame.filter(universe(plan.frame, self._tables, t))
        aggs = {
            f"s{i}": plan.predicate(r, safe=True).cast("int64").sum() for i, r in enumerate(rules)
        }
        row = _execute(frame.aggregate(**aggs)).iloc[0]
        return pd.DataFrame(
            {
                "segment": names,
                "size": [int(row[f"s{i}"] or 0) for i in range(len(rules))],
                "description": [
                    s.description or s.describe() if isinstance(s, Segment) else s.describe()
                    for s in items
                ],
            }
        )

    # -- history -----------------------------------------------------------------------
    def _grid(self, start: Any, end: Any, every: Any) -> tuple[dt.datetime, dt.timedelta, int]:
        step = resolve_every(every)
        t0 = self.instant(start, "start")
        t1 = self.instant(end, "end")
        if t1 < t0:
            raise InvalidValueError(f"end ({t1}) is before start ({t0}).")
        npoints = (t1 - t0) // step + 2  # the grid plus the point before start
        if npoints > 1_000_000:
            raise InvalidValueError(
                f"{npoints - 1:,} grid points from {t0} to {t1} every {every!r}: choose a coarser 'every'."
            )
        return t0 - step, step, npoints

    def _history_one(
        self, segment: SegmentLike, g0: dt.datetime, step: dt.timedelta, npoints: int
    ) -> pd.DataFrame:
        rule = self._resolve(segment)
        self._warn_current(rule, g0 + step)
        last = g0 + (npoints - 1) * step
        ctx = IntervalContext(self._tables, end=last, horizon=g0, grid=(g0, step, npoints))
        counts = grid_counts(membership(rule, ctx))
        return history_frame(_execute_rows(counts), g0, step, npoints)

    def history(
        self,
        segment: SegmentLike | Iterable[SegmentLike] | Catalog,
        start: Any,
        end: Any = None,
        every: Any = "1d",
        *,
        progress: bool | None = None,
    ) -> pd.DataFrame:
        """Size, entries and exits of a segment on the grid ``start + k*every <= end``.

        One row per grid instant t_k: ``period`` (t_k), ``size`` (members at t_k),
        ``entered`` and ``exited`` (members at t_k but not at t_(k-1), and the reverse;
        t_(-1) = start - every).  Membership at every t_k is exactly that of an as-of
        evaluation, but the segment is evaluated once, as membership intervals, not
        once per period.  Several segments (a list or a catalog) give a long frame with
        a ``segment`` column first.

        Examples
        --------
        >>> import segment_lab as sl
        >>> ws = sl.Workspace.demo()
        >>> h = ws.history(sl.field("city") == "Tokyo", start="2025-06-01", end="2025-06-30", every="1w")
        >>> list(h.columns)
        ['period', 'size', 'entered', 'exited']
        >>> bool(((h["size"].shift() + h["entered"] - h["exited"]).iloc[1:] == h["size"].iloc[1:]).all())
        True
        """
        import pandas as pd

        g0, step, npoints = self._grid(start, end, every)
        if isinstance(segment, (Segment, Rule)):
            return self._history_one(segment, g0, step, npoints)
        items = list(segment)
        if not items:
            raise InvalidValueError("history() got an empty list of segments.")
        frames = []
        for i, item in enumerate(_progress(items, progress, "history")):
            name = as_rule(item)[1] or f"rule_{i}"
            frames.append(self._history_one(item, g0, step, npoints).assign(segment=name))
        out = pd.concat(frames, ignore_index=True)
        return out[["segment", "period", "size", "entered", "exited"]]

    def intervals(self, segment: SegmentLike, start: Any = None, end: Any = None) -> pd.DataFrame:
        """Exact membership intervals ``(contact_id, entered_at, exited_at)``.

        A contact is a member at t (``start <= t <= end``) exactly when one of its
        intervals has ``entered_at <= t < exited_at``.  ``exited_at`` is NaT while still
        a member at ``end`` (default: now); ``entered_at`` is NaT for a member "since
        always" (no ``created_at`` bound).  Intervals that end before ``start`` are left out.
        """
        rule = self._resolve(segment)
        t1 = self.instant(end, "end")
        t0 = None if start is None else self.instant(start, "start")
        self._warn_current(rule, LO if t0 is None else t0)
        ctx = IntervalContext(self._tables, end=t1)
        iv = membership(rule, ctx)
        if t0 is not None:
            iv = iv.filter(iv.hi > t0)
        iv = iv.filter(iv.lo <= t1)
        out = _execute(iv.select(contact_id=iv.cid, entered_at=iv.lo, exited_at=iv.hi))
        out.loc[out["entered_at"] <= LO, "entered_at"] = None
        out.loc[out["exited_at"] > t1, "exited_at"] = None
        out = out.rename(columns={"contact_id": self.bindings.contact_id})
        return out.sort_values(
            [self.bindings.contact_id, "entered_at"], na_position="first", ignore_index=True
        )

    def changes(
        self,
        segment: SegmentLike,
        start: Any,
        end: Any = None,
        *,
        columns: Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """Contacts whose membership differs between ``start`` and ``end`` ("movers").

        One row per mover with ``direction`` ("entered": member at ``end`` but not at
        ``start``; "exited": the reverse) and the contact's attributes (``columns``,
        default all contacts columns).
        """
        cid = self.bindings.contact_id
        before = self.members(segment, start).mutate(was=ibis.literal(1))
        after = self.members(segment, end).mutate(now_=ibis.literal(1))
        both = before.outer_join(after, cid)
        movers = both.filter(both.was.isnull() | both.now_.isnull()).select(
            **{cid: ibis.coalesce(both[cid], both[f"{cid}_right"])},
            direction=ibis.ifelse(both.was.isnull(), "entered", "exited"),
        )
        c = self._tables.contacts
        cols = [cid, *[x for x in (columns or c.columns) if x != cid]]
        joined = movers.join(c.select(*cols), cid)
        return _execute(joined.select(cid, "direction", *cols[1:]).order_by(["direction", cid]))

    # -- data checks --------------------------------------------------------------------
    def _check_data(self) -> None:
        b, c = self.bindings, self._tables.contacts
        stats = _execute(
            c.aggregate(
                n=c.count(), ids=c[b.contact_id].nunique(), nulls=c[b.contact_id].isnull().sum()
            )
        ).iloc[0]
        if int(stats["n"]) == 0:
            raise DataError("The contacts table is empty: there is nobody to segment.")
        if int(stats["nulls"] or 0):
            raise DataError(
                f"The contacts table has {int(stats['nulls'])} rows with a NULL {b.contact_id!r}."
            )
        if int(stats["ids"]) != int(stats["n"]):
            dup = _execute(
                c.group_by(b.contact_id).aggregate(k=c.count()).filter(lambda x: x.k > 1).limit(3)
            )
            extra = int(stats["n"]) - int(stats["ids"])
            raise DataError(
                f"{b.contact_id!r} is not unique in the contacts table: {extra} extra "
                f"row{'s' if extra != 1 else ''} repeat an id, e.g. {b.contact_id} "
                f"{', '.join(map(repr, dup[b.contact_id].tolist()))}."
            )
        h = self._tables.history
        if h is not None:
            bad = _execute(
                h.filter(
                    h[b.valid_from].isnull()
                    | (h[b.valid_to].notnull() & (h[b.valid_to] <= h[b.valid_from]))
                ).count()
            )
            if int(bad):
                raise DataError(
                    f"{int(bad)} contact_history rows have a NULL {b.valid_from!r} or a "
                    f"{b.valid_to!r} not after it; each row must cover [valid_from, valid_to)."
                )

    def __repr__(self) -> str:
        t = self._tables
        parts = [
            "contacts",
            *(["events"] if t.events is not None else []),
            *(["contact_history"] if t.history is not None else []),
        ]
        cat = f", catalog of {len(self._catalog)} segments" if self._catalog else ""
        return f"Workspace({', '.join(parts)}{cat}, now={self.now.isoformat()})"


#: Common names of SQL dialects -> ibis backend names.
_DIALECT_ALIASES = {"spark": "pyspark", "postgresql": "postgres", "sparksql": "pyspark"}


def _caller_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first frame outside segment_lab."""
    import sys

    package = os.path.dirname(os.path.abspath(__file__))
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    return level


def _as_catalog(catalog: Catalog | Iterable[Segment] | None) -> Catalog | None:
    if catalog is None or isinstance(catalog, Catalog):
        return catalog
    return Catalog(tuple(catalog))


def _ensure_sample(scale: str, rebuild: bool) -> str:
    """Path of the generated sample database, building it once (safe across processes)."""
    import fcntl

    from segment_lab import sample

    path = os.fspath(sample.default_path(scale))
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if rebuild or not sample.is_current(path, scale):
            sample.build_database(path, scale=scale, progress=scale != "sample")
    return path


def _table_from_pandas(con: Any, name: str, df: Any) -> ir.Table:
    """A DuckDB table from a DataFrame; what DuckDB cannot store becomes a BindingError."""
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise BindingError(f"{name} must be a pandas DataFrame, got {type(df).__name__}.")
    try:
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


def _progress(items: list, enabled: bool | None, what: str) -> Any:
    """Wrap ``items`` in a tqdm progress bar (auto: when there are several)."""
    if enabled is False or (enabled is None and len(items) < 3):
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc=what, unit="segment")


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


def _execute_scalar(expr: Any) -> Any:
    """Run a scalar Ibis expression; on DuckDB straight through its connection, which
    saves Ibis' result conversion (milliseconds that matter for a 50 ms count)."""
    backend = duckdb_backend(expr)
    if backend is None:
        return _execute(expr)
    return _run_direct(backend, expr, lambda cursor: cursor.fetchone()[0])


def _execute_rows(expr: Any) -> list[tuple]:
    """The rows of a small Ibis table; on DuckDB as tuples straight from its connection
    (a history's few hundred grid counts need no Arrow and pandas round trip)."""
    backend = duckdb_backend(expr)
    if backend is None:
        return list(_execute(expr).itertuples(index=False, name=None))
    return _run_direct(backend, expr, lambda cursor: cursor.fetchall())


def _run_direct(backend: Any, expr: Any, fetch: Any) -> Any:
    try:
        backend._run_pre_execute_hooks(expr)  # registers in-memory tables (ibis.memtable)
        return fetch(backend.con.execute(backend.compile(expr)))
    except Exception as exc:
        raise EvaluationError(
            f"The backend failed to evaluate the segment: {type(exc).__name__}: {exc}"
        ) from exc


def _execute(expr: Any) -> Any:
    """Run an Ibis expression; backend failures become EvaluationError."""
    try:
        return expr.execute()
    except SegmentLabError:
        raise
    except Exception as exc:
        raise EvaluationError(
            f"The backend failed to evaluate the segment: {type(exc).__name__}: {exc}"
        ) from exc
