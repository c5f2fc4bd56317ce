"""caregraph's Plotly Dash dashboard: overview, cases, household, network and research pages.

The package is split the way the style guide asks: :mod:`dashboard.ids` (component ids), :mod:`dashboard.layouts`
(page layouts), :mod:`dashboard.callbacks` (callbacks), :mod:`dashboard.figures` (pure data → figure builders),
:mod:`dashboard.i18n` (Dutch/English labels) and :mod:`dashboard.palette` (colour-blind-safe colours). It holds no
Cypher and no analytics: every figure and table comes from :mod:`caregraph.services` (via the callbacks).
"""

from __future__ import annotations

__all__: list[str] = []
