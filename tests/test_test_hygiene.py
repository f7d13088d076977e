"""The test suite's own layout: no module under ``tests/`` imports a test module.

Shared code lives in helper modules (``helpers``, ``hand_cases``, ``reference``,
``reference_analytics``, ``strategies``, ``strategies_data``, ``kernelspec``) and shared
fixtures in ``conftest.py``. Importing a ``test_*`` module would collect its tests twice
and tie one suite to another's internals. Siblings are imported as ``tests.<name>``: a
plain ``import reference`` only works through ``sys.path`` tricks.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
MODULES = {p.stem for p in TESTS.glob("*.py")}


def _is_test_module(name: str) -> bool:
    return name.startswith("test_") or name == "conftest"


def _imported(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, dotted module name) of every import in ``tree``, at any depth (imports
    inside functions count), ``importlib.import_module`` included; relative imports are
    resolved against the ``tests`` package."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = "tests" if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            found.append((node.lineno, module))
            # ``from tests import test_x`` / ``from . import test_x`` import a module too
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def violations(source: str, filename: str, siblings: set[str]) -> list[str]:
    """What in ``source`` (a module of ``tests/``) imports a test module or spells a
    sibling helper without ``tests.``."""
    out = []
    for line, name in _imported(ast.parse(source, filename)):
        parts = name.split(".")
        if parts[0] == "tests" and len(parts) > 1 and _is_test_module(parts[1]):
            out.append(f"{filename}:{line}: imports the test module {'.'.join(parts[:2])}")
        elif parts[0] in siblings:
            what = "test module" if _is_test_module(parts[0]) else "helper"
            out.append(f"{filename}:{line}: imports the {what} {parts[0]!r} by plain name")
    return sorted(set(out))


def test_no_module_of_the_suite_imports_a_test_module():
    found = [
        v
        for path in sorted(TESTS.glob("*.py"))
        for v in violations(path.read_text(), path.name, MODULES)
    ]
    assert found == [], "Move what is shared into tests/helpers.py:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        "import tests.test_x",
        "import tests.test_x as x",
        "from tests.test_x import helper",
        "from tests import test_x",
        "from tests import helpers, test_x",
        "from . import test_x",
        "from .test_x import helper",
        "import conftest",
        "from tests.conftest import demo_ws",
        "import test_x",
        "from reference import Dataset",
        "def f():\n    from tests.test_x import helper\n",
        "import importlib\nimportlib.import_module('tests.test_x')",
    ],
)
def test_the_check_catches_every_spelling(source):
    assert violations(source, "t.py", {"test_x", "reference", "conftest"}) != []


@pytest.mark.parametrize(
    "source",
    [
        "from tests.helpers import dataset_workspace",
        "import tests.reference as ref",
        "from tests import hand_cases",
        "from .strategies import rules",
        "import segment_lab.test_support",
        "from segment_lab import testing",
    ],
)
def test_helpers_and_the_package_may_be_imported(source):
    assert violations(source, "t.py", {"test_x", "reference", "conftest", "strategies"}) == []
