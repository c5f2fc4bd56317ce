"""Problem profiles and the background help: one *track* of episodes per problem domain of a household.

A household has 1–6 problem domains (most 1–3), drawn one after another with correlated weights (debts with housing,
parenting with youth care and safety, addiction with mental health and justice; :data:`~.catalog.DOMAIN_AFFINITY`).
Each problem domain gets one track: a sequence of episodes (interventions) by one agency at a time. An episode is
followed by another of the same agency (gap of 0–14 days) or handed over to another agency (always with a gap of at
least one day), so within one domain two agencies are never involved on the same day in the background. The first
episode of a household's first track is the intake assessment by the district's neighbourhood team; some episodes in
domains with an enforcement option (:data:`~.catalog.ENFORCEMENT_OPTIONS`) are enforcement.

On the as-of date a track is either active (exactly one episode covers the date) or ended; at most ``max_active``
tracks per household are active, so the background never reaches the too-many-helpers threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graph.schema import ENFORCEMENT_ACTIONS, INTERVENTION_KINDS

from .agencies import SECTOR_INDEX, Agencies
from .arrays import OPEN, IntArray, Interventions, choice_from_cdf, group_rank
from .catalog import (
    CHILD_DOMAINS,
    DOMAIN_AFFINITY,
    DOMAIN_INDEX,
    DOMAIN_LIST,
    DOMAIN_PREVALENCE,
    ENFORCEMENT_OPTIONS,
    MEMBER_DOMAINS_ADULT,
    MEMBER_DOMAINS_CHILD,
)
from .population import Population

__all__ = ["Tracks", "KIND", "ACTION", "problem_domains", "make_tracks", "background_interventions"]

KIND: dict[str, int] = {k: i for i, k in enumerate(INTERVENTION_KINDS)}
ACTION: dict[str, int] = {a: i for i, a in enumerate(ENFORCEMENT_ACTIONS)}
_PROBLEM_COUNT_CDF = np.cumsum([0.28, 0.30, 0.22, 0.11, 0.06, 0.03])  # 1..6 problem domains
_EPISODES = 24
"""Episodes drawn per track (more than any track of three years needs)."""


@dataclass
class Tracks:
    """One row per (household, problem domain), sorted by household; ``rank`` 0 is the household's first track."""

    household: IntArray
    domain: IntArray
    rank: IntArray
    start: IntArray
    limit: IntArray  # last day an episode may start (the as-of date for active tracks)
    active: np.ndarray
    member: IntArray

    def take(self, idx: IntArray) -> Tracks:
        return Tracks(*(getattr(self, f)[idx] for f in ("household", "domain", "rank", "start", "limit", "active",
                                                         "member")))


def problem_domains(rng: np.random.Generator, pop: Population) -> tuple[IntArray, IntArray]:
    """(household, domain) pairs: each household's problem domains, its first (main) domain first."""
    n = len(pop.opened)
    nd = len(DOMAIN_LIST)
    count = choice_from_cdf(rng, _PROBLEM_COUNT_CDF, n) + 1
    base = np.log(np.array([DOMAIN_PREVALENCE[c] for c in DOMAIN_LIST]))
    boost = np.zeros((nd, nd))
    for a, b, f in DOMAIN_AFFINITY:
        boost[DOMAIN_INDEX[a], DOMAIN_INDEX[b]] = boost[DOMAIN_INDEX[b], DOMAIN_INDEX[a]] = np.log(f)
    logits = np.tile(base, (n, 1))
    no_children = pop.children == 0
    for code in CHILD_DOMAINS:
        logits[no_children, DOMAIN_INDEX[code]] = -np.inf
    hh_parts: list[IntArray] = []
    dom_parts: list[IntArray] = []
    rows = np.arange(n)
    for j in range(int(count.max())):
        gumbel = -np.log(-np.log(rng.random((n, nd))))
        pick = np.argmax(logits + gumbel, axis=1)
        take = (count > j) & np.isfinite(logits[rows, pick])
        hh_parts.append(rows[take])
        dom_parts.append(pick[take])
        logits[rows, pick] = -np.inf
        logits += boost[pick]
    hh = np.concatenate(hh_parts)
    dom = np.concatenate(dom_parts)
    order = np.argsort(hh, kind="stable")
    return hh[order].astype(np.int64), dom[order].astype(np.int64)


