"""The quarantine: every invalid row, as it was read, with its reasons; and the full report beside it.

``<DIR>/<table>.csv`` holds the rejected rows of one entity table: the input columns (as text, exactly as read) plus
``_file``, ``_row`` (tabular inputs), ``_path`` (XML messages) and ``_reasons``. Input that never became a row
(an unreadable file, a row with the wrong number of fields, a message element rejected while parsing) is listed in
``<DIR>/unreadable.csv`` (file, row or element path, field, masked value, reason). ``<DIR>/report.json`` is the
complete validation report (values masked). The quarantine is a fix-list for the data owner: it holds input rows, so it
is as sensitive as the input files themselves (clear BSNs included) and belongs next to them, not in the store.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from ingest.report import ValidationReport
from ingest.validation import TableResult

__all__ = ["write_quarantine"]


def write_quarantine(folder: Path, tables: dict[str, TableResult], report: ValidationReport) -> dict[str, int]:
    """Write the quarantine; returns the number of quarantined rows per table."""
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
        pacsv.write_csv(raw, folder / f"{name}.csv", pacsv.WriteOptions(quoting_style="needed"))
        counts[name] = len(idx)
    rejected = [i for i in report.errors if i.rule in ("message", "xml", "file", "structure", "header")]
    if rejected:
        pacsv.write_csv(pa.table({
            "_file": [i.file for i in rejected], "_row": pa.array([i.row for i in rejected], pa.int64()),
            "_path": [i.path for i in rejected], "field": [i.field for i in rejected],
            "value": [i.value for i in rejected], "_reasons": [i.reason for i in rejected],
        }), folder / "unreadable.csv", pacsv.WriteOptions(quoting_style="needed"))
        counts["unreadable"] = len(rejected)
    payload = report.to_dict()
    payload["quarantined"] = counts
    (folder / "report.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
    return counts
