"""The engines the parity tests run on: DuckDB, a throwaway PostgreSQL cluster, PySpark.

``tests/conftest.py`` turns these into the session-scoped ``backend`` fixture (one per
xdist worker): DuckDB always; PostgreSQL as a cluster of Debian's ``postgresql`` made by
``initdb`` in a temporary folder and started with ``pg_ctl`` on 127.0.0.1 and a free port
(as the ``postgres`` user when the tests run as root, which PostgreSQL requires), stopped
and deleted at the end of the session, also when tests fail; PySpark in local mode
(``local[2]``, no UI, two shuffle partitions instead of 200, a temporary warehouse,
``SPARK_LOCAL_IP=127.0.0.1``, session time zone UTC) through ``ibis.pyspark``.

A missing engine is a failure that says how to install it (``make test`` does), never a
skip.  :meth:`Backend.workspace` loads a reference :class:`~tests.reference.Dataset`
with one bulk load per table (``COPY`` on PostgreSQL, one ``createDataFrame`` on Spark),
under fresh table names.
"""

from __future__ import annotations

import contextlib
import getpass
import itertools
import os
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pytest

import segment_lab as sl
from tests.reference import Dataset
from tests.strategies_data import EVENT_TYPES

__all__ = [
    "BACKENDS",
    "BACKEND_PARAMS",
    "Backend",
    "postgres_bin",
    "postgres_cluster",
    "spark_session",
    "start_backend",
]

#: The engines the parity tests run on, in the order they are reported.
BACKENDS = ("duckdb", "postgres", "pyspark")
#: The ``backend`` fixture's parameters: PostgreSQL and Spark tests each stay on one xdist
#: worker (``--dist loadgroup``), so that one cluster and one JVM start per run.
BACKEND_PARAMS = [
    pytest.param("duckdb"),
    pytest.param("postgres", marks=pytest.mark.xdist_group("postgres")),
    pytest.param("pyspark", marks=[pytest.mark.slow, pytest.mark.xdist_group("pyspark")]),
]

_NAMES = itertools.count()


class Backend:
    """One engine's Ibis connection and how to load data into it.

    Parameters
    ----------
    name
        ``"duckdb"``, ``"postgres"`` or ``"pyspark"``.
    con
        The Ibis backend (``ibis.duckdb.connect()``, ...).
    url
        The database's URL, where it has one (PostgreSQL).
    """

    def __init__(self, name: str, con: Any, url: str | None = None) -> None:
        self.name = name
        self.con = con
        #: the database URL ``sl.Workspace.connect`` takes (PostgreSQL), or None
        self.url = url

    def __repr__(self) -> str:
        return f"Backend({self.name!r})"

    def table(self, frame: pd.DataFrame, prefix: str = "t") -> Any:
        """Load ``frame`` as a new table (one bulk load) and return it as an Ibis table."""
        name = f"{prefix}_{os.getpid()}_{next(_NAMES)}"
        schema = ibis.memtable(frame).schema()
        if self.name == "duckdb":
            return self.con.create_table(name, frame)
        if self.name == "postgres":
            return _postgres_table(self.con, name, frame, schema)
        return _spark_view(self.con, name, frame, schema)

    def tables(self, data: Dataset) -> dict[str, Any]:
        """The dataset's contacts, events and contact_history (or None) as tables here."""
        frames = data.to_frames()
        return {k: None if f is None else self.table(f, k) for k, f in frames.items()}

    def workspace(
        self, data: Dataset, catalog: sl.Catalog | None = None, validate: bool = True
    ) -> sl.Workspace:
        """The dataset as a workspace on this engine (``dataset_workspace``'s bindings)."""
        t = self.tables(data)
        return sl.Workspace.from_ibis(
            contacts=t["contacts"],
            events=t["events"],
            contact_history=t["contact_history"],
            bindings=sl.Bindings(event_types=EVENT_TYPES),
            catalog=catalog,
            validate=validate,
        )


