"""Demo users: one per role, with fresh tokens, for ``caregraph demo`` (demo mode only)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from caregraph.auth.roles import Role
from caregraph.auth.users import UserStore, users_file

if TYPE_CHECKING:
    from foundation.settings import Settings

__all__ = ["create_demo_users", "DEMO_USERNAMES"]

log = logging.getLogger(__name__)

DEMO_USERNAMES: dict[Role, str] = {r: f"demo-{r.value}" for r in Role}


def _demo_districts(settings: Settings, limit: int) -> list[str]:
    """The first ``limit`` district ids in the store, or none when the store cannot be read."""
    try:
        from graph.factory import open_store

        store = open_store(settings, read_only=True)
        try:
            ids = sorted(store.read_table("districts").column("district_id").to_pylist())
        finally:
            store.close()
        return [str(i) for i in ids[:limit]]
    except Exception as e:  # the store may be absent or held by this same process; the coordinator then has none
        log.warning("demo coordinator gets no districts: %s", type(e).__name__)
        return []


def create_demo_users(
    settings: Settings, *, districts: Sequence[str] | None = None, days: float = 7.0
) -> dict[str, str]:
    """Create (or reuse) one demo user per role and issue each a new token; returns role → token.

    The demo coordinator holds ``districts`` (by default the first two districts in the store). Tokens expire after
    ``days``. Only allowed in demo mode.

    Raises
    ------
    PermissionError
        When ``settings.demo`` is false.
    """
    if not settings.demo:
        raise PermissionError("demo users can only be created in demo mode (CAREGRAPH_DEMO=1)")
    users = UserStore(users_file(settings.data_dir))
    held = list(districts) if districts is not None else _demo_districts(settings, 2)
    tokens: dict[str, str] = {}
    for role, name in DEMO_USERNAMES.items():
        existing = users.get_user(name)
        if existing is None or not existing.active:
            if existing is not None:  # a revoked demo user: start a fresh one under a new name
                name = f"{name}-{len(users.list_users())}"
            users.add_user(name, role, districts=held if role is Role.coordinator else ())
        tokens[role.value] = users.issue_token(name, days=days).token
    return tokens
