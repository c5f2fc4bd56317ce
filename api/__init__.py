"""The HTTP API (FastAPI): thin routes over :mod:`caregraph.services`. Build it with :func:`api.app.create_app`."""

from __future__ import annotations

from api.app import API_PREFIX, create_app

__all__ = ["create_app", "API_PREFIX"]
