"""The segment language imports no engine, charts, widgets or data-frame library."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("ibis", "altair", "ipywidgets", "pandas")


def _modules_after(code: str) -> set[str]:
    """Top-level package names in ``sys.modules`` after running ``code`` in a new process."""
    script = f"{code}\nimport sys, json\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.splitlines()[-1]))


@pytest.mark.parametrize("module", ["segment_lab.model", "segment_lab.dsl", "segment_lab.serde"])
def test_core_modules_import_nothing_heavy(module: str) -> None:
    loaded = _modules_after(f"import {module}")
    assert "segment_lab" in loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_using_serde_imports_nothing_heavy() -> None:
    code = (
        "from segment_lab import field, event, Segment, Catalog\n"
        "from segment_lab import serde\n"
        "seg = Segment('s', (field('a') == 1) & (event('buy').count(within='7d') >= 2))\n"
        "assert serde.from_yaml(serde.to_yaml(Catalog([seg]))) == Catalog([seg])\n"
        "assert serde.from_json(serde.to_json(seg)) == seg\n"
        "serde.json_schema(); seg.definition_hash; seg.describe(); seg._repr_html_()\n"
    )
    loaded = _modules_after(code)
    assert {"yaml", "segment_lab"} <= loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_top_level_import_defers_yaml_jsonschema_and_the_engine() -> None:
    loaded = _modules_after("import segment_lab")
    assert not loaded & {*HEAVY, "yaml", "jsonschema", "duckdb"}
    lazy = _modules_after("import segment_lab\nsegment_lab.json_schema()")
    assert "jsonschema" not in lazy  # building the schema needs no validator
    assert not lazy & set(HEAVY)


def test_the_check_itself_sees_heavy_imports() -> None:
    # guards the guard: the helper does report a heavy module when one is imported
    assert "pandas" in _modules_after("import pandas")
