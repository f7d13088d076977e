"""One chunk as Arrow tables (columns in :data:`TABLES`), and the chunk generator itself.

pyarrow is imported on first use, so that importing :mod:`segment_lab.sample` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from segment_lab.sample._contacts import _life, _moves, _people, _quirk
from segment_lab.sample._events import (
    _emails,
    _Events,
    _forms,
    _intensity,
    _purchases,
    _unsubscribes,
    _visits,
)
from segment_lab.sample._history import _history, _points
from segment_lab.sample._params import _NEVER, _START, EVENT_TYPES, PERSONAS, STAGES, Scale
from segment_lab.sample._world import (
    _CAMPAIGNS,
    _CITY_VOCAB,
    _COUNTRY_VOCAB,
    _TECH,
    _TITLE_VOCAB,
    _W,
    URLS,
)

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

#: Tables and their columns with DuckDB types, in column order.
TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "contacts": (
        ("contact_id", "BIGINT"), ("email", "VARCHAR"), ("first_name", "VARCHAR"),
        ("city", "VARCHAR"), ("country", "VARCHAR"), ("job_title", "VARCHAR"),
        ("company", "VARCHAR"), ("industry", "VARCHAR"), ("lifecycle_stage", "VARCHAR"),
        ("points", "INTEGER"), ("is_customer", "BOOLEAN"), ("technologies", "VARCHAR[]"),
        ("created_at", "TIMESTAMP"),
    ),
    "events": (
        ("contact_id", "BIGINT"), ("event_type", "VARCHAR"), ("ts", "TIMESTAMP"),
        ("url", "VARCHAR"), ("email_id", "VARCHAR"), ("campaign", "VARCHAR"),
        ("value", "DOUBLE"),
    ),
    "contact_history": (
        ("contact_id", "BIGINT"), ("valid_from", "TIMESTAMP"), ("valid_to", "TIMESTAMP"),
        ("job_title", "VARCHAR"), ("lifecycle_stage", "VARCHAR"), ("points", "INTEGER"),
        ("city", "VARCHAR"), ("is_customer", "BOOLEAN"),
    ),
    "truth": (
        ("contact_id", "BIGINT"), ("persona", "VARCHAR"), ("opted_in", "BOOLEAN"),
        ("churn_wave", "BOOLEAN"), ("intent_surge", "BOOLEAN"), ("churned_at", "TIMESTAMP"),
        ("unsubscribed_at", "TIMESTAMP"),
    ),
}  # fmt: skip


def _dict(codes: np.ndarray, vocab: tuple[str, ...]) -> pa.Array:
    """Codes into ``vocab`` as an Arrow dictionary array; negative codes are NULL."""
    import pyarrow as pa

    codes = np.asarray(codes)
    idx = pa.array(codes.astype(np.int16), mask=codes < 0)
    return pa.DictionaryArray.from_arrays(idx, pa.array(vocab, pa.string()))


def _time(seconds: np.ndarray) -> pa.Array:
    """Seconds since 1970 as microsecond timestamps; _NEVER becomes NULL."""
    import pyarrow as pa

    never = seconds >= _NEVER
    return pa.array(np.where(never, 0, seconds) * 1_000_000, pa.timestamp("us"), mask=never)


def _technologies(c: dict) -> pa.Array:
    import pyarrow as pa

    tech = c["tech"] & (c["tech_state"] == 0)[:, None]
    _, cols = np.nonzero(tech)
    offsets = np.concatenate([[0], np.cumsum(tech.sum(axis=1))]).astype(np.int32)
    values = pa.array(np.asarray(_TECH, dtype=object)[cols], pa.string())
    return pa.ListArray.from_arrays(offsets, values, mask=pa.array(c["tech_state"] == 2))


def _email(c: dict, ids: np.ndarray) -> pa.Array:
    import pyarrow as pa
    import pyarrow.compute as pc

    local = pc.utf8_lower(_dict(c["name"], _W["names"]).dictionary_decode())
    domain = _dict(c["domain"], _W["domains"]).dictionary_decode()
    return pc.binary_join_element_wise(local, ".", pa.array(ids.astype(str)), "@", domain, "")


def _contacts_table(rng: np.random.Generator, c: dict, h: dict, ids: np.ndarray) -> pa.Table:
    """Build the current values: the open history row of each contact, plus the fixed attributes."""
    import pyarrow as pa

    n, now = len(ids), np.flatnonzero(h["valid_to"] >= _NEVER)  # one open row per contact

    def some_null(codes: np.ndarray, rate: float) -> np.ndarray:
        return np.where(rng.random(n) < rate, -1, codes)

    return pa.table({
        "contact_id": pa.array(ids),
        "email": _email(c, ids),
        "first_name": _dict(some_null(c["name"], 0.01), _W["names"]),
        "city": _dict(h["city"][now], _CITY_VOCAB),
        "country": _dict(c["country_q"], _COUNTRY_VOCAB),
        "job_title": _dict(h["title"][now], _TITLE_VOCAB),
        "company": _dict(some_null(c["company"], 0.03), _W["companies"]),
        "industry": _dict(some_null(c["industry"], 0.05), _W["industries"]),
        "lifecycle_stage": _dict(h["level"][now], STAGES),
        "points": pa.array(h["points"][now].astype(np.int32)),
        "is_customer": pa.array(h["level"][now] == 4),
        "technologies": _technologies(c),
        "created_at": _time(c["created"]),
    })  # fmt: skip


def _history_table(h: dict, first_id: int) -> pa.Table:
    import pyarrow as pa

    return pa.table({
        "contact_id": pa.array(h["i"] + first_id),
        "valid_from": _time(h["valid_from"]),
        "valid_to": _time(h["valid_to"]),
        "job_title": _dict(h["title"], _TITLE_VOCAB),
        "lifecycle_stage": _dict(h["level"], STAGES),
        "points": pa.array(h["points"].astype(np.int32)),
        "city": _dict(h["city"], _CITY_VOCAB),
        "is_customer": pa.array(h["level"] == 4),
    })  # fmt: skip


def _events_table(cols: list[np.ndarray], first_id: int) -> pa.Table:
    """Events ordered by contact, then time (ties keep generation order)."""
    import pyarrow as pa

    i, ts, et, url, email, campaign, value = cols
    order = np.argsort((i << 32) | (ts - _START), kind="stable")
    value = value[order]
    return pa.table({
        "contact_id": pa.array(i[order] + first_id),
        "event_type": _dict(et[order], EVENT_TYPES),
        "ts": _time(ts[order]),
        "url": _dict(url[order], URLS),
        "email_id": _dict(email[order], _CAMPAIGNS["email_id"]),
        "campaign": _dict(campaign[order], _CAMPAIGNS["name"]),
        "value": pa.array(value, mask=np.isnan(value)),
    })  # fmt: skip


def _truth_table(c: dict, ids: np.ndarray) -> pa.Table:
    import pyarrow as pa

    return pa.table({
        "contact_id": pa.array(ids),
        "persona": _dict(c["persona"], PERSONAS),
        "opted_in": pa.array(c["opt_in"]),
        "churn_wave": pa.array(c["wave"]),
        "intent_surge": pa.array(c["surge"]),
        "churned_at": _time(c["churn_at"]),
        "unsubscribed_at": _time(c["unsub_at"]),
    })  # fmt: skip


def _chunk(scale: Scale, seed: int, k: int) -> dict[str, pa.Table]:
    """Chunk ``k`` of a scale, from its own random stream ``(seed, k)``."""
    rng = np.random.default_rng([seed, k])
    first_id = k * scale.chunk_size + 1
    n = min(scale.chunk_size, scale.contacts - k * scale.chunk_size)
    c = _people(rng, n)
    c["country_q"] = _quirk(rng, c["country"], len(_W["countries"]), 0.015, 1, 0.02)
    c["city0"] = _quirk(rng, c["city"], len(_W["cities"]), 0.02, 4, 0.03)
    c["title0"] = _quirk(rng, c["title"], len(_W["titles"]), 0.015, 3, 0.05)
    _life(rng, c)
    ev, grid = _Events(), _intensity(c)
    _forms(rng, c, grid, ev)
    _emails(rng, c, ev)
    _visits(rng, c, grid, ev)
    _purchases(rng, c, ev)
    _unsubscribes(c, ev)
    cols = ev.columns()
    _points(c, cols)
    _moves(rng, c)
    h = _history(c)
    ids = np.arange(first_id, first_id + n, dtype=np.int64)
    return {
        "contacts": _contacts_table(rng, c, h, ids),
        "events": _events_table(cols, first_id),
        "contact_history": _history_table(h, first_id),
        "truth": _truth_table(c, ids),
    }


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    import pyarrow as pa

    plain = [col.cast(col.type.value_type) if pa.types.is_dictionary(col.type) else col
             for col in table.columns]  # fmt: skip
    df = pa.table(plain, names=table.column_names).to_pandas()
    for name in table.column_names:
        if pa.types.is_list(table.schema.field(name).type):  # Python lists, not numpy arrays
            df[name] = table.column(name).to_pylist()
    return df
