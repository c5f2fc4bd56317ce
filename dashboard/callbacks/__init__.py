"""Callback modules: each has ``register(app, ctx)`` and turns service results into figures and components."""

from __future__ import annotations

__all__: list[str] = []