def make_tracks(rng: np.random.Generator, pop: Population, as_of: int, max_active: int) -> Tracks:
    """Tracks of all problem domains: start, whether active on ``as_of``, and the last possible episode start."""
    hh, dom = problem_domains(rng, pop)
    n = len(hh)
    rank = group_rank(hh)
    opened = pop.opened[hh]
    is_open = pop.closed[hh] >= OPEN
    horizon = np.where(is_open, as_of, pop.closed[hh])
    span = horizon - opened
    offset = np.floor(rng.random(n) * np.minimum(240, span)).astype(np.int64)
    start = np.where(rank == 0, opened, opened + offset)
    active = is_open & (rng.random(n) < np.where(rank == 0, 0.65, 0.45))
    active &= group_rank(hh, (~active).astype(np.int64)) < max_active
    ended_open = start + np.floor(rng.random(n) * np.maximum(as_of - start, 1)).astype(np.int64)
    ended_closed = pop.closed[hh] - np.floor(rng.random(n) * np.minimum(60, np.maximum(pop.closed[hh] - start + 1, 1)))
    limit = np.where(active, as_of, np.where(is_open, ended_open, ended_closed.astype(np.int64)))
    limit = np.maximum(limit, start)

    # help for one member: a child in youth domains, an adult in health/justice domains
    u = rng.random(n)
    child_dom = np.isin(dom, [DOMAIN_INDEX[c] for c in MEMBER_DOMAINS_CHILD])
    adult_dom = np.isin(dom, [DOMAIN_INDEX[c] for c in MEMBER_DOMAINS_ADULT])
    n_child = pop.children[hh]
    n_adult = pop.adults[hh]
    child = pop.first_member[hh] + n_adult + np.floor(rng.random(n) * np.maximum(n_child, 1)).astype(np.int64)
    adult = pop.first_member[hh] + np.floor(rng.random(n) * n_adult).astype(np.int64)
    member = np.where(child_dom & (n_child > 0) & (u < 0.6), child, np.where(adult_dom & (u < 0.4), adult, -1))
    return Tracks(hh, dom, rank, start, limit, active, member)


def background_interventions(rng: np.random.Generator, pop: Population, agencies: Agencies, tracks: Tracks,
                             as_of: int, chunk: int = 40_000) -> Interventions:
    """Episodes of every track as intervention rows (see the module docstring for the rules).

    Tracks are processed in chunks to bound memory (each chunk holds ``chunk`` × 24 episode matrices).
    """
    out = Interventions.empty()
    n = len(tracks.household)
    for lo in range(0, n, chunk):
        out = out.concat(_episodes(rng, pop, agencies, tracks.take(np.arange(lo, min(n, lo + chunk))), as_of))
    return out


def _episodes(rng: np.random.Generator, pop: Population, agencies: Agencies, tracks: Tracks,
              as_of: int) -> Interventions:
    n = len(tracks.household)
    k = _EPISODES
    district = pop.district[tracks.household]
    # durations: short, medium and long episodes
    u = rng.random((n, k))
    dur = np.where(u < 0.35, rng.integers(20, 60, (n, k)),
                   np.where(u < 0.8, rng.integers(60, 150, (n, k)), rng.integers(150, 365, (n, k))))
    intake = tracks.rank == 0
    dur[intake, 0] = rng.integers(14, 57, int(intake.sum()))

    # agency chain with hand-overs, enforcement episodes in domains that have an enforcement option
    main = agencies.sample_for_domain(rng, tracks.domain, district)
    agency = np.empty((n, k), dtype=np.int64)
    kind = np.full((n, k), KIND["support"], dtype=np.int64)
    action = np.full((n, k), -1, dtype=np.int64)
    team = agencies.sample(rng, np.full(n, SECTOR_INDEX["neighbourhood_team"]), district)
    agency[:, 0] = np.where(intake, team, main)
    kind[intake, 0] = KIND["assessment"]
    enf_sector = np.full(len(DOMAIN_LIST), -1)
    enf_action = np.full(len(DOMAIN_LIST), -1)
    for code, (sector, act) in ENFORCEMENT_OPTIONS.items():
        enf_sector[DOMAIN_INDEX[code]] = SECTOR_INDEX[sector]
        enf_action[DOMAIN_INDEX[code]] = ACTION[act]
    has_enf = enf_sector[tracks.domain] >= 0
    chain = main.copy()
    for j in range(1, k):
        hand_over = rng.random(n) < 0.15
        if hand_over.any():
            chain[hand_over] = agencies.sample_for_domain(rng, tracks.domain[hand_over], district[hand_over])
        enforce = has_enf & (rng.random(n) < 0.05)
        agency[:, j] = chain
        if enforce.any():
            agency[enforce, j] = agencies.sample(rng, enf_sector[tracks.domain[enforce]], district[enforce])
            kind[enforce, j] = KIND["enforcement"]
            action[enforce, j] = enf_action[tracks.domain[enforce]]
    changed = np.zeros((n, k), dtype=bool)
    changed[:, 1:] = agency[:, 1:] != agency[:, :-1]
    gap = np.where(changed, rng.integers(1, 46, (n, k)), rng.integers(0, 15, (n, k)))
    gap[:, 0] = 0
    step = np.zeros((n, k), dtype=np.int64)
    step[:, 1:] = dur[:, :-1] + gap[:, 1:]
    start = tracks.start[:, None] + np.cumsum(step, axis=1)
    end = start + dur - 1
    valid = start <= tracks.limit[:, None]
    last = valid.sum(axis=1) - 1
    rows = np.arange(n)
    last_end = end[rows, last]
    planned = np.where(last_end >= as_of, last_end, as_of + 1 + rng.integers(0, 181, n))
    end[rows, last] = np.where(
        tracks.active, np.where(rng.random(n) < 0.6, OPEN, planned), np.minimum(last_end, tracks.limit)
    )
    member = np.repeat(tracks.member[:, None], k, axis=1)
    member[intake, 0] = -1
    r, c = np.nonzero(valid)
    m = len(r)
    return Interventions(
        household=tracks.household[r],
        member=member[r, c],
        agency=agency[r, c],
        domain=tracks.domain[r],
        kind=kind[r, c],
        action=action[r, c],
        start=start[r, c],
        end=end[r, c],
        professional=np.full(m, -1, dtype=np.int64),
    )
