"""A tiny dataset and the member sets worked out on paper for it.

``tests/test_reference.py`` checks the reference evaluator against these cases and
``tests/test_differential.py`` checks the engine against the same ones.

The evaluation instant is ``T = 2024-03-10 12:00``.  Contacts (``created_at`` in
brackets; contact 4 is created after T, contact 5 has no ``created_at``):

====  ==========  =========  ================  ======  =====  ===========  ==========  ===============
id    created     city       job_title         points  score  is_customer  signup      technologies
====  ==========  =========  ================  ======  =====  ===========  ==========  ===============
1     03-01       'Tokyo'    'CTO'             10      1.5    True         03-02       [python, aws]
2     03-02       ' tokyo'   'cto'             None    None   None         None        []
3     03-03       None       'Developer'       3       0.0    False        03-09       None
4     03-12       'Tokyo'    'CTO'             50      9.0    True         03-12       [python]
5     None        ''         'VP Engineering'  0       -1.0   None         None        [go]
====  ==========  =========  ================  ======  =====  ===========  ==========  ===============
"""

from __future__ import annotations

import datetime as dt

from segment_lab import Catalog, Segment, all_of, any_of, event, field, in_segment
from tests.reference import Dataset

#: the evaluation instant of every case
T = dt.datetime(2024, 3, 10, 12)
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


def d(day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2024, 3, day, hour)


def contact_row(cid, created, city, job, points, score, customer, signup, tech) -> dict:
    return {
        "contact_id": cid,
        "created_at": created,
        "city": city,
        "job_title": job,
        "points": points,
        "score": score,
        "is_customer": customer,
        "signup_date": signup,
        "technologies": tech,
    }


CONTACTS = [
    contact_row(1, d(1), "Tokyo", "CTO", 10, 1.5, True, d(2), ["python", "aws"]),
    contact_row(2, d(2), " tokyo", "cto", None, None, None, None, []),
    contact_row(3, d(3), None, "Developer", 3, 0.0, False, d(9), None),
    contact_row(4, d(12), "Tokyo", "CTO", 50, 9.0, True, d(12), ["python"]),
    contact_row(5, None, "", "VP Engineering", 0, -1.0, None, None, ["go"]),
]


def event_row(cid, kind, ts, url=None, value=None) -> dict:
    return {"contact_id": cid, "event_type": kind, "ts": ts, "url": url, "value": value}


EVENTS = [
    event_row(1, "email_open", T),  # exactly at t
    event_row(1, "email_open", T - DAY),  # exactly on the edge of within="1d" (excluded)
    event_row(1, "email_open", T - 3 * DAY),
    event_row(2, "email_open", T + HOUR),  # after t: invisible
    event_row(2, "purchase", d(1, 12), "/pricing", 20.0),
    event_row(2, "purchase", d(5, 12), "/PRICING", None),
    event_row(3, "page_visit", d(9), "/docs"),
    event_row(3, "purchase", d(9), None, 5.0),
    event_row(4, "email_open", T - HOUR),  # contact 4 does not exist yet at T
    event_row(99, "email_open", T),  # no such contact
]

DATA = Dataset(CONTACTS, EVENTS)
CATALOG = Catalog(
    [
        Segment("tokyo", field("city") == "Tokyo"),
        Segment("tokyo-buyers", in_segment("tokyo") & event("purchase").exists()),
    ]
)

