"""The tutorials are tests (STYLE.md item 14): every notebook runs top to bottom in a
fresh kernel, and the segment it ends with (``final_segment``) round-trips through serde.

The kernel is this interpreter (``sys.executable``) importing this checkout's
``segment_lab``: a kernel spec written to a temporary folder on ``JUPYTER_PATH``, so a
``python3`` kernel installed elsewhere on the machine can never be picked up instead.
A kernel that cannot start fails the test; nothing here is skipped.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import segment_lab as sl
from tests.kernelspec import write_kernel_spec

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "segment-lab-tests"
MARKER = "SEGMENT_LAB_FINAL_SEGMENT "

# Appended to each notebook: the round trip inside the kernel (against the original
# object), then the JSON, the definition hash and where the kernel ran, printed for the
# checks out here.
PROBE = f"""
import json as _json
import sys as _sys
import segment_lab as _sl
from segment_lab import serde as _serde

assert "final_segment" in globals(), "the notebook must end by defining final_segment"
assert isinstance(final_segment, _sl.Segment), f"final_segment is a {{type(final_segment)}}"
_text = _serde.to_json(final_segment)
assert _sl.Segment.from_dict(_json.loads(_text)) == final_segment, "serde round trip changed it"
_where = {{"python": _sys.executable, "package": _sl.__file__}}
print({MARKER!r} + _json.dumps({{"json": _text, "hash": final_segment.definition_hash, **_where}}))
"""


@pytest.fixture(scope="module")
def kernel_name(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A kernel spec that runs ipykernel in this interpreter, on this checkout."""
    try:
        import ipykernel  # noqa: F401
    except ImportError:  # fail, do not skip: CI must run the notebooks
        pytest.fail("ipykernel is missing: pip install -e '.[dev]'")
    data_dir = tmp_path_factory.mktemp("jupyter")
    write_kernel_spec(data_dir, KERNEL, "segment_lab tests")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(data_dir))
        yield KERNEL


def _probe_payload(cell: nbformat.NotebookNode) -> dict:
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    lines = [line for line in text.splitlines() if line.startswith(MARKER)]
    assert lines, f"the probe printed no final segment; its outputs: {cell.outputs!r}"
    return json.loads(lines[-1][len(MARKER) :])


def test_there_are_notebooks_and_they_are_stored_clean() -> None:
    assert len(NOTEBOOKS) >= 2, f"expected the tutorials in {ROOT / 'notebooks'}"
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        dirty = [
            i
            for i, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
        ]
        assert not dirty, f"{path.name}: clear the outputs of cells {dirty} before committing"
        last = [cell.source for cell in nb.cells if cell.cell_type == "code"][-1]
        assert "final_segment =" in last, f"{path.name}: the last code cell must set final_segment"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_and_final_segment_round_trips(path: Path, kernel_name: str) -> None:
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = NotebookClient(
        nb,
        kernel_name=kernel_name,
        timeout=120,
        startup_timeout=60,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()  # raises CellExecutionError with the failing cell and its traceback

    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors, errors

    payload = _probe_payload(nb.cells[-1])
    assert Path(payload["python"]).resolve() == Path(sys.executable).resolve()
    assert Path(payload["package"]).resolve() == Path(sl.__file__).resolve()
    data = json.loads(payload["json"])
    segment = sl.Segment.from_dict(data)
    assert isinstance(segment, sl.Segment)
    assert segment.definition_hash == payload["hash"]
    assert segment.to_dict() == data
    assert sl.Segment.from_dict(segment.to_dict()) == segment
