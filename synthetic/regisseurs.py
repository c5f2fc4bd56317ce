"""The regisseur role (coordinations): one household, one plan, one regisseur — and the planted exceptions.

On the as-of date ``T`` every open household that needs a regisseur — ``regisseur_min_agencies`` (2) or more
agencies active, or ``regisseur_min_problem_domains`` (3) or more domains with latest score at most
``problem_score_max`` (2) — has exactly one active coordination, except the planted cases:

* **missing_regisseur** — households with two or more active agencies and no active coordination (half of them had
  a regisseur whose assignment ended before ``T``);
* **competing_regisseurs** — households with two active coordinations by different professionals (a neighbourhood
  team worker and a professional of another involved agency).

Of the open households that do not need one, 2% with active help have a regisseur anyway. The regisseur is the
household's active neighbourhood-team professional when there is one (that intervention's kind becomes
``coordination``), else a professional of the district's neighbourhood team. 6% of the coordinated households had an
earlier regisseur (a change of regisseur), and 5% of the closed cases had one while open.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from analytics.config import FlagConfig

from .agencies import SECTOR_INDEX, Agencies
from .arrays import OPEN, BoolArray, IntArray, Interventions, date_array, group_starts, make_ids
from .cases import KIND
from .population import Population
from .rates import PlantedLog, select
from .staffing import Staff

__all__ = ["make_coordinations"]

_TEAM = SECTOR_INDEX["neighbourhood_team"]


def _team_professional(rng: np.random.Generator, households: IntArray, pop: Population, agencies: Agencies,
                       staff: Staff) -> IntArray:
    team = agencies.sample(rng, np.full(len(households), _TEAM), pop.district[households])
    first = np.searchsorted(staff.agency, team, side="left")
    count = np.searchsorted(staff.agency, team, side="right") - first
    return first + np.floor(rng.random(len(households)) * count).astype(np.int64)


def make_coordinations(rng: np.random.Generator, pop: Population, iv: Interventions, agencies: Agencies,
                       staff: Staff, problem_domains: IntArray, as_of: int, config: FlagConfig, missing: int,
                       competing: int, taken: BoolArray, conflict_planted: BoolArray, log: PlantedLog,
                       household_ids: pa.Array, professional_ids: pa.Array) -> pa.Table:
    """The coordinations table; relabels the regisseur's own active intervention as kind ``coordination``."""
    n = len(pop.opened)
    act = np.flatnonzero(iv.active_on(as_of))
    pairs = np.unique(iv.household[act] * (len(agencies) + 1) + iv.agency[act])
    n_agencies = np.bincount(pairs // (len(agencies) + 1), minlength=n)
    has_help = np.bincount(iv.household[act], minlength=n) > 0
    is_open = pop.closed >= OPEN
    many = n_agencies >= config.regisseur_min_agencies
    need = is_open & (many | (problem_domains >= config.regisseur_min_problem_domains))

    sel_missing = select(rng, is_open & many, taken, missing)
    sel_competing = select(rng, is_open & many, taken, competing)
    in_missing = np.zeros(n, dtype=bool)
    in_missing[sel_missing] = True
    in_competing = np.zeros(n, dtype=bool)
    in_competing[sel_competing] = True
    coordinated = (need | (is_open & has_help & (rng.random(n) < 0.02)) | in_competing) & ~in_missing
    hh = np.flatnonzero(coordinated)

    # regisseur: the active neighbourhood-team professional, else one of the district team
    team_rows = act[agencies.sector[iv.agency[act]] == _TEAM]
    team_rows = team_rows[np.argsort(iv.household[team_rows], kind="stable")]
    team_rows = team_rows[group_starts(iv.household[team_rows])]
    team_of = np.full(n, -1, dtype=np.int64)
    team_of[iv.household[team_rows]] = team_rows
    own = team_of[hh]
    prof = np.where(own >= 0, iv.professional[np.maximum(own, 0)], _team_professional(rng, hh, pop, agencies, staff))
    relabel = own[(own >= 0) & ~conflict_planted[hh]]
    relabel = relabel[iv.kind[relabel] == KIND["support"]]
    iv.kind[relabel] = KIND["coordination"]

    opened = pop.opened[hh]
    room = as_of - opened
    changed = (room >= 120) & (rng.random(len(hh)) < 0.06)
    start = np.where(
        changed,
        opened + 31 + np.floor(rng.random(len(hh)) * np.minimum(200, np.maximum(room - 31, 1))).astype(np.int64),
        opened + np.floor(rng.random(len(hh)) * (np.minimum(90, room) + 1)).astype(np.int64),
    )
    start = np.minimum(start, as_of)
    end = np.where(rng.random(len(hh)) < 0.8, OPEN, as_of + 1 + rng.integers(0, 365, len(hh)))
    parts_h = [hh]
    parts_p = [prof]
    parts_s = [start]
    parts_e = [end]

    # earlier regisseur before a change
    ch = hh[changed]
    parts_h.append(ch)
    parts_p.append(_team_professional(rng, ch, pop, agencies, staff))
    parts_s.append(pop.opened[ch])
    parts_e.append(np.maximum(pop.opened[ch], start[changed] - 1 - rng.integers(0, 30, len(ch))))

    # competing: a second regisseur, the professional of another active intervention
    if len(sel_competing):
        first_prof = dict(zip(hh.tolist(), prof.tolist(), strict=True))
        rows = act[in_competing[iv.household[act]]]
        rows = rows[iv.professional[rows] != np.array([first_prof[h] for h in iv.household[rows].tolist()])]
        key = rng.random(len(rows))
        rows = rows[np.lexsort((key, iv.household[rows]))]
        rows = rows[group_starts(iv.household[rows])]
        c_h = iv.household[rows]
        parts_h.append(c_h)
        parts_p.append(iv.professional[rows])
        room_c = as_of - pop.opened[c_h]
        parts_s.append(as_of - np.floor(rng.random(len(c_h)) * (np.minimum(200, room_c) + 1)).astype(np.int64))
        parts_e.append(np.full(len(c_h), OPEN))
        details = [f"{a} and {b} both active" for a, b in zip(
            professional_ids.take(pa.array([first_prof[h] for h in c_h.tolist()])).to_pylist(),
            professional_ids.take(pa.array(iv.professional[rows])).to_pylist(), strict=True)]
        log.add("household", c_h, "competing_regisseurs", details)

    # missing: half had a regisseur whose assignment ended before the as-of date
    if len(sel_missing):
        had = sel_missing[rng.random(len(sel_missing)) < 0.5]
        parts_h.append(had)
        parts_p.append(_team_professional(rng, had, pop, agencies, staff))
        parts_s.append(pop.opened[had])
        room_m = as_of - 1 - pop.opened[had]
        parts_e.append(as_of - 1 - np.floor(rng.random(len(had)) * (np.minimum(180, room_m) + 1)).astype(np.int64))
        log.add("household", sel_missing, "missing_regisseur",
                [f"{k} agencies active, no active regisseur" for k in n_agencies[sel_missing].tolist()])

    # closed cases: half had a regisseur while open
    closed = np.flatnonzero(~is_open)
    closed = closed[rng.random(len(closed)) < 0.05]
    parts_h.append(closed)
    parts_p.append(_team_professional(rng, closed, pop, agencies, staff))
    c_start = pop.opened[closed] + np.floor(
        rng.random(len(closed)) * np.minimum(60, pop.closed[closed] - pop.opened[closed])).astype(np.int64)
    parts_s.append(c_start)
    parts_e.append(pop.closed[closed])

    h = np.concatenate(parts_h)
    p = np.concatenate(parts_p)
    s = np.concatenate(parts_s)
    e = np.concatenate(parts_e)
    order = np.lexsort((p, s, h))
    h, p, s, e = h[order], p[order], s[order], e[order]
    m = len(h)
    return pa.table({
        "coordination_id": make_ids("C", np.arange(1, m + 1), max(6, len(str(m)))),
        "household_id": household_ids.take(pa.array(h)),
        "professional_id": professional_ids.take(pa.array(p)),
        "start_date": date_array(s),
        "end_date": date_array(e),
    })