CASES = [
    # comparisons: NULL never satisfies a positive comparison; != is exactly ~(==)
    ("eq", field("city") == "Tokyo", {1}),
    ("ne includes NULL", field("city") != "Tokyo", {2, 3, 5}),
    ("gt int", field("points") > 5, {1}),
    ("lt int skips NULL", field("points") < 5, {3, 5}),
    ("ge float", field("score") >= 0, {1, 3}),
    ("le float", field("score") <= 0, {3, 5}),
    ("string order", field("job_title") < "D", {1}),  # 'CTO' < 'D' < 'Developer'
    ("bool eq", field("is_customer") == False, {3}),  # noqa: E712
    ("bool ne includes NULL", field("is_customer") != True, {2, 3, 5}),  # noqa: E712
    ("iso string vs timestamp", field("signup_date") >= "2024-03-05", {3}),
    ("relative time", field("signup_date") < "-3d", {1}),
    ("datetime value", field("signup_date") == d(9), {3}),
    ("created_at NULL is no match", field("created_at") <= "today", {1, 2, 3}),
    ("tomorrow anchor", field("signup_date") < "tomorrow", {1, 3}),
    ("yesterday anchor", field("signup_date") >= "yesterday", {3}),
    # isin / notin / between
    ("isin", field("city").isin(["Tokyo", ""]), {1, 5}),
    ("notin includes NULL", field("city").notin(["Tokyo", ""]), {2, 3}),
    ("isin numbers", field("points").isin([0, 3, 7]), {3, 5}),
    ("between inclusive", field("points").between(0, 3), {3, 5}),
    ("between float", field("score").between(0, 1.5), {1, 3}),
    ("between times", field("signup_date").between("2024-03-02", "2024-03-09"), {1, 3}),
    ("between relative", field("signup_date").between("-2d", "now"), {3}),
    # text: contains/startswith/endswith/like ignore case; matches is a case-sensitive search
    ("contains", field("city").contains("TOK"), {1, 2}),
    ("startswith", field("city").startswith("tok"), {1}),
    ("endswith", field("city").endswith("YO"), {1, 2}),
    ("contains empty", field("city").contains(""), {1, 2, 5}),
    ("like whole value", field("city").like("tokyo"), {1}),
    ("like underscore", field("city").like("_tokyo"), {2}),
    ("like percent matches empty", field("city").like("%"), {1, 2, 5}),
    ("like mixed", field("job_title").like("%eng%r%"), {5}),
    ("matches anywhere", field("city").matches("okyo"), {1, 2}),
    ("matches case", field("city").matches("^T"), {1}),
    ("matches empty", field("city").matches("^$"), {5}),
    # null / empty
    ("isnull", field("city").isnull(), {3}),
    ("notnull", field("city").notnull(), {1, 2, 5}),
    ("empty string", field("city").empty(), {3, 5}),
    ("notempty", field("city").notempty(), {1, 2}),
    ("empty list", field("technologies").empty(), {2, 3}),
    ("isnull list", field("technologies").isnull(), {3}),
    # lists
    ("has_any", field("technologies").has_any(["python", "go"]), {1, 5}),
    ("has_all", field("technologies").has_all(["python", "aws"]), {1}),
    ("has_all missing one", field("technologies").has_all(["python", "go"]), set()),
    ("has_none on NULL and []", field("technologies").has_none(["python"]), {2, 3, 5}),
    # events: windows, clipping at t, unknown contacts, contacts not yet created
    ("within includes t, excludes t-d", event("email_open").count(within="1d") == 1, {1}),
    ("within 2d", event("email_open").count(within="2d") == 2, {1}),
    ("exists ignores the future", event("email_open").exists(), {1}),
    ("count == 0", event("email_open").count() == 0, {2, 3, 5}),
    ("count != 3", event("email_open").count() != 3, {2, 3, 5}),
    (
        "between [a, b)",
        event("email_open").count(between=(T - 3 * DAY, T)) == 2,
        {1},
    ),
    ("between clipped at t", event("email_open").count(between=("-1d", "+1d")) == 2, {1}),
    (
        "between relative end excluded",
        event("email_open").count(between=("-3d", "-1d")) == 1,
        {1},
    ),
    ("several types", event(["page_visit", "purchase"]).count() == 2, {2, 3}),
    ("sum skips NULL values", event("purchase").sum("value") >= 20, {2}),
    ("sum is 0 without events", event("purchase").sum("value") == 0, {1, 5}),
    ("sum within", event("purchase").sum("value", within="2d") < 10, {1, 2, 3, 5}),
    ("last_seen", event("purchase").last_seen() < "-3d", {2}),
    ("last_seen != false without events", event("purchase").last_seen() != "-100d", {2, 3}),
    ("first_seen", event("purchase").first_seen() == d(1, 12), {2}),
    ("first_seen within", event("purchase").first_seen(within="7d") > "2024-03-01", {2, 3}),
    (
        "where text",
        event("purchase").where(field("url").contains("pricing")).count() == 2,
        {2},
    ),
    ("where null", event("purchase").where(field("url").isnull()).exists(), {3}),
    ("where number", event("purchase").where(field("value") > 4).exists(), {2, 3}),
    (
        "where ne keeps NULL urls",
        event("purchase").where(field("url") != "/pricing").count() == 1,
        {2, 3},
    ),
    # composition and universe
    ("not is complement in universe", ~(field("city") == "Tokyo"), {2, 3, 5}),
    ("not of nothing is the universe", ~(field("points") > 100), {1, 2, 3, 5}),
    ("and", (field("job_title").contains("cto")) & (field("points") > 0), {1}),
    ("or", (field("points") > 5) | field("city").empty(), {1, 3, 5}),
    ("all_of / any_of", all_of(any_of(field("points") == 0, field("points") == 3)), {3, 5}),
    ("universe excludes later contacts", field("points") > 40, set()),
    # segments
    ("in_segment", in_segment("tokyo") | (field("points") < 1), {1, 5}),
    ("not in_segment", ~in_segment("tokyo"), {2, 3, 5}),
    ("nested in_segment", in_segment("tokyo-buyers"), set()),
]


# -- contact history ----------------------------------------------------------------------

HISTORY = [
    # contact 1: Paris until 03-05, then Tokyo until 03-10 12:00 (exclusive), then Osaka
    {"contact_id": 1, "valid_from": d(1), "valid_to": d(5), "city": "Paris", "points": 1},
    {"contact_id": 1, "valid_from": d(5), "valid_to": T, "city": "Tokyo", "points": 2},
    {"contact_id": 1, "valid_from": T, "valid_to": None, "city": "Osaka", "points": 3},
    # contact 2: first row starts a day after its creation
    {"contact_id": 2, "valid_from": d(3), "valid_to": None, "city": "Tokyo", "points": 7},
    # contact 3: a closed row only
    {"contact_id": 3, "valid_from": d(3), "valid_to": d(6), "city": "Tokyo", "points": 4},
    # contact 5: a row that starts after T is invisible at T
    {"contact_id": 5, "valid_from": T + HOUR, "valid_to": None, "city": "Tokyo", "points": 9},
]
HDATA = Dataset(CONTACTS, EVENTS, HISTORY)


HISTORY_CASES = [
    (d(4), {2, 3}),
    (d(5), {1, 2, 3}),  # valid_from is inclusive
    (d(6), {1, 2}),  # valid_to is exclusive
    (T - dt.timedelta(microseconds=1), {1, 2}),
    (T, {2}),
    (T + HOUR, {2, 5}),
]
