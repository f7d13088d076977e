"""A Jupyter kernel spec that runs ipykernel in this interpreter, on this checkout.

Shared by the notebook and browser tests, so that a ``python3`` kernel installed elsewhere
on the machine can never be picked up instead.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def checkout_pythonpath() -> str:
    """PYTHONPATH with this checkout first, so ``import segment_lab`` finds it."""
    return os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))


def write_kernel_spec(data_dir: Path, name: str, display_name: str) -> Path:
    """Write ``<data_dir>/kernels/<name>/kernel.json`` (put ``data_dir`` on JUPYTER_PATH)."""
    spec_dir = data_dir / "kernels" / name
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": display_name,
        "language": "python",
        "env": {"PYTHONPATH": checkout_pythonpath()},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    return spec_dir
