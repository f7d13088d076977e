"""The synthetic sample data: determinism, schema, invariants and the planted truth."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from segment_lab import Catalog, Segment, sample
from segment_lab.errors import InvalidValueError

WEEK = pd.Timedelta("7D")


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return sample.generate("sample", seed=0)


def digest(frames: dict[str, pd.DataFrame]) -> str:
    h = hashlib.sha256()
    for name in sorted(frames):
        df = frames[name]
        if "technologies" in df:
            df = df.assign(technologies=df["technologies"].map(repr))
        h.update(name.encode())
        h.update(pd.util.hash_pandas_object(df, index=True).to_numpy().tobytes())
    return h.hexdigest()


# -- determinism -----------------------------------------------------------------------------
def test_same_seed_same_data(frames):
    assert digest(sample.generate("sample", seed=0)) == digest(frames)


def test_other_seed_other_data():
    assert digest(sample.generate("tiny", seed=1)) != digest(sample.generate("tiny", seed=0))


def test_chunking_keeps_the_behaviour(frames):
    """Bench is made of independent chunks: chunked data behaves like unchunked data."""
    chunked = sample.generate(sample.Scale("chunked", 4_000, 1_000), seed=5)
    per_contact = len(chunked["events"]) / len(chunked["contacts"])
    assert per_contact == pytest.approx(len(frames["events"]) / len(frames["contacts"]), rel=0.1)
    assert chunked["contacts"]["contact_id"].tolist() == list(range(1, 4_001))


# -- schema --------------------------------------------------------------------------------------
PANDAS_DTYPES = {
    "BIGINT": "int64",
    "INTEGER": "int32",
    "DOUBLE": "float64",
    "BOOLEAN": "bool",
    "TIMESTAMP": "datetime64[us]",
    "VARCHAR": "str",
    "VARCHAR[]": "object",
}


def test_frame_columns_and_dtypes(frames):
    assert sorted(frames) == sorted(sample.TABLES)
    for name, columns in sample.TABLES.items():
        df = frames[name]
        assert df.columns.tolist() == [c for c, _ in columns], name
        assert {c: str(df[c].dtype) for c, _ in columns} == {
            c: PANDAS_DTYPES[t] for c, t in columns
        }, name


@pytest.fixture(scope="module")
def tiny_db(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("db") / "tiny.duckdb"
    return sample.build_database(path, scale="tiny", seed=0)


def test_database_schema(tiny_db):
    import duckdb

    with duckdb.connect(tiny_db, read_only=True) as con:
        tables = {
            r[0] for r in con.sql("SELECT table_name FROM information_schema.tables").fetchall()
        }
        assert tables == {*sample.TABLES, "build_info"}
        for name, columns in sample.TABLES.items():
            got = con.sql(f"DESCRIBE {name}").fetchall()
            assert [(r[0], r[1]) for r in got] == list(columns), name
        info = dict(con.sql("SELECT * FROM build_info").fetchall())
    assert info["generator_version"] == str(sample.GENERATOR_VERSION)
    assert info["churn_wave_start"] == str(sample.CHURN_WAVE_START)
    assert info["intent_surge_start"] == str(sample.INTENT_SURGE_START)


def test_database_holds_the_generated_data(tiny_db):
    import duckdb

    expected = sample.generate("tiny", seed=0)
    with duckdb.connect(tiny_db, read_only=True) as con:
        for name in sample.TABLES:
            got = con.sql(f"SELECT * FROM {name}").to_arrow_table().to_pandas()
            if "technologies" in got:
                got["technologies"] = got["technologies"].map(
                    lambda v: None if v is None else list(v)
                )
            pd.testing.assert_frame_equal(got, expected[name], check_dtype=False)


def test_build_is_atomic(tmp_path, monkeypatch):
    target = tmp_path / "s.duckdb"
    target.write_text("previous")

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(sample, "_chunk", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        sample.build_database(target, scale="tiny")
    assert target.read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.duckdb"]


def test_is_current(tiny_db, tmp_path):
    import duckdb

    assert sample.is_current(tiny_db, "tiny")
    assert not sample.is_current(tiny_db, "tiny", seed=1)
    assert not sample.is_current(tiny_db, "sample")
    assert not sample.is_current(tmp_path / "missing.duckdb")
    (tmp_path / "junk.duckdb").write_text("not a database")
    assert not sample.is_current(tmp_path / "junk.duckdb")
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    assert not sample.is_current(tmp_path / "empty.duckdb")


def test_static_attributes_never_change():
    history = {c for c, _ in sample.TABLES["contact_history"]}
    contacts = {c for c, _ in sample.TABLES["contacts"]}
    assert contacts - history == set(sample.STATIC_ATTRIBUTES)


def test_cli_builds_a_database(tmp_path, capsys):
    target = tmp_path / "cli" / "tiny.duckdb"
    assert sample.main(["--scale", "tiny", "--path", str(target), "--quiet"]) == 0
    assert target.is_file()
    assert "contacts 200" in capsys.readouterr().err


def test_default_path(monkeypatch, tmp_path):
    monkeypatch.delenv("SEGMENT_LAB_DATA_DIR", raising=False)
    path = sample.default_path("sample")
    assert path.name == "sample.duckdb"
    assert path.parent.name in ("generated", "segment_lab")
    monkeypatch.setenv("SEGMENT_LAB_DATA_DIR", str(tmp_path))
    assert sample.default_path("bench", seed=2) == tmp_path / "bench-seed2.duckdb"


def test_unknown_scale_suggests_a_name():
    with pytest.raises(InvalidValueError, match="Did you mean 'bench'"):
        sample.generate("bnech")


def test_import_stays_light():
    code = (
        "import sys, segment_lab.sample; "
        "print(sorted(m for m in ('ibis', 'duckdb', 'pyarrow', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- invariants ----------------------------------------------------------------------------------
def test_contacts(frames):
    co = frames["contacts"]
    assert co["contact_id"].is_unique and co["email"].is_unique
    assert co["created_at"].max() <= sample.END
    assert (co["created_at"] < sample.START).mean() == pytest.approx(
        sample.PRE_START_SHARE, abs=0.03
    )
    assert set(co["lifecycle_stage"]) == set(sample.STAGES)
    assert (co["is_customer"] == (co["lifecycle_stage"] == "customer")).all()
    assert {"Tokyo", "London", "Berlin", "New York", "San Francisco", "Paris"} <= set(co["city"])
    assert {"CTO", "CEO", "VP Engineering", "Developer", "Marketing Manager"} <= set(
        co["job_title"]
    )


def test_crm_quirks(frames):
    co = frames["contacts"]
    for column in ("city", "country", "job_title", "company", "industry", "first_name"):
        assert 0 < co[column].isna().mean() < 0.1, column
    city = co["city"].dropna()
    odd = city[city != city.str.strip().str.title()]
    assert 0 < len(odd) < 0.05 * len(city)
    tokyo = city[city.str.strip().str.lower() == "tokyo"]
    assert (tokyo == "Tokyo").mean() > 0.9 and (tokyo != "Tokyo").any()  # 'tokyo', ' Tokyo', ...
    tech = co["technologies"]
    assert tech.isna().any()
    assert (tech.dropna().map(len) == 0).any()
    listed = tech.dropna().explode().dropna()
    assert {"python", "aws"} <= set(listed) and listed.map(type).eq(str).all()


def test_timestamps_are_whole_seconds(frames):
    for name, df in frames.items():
        for col in df.select_dtypes("datetime64[us]"):
            values = df[col].dropna().astype("int64")
            assert (values % 1_000_000 == 0).all(), (name, col)


def test_events_stay_in_the_contacts_lifetime(frames):
    ev, co = frames["events"], frames["contacts"]
    created = ev["contact_id"].map(co.set_index("contact_id")["created_at"])
    assert created.notna().all()
    assert (ev["ts"] >= created).all()
    assert ev["ts"].min() >= sample.START and ev["ts"].max() <= sample.END
    assert (sample.END - sample.START).days >= 18 * 30
    assert set(ev["event_type"]) == set(sample.EVENT_TYPES)


def test_event_columns_fit_the_type(frames):
    ev = frames["events"]
    kind = ev["event_type"]
    with_url = kind.isin(["email_click", "page_visit", "form_submit"])
    assert ev["url"].notna().eq(with_url).all()
    emails = kind.isin(["email_sent", "email_open", "email_click", "unsubscribe"])
    assert ev["email_id"].notna().eq(emails).all()
    assert ev.loc[emails, "campaign"].notna().all()
    assert ev["value"].notna().eq(kind == "purchase").all()
    assert (ev.loc[kind == "purchase", "value"] >= 0).all()
    visits = ev.loc[kind == "page_visit", "url"]
    assert {"/pricing", "/docs", "/features", "/contact", "/"} <= set(visits)
    assert visits.str.startswith("/blog/").any()


def test_unsubscribe_stops_email(frames):
    ev, truth = frames["events"], frames["truth"]
    unsub = ev[ev["event_type"] == "unsubscribe"]
    assert unsub["contact_id"].is_unique
    when = unsub.set_index("contact_id")["ts"]
    sent = ev[(ev["event_type"] == "email_sent") & ev["contact_id"].isin(when.index)]
    assert (sent["ts"] < sent["contact_id"].map(when)).all()
    assert when.sort_index().equals(
        truth.dropna(subset=["unsubscribed_at"])
        .set_index("contact_id")["unsubscribed_at"]
        .rename("ts")
        .rename_axis("contact_id")
        .sort_index()
    )
    assert (
        not ev.loc[ev["event_type"] == "email_sent", "contact_id"]
        .isin(truth.loc[~truth["opted_in"], "contact_id"])
        .any()
    )


def test_history_is_scd2(frames):
    h, co = frames["contact_history"], frames["contacts"]
    assert h["contact_id"].is_monotonic_increasing
    g = h.groupby("contact_id")
    assert (g["valid_from"].first() == co.set_index("contact_id")["created_at"]).all()
    nxt = g["valid_from"].shift(-1)
    assert h["valid_to"].isna().eq(nxt.isna()).all()  # one open row, the last
    assert (h["valid_to"].dropna() == nxt.dropna()).all()  # contiguous, no overlap
    assert (h["valid_to"].dropna() > h.loc[h["valid_to"].notna(), "valid_from"]).all()
    assert h["valid_from"].max() <= sample.END
    stage = h["lifecycle_stage"].map({s: k for k, s in enumerate(sample.STAGES)})
    assert (stage.groupby(h["contact_id"]).diff().dropna() >= 0).all()
    assert (h["points"].groupby(h["contact_id"]).diff().dropna() >= 0).all()
    for column in ("job_title", "city", "lifecycle_stage", "points"):
        assert (g[column].nunique(dropna=False) > 1).any(), column


def test_open_history_row_is_the_current_contact(frames):
    h, co = frames["contact_history"], frames["contacts"]
    current = h[h["valid_to"].isna()].set_index("contact_id").sort_index()
    contacts = co.set_index("contact_id").sort_index()
    assert current.index.equals(contacts.index)
    for column in ("job_title", "lifecycle_stage", "points", "city", "is_customer"):
        pd.testing.assert_series_equal(current[column], contacts[column], check_names=False)


def test_personas(frames):
    truth = frames["truth"]
    shares = truth["persona"].value_counts(normalize=True)
    assert set(shares.index) == set(sample.PERSONAS)
    assert shares["casual"] == pytest.approx(0.35, abs=0.03)
    opens = frames["events"].query("event_type == 'email_open'")["contact_id"]
    per_persona = truth.assign(opens=truth["contact_id"].map(opens.value_counts()).fillna(0))
    means = per_persona.groupby("persona")["opens"].mean()
    assert means["champion"] > means["engaged"] > means["casual"] > means["dormant"]


# -- the planted truth, in plain pandas ------------------------------------------------------------
def weekly(df: pd.DataFrame) -> pd.Series:
    """Distinct contacts per week (weeks start on Mondays)."""
    week = df["ts"].dt.to_period("W-SUN").dt.start_time
    return df.groupby(week)["contact_id"].nunique()


def churn_risk_size(ev: pd.DataFrame, t: pd.Timestamp) -> int:
    """CHURN_RISK at t, written out in pandas."""
    opens = ev[(ev["event_type"] == "email_open") & (ev["ts"] <= t)]
    read = opens[opens["ts"] > t - pd.Timedelta("60D")]["contact_id"].value_counts()
    recent = set(opens[opens["ts"] > t - pd.Timedelta("21D")]["contact_id"])
    gone = set(ev[(ev["event_type"] == "unsubscribe") & (ev["ts"] <= t)]["contact_id"])
    return int(sum(1 for c, n in read.items() if n >= 2 and c not in recent and c not in gone))


def pricing_intent_size(ev: pd.DataFrame, t: pd.Timestamp) -> int:
    """PRICING_INTENT at t, written out in pandas."""
    views = ev[
        (ev["event_type"] == "page_visit")
        & ev["url"].str.lower().str.contains("/pricing", regex=False)
        & (ev["ts"] <= t)
        & (ev["ts"] > t - pd.Timedelta("14D"))
    ]
    return int((views["contact_id"].value_counts() >= 3).sum())


def test_churn_wave_cohort_goes_dark(frames):
    ev, truth, co = frames["events"], frames["truth"], frames["contacts"]
    wave = pd.Timestamp(sample.CHURN_WAVE_START)
    cohort = truth.loc[truth["churn_wave"], "contact_id"]
    openers = weekly(ev[(ev["event_type"] == "email_open") & ev["contact_id"].isin(cohort)])
    before = openers[(openers.index >= wave - 8 * WEEK) & (openers.index < wave)].mean()
    after = openers.reindex(pd.date_range(wave, sample.END, freq="7D"), fill_value=0).mean()
    assert after < 0.2 * before
    # 15-20% of the contacts then engaged (an open in the 60 days before), mostly in Retail
    opens = ev[(ev["event_type"] == "email_open") & (ev["ts"] <= wave)]
    engaged = opens.loc[opens["ts"] > wave - pd.Timedelta("60D"), "contact_id"].nunique()
    assert 0.12 < len(cohort) / engaged < 0.22
    industry = co.set_index("contact_id")["industry"]
    in_cohort = (industry[cohort] == sample.CHURN_WAVE_INDUSTRY).mean()
    assert in_cohort > 2.5 * (industry == sample.CHURN_WAVE_INDUSTRY).mean()
    assert set(truth.loc[truth["churn_wave"], "persona"]) <= {"engaged", "evaluator"}


def test_churn_risk_grows_sharply_after_the_wave(frames):
    ev = frames["events"]
    wave = pd.Timestamp(sample.CHURN_WAVE_START)
    baseline = np.mean([churn_risk_size(ev, wave - k * WEEK) for k in range(1, 9)])
    peak = max(churn_risk_size(ev, wave + k * WEEK) for k in (3, 4))
    assert peak > 2 * baseline
    assert churn_risk_size(ev, wave + WEEK) < 1.5 * baseline  # not before two weeks


def test_intent_surge(frames):
    ev, truth = frames["events"], frames["truth"]
    surge = pd.Timestamp(sample.INTENT_SURGE_START)
    pricing = ev[(ev["event_type"] == "page_visit") & ev["url"].str.startswith("/pricing")]
    visitors = weekly(pricing)
    before = visitors[(visitors.index >= surge - 8 * WEEK) & (visitors.index < surge)]
    assert visitors[surge] > 2 * before.max()
    baseline = max(pricing_intent_size(ev, surge - k * WEEK) for k in range(1, 9))
    assert pricing_intent_size(ev, surge + WEEK) > max(10 * baseline, 50)
    cohort = truth.loc[truth["intent_surge"], "contact_id"]
    demo = ev[(ev["event_type"] == "form_submit") & (ev["url"] == "/demo") & (ev["ts"] >= surge)]
    assert demo["contact_id"].isin(cohort).mean() > 0.5
    assert not (truth["intent_surge"] & truth["churn_wave"]).any()


def test_control_is_flat(frames):
    co = frames["contacts"]
    members = co[(co["country"] == "Germany") & (co["created_at"] < sample.START)]
    sizes = [
        int((members["created_at"] <= t).sum())
        for t in pd.date_range(sample.START, sample.END, freq="7D")
    ]
    assert min(sizes) > 30
    assert (max(sizes) - min(sizes)) / np.mean(sizes) < 0.1


def test_truth_segments_are_in_the_catalog():
    cat = sample.demo_catalog()
    assert isinstance(cat, Catalog) and 6 <= len(cat) <= 10
    for seg in (sample.CHURN_RISK, sample.PRICING_INTENT, sample.CONTROL):
        assert cat[seg.name] == seg
    assert all(isinstance(s, Segment) and s.description for s in cat)
    assert cat["high-intent-leads"].references() == ("pricing-intent",)


# -- the bench scale, by arithmetic ----------------------------------------------------------------
def test_bench_parameters(frames):
    bench = sample.SCALES["bench"]
    assert bench.contacts >= 1_000_000
    assert bench.chunks * bench.chunk_size >= bench.contacts
    per_contact = len(frames["events"]) / len(frames["contacts"])
    assert per_contact * bench.contacts >= 1.25 * 20_000_000
    assert sample.SCALES["sample"].contacts == 5_000 and len(frames["events"]) < 300_000
