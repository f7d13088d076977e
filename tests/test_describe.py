"""Plain-language descriptions: one sentence per rule, nested groups bracketed."""

from __future__ import annotations

import datetime as dt

import pytest

from segment_lab import Catalog, Segment, all_of, any_of, event, field, in_segment
from segment_lab.model import Rule
from segment_lab.model._describe import describe_rule, label, time_text
from segment_lab.model._time import as_time_value

CASES = [
    (field("city") == "Tokyo", "City is Tokyo"),
    (field("city") != "New York", "City is not 'New York'"),
    (field("points") >= 1000, "Points is at least 1,000"),
    (field("points") < 10.5, "Points is less than 10.5"),
    (field("points") == 1234567, "Points is 1,234,567"),
    (field("job_title") == "CTO", "Job title is CTO"),
    (field("name") == "", "Name is ''"),
    (field("is_active") == True, "Is active is true"),  # noqa: E712 - builds a rule
    (field("signup_at") > "-30d", "Signup at is less than 30 days ago"),
    (field("signup_at") <= dt.date(2024, 1, 1), "Signup at is on or before 2024-01-01"),
    (field("signup_at") < "-90d", "Signup at is more than 90 days ago"),
    (
        ~event(["email_open", "page_visit"]).exists(within="90d"),
        "has neither opened an email nor visited a page in the last 90 days",
    ),
    (field("seen_at") >= dt.datetime(2024, 1, 1, 9, 30), "Seen at is on or after 2024-01-01T09:30:00"),
    (field("last_login") < "today-1d", "Last login is before 1 day before today"),
    (field("country").isin(["JP"]), "Country is JP"),
    (field("country").notin(["JP"]), "Country is not JP"),
    (field("country").isin(["JP", "KR", "CN"]), "Country is one of JP, KR or CN"),
    (field("country").notin(["JP", "KR"]), "Country is none of JP and KR"),
    (field("score").between(1, 5), "Score is between 1 and 5"),
    (field("email").contains("@gmail"), "Email contains '@gmail'"),
    (field("email").startswith("info"), "Email starts with 'info'"),
    (field("email").endswith(".jp"), "Email ends with '.jp'"),
    (field("name").like("A%"), "Name is like 'A%'"),
    (field("phone").matches(r"^\+81"), "Phone matches the pattern '^\\+81'"),
    (field("phone").isnull(), "Phone is unknown"),
    (field("phone").notnull(), "Phone is known"),
    (field("company").empty(), "Company is empty"),
    (field("company").notempty(), "Company is not empty"),
    (field("tech").has_any(["python"]), "Tech includes python"),
    (field("tech").has_any(["python", "go"]), "Tech includes any of python or go"),
    (field("tech").has_all(["python", "duckdb"]), "Tech includes all of python and duckdb"),
    (field("tech").has_none(["java"]), "Tech does not include java"),
    (field("tech").has_none(["java", "php"]), "Tech includes neither java nor php"),
    (field("tech").has_none(["java", "php", "perl"]), "Tech includes none of java, php or perl"),
    (event("email_open").count(within="30d") >= 3, "opened an email at least 3 times in the last 30 days"),
    (event("email_open").exists(within="7d"), "opened an email in the last 7 days"),
    (event("email_open").exists(), "opened an email"),
    (event("email_open").count() == 0, "never opened an email"),
    (event("email_open").count(within="30d") == 0, "not opened an email in the last 30 days"),
    (~event("page_visit").exists(within="14d"), "not visited a page in the last 14 days"),
    (~event("page_visit").exists(), "never visited a page"),
    (event("login").count(within="1d") > 1, "logged in more than 1 time in the last day"),
    (event("login").count(within="1w") != 2, "logged in other than 2 times in the last week"),
    (event("login").count(within="12h") <= 1, "logged in at most 1 time in the last 12 hours"),
    (event("login").count(within="90min") < 3, "logged in fewer than 3 times in the last 90 minutes"),
    (event("login").count() == 5, "logged in exactly 5 times"),
    (
        event("purchase").sum("order_value", within="90d") > 100,
        "made a purchase with a total order value above 100 in the last 90 days",
    ),
    (event("purchase").sum("amount") <= 50, "made a purchase with a total amount of at most 50"),
    (event("purchase").last_seen() < "-90d", "last made a purchase more than 90 days ago"),
    (event("login").last_seen() >= "-7d", "last logged in at most 7 days ago"),
    (event("login").last_seen() < "today", "last logged in before today"),
    (event("purchase").first_seen() >= "2024-01-01", "first made a purchase on or after 2024-01-01"),
    (
        event(["email_open", "email_click"]).count(between=("2024-01-01", "2024-02-01")) >= 2,
        "opened an email or clicked a link in an email at least 2 times between 2024-01-01 and "
        "2024-02-01",
    ),
    (
        event("page_visit").where(field("url").contains("/pricing")).exists(within="7d"),
        "visited a page (where Url contains '/pricing') in the last 7 days",
    ),
    (event("webinar_joined").exists(), "did 'webinar_joined'"),
    (in_segment("vip"), "is in segment 'vip'"),
    (~in_segment("vip"), "is not in segment 'vip'"),
    (~(field("city") == "Tokyo"), "not (City is Tokyo)"),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "sentence"), CASES, ids=[s for _, s in CASES])
