"""Columnar helpers of the generator: day numbers, identifiers, ranks within groups, and the intervention arrays.

Dates are handled as ``int64`` day numbers since 1970-01-01 (Arrow's ``date32`` epoch); an open end is
:data:`OPEN`. All helpers are vectorised (numpy / pyarrow compute); nothing loops over rows in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from foundation.periods import active_days

__all__ = [
    "OPEN",
    "IntArray",
    "BoolArray",
    "day_number",
    "date_array",
    "make_ids",
    "labels",
    "group_rank",
    "group_starts",
    "Interventions",
    "choice_from_cdf",
]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

OPEN = np.int64(2**40)
"""Sentinel end day of an open-ended period (written as an empty date)."""

_EPOCH = date(1970, 1, 1)


def day_number(d: date) -> int:
    """Days since 1970-01-01.

    >>> day_number(date(1970, 1, 2))
    1
    """
    return (d - _EPOCH).days


def date_array(days: IntArray, *, open_is_null: bool = True) -> pa.Array:
    """A ``date32`` Arrow array of day numbers; :data:`OPEN` (and negative numbers) become nulls."""
    mask = (days >= OPEN) | (days < 0) if open_is_null else None
    return pa.array(np.where(days >= OPEN, 0, days).astype(np.int32), type=pa.date32(), mask=mask)


def make_ids(prefix: str, numbers: IntArray, width: int) -> pa.Array:
    """String ids ``prefix`` + zero-padded ``numbers`` (1-based numbering is up to the caller).

    >>> make_ids("H", np.array([1, 42]), 4).to_pylist()
    ['H0001', 'H0042']
    """
    digits = pc.utf8_lpad(pa.array(numbers.astype(np.int64)).cast(pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def labels(values: tuple[str, ...] | list[str], index: IntArray) -> pa.Array:
    """Strings by index: ``values[index]`` as an Arrow string array (fast for millions of rows).

    >>> labels(("a", "b"), np.array([1, 0, 1])).to_pylist()
    ['b', 'a', 'b']
    """
    return pa.array(list(values), pa.string()).take(pa.array(index))


def group_starts(sorted_keys: IntArray) -> BoolArray:
    """True where a new group starts in an array sorted by key."""
    out = np.ones(len(sorted_keys), dtype=bool)
    if len(sorted_keys) > 1:
        out[1:] = sorted_keys[1:] != sorted_keys[:-1]
    return out


def group_rank(*keys: IntArray) -> IntArray:
    """0-based position of each row within its group (the rows sharing all ``keys``), in original row order.

    Ties keep row order (stable), so the rank follows the row order inside each group.

    >>> group_rank(np.array([5, 3, 5, 5, 3])).tolist()
    [0, 0, 1, 2, 1]
    """
    n = len(keys[0])
    rank = np.zeros(n, dtype=np.int64)
    if n == 0:
        return rank
    order = np.lexsort((np.arange(n), *reversed(keys)))
    same = np.ones(n - 1, dtype=bool)
    for k in keys:
        ks = k[order]
        same &= ks[1:] == ks[:-1]
    new_group = np.r_[True, ~same]
    pos = np.arange(n)
    first = np.maximum.accumulate(np.where(new_group, pos, 0))
    rank[order] = pos - first
    return rank


def choice_from_cdf(rng: np.random.Generator, cdf: npt.NDArray[np.float64], size: int) -> IntArray:
    """Draw ``size`` category indices from a cumulative distribution (last entry 1)."""
    return np.searchsorted(cdf, rng.random(size), side="right").clip(0, len(cdf) - 1).astype(np.int64)


@dataclass
class Interventions:
    """Intervention rows as parallel arrays (indices into the household, member, agency, domain tables).

    ``member`` is -1 for household-level rows, ``action`` -1 when none, ``professional`` -1 until assigned,
    ``end`` :data:`OPEN` while ongoing. ``kind`` indexes :data:`graph.schema.INTERVENTION_KINDS`.
    """

    household: IntArray
    member: IntArray
    agency: IntArray
    domain: IntArray
    kind: IntArray
    action: IntArray
    start: IntArray
    end: IntArray
    professional: IntArray

    def __len__(self) -> int:
        return len(self.household)

    @classmethod
    def empty(cls) -> Interventions:
        return cls(*(np.zeros(0, dtype=np.int64) for _ in fields(cls)))

    def concat(self, other: Interventions) -> Interventions:
        return Interventions(
            *(np.concatenate([getattr(self, f.name), getattr(other, f.name)]) for f in fields(self))
        )

    def take(self, idx: IntArray | BoolArray) -> Interventions:
        return Interventions(*(getattr(self, f.name)[idx] for f in fields(self)))

    def active_on(self, day: int) -> BoolArray:
        """Rows whose period contains ``day`` (an open end, :data:`OPEN`, counts as ongoing)."""
        return active_days(self.start, self.end, day)
