"""Page layouts: functions of the language (and page parameters) returning Dash components; no data access."""

from __future__ import annotations

__all__: list[str] = []
