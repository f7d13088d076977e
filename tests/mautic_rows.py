"""A small Mautic 5 database as plain rows, with Mautic's table and column names.

The rows are plain Python values so that the same database can be loaded into DuckDB
(:func:`load_duckdb`) or another SQL backend: :data:`TABLES` holds each table's columns
with portable SQL types and its rows.  The evaluation instant of the hand-written
expectations is :data:`NOW`, a Wednesday: this week starts on Monday 2024-06-10.

Leads (contacts), at NOW lead 10 does not exist yet (``date_added`` after NOW):

== ========= ======= ================= =========== ============== ====== ================= ==========
id firstname lastname email            city        country        points hobbies (multi)   newsletter
== ========= ======= ================= =========== ============== ====== ================= ==========
1  Ana       Novak   ana@acme.com      Prague      Czech Republic 120    golf|chess        1
2  Ben       Ortiz   ben@Acme.COM      Prague 11   Czech Republic 40     golf              0
3  Chloe     NULL    NULL              Praha       Czech Republic NULL   NULL              NULL
4  Dev       Patel   dev@example.org   NULL        Germany        20     chess|tennis      1
5  Eve       Smith   eve@acme.com      Berlin      Germany        5      ''                0
6  Finn      ''      finn_x@mail.com   prague      France         0      tennis            1
7  Gus       Lee     gus@mail.com      Lyon        France         75     golf|tennis       NULL
8  Hana      Kim     NULL              Paris       ''             300    NULL              0
9  Ivo       Mraz    ivo@acme.org      Brno        NULL           -10    chess             1
10 Jan       Vos     jan@x.io          Amsterdam   Netherlands    20     golf|chess|tennis 0
== ========= ======= ================= =========== ============== ====== ================= ==========
"""

from __future__ import annotations

import datetime as dt

__all__ = ["NOW", "TABLES", "load", "load_duckdb"]

NOW = dt.datetime(2024, 6, 12, 10, 0)


