"""Interoperability: other tools' formats and public data sets.

Each submodule is imported on demand, so ``import segment_lab`` stays light:

* :mod:`segment_lab.interop.cdnow` — the CDNOW purchase data set as contacts and events
  (needs the ``cdnow`` extra: ``pip install 'segment_lab[cdnow]'``).
"""
