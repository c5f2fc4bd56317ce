"""CSV export of a table shown on the dashboard, safe to open in a spreadsheet.

Spreadsheet formula injection (OWASP "CSV Injection"): a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return may be run as a formula by Excel or LibreOffice. Such cells are neutralised by prefixing a single
quote, the mitigation OWASP recommends; numbers are written as numbers and left alone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["FORMULA_PREFIXES", "neutralise_cell", "rows_to_csv"]

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    """The value to write for a cell: strings that a spreadsheet could run as a formula get a leading ``'``.

    >>> neutralise_cell("=HYPERLINK(\\"x\\")"), neutralise_cell("@SUM(A1)"), neutralise_cell("-3"), neutralise_cell(-3)
    ('\\'=HYPERLINK("x")', "'@SUM(A1)", "'-3", -3)
    >>> neutralise_cell("HH000001")
    'HH000001'
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


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
