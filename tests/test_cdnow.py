"""The CDNOW loader: the real file (when lifetimes is installed) and the parsing rules."""

from __future__ import annotations

import importlib.metadata

import pandas as pd
import pytest

from segment_lab import Catalog
from segment_lab.errors import BindingError
from segment_lab.interop import cdnow


def lifetimes_installed() -> bool:
    try:
        importlib.metadata.distribution("lifetimes")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


needs_lifetimes = pytest.mark.skipif(
    not lifetimes_installed(), reason="CDNOW ships in lifetimes: pip install 'segment_lab[cdnow]'"
)


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    if not lifetimes_installed():
        pytest.skip("CDNOW ships in lifetimes: pip install 'segment_lab[cdnow]'")
    return cdnow.load_cdnow_frames()


@needs_lifetimes
def test_row_counts(frames):
    assert len(frames["events"]) == 69_659
    assert len(frames["contacts"]) == 23_570
    assert frames["events"]["contact_id"].nunique() == 23_570


@needs_lifetimes
def test_dtypes(frames):
    assert frames["events"].dtypes.astype(str).to_dict() == {
        "contact_id": "int64",
        "event_type": "str",
        "ts": "datetime64[us]",
        "quantity": "int64",
        "value": "float64",
    }
    assert frames["contacts"].dtypes.astype(str).to_dict() == {
        "contact_id": "int64",
        "created_at": "datetime64[us]",
        "cohort": "str",
        "first_value": "float64",
    }


@needs_lifetimes
def test_values(frames):
    ev, co = frames["events"], frames["contacts"]
    assert ev["ts"].min() == cdnow.CDNOW_START and ev["ts"].max() == cdnow.CDNOW_END
    assert set(ev["event_type"]) == {"purchase"}
    assert (ev["quantity"] >= 1).all() and (ev["value"] >= 0).all()
    assert ev["value"].sum() == pytest.approx(2_500_315.63, abs=0.01)
    assert ev["contact_id"].is_monotonic_increasing
    assert co["contact_id"].is_unique
    first = ev.groupby("contact_id")["ts"].min()
    assert (co.set_index("contact_id")["created_at"] == first).all()
    assert set(co["cohort"]) == {"1997-01", "1997-02", "1997-03"}
    assert (co["first_value"] >= 0).all()


@needs_lifetimes
def test_path_is_in_the_lifetimes_wheel():
    path = cdnow.cdnow_path()
    assert path.name == "CDNOW_master.txt" and path.is_file()


def test_missing_distribution_says_how_to_install(monkeypatch):
    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", missing)
    with pytest.raises(cdnow.CdnowNotFoundError) as err:
        cdnow.load_cdnow_frames()
    assert str(err.value) == (
        "The CDNOW data ships in the 'lifetimes' package, which is not installed. "
        "Install it with: pip install 'segment_lab[cdnow]'"
    )


def test_missing_file(tmp_path):
    with pytest.raises(BindingError, match="No CDNOW file"):
        cdnow.load_cdnow_frames(tmp_path / "nope.txt")


@pytest.mark.parametrize("header", [True, False])
def test_parses_the_format(tmp_path, header):
    lines = [
        " 00002 19970112  1   12.00",
        " 00001 19970101  1   11.77",
        " 00002 19970112  5   77.00",
        " 00002 19970325  2   20.76",
    ]
    if header:
        lines.insert(0, " customer_id  date number_of_cds  dollar_value")
    path = tmp_path / "CDNOW_master.txt"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    frames = cdnow.load_cdnow_frames(path)
    ev, co = frames["events"], frames["contacts"]
    assert ev[["contact_id", "quantity", "value"]].values.tolist() == [
        [1, 1, 11.77],
        [2, 1, 12.0],
        [2, 5, 77.0],
        [2, 2, 20.76],
    ]
    assert ev["ts"].tolist() == [
        pd.Timestamp(d) for d in ("1997-01-01", "1997-01-12", "1997-01-12", "1997-03-25")
    ]
    assert co.to_dict("list") == {
        "contact_id": [1, 2],
        "created_at": [pd.Timestamp("1997-01-01"), pd.Timestamp("1997-01-12")],
        "cohort": ["1997-01", "1997-01"],
        "first_value": [11.77, 89.0],
    }


def test_empty_file(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text(" customer_id  date number_of_cds  dollar_value\n")
    with pytest.raises(BindingError, match="No CDNOW purchases"):
        cdnow.load_cdnow_frames(path)


def test_example_segments():
    segs = cdnow.example_segments()
    assert len(segs) >= 3 and all(s.description for s in segs)
    cat = Catalog(segs)
    assert {"repeat-buyers", "lapsed", "big-spenders"} <= set(cat.names)


def test_import_does_not_need_lifetimes():
    import subprocess
    import sys

    code = "import sys, segment_lab.interop.cdnow; print('lifetimes' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
