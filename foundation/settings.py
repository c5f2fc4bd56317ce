"""The one settings object: environment variables with prefix ``CAREGRAPH_`` and an optional ``.env`` file.

Secrets are :class:`pydantic.SecretStr`, so they never appear in ``repr`` or logs.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings", "DEMO_PSEUDONYM_KEY", "MissingSecretError"]

DEMO_PSEUDONYM_KEY = "caregraph-demo-key-NOT-SECRET"
"""Key used for BSN pseudonyms in demo mode only (synthetic data); never valid outside demo mode."""


class MissingSecretError(RuntimeError):
    """A secret the operation needs is not configured."""


class Settings(BaseSettings):
    """caregraph's configuration. Every field can be set as ``CAREGRAPH_<NAME>`` (case-insensitive)."""

    model_config = SettingsConfigDict(env_prefix="CAREGRAPH_", env_file=".env", extra="ignore")

    store: Literal["embedded", "neo4j"] = Field("embedded", description="Which graph store to use.")
    store_path: Path = Field(Path("data/caregraph"), description="Folder of the embedded LadybugDB database.")
    data_dir: Path = Field(Path("data"), description="Folder for users, audit log and exports.")
    neo4j_uri: str | None = Field(None, description="Neo4j bolt/neo4j URI, e.g. neo4j://localhost:7687.")
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr | None = None
    neo4j_database: str = "neo4j"
    pseudonym_key: SecretStr | None = Field(None, description="Secret key for keyed BSN pseudonyms (HMAC-SHA256).")
    demo: bool = Field(False, description="Demo mode: synthetic data, demo key and demo users allowed.")
    query_timeout_s: float = Field(30.0, description="Time limit for one store query.")
    as_of: date | None = Field(
        None, description="Default as-of date of the API and dashboard (ISO date); today when unset. The demo sets "
        "it to its synthetic municipality's date."
    )
    detail_source: Literal["snapshot", "cypher"] = Field(
        "snapshot", description="Household detail from the cached snapshot (fast) or named Cypher queries."
    )
    session_secret: SecretStr | None = Field(
        None, description="Key signing the dashboard's session cookie; every process serving the dashboard must "
        "share it. When unset each process draws a random one (sessions then end at a restart and do not span "
        "workers)."
    )
    max_upload_bytes: int = Field(50 * 1024 * 1024, description="Largest accepted ingest upload (413 above it).", gt=0)
    export_keep_count: int = Field(
        10, ge=0, description="Research exports kept on the server: the newest N (older ones are removed when a new "
        "one is written and by `caregraph retention`)."
    )
    export_keep_days: float = Field(7.0, ge=0, description="Research exports older than this many days are removed.")
    max_body_bytes: int = Field(
        1024 * 1024, gt=0, description="Largest accepted request body on every route but ingest uploads (413 above "
        "it), API and dashboard alike."
    )
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_workers: int = Field(
        1, ge=1, le=64, description="Server processes. 1: one process owning the store read-write (uploads work). "
        "More: read-only worker processes on the embedded store (higher throughput; no uploads, load with "
        "`caregraph ingest` while serving; each worker holds its own cache)."
    )

    @property
    def store_file(self) -> Path:
        """The LadybugDB database file inside :attr:`store_path`."""
        return self.store_path / "graph.lbug"

    def pseudonym_secret(self) -> bytes:
        """The pseudonym key as bytes; the demo key in demo mode when none is set.

        Raises
        ------
        MissingSecretError
            Outside demo mode when ``CAREGRAPH_PSEUDONYM_KEY`` is not set, or when it is the demo key.
        """
        if self.pseudonym_key is not None:
            key = self.pseudonym_key.get_secret_value()
            if key == DEMO_PSEUDONYM_KEY and not self.demo:
                raise MissingSecretError("the demo pseudonym key may only be used in demo mode")
            if len(key) < 16:
                raise MissingSecretError("CAREGRAPH_PSEUDONYM_KEY must be at least 16 characters")
            return key.encode("utf-8")
        if self.demo:
            return DEMO_PSEUDONYM_KEY.encode("utf-8")
        raise MissingSecretError(
            "CAREGRAPH_PSEUDONYM_KEY is not set: BSNs cannot be pseudonymised. Set a deployment secret "
            "(at least 16 characters), or use demo mode (CAREGRAPH_DEMO=1) for synthetic data."
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; tests construct :class:`Settings` directly instead)."""
    return Settings()
