"""Shared test setup (fixtures come later).

``tests`` is a package, so helpers import as ``from tests.strategies import rules``.
Some test modules import their sibling helpers by plain name (``from reference import
Dataset``); putting this folder on ``sys.path`` keeps both spellings working.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
