"""Flags and network statistics: pure functions over the care tables (no store, no API, no dashboard)."""
