"""When something is active: the one interval rule for interventions, coordinations, cases and memberships.

A period runs from ``start`` to ``end``, **both days included**; an empty ``end`` means the period is still open.
So a period is active on day ``d`` when

    ``start <= d`` and (``end`` is empty or ``end >= d``)

An intervention that ends on the as-of date still counts on that date (its last day of help), one that starts on it
counts too. A rule that looks back over a window ``[since, d]`` asks whether the period was active on *some* day of
the window, which is the same test with the end compared to the window's first day:

    ``start <= d`` and (``end`` is empty or ``end >= since``)

(with ``since = d`` the two are one). The rule is written here once per form the code needs it in (a Python value,
an Arrow column, an SQL predicate, numpy day numbers); :func:`is_active` is the definition and the other forms are
checked against it (doctests here and ``tests/test_periods.py``). Graph queries (Cypher, in ``graph/``) that select
by date follow the same rule. See docs/analytics.md, "Active on a date".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["active_days", "active_mask", "active_sql", "is_active"]


def is_active(start: dt.date, end: dt.date | None, day: dt.date, *, since: dt.date | None = None) -> bool:
    """True when the period ``[start, end]`` (``end`` ``None``: open) includes ``day``, or with ``since``: includes
    some day of ``[since, day]``.

    >>> d = dt.date
    >>> is_active(d(2024, 1, 1), None, d(2024, 6, 30)), is_active(d(2024, 1, 1), d(2024, 3, 1), d(2024, 6, 30))
    (True, False)
    >>> is_active(d(2024, 1, 1), d(2024, 6, 30), d(2024, 6, 30)), is_active(d(2024, 6, 30), None, d(2024, 6, 30))
    (True, True)
    >>> is_active(d(2024, 1, 1), d(2024, 3, 1), d(2024, 6, 30), since=d(2024, 3, 1))
    True
    """
    first = day if since is None else since
    return start <= day and (end is None or end >= first)


def active_mask(table: pa.Table, day: dt.date, *, since: dt.date | None = None, start: str = "start_date",
                end: str = "end_date") -> pa.ChunkedArray:
    """Arrow form of :func:`is_active`: one boolean per row of ``table`` (columns ``start`` and ``end``).

    >>> t = pa.table({"start_date": [dt.date(2024, 1, 1)] * 3,
    ...               "end_date": [None, dt.date(2024, 3, 1), dt.date(2024, 6, 30)]})
    >>> active_mask(t, dt.date(2024, 6, 30)).to_pylist()
    [True, False, True]
    """
    d = pa.scalar(day, pa.date32())
    first = d if since is None else pa.scalar(since, pa.date32())
    started = pc.less_equal(table.column(start), d)
    not_ended = pc.or_kleene(pc.is_null(table.column(end)), pc.greater_equal(table.column(end), first))
    return pc.and_kleene(started, not_ended)


def active_sql(day: str, *, since: str | None = None, start: str = "start_date", end: str = "end_date") -> str:
    """SQL form of :func:`is_active` for DuckDB: ``day`` (and ``since``) are SQL date expressions (a literal or a
    column).

    >>> active_sql("DATE '2024-06-30'", start="i.start_date", end="i.end_date")
    "(i.start_date <= DATE '2024-06-30' AND (i.end_date IS NULL OR i.end_date >= DATE '2024-06-30'))"
    """
    first = day if since is None else since
    return f"({start} <= {day} AND ({end} IS NULL OR {end} >= {first}))"


def active_days(start: npt.NDArray[Any], end: npt.NDArray[Any], day: int, *, since: int | None = None
                ) -> npt.NDArray[np.bool_]:
    """numpy form of :func:`is_active` over day numbers; numpy has no empty value, so an open ``end`` is a number
    beyond every day (the synthetic generator's ``OPEN``).

    >>> active_days(np.array([0, 0, 5]), np.array([2**40, 3, 2**40]), 4).tolist()
    [True, False, False]
    """
    first = day if since is None else since
    return np.asarray((start <= day) & (end >= first), dtype=np.bool_)
