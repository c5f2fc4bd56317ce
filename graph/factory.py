"""Open the configured store: the embedded LadybugDB by default, Neo4j when ``CAREGRAPH_STORE=neo4j``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from graph.store import GraphStore, StoreUnavailableError

if TYPE_CHECKING:
    from foundation.settings import Settings

__all__ = ["open_store"]


def open_store(settings: Settings, *, read_only: bool = False, create: bool = True) -> GraphStore:
    """Open the store named by ``settings.store``.

    Parameters
    ----------
    settings
        The configuration.
    read_only
        Open the embedded store read-only (several read-only processes may open it; only one writer).
    create
        Create the embedded database and its schema when absent (ignored when ``read_only``).
    """
    if settings.store == "neo4j":
        from graph.neo4j_store import Neo4jStore

        if not settings.neo4j_uri:
            raise StoreUnavailableError("CAREGRAPH_STORE=neo4j but CAREGRAPH_NEO4J_URI is not set")
        password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else ""
        # Short retry and connect times: a request must answer 503 promptly while Neo4j is down (it recovers by
        # itself on a later request); batch commands get the same, and report the outage at once.
        return Neo4jStore.connect(
            settings.neo4j_uri, settings.neo4j_user, password, database=settings.neo4j_database,
            query_timeout_s=settings.query_timeout_s, retry_time_s=3.0, connection_timeout_s=3.0,
        )
    from graph.ladybug_store import LadybugStore

    return LadybugStore.open(
        settings.store_file, read_only=read_only, create=create and not read_only,
        query_timeout_s=settings.query_timeout_s,
    )
