"""Centrality and communities of the agency network shown on the Network page.

Stop-gap adapter: :meth:`CareServices.agencies` returns the agency pairs but not their centralities or communities,
so this module hands those pairs to the analytics' own functions (:func:`analytics.centrality.centralities`,
:func:`analytics.communities.louvain_communities`). No measure is computed here; once the services return them, this
module goes.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from caregraph.services.models import AgencyPair

__all__ = ["agency_measures"]


def agency_measures(pairs: Sequence[AgencyPair], *, betweenness_k: int = 200) -> tuple[dict[str, dict[str, float]],
                                                                                          dict[str, int]]:
    """(agency id → {degree, betweenness}, agency id → community) for the graph of ``pairs``."""
    if not pairs:
        return {}, {}
    from analytics.centrality import centralities
    from analytics.communities import louvain_communities

    edges = pa.table({
        "source": [p.agency_a for p in pairs],
        "target": [p.agency_b for p in pairs],
        "shared": [p.shared_households for p in pairs],
    })
    cent = centralities(edges, weight="shared", betweenness_k=betweenness_k)
    measures = {r["id"]: {"degree": float(r["degree"]), "betweenness": float(r["betweenness"])}
                for r in cent.to_pylist()}
    communities = {r["id"]: int(r["community"]) for r in louvain_communities(edges, weight="shared").to_pylist()}
    return measures, communities
