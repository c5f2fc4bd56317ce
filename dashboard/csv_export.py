"""CSV export of a table shown on the dashboard, safe to open in a spreadsheet.

Spreadsheet formula injection (OWASP "CSV Injection"): a text cell that starts with a formula character may be run
as a formula by Excel or LibreOffice. Every cell goes through :func:`foundation.cells.neutralise_cell` (a leading
single quote, the mitigation OWASP recommends); numbers are written as numbers and left alone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from foundation.cells import neutralise_cell

__all__ = ["rows_to_csv"]


def rows_to_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[tuple[str, str]]) -> str:
    """CSV text (header + rows) of ``rows``; ``columns`` are (key, header) pairs in order. Lists become ``a; b``.

    Lines end in CRLF (RFC 4180), so a cell holding a bare CR or LF is quoted: an unquoted CR would let a spreadsheet
    start a new row inside the cell, whose text would then escape the neutralisation.

    >>> text = rows_to_csv([{"a": "=1+1", "b": ["x", "y"]}, {"a": "x\\r=2", "b": None}], [("a", "A"), ("b", "B")])
    >>> text.split("\\r\\n")
    ['A,B', "'=1+1,x; y", '"x\\r=2",', '']
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise_cell(header) for _, header in columns])
    for row in rows:
        cells = []
        for key, _ in columns:
            value = row.get(key)
            if isinstance(value, list | tuple):
                value = "; ".join(str(v) for v in value)
            cells.append("" if value is None else neutralise_cell(value))
        writer.writerow(cells)
    return out.getvalue()
