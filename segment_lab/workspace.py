"""Workspace: bound tables and a catalog, the entry point for evaluating segments.

A :class:`Workspace` resolves segments (inlining ``in_segment`` references) and
instants (relative to its "now"), and hands the work to :mod:`segment_lab.engine`.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from segment_lab.engine import (
    Bindings,
    CountPlans,
    DataFacts,
    Grid,
    HistoryPlans,
    Tables,
    as_rule,
    backend_tables,
    check_data,
    check_fields,
    check_instant,
    check_plan,
    check_rule,
    check_tables,
    compile_members,
    configure_duckdb,
    duckdb_tables,
    entries_and_exits,
    file_tables,
    inline,
    make_grid,
    membership_intervals,
    movers,
    pandas_tables,
    segment_histories,
    segment_history,
    segment_sizes,
    summarise,
    to_sql,
    url_tables,
    warn_current,
)
from segment_lab.errors import (
    BindingError,
    InvalidValueError,
    SegmentLabError,
    UnknownSegmentError,
)
from segment_lab.model import And, Catalog, Rule, Segment
from segment_lab.model._instants import resolve_instant
from segment_lab.model._time import RelativeTime, as_time_value

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

__all__ = ["Workspace"]


def __dir__() -> list[str]:
    """List the public names only (tab completion hides the imports)."""
    return sorted(__all__)


SegmentLike = Segment | Rule | str  # a str names a segment of the bound catalog
CatalogLike = Catalog | Iterable[Segment] | None


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


class Workspace:
    """Contacts, events and (optionally) SCD2 history, bound for segment evaluation.

    Build one with :meth:`from_ibis`, :meth:`from_pandas`, :meth:`connect` or
    :meth:`demo`; workspaces are immutable (``with_*`` methods return new ones).

    Parameters
    ----------
    tables
        Checked tables (:func:`segment_lab.engine.check_tables`); the constructors
        above build them.
    catalog
        Segments that ``in_segment`` references resolve in.
    now
        The instant "now" stands for (None: the wall clock, UTC).
    facts
        What a workspace on the same tables has learnt about the data (event types,
        time span), for ``with_*`` copies to share; None: learn it anew, when needed.

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
        facts: DataFacts | None = None,
    ) -> None:
        self._tables = tables
        self._catalog = catalog
        self._now = now
        self._plans = CountPlans(tables)
        self._history_plans = HistoryPlans(tables)
        # event types, time span, where values: learnt once, shared by with_* copies
        self._facts = facts if facts is not None and facts.tables is tables else DataFacts(tables)

    # -- construction ------------------------------------------------------------
    @classmethod
    def from_ibis(
        cls,
        contacts: ir.Table,
        events: ir.Table | None = None,
        contact_history: ir.Table | None = None,
        bindings: Bindings | None = None,
        catalog: CatalogLike = None,
        *,
        now: Any = None,
        validate: bool = True,
    ) -> Workspace:
        """Bind Ibis tables of any backend.

        Parameters
        ----------
        contacts
            One row per contact: ``contact_id`` (unique), optionally ``created_at``
            (before it the contact does not exist) and any attribute columns.
        events
            ``contact_id``, ``event_type`` (string), ``ts`` (timestamp) and any
            property columns; None if there are no events.
            docs/semantics.md#the-tables lists what each table needs.
        contact_history
            SCD2 rows ``contact_id, valid_from, valid_to`` (NULL: current) with the
            attributes' past values, e.g. a dbt snapshot; None if there is none.
        bindings
            Column and table names, if they differ from the defaults.
        catalog
            Segments that ``in_segment`` references resolve in.
        now
            The instant "now" stands for (default: the wall clock, UTC).
        validate
            Check the data up front: non-empty contacts, unique ids, history rows that
            do not overlap (errors); events with a NULL time or an unknown contact
            (a warning that counts them).

        Returns
        -------
        Workspace

        Raises
        ------
        BindingError
            When a table lacks a column the bindings name, or has the wrong type.
        DataError
            When ``validate`` finds bad data.

        Warns
        -----
        DataWarning
            When ``validate`` finds events that no rule can count (NULL ``ts`` or
            ``contact_id``, a contact not in contacts).

        Examples
        --------
        >>> import ibis
        >>> import segment_lab as sl
        >>> contacts = ibis.memtable({"contact_id": [1, 2], "plan": ["pro", "free"]})
        >>> ws = sl.Workspace.from_ibis(contacts, now="2024-06-01")
        >>> ws.count(sl.field("plan") == "pro")
        1
        """
        bindings = bindings or Bindings()
        if not isinstance(bindings, Bindings):
            raise BindingError(f"bindings must be sl.Bindings(...), got {bindings!r}.")
        tables = check_tables(contacts, events, contact_history, bindings)
        when = None if now is None else resolve_instant(now, _utcnow(), "now")
        catalog = _as_catalog(catalog)
        if validate:
            tables = check_data(tables)
        return cls(tables, catalog, when)

    @classmethod
    def from_pandas(
        cls,
        contacts: pd.DataFrame,
        events: pd.DataFrame | None = None,
        contact_history: pd.DataFrame | None = None,
        **kwargs: Any,
    ) -> Workspace:
        """Bind pandas frames, loaded into a new in-memory DuckDB connection.

        Parameters
        ----------
        contacts, events, contact_history
            DataFrames with the columns :meth:`from_ibis` describes.
        **kwargs
            ``bindings``, ``catalog``, ``now`` and ``validate``, as for :meth:`from_ibis`.

        Returns
        -------
        Workspace

        Raises
        ------
        BindingError
            When a frame is not a DataFrame or DuckDB cannot store it (e.g. a column
            with no values at all), or as :meth:`from_ibis`.

        Examples
        --------
        >>> import pandas as pd
        >>> import segment_lab as sl
        >>> contacts = pd.DataFrame({"contact_id": [1, 2, 3], "city": ["Tokyo", "Paris", "Tokyo"]})
        >>> events = pd.DataFrame({
        ...     "contact_id": [1, 1, 2],
        ...     "event_type": ["email_open"] * 3,
        ...     "ts": pd.to_datetime(["2024-05-20", "2024-05-28", "2024-05-30"]),
        ... })
        >>> ws = sl.Workspace.from_pandas(contacts, events, now="2024-06-01")
        >>> ws.count(sl.event("email_open").count(within="7d") >= 1)
        2
        """
        tables = pandas_tables(contacts, events, contact_history)
        return cls.from_ibis(*tables, **kwargs)

    @classmethod
    def connect(
        cls,
        path: str | os.PathLike | Any,
        *,
        bindings: Bindings | None = None,
        catalog: CatalogLike = None,
        read_only: bool = True,
        now: Any = None,
        validate: bool = True,
    ) -> Workspace:
        """Open a database holding contacts, events and optionally contact_history tables.

        Parameters
        ----------
        path
            A DuckDB file; or a database URL that :func:`ibis.connect` takes
            (``"postgresql://user@host:5432/crm"``, ``"trino://..."``,
            ``"snowflake://..."``, ``"bigquery://project/dataset"``); or an Ibis backend
            already connected (``ibis.pyspark.connect(spark)``).  docs/backends.md has
            one example per engine.
        bindings
            Table and column names (``contacts_table`` etc.), if not the defaults.
        catalog, now, validate
            As for :meth:`from_ibis`.
        read_only
            Open a DuckDB file without a write lock, so other processes can read it too.

        Returns
        -------
        Workspace

        Raises
        ------
        BindingError
            When the file does not exist, is not a DuckDB database (a CSV, Parquet or
            SQLite file, a folder: the message says what opens it), cannot be opened,
            the URL's database refuses the connection (or its driver is missing), or
            there is no contacts table (the message lists the tables there are).
        DatabaseLockedError
            When another process has the file open for writing.

        Warns
        -----
        MissingTableWarning
            When the database has no events table (the message names the other tables
            and the ``Bindings(events_table=...)`` fix).

        Examples
        --------
        >>> import segment_lab as sl
        >>> from segment_lab import sample
        >>> ws = sl.Workspace.connect(sample.ensure_database(), now=sample.END)
        >>> ws.count(sl.field("country") == "Japan") > 0
        True
        """
        bindings = bindings or Bindings()
        if isinstance(path, str) and "://" in path:
            tables = url_tables(path, bindings)
        elif isinstance(path, (str, os.PathLike)):
            tables = duckdb_tables(path, bindings, read_only)
        else:
            tables = backend_tables(path, bindings)
        return cls.from_ibis(*tables, bindings, catalog, now=now, validate=validate)

    @classmethod
    def read(
        cls,
        contacts: str | os.PathLike,
        events: str | os.PathLike | None = None,
        contact_history: str | os.PathLike | None = None,
        *,
        bindings: Bindings | None = None,
        catalog: CatalogLike = None,
        now: Any = None,
        validate: bool = True,
        **options: Any,
    ) -> Workspace:
        """Read Parquet or CSV files (globs allowed) through an in-memory DuckDB connection.

        The format follows the suffix (``.parquet``/``.pq``; ``.csv``/``.tsv``, optionally
        gzipped). The files are not copied: DuckDB reads them at each query.

        Parameters
        ----------
        contacts, events, contact_history
            Paths or globs (``"events/*.parquet"``, ``"events/**/*.csv"``) of files with
            the columns :meth:`from_ibis` describes; None leaves a table out.
        bindings, catalog, now, validate
            As for :meth:`from_ibis`.
        **options
            Passed to DuckDB's ``read_csv`` / ``read_parquet`` for every file, e.g.
            ``delim=";"`` or ``dateformat="%d/%m/%Y"`` for CSV.

        Returns
        -------
        Workspace

        Raises
        ------
        BindingError
            When a path matches no file (the message lists what its folder holds), its
            suffix is not one of those above, DuckDB cannot read it, or a table lacks a
            column (as :meth:`from_ibis`).
        DataError
            When ``validate`` finds bad data.

        Examples
        --------
        >>> import pathlib, tempfile
        >>> import pandas as pd
        >>> import segment_lab as sl
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> pd.DataFrame({"contact_id": ["a", "b"], "plan": ["pro", "free"]}).to_csv(
        ...     folder / "contacts.csv", index=False)
        >>> (folder / "events").mkdir()
        >>> for month in ("05", "06"):
        ...     pd.DataFrame({"contact_id": ["a", "b"], "event_type": ["login", "login"],
        ...                   "ts": pd.to_datetime([f"2024-{month}-10", f"2024-{month}-20"])},
        ...                  ).to_parquet(folder / "events" / f"2024-{month}.parquet")
        >>> ws = sl.Workspace.read(folder / "contacts.csv", str(folder / "events" / "*.parquet"),
        ...                        now="2024-06-30")
        >>> ws.count(sl.event("login").count(within="60d") >= 2)
        2
        """
        tables = file_tables(contacts, events, contact_history, options)
        return cls.from_ibis(*tables, bindings, catalog, now=now, validate=validate)

    @classmethod
    def demo(cls, scale: str = "sample", *, rebuild: bool = False) -> Workspace:
        """Open the generated sample data (built on first use) with the demo catalog.

        "now" is the last instant of the sample data (see ``datasets/README.md``);
        the attributes the generator never changes are bound as static.

        Parameters
        ----------
        scale
            ``"sample"`` (5,000 contacts), ``"tiny"`` or ``"bench"`` (a million; the
            first build takes minutes).
        rebuild
            Build the database again even if it is current.

        Returns
        -------
        Workspace

        Examples
        --------
        >>> import segment_lab as sl
        >>> ws = sl.Workspace.demo()
        >>> ws
        Workspace(contacts, events, contact_history, catalog of 10 segments, now=2025-06-30T23:59:59)
        """
        from segment_lab import sample  # sample data sits above the workspace

        return cls.connect(
            sample.ensure_database(scale, rebuild=rebuild),
            bindings=Bindings(static=sample.STATIC_ATTRIBUTES),
            catalog=sample.demo_catalog(),
            now=sample.END,
        )

    @classmethod
    def from_cdnow(cls, path: str | os.PathLike | None = None) -> Workspace:
        """Open the real CDNOW purchase log (1997-01 to 1998-06, 23,570 customers).

        Needs the ``lifetimes`` package, which ships the data file
        (``pip install 'segment_lab[cdnow]'``). "now" is the last day of the data and the
        catalog holds :func:`segment_lab.interop.cdnow.example_segments`.

        Parameters
        ----------
        path
            A ``CDNOW_master.txt`` file; by default the one ``lifetimes`` ships.

        Returns
        -------
        Workspace

        Raises
        ------
        CdnowNotFoundError
            When ``lifetimes`` is not installed (and no ``path`` is given).

        Examples
        --------
        >>> import segment_lab as sl
        >>> ws = sl.Workspace.from_cdnow()
        >>> ws.count(ws.catalog["repeat-buyers"], as_of="1997-06-30")
        2014
        """
        from segment_lab.interop import cdnow  # interop sits above the workspace

        return cdnow.workspace(path)

    @classmethod
    def from_mautic_db(
        cls, con: Any, catalog: CatalogLike = None, *, now: Any = None, prefix: str = ""
    ) -> Workspace:
        """Open a Mautic 5 database: leads as contacts; emails, page hits, DNC as events.

        See :func:`segment_lab.interop.mautic.tables` for what is read, and
        docs/mautic.md for importing the instance's segments.

        Parameters
        ----------
        con
            An Ibis connection to the database, or the path of a DuckDB file.
        catalog
            Segments, e.g. ``sl.interop.mautic.catalog_from_mautic(...)``.
        now
            The instant "now" stands for (default: the wall clock, UTC).
        prefix
            Mautic's table prefix (``db_table_prefix``).

        Returns
        -------
        Workspace

        Examples
        --------
        >>> import ibis, segment_lab as sl
        >>> con = ibis.duckdb.connect()
        >>> sl.Workspace.from_mautic_db(con)
        Traceback (most recent call last):
        ...
        segment_lab.errors.BindingError: The Mautic database has no table 'leads' (tables: none).
        """
        from segment_lab.interop import mautic  # interop sits above the workspace

        return mautic.workspace(con, catalog, now=now, prefix=prefix)

    # -- values, not mutation ---------------------------------------------------------
    def with_catalog(self, catalog: CatalogLike) -> Workspace:
        """Return a workspace whose ``in_segment`` references resolve in ``catalog``.

        Parameters
        ----------
        catalog
            A Catalog, an iterable of segments, or None for no catalog.

        Returns
        -------
        Workspace
            A new workspace on the same tables; this one is unchanged.

        Examples
        --------
        >>> import segment_lab as sl
        >>> ws = sl.Workspace.demo()
        >>> ws.with_catalog([ws.catalog["churn-risk"]]).catalog.names
        ('churn-risk',)
        """
        return Workspace(self._tables, _as_catalog(catalog), self._now, self._facts)

    def with_now(self, now: Any) -> Workspace:
        """Return a workspace whose "now" (the default ``as_of``) is ``now``.

        Parameters
        ----------
        now
            A datetime, an ISO string, or a relative form (``"-7d"``) of the current now.

        Returns
        -------
        Workspace
            A new workspace on the same tables; this one is unchanged.

        Examples
        --------
        >>> import segment_lab as sl
        >>> ws = sl.Workspace.demo()
        >>> ws.with_now("2025-01-01").now
        datetime.datetime(2025, 1, 1, 0, 0)
        """
        now = resolve_instant(now, _utcnow(), "now")
        return Workspace(self._tables, self._catalog, now, self._facts)

    @property
    def catalog(self) -> Catalog | None:
        """The segments ``in_segment`` references resolve in (None: no catalog).

        Examples
        --------
        >>> import segment_lab as sl
        >>> sl.Workspace.demo().catalog.names[:2]
        ('tokyo-cto-python-quiet', 'newsletter-readers')
        """
        return self._catalog

    @property
    def bindings(self) -> Bindings:
        """The table and column names this workspace reads.

        Examples
        --------
        >>> import segment_lab as sl
        >>> sl.Workspace.demo().bindings.contact_id
        'contact_id'
        """
        return self._tables.bindings

    def configure(self, *, memory_limit: Any = None, temp_directory: Any = None) -> dict[str, str]:
        """Set the DuckDB memory limit and temporary directory of this workspace's connection.

        Histories at scale (a million contacts, a year of events) sort and join tens of
        millions of rows; with a limit, DuckDB spills what does not fit to the temporary
        directory instead of growing the process.  The settings are the connection's, so
        every workspace on the same tables (``with_now``, ``with_catalog``) shares them.

        Parameters
        ----------
        memory_limit
            E.g. ``"4GB"``, ``"512MB"`` or ``"75%"`` (of the machine's memory); None
            leaves it unchanged (DuckDB's default is 80% of the memory).
        temp_directory
            A folder for spilled data; None leaves it unchanged (DuckDB's default is
            ``<database>.tmp`` next to a file database, or ``.tmp`` for one in memory).

        Returns
        -------
        dict
            The two settings as DuckDB now reports them.

        Raises
        ------
        InvalidValueError
            When the tables are not on DuckDB, or DuckDB refuses a value.

        Examples
        --------
        >>> import segment_lab as sl
        >>> ws = sl.Workspace.demo()
        >>> ws.configure(memory_limit="2GB")["memory_limit"]
        '1.8 GiB'
        >>> ws.configure(memory_limit="lots")
        Traceback (most recent call last):
        ...
        segment_lab.errors.InvalidValueError: DuckDB refused memory_limit='lots' (e.g. '4GB', '512MB', '75%'): ...
        """
        return configure_duckdb(self._tables.contacts, memory_limit, temp_directory)

    @property
    def tables(self) -> Tables:
        """The bound Ibis tables (``contacts``, ``events``, ``history``) and their roles.

        Examples
        --------
        >>> import segment_lab as sl
        >>> tables = sl.Workspace.demo().tables
        >>> tables.events.columns[:3]
        ('contact_id', 'event_type', 'ts')
        >>> tables.history_attrs
        ('job_title', 'lifecycle_stage', 'points', 'city', 'is_customer')
        """
        return self._tables

    @property
    def now(self) -> dt.datetime:
        """The instant relative times and a missing ``as_of`` refer to.

        The one given when the workspace was built; else the wall clock (UTC).

        Examples
        --------
        >>> import segment_lab as sl
        >>> sl.Workspace.demo().now
        datetime.datetime(2025, 6, 30, 23, 59, 59)
        """
        return self._now or _utcnow()

    def instant(self, value: Any, what: str = "as_of") -> dt.datetime:
        """Resolve a datetime, ISO string or relative form (``"-7d"``) against :attr:`now`.

        Parameters
        ----------
        value
            The instant; None means :attr:`now`.
        what
            The argument's name, for error messages.

        Returns
        -------
        datetime.datetime
            A naive UTC datetime.

        Raises
        ------
        InvalidValueError
            When ``value`` is not an instant.

        Warns
        -----
        StaleNowWarning
            Once, when the instant depends on a "now" more than 7 days after the last
            event (or before the first): set ``now=`` or use :meth:`with_now`.
        OutsideDataWarning
            Once per argument, when an explicit instant lies more than 7 days outside the
            events' span.

        Examples
        --------
        >>> import segment_lab as sl
        >>> ws = sl.Workspace.demo()
        >>> ws.instant("-7d"), ws.instant("2025-01-01")
        (datetime.datetime(2025, 6, 23, 23, 59, 59), datetime.datetime(2025, 1, 1, 0, 0))
        """
        now = self.now
        t = resolve_instant(value, now, what)
        if value is None or isinstance(as_time_value(value), RelativeTime):
            check_instant(self._facts, now, what, now)  # "now" far from the data
        if value is not None:
            check_instant(self._facts, t, what, None)
        return t

    def lookup(self, segment: SegmentLike) -> Segment | Rule:
        """Return the catalog segment a name stands for; a Segment or rule comes back as is.

        Parameters
        ----------
        segment
            A Segment, a rule, or the name of a segment of :attr:`catalog`.

        Returns
        -------
        Segment or Rule

        Raises
        ------
        UnknownSegmentError
            When the name is not in the catalog ("did you mean"), or no catalog is bound.
        TypeError
            When ``segment`` is neither a Segment, a rule nor a str.

        Examples
        --------
        >>> import segment_lab as sl
        >>> ws = sl.Workspace.demo()
        >>> ws.lookup("churn-risk") is ws.catalog["churn-risk"]
        True
        >>> ws.lookup("churn-risks")
        Traceback (most recent call last):
        ...
        segment_lab.errors.UnknownSegmentError: No segment named 'churn-risks' in the catalog. Segments: ... Did you mean 'churn-risk'?
        """
        if isinstance(segment, (Segment, Rule)):
            return segment
        if not isinstance(segment, str):
            raise TypeError(
                f"Expected a Segment, a rule (e.g. field('city') == 'Tokyo') or the name of a "
                f"catalog segment, got {segment!r} ({type(segment).__name__})."
            )
        if self._catalog is None:
            raise UnknownSegmentError(
                f"{segment!r} names a segment, but this workspace has no catalog to look it "
                f"up in: bind one with ws = ws.with_catalog(catalog) (a Catalog or a list of "
                f"segments), or pass the Segment or rule itself."
            )
        return self._catalog[segment]

    def resolve(self, segment: SegmentLike) -> Rule:
        """Return the rule of a segment with every ``in_segment`` reference inlined.

        Parameters
        ----------
        segment
            A Segment, a rule, or the name of a segment of :attr:`catalog`.

        Returns
        -------
        Rule
            A rule without references, as the engine evaluates it.

        Raises
        ------
        UnknownSegmentError
            When a name or reference is not in the catalog, or a name is given and no
            catalog is bound.
        CyclicReferenceError
            When segments reference each other in a cycle.
        UnknownEventTypeError
            When an event type never occurs in the events table (and is not declared in
            ``Bindings(event_types=...)``); with "did you mean". Every evaluation
            resolves its segments here, so every one checks this.
        UnknownFieldError
            When an event ``where`` names a column the events table lacks.

        Warns
        -----
        UnknownValueWarning
            When an event ``where`` compares a text column with a value no event of
            those types has (once per workspace and value).

        Examples
        --------
        >>> import segment_lab as sl
        >>> ws = sl.Workspace.demo()
        >>> ws.resolve(sl.in_segment("churn-risk")) == ws.catalog["churn-risk"].rule
        True
        >>> ws.resolve("churn-risk") == ws.catalog["churn-risk"].rule
        True
        >>> from segment_lab.model import InSegment, walk
        >>> [type(n).__name__ for n in walk(ws.catalog["customers-at-risk"].rule) if isinstance(n, InSegment)]
        ['InSegment']
        >>> [n for n in walk(ws.resolve(ws.catalog["customers-at-risk"])) if isinstance(n, InSegment)]
        []
        """
        rule, name = as_rule(self.lookup(segment))
        rule = inline(rule, self._catalog, (name,) if name else ())
        check_rule(rule, self._facts)
        return rule

    def grid(self, start: Any, end: Any = None, every: Any = "1d") -> Grid:
        """Return the grid of instants ``t_k <= end`` that :meth:`history` samples.

        Daily and coarser grids are calendar-aligned (docs/semantics.md#grids): ``"1d"``
        steps fall on midnights, ``"1w"`` on Mondays, ``"1mo"`` on the 1st of months,
        ``"1q"`` on the 1st of quarters, from the boundary of the period holding
        ``start``; shorter steps (``"6h"``) are ``start + k*every``.

        Parameters
        ----------
        start, end
            Instants (as for :meth:`instant`); ``end`` defaults to :attr:`now`.
        every
            The step: a duration string (``"1d"``, ``"1w"``, ``"12h"``, ``"1mo"``,
            ``"1q"``) or a timedelta.

        Returns
        -------
        Grid
            Frozen: ``start`` (aligned), ``step`` (None for months), ``n`` instants,
            ``points``, ``end`` (the last instant) and ``before`` (``t_(-1)``).

        Raises
        ------
        InvalidValueError
            When ``end`` is before ``start`` or the grid would have a million instants or more.

        Examples
        --------
        >>> import segment_lab as sl
        >>> g = sl.Workspace.demo().grid("2025-06-01", "2025-06-30", every="1w")
        >>> g.start, g.n, g.end
        (datetime.datetime(2025, 5, 26, 0, 0), 6, datetime.datetime(2025, 6, 30, 0, 0))
        """
        return make_grid(self.instant(start, "start"), self.instant(end, "end"), every)

    # -- evaluation -----------------------------------------------------------------
    def members(self, segment: SegmentLike, as_of: Any = None) -> ir.Table:
        """Members at ``as_of`` as an Ibis table with one column, ``contact_id``.

        Parameters
        ----------
        segment
            A Segment, a rule, or the name of a segment of the catalog.
        as_of
            The instant (as for :meth:`instant`; default :attr:`now`).

        Returns
        -------
        ibis.expr.types.Table
            Unevaluated: execute it, join it or count it on the backend.

        Raises
        ------
        UnknownFieldError
            When the rule reads a column the tables lack.

        Warns
        -----
        CurrentValueWarning
            When an attribute without history is read at a past instant.

        Examples
        --------
        >>> import segment_lab as sl
        >>> ws = sl.Workspace.demo()
        >>> m = ws.members(sl.field("city") == "Tokyo", as_of="2025-06-30")
        >>> m.columns
        ('contact_id',)
        >>> int(m.count().execute()) == ws.count(sl.field("city") == "Tokyo", as_of="2025-06-30")
        True
        """
        rule = self.resolve(segment)
        t = self.instant(as_of)
        warn_current(rule, self._tables, t, self.now)
        return compile_members(rule, self._tables, t)

    def count(self, segment: SegmentLike, as_of: Any = None) -> int:
        """Count the members at ``as_of``.

        On DuckDB a rule's count query is compiled once per workspace and then run at
        each instant asked for (only the SQL text is kept, never a result), so counting
        one segment at many instants costs the queries and little else.

        Parameters
        ----------
        segment
            A Segment, a rule, or the name of a segment of the catalog.
        as_of
            The instant (as for :meth:`instant`; default :attr:`now`).

        Returns
        -------
        int

        Raises
        ------
        UnknownFieldError
            When the rule reads a column the tables lack.
        EvaluationError
            When the backend fails.

        Warns
        -----
        CurrentValueWarning
            When an attribute without history is read at a past instant.

        Examples
        --------
        >>> import segment_lab as sl
        >>> ws = sl.Workspace.demo()
        >>> seg = sl.event("email_open").count(within="30d") >= 3
        >>> [ws.count(seg, as_of=t) == ws.members(seg, as_of=t).count().execute()
        ...  for t in ("2025-03-01", "2025-06-30")]
        [True, True]
        """
        rule = self.resolve(segment)
        t = self.instant(as_of)
        warn_current(rule, self._tables, t, self.now)
        return self._plans.count(rule, t)

    def sql(self, segment: SegmentLike, as_of: Any = None, dialect: str | None = None) -> str:
        """Return the SQL of the members query at ``as_of``.

        Parameters
        ----------
        segment
            A Segment, a rule, or the name of a segment of the catalog.
        as_of
            The instant (as for :meth:`instant`; default :attr:`now`).
        dialect
            An Ibis backend name (``"postgres"``, ``"snowflake"``, ``"bigquery"`` ...) or
            ``"postgresql"``/``"spark"``; default the workspace's backend.

        Returns
        -------
        str

        Raises
        ------
        EvaluationError
            When the query cannot be rendered in ``dialect``.

        Examples
        --------
        >>> import segment_lab as sl
        >>> ws = sl.Workspace.demo()
        >>> text = ws.sql(sl.field("city") == "Tokyo", dialect="postgres")
        >>> text.startswith("SELECT"), "'Tokyo'" in text
        (True, True)
        """
        return to_sql(self.members(segment, as_of), dialect)

    def sizes(
        self, segments: Iterable[SegmentLike] | Catalog | None = None, as_of: Any = None
    ) -> pd.DataFrame:
        """Sizes of several segments at ``as_of`` in one query.

        Parameters
        ----------
        segments
            Segments, rules or names of catalog segments; default the workspace's catalog.
        as_of
            The instant (as for :meth:`instant`; default :attr:`now`).

        Returns
        -------
        pandas.DataFrame
            ``segment`` (the name, or ``rule_<i>`` for a rule), ``size``, ``description``.

        Raises
        ------
        InvalidValueError
            When there are no segments (and no catalog).

        Warns
        -----
        CurrentValueWarning
            When an attribute without history is read at a past instant.

        Examples
        --------
        >>> import segment_lab as sl
        >>> ws = sl.Workspace.demo()
        >>> s = ws.sizes([ws.catalog["churn-risk"], sl.field("city") == "Tokyo"], as_of="2025-06-30")
        >>> s["segment"].tolist(), s["size"].tolist() == [ws.count(r, "2025-06-30") for r in (ws.catalog["churn-risk"], sl.field("city") == "Tokyo")]
        (['churn-risk', 'rule_1'], True)
        """
        import pandas as pd

        if isinstance(segments, (str, Segment, Rule)):
            segments = [segments]
        items = [self.lookup(s) for s in (self._catalog if segments is None else segments)]  # type: ignore[union-attr]
        if not items:
            raise InvalidValueError("sizes() needs at least one segment (or a workspace catalog).")
        rules = [self.resolve(s) for s in items]
        t = self.instant(as_of)
        warn_current(And(tuple(rules)), self._tables, t, self.now)
        return pd.DataFrame(
            {
                "segment": [as_rule(s)[1] or f"rule_{i}" for i, s in enumerate(items)],
                "size": segment_sizes(rules, self._tables, t),
                "description": [_description(s) for s in items],
            }
        )

    # -- history -----------------------------------------------------------------------
    def history(
        self,
        segment: SegmentLike | Iterable[SegmentLike] | Catalog,
        start: Any,
        end: Any = None,
        every: Any = "1d",
        *,
        progress: bool | None = None,
        plan: str = "auto",
    ) -> pd.DataFrame:
        """Size, entries and exits of a segment on the grid of :meth:`grid` (calendar-aligned).

        One row per grid instant t_k: ``period`` (t_k), ``size`` (members at t_k),
        ``entered`` and ``exited`` (members at t_k but not at t_(k-1), and the reverse:
        the moves of the period ending at t_k; t_(-1) is one step before t_0).  Membership at every t_k is exactly that of an as-of
        evaluation, but the segment is evaluated once, as membership intervals, not
        once per period.

        Parameters
        ----------
        segment
            A Segment, a rule or the name of a catalog segment; or several (a list or a
            catalog), which gives a long frame with a ``segment`` column first.  Several
            segments share their work where estimated cheaper: event sets and referenced
            segments computed once, in shared batched queries
            (docs/decisions.md#catalog-histories).
        start, end, every
            The grid, as for :meth:`grid`.
        progress
            Show a progress bar over segments (default: when there are three or more).
        plan
            How the history is computed (the numbers are the same):
            ``"intervals"`` compiles the segment once to membership intervals, whose
            cost does not grow with the grid; ``"bitmask"`` (grids of up to 60 points)
            holds each contact's membership at every instant in the bits of one
            integer, reading each event about once: the fastest on weekly and monthly
            grids; ``"batched"`` evaluates every grid instant as-of in one query;
            ``"auto"`` (default) picks bitmask where it applies and suits the segment,
            else the cheaper of the other two from the grid, the windows and the
            tables' row counts (docs/decisions.md#history-plans).  For several
            segments, those bitmask suits run in one bitmask query, the others as
            ``"batched"`` shared queries or each on its own plan, by estimate.  On DuckDB every plan is
            compiled once per segment, plan and grid shape (step and number of points):
            a later call on another start and end reuses it.

        Returns
        -------
        pandas.DataFrame
            ``period, size, entered, exited`` (with ``segment`` first for several).

        Raises
        ------
        InvalidValueError
            When the grid is invalid, the list of segments is empty or ``plan`` is
            not one of ``"auto"``, ``"batched"``, ``"intervals"``.
        UnknownFieldError
            When a segment names a field the tables lack; of several segments, the
            message starts with the segment's name (``Segment 'x': ...``).

        Warns
        -----
        CurrentValueWarning
            When an attribute without history is read at a past instant.

        Examples
        --------
        >>> import segment_lab as sl
        >>> ws = sl.Workspace.demo()
        >>> h = ws.history(sl.field("city") == "Tokyo", start="2025-06-01", end="2025-06-30", every="1w")
        >>> list(h.columns)
        ['period', 'size', 'entered', 'exited']
        >>> bool(((h["size"].shift() + h["entered"] - h["exited"]).iloc[1:] == h["size"].iloc[1:]).all())
        True
        >>> h.equals(ws.history(sl.field("city") == "Tokyo", "2025-06-01", "2025-06-30", "1w", plan="batched"))
        True
        """
        import pandas as pd

        grid = self.grid(start, end, every)
        plan = check_plan(plan)
        if isinstance(segment, (Segment, Rule, str)):
            return self._history(segment, grid, plan)
        items = [self.lookup(item) for item in segment]
        if not items:
            raise InvalidValueError("history() got an empty list of segments.")
        labels = [as_rule(item)[1] or f"rule_{i}" for i, item in enumerate(items)]
        rules = [self._checked(item, label) for item, label in zip(items, labels)]
        for rule in rules:
            warn_current(rule, self._tables, grid.start, self.now)
        bar = _bar(len(items), progress, "history")
        try:
            frames = segment_histories(
                rules,
                self._tables,
                grid,
                plan,
                self._facts.stats,
                self._history_plans,
                None if bar is None else bar.update,
            )
        finally:
            if bar is not None:
                bar.close()
        out = pd.concat(
            [f.assign(segment=label) for f, label in zip(frames, labels)], ignore_index=True
        )
        return out[["segment", "period", "size", "entered", "exited"]]

    def _checked(self, segment: SegmentLike, label: str) -> Rule:
        """Resolve and check one of several segments; an error names the segment."""
        try:
            rule = self.resolve(segment)
            check_fields(rule, self._tables)
        except SegmentLabError as e:
            err = copy.copy(e)
            err.args = (f"Segment {label!r}: {e}",)
            raise err from e
        return rule

    def _history(self, segment: SegmentLike, grid: Grid, plan: str = "auto") -> pd.DataFrame:
        rule = self.resolve(segment)
        warn_current(rule, self._tables, grid.start, self.now)
        return segment_history(
            rule, self._tables, grid, plan, self._facts.stats, self._history_plans
        )

    def intervals(self, segment: SegmentLike, start: Any = None, end: Any = None) -> pd.DataFrame:
        """Exact membership intervals ``(contact_id, entered_at, exited_at)``.

        A contact is a member at t (``start <= t <= end``) exactly when one of its
        intervals has ``entered_at <= t < exited_at``.

        Parameters
        ----------
        segment
            A Segment, a rule, or the name of a segment of the catalog.
        start
            Leave out intervals that end before it (default: keep all).
        end
            The last instant evaluated (default :attr:`now`).

        Returns
        -------
        pandas.DataFrame
            ``contact_id, entered_at, exited_at`` sorted by contact and entry;
            ``exited_at`` is NaT while still a member at ``end``, ``entered_at`` is NaT
            for a member "since always" (no ``created_at`` bound).

        Warns
        -----
        CurrentValueWarning
            When an attribute without history is read at a past instant.

        Examples
        --------
        >>> import segment_lab as sl
        >>> ws = sl.Workspace.demo()
        >>> seg = sl.event("purchase").exists(within="7d")
        >>> iv = ws.intervals(seg, start="2025-06-01", end="2025-06-30")
        >>> list(iv.columns)
        ['contact_id', 'entered_at', 'exited_at']
        >>> int(iv["exited_at"].isna().sum()) == ws.count(seg, as_of="2025-06-30")
        True
        """
        rule = self.resolve(segment)
        t1 = self.instant(end, "end")
        t0 = None if start is None else self.instant(start, "start")
        warn_current(rule, self._tables, t0, self.now)
        return membership_intervals(rule, self._tables, t0, t1)

    def changes(
        self,
        segment: SegmentLike,
        start: Any,
        end: Any = None,
        *,
        columns: Iterable[str] | None = None,
        net: bool = False,
    ) -> pd.DataFrame:
        """Every entry into and exit from a segment between ``start`` and ``end``, with its time.

        By default one row per change in ``(start, end]``: a contact who enters, leaves
        and enters again shows three times.  ``net=True`` gives the net movers instead:
        one row per contact whose membership differs between the two instants.

        Parameters
        ----------
        segment
            A Segment, a rule, or the name of a segment of the catalog.
        start, end
            The span (``end`` defaults to :attr:`now`).  Membership at ``start`` is the
            baseline: a change exactly at ``start`` is not listed, one at ``end`` is.
        columns
            Contact attributes to add (default: every contacts column; current values).
        net
            List net movers (members at ``end`` but not at ``start``, and the reverse)
            instead of every change.

        Returns
        -------
        pandas.DataFrame
            Default: ``contact_id``, ``direction`` ("entered": a member from ``at`` on,
            not just before; "exited": the reverse), ``at`` (the instant) and
            ``columns``, ordered by ``at`` and contact.  With ``net=True``:
            ``contact_id``, ``direction`` ("entered": a member at ``end`` but not at
            ``start``; "exited": the reverse) and ``columns``, ordered by direction and
            contact.

        Warns
        -----
        CurrentValueWarning
            When an attribute without history is read at a past instant.

        Examples
        --------
        >>> import segment_lab as sl
        >>> ws = sl.Workspace.demo()
        >>> seg = ws.catalog["pricing-intent"]
        >>> moves = ws.changes(seg, "2025-06-01", "2025-06-30", columns=["city"])
        >>> list(moves.columns)
        ['contact_id', 'direction', 'at', 'city']
        >>> net = ws.changes(seg, "2025-06-01", "2025-06-30", columns=["city"], net=True)
        >>> list(net.columns)
        ['contact_id', 'direction', 'city']
        >>> entered = int((net["direction"] == "entered").sum())
        >>> ws.count(seg, "2025-06-30") - ws.count(seg, "2025-06-01") == entered - (len(net) - entered)
        True
        >>> len(moves) >= len(net)
        True
        """
        if net:
            before = self.members(segment, start)
            after = self.members(segment, end)
            return movers(before, after, self._tables, columns)
        rule = self.resolve(segment)
        t0, t1 = self.instant(start, "start"), self.instant(end, "end")
        if t1 < t0:
            raise InvalidValueError(f"end ({t1}) is before start ({t0}).")
        warn_current(rule, self._tables, t0, self.now)
        return entries_and_exits(rule, self._tables, t0, t1, columns)

    def _repr_html_(self) -> str:
        """Summarise the data in Jupyter: tables, row counts, the events' span and types, now.

        Two aggregate queries (row counts; events by type), whatever the catalog holds.
        """
        return _workspace_html(self, summarise(self._tables))

    def __repr__(self) -> str:
        """Describe the tables bound, the catalog's size and "now"."""
        t = self._tables
        parts = [
            "contacts",
            *(["events"] if t.events is not None else []),
            *(["contact_history"] if t.history is not None else []),
        ]
        cat = f", catalog of {len(self._catalog)} segments" if self._catalog else ""
        return f"Workspace({', '.join(parts)}{cat}, now={self.now.isoformat()})"


