"""Pydantic models of users, tokens and audit entries (also API response schemas)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["UserOut", "TokenIssued", "AuditEntryOut"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class UserOut(_Model):
    """A user as listed for admins (never a token or its hash)."""

    username: str
    role: str
    districts: list[str]
    households: list[str]
    professional_id: str | None = None
    active: bool
    tokens: int = Field(description="Number of valid (not revoked, not expired) tokens.")


class TokenIssued(_Model):
    """A newly issued token: shown once, stored only as a hash."""

    username: str
    token_id: str
    token: str
    expires_at: dt.datetime


class AuditEntryOut(_Model):
    """One audit log entry."""

    at: dt.datetime
    user: str
    role: str
    action: str
    household_id: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)
    outcome: str
