"""ZRM assessments over time, and the planted domino risks and stagnations.

Every problem domain of a household is scored (household level, 1–5) at intake and then every 90–180 days while
the case is open (strictly before the as-of date ``T``); a closed case gets a closing assessment on its closing day
with every score at least 3. Scores start at 1–3 and walk slowly upwards (+1 with probability 0.25, −1 with 0.10).

Rules kept on ``T`` (thresholds from :class:`analytics.config.FlagConfig`; *latest* = last assessment on or before
``T``, *baseline* = last assessment on or before ``T - stagnation_window_days``):

* **domino_risk** — planted households get latest score ``domino_crisis_score`` (1) in HUI or FIN (the domains with
  dependents); in every other household those latest scores are raised to at least 2.
* **stagnation** — planted households (open >= ``stagnation_min_case_days``, >= ``stagnation_min_helpers``
  professionals in the window, and assessed: some domain with two assessments or more) keep every assessed domain
  at its baseline through the window; every other household meeting the first two conditions improves in at least
  one domain (latest > baseline), repaired where needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from analytics.config import FlagConfig
from foundation.periods import active_days

from .arrays import (
    OPEN,
    BoolArray,
    IntArray,
    Interventions,
    choice_from_cdf,
    date_array,
    group_starts,
    labels,
    make_ids,
)
from .catalog import DOMAIN_INDEX, DOMAIN_LIST
from .population import Population
from .rates import PlantedLog, select

__all__ = ["Scores", "make_scores", "helpers_in_window", "scores_table"]

_START_CDF = np.cumsum([0.15, 0.55, 0.30])  # first score 1, 2, 3
_DATES = 14


@dataclass
class Scores:
    """Assessment rows sorted by (household, domain, date)."""

    household: IntArray
    domain: IntArray
    day: IntArray
    score: IntArray

    def _sort(self) -> None:
        order = np.lexsort((self.day, self.domain, self.household))
        for f in ("household", "domain", "day", "score"):
            setattr(self, f, getattr(self, f)[order])

    def last_in_group(self) -> BoolArray:
        """The latest row of each (household, domain) (all rows are on or before the as-of date)."""
        key = self.household * 64 + self.domain
        out = np.ones(len(key), dtype=bool)
        out[:-1] = key[1:] != key[:-1]
        return out

    def baseline_rows(self, cutoff: int) -> IntArray:
        """Per row, the index of its group's last row on or before ``cutoff`` (-1 when there is none)."""
        key = self.household * 64 + self.domain
        new = group_starts(key)
        group_id = np.cumsum(new) - 1
        groups = int(group_id[-1]) + 1 if len(key) else 0
        qualifying = np.bincount(group_id[self.day <= cutoff], minlength=groups)
        first = np.flatnonzero(new)
        per_group = np.where(qualifying > 0, first + qualifying - 1, -1)
        return per_group[group_id]

    def problem_domains(self, households: int, max_score: int) -> IntArray:
        """Per household, domains whose latest score is at most ``max_score``."""
        last = self.last_in_group()
        hit = last & (self.score <= max_score)
        return np.bincount(self.household[hit], minlength=households)