def test_sentence(rule: Rule, sentence: str) -> None:
    assert rule.describe() == sentence
    assert describe_rule(rule) == sentence


GROUPS = [
    ((field("a") == 1) & (field("b") == 2), "A is 1 and B is 2"),
    ((field("a") == 1) & ((field("b") == 2) | (field("c") == 3)), "A is 1 and (B is 2 or C is 3)"),
    (any_of(all_of(field("a") == 1, field("b") == 2), field("c") == 3), "(A is 1 and B is 2) or C is 3"),
    (~((field("a") == 1) & (field("b") == 2)), "not (A is 1 and B is 2)"),
    (
        all_of(any_of(field("a") == 1, all_of(field("b") == 2, field("c") == 3)), field("d") == 4),
        "(A is 1 or (B is 2 and C is 3)) and D is 4",
    ),
    (all_of(field("a") == 1), "A is 1"),  # a group of one needs no brackets
    (
        any_of(all_of(field("a") == 1), field("b") == 2),
        "A is 1 or B is 2",
    ),
    (
        (field("city") == "Tokyo") & (event("email_open").count(within="30d") >= 3),
        "City is Tokyo and opened an email at least 3 times in the last 30 days",
    ),
    (
        event("purchase").where((field("amount") > 10) | (field("coupon") == "X")).exists(),
        "made a purchase (where Amount is greater than 10 or Coupon is X)",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "sentence"), GROUPS, ids=[s for _, s in GROUPS])
def test_nested_groups_are_bracketed(rule: Rule, sentence: str) -> None:
    assert rule.describe() == sentence


def test_segment_describe_and_html() -> None:
    seg = Segment(
        "tokyo <vip>", (field("city") == "Tokyo") & in_segment("vip"), "Big & loyal", ("geo",)
    )
    assert seg.describe() == "City is Tokyo and is in segment 'vip'"
    html = seg._repr_html_()
    assert "Segment tokyo &lt;vip&gt;" in html
    assert "Big &amp; loyal" in html
    assert "City is Tokyo and is in segment &#x27;vip&#x27;" in html
    assert ">geo</span>" in html
    # the definition as DSL code, escaped, and the YAML on demand
    code = "(field(&#x27;city&#x27;) == &#x27;Tokyo&#x27;) &amp; in_segment(&#x27;vip&#x27;)"
    assert f"<code>{code}</code>" in html
    assert "<details><summary>YAML</summary><pre>" in html
    assert "name: tokyo &lt;vip&gt;" in html
    assert "Compare(" not in html  # not the internal repr
    assert (field("a") < 3)._repr_html_().endswith(">A is less than 3</div>")
    cat = Catalog([Segment("vip", field("points") > 9), seg])
    assert "Catalog of 2 segments" in cat._repr_html_()
    assert "<td>Points is greater than 9</td>" in cat._repr_html_()


def test_labels_and_times() -> None:
    assert label("job_title") == "Job title"
    assert label("city") == "City"
    assert [
        time_text(as_time_value(t)) for t in ("now", "-1d", "+2w", "yesterday", "today+3h")
    ] == [
        "now",
        "1 day ago",
        "2 weeks from now",
        "yesterday",
        "3 hours after today",
    ]


def test_unknown_node_fails_loudly_with_its_type_name() -> None:
    class Custom(Rule):
        pass

    with pytest.raises(TypeError, match="No description for rule node Custom"):
        describe_rule(Custom())


def test_segment_html_escapes_every_user_string() -> None:
    seg = Segment(
        "<script>name</script>",
        (field("<b>f</b>") == "</code></pre><script>v</script>") & event("<i>e</i>").exists(),
        "<img src=x onerror=alert(1)>",
        ("<u>tag</u>",),
    )
    html = seg._repr_html_()
    for raw in ("<script>", "<b>f", "</code></pre><script>", "<i>e", "<img", "<u>"):
        assert raw not in html, raw
