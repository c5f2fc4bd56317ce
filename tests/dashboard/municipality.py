"""A small hand-built synthetic municipality for the dashboard tests: real LadybugDB store, real services, real users.

Three districts, six agencies, eight professionals, ten households. Household HH0001 (district D1) has six
helpers from five agencies, two overlapping FIN interventions from different agencies, an eviction during debt
counselling, no regisseur, and falling then rising ZRM scores. Synthetic data only (BSNs start with 9999).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from caregraph.auth import UserStore, users_file
from caregraph.services import CareServices
from foundation.privacy import bsn_check_digit
from foundation.settings import Settings
from graph.domains import DOMAINS
from graph.factory import open_store
from graph.tables import CareTables
from ingest.pseudonyms import pseudonymise_tables

AS_OF = dt.date(2025, 6, 30)
D = dt.date


def _bsn(n: int) -> str:
    while True:
        first8 = f"9999{n:04d}"
        digit = bsn_check_digit(first8)
        if digit is not None:
            return first8 + str(digit)
        n += 1


def build_tables() -> CareTables:
    """The entity tables of the small municipality."""
    districts = {"district_id": ["D1", "D2", "D3"], "name": ["Centrum", "Noord", "Zuid"],
                 "municipality_code": ["0999", "0999", "0999"]}
    agencies = {
        "agency_id": ["A1", "A2", "A3", "A4", "A5", "A6"],
        "name": ["Woonstad", "Schuldhulp Centraal", "GGZ Delta", "Wijkteam Centrum", "Deurwaarder & Co",
                 "Jeugdbescherming Regio"],
        "sector": ["housing", "debt_counselling", "mental_health", "neighbourhood_team", "bailiff",
                   "youth_protection"],
        "agb_code": [None] * 6,
    }
    profs = [("P1", "Anna de Vries", "wijkcoach", "A4"), ("P2", "Bram Jansen", "schuldhulpverlener", "A2"),
             ("P3", "Chris Bakker", "woonconsulent", "A1"), ("P4", "Dewi Visser", "psychiater", "A3"),
             ("P5", "Eva Smit", "deurwaarder", "A5"), ("P6", "Frank Mulder", "jeugdbeschermer", "A6"),
             ("P7", "Gita Bos", "budgetcoach", "A4"), ("P8", "Hans Peters", "schuldhulpverlener", "A2")]
    professionals = {"professional_id": [p[0] for p in profs], "name": [p[1] for p in profs],
                     "role": [p[2] for p in profs], "agency_id": [p[3] for p in profs]}
    hh_ids = [f"HH{i:04d}" for i in range(1, 11)]
    hh_district = ["D1", "D1", "D1", "D2", "D2", "D2", "D3", "D3", "D3", "D1"]
    households = {"household_id": hh_ids, "district_id": hh_district,
                  "composition": ["single_parent", "couple", "single", "couple_with_children", "single",
                                  "other", "single", "couple", "single_parent", "single"],
                  "postcode": ["1011AB"] * 10, "opened_on": [D(2022, 1, 1 + i) for i in range(10)],
                  "closed_on": [None] * 10}
    members: dict[str, list[object]] = {"member_id": [], "household_id": [], "bsn": [], "name": [], "birth_year": [],
                                        "role": []}
    for i, h in enumerate(hh_ids):
        for j, role in enumerate(("parent", "child")):
            members["member_id"].append(f"M{i:03d}{j}")
            members["household_id"].append(h)
            members["bsn"].append(_bsn(i * 10 + j))
            members["name"].append(f"Lid {i}-{j}")
            members["birth_year"].append(1980 + j * 25)
            members["role"].append(role)
    domains = {"domain_code": [d.code for d in DOMAINS], "name_nl": [d.name_nl for d in DOMAINS],
               "name_en": [d.name_en for d in DOMAINS], "zrm": [d.zrm for d in DOMAINS]}
    iv: list[tuple[str, str, str, str, str, str | None, dt.date, dt.date | None]] = [
        # household, professional, agency, domain, kind, action, start, end
        ("HH0001", "P1", "A4", "OPV", "support", None, D(2023, 1, 1), None),
        ("HH0001", "P2", "A2", "FIN", "support", None, D(2024, 1, 1), None),
        ("HH0001", "P7", "A4", "FIN", "support", None, D(2024, 3, 1), D(2025, 3, 1)),
        ("HH0001", "P3", "A1", "HUI", "support", None, D(2023, 6, 1), D(2024, 1, 31)),
        ("HH0001", "P3", "A1", "HUI", "support", None, D(2024, 6, 1), None),
        ("HH0001", "P5", "A5", "HUI", "enforcement", "eviction", D(2025, 2, 1), None),
        ("HH0001", "P4", "A3", "GGZ", "support", None, D(2023, 9, 1), None),
        ("HH0001", "P6", "A6", "OPV", "support", None, D(2024, 9, 1), None),
        ("HH0002", "P1", "A4", "OPV", "support", None, D(2024, 1, 1), None),
        ("HH0002", "P2", "A2", "FIN", "support", None, D(2024, 2, 1), None),
        ("HH0003", "P8", "A2", "FIN", "support", None, D(2024, 5, 1), None),
        ("HH0004", "P1", "A4", "OPV", "support", None, D(2024, 1, 1), None),
        ("HH0004", "P4", "A3", "GGZ", "support", None, D(2024, 1, 1), None),
        ("HH0004", "P3", "A1", "HUI", "support", None, D(2024, 1, 1), None),
        ("HH0005", "P2", "A2", "FIN", "support", None, D(2023, 1, 1), None),
        ("HH0005", "P8", "A2", "FIN", "support", None, D(2023, 2, 1), None),
        ("HH0006", "P6", "A6", "OPV", "support", None, D(2024, 1, 1), None),
        ("HH0006", "P4", "A3", "GGZ", "support", None, D(2024, 1, 1), None),
        ("HH0007", "P7", "A4", "FIN", "support", None, D(2024, 1, 1), None),
        ("HH0007", "P2", "A2", "FIN", "support", None, D(2024, 1, 1), None),
        ("HH0008", "P3", "A1", "HUI", "support", None, D(2024, 1, 1), None),
        ("HH0008", "P5", "A5", "FIN", "enforcement", "debt_collection", D(2024, 6, 1), None),
        ("HH0008", "P2", "A2", "FIN", "support", None, D(2024, 3, 1), None),
        ("HH0009", "P1", "A4", "OPV", "support", None, D(2024, 1, 1), None),
        ("HH0010", "P4", "A3", "GGZ", "support", None, D(2024, 1, 1), None),
        ("HH0010", "P1", "A4", "OPV", "support", None, D(2024, 1, 1), None),
    ]
    interventions = {
        "intervention_id": [f"I{i:03d}" for i in range(len(iv))], "household_id": [r[0] for r in iv],
        "member_id": [None] * len(iv), "professional_id": [r[1] for r in iv], "agency_id": [r[2] for r in iv],
        "domain_code": [r[3] for r in iv], "kind": [r[4] for r in iv], "action": [r[5] for r in iv],
        "start_date": [r[6] for r in iv], "end_date": [r[7] for r in iv], "contact_count": [10] * len(iv),
        "source": ["csv"] * len(iv),
    }
    coordinations = {"coordination_id": ["C1", "C2", "C3"], "household_id": ["HH0004", "HH0008", "HH0008"],
                     "professional_id": ["P1", "P3", "P2"], "start_date": [D(2024, 1, 1)] * 3,
                     "end_date": [None] * 3}
    scores = [("HH0001", "FIN", 2, D(2024, 1, 15)), ("HH0001", "FIN", 1, D(2024, 9, 1)),
              ("HH0001", "FIN", 2, D(2025, 4, 1)), ("HH0001", "HUI", 3, D(2024, 1, 15)),
              ("HH0001", "HUI", 1, D(2025, 3, 1)), ("HH0001", "GGZ", 2, D(2024, 1, 15)),
              ("HH0001", "OPV", 2, D(2024, 1, 15)), ("HH0004", "GGZ", 2, D(2024, 2, 1))]
    assessments = {"assessment_id": [f"S{i:03d}" for i in range(len(scores))],
                   "household_id": [s[0] for s in scores], "member_id": [None] * len(scores),
                   "domain_code": [s[1] for s in scores], "score": [s[2] for s in scores],
                   "assessed_on": [s[3] for s in scores]}
    raw = {"districts": districts, "agencies": agencies, "professionals": professionals, "households": households,
           "members": members, "domains": domains, "interventions": interventions,
           "coordinations": coordinations, "assessments": assessments}
    return CareTables({name: pa.table(cols) for name, cols in raw.items()})


@dataclass
class Municipality:
    """Services over a loaded store, the settings, and one token per role."""

    settings: Settings
    services: CareServices
    tokens: dict[str, str]


def make_municipality(root: Path) -> Municipality:
    """Load the small municipality into a LadybugDB store under ``root`` and create one user per role."""
    settings = Settings(store="embedded", store_path=root / "store", data_dir=root / "data", demo=True)
    tables = pseudonymise_tables(build_tables(), settings.pseudonym_secret())
    store = open_store(settings)
    store.ensure_schema()
    store.load(tables)
    store.close()
    users = UserStore(users_file(settings.data_dir))
    tokens: dict[str, str] = {}
    for role, extra in (("manager", {}), ("coordinator", {"districts": ["D1", "D2"]}), ("researcher", {}),
                        ("admin", {})):
        users.add_user(f"test-{role}", role, **extra)  # type: ignore[arg-type]
        tokens[role] = users.issue_token(f"test-{role}", days=1).token
    services = CareServices(settings, today=lambda: AS_OF)
    return Municipality(settings, services, tokens)
