"""Reproducible benchmarks of segment_lab: ``python -m benchmarks`` (see BENCHMARKS.md)."""
