"""Figure builders: pure functions from service results to Plotly figures or Cytoscape elements.

They never call a service or read a store; everything they draw comes in as arguments, so they are tested without a
browser and without data.
"""

from __future__ import annotations

__all__: list[str] = []
