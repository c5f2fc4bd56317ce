"""When something is active: the one interval rule for interventions, coordinations, cases and memberships.

A period runs from ``start`` to ``end``, **both days included**; an empty ``end`` means the period is still open.
So a period is active on day ``d`` when

    ``start <= d`` and (``end`` is empty or ``end >= d``)

An intervention that ends on the as-of date still counts on that date (its last day of help), one that starts on it
counts too. The same rule is written here three times, once per form the code needs it in (a Python value, an Arrow
column, an SQL predicate); :func:`is_active` is the definition and the other two are checked against it (doctests
here and ``tests/test_periods.py``). See docs/analytics.md, "Active on a date".
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["active_mask", "active_sql", "is_active"]


def is_active(start: dt.date, end: dt.date | None, day: dt.date) -> bool:
    """True when the period ``[start, end]`` (``end`` ``None``: open) includes ``day``.

    >>> d = dt.date
    >>> is_active(d(2024, 1, 1), None, d(2024, 6, 30)), is_active(d(2024, 1, 1), d(2024, 3, 1), d(2024, 6, 30))
    (True, False)
    >>> is_active(d(2024, 1, 1), d(2024, 6, 30), d(2024, 6, 30)), is_active(d(2024, 6, 30), None, d(2024, 6, 30))
    (True, True)
    """
    return start <= day and (end is None or end >= day)


def active_mask(table: pa.Table, day: dt.date, *, start: str = "start_date", end: str = "end_date") -> pa.ChunkedArray:
    """Arrow form of :func:`is_active`: one boolean per row of ``table`` (columns ``start`` and ``end``).

    >>> t = pa.table({"start_date": [dt.date(2024, 1, 1)] * 3,
    ...               "end_date": [None, dt.date(2024, 3, 1), dt.date(2024, 6, 30)]})
    >>> active_mask(t, dt.date(2024, 6, 30)).to_pylist()
    [True, False, True]
    """
    d = pa.scalar(day, pa.date32())
    started = pc.less_equal(table.column(start), d)
    not_ended = pc.or_kleene(pc.is_null(table.column(end)), pc.greater_equal(table.column(end), d))
    return pc.and_kleene(started, not_ended)


def active_sql(day: str, *, start: str = "start_date", end: str = "end_date") -> str:
    """SQL form of :func:`is_active` for DuckDB: ``day`` is an SQL date expression (a literal or a column).

    >>> active_sql("DATE '2024-06-30'", start="i.start_date", end="i.end_date")
    "(i.start_date <= DATE '2024-06-30' AND (i.end_date IS NULL OR i.end_date >= DATE '2024-06-30'))"
    """
    return f"({start} <= {day} AND ({end} IS NULL OR {end} >= {day}))"
