"""Communities (Louvain) and connected components of a projected graph."""

from __future__ import annotations

import networkx as nx
import pyarrow as pa

from analytics.centrality import graph_from_edges

__all__ = ["louvain_communities", "components"]


def louvain_communities(edges: pa.Table, nodes: pa.Table | None = None, *, weight: str | None = "shared",
                        resolution: float = 1.0, seed: int = 0) -> pa.Table:
    """Louvain communities: ``id, community`` (communities numbered by size, largest 0).

    Formula
    -------
    Greedy maximisation of modularity ``Q = (1/2m) Σ_ij [A_ij − γ k_i k_j / 2m] δ(c_i, c_j)`` with resolution γ,
    by local moves and aggregation; deterministic for a ``seed``.

    Source
    ------
    Blondel VD, Guillaume J-L, Lambiotte R, Lefebvre E. Fast unfolding of communities in large networks.
    J Stat Mech 2008:P10008; ``docs/domain.md#network-measures``.

    Examples
    --------
    Two triangles joined by one weak edge:

    >>> e = pa.table({"source": ["a", "a", "b", "x", "x", "y", "c"], "target": ["b", "c", "c", "y", "z", "z", "x"],
    ...               "shared": [3, 3, 3, 3, 3, 3, 1]})
    >>> rows = louvain_communities(e).to_pylist()
    >>> sorted({r["community"] for r in rows}), rows[0]["community"] == rows[1]["community"]
    ([0, 1], True)
    """
    g = graph_from_edges(edges, nodes)
    ids = sorted(g.nodes, key=str)
    # Louvain on integer labels (in id order): networkx keeps communities in sets, and a set of strings iterates
    # in an order that changes with PYTHONHASHSEED, which could change the result between two runs
    index = {v: i for i, v in enumerate(ids)}
    h = nx.Graph()
    h.add_nodes_from(range(len(ids)))
    h.add_edges_from((index[a], index[b], d) for a, b, d in sorted(g.edges(data=True),
                                                                    key=lambda e: (index[e[0]], index[e[1]])))
    comms = nx.community.louvain_communities(h, weight=weight, resolution=resolution, seed=seed) if h else []
    ordered = sorted(comms, key=lambda c: (-len(c), min(c)))
    label = {ids[v]: i for i, c in enumerate(ordered) for v in c}
    return pa.table({"id": pa.array([str(v) for v in ids], pa.string()),
                     "community": pa.array([label[v] for v in ids], pa.int64())})


def components(edges: pa.Table, nodes: pa.Table | None = None) -> pa.Table:
    """Connected components: ``id, component`` (numbered by size, largest 0).

    Examples
    --------
    >>> e = pa.table({"source": ["a", "x"], "target": ["b", "y"]})
    >>> components(e).column("component").to_pylist()
    [0, 0, 1, 1]
    """
    g = graph_from_edges(edges, nodes)
    comps = sorted(nx.connected_components(g), key=lambda c: (-len(c), min(map(str, c))))
    label = {v: i for i, c in enumerate(comps) for v in c}
    ids = sorted(g.nodes, key=str)
    return pa.table({"id": pa.array([str(v) for v in ids], pa.string()),
                     "component": pa.array([label[v] for v in ids], pa.int64())})
