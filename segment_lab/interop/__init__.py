"""Interoperability: other tools' formats and public data sets.

Each submodule is imported on demand, so ``import segment_lab`` stays light:

* :mod:`segment_lab.interop.cdnow` — the CDNOW purchase data set as contacts and events
  (needs the ``cdnow`` extra: ``pip install 'segment_lab[cdnow]'``).
* :mod:`segment_lab.interop.mautic` — Mautic segments in and out, a Mautic database as a
  workspace; :func:`from_mautic` and :func:`to_mautic` are its two main functions.
"""

__all__ = ["cdnow", "from_mautic", "mautic", "to_mautic"]


def __dir__() -> list[str]:
    """List the submodules (imported on first use)."""
    return sorted(__all__)


def __getattr__(name: str) -> object:
    if name == "cdnow":  # imported on first use: it reads a data file of the lifetimes package
        import segment_lab.interop.cdnow  # noqa: F401 -- sets the attribute on this package

        return globals()["cdnow"]
    if name in ("mautic", "from_mautic", "to_mautic"):
        import segment_lab.interop.mautic as mautic

        return mautic if name == "mautic" else getattr(mautic, name)
    raise AttributeError(f"module 'segment_lab.interop' has no attribute {name!r}")
