"""The quarantine: every invalid row, as it was read, with its reasons; and the full report beside it.

``<DIR>/<table>.csv`` holds the rejected rows of one entity table: the input columns (as text, exactly as read) plus
``_file``, ``_row`` (tabular inputs), ``_path`` (XML messages) and ``_reasons``. Every other refused record (an
unreadable file, a row with the wrong number of fields, a message element rejected while parsing, a message record
refused by the allocation rules, such as a 305/307 whose allocation is in no 301) is listed in
``<DIR>/unreadable.csv`` (file, row or element path, table, rule, field, masked value, reason): every error of the
report is in one of the two. Warnings (records the iStandaard's own rules set aside, such as a superseded version)
are not refusals; they are in the report only. ``<DIR>/report.json`` is the
complete validation report (values masked). The quarantine is a fix-list for the data owner: it holds input rows, so it
is as sensitive as the input files themselves (clear BSNs included) and belongs next to them, not in the store.

With ``mask=True`` (what the server writes for API uploads) every text cell is masked as in the report (every BSN,
and the whole value of a ``bsn`` column, keeps its first four digits: ``9999*****``; :func:`ingest.report.mask_value`)
and cells a spreadsheet would run as a formula get a leading ``'`` (:mod:`foundation.cells`), so the server keeps no
BSN in clear.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from foundation.cells import map_text_columns, neutralise_table
from foundation.privacy import mask_bsns
from ingest.report import BSN_FIELDS, Issue, ValidationReport
from ingest.validation import TableResult

__all__ = ["write_quarantine", "mask_table", "refused_outside_tables"]

def mask_table(table: pa.Table) -> pa.Table:
    """Mask BSNs in every text column (a ``bsn`` column whole) and neutralise spreadsheet formulas.

    >>> mask_table(pa.table({"bsn": ["999900007", None], "n": ["=1+1", "a 123456782 b 123456781"]})).to_pylist()
    [{'bsn': '9999*****', 'n': "'=1+1"}, {'bsn': None, 'n': 'a 1234***** b 123456781'}]
    """
    return neutralise_table(map_text_columns(table, _mask_column))


def _mask_column(field: pa.Field, col: pa.ChunkedArray) -> pa.Array:
    bsn_field = field.name.lower() in BSN_FIELDS
    return pa.array([None if v is None else mask_bsns(v, bsn_field=bsn_field) for v in col.to_pylist()], field.type)


def refused_outside_tables(report: ValidationReport,
                           in_tables: set[tuple[str, str, int | None, str | None]]) -> list[Issue]:
    """The errors of ``report`` whose record is not a quarantined table row (``in_tables``: (table, file, row,
    path) of every row written to ``<table>.csv``): files that could not be read, rows skipped while reading,
    message elements rejected while parsing, and message records refused by the allocation rules (a 305/307 whose
    allocation is in no 301, a category missing from the mapping, …). Each of them goes to ``unreadable.csv``, so
    every refused record is in the quarantine, whatever rule refused it."""
    return [i for i in report.errors if (i.table or "", i.file, i.row, i.path) not in in_tables]


def write_quarantine(folder: Path, tables: dict[str, TableResult], report: ValidationReport, *,
                     mask: bool = False) -> dict[str, int]:
    """Write the quarantine; returns the number of quarantined rows per table. ``mask``: mask BSNs and neutralise
    formulas in every cell (see the module docstring)."""
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    in_tables: set[tuple[str, str, int | None, str | None]] = set()
    for name, tr in tables.items():
        idx = np.flatnonzero(tr.bad)
        if len(idx) == 0:
            continue
        raw = tr.raw.take(pa.array(idx))
        files, rows, paths, reasons = [], [], [], []
        offsets = np.cumsum([0] + [p.num_rows for p in tr.parts])
        part_idx = np.searchsorted(offsets, idx, side="right") - 1
        for i, p in zip(idx.tolist(), part_idx.tolist(), strict=True):
            f, r, path = tr.parts[p].location(i - int(offsets[p]))
            files.append(f)
            rows.append(r)
            paths.append(path)
            reasons.append("; ".join(tr.reasons.get(i, [])))
            in_tables.add((name, f, r, path))
        raw = raw.append_column("_file", pa.array(files, pa.string()))
        raw = raw.append_column("_row", pa.array(rows, pa.int64()))
        raw = raw.append_column("_path", pa.array(paths, pa.string()))
        raw = raw.append_column("_reasons", pa.array(reasons, pa.string()))
        if mask:
            raw = mask_table(raw)
        pacsv.write_csv(raw, folder / f"{name}.csv", pacsv.WriteOptions(quoting_style="needed"))
        counts[name] = len(idx)
    rejected = refused_outside_tables(report, in_tables)
    if rejected:
        unreadable = pa.table({
            "_file": [i.file for i in rejected], "_row": pa.array([i.row for i in rejected], pa.int64()),
            "_path": [i.path for i in rejected], "table": [i.table for i in rejected],
            "rule": [i.rule for i in rejected], "field": [i.field for i in rejected],
            "value": [i.value for i in rejected], "_reasons": [i.reason for i in rejected],
        })
        pacsv.write_csv(mask_table(unreadable) if mask else unreadable, folder / "unreadable.csv",
                        pacsv.WriteOptions(quoting_style="needed"))
        counts["unreadable"] = len(rejected)
    payload = report.to_dict()
    payload["quarantined"] = counts
    (folder / "report.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
    return counts
