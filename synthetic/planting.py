"""Planted interventions: too many helpers, overlapping interventions, conflicting interventions.

Each planting adds interventions to households chosen at random from those where the addition triggers exactly its
flag on the as-of date ``T`` and no other (thresholds from :class:`analytics.config.FlagConfig`):

* **too_many_helpers** — ``helpers_attention``..``helpers_alarm + 4`` professionals active on ``T``: colleagues of
  the same agency join the household's active interventions, or agencies start help in domains nobody of the
  household is active in (one new domain each, so no two agencies overlap in a domain).
* **overlapping_interventions** — a second agency starts in a domain where the household has an active
  intervention; both started at least ``max(30, overlap_min_days + 7)`` days before ``T`` and are active on ``T``,
  so they overlap by more than ``overlap_min_days`` days.
* **conflicting_interventions** — an enforcement (eviction, debt collection, benefit stop, fine, placement order) by
  an agency of the enforcing sector starts while the household gets help from an agency of another sector in a
  linked domain (``linked_domains`` with symmetric closure); both active on ``T``.

An enforcement bites support of its own agency as much as another's, so :func:`repair_conflicts` ends every
enforcement that meets help in a linked domain, whichever agency gives that help.

Households for the latter two have at most ``max_active - 1`` active interventions before the addition, so the
background helper limit still holds; none of the three has an active enforcement beforehand.
:func:`repair_conflicts` first removes every accidental conflict from the background.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.config import FlagConfig

from .agencies import SECTOR_INDEX, Agencies
from .arrays import OPEN, BoolArray, IntArray, Interventions, group_rank
from .cases import ACTION, KIND
from .catalog import CHILD_DOMAINS, DOMAIN_INDEX, DOMAIN_LIST, ENFORCEMENT_OPTIONS
from .population import Population
from .rates import PlantedLog, select

__all__ = ["linked_matrix", "repair_conflicts", "plant_too_many", "plant_overlaps", "plant_conflicts",
           "household_activity"]


def linked_matrix(config: FlagConfig) -> BoolArray:
    """``L[e, s]``: enforcement in domain ``e`` bites support in domain ``s`` (symmetric closure of the map)."""
    nd = len(DOMAIN_LIST)
    out = np.zeros((nd, nd), dtype=bool)
    for e, targets in config.linked_domains.items():
        for s in targets:
            if e in DOMAIN_INDEX and s in DOMAIN_INDEX:
                out[DOMAIN_INDEX[e], DOMAIN_INDEX[s]] = out[DOMAIN_INDEX[s], DOMAIN_INDEX[e]] = True
    return out


def household_activity(iv: Interventions, households: int, as_of: int) -> tuple[IntArray, IntArray]:
    """Per household: interventions active on ``as_of``, and enforcement interventions among them."""
    act = iv.active_on(as_of)
    total = np.bincount(iv.household[act], minlength=households)
    enf = np.bincount(iv.household[act & (iv.kind == KIND["enforcement"])], minlength=households)
    return total, enf


def repair_conflicts(rng: np.random.Generator, iv: Interventions, as_of: int, linked: BoolArray) -> Interventions:
    """End (or drop, when it starts on ``as_of``) every enforcement active on ``as_of`` that overlaps help of any
    agency (its own included) in a linked domain, so the background has no conflicting interventions."""
    act = iv.active_on(as_of)
    e_rows = np.flatnonzero(act & (iv.kind == KIND["enforcement"]))
    s_rows = np.flatnonzero(act & (iv.kind != KIND["enforcement"]))
    e = pd.DataFrame({"e": e_rows, "household": iv.household[e_rows]})
    s = pd.DataFrame({"s": s_rows, "household": iv.household[s_rows]})
    pairs = e.merge(s, on="household")
    ei = pairs["e"].to_numpy()
    si = pairs["s"].to_numpy()
    bad = linked[iv.domain[ei], iv.domain[si]]
    rows = np.unique(ei[bad])
    if len(rows) == 0:
        return iv
    start = iv.start[rows]
    iv.end[rows] = np.maximum(start, as_of - 1 - rng.integers(0, 11, len(rows)))
    keep = np.ones(len(iv), dtype=bool)
    keep[rows[start >= as_of]] = False
    return iv.take(keep)


def _open_end(rng: np.random.Generator, n: int, as_of: int, open_share: float, max_days: int) -> IntArray:
    return np.where(rng.random(n) < open_share, OPEN, as_of + 1 + rng.integers(0, max_days, n))


def _one_per_household(rng: np.random.Generator, rows: IntArray, household: IntArray) -> dict[int, int]:
    """A random row per household among ``rows`` (household → row)."""
    key = rng.random(len(rows))
    order = np.lexsort((key, household[rows]))
    rows = rows[order]
    first = group_rank(household[rows]) == 0
    return dict(zip(household[rows][first].tolist(), rows[first].tolist(), strict=True))


def plant_too_many(rng: np.random.Generator, iv: Interventions, pop: Population, agencies: Agencies, as_of: int,
                   config: FlagConfig, count: int, alarm_share: float, taken: BoolArray,
                   log: PlantedLog) -> Interventions:
    """Add professionals to the active help of ``count`` households until ``target`` are active.

    Each added professional either joins an active intervention's agency and domain (a colleague), or (with
    probability 0.6) brings help in a domain where nobody of the household is active yet, from an agency that
    serves that domain, each in a different domain (so no two agencies share a domain).
    """
    n = len(pop.opened)
    active, enf = household_activity(iv, n, as_of)
    is_open = pop.closed >= OPEN
    eligible = is_open & (active >= 1) & (enf == 0) & (pop.opened <= as_of - 30)
    sel = select(rng, eligible, taken, count)
    if len(sel) == 0:
        return iv
    lo, hi = config.helpers_attention, config.helpers_alarm
    target = np.where(rng.random(len(sel)) < alarm_share, rng.integers(hi, hi + 5, len(sel)),
                      rng.integers(lo, max(hi, lo + 1), len(sel)))
    extra = target - active[sel]
    rep = np.repeat(sel, extra)
    act_rows = np.flatnonzero(iv.active_on(as_of))
    act_rows = act_rows[np.argsort(iv.household[act_rows], kind="stable")]
    first = np.searchsorted(iv.household[act_rows], rep)
    base = act_rows[first + np.floor(rng.random(len(rep)) * active[rep]).astype(np.int64)]
    m = len(rep)
    domain = iv.domain[base].copy()
    agency = iv.agency[base].copy()
    member = iv.member[base].copy()
    # new domains: per household a random order of the domains nobody is active in, taken in turn
    nd = len(DOMAIN_LIST)
    act = iv.active_on(as_of)
    busy = np.zeros((n, nd), dtype=bool)
    busy[iv.household[act], iv.domain[act]] = True
    for code in CHILD_DOMAINS:
        busy[pop.children == 0, DOMAIN_INDEX[code]] = True  # no youth care without children
    key = np.where(busy[sel], np.inf, rng.random((len(sel), nd)))
    free_order = np.argsort(key, axis=1, kind="stable")
    free_count = (~busy[sel]).sum(axis=1)
    pos_in_sel = np.repeat(np.arange(len(sel)), extra)
    new_dom = (rng.random(m) < 0.6)
    turn = np.zeros(m, dtype=np.int64)
    turn[new_dom] = group_rank(rep[new_dom])
    new_dom &= turn < free_count[pos_in_sel]
    picked = free_order[pos_in_sel[new_dom], turn[new_dom]]
    domain[new_dom] = picked
    agency[new_dom] = agencies.sample_for_domain(rng, picked, pop.district[rep[new_dom]])
    member[new_dom] = -1
    start = as_of - np.floor(rng.random(m) * np.minimum(200, as_of - pop.opened[rep])).astype(np.int64)
    new = Interventions(
        household=rep, member=member, agency=agency, domain=domain,
        kind=np.full(m, KIND["support"]), action=np.full(m, -1), start=start,
        end=_open_end(rng, m, as_of, 0.6, 180), professional=np.full(m, -1),
    )
    log.add("household", sel, "too_many_helpers",
            [f"{t} professionals active on the as-of date" for t in target.tolist()])
    return iv.concat(new)


def plant_overlaps(rng: np.random.Generator, iv: Interventions, pop: Population, agencies: Agencies, as_of: int,
                   config: FlagConfig, max_active: int, count: int, taken: BoolArray,
                   log: PlantedLog) -> Interventions:
    """A second agency joins an active intervention's domain for ``count`` households.

    Both started at least ``lead = max(30, overlap_min_days + 7)`` days before ``as_of``, so they overlap by more
    than ``lead`` days whether an open end is counted as ``as_of`` or not.
    """
    n = len(pop.opened)
    lead = max(30, config.overlap_min_days + 7)
    active, enf = household_activity(iv, n, as_of)
    long_rows = np.flatnonzero(iv.active_on(as_of) & (iv.start <= as_of - lead))
    has_long = np.bincount(iv.household[long_rows], minlength=n) > 0
    eligible = (pop.closed >= OPEN) & (active >= 1) & (active <= max_active - 1) & (enf == 0) & has_long
    sel = select(rng, eligible, taken, count)
    if len(sel) == 0:
        return iv
    choice = _one_per_household(rng, long_rows, iv.household)
    base = np.array([choice[h] for h in sel.tolist()], dtype=np.int64)
    m = len(sel)
    other = agencies.sample_for_domain(rng, iv.domain[base], pop.district[sel])
    same = other == iv.agency[base]
    other[same] = agencies.other_in_sector(iv.agency[base][same])
    start = as_of - lead - np.floor(rng.random(m) * np.minimum(300, as_of - lead - pop.opened[sel])).astype(np.int64)
    new = Interventions(
        household=sel, member=iv.member[base], agency=other, domain=iv.domain[base],
        kind=np.full(m, KIND["support"]), action=np.full(m, -1), start=start,
        end=_open_end(rng, m, as_of, 0.6, 180), professional=np.full(m, -1),
    )
    log.add("household", sel, "overlapping_interventions",
            [f"two agencies active in {DOMAIN_LIST[d]}" for d in iv.domain[base].tolist()])
    return iv.concat(new)


def plant_conflicts(rng: np.random.Generator, iv: Interventions, pop: Population, agencies: Agencies, as_of: int,
                    linked: BoolArray, max_active: int, count: int, taken: BoolArray,
                    log: PlantedLog) -> Interventions:
    """Start an enforcement during help of another sector in a linked domain for ``count`` households."""
    n = len(pop.opened)
    active, enf = household_activity(iv, n, as_of)
    act = iv.active_on(as_of)
    options = list(ENFORCEMENT_OPTIONS.items())
    ok = np.zeros((n, len(options)), dtype=bool)
    for j, (code, (sector, _)) in enumerate(options):
        e = DOMAIN_INDEX[code]
        other_sector = agencies.sector[iv.agency] != SECTOR_INDEX[sector]
        bites = act & (iv.kind == KIND["support"]) & linked[e, iv.domain] & other_sector
        busy = act & (iv.domain == e)
        ok[:, j] = (np.bincount(iv.household[bites], minlength=n) > 0) & (
            np.bincount(iv.household[busy], minlength=n) == 0)
    eligible = (pop.closed >= OPEN) & (active >= 1) & (active <= max_active - 1) & (enf == 0) & ok.any(axis=1)
    sel = select(rng, eligible, taken, count)
    if len(sel) == 0:
        return iv
    m = len(sel)
    gumbel = -np.log(-np.log(rng.random((m, len(options)))))
    pick = np.argmax(np.where(ok[sel], gumbel, -np.inf), axis=1)
    domain = np.array([DOMAIN_INDEX[c] for c, _ in options])[pick]
    sector = np.array([SECTOR_INDEX[s] for _, (s, _) in options])[pick]
    action = np.array([ACTION[a] for _, (_, a) in options])[pick]
    agency = agencies.sample(rng, sector, pop.district[sel])
    start = as_of - np.floor(rng.random(m) * np.minimum(120, as_of - pop.opened[sel] + 1)).astype(np.int64)
    child = pop.first_member[sel] + pop.adults[sel]
    member = np.where((domain == DOMAIN_INDEX["OPV"]) & (pop.children[sel] > 0), child, -1)
    new = Interventions(
        household=sel, member=member, agency=agency, domain=domain,
        kind=np.full(m, KIND["enforcement"]), action=action, start=start,
        end=_open_end(rng, m, as_of, 0.5, 90), professional=np.full(m, -1),
    )
    log.add("household", sel, "conflicting_interventions",
            [f"{options[p][1][1]} ({options[p][0]}) during help in a linked domain" for p in pick.tolist()])
    return iv.concat(new)
