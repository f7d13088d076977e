"""Shared fixtures: the demo workspace, its catalog, the tiny sample, small workspaces and
the ``backend`` the parity tests run on (DuckDB, PostgreSQL, PySpark: ``tests/backends.py``).

Session-scoped fixtures are built once per process (once per xdist worker). A
``Workspace`` is a value (``with_catalog`` and ``with_now`` return new ones), so
sharing one is safe; a test that inspects a workspace's own caches (``test_plans``)
builds its own. Data frames are handed out as copies.

``tests`` is a package: helpers import as ``from tests.helpers import ...`` (see
``tests/helpers.py``); test modules never import each other (``test_test_hygiene``).
"""

from __future__ import annotations

import pandas as pd
import pytest

import segment_lab as sl
from segment_lab import sample
from tests import hand_cases
from tests.backends import BACKEND_PARAMS, Backend, start_backend
from tests.helpers import dataset_workspace


@pytest.fixture(scope="session")
def demo_ws() -> sl.Workspace:
    """``Workspace.demo()``: the generated sample data with the demo catalog."""
    return sl.Workspace.demo()


@pytest.fixture(scope="session")
def demo_catalog() -> sl.Catalog:
    """The demo catalog (``sample.demo_catalog()``), the one ``demo_ws`` carries."""
    return sample.demo_catalog()


@pytest.fixture(scope="session")
def _tiny_frames() -> dict[str, pd.DataFrame]:
    return sample.generate("tiny", seed=0)


@pytest.fixture
def tiny_frames(_tiny_frames) -> dict[str, pd.DataFrame]:
    """``sample.generate("tiny", seed=0)``: small random data with history (copies)."""
    return {name: frame.copy() for name, frame in _tiny_frames.items()}


@pytest.fixture(scope="session")
def contacts_only_ws() -> sl.Workspace:
    """Two contacts with ``created_at`` and no events table."""
    contacts = pd.DataFrame(
        {"contact_id": [1, 2], "created_at": pd.to_datetime(["2024-01-01", "2024-01-02"])}
    )
    return sl.Workspace.from_pandas(contacts)


@pytest.fixture(scope="session")
def hand_ws() -> sl.Workspace:
    """The hand-computed dataset of ``tests/hand_cases.py`` with its catalog."""
    return dataset_workspace(hand_cases.DATA, hand_cases.CATALOG)


@pytest.fixture(scope="session")
def hand_history_ws() -> sl.Workspace:
    """The hand-computed dataset with its SCD2 history rows (``hand_cases.HDATA``)."""
    return dataset_workspace(hand_cases.HDATA)


@pytest.fixture(scope="session", params=BACKEND_PARAMS)
def backend(request) -> Backend:
    """An engine started once per session (per xdist worker) and always stopped.

    DuckDB in memory, a throwaway PostgreSQL cluster on 127.0.0.1, PySpark in local mode
    (marked ``slow``); the PostgreSQL and Spark tests each run on one worker
    (``xdist_group``), so each engine starts once.
    """
    with start_backend(request.param) as engine:
        yield engine
