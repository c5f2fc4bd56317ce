"""Validation issues and the validation report (JSON and human-readable text).

Every problem found while reading or validating input becomes one :class:`Issue`: the file, where in the file (a
1-based data row for tabular files, an element path for XML messages), the field, the offending value (masked so that
no BSN ever appears in full), the reason and a severity. The report never holds a clear BSN: every BSN in a value (nine
digits passing the 11-proef) is shown as its first four digits followed by asterisks (``9999*****``), and so is the
whole value of a BSN field, valid or not (:func:`foundation.privacy.mask_bsns`). Other numbers, member ids included,
stay readable so that the rows can be looked up.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from foundation.privacy import mask_bsns

__all__ = ["Severity", "Issue", "ValidationReport", "mask_value", "BSN_FIELDS", "MAX_VALUE_CHARS"]

Severity = Literal["error", "warning"]

MAX_VALUE_CHARS = 80
"""Values longer than this are cut in the report (the quarantine keeps the full row)."""

BSN_FIELDS = frozenset({"bsn"})
"""Fields (lower case) whose values are BSNs: masked whole, whether or not they pass the 11-proef."""


def mask_value(value: object, field: str | None = None) -> str | None:
    """The value as shown in a report: BSNs masked (:func:`foundation.privacy.mask_bsns`), long values cut.

    >>> mask_value("999900006"), mask_value("bsn 123456782 x"), mask_value(None), mask_value(42)
    ('9999*****', 'bsn 1234***** x', None, '42')
    >>> mask_value("123456781"), mask_value("123456781", field="Bsn")
    ('123456781', '1234*****')
    """
    if value is None:
        return None
    text = mask_bsns(str(value), bsn_field=field is not None and field.lower() in BSN_FIELDS)
    if len(text) > MAX_VALUE_CHARS:
        text = text[:MAX_VALUE_CHARS] + f"… ({len(text)} chars)"
    return text


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in the input.

    ``row`` is the 1-based data row of a tabular file (the header is row 0); ``path`` is the element path of an XML
    message; at most one of them is set (neither for a whole-file problem). ``table`` names the entity table the row
    belongs to, when known. ``value`` is already masked (see :func:`mask_value`). ``field`` is always the template
    column; ``source_column`` names the export's own column when the file was read through a mapping.
    """

    file: str
    reason: str
    severity: Severity = "error"
    row: int | None = None
    path: str | None = None
    field: str | None = None
    value: str | None = None
    table: str | None = None
    rule: str = "other"
    source_column: str | None = None
    """The column of another system's export that ``field`` was mapped from (``caregraph ingest --mapping``)."""

    @classmethod
    def make(
        cls,
        file: str,
        reason: str,
        *,
        severity: Severity = "error",
        row: int | None = None,
        path: str | None = None,
        field: str | None = None,
        value: object = None,
        table: str | None = None,
        rule: str = "other",
        source_column: str | None = None,
    ) -> Issue:
        """Build an issue, masking ``value`` by the template column ``field`` (whatever the source column is)."""
        return cls(file, reason, severity, row, path, field, mask_value(value, field), table, rule, source_column)

    @property
    def where(self) -> str:
        """``file, row N`` / ``file, <path>`` / ``file``."""
        if self.row is not None:
            return f"{self.file}, row {self.row}"
        if self.path is not None:
            return f"{self.file}, {self.path}"
        return self.file

    def render(self) -> str:
        """One line of the text report."""
        parts = [f"{self.severity.upper():7} {self.where}"]
        if self.source_column is not None:
            parts.append(f"column {self.source_column!r} (mapped to {self.field})")
        elif self.field is not None:
            parts.append(f"field {self.field!r}")
        if self.value is not None:
            parts.append(f"value {self.value!r}")
        return ": ".join([", ".join(parts), self.reason])


@dataclass
class ValidationReport:
    """Every issue found in one batch of input, plus row counts per entity table."""

    issues: list[Issue] = field(default_factory=list)
    rows_read: dict[str, int] = field(default_factory=dict)
    rows_valid: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def add(self, issue: Issue) -> None:
        self.issues.append(issue)

    def extend(self, issues: Iterable[Issue]) -> None:
        self.issues.extend(issues)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not any(i.severity == "error" for i in self.issues)

    def counts_by_rule(self) -> dict[str, int]:
        """Number of errors per rule name."""
        return dict(sorted(Counter(i.rule for i in self.issues if i.severity == "error").items()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "files": self.files,
            "rows_read": self.rows_read,
            "rows_valid": self.rows_valid,
            "error_count": len(self.errors),
            "warning_count": len(self.warnings),
            "errors_by_rule": self.counts_by_rule(),
            "issues": [asdict(i) for i in self.issues],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_text(self, *, limit: int | None = 200) -> str:
        """Human-readable report; at most ``limit`` issue lines (``None`` for all), errors first."""
        lines = [
            f"Validation {'passed' if self.ok else 'FAILED'}: {len(self.errors)} error(s), "
            f"{len(self.warnings)} warning(s) in {len(self.files)} file(s)."
        ]
        for name, n in self.rows_read.items():
            lines.append(f"  {name}: {n} row(s) read, {self.rows_valid.get(name, 0)} valid")
        if self.errors:
            lines.append("Errors by rule: " + ", ".join(f"{k} {v}" for k, v in self.counts_by_rule().items()))
        ordered = self.errors + self.warnings
        shown = ordered if limit is None else ordered[:limit]
        lines.extend(i.render() for i in shown)
        if len(shown) < len(ordered):
            lines.append(f"… and {len(ordered) - len(shown)} more (see the JSON report for all).")
        return "\n".join(lines)
