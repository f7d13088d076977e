"""The Jinja2 environment (autoescaping on) and the page's number and date formats."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import jinja2
import pandas as pd

from segment_lab.dashboard._context import Dashboard
from segment_lab.dashboard._specs import runtime, vega_lite_version


def _num(value: Any) -> str:
    return f"{int(value):,}"


def _when(value: Any) -> str:
    if value is None or pd.isna(value):
        return "—"
    t = pd.Timestamp(value)
    return f"{t:%Y-%m-%d}" if (t.hour, t.minute, t.second) == (0, 0, 0) else f"{t:%Y-%m-%d %H:%M}"


def _day(value: Any) -> str:
    return "—" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """Build the template environment: package templates, autoescape on, strict undefined."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("segment_lab.dashboard", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(num=_num, when=_when, day=_day)
    env.policies["json.dumps_kwargs"] = {"sort_keys": False, "separators": (",", ":")}
    return env


def render(data: Dashboard) -> str:
    """Render the page for ``data``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        __version__ = version("segment_lab")
    except PackageNotFoundError:  # running from a source tree that is not installed
        __version__ = "(source)"
    page = environment().get_template("dashboard.html.j2")
    return page.render(
        d=data, version=__version__, runtime=runtime(vega_lite_version()), now=dt.datetime.now
    )
