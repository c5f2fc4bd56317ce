"""Excel workbooks (.xlsx, via openpyxl) of Arrow tables: formula-safe and byte-for-byte reproducible.

Two things set a workbook apart from a CSV file:

* **Formula injection.** A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula
  (and ``=HYPERLINK(...)`` or ``=cmd|...`` can leak data or run commands). Every *text* cell goes through
  :func:`foundation.cells.neutralise_cell` (a leading apostrophe when it starts with a formula character) and is
  written as a plain string, never as a formula: the reader sees ``'=SUM(A1)`` as text. Numbers stay numbers (a
  negative number is not text). Source: OWASP, "CSV Injection" (docs/ingest.md, "Spreadsheet-safe output").
* **Reproducibility.** openpyxl stamps the workbook with the time it was saved (``docProps/core.xml``) and gives
  every zip entry the current time. Both are replaced by a fixed timestamp, so the same tables give the same bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from foundation.cells import neutralise_cell

__all__ = ["write_xlsx", "MAX_CELL_CHARS"]

MAX_CELL_CHARS = 32_767
"""Excel's limit on the characters in one cell."""

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _sheet_title(name: str) -> str:
    title = re.sub(r"[\[\]:*?/\\]", "_", name)[:31]
    return title or "sheet"


def write_xlsx(path: Path | str, sheets: Mapping[str, pa.Table], *, timestamp: datetime) -> dict[str, int]:
    """Write one workbook with a sheet per table (header row, then one row per table row).

    Parameters
    ----------
    path
        The .xlsx file to write.
    sheets
        Sheet name → table, in sheet order (names are cut to Excel's 31 characters).
    timestamp
        Written as the workbook's created and modified time (use the export's as-of date so that the file only
        depends on its contents).

    Returns
    -------
    dict
        Rows written per sheet.

    Raises
    ------
    ValueError
        When a text cell is longer than Excel's :data:`MAX_CELL_CHARS` or a table has more rows than a sheet holds.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = Path(d) / "t.xlsx"
    ...     _ = write_xlsx(p, {"s": pa.table({"a": ["=1+1", "ok"], "n": [1, -2]})}, timestamp=datetime(2024, 6, 30))
    ...     ws = openpyxl.load_workbook(p)["s"]
    ...     [[(c.value, c.data_type) for c in row] for row in ws.iter_rows()]
    [[('a', 's'), ('n', 's')], [("'=1+1", 's'), (1, 'n')], [('ok', 's'), (-2, 'n')]]
    """
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    rows_written: dict[str, int] = {}
    for name, table in sheets.items():
        if table.num_rows + 1 > 1_048_576:
            raise ValueError(f"sheet {name!r}: {table.num_rows:,} rows do not fit in one Excel sheet")
        ws = wb.create_sheet(_sheet_title(name))
        ws.append([neutralise_cell(c) for c in table.column_names])
        columns: list[list[Any]] = []
        for col in table.columns:
            values = col.to_pylist()
            if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
                values = [neutralise_cell(v) for v in values]
                longest = max((len(v) for v in values if v is not None), default=0)
                if longest > MAX_CELL_CHARS:
                    raise ValueError(f"sheet {name!r}: a text cell has {longest:,} characters "
                                     f"(Excel allows {MAX_CELL_CHARS:,})")
            columns.append(values)
        # a neutralised text never starts with "=", so openpyxl writes every text as a string, never a formula
        for row in zip(*columns, strict=True):
            ws.append(row)
        rows_written[name] = table.num_rows
    stamp = timestamp.replace(tzinfo=None, microsecond=0)
    wb.properties.created = stamp
    raw = io.BytesIO()
    wb.save(raw)
    Path(path).write_bytes(_normalise_zip(raw.getvalue(), stamp))
    return rows_written


def _normalise_zip(data: bytes, stamp: datetime) -> bytes:
    """The same workbook with the save time replaced by ``stamp`` and fixed zip entry times."""
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = body.decode("utf-8")
                text = re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rf"\g<1>{iso}\g<2>", text)
                body = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, body)
    return out.getvalue()