def _postgres_table(con: Any, name: str, frame: pd.DataFrame, schema: Any) -> Any:
    """CREATE TABLE from the Ibis schema, then one COPY of every row."""
    table = con.create_table(name, schema=schema)
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    rows = frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None)
    with con.con.cursor() as cursor, con.con.transaction():
        with cursor.copy(f'COPY "{name}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([_plain(v) for v in row])
    return table


def _plain(value: Any) -> Any:
    """A frame cell as psycopg adapts it (lists of strings as lists, timestamps as datetimes)."""
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def _spark_view(con: Any, name: str, frame: pd.DataFrame, schema: Any) -> Any:
    """One createDataFrame from Arrow, registered as a temporary view."""
    from ibis.backends.pyspark.datatypes import PySparkSchema

    df = con._session.createDataFrame(_arrow(frame), schema=PySparkSchema.from_ibis(schema))
    df.createOrReplaceTempView(name)
    return con.table(name)


def _arrow(frame: pd.DataFrame) -> Any:
    import pyarrow as pa

    return pa.Table.from_pandas(frame, preserve_index=False)


# -- PostgreSQL -----------------------------------------------------------------------------


def postgres_bin() -> Path:
    """The folder of Debian's PostgreSQL server programs (initdb, pg_ctl); fails if absent."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=_major)
    on_path = shutil.which("pg_ctl")
    if found:
        return found[-1].parent
    if on_path:
        return Path(on_path).parent
    pytest.fail(
        "PostgreSQL's server programs (initdb, pg_ctl) are not installed: run `make test` "
        "(it installs Debian's postgresql with apt-get)"
    )


def _major(path: Path) -> int:
    version = path.parent.parent.name
    return int(version) if version.isdigit() else 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(args: list[str]) -> list[str]:
    """``args`` run as the ``postgres`` user when we are root (PostgreSQL refuses root)."""
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "postgres", "--", *args]


@contextlib.contextmanager
def postgres_cluster() -> Iterator[dict[str, Any]]:
    """A new PostgreSQL cluster on 127.0.0.1 for the duration of the block.

    Yields the connection arguments of ``ibis.postgres.connect``.  The cluster is made
    with ``initdb`` in a temporary folder (owned by ``postgres`` when root), started with
    ``pg_ctl`` and always stopped (``-m immediate``) and deleted on the way out; a watchdog
    shell does the same if the test process is killed.
    """
    bin_dir = postgres_bin()
    root = Path(tempfile.mkdtemp(prefix="segment_lab_pg_"))
    data, log = root / "data", root / "server.log"
    user = "postgres" if os.geteuid() == 0 else getpass.getuser()
    if os.geteuid() == 0:
        shutil.chown(root, user)
    started = False
    try:
        _run([str(bin_dir / "initdb"), "-D", str(data), "-U", user, "-A", "trust",
              "-E", "UTF8", "--no-locale", "--no-sync"])  # fmt: skip
        port = _free_port()
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -k {root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=20"
        )
        stop = _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"])
        watchdog = _watchdog(stop, root)
        started = True
        _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options,
              "-w", "-t", "60", "start"], log)  # fmt: skip
        yield {"host": "127.0.0.1", "port": port, "user": user, "database": "postgres"}
    finally:
        if started:
            watchdog.kill()
            subprocess.run(stop, capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)


def _watchdog(stop: list[str], root: Path) -> subprocess.Popen:
    """A shell that stops the cluster and deletes its folder if this process dies
    without cleaning up (killed: no ``finally`` runs)."""
    script = (
        f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 2; done; "
        f"{shlex.join(stop)} >/dev/null 2>&1; rm -rf {shlex.quote(str(root))}"
    )
    return subprocess.Popen(
        ["sh", "-c", script],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _run(args: list[str], log: Path | None = None) -> None:
    done = subprocess.run(_as_postgres(args), capture_output=True, text=True, check=False)
    if done.returncode:
        tail = log.read_text()[-2000:] if log is not None and log.exists() else ""
        pytest.fail(
            f"{Path(args[0]).name} failed ({done.returncode}): {done.stderr.strip()}\n{tail}",
            pytrace=False,
        )


# -- Spark ----------------------------------------------------------------------------------


@contextlib.contextmanager
def spark_session() -> Iterator[Any]:
    """A local[2] SparkSession (temporary warehouse, no UI) for the duration of the block."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        pytest.fail("pyspark is not installed: run `make test` (pip install -e '.[dev]')")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.fail("Java is not installed: run `make test` (it installs Debian's JDK)")
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    warehouse = tempfile.mkdtemp(prefix="segment_lab_spark_")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("segment_lab tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        # tiny data: planning and code generation cost more than running the query
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", warehouse)
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={warehouse}")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()
        shutil.rmtree(warehouse, ignore_errors=True)


@contextlib.contextmanager
def start_backend(name: str) -> Iterator[Backend]:
    """The engine ``name`` (one of :data:`BACKENDS`), started and stopped around the block."""
    if name == "duckdb":
        yield Backend(name, ibis.duckdb.connect())
    elif name == "postgres":
        with postgres_cluster() as args:
            con = ibis.postgres.connect(**args)
            url = "postgresql://{user}@{host}:{port}/{database}".format(**args)
            try:
                yield Backend(name, con, url)
            finally:
                con.disconnect()
    elif name == "pyspark":
        with spark_session() as session:
            yield Backend(name, ibis.pyspark.connect(session))
    else:
        raise ValueError(f"unknown backend {name!r}; valid: {BACKENDS}")