def _t(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


_LEAD_COLUMNS = (
    ("id", "BIGINT"), ("firstname", "VARCHAR"), ("lastname", "VARCHAR"), ("email", "VARCHAR"),
    ("city", "VARCHAR"), ("country", "VARCHAR"), ("points", "BIGINT"), ("hobbies", "VARCHAR"),
    ("newsletter", "BIGINT"), ("owner_id", "BIGINT"), ("stage_id", "BIGINT"),
    ("date_added", "TIMESTAMP"), ("date_identified", "TIMESTAMP"), ("last_active", "TIMESTAMP"),
)  # fmt: skip
# date_identified: one per relative keyword; last_active: around the interval forms
_LEADS = [
    (1, "Ana", "Novak", "ana@acme.com", "Prague", "Czech Republic", 120, "golf|chess", 1, 1, 1,
     "2023-11-05 00:00:00", "2024-06-12 00:00:00", "2024-06-12 08:00:00"),
    (2, "Ben", "Ortiz", "ben@Acme.COM", "Prague 11", "Czech Republic", 40, "golf", 0, 2, None,
     "2024-01-15 00:00:00", "2024-06-13 12:00:00", "2024-06-11 23:59:59"),
    (3, "Chloe", None, None, "Praha", "Czech Republic", None, None, None, None, 2,
     "2024-03-01 00:00:00", "2024-06-11 23:59:59", "2024-05-13 00:00:00"),
    (4, "Dev", "Patel", "dev@example.org", None, "Germany", 20, "chess|tennis", 1, 1, 1,
     "2024-05-20 00:00:00", "2024-06-05 00:00:00", "2024-05-13 18:00:00"),
    (5, "Eve", "Smith", "eve@acme.com", "Berlin", "Germany", 5, "", 0, 2, None,
     "2024-06-12 09:00:00", "2024-06-19 00:00:00", "2024-05-12 23:00:00"),
    (6, "Finn", "", "finn_x@mail.com", "prague", "France", 0, "tennis", 1, None, 2,
     "2024-02-01 00:00:00", "2024-05-31 23:59:59", "2024-05-29 10:00:00"),
    (7, "Gus", "Lee", "gus@mail.com", "Lyon", "France", 75, "golf|tennis", None, 1, 1,
     "2023-06-30 00:00:00", "2024-07-02 00:00:00", "2024-06-19 08:00:00"),
    (8, "Hana", "Kim", None, "Paris", "", 300, None, 0, None, None,
     "2024-04-04 00:00:00", "2023-12-31 00:00:00", None),
    (9, "Ivo", "Mraz", "ivo@acme.org", "Brno", None, -10, "chess", 1, 2, 2,
     "2022-01-01 00:00:00", "2025-01-01 00:00:00", "2024-01-10 00:00:00"),
    (10, "Jan", "Vos", "jan@x.io", "Amsterdam", "Netherlands", 20, "golf|chess|tennis", 0, 1,
     None, "2024-06-12 11:00:00", None, "2024-06-10 00:00:00"),
]  # fmt: skip

_TAGS = [(1, "vip"), (2, "newsletter"), (3, "churn")]
_TAG_XREF = [(1, 1), (1, 2), (2, 2), (4, 3), (6, 1), (7, 1), (7, 3)]  # (lead_id, tag_id)

_EMAIL_STATS = [  # id, email_id, lead_id, date_sent, is_read, date_read, open_count
    (1, 1, 1, "2024-06-01 09:00:00", 1, "2024-06-01 10:00:00", 3),
    (2, 2, 1, "2024-06-10 09:00:00", 0, None, 0),
    (3, 1, 2, "2024-06-01 09:00:00", 1, "2024-06-11 08:00:00", 1),
    (4, 1, 3, "2024-06-01 09:00:00", 0, None, 0),
    (5, 2, 4, "2024-05-01 09:00:00", 1, "2024-05-02 00:00:00", 2),
    (6, 3, 6, "2024-01-05 00:00:00", 1, "2024-01-06 00:00:00", 5),
    (7, 2, 9, "2024-06-12 09:30:00", 0, None, 0),
]

_PAGE_HITS = [  # id, lead_id, date_hit, url, url_title, referer, source, redirect_id, page_id, email_id
    (1, 1, "2024-06-12 08:00:00", "https://example.com/pricing", "Pricing", "google.com",
     None, None, 5, None),
    (2, 1, "2024-06-01 09:05:00", "https://example.com/go?x=1", None, None, "email", 7, None, 1),
    (3, 2, "2024-06-11 08:05:00", "https://example.com/pricing/enterprise", "Enterprise", None,
     None, None, 6, None),
    (4, 3, "2024-05-20 12:00:00", "https://shop.example.com/cart", "Cart", "bing.com",
     None, None, None, None),
    (5, 3, "2024-05-21 12:00:00", "https://example.com/blog/post_1", "Blog", None,
     None, None, None, None),
    (6, 4, "2024-06-03 10:00:00", "https://example.com/go?y=2", None, None, "email", 8, None, 2),
    (7, 6, "2024-06-12 09:00:00", "http://EXAMPLE.com/Pricing", "Pricing", None,
     None, None, None, None),
    (8, None, "2024-06-12 09:10:00", "https://example.com/pricing", "Pricing", None,
     None, None, 5, None),
    (9, 9, "2024-04-01 00:00:00", "https://example.com/sms", None, None, "sms", 9, None, None),
]  # fmt: skip

_DNC = [  # id, lead_id, date_added, reason (1 unsubscribed, 2 bounced, 3 manual), channel
    (1, 2, "2024-05-01 00:00:00", 1, "email"),
    (2, 3, "2024-06-01 00:00:00", 2, "email"),
    (3, 6, "2024-03-03 00:00:00", 3, "sms"),
    (4, 9, "2024-06-12 09:59:00", 1, "email"),
]

_LEAD_LISTS = [(1, "Prague", "prague"), (2, "VIPs", "vips")]  # id, name, alias
_LIST_LEADS = [  # leadlist_id, lead_id, date_added, manually_removed, manually_added
    (1, 1, "2024-05-01 00:00:00", 0, 0),
    (1, 2, "2024-05-01 00:00:00", 0, 0),
    (1, 6, "2024-05-01 00:00:00", 1, 0),  # Finn was removed by hand
    (1, 8, "2024-05-02 00:00:00", 0, 1),  # Hana was added by hand
    (2, 1, "2024-05-01 00:00:00", 0, 0),
]


def _rows(rows: list[tuple], times: tuple[int, ...]) -> list[tuple]:
    return [tuple(_t(v) if i in times else v for i, v in enumerate(r)) for r in rows]


#: table -> (columns as (name, SQL type), rows)
TABLES: dict[str, tuple[tuple[tuple[str, str], ...], list[tuple]]] = {
    "leads": (_LEAD_COLUMNS, _rows(_LEADS, (11, 12, 13))),
    "lead_tags": ((("id", "BIGINT"), ("tag", "VARCHAR")), _TAGS),
    "lead_tags_xref": ((("lead_id", "BIGINT"), ("tag_id", "BIGINT")), _TAG_XREF),
    "email_stats": (
        (("id", "BIGINT"), ("email_id", "BIGINT"), ("lead_id", "BIGINT"),
         ("date_sent", "TIMESTAMP"), ("is_read", "BIGINT"), ("date_read", "TIMESTAMP"),
         ("open_count", "BIGINT")),
        _rows(_EMAIL_STATS, (3, 5)),
    ),
    "page_hits": (
        (("id", "BIGINT"), ("lead_id", "BIGINT"), ("date_hit", "TIMESTAMP"), ("url", "VARCHAR"),
         ("url_title", "VARCHAR"), ("referer", "VARCHAR"), ("source", "VARCHAR"),
         ("redirect_id", "BIGINT"), ("page_id", "BIGINT"), ("email_id", "BIGINT")),
        _rows(_PAGE_HITS, (2,)),
    ),
    "lead_donotcontact": (
        (("id", "BIGINT"), ("lead_id", "BIGINT"), ("date_added", "TIMESTAMP"),
         ("reason", "BIGINT"), ("channel", "VARCHAR")),
        _rows(_DNC, (2,)),
    ),
    "lead_lists": ((("id", "BIGINT"), ("name", "VARCHAR"), ("alias", "VARCHAR")), _LEAD_LISTS),
    "lead_lists_leads": (
        (("leadlist_id", "BIGINT"), ("lead_id", "BIGINT"), ("date_added", "TIMESTAMP"),
         ("manually_removed", "BIGINT"), ("manually_added", "BIGINT")),
        _rows(_LIST_LEADS, (2,)),
    ),
}  # fmt: skip


def load(cursor: object, placeholder: str = "?", prefix: str = "") -> None:
    """Create and fill every table through a DB-API cursor or connection.

    ``placeholder`` is the driver's parameter mark: ``?`` for DuckDB and SQLite, ``%s``
    for psycopg (PostgreSQL). The column types are portable SQL (BIGINT, VARCHAR,
    TIMESTAMP). ``prefix`` is Mautic's table prefix (``db_table_prefix``).
    """
    for name, (columns, rows) in TABLES.items():
        ddl = ", ".join(f"{c} {t}" for c, t in columns)
        cursor.execute(f"CREATE TABLE {prefix}{name} ({ddl})")  # type: ignore[attr-defined]
        marks = ", ".join(placeholder for _ in columns)
        cursor.executemany(f"INSERT INTO {prefix}{name} VALUES ({marks})", rows)  # type: ignore[attr-defined]


def load_duckdb(con: object) -> None:
    """Create and fill every table in a DuckDB connection (``duckdb.connect()``)."""
    load(con, "?")
