"""The floor every other package stands on, importing none of them.

Each rule that several packages must apply alike is defined here once: settings (:mod:`foundation.settings`), BSNs,
keyed pseudonyms and BSN masking (:mod:`foundation.privacy`), when a period is active (:mod:`foundation.periods`) and
spreadsheet-safe cells (:mod:`foundation.cells`). ``graph``, ``ingest``, ``analytics`` and ``synthetic`` import from
here, never from the ``caregraph`` application package above them (``tests/test_boundaries.py``).
"""
