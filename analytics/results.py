"""Typed results of the analytics: a flag result, and the flat Arrow table flags travel in."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

__all__ = ["FlagResult", "FLAG_TABLE_SCHEMA", "flags_to_table", "table_to_flags"]

FLAG_TABLE_SCHEMA = pa.schema(
    [
        pa.field("flag", pa.string(), nullable=False),
        pa.field("rule_version", pa.string(), nullable=False),
        pa.field("subject_kind", pa.string(), nullable=False),
        pa.field("subject_id", pa.string(), nullable=False),
        pa.field("district_id", pa.string()),
        pa.field("severity", pa.string(), nullable=False),
        pa.field("thresholds", pa.string(), nullable=False),
        pa.field("evidence", pa.string(), nullable=False),
        pa.field("explanation", pa.string(), nullable=False),
    ]
)
"""Columns of the flat flag table; ``thresholds`` and ``evidence`` are JSON strings."""


@dataclass(frozen=True)
class FlagResult:
    """One flag raised for one household (or professional) as of a date, with the evidence that triggered it.

    ``flag`` is one of too_many_helpers, overlapping_interventions, missing_regisseur, competing_regisseurs,
    conflicting_interventions, domino_risk, stagnation, overloaded_professional. ``severity`` is ``"attention"`` or
    ``"alarm"``. ``explanation`` is one plain Dutch sentence a coordinator can check against ``evidence``.
    """

    flag: str
    rule_version: str
    subject_kind: str
    subject_id: str
    district_id: str | None
    severity: str
    thresholds: Mapping[str, Any]
    evidence: Mapping[str, Any]
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "flag": self.flag,
            "rule_version": self.rule_version,
            "subject_kind": self.subject_kind,
            "subject_id": self.subject_id,
            "district_id": self.district_id,
            "severity": self.severity,
            "thresholds": dict(self.thresholds),
            "evidence": dict(self.evidence),
            "explanation": self.explanation,
        }


def flags_to_table(results: Iterable[FlagResult]) -> pa.Table:
    """The flat table of flag results (thresholds and evidence as JSON strings).

    >>> r = FlagResult("stagnation", "1.0", "household", "H1", "D1", "attention", {"a": 1}, {"b": [2]}, "x")
    >>> flags_to_table([r]).column("evidence").to_pylist()
    ['{"b": [2]}']
    """
    rows: dict[str, list[Any]] = {f.name: [] for f in FLAG_TABLE_SCHEMA}
    for r in results:
        d = r.to_dict()
        for k in rows:
            v = d[k]
            rows[k].append(json.dumps(v, sort_keys=True, default=str) if k in ("thresholds", "evidence") else v)
    return pa.Table.from_pydict(rows, schema=FLAG_TABLE_SCHEMA)


def table_to_flags(table: pa.Table) -> list[FlagResult]:
    """Flag results from the flat table (the inverse of :func:`flags_to_table`)."""
    out: list[FlagResult] = []
    cols = {name: table.column(name).to_pylist() for name in FLAG_TABLE_SCHEMA.names}
    thr_cache: dict[str, Mapping[str, Any]] = {}
    for i in range(table.num_rows):
        thr_text = cols["thresholds"][i]
        thr = thr_cache.get(thr_text)
        if thr is None:
            thr = thr_cache[thr_text] = json.loads(thr_text)
        out.append(
            FlagResult(
                flag=cols["flag"][i],
                rule_version=cols["rule_version"][i],
                subject_kind=cols["subject_kind"][i],
                subject_id=cols["subject_id"][i],
                district_id=cols["district_id"][i],
                severity=cols["severity"][i],
                thresholds=thr,
                evidence=json.loads(cols["evidence"][i]),
                explanation=cols["explanation"][i],
            )
        )
    return out
