"""Column-wise (vectorised) validation of entity tables read as strings, and their conversion to typed tables.

Every rule works on whole Arrow columns with :mod:`pyarrow.compute`, so the cost per valid row is a few machine
operations; Python only runs per *failing* row, to write its issue. Rules (rule name in brackets, as used in the
report's ``errors_by_rule``):

* ``length``: a value longer than :data:`MAX_FIELD_CHARS` characters.
* ``required``: a required column left empty.
* ``type``: a value that is not an integer / date (``YYYY-MM-DD``, also ``DD-MM-YYYY``) / boolean; impossible dates
  such as 2024-02-30 included (checked by a parse-and-format round trip).
* ``range``: an integer outside the column's bounds (birth year 1900–2100, score 1–5, …).
* ``bsn``: a BSN that is not 9 digits or fails the 11-proef
  ``(9·d1 + 8·d2 + … + 2·d8 − 1·d9) mod 11 == 0`` (CS002; ``docs/istandaarden.md#identifiers``). Eight-digit BSNs
  are left-padded with a zero first (RS037).
* ``pattern``: postcode (``9999XX``, after removing spaces and upper-casing), AGB code (8 digits), gemeentecode.
* ``code``: an unknown code: sector, intervention kind, composition, member role, domain code, enforcement action.
* ``period``: an end before its start (``end_date < start_date``, ``closed_on < opened_on``).
* ``duplicate``: the same key on more than one row of the batch (every such row is flagged).
* ``reference``: a foreign key that names no row of the batch and no row already in the store.
* ``dependency``: a foreign key that names a row which is itself invalid: the row is quarantined with it.
* ``mapping`` (and the others, for cells a mapping could not translate): a part's
  :class:`~ingest.tabular.CellError` s, reported first; those cells are checked no further, so each gets one error.
  Issues on a column read through a mapping name the source column (:mod:`ingest.mapping`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from graph.domains import DOMAIN_CODES
from graph.schema import ENFORCEMENT_ACTIONS, TABLE_ORDER, TableSpec, table_arrow_schema, table_spec
from ingest.report import Issue, ValidationReport
from ingest.tabular import RawPart

__all__ = [
    "KnownKeys",
    "MAX_FIELD_CHARS",
    "TableResult",
    "ValidationResult",
    "validate_parts",
    "bsn_valid_mask",
    "TRUE_WORDS",
    "FALSE_WORDS",
]

KnownKeys = Mapping[str, pa.Array | pa.ChunkedArray]
"""Keys already in the store, per entity table (e.g. ``{"households": <array of household_id>}``)."""

MAX_FIELD_CHARS = 1000
TRUE_WORDS = ("true", "1", "ja", "j", "yes", "y", "waar", "t", "x")
FALSE_WORDS = ("false", "0", "nee", "n", "no", "onwaar", "f")
_PERIODS: dict[str, tuple[str, str]] = {
    "households": ("opened_on", "closed_on"),
    "interventions": ("start_date", "end_date"),
    "coordinations": ("start_date", "end_date"),
}
_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def bsn_valid_mask(col: pa.Array) -> np.ndarray:
    """Boolean mask: 9 ASCII digits, not all zero, passing the 11-proef. Nulls give False.

    >>> bsn_valid_mask(pa.array(["999900006", "123456782", "123456781", None, "12345678x", "000000000"])).tolist()
    [True, True, False, False, False, False]
    """
    n = len(col)
    fmt = pc.fill_null(pc.match_substring_regex(col, r"^[0-9]{9}$"), False).to_numpy(zero_copy_only=False)
    out = np.zeros(n, dtype=bool)
    idx = np.flatnonzero(fmt)
    if len(idx) == 0:
        return out
    sel = pc.take(col, pa.array(idx))
    # Concatenate the (exactly 9-byte) values and reshape to an (m, 9) digit matrix.
    sel = sel.combine_chunks() if isinstance(sel, pa.ChunkedArray) else sel
    offsets = np.frombuffer(sel.buffers()[1], dtype=np.int32)[sel.offset: sel.offset + len(sel) + 1]
    data = np.frombuffer(sel.buffers()[2], dtype=np.uint8)[offsets[0]: offsets[-1]]
    digits = data.reshape(-1, 9).astype(np.int64) - 48
    total = digits @ np.asarray(_WEIGHTS, dtype=np.int64)
    ok = (total % 11 == 0) & (digits.sum(axis=1) > 0)
    out[idx] = ok
    return out


def _np(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)


@dataclass
class TableResult:
    """Outcome of validating one entity table: the typed rows, which rows are bad and why."""

    name: str
    parts: list[RawPart]
    raw: pa.Table
    typed: pa.Table
    bad: np.ndarray
    reasons: dict[int, list[str]] = field(default_factory=dict)

    @property
    def valid(self) -> pa.Table:
        """Typed valid rows."""
        if not self.bad.any():
            return self.typed
        return self.typed.filter(pa.array(~self.bad))


@dataclass
class ValidationResult:
    report: ValidationReport
    tables: dict[str, TableResult]


class _Checker:
    """Validation state of one table: the concatenated parts, the bad-row mask, the issues."""

    def __init__(self, name: str, parts: list[RawPart], report: ValidationReport):
        self.spec: TableSpec = table_spec(name)
        self.parts = parts
        self.report = report
        self.raw = pa.concat_tables([p.data for p in parts]) if parts else pa.table({})
        self.raw = self.raw.combine_chunks()
        self.n = self.raw.num_rows
        self.offsets = np.cumsum([0] + [p.num_rows for p in parts])
        self.bad = np.zeros(self.n, dtype=bool)
        self.reasons: dict[int, list[str]] = {}
        self.typed: dict[str, pa.Array] = {}
        self.settled: dict[str, np.ndarray] = {}
        """Per column, the cells already reported before validation (a part's cell errors): not checked again."""

    def col(self, name: str) -> pa.Array:
        c = self.raw.column(name)
        return c.chunk(0) if c.num_chunks == 1 else c.combine_chunks()

    def flag(self, mask: np.ndarray, field: str | None, reason: str, rule: str,
             values: pa.Array | None = None, severity: str = "error") -> None:
        if field is not None and field in self.settled:
            mask = mask & ~self.settled[field]
        idx = np.flatnonzero(mask)
        if len(idx) == 0:
            return
        vals = pc.take(values, pa.array(idx)).to_pylist() if values is not None else [None] * len(idx)
        part_idx = np.searchsorted(self.offsets, idx, side="right") - 1
        for i, p, v in zip(idx.tolist(), part_idx.tolist(), vals, strict=True):
            part = self.parts[p]
            file, row, path = part.location(i - int(self.offsets[p]))
            source = part.sources.get(field) if part.sources is not None and field is not None else None
            self.report.add(Issue.make(file, reason, severity=severity, row=row, path=path,  # type: ignore[arg-type]
                                       field=field, value=v, table=self.spec.name, rule=rule, source_column=source))
            if severity == "error":
                label = f"{source} ({field})" if source is not None else field
                self.reasons.setdefault(i, []).append(f"{label}: {reason}" if field else reason)
        if severity == "error":
            self.bad[idx] = True


def _check_cell_errors(ck: _Checker) -> None:
    """Report the cells a part marked wrong before validation (:class:`~ingest.tabular.CellError`), once each."""
    for p, part in enumerate(ck.parts):
        for ce in part.cell_errors:
            mask = np.zeros(ck.n, dtype=bool)
            mask[int(ck.offsets[p]): int(ck.offsets[p + 1])] = ce.rows
            ck.flag(mask, ce.field, ce.reason, ce.rule, ck.col(ce.field))
            ck.settled[ce.field] = ck.settled.get(ce.field, np.zeros(ck.n, dtype=bool)) | mask


def _check_columns(ck: _Checker) -> None:
    spec = ck.spec
    for c in spec.columns:
        col = ck.col(c.name)
        present = _np(pc.is_valid(col))
        long = _np(pc.greater(pc.utf8_length(col), MAX_FIELD_CHARS))
        ck.flag(long, c.name, f"value longer than {MAX_FIELD_CHARS} characters", "length", col)
        if c.required:
            ck.flag(~present, c.name, "required field is empty", "required")
        if c.name == "postcode":
            col = pc.utf8_upper(pc.replace_substring(col, " ", ""))
        if c.name == "bsn":
            col = pc.if_else(pc.equal(pc.utf8_length(col), 8), pc.utf8_lpad(col, 9, "0"), col)
            ok = bsn_valid_mask(col)
            ck.flag(present & ~ok & ~long, c.name, "not a valid BSN (9 digits, 11-proef)", "bsn", col)
            ck.typed[c.name] = col
            continue
        if c.type == "string":
            if c.choices:
                ok = _np(pc.is_in(col, value_set=pa.array(c.choices)))
                ck.flag(present & ~ok & ~long, c.name, "unknown code; allowed: " + ", ".join(c.choices), "code", col)
            if c.pattern:
                ok = _np(pc.match_substring_regex(col, f"^(?:{c.pattern})$"))
                ck.flag(present & ~ok & ~long, c.name, f"does not match the pattern {c.pattern}", "pattern", col)
            ck.typed[c.name] = col
        elif c.type == "int":
            try:  # fast path: Arrow's strict cast succeeds on a clean column
                ints = pc.cast(col, pa.int64())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                fmt = _np(pc.match_substring_regex(col, r"^[+-]?[0-9]{1,18}$"))
                ck.flag(present & ~fmt & ~long, c.name, "not a whole number", "type", col)
                clean = pc.replace_substring_regex(col, r"^\+", "")
                ints = pc.cast(pc.if_else(pa.array(fmt), clean, pa.scalar(None, pa.string())), pa.int64())
            if c.low is not None or c.high is not None:
                lo = c.low if c.low is not None else -(2**62)
                hi = c.high if c.high is not None else 2**62
                out = _np(pc.or_(pc.less(ints, lo), pc.greater(ints, hi)))
                ck.flag(out, c.name, f"outside the range {c.low}–{c.high}", "range", col)
            ck.typed[c.name] = ints
        elif c.type == "date":
            dates = _parse_dates(col)
            ck.flag(present & ~_np(pc.is_valid(dates)) & ~long, c.name,
                    "not a valid date (YYYY-MM-DD or DD-MM-YYYY)", "type", col)
            ck.typed[c.name] = dates
        elif c.type == "bool":
            low = pc.utf8_lower(col)
            t = _np(pc.is_in(low, value_set=pa.array(TRUE_WORDS)))
            f = _np(pc.is_in(low, value_set=pa.array(FALSE_WORDS)))
            ck.flag(present & ~t & ~f, c.name, "not a yes/no value (true/false, ja/nee, 1/0)", "type", col)
            ck.typed[c.name] = pc.if_else(pa.array(t), True, pc.if_else(pa.array(f), False,
                                                                         pa.scalar(None, pa.bool_())))


def _parse_dates(col: pa.Array) -> pa.Array:
    """ISO ``YYYY-MM-DD`` (optionally followed by a time) or Dutch ``DD-MM-YYYY`` → date32; anything else null."""
    try:  # fast path: Arrow's strict ISO cast (rejects 2024-02-30) succeeds on a clean column
        return pc.cast(col, pa.date32())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    iso_text = pc.utf8_slice_codeunits(col, 0, 10)
    iso_ok = _np(pc.match_substring_regex(col, r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T].*)?$"))
    ts = pc.strptime(iso_text, format="%Y-%m-%d", unit="s", error_is_null=True)
    round_trip = _np(pc.equal(pc.strftime(ts, format="%Y-%m-%d"), iso_text))
    iso = pc.if_else(pa.array(iso_ok & round_trip), ts, pa.scalar(None, ts.type))
    nl_ok = _np(pc.match_substring_regex(col, r"^[0-9]{2}-[0-9]{2}-[0-9]{4}$"))
    if nl_ok.any():
        ts2 = pc.strptime(col, format="%d-%m-%Y", unit="s", error_is_null=True)
        rt2 = _np(pc.equal(pc.strftime(ts2, format="%d-%m-%Y"), col))
        iso = pc.if_else(pa.array(nl_ok & rt2), ts2, iso)
    return pc.cast(iso, pa.date32())


def _check_rows(ck: _Checker) -> None:
    spec = ck.spec
    key = ck.typed[spec.key]
    counts = pc.value_counts(pc.drop_null(key))
    dup_values = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), 1))
    if len(dup_values):
        dup = _np(pc.is_in(key, value_set=dup_values))
        ck.flag(dup, spec.key, "the same key appears on more than one row of the input", "duplicate", key)
    if spec.name in _PERIODS:
        a, b = _PERIODS[spec.name]
        wrong = _np(pc.less(ck.typed[b], ck.typed[a]))
        ck.flag(wrong, b, f"{b} lies before {a}", "period", pc.cast(ck.typed[b], pa.string()))
    if spec.name == "interventions":
        action = ck.typed["action"]
        enf = _np(pc.equal(ck.typed["kind"], "enforcement"))
        known = _np(pc.is_in(action, value_set=pa.array(list(ENFORCEMENT_ACTIONS))))
        has = _np(pc.is_valid(action))
        ck.flag(enf & has & ~known, "action",
                "unknown enforcement action; allowed: " + ", ".join(ENFORCEMENT_ACTIONS), "code", action)
    if spec.name == "domains":
        code = ck.typed["domain_code"]
        ok = _np(pc.is_in(code, value_set=pa.array(sorted(DOMAIN_CODES))))
        ck.flag(_np(pc.is_valid(code)) & ~ok, "domain_code",
                "unknown domain code; allowed: " + ", ".join(sorted(DOMAIN_CODES)), "code", code)


