"""Ingest of real municipal data: tabular exports (CSV, Excel, Parquet) and iJw/iWmo 301/305/307 messages.

The entry points live in :mod:`ingest.pipeline` (``read_inputs``, ``validate``, ``prepare``, ``ingest``); see
``docs/ingest.md`` for the formats, the validation rules and the mapping tables.
"""
