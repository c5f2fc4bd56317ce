"""The planted cases: flag names, their default rates, and the log of what was planted.

Rates are shares of all households (of all professionals for ``overloaded_professional``). The flag names are the
ids the analytics use (:data:`analytics.flags.FLAG_NAMES`). Every planted case is valid on the as-of date under the
thresholds of :class:`analytics.config.FlagConfig`; see ``docs/synthetic.md`` for each flag's construction.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pyarrow as pa

from analytics.flags import FLAG_NAMES

from .arrays import IntArray

__all__ = ["FLAGS", "PlantRates", "PlantedLog", "select"]

FLAGS: tuple[str, ...] = FLAG_NAMES
"""The flag ids the generator plants: exactly the analytics' rules (one list, in analytics.flags)."""


@dataclass(frozen=True)
class PlantRates:
    """Share of households (professionals for ``overloaded_professional``) planted with each flag.

    ``alarm_share`` is the share of too-many-helpers cases at or above the alarm level (8+ professionals).
    """

    too_many_helpers: float = 0.05
    overlapping_interventions: float = 0.06
    missing_regisseur: float = 0.05
    competing_regisseurs: float = 0.02
    conflicting_interventions: float = 0.03
    domino_risk: float = 0.02
    stagnation: float = 0.02
    overloaded_professional: float = 0.002
    alarm_share: float = 0.25

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass
class PlantedLog:
    """Planted (subject, flag) rows collected while generating; subjects are row indices until the end."""

    kind: list[str] = field(default_factory=list)
    subject: list[IntArray] = field(default_factory=list)
    flag: list[str] = field(default_factory=list)
    detail: list[list[str]] = field(default_factory=list)

    def add(self, kind: str, subject: IntArray, flag: str, detail: list[str]) -> None:
        self.kind.append(kind)
        self.subject.append(np.asarray(subject, dtype=np.int64))
        self.flag.append(flag)
        self.detail.append(detail)

    def households(self, flag: str | None = None) -> IntArray:
        """Indices of the households planted (with ``flag``, or with any flag)."""
        parts = [s for k, s, f in zip(self.kind, self.subject, self.flag, strict=True)
                 if k == "household" and (flag is None or f == flag)]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def table(self, household_ids: pa.Array, professional_ids: pa.Array) -> pa.Table:
        """The ground-truth table, sorted by subject kind, subject id and flag."""
        kinds: list[str] = []
        ids: list[str] = []
        flags: list[str] = []
        details: list[str] = []
        for k, s, f, d in zip(self.kind, self.subject, self.flag, self.detail, strict=True):
            source = household_ids if k == "household" else professional_ids
            ids.extend(source.take(pa.array(s)).to_pylist())
            kinds.extend([k] * len(s))
            flags.extend([f] * len(s))
            details.extend(d)
        order = sorted(range(len(ids)), key=lambda i: (kinds[i], ids[i], flags[i]))
        return pa.table({
            "subject_kind": pa.array([kinds[i] for i in order], pa.string()),
            "subject_id": pa.array([ids[i] for i in order], pa.string()),
            "flag": pa.array([flags[i] for i in order], pa.string()),
            "detail": pa.array([details[i] for i in order], pa.string()),
        })


def select(rng: np.random.Generator, eligible: np.ndarray, taken: np.ndarray, n: int) -> IntArray:
    """Pick up to ``n`` eligible, not yet taken indices at random (sorted); marks them taken."""
    candidates = np.flatnonzero(eligible & ~taken)
    if len(candidates) > n:
        candidates = np.sort(rng.choice(candidates, n, replace=False))
    taken[candidates] = True
    return candidates.astype(np.int64)