def helpers_in_window(iv: Interventions, households: int, lo: int, hi: int) -> IntArray:
    """Per household, distinct professionals with an intervention active at some time in ``[lo, hi]``."""
    rows = active_days(iv.start, iv.end, hi, since=lo)
    width = int(iv.professional.max()) + 1 if len(iv) else 1
    pairs = np.unique(iv.household[rows] * width + iv.professional[rows])
    return np.bincount(pairs // width, minlength=households)


def _schedule(rng: np.random.Generator, pop: Population, track_hh: IntArray, track_dom: IntArray,
              as_of: int) -> Scores:
    n = len(pop.opened)
    step = rng.integers(90, 181, (n, _DATES))
    step[:, 0] = 0
    days = pop.opened[:, None] + np.cumsum(step, axis=1)
    end = np.where(pop.closed >= OPEN, as_of, pop.closed)
    valid = days < end[:, None]
    m = len(track_hh)
    score = np.empty((m, _DATES), dtype=np.int64)
    score[:, 0] = choice_from_cdf(rng, _START_CDF, m) + 1
    u = rng.random((m, _DATES))
    for j in range(1, _DATES):
        move = np.where(u[:, j] < 0.25, 1, np.where(u[:, j] > 0.90, -1, 0))
        score[:, j] = np.clip(score[:, j - 1] + move, 1, 5)
    v = valid[track_hh]
    r, c = np.nonzero(v)
    hh = track_hh[r]
    dom = track_dom[r]
    day = days[track_hh[r], c]
    sc = score[r, c]
    # closing assessment for closed cases
    closed_rows = np.flatnonzero(pop.closed[track_hh] < OPEN)
    last_col = v.sum(axis=1) - 1
    closing = np.maximum(score[closed_rows, last_col[closed_rows]], 3)
    out = Scores(
        household=np.concatenate([hh, track_hh[closed_rows]]),
        domain=np.concatenate([dom, track_dom[closed_rows]]),
        day=np.concatenate([day, pop.closed[track_hh[closed_rows]]]),
        score=np.concatenate([sc, closing]),
    )
    out._sort()
    return out


def make_scores(rng: np.random.Generator, pop: Population, track_hh: IntArray, track_dom: IntArray,
                iv: Interventions, as_of: int, config: FlagConfig, domino: int, stagnation: int,
                taken: BoolArray, log: PlantedLog) -> Scores:
    """Assessments with the planted domino risks and stagnations, and the background rules kept."""
    n = len(pop.opened)
    s = _schedule(rng, pop, track_hh, track_dom, as_of)
    crisis = config.domino_crisis_score
    hub = np.array([DOMAIN_INDEX[d] for d, deps in config.domino_dependencies.items() if deps and d in DOMAIN_INDEX])
    last = s.last_in_group()
    # background: no crisis in a domain others depend on
    fix = last & np.isin(s.domain, hub) & (s.score <= crisis)
    s.score[fix] = crisis + 1

    window_lo = as_of - config.stagnation_window_days
    helpers = helpers_in_window(iv, n, window_lo, as_of)
    is_open = pop.closed >= OPEN
    long_case = as_of - pop.opened >= config.stagnation_min_case_days
    stag_candidate = long_case & (helpers >= config.stagnation_min_helpers)

    # planted stagnation: every domain stays at its baseline through the window; only a household with two
    # assessments of some domain can be compared, the others are unassessed rather than stagnating
    assessed = np.zeros(n, dtype=bool)
    assessed[s.household[~s.last_in_group()]] = True  # a row that is not its group's last: two or more
    sel = select(rng, is_open & stag_candidate & assessed, taken, stagnation)
    if len(sel):
        in_sel = np.zeros(n, dtype=bool)
        in_sel[sel] = True
        base = s.baseline_rows(window_lo)
        rows = in_sel[s.household] & (base >= 0)
        hub_row = np.isin(s.domain, hub)
        base_score = s.score[np.where(base >= 0, base, 0)]
        lift = rows & hub_row & (base_score <= crisis)
        s.score[base[lift]] = crisis + 1
        base_score = s.score[np.where(base >= 0, base, 0)]
        s.score[rows & (s.day > window_lo)] = base_score[rows & (s.day > window_lo)]
        log.add("household", sel, "stagnation",
                [f"{int(h)} professionals in the last {config.stagnation_window_days} days, no domain improved"
                 for h in helpers[sel].tolist()])

    # background: every other long case with many helpers improves in at least one domain
    s = _repair_stagnation(s, n, as_of, window_lo, stag_candidate, _planted_mask(n, sel))

    # planted domino risk: households that are not stagnation candidates, latest HUI/FIN score set to crisis
    last = s.last_in_group()
    hub_last = np.flatnonzero(last & np.isin(s.domain, hub))
    has_hub = np.bincount(s.household[hub_last], minlength=n) > 0
    sel = select(rng, is_open & ~stag_candidate & has_hub, taken, domino)
    if len(sel):
        in_sel = np.zeros(n, dtype=bool)
        in_sel[sel] = True
        cand = hub_last[in_sel[s.household[hub_last]]]
        key = rng.random(len(cand))
        order = np.lexsort((key, s.household[cand]))
        cand = cand[order]
        first = group_starts(s.household[cand])
        picked = cand[first]
        s.score[picked] = crisis
        log.add("household", s.household[picked], "domino_risk",
                [f"latest {DOMAIN_LIST[d]} score {crisis}" for d in s.domain[picked].tolist()])
    return s


def _planted_mask(n: int, sel: IntArray) -> BoolArray:
    out = np.zeros(n, dtype=bool)
    out[sel] = True
    return out


def _repair_stagnation(s: Scores, n: int, as_of: int, window_lo: int, candidate: BoolArray,
                       planted: BoolArray) -> Scores:
    base = s.baseline_rows(window_lo)
    last = s.last_in_group()
    has_base = last & (base >= 0)
    base_score = np.where(base >= 0, s.score[np.where(base >= 0, base, 0)], 99)
    improved = has_base & (s.score > base_score)
    ok = np.bincount(s.household[improved], minlength=n) > 0
    need = candidate & ~planted & ~ok
    rows = np.flatnonzero(has_base & need[s.household])
    if len(rows) == 0:
        return s
    order = np.lexsort((base_score[rows], s.household[rows]))
    rows = rows[order]
    rows = rows[group_starts(s.household[rows])]  # per household: the group with the lowest baseline
    b = base_score[rows]
    in_window = s.day[rows] > window_lo
    low = b < 5
    # latest row in the window: raise it (or, at baseline 5, lower the baseline)
    s.score[rows[in_window & low]] = b[in_window & low] + 1
    top = rows[in_window & ~low]
    s.score[base[top]] = 4
    s.score[top] = 5
    # no assessment in the window: add one on the as-of date
    add = rows[~in_window]
    if len(add):
        bb = np.where(base_score[add] < 5, base_score[add] + 1, 5)
        s.score[base[add[bb == 5]]] = 4
        s = Scores(
            household=np.concatenate([s.household, s.household[add]]),
            domain=np.concatenate([s.domain, s.domain[add]]),
            day=np.concatenate([s.day, np.full(len(add), as_of)]),
            score=np.concatenate([s.score, bb]),
        )
        s._sort()
    return s


def scores_table(s: Scores, household_ids: pa.Array) -> pa.Table:
    """The assessments table (household-level scores)."""
    m = len(s.household)
    return pa.table({
        "assessment_id": make_ids("S", np.arange(1, m + 1), max(7, len(str(m)))),
        "household_id": household_ids.take(pa.array(s.household)),
        "member_id": pa.nulls(m, pa.string()),
        "domain_code": labels(DOMAIN_LIST, s.domain),
        "score": pa.array(s.score, pa.int64()),
        "assessed_on": date_array(s.day),
    })
