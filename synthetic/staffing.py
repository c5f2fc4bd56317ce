"""Professionals: how many each agency employs, who delivers which intervention, and who changed employer.

Staffing follows the work: the target total (one professional per five households) is shared over the agencies by
their number of interventions, and every agency has enough people that nobody's active caseload on the as-of date
exceeds ``caseload_max - 6`` households (interventions active on that date are dealt round-robin within the agency,
so the professionals of one household in one agency are all different). Planted **overloaded professionals** each
take ``caseload_max + 1`` to ``caseload_max + 15`` households of their agency. Earlier (ended) interventions go to a
random professional of their agency. About 2% of the professionals changed employer: their interventions that
started before the change keep the old agency (``interventions.agency_id`` is the agency at the time).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from analytics.config import FlagConfig

from .agencies import SECTOR_LIST, Agencies
from .arrays import IntArray, Interventions, group_rank, make_ids
from .catalog import FIRST_NAMES, LAST_NAMES, SECTOR_ROLES
from .rates import PlantedLog

__all__ = ["Staff", "staff_agencies"]


@dataclass
class Staff:
    """The professionals table and facts about it."""

    table: pa.Table
    agency: IntArray  # current agency per professional
    overloaded: IntArray
    changed_agency: int  # professionals with interventions under an earlier agency


def staff_agencies(rng: np.random.Generator, iv: Interventions, agencies: Agencies, as_of: int, config: FlagConfig,
                   target_total: int, overloaded: int, changer_share: float, log: PlantedLog) -> Staff:
    """Create the professionals and fill ``iv.professional`` (and, for employer changes, ``iv.agency``) in place."""
    na = len(agencies)
    cap = max(1, config.caseload_max - 6)
    act = iv.active_on(as_of)
    rows = np.flatnonzero(act)
    slot = group_rank(iv.agency[rows], iv.household[rows])
    load = np.bincount(iv.agency[rows], minlength=na)
    slots = np.zeros(na, dtype=np.int64)
    np.maximum.at(slots, iv.agency[rows], slot + 1)
    first_slot = rows[slot == 0]
    households_in = np.bincount(iv.agency[first_slot], minlength=na)

    # planted overloaded professionals: one per chosen agency, taking m_o households (their slot-0 rows)
    take = np.zeros(na, dtype=np.int64)
    lo = config.caseload_max + 1
    candidates = np.flatnonzero(households_in >= lo + 5)
    chosen = np.sort(rng.choice(candidates, min(overloaded, len(candidates)), replace=False)) if overloaded else \
        np.zeros(0, dtype=np.int64)
    take[chosen] = np.minimum(households_in[chosen], rng.integers(lo, lo + 15, len(chosen)))
    has_over = (take > 0).astype(np.int64)

    work = np.bincount(iv.agency, minlength=na).astype(float)
    base = np.ceil(target_total * work / max(work.sum(), 1.0)).astype(np.int64)
    others = np.maximum.reduce([np.ceil((load - take) / cap).astype(np.int64), slots, np.ones(na, dtype=np.int64)])
    staff = np.maximum(base, others + has_over)
    others = staff - has_over
    offset = np.concatenate([[0], np.cumsum(staff)[:-1]]).astype(np.int64)

    prof = np.full(len(iv), -1, dtype=np.int64)
    over_rows = np.zeros(0, dtype=np.int64)
    if len(chosen):
        cand = first_slot[take[iv.agency[first_slot]] > 0]
        key = rng.random(len(cand))
        order = np.lexsort((key, iv.agency[cand]))
        cand = cand[order]
        over_rows = cand[group_rank(iv.agency[cand]) < take[iv.agency[cand]]]
        prof[over_rows] = offset[iv.agency[over_rows]]
    rest = np.setdiff1d(rows, over_rows)
    order = np.lexsort((slot_of(rows, slot, rest), iv.household[rest], iv.agency[rest]))
    rest = rest[order]
    a = iv.agency[rest]
    rank = group_rank(a)
    prof[rest] = offset[a] + has_over[a] + rank % others[a]
    hist = np.flatnonzero(~act)
    a = iv.agency[hist]
    prof[hist] = offset[a] + np.floor(rng.random(len(hist)) * staff[a]).astype(np.int64)
    iv.professional[:] = prof

    n_prof = int(staff.sum())
    prof_agency = np.repeat(np.arange(na), staff)
    over_prof = offset[chosen]
    if len(chosen):
        log.add("professional", over_prof, "overloaded_professional",
                [f"{t} households active on the as-of date (caseload_max {config.caseload_max})"
                 for t in take[chosen].tolist()])

    changed = _change_employers(rng, iv, agencies, prof_agency, over_prof, act, as_of, changer_share)

    roles = np.empty(n_prof, dtype=object)
    for s, sector in enumerate(SECTOR_LIST):
        idx = np.flatnonzero(agencies.sector[prof_agency] == s)
        options = np.array(SECTOR_ROLES[sector], dtype=object)
        roles[idx] = options[rng.integers(0, len(options), len(idx))]
    names = [f"{FIRST_NAMES[f]} {LAST_NAMES[la]}" for f, la in zip(
        rng.integers(0, len(FIRST_NAMES), n_prof).tolist(), rng.integers(0, len(LAST_NAMES), n_prof).tolist(),
        strict=True)]
    table = pa.table({
        "professional_id": make_ids("P", np.arange(1, n_prof + 1), max(5, len(str(n_prof)))),
        "name": pa.array(names, pa.string()),
        "role": pa.array(roles.tolist(), pa.string()),
        "agency_id": agencies.table.column("agency_id").take(pa.array(prof_agency)),
    })
    return Staff(table=table, agency=prof_agency, overloaded=over_prof, changed_agency=changed)


def slot_of(rows: IntArray, slot: IntArray, subset: IntArray) -> IntArray:
    """The slot of each row of ``subset`` (``rows`` sorted ascending, ``slot`` parallel to it)."""
    return slot[np.searchsorted(rows, subset)]


def _change_employers(rng: np.random.Generator, iv: Interventions, agencies: Agencies, prof_agency: IntArray,
                      exclude: IntArray, act: np.ndarray, as_of: int, share: float) -> int:
    """Move the earlier, ended interventions of a ``share`` of professionals to their previous employer."""
    n_prof = len(prof_agency)
    sector_size = np.bincount(agencies.sector, minlength=len(SECTOR_LIST))
    eligible = sector_size[agencies.sector[prof_agency]] >= 2
    eligible[exclude] = False
    pool = np.flatnonzero(eligible)
    k = min(len(pool), round(share * n_prof))
    if k == 0:
        return 0
    changers = np.sort(rng.choice(pool, k, replace=False))
    is_changer = np.zeros(n_prof, dtype=bool)
    is_changer[changers] = True
    change_day = np.full(n_prof, as_of, dtype=np.int64)
    change_day[changers] = as_of - rng.integers(60, 500, k)
    active_rows = np.flatnonzero(act)
    np.minimum.at(change_day, iv.professional[active_rows], iv.start[active_rows])
    old = agencies.other_in_sector(prof_agency)
    p = iv.professional
    move = is_changer[p] & ~act & (iv.start < change_day[p])
    iv.agency[move] = old[p[move]]
    return len(np.unique(p[move]))
