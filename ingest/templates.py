"""Empty, documented input templates: one per entity table, as CSV, Excel or Parquet.

* ``csv``: ``<table>.csv`` with the header row only, plus ``columns.csv`` (table, column, type, required, allowed
  values / pattern, references, description).
* ``xlsx``: one workbook ``caregraph_template.xlsx`` with a sheet per table (header row, each header cell carrying
  its description as a comment) and a ``columns`` sheet like ``columns.csv``.
* ``parquet``: ``<table>.parquet`` with zero rows, the column types, and each description in the field metadata.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.parquet as pq

from graph.schema import TABLES as _ALL_TABLES
from graph.schema import Column, table_arrow_schema

__all__ = ["write_templates", "column_rows"]

Format = Literal["csv", "xlsx", "parquet"]
_TYPES = {"string": "text", "int": "whole number", "date": "date YYYY-MM-DD", "bool": "true/false"}


TABLES = tuple(t for t in _ALL_TABLES if not t.ledger)
"""The tables a municipality fills in (the ingest ledger is the store's own bookkeeping)."""


def _allowed(c: Column) -> str:
    if c.choices:
        return " | ".join(c.choices)
    if c.pattern:
        return f"pattern {c.pattern}"
    if c.low is not None or c.high is not None:
        return f"{c.low}–{c.high}"
    return ""


def column_rows() -> list[list[str]]:
    """The column documentation: a header row and one row per column of every table."""
    rows = [["table", "column", "type", "required", "allowed", "references", "description"]]
    for t in TABLES:
        for c in t.columns:
            rows.append([t.name, c.name, _TYPES[c.type], "yes" if c.required else "no", _allowed(c),
                         c.references or "", c.description])
    return rows


def write_templates(out: Path, fmt: Format = "csv") -> list[Path]:
    """Write the templates into ``out``; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if fmt == "csv":
        for t in TABLES:
            p = out / f"{t.name}.csv"
            with p.open("w", encoding="utf-8", newline="") as fh:
                csv.writer(fh).writerow(t.column_names)
            written.append(p)
        p = out / "columns.csv"
        with p.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(column_rows())
        written.append(p)
    elif fmt == "xlsx":
        import openpyxl
        from openpyxl.comments import Comment

        wb = openpyxl.Workbook()
        first = wb.active
        if first is not None:
            wb.remove(first)
        for t in TABLES:
            ws = wb.create_sheet(t.name)
            ws.append(list(t.column_names))
            for cell, c in zip(ws[1], t.columns, strict=True):
                cell.comment = Comment(f"{c.description} ({_TYPES[c.type]}"
                                       f"{', required' if c.required else ''})", "caregraph")
        ws = wb.create_sheet("columns")
        for row in column_rows():
            ws.append(row)
        p = out / "caregraph_template.xlsx"
        wb.save(p)
        written.append(p)
    elif fmt == "parquet":
        for t in TABLES:
            schema = table_arrow_schema(t)
            fields = [f.with_metadata({"description": c.description}) for f, c in zip(schema, t.columns,
                                                                                       strict=True)]
            p = out / f"{t.name}.parquet"
            pq.write_table(pa.schema(fields).empty_table(), p)
            written.append(p)
    else:
        raise ValueError(f"unknown template format {fmt!r}: csv, xlsx or parquet")
    return written
