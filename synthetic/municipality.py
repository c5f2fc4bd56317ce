"""Generate a realistic synthetic municipality with planted cases, and write it as documented table files.

The pipeline (each step in its own module): population (districts, households, members) → agencies → problem
profiles and the background help (tracks of episodes) → accidental conflicts removed → planted too many helpers,
overlapping and conflicting interventions → professionals (caseloads, overloaded professionals, employer changes) →
assessments (planted stagnation and domino risk, background repaired) → regisseurs (planted missing and competing).
Everything is drawn from one ``numpy.random.Generator(PCG64(seed))`` in a fixed order, so the same
``(households, seed, as_of, config, rates)`` gives the same tables and byte-identical files. See ``docs/synthetic.md``.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from analytics.config import FlagConfig
from graph.domains import DOMAINS
from graph.schema import CARE_TABLES, ENFORCEMENT_ACTIONS, INTERVENTION_KINDS
from graph.tables import CareTables, write_table_files

from .agencies import make_agencies
from .arrays import OPEN, Interventions, date_array, day_number, labels, make_ids
from .cases import background_interventions, make_tracks
from .planting import linked_matrix, plant_conflicts, plant_overlaps, plant_too_many, repair_conflicts
from .population import make_population
from .rates import FLAGS, PlantedLog, PlantRates
from .regisseurs import make_coordinations
from .scores import make_scores, scores_table
from .staffing import staff_agencies

__all__ = ["GENERATOR_VERSION", "SyntheticMunicipality", "generate_municipality", "write_municipality"]

GENERATOR_VERSION = "1.0"
"""Bumped whenever the same seed would give different tables."""

MAX_ACTIVE_BACKGROUND = 3
"""Most interventions (hence professionals and agencies) active on the as-of date in a background household."""

ProgressFn = Callable[[str], None]


@dataclass(frozen=True)
class SyntheticMunicipality:
    """A generated municipality: all nine tables, the planted ground truth and how it was made.

    ``planted`` has columns ``subject_kind`` ('household' | 'professional'), ``subject_id``, ``flag`` and
    ``detail``: one row per planted (subject, flag), valid on ``as_of``.
    """

    tables: CareTables
    planted: pa.Table
    as_of: date
    seed: int
    households: int
    rates: PlantRates = field(default_factory=PlantRates)
    facts: dict[str, Any] = field(default_factory=dict)


def _domains_table() -> pa.Table:
    return pa.table({
        "domain_code": pa.array([d.code for d in DOMAINS], pa.string()),
        "name_nl": pa.array([d.name_nl for d in DOMAINS], pa.string()),
        "name_en": pa.array([d.name_en for d in DOMAINS], pa.string()),
        "zrm": pa.array([d.zrm for d in DOMAINS], pa.bool_()),
    })


def _interventions_table(rng: np.random.Generator, iv: Interventions, as_of: int, ids: dict[str, pa.Array]) -> pa.Table:
    order = np.lexsort((iv.professional, iv.agency, iv.domain, iv.start, iv.household))
    iv = iv.take(order)
    m = len(iv)
    days = np.minimum(iv.end, as_of) - iv.start + 1
    rate = np.where(iv.kind == INTERVENTION_KINDS.index("enforcement"), 45.0, 14.0)
    contacts = np.maximum(1, rng.poisson(np.maximum(days, 1) / rate))
    action = pa.array(list(ENFORCEMENT_ACTIONS), pa.string()).take(pa.array(np.maximum(iv.action, 0),
                                                                            mask=iv.action < 0))
    return pa.table({
        "intervention_id": make_ids("I", np.arange(1, m + 1), max(7, len(str(m)))),
        "household_id": ids["household"].take(pa.array(iv.household)),
        "member_id": ids["member"].take(pa.array(np.maximum(iv.member, 0), mask=iv.member < 0)),
        "professional_id": ids["professional"].take(pa.array(iv.professional)),
        "agency_id": ids["agency"].take(pa.array(iv.agency)),
        "domain_code": ids["domain"].take(pa.array(iv.domain)),
        "kind": labels(INTERVENTION_KINDS, iv.kind),
        "action": action,
        "start_date": date_array(iv.start),
        "end_date": date_array(iv.end),
        "contact_count": pa.array(contacts, pa.int64()),
        "source": labels(["synthetic"], np.zeros(m, dtype=np.int64)),
    })


def generate_municipality(households: int, seed: int, *, as_of: date = date(2025, 6, 30),
                          config: FlagConfig | None = None, rates: PlantRates | None = None,
                          progress: ProgressFn | None = None) -> SyntheticMunicipality:
    """Generate a synthetic municipality of ``households`` households, deterministic for ``seed``.

    Parameters
    ----------
    households
        Number of households (at least 10).
    seed
        Seed of the one random generator (``numpy.random.Generator(PCG64(seed))``).
    as_of
        The date on which the planted cases are valid (and the background triggers no flag).
    config
        Flag thresholds the planted cases are built against; ``FlagConfig()`` by default.
    rates
        Planted-case rates; :class:`PlantRates` defaults.
    progress
        Called with the name of each step as it starts.
    """
    if households < 10:
        raise ValueError("generate at least 10 households")
    # The cyclic collector finds nothing here (the generator builds arrays and flat lists, no cycles) but its passes
    # over the growing heap cost ~15 % of the run (4.9 → 4.2 s at 100,000 households): off while generating.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _generate(households, seed, as_of=as_of, config=config, rates=rates, progress=progress)
    finally:
        if was_enabled:
            gc.enable()


def _generate(households: int, seed: int, *, as_of: date, config: FlagConfig | None, rates: PlantRates | None,
              progress: ProgressFn | None) -> SyntheticMunicipality:
    config = config or FlagConfig()
    rates = rates or PlantRates()
    if config.helpers_attention <= MAX_ACTIVE_BACKGROUND or config.agencies_attention <= MAX_ACTIVE_BACKGROUND:
        raise ValueError(f"the generator needs helpers_attention and agencies_attention above {MAX_ACTIVE_BACKGROUND}")
    say = progress or (lambda _step: None)
    rng = np.random.Generator(np.random.PCG64(seed))
    t = day_number(as_of)
    log = PlantedLog()

    say("households and members")
    pop = make_population(rng, households, t, as_of.year, config.stagnation_window_days)
    n = households
    say("agencies")
    agencies = make_agencies(rng, n, pop.districts.num_rows)
    say("problem profiles and help")
    tracks = make_tracks(rng, pop, t, MAX_ACTIVE_BACKGROUND)
    iv = background_interventions(rng, pop, agencies, tracks, t)
    linked = linked_matrix(config)
    iv = repair_conflicts(rng, iv, t, linked)

    say("planted interventions")
    taken = np.zeros(n, dtype=bool)
    iv = plant_too_many(rng, iv, pop, agencies, t, config, round(rates.too_many_helpers * n), rates.alarm_share,
                        taken, log)
    iv = plant_overlaps(rng, iv, pop, agencies, t, config, MAX_ACTIVE_BACKGROUND,
                        round(rates.overlapping_interventions * n), taken, log)
    iv = plant_conflicts(rng, iv, pop, agencies, t, linked, MAX_ACTIVE_BACKGROUND,
                         round(rates.conflicting_interventions * n), taken, log)
    conflict_planted = np.zeros(n, dtype=bool)
    conflict_planted[log.households("conflicting_interventions")] = True

    say("professionals")
    target_staff = max(len(agencies), round(n / 5))
    staff = staff_agencies(rng, iv, agencies, t, config, target_staff,
                           round(rates.overloaded_professional * target_staff) or 1, 0.02, log)

    say("assessments")
    scores = make_scores(rng, pop, tracks.household, tracks.domain, iv, t, config,
                         round(rates.domino_risk * n), round(rates.stagnation * n), taken, log)

    say("regisseurs")
    ids = {
        "household": pop.households.column("household_id").combine_chunks(),
        "member": pop.members.column("member_id").combine_chunks(),
        "professional": staff.table.column("professional_id").combine_chunks(),
        "agency": agencies.table.column("agency_id").combine_chunks(),
        "domain": pa.array([d.code for d in DOMAINS], pa.string()),
    }
    coordinations = make_coordinations(
        rng, pop, iv, agencies, staff, scores.problem_domains(n, config.problem_score_max), t, config,
        round(rates.missing_regisseur * n), round(rates.competing_regisseurs * n), taken, conflict_planted, log,
        ids["household"], ids["professional"],
    )

    say("tables")
    tables = CareTables({
        "districts": pop.districts,
        "agencies": agencies.table,
        "professionals": staff.table,
        "households": pop.households,
        "members": pop.members,
        "domains": _domains_table(),
        "interventions": _interventions_table(rng, iv, t, ids),
        "coordinations": coordinations,
        "assessments": scores_table(scores, ids["household"]),
    })
    planted = log.table(ids["household"], ids["professional"])
    counts = {f: 0 for f in FLAGS}
    for f in planted.column("flag").to_pylist():
        counts[f] += 1
    facts = {
        "planted": counts,
        "members_with_bsn": pop.bsn_count,
        "members_without_bsn": pop.members.num_rows - pop.bsn_count,
        "bsn_pool": "9999 + 4 digits + 11-proef check digit: 9,091 numbers; members beyond the pool have no bsn",
        "open_households": int((pop.closed >= OPEN).sum()),
        "professionals_changed_agency": staff.changed_agency,
        "thresholds": _config_dict(config),
    }
    return SyntheticMunicipality(tables=tables, planted=planted, as_of=as_of, seed=seed, households=households,
                                 rates=rates, facts=facts)


def _config_dict(config: FlagConfig) -> dict[str, Any]:
    raw = asdict(config)
    return {k: ({kk: list(vv) for kk, vv in v.items()} if isinstance(v, dict) else v) for k, v in raw.items()}


def manifest(m: SyntheticMunicipality) -> dict[str, Any]:
    """The manifest written beside the tables (no clock time: it is as deterministic as the tables)."""
    return {
        "generator": "caregraph synthetic municipality",
        "generator_version": GENERATOR_VERSION,
        "seed": m.seed,
        "households": m.households,
        "as_of": m.as_of.isoformat(),
        "rates": m.rates.as_dict(),
        "row_counts": {name: m.tables[name].num_rows for name in CARE_TABLES},
        **m.facts,
    }


def write_municipality(m: SyntheticMunicipality, out: Path, formats: tuple[str, ...] = ("csv", "parquet"),
                       ) -> list[Path]:
    """Write the tables (:func:`graph.tables.write_table_files`), ``planted.csv`` and ``manifest.json`` to ``out``.

    The same municipality gives byte-identical files. Returns the paths written.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = write_table_files(m.tables, out, tuple(formats))
    planted = out / "planted.csv"
    pacsv.write_csv(m.planted, planted, pacsv.WriteOptions(quoting_style="needed"))
    written.append(planted)
    man = out / "manifest.json"
    man.write_text(json.dumps(manifest(m), indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    written.append(man)
    return written
