"""SegmentExplorer (placeholder until written)."""
