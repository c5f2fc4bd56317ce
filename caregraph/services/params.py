"""Checks of request parameters shared by the services (each failure a 422 naming the field)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Literal

from caregraph.services.errors import InvalidParameterError

__all__ = ["MAX_LIMIT", "HOUSEHOLD_SORTS", "HouseholdSort", "check_page", "check_range", "check_choice",
           "resolve_as_of"]

MAX_LIMIT = 500
"""Largest page size of any list."""
HouseholdSort = Literal["household_id", "helpers_desc"]
HOUSEHOLD_SORTS: tuple[str, ...] = ("household_id", "helpers_desc")
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)


def check_range(name: str, value: int | None, low: int, high: int) -> None:
    """Raise :class:`InvalidParameterError` unless ``value`` is None or ``low <= value <= high``.

    >>> check_range("months", 3, 0, 24)
    >>> check_range("months", 30, 0, 24)
    Traceback (most recent call last):
    ...
    caregraph.services.errors.InvalidParameterError: months: must be between 0 and 24
    """
    if value is not None and not low <= value <= high:
        raise InvalidParameterError(name, f"must be between {low} and {high}")


def check_page(offset: int, limit: int) -> None:
    """A page of a list: ``0 <= offset <= 10,000,000`` and ``1 <= limit <=`` :data:`MAX_LIMIT`."""
    check_range("offset", offset, 0, 10_000_000)
    check_range("limit", limit, 1, MAX_LIMIT)


def check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    """Raise :class:`InvalidParameterError` unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise InvalidParameterError(name, f"must be one of {', '.join(choices)}")


def resolve_as_of(as_of: dt.date | None, today: Callable[[], dt.date]) -> dt.date:
    """``as_of``, or ``today()`` when it is None; a given date must lie in 1900-01-01 … 2100-12-31."""
    if as_of is None:
        return today()
    if not FIRST_DAY <= as_of <= LAST_DAY:
        raise InvalidParameterError("as_of", "must be between 1900-01-01 and 2100-12-31")
    return as_of
