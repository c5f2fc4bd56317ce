"""Districts, households and their members.

Household composition follows the population that municipal networks of care serve: many singles and single
parents, then couples with children, couples and other households. Cases opened within the three years before the
as-of date; older cases are likelier to be closed. Members get synthetic names, birth years that fit their role and,
while the pool lasts, a synthetic BSN (``9999`` + four digits + the 11-proef check digit; see :func:`synthetic_bsns`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from foundation.privacy import SYNTHETIC_BSN_PREFIX, bsn_check_digit
from graph.schema import COMPOSITIONS, MEMBER_ROLES

from .arrays import OPEN, IntArray, choice_from_cdf, date_array, labels, make_ids
from .catalog import DISTRICT_NAMES, FIRST_NAMES, LAST_NAMES, MUNICIPALITY_CODE

__all__ = ["Population", "district_count", "make_population", "synthetic_bsns", "COMPOSITION_SHARE"]

COMPOSITION_SHARE: dict[str, float] = {
    "single": 0.30,
    "couple": 0.10,
    "couple_with_children": 0.22,
    "single_parent": 0.28,
    "other": 0.10,
}
"""Share of each household type (multi-problem households: many singles and single parents)."""

_CHILDREN_CDF = np.cumsum([0.38, 0.35, 0.17, 0.07, 0.03])  # 1..5 children
_POSTCODE_LETTERS = np.array(list("ABCDEGHJKLMNPRTVWXZ"))
CASE_HISTORY_DAYS = 3 * 365
"""Cases open within this many days before the as-of date."""


def district_count(households: int) -> int:
    """Districts for a municipality of ``households`` households: 8 at 2,000, growing with the square root.

    >>> district_count(2000), district_count(100_000), district_count(50)
    (8, 40, 3)
    """
    return int(np.clip(round(8 * np.sqrt(households / 2000)), 3, len(DISTRICT_NAMES)))


def synthetic_bsns() -> np.ndarray:
    """Every synthetic BSN: ``9999`` + four digits + the check digit of the 11-proef (about 9,091 numbers).

    Prefixes whose check digit would be 10 have no valid BSN and are skipped.

    >>> pool = synthetic_bsns(); len(pool), str(pool[0])
    (9091, '999900006')
    """
    out = []
    for i in range(10_000):
        first8 = f"{SYNTHETIC_BSN_PREFIX}{i:04d}"
        check = bsn_check_digit(first8)
        if check is not None:
            out.append(f"{first8}{check}")
    return np.array(out)


@dataclass
class Population:
    """Districts, households and members as Arrow tables plus the arrays later stages need."""

    districts: pa.Table
    households: pa.Table
    members: pa.Table
    district: IntArray  # per household
    composition: IntArray  # per household, index into COMPOSITIONS
    opened: IntArray  # per household, day number
    closed: IntArray  # per household, day number or OPEN
    first_member: IntArray  # per household, index of its first member
    adults: IntArray  # per household
    children: IntArray  # per household
    bsn_count: int


def make_population(rng: np.random.Generator, households: int, as_of_day: int, as_of_year: int,
                    window_days: int) -> Population:
    """Generate districts, households and members for ``households`` households."""
    n = households
    nd = district_count(n)
    names = [DISTRICT_NAMES[i] for i in range(nd)]
    districts = pa.table({
        "district_id": make_ids("D", np.arange(1, nd + 1), 2),
        "name": pa.array(names, pa.string()),
        "municipality_code": pa.array([MUNICIPALITY_CODE] * nd, pa.string()),
    })
    weights = rng.gamma(4.0, size=nd)
    district = choice_from_cdf(rng, np.cumsum(weights / weights.sum()), n)

    comp_cdf = np.cumsum([COMPOSITION_SHARE[c] for c in COMPOSITIONS])
    composition = choice_from_cdf(rng, comp_cdf, n)
    c_single, c_couple, c_cwc, c_sp, c_other = range(5)
    adults = np.select([composition == c_couple, composition == c_cwc, composition == c_other], [2, 2, 2], 1)
    adults = adults + ((composition == c_other) & (rng.random(n) < 0.4)).astype(np.int64)
    children = np.where((composition == c_cwc) | (composition == c_sp), choice_from_cdf(rng, _CHILDREN_CDF, n) + 1, 0)
    size = adults + children

    # case dates: opened within the history, older cases likelier closed (never on the stagnation window's edge)
    opened = as_of_day - 1 - np.floor(rng.random(n) * CASE_HISTORY_DAYS).astype(np.int64)
    age = as_of_day - opened
    p_close = 0.40 * np.clip((age - 90) / 1000, 0, 1)
    is_closed = rng.random(n) < p_close
    closed_day = opened + 90 + np.floor(rng.random(n) * np.maximum(age - 90, 1)).astype(np.int64)
    closed_day = np.where(closed_day == as_of_day - window_days, closed_day + 1, closed_day)
    closed = np.where(is_closed & (closed_day < as_of_day), closed_day, OPEN)

    pc_number = 1011 + district * 20 + rng.integers(0, 20, n)
    letters = _POSTCODE_LETTERS[rng.integers(0, len(_POSTCODE_LETTERS), (n, 2))]
    postcode = pc.binary_join_element_wise(
        pa.array(pc_number).cast(pa.string()), pa.array(letters[:, 0]), pa.array(letters[:, 1]), ""
    )
    hh_width = max(6, len(str(n)))
    households_t = pa.table({
        "household_id": make_ids("H", np.arange(1, n + 1), hh_width),
        "district_id": districts.column("district_id").take(pa.array(district)),
        "composition": labels(COMPOSITIONS, composition),
        "postcode": postcode,
        "opened_on": date_array(opened),
        "closed_on": date_array(closed),
    })

    # members
    first_member = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64)
    m = int(size.sum())
    hh_of = np.repeat(np.arange(n), size)
    pos = np.arange(m) - first_member[hh_of]
    is_adult = pos < adults[hh_of]
    comp_m = composition[hh_of]
    # MEMBER_ROLES: parent, partner, child, single, other
    role = np.select(
        [~is_adult, comp_m == c_single, comp_m == c_couple, comp_m == c_other, pos == 0],
        [2, 3, 1, 4, 0],
        1,
    )
    base_age = np.select(
        [composition == c_single, composition == c_couple, composition == c_cwc, composition == c_sp],
        [rng.integers(19, 80, n), rng.integers(22, 80, n), rng.integers(25, 56, n), rng.integers(19, 51, n)],
        rng.integers(18, 76, n),
    )
    partner_age = np.maximum(18, base_age[hh_of] + rng.integers(-6, 7, m))
    max_child_age = np.clip(base_age[hh_of] - 18, 0, 20)
    child_age = np.floor(rng.random(m) * (max_child_age + 1)).astype(np.int64)
    member_age = np.where(~is_adult, child_age, np.where(pos == 0, base_age[hh_of], partner_age))
    birth_year = as_of_year - member_age

    family_name = rng.integers(0, len(LAST_NAMES), n)
    own_name = rng.integers(0, len(LAST_NAMES), m)
    keeps_family = (pos == 0) | ~is_adult | (rng.random(m) < 0.4)
    last = np.where(keeps_family, family_name[hh_of], own_name)
    first = rng.integers(0, len(FIRST_NAMES), m)
    name = pc.binary_join_element_wise(
        pa.array(FIRST_NAMES).take(pa.array(first)), pa.array(LAST_NAMES).take(pa.array(last)), " "
    )

    pool = synthetic_bsns()
    pool = pool[rng.permutation(len(pool))]
    k = min(len(pool), m)
    bsn = np.full(m, None, dtype=object)
    bsn[rng.permutation(m)[:k]] = pool[:k]

    members_t = pa.table({
        "member_id": make_ids("M", np.arange(1, m + 1), max(7, len(str(m)))),
        "household_id": households_t.column("household_id").take(pa.array(hh_of)),
        "bsn": pa.array(bsn, pa.string()),
        "name": name,
        "birth_year": pa.array(birth_year, pa.int64()),
        "role": labels(MEMBER_ROLES, role),
    })
    return Population(
        districts=districts,
        households=households_t,
        members=members_t,
        district=district,
        composition=composition,
        opened=opened,
        closed=closed,
        first_member=first_member,
        adults=adults,
        children=children,
        bsn_count=k,
    )