def _as_catalog(catalog: CatalogLike) -> Catalog | None:
    if catalog is None or isinstance(catalog, Catalog):
        return catalog
    return Catalog(tuple(catalog))


def _description(segment: SegmentLike) -> str:
    if isinstance(segment, Segment):
        return segment.description or segment.describe()
    return segment.describe()


def _bar(total: int, enabled: bool | None, what: str) -> Any:
    """Return a tqdm progress bar over ``total`` segments (auto: when there are three or more), or None."""
    if enabled is False or (enabled is None and total < 3):
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=what, unit="segment")


_TOP_TYPES = 10
_HTML_CSS = "font-family:system-ui,sans-serif;line-height:1.4"


def _workspace_html(ws: Workspace, s: Any) -> str:
    """Render a :class:`~segment_lab.engine.DataSummary` of ``ws``; user text is escaped."""
    from html import escape

    b = ws.bindings
    rows = [(b.contacts_table, s.contacts)]
    if s.events is not None:
        rows.append((b.events_table, s.events))
    if s.history is not None:
        rows.append((b.history_table, s.history))
    tables = "".join(
        f"<tr><td><code>{escape(name)}</code></td><td style='text-align:right'>{n:,}</td></tr>"
        for name, n in rows
    )
    parts = [
        f"<div style='{_HTML_CSS}'><b>Workspace</b>",
        f"<table><tr><th>table</th><th>rows</th></tr>{tables}</table>",
    ]
    if s.events is not None:
        span = (
            f"{s.first_event:%Y-%m-%d %H:%M} to {s.last_event:%Y-%m-%d %H:%M}"
            if s.first_event is not None
            else "none (no events)"
        )
        parts.append(f"<div><i>Events:</i> {span}</div>")
        parts.append(_event_types_html(s.event_types))
    parts.append(f"<div><i>Now:</i> {ws.now:%Y-%m-%d %H:%M:%S}</div>")
    cat = ws.catalog
    if cat:
        names = ", ".join(
            f"<code title='{escape(_description(seg))}'>{escape(seg.name)}</code>" for seg in cat
        )
        parts.append(f"<div><i>Catalog:</i> {len(cat)} segments: {names}</div>")
    return "".join(parts) + "</div>"


def _event_types_html(types: tuple[tuple[str, int], ...]) -> str:
    from html import escape

    shown = ", ".join(f"<code>{escape(t)}</code> {n:,}" for t, n in types[:_TOP_TYPES])
    rest = types[_TOP_TYPES:]
    more = f", and {len(rest)} more types ({sum(n for _, n in rest):,} events)" if rest else ""
    return f"<div><i>Event types:</i> {shown or 'none'}{more}</div>"
