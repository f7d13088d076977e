"""The CDNOW purchase data set as segment_lab contacts and events.

CDNOW (Fader and Hardie) records 69,659 purchases by the 23,570 customers who first bought
at the online CD store CDNOW in the first quarter of 1997, followed until the end of June
1998.  Each line of ``CDNOW_master.txt`` holds a customer id, a date (``YYYYMMDD``), the
number of CDs and the dollar value, separated by whitespace.  The file ships in the
``lifetimes`` wheel; install it with ``pip install 'segment_lab[cdnow]'``.  segment_lab
reads the file directly and never imports ``lifetimes``.

Real purchases make a useful second data set next to the synthetic sample: the dates
have day precision (every ``ts`` is midnight), 80 purchases have a value of 0 and 255
lines repeat another line exactly (kept: they are separate purchases in the source).

Examples
--------
>>> from segment_lab.interop import cdnow
>>> [s.name for s in cdnow.example_segments()][:3]
['repeat-buyers', 'lapsed', 'big-spenders']
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING

from segment_lab.dsl import event, field
from segment_lab.errors import BindingError
from segment_lab.model import Segment

if TYPE_CHECKING:
    import pandas as pd

    from segment_lab.workspace import Workspace

__all__ = [
    "CDNOW_END",
    "CDNOW_START",
    "INSTALL_HINT",
    "CdnowNotFoundError",
    "cdnow_path",
    "example_segments",
    "load_cdnow_frames",
    "workspace",
]


def __dir__() -> list[str]:
    """List the public names only (tab completion hides the imports)."""
    return sorted(__all__)


#: First and last purchase dates in the data set.
CDNOW_START = dt.datetime(1997, 1, 1)
CDNOW_END = dt.datetime(1998, 6, 30)
#: How to get the file.
INSTALL_HINT = "pip install 'segment_lab[cdnow]'"

_DISTRIBUTION = "lifetimes"
_FILE = "lifetimes/datasets/CDNOW_master.txt"
_COLUMNS = ("customer_id", "date", "number_of_cds", "dollar_value")


class CdnowNotFoundError(BindingError, FileNotFoundError):
    """The CDNOW file is not available: ``lifetimes`` is not installed or the path is wrong."""


def cdnow_path() -> Path:
    """Find the ``CDNOW_master.txt`` shipped in the installed ``lifetimes`` distribution.

    Raises
    ------
    CdnowNotFoundError
        When ``lifetimes`` is not installed or its wheel lacks the file; the message says
        ``pip install 'segment_lab[cdnow]'``.
    """
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        path = Path(distribution(_DISTRIBUTION).locate_file(_FILE))
    except PackageNotFoundError:
        raise CdnowNotFoundError(
            f"The CDNOW data ships in the {_DISTRIBUTION!r} package, which is not installed. "
            f"Install it with: {INSTALL_HINT}"
        ) from None
    if not path.is_file():
        raise CdnowNotFoundError(
            f"The installed {_DISTRIBUTION!r} package has no {_FILE} (looked at {str(path)!r}). "
            f"Reinstall it with: {INSTALL_HINT}"
        )
    return path


def _read(path: Path) -> pd.DataFrame:
    import pandas as pd

    raw = pd.read_csv(path, sep=r"\s+", header=None, names=list(_COLUMNS), dtype=str)
    raw = raw[raw["customer_id"].str.isdigit()]  # the lifetimes copy has a header line
    if raw.empty:
        raise CdnowNotFoundError(f"No CDNOW purchases found in {str(path)!r}.")
    return pd.DataFrame({
        "contact_id": raw["customer_id"].astype("int64"),
        "event_type": pd.Series("purchase", index=raw.index, dtype="str"),
        "ts": pd.to_datetime(raw["date"], format="%Y%m%d").astype("datetime64[us]"),
        "quantity": raw["number_of_cds"].astype("int64"),
        "value": raw["dollar_value"].astype("float64"),
    }).reset_index(drop=True)  # fmt: skip


def load_cdnow_frames(path: str | os.PathLike | None = None) -> dict[str, pd.DataFrame]:
    """Read CDNOW as a ``contacts`` and an ``events`` DataFrame.

    Parameters
    ----------
    path
        A ``CDNOW_master.txt`` file (with or without a header line); by default the one in
        the installed ``lifetimes`` package (see :func:`cdnow_path`).

    Returns
    -------
    dict
        ``events``: ``contact_id`` (int64), ``event_type`` (always ``"purchase"``), ``ts``
        (``datetime64[us]``, the purchase date at midnight), ``quantity`` (CDs, int64),
        ``value`` (dollars, float64), ordered by contact and date.
        ``contacts``: ``contact_id``, ``created_at`` (the first purchase date), ``cohort``
        (its month, ``"1997-01"`` to ``"1997-03"``) and ``first_value`` (dollars spent on
        that first day), one row per customer.

    Raises
    ------
    CdnowNotFoundError
        When no file is given and ``lifetimes`` is not installed, or the file is missing.

    Examples
    --------
    >>> frames = load_cdnow_frames()
    >>> len(frames["events"]), len(frames["contacts"])
    (69659, 23570)
    """
    if path is None:
        path = cdnow_path()
    path = Path(path)
    if not path.is_file():
        raise CdnowNotFoundError(f"No CDNOW file at {str(path)!r}. To get it: {INSTALL_HINT}")
    events = _read(path).sort_values(["contact_id", "ts"], kind="stable", ignore_index=True)
    first = events.groupby("contact_id", sort=True).agg(created_at=("ts", "min"))
    on_first_day = events["ts"] == events["contact_id"].map(first["created_at"])
    contacts = first.assign(
        cohort=first["created_at"].dt.strftime("%Y-%m").astype("str"),
        first_value=events[on_first_day].groupby("contact_id")["value"].sum().round(2),
    ).reset_index()
    return {"contacts": contacts, "events": events}


def workspace(path: str | os.PathLike | None = None) -> Workspace:
    """CDNOW as a workspace: purchases as events, customers as contacts.

    "now" is the last second of the last purchase day, every contacts column is static
    (no history is needed: they never change) and the catalog holds
    :func:`example_segments`.  :meth:`segment_lab.Workspace.from_cdnow` calls this.

    Parameters
    ----------
    path
        As in :func:`load_cdnow_frames`.

    Returns
    -------
    Workspace
        An in-memory DuckDB workspace.

    Raises
    ------
    CdnowNotFoundError
        As :func:`load_cdnow_frames`.

    Examples
    --------
    >>> ws = workspace()
    >>> ws.now
    datetime.datetime(1998, 6, 30, 23, 59, 59)
    >>> ws.count(ws.catalog["repeat-buyers"], as_of="1997-06-30")
    2014
    """
    from segment_lab.engine import Bindings
    from segment_lab.workspace import Workspace

    frames = load_cdnow_frames(path)
    last = frames["events"]["ts"].max()
    return Workspace.from_pandas(
        frames["contacts"],
        frames["events"],
        catalog=example_segments(),
        now=last.to_pydatetime().replace(hour=23, minute=59, second=59),
        bindings=Bindings(static=tuple(c for c in frames["contacts"].columns)),
    )


def example_segments() -> tuple[Segment, ...]:
    """Return a few segments that read well on CDNOW (evaluate them between 1997 and mid-1998).

    Examples
    --------
    >>> from segment_lab import Catalog
    >>> Catalog(example_segments()).names
    ('repeat-buyers', 'lapsed', 'big-spenders', 'one-and-done', 'bulk-buyers', 'active-january-cohort')
    """
    purchase = event("purchase")
    return (
        Segment(
            "repeat-buyers",
            purchase.count(within="90d") >= 2,
            description="At least 2 purchases in the last 90 days (same-day ones count apart).",
        ),
        Segment(
            "lapsed",
            purchase.last_seen() < "-180d",
            description="Bought before, but not in the last 180 days.",
        ),
        Segment(
            "big-spenders",
            purchase.sum("value", within="365d") >= 100,
            description="Spent at least $100 in the last 365 days.",
        ),
        Segment(
            "one-and-done",
            (purchase.count() == 1) & (field("created_at") < "-90d"),
            description="A single purchase, made more than 90 days ago.",
        ),
        Segment(
            "bulk-buyers",
            purchase.where(field("quantity") >= 5).exists(within="365d"),
            description="Bought 5 or more CDs at once in the last 365 days.",
        ),
        Segment(
            "active-january-cohort",
            (field("cohort") == "1997-01") & purchase.exists(within="90d"),
            description="First bought in January 1997 and bought again in the last 90 days.",
        ),
    )
