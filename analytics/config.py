"""Thresholds and maps the flags use, with their defaults and sources.

The defaults live here and in the documented file ``analytics/thresholds.yaml`` (which may override them; see
:func:`FlagConfig.load`). Source: ``docs/domain.md#the-eight-flags`` (flag definitions and their sources).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

__all__ = ["FlagConfig", "DEFAULT_LINKED_DOMAINS", "DEFAULT_DEPENDENCIES"]

DEFAULT_LINKED_DOMAINS: dict[str, tuple[str, ...]] = {
    # enforcement in domain → support domains it bites (symmetric closure is applied by the flag)
    "HUI": ("HUI", "FIN", "OPV", "GGZ"),
    "FIN": ("FIN", "HUI", "WRK", "OPV"),
    "WRK": ("WRK", "FIN"),
    "OPV": ("OPV", "GGZ", "REL", "VEI", "MID"),
    "JUS": ("JUS", "MID", "GGZ", "WRK"),
    "TIJ": ("TIJ", "OPV", "LIC"),
    "VEI": ("VEI", "OPV", "REL"),
}
"""Linked domains for conflicting interventions ("bijtende instanties"): an eviction (HUI) while debt counselling
(FIN) runs; a truancy fine (TIJ, school) for a child who cares for a sick parent (LIC).
Source: ``docs/domain.md#conflicting-interventions``."""

DEFAULT_DEPENDENCIES: dict[str, tuple[str, ...]] = {
    "HUI": ("FIN", "WRK", "OPV"),
    "FIN": ("HUI", "WRK", "OPV"),
}
"""Domain → domains that depend on it (domino risk): housing → registered address → benefits and allowances →
childcare → work. Source: ``docs/domain.md#domino-risk``."""


@dataclass(frozen=True)
class FlagConfig:
    """Every threshold of every flag. Defaults and their sources are documented in ``thresholds.yaml``."""

    helpers_attention: int = 4
    helpers_alarm: int = 8
    agencies_attention: int = 4
    agencies_alarm: int = 6
    helpers_per_domain_attention: float = 2.0
    overlap_min_days: int = 14
    regisseur_min_agencies: int = 2
    regisseur_min_problem_domains: int = 3
    problem_score_max: int = 2
    conflict_min_days: int = 1
    linked_domains: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_LINKED_DOMAINS))
    domino_dependencies: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_DEPENDENCIES))
    domino_crisis_score: int = 1
    stagnation_min_case_days: int = 365
    stagnation_window_days: int = 365
    stagnation_min_helpers: int = 4
    caseload_max: int = 30

    @classmethod
    def load(cls, path: Path | None = None) -> FlagConfig:
        """Defaults, overridden by the keys of a YAML file (``analytics/thresholds.yaml`` when ``path`` is None)."""
        import yaml

        path = path or Path(__file__).with_name("thresholds.yaml")
        if not path.exists():
            return cls()
        raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, entry in raw.items():
            if key not in known:
                raise ValueError(f"{path}: unknown threshold {key!r}")
            value = entry["default"] if isinstance(entry, dict) and "default" in entry else entry
            if key in ("linked_domains", "domino_dependencies"):
                value = {k: tuple(v) for k, v in value.items()}
            values[key] = value
        return replace(cls(), **values)
