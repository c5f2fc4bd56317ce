"""Spreadsheet-formula neutralising: the one rule for every CSV and Excel cell caregraph writes.

A spreadsheet (Excel, LibreOffice Calc, Google Sheets) may run a text cell as a formula when it starts with a
formula character, and ``=HYPERLINK(...)`` or ``=cmd|...`` can then leak data or start programs ("CSV injection",
CWE-1236). The rule:

    a **text** value whose first character is one of :data:`FORMULA_PREFIXES` gets a leading apostrophe ``'``;
    every other value is left as it is.

The apostrophe makes a spreadsheet show the cell as text. Only text is touched: the number ``-3`` stays a number,
the text ``"-3"`` becomes ``"'-3"`` (a spreadsheet would read it as the formula ``=-3``).

:data:`FORMULA_PREFIXES` is the safe superset of the published lists: OWASP's "CSV Injection" page (``=``, ``+``,
``-``, ``@``, tab, carriage return), the NUL character that OWASP ASVS 5.0 requirement 1.2.10 adds, and line feed
(like carriage return, a line break some CSV readers split rows on). Escaping a harmless cell costs one visible
apostrophe; missing a formula costs the reader's machine. See docs/ingest.md, "Spreadsheet-safe output".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["FORMULA_PREFIXES", "map_text_columns", "neutralise_cell", "neutralise_column", "neutralise_table"]

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
"""A text cell starting with one of these is neutralised."""

_RISKY = "^[" + "".join(f"\\x{{{ord(c):x}}}" for c in FORMULA_PREFIXES) + "]"
"""The prefixes as an RE2 character class (hex escapes, so no prefix needs regex quoting)."""


def neutralise_cell(value: Any) -> Any:
    """The value to write for a cell: text that a spreadsheet could run as a formula gets a leading ``'``.

    >>> neutralise_cell("=HYPERLINK(\\"x\\")"), neutralise_cell("@SUM(A1)"), neutralise_cell("-3"), neutralise_cell(-3)
    ('\\'=HYPERLINK("x")', "'@SUM(A1)", "'-3", -3)
    >>> neutralise_cell("HH000001"), neutralise_cell("\\n=1"), neutralise_cell(None)
    ('HH000001', "'\\n=1", None)
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_column(col: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Arrow form of :func:`neutralise_cell` for one string column (nulls stay null).

    >>> neutralise_column(pa.array(["=1+1", "ok", "-2", None, "\\t1"])).to_pylist()
    ["'=1+1", 'ok', "'-2", None, "'\\t1"]
    """
    risky = pc.match_substring_regex(col, _RISKY)
    quote, empty = pa.scalar("'", col.type), pa.scalar("", col.type)
    return pc.if_else(risky, pc.binary_join_element_wise(quote, col, empty), col)


def map_text_columns(table: pa.Table,
                     fn: Callable[[pa.Field, pa.ChunkedArray], pa.Array | pa.ChunkedArray]) -> pa.Table:
    """``table`` with every string column replaced by ``fn(field, column)`` (other columns, and the schema,
    unchanged)."""
    cols = []
    for f, col in zip(table.schema, table.columns, strict=True):
        if pa.types.is_string(f.type) or pa.types.is_large_string(f.type):
            col = fn(f, col)
        cols.append(col)
    return pa.Table.from_arrays(cols, schema=table.schema)


def neutralise_table(table: pa.Table) -> pa.Table:
    """Arrow-table form of :func:`neutralise_cell`: every string column neutralised; numbers stay numbers.

    >>> neutralise_table(pa.table({"a": ["=1+1", "ok", "-2", None], "n": [1, -2, 3, None]})).to_pylist()[:3]
    [{'a': "'=1+1", 'n': 1}, {'a': 'ok', 'n': -2}, {'a': "'-2", 'n': 3}]
    """
    return map_text_columns(table, lambda _, col: neutralise_column(col))
