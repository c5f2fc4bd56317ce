"""A small hand-built municipality with known answers, loaded into a real LadybugDB in ``tmp_path``.

As of :data:`AS_OF` (2024-06-30):

- H1 (district D1): members M1 "Anna Jansen" (BSN pseudonym) and M2 "Bram Jansen"; interventions I1 (P1/A1
  housing eviction, HUI, enforcement), I2 (P2/A2 FIN support), I3 (P5/A2 HUI support: overlaps I1 since
  2024-03-01), I4 (P3/A3 OPV support, ended 2024-05-01); two active regisseurs P2 and P3 (competing); HUI score 1.
- H2 (D1): I5 (P2/A2 FIN), I8 (P1/A1 HUI since 2024-05-01). P1 and P2 share H1 and H2.
- H3 (D2): I6 (P4/A4 JUS), I7 (P1/A1 HUI); member M3 "Cora de Vries"; no regisseur.
- H4 (D2): no interventions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analytics.tables_builder import build_tables
from caregraph.auth import Role
from caregraph.services import CareServices
from foundation.privacy import pseudonymise_bsn
from foundation.settings import DEMO_PSEUDONYM_KEY, Settings
from graph.factory import open_store
from graph.tables import CareTables

AS_OF = dt.date(2024, 6, 30)

NAMES = ("Anna Jansen", "Bram Jansen", "Cora de Vries", "Piet Bakker", "Sanne Visser", "Tom Smit", "Lotte Mulder",
         "Eva de Boer")
BSNS = ("999900006", "999900018", "999900031")
BSN_PSEUDONYMS = tuple(pseudonymise_bsn(b, DEMO_PSEUDONYM_KEY.encode()) for b in BSNS)


def world_tables() -> CareTables:
    """The hand-built tables (BSNs already pseudonymised, as a store holds them)."""
    iv: list[dict[str, Any]] = [
        dict(intervention_id="I1", household_id="H1", professional_id="P1", agency_id="A1", domain_code="HUI",
             kind="enforcement", action="eviction", start_date="2024-03-01"),
        dict(intervention_id="I2", household_id="H1", professional_id="P2", agency_id="A2", domain_code="FIN",
             start_date="2024-01-01", member_id="M1", contact_count=12),
        dict(intervention_id="I3", household_id="H1", professional_id="P5", agency_id="A2", domain_code="HUI",
             start_date="2024-02-01"),
        dict(intervention_id="I4", household_id="H1", professional_id="P3", agency_id="A3", domain_code="OPV",
             start_date="2023-06-01", end_date="2024-05-01"),
        dict(intervention_id="I5", household_id="H2", professional_id="P2", agency_id="A2", domain_code="FIN",
             start_date="2024-01-01"),
        dict(intervention_id="I6", household_id="H3", professional_id="P4", agency_id="A4", domain_code="JUS",
             start_date="2024-04-01"),
        dict(intervention_id="I7", household_id="H3", professional_id="P1", agency_id="A1", domain_code="HUI",
             start_date="2024-01-01"),
        dict(intervention_id="I8", household_id="H2", professional_id="P1", agency_id="A1", domain_code="HUI",
             start_date="2024-05-01"),
    ]
    t = build_tables(
        districts=[dict(district_id="D1", name="Noord"), dict(district_id="D2", name="Zuid")],
        households=[
            dict(household_id="H1", district_id="D1", composition="couple_with_children", postcode="9999AA",
                 opened_on="2023-01-01"),
            dict(household_id="H2", district_id="D1", composition="single", opened_on="2023-06-01"),
            dict(household_id="H3", district_id="D2", composition="single_parent", postcode="9998BB",
                 opened_on="2022-01-01"),
            dict(household_id="H4", district_id="D2", composition="single", opened_on="2024-01-01"),
        ],
        members=[
            dict(member_id="M1", household_id="H1", bsn=BSN_PSEUDONYMS[0], name=NAMES[0], birth_year=1980,
                 role="parent"),
            dict(member_id="M2", household_id="H1", bsn=BSN_PSEUDONYMS[1], name=NAMES[1], birth_year=2010,
                 role="child"),
            dict(member_id="M3", household_id="H3", bsn=BSN_PSEUDONYMS[2], name=NAMES[2], birth_year=1975,
                 role="parent"),
        ],
        agencies=[
            dict(agency_id="A1", name="Woonstad", sector="housing"),
            dict(agency_id="A2", name="Kredietbank", sector="debt_counselling"),
            dict(agency_id="A3", name="Jeugdzorg Noord", sector="youth_care"),
            dict(agency_id="A4", name="Politie Zuid", sector="police"),
        ],
        professionals=[
            dict(professional_id="P1", name=NAMES[3], role="woonconsulent", agency_id="A1"),
            dict(professional_id="P2", name=NAMES[4], role="schuldhulpverlener", agency_id="A2"),
            dict(professional_id="P3", name=NAMES[5], role="jeugdhulpverlener", agency_id="A3"),
            dict(professional_id="P4", name=NAMES[6], role="wijkagent", agency_id="A4"),
            dict(professional_id="P5", name=NAMES[7], role="schuldhulpverlener", agency_id="A2"),
        ],
        interventions=iv,
        coordinations=[
            dict(coordination_id="C1", household_id="H1", professional_id="P2", start_date="2024-01-15"),
            dict(coordination_id="C2", household_id="H1", professional_id="P3", start_date="2024-02-01"),
        ],
        assessments=[
            dict(assessment_id="S1", household_id="H1", domain_code="HUI", score=1, assessed_on="2024-04-01"),
            dict(assessment_id="S2", household_id="H1", domain_code="FIN", score=2, assessed_on="2024-04-01",
                 member_id="M1"),
        ],
    )
    members = t["members"]
    return t.with_table("members", members.rename_columns(
        ["bsn_pseudonym" if c == "bsn" else c for c in members.column_names]))


def world_settings(tmp_path: Path) -> Settings:
    """Demo-mode settings with the store and data folders in ``tmp_path``."""
    return Settings(store_path=tmp_path / "store", data_dir=tmp_path / "data", demo=True,
                    _env_file=None)


def load_world(settings: Settings, tables: CareTables | None = None) -> None:
    """Create the store and load the world into it (then close it)."""
    store = open_store(settings)
    try:
        store.ensure_schema()
        store.load(tables or world_tables())
    finally:
        store.close()


@dataclass
class World:
    """The services over the loaded world, and one token per test user."""

    services: CareServices
    settings: Settings
    tokens: dict[str, str]


USERS: dict[str, tuple[Role, dict[str, object]]] = {
    "manager": (Role.manager, {}),
    "coordinator": (Role.coordinator, {"districts": ["D1"]}),
    "coordinator_h3": (Role.coordinator, {"households": ["H3"]}),
    "researcher": (Role.researcher, {}),
    "admin": (Role.admin, {}),
    "victim": (Role.manager, {}),
}


def make_world(tmp_path: Path) -> Iterator[World]:
    """Load the world, create the services (as of :data:`AS_OF`) and one user per entry of :data:`USERS`."""
    settings = world_settings(tmp_path)
    load_world(settings)
    services = CareServices(settings, today=lambda: AS_OF)
    tokens = {}
    for name, (role, kw) in USERS.items():
        services.users.add_user(name.replace("_", "-"), role, **kw)  # type: ignore[arg-type]
        tokens[name] = services.users.issue_token(name.replace("_", "-")).token
    try:
        yield World(services, settings, tokens)
    finally:
        services.close()