def _check_references(ck: _Checker, done: dict[str, TableResult], known: KnownKeys) -> None:
    for c in ck.spec.columns:
        if c.references is None:
            continue
        parent = c.references
        col = ck.typed[c.name]
        present = _np(pc.is_valid(col))
        if not present.any():
            continue
        valid_sets: list[pa.Array] = []
        invalid_keys: pa.Array | None = None
        pspec = table_spec(parent)
        if parent in done:
            pr = done[parent]
            pkeys = pr.typed.column(pspec.key).combine_chunks()
            if pr.bad.any():
                invalid_keys = pc.filter(pkeys, pa.array(pr.bad))
                pkeys = pc.filter(pkeys, pa.array(~pr.bad))
            valid_sets.append(pkeys)
        if parent in known:
            k = known[parent]
            valid_sets.append(k.combine_chunks() if isinstance(k, pa.ChunkedArray) else k)
        if parent == "domains":
            valid_sets.append(pa.array(sorted(DOMAIN_CODES)))
        vs = pa.concat_arrays([v.cast(pa.string()) for v in valid_sets]) if valid_sets else pa.array([], pa.string())
        in_valid = _np(pc.is_in(col, value_set=pc.unique(vs)))
        missing = present & ~in_valid
        if not missing.any():
            continue
        dep = np.zeros(ck.n, dtype=bool)
        if invalid_keys is not None and len(invalid_keys):
            dep = missing & _np(pc.is_in(col, value_set=pc.unique(invalid_keys)))
            ck.flag(dep, c.name, f"refers to a {parent} row that is itself invalid (quarantined with it)",
                    "dependency", col)
        ck.flag(missing & ~dep, c.name, f"unknown reference: no {parent} row with this key in the input or the store",
                "reference", col)


def validate_parts(parts: Mapping[str, list[RawPart]], report: ValidationReport, *,
                   known: KnownKeys | None = None) -> ValidationResult:
    """Validate every table (in load order, so references see their parents' outcome) and type the values.

    Issues are added to ``report``; ``report.rows_read``/``rows_valid`` are filled in.
    """
    known = known or {}
    done: dict[str, TableResult] = {}
    for name in TABLE_ORDER:
        if name not in parts or not parts[name]:
            continue
        ck = _Checker(name, parts[name], report)
        _check_cell_errors(ck)
        _check_columns(ck)
        _check_rows(ck)
        _check_references(ck, done, known)
        schema = pa.schema([f.with_nullable(True) for f in table_arrow_schema(ck.spec)])
        typed = pa.Table.from_arrays([ck.typed[f.name].cast(f.type) for f in schema], schema=schema)
        done[name] = TableResult(name, ck.parts, ck.raw, typed, ck.bad, ck.reasons)
        report.rows_read[name] = ck.n
        report.rows_valid[name] = int(ck.n - ck.bad.sum())
    return ValidationResult(report, done)
