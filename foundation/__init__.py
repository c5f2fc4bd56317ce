"""The floor every other package stands on: settings and privacy primitives, with no caregraph imports.

``graph``, ``ingest`` and ``analytics`` import from here, never from the ``caregraph`` application package above them.
"""
