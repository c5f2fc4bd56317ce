"""The quarantine: every invalid row, as it was read, with its reasons; and the full report beside it.

``<DIR>/<table>.csv`` holds the rejected rows of one entity table: the input columns (as text, exactly as read) plus
``_file``, ``_row`` (tabular inputs), ``_path`` (XML messages) and ``_reasons``. Input that never became a row
(an unreadable file, a row with the wrong number of fields, a message element rejected while parsing) is listed in
``<DIR>/unreadable.csv`` (file, row or element path, field, masked value, reason). ``<DIR>/report.json`` is the
complete validation report (values masked). The quarantine is a fix-list for the data owner: it holds input rows, so it
is as sensitive as the input files themselves (clear BSNs included) and belongs next to them, not in the store.

With ``mask=True`` (what the server writes for API uploads) every text cell is masked as in the report (digit runs
of nine or more keep their first four digits: ``9999*****``) and cells a spreadsheet would run as a formula (starting
with ``=``, ``+``, ``-``, ``@``, tab or CR) get a leading ``'``, so the server keeps no BSN in clear.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ingest.report import ValidationReport
from ingest.validation import TableResult

__all__ = ["write_quarantine", "mask_table"]

_LONG_DIGITS = re.compile(r"\d{9,}")


def mask_table(table: pa.Table) -> pa.Table:
    """Mask digit runs of nine or more (BSNs) in every text column and neutralise spreadsheet formulas.

    >>> mask_table(pa.table({"bsn": ["999900006", None], "n": ["=1+1", "a 123456782"]})).to_pylist()
    [{'bsn': '9999*****', 'n': "'=1+1"}, {'bsn': None, 'n': 'a 1234*****'}]
    """
    cols = []
    for f, col in zip(table.schema, table.columns, strict=True):
        if pa.types.is_string(f.type) or pa.types.is_large_string(f.type):
            col = pa.chunked_array([pa.array([_mask_digits(v) for v in col.to_pylist()], f.type)])
            risky = pc.match_substring_regex(col, r"^[=+\-@\t\r]")
            col = pc.if_else(risky, pc.binary_join_element_wise("'", col, ""), col)
        cols.append(col)
    return pa.Table.from_arrays(cols, schema=table.schema)


def _mask_digits(value: str | None) -> str | None:
    """Mask digit runs of nine or more as the report does, without cutting the value."""
    return None if value is None else _LONG_DIGITS.sub(lambda m: m.group(0)[:4] + "*" * (len(m.group(0)) - 4), value)


def write_quarantine(folder: Path, tables: dict[str, TableResult], report: ValidationReport, *,
                     mask: bool = False) -> dict[str, int]:
    """Write the quarantine; returns the number of quarantined rows per table. ``mask``: mask BSNs and neutralise
    formulas in every cell (see the module docstring)."""
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
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
        raw = raw.append_column("_file", pa.array(files, pa.string()))
        raw = raw.append_column("_row", pa.array(rows, pa.int64()))
        raw = raw.append_column("_path", pa.array(paths, pa.string()))
        raw = raw.append_column("_reasons", pa.array(reasons, pa.string()))
        if mask:
            raw = mask_table(raw)
        pacsv.write_csv(raw, folder / f"{name}.csv", pacsv.WriteOptions(quoting_style="needed"))
        counts[name] = len(idx)
    rejected = [i for i in report.errors if i.rule in ("message", "xml", "file", "structure", "header")]
    if rejected:
        unreadable = pa.table({
            "_file": [i.file for i in rejected], "_row": pa.array([i.row for i in rejected], pa.int64()),
            "_path": [i.path for i in rejected], "field": [i.field for i in rejected],
            "value": [i.value for i in rejected], "_reasons": [i.reason for i in rejected],
        })
        pacsv.write_csv(mask_table(unreadable) if mask else unreadable, folder / "unreadable.csv",
                        pacsv.WriteOptions(quoting_style="needed"))
        counts["unreadable"] = len(rejected)
    payload = report.to_dict()
    payload["quarantined"] = counts
    (folder / "report.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
    return counts
