"""How many days two periods overlap, measured up to the as-of date: the one definition for flags and services.

Periods run from a start day to an end day, both included (:mod:`foundation.periods`). Overlap is measured up to
the as-of date for open and planned ends alike, because the future is not yet known:

    ``overlap_days = min(end_a, end_b, as_of) − max(start_a, start_b) + 1``

where an open (empty) end counts as ``as_of``. A result below 1 means the periods do not overlap up to ``as_of``.
The rule is written here once per form the code needs (a Python value, an SQL expression) and the forms are
checked against each other (``tests/analytics/test_overlaps.py``). Source: ``docs/domain.md#rules-every-flag-shares``.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["overlap_days", "overlap_end", "overlap_days_sql", "overlap_end_sql"]


def overlap_end(end_a: dt.date | None, end_b: dt.date | None, as_of: dt.date) -> dt.date:
    """The last day the overlap is counted up to: ``min(end_a, end_b, as_of)`` with an open end read as ``as_of``.

    >>> d = dt.date
    >>> overlap_end(None, d(2025, 1, 1), d(2024, 6, 30)), overlap_end(d(2024, 6, 1), None, d(2024, 6, 30))
    (datetime.date(2024, 6, 30), datetime.date(2024, 6, 1))
    """
    return min(e for e in (end_a, end_b, as_of) if e is not None)


def overlap_days(start_a: dt.date, end_a: dt.date | None, start_b: dt.date, end_b: dt.date | None,
                 as_of: dt.date) -> int:
    """Days both periods run up to ``as_of``, both ends included (below 1: no overlap up to ``as_of``).

    A planned end beyond ``as_of`` counts as ``as_of``, like an open end:

    >>> d = dt.date
    >>> overlap_days(d(2024, 6, 17), d(2024, 12, 31), d(2024, 6, 1), None, d(2024, 6, 30))
    14
    >>> overlap_days(d(2024, 6, 30), None, d(2024, 6, 1), d(2024, 6, 30), d(2024, 6, 30))  # one shared day
    1
    """
    return (overlap_end(end_a, end_b, as_of) - max(start_a, start_b)).days + 1


def overlap_end_sql(end_a: str, end_b: str, as_of: str) -> str:
    """SQL form of :func:`overlap_end` for DuckDB (arguments are SQL date expressions).

    >>> overlap_end_sql("x.end_date", "y.end_date", "DATE '2024-06-30'")
    "least(coalesce(x.end_date, DATE '2024-06-30'), coalesce(y.end_date, DATE '2024-06-30'), DATE '2024-06-30')"
    """
    return f"least(coalesce({end_a}, {as_of}), coalesce({end_b}, {as_of}), {as_of})"


def overlap_days_sql(start_a: str, end_a: str, start_b: str, end_b: str, as_of: str) -> str:
    """SQL form of :func:`overlap_days` for DuckDB (arguments are SQL date expressions)."""
    return f"({overlap_end_sql(end_a, end_b, as_of)} - greatest({start_a}, {start_b}) + 1)"
