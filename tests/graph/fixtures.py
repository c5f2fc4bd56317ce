"""A small hand-built care graph for the store conformance suite, and what a store must hold after loading it.

2 districts, 3 agencies, 4 professionals, 3 households, 6 members (one with a BSN pseudonym, others without),
the 15 built-in domains, 6 interventions (open-ended and ended, for a household or one member, one enforcement),
2 coordinations (one open, one ended) and 4 assessments. Optional fields are sometimes empty so nulls round-trip.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from graph.ddl import all_rel_specs, node_specs
from graph.domains import DOMAINS
from graph.schema import TABLE_ORDER, table_arrow_schema, table_spec
from graph.store import StoreCounts
from graph.tables import CareTables

D = dt.date


def _table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    spec = table_spec(name)
    schema = table_arrow_schema(spec, pseudonymised=True)
    return pa.Table.from_pylist([{f.name: r.get(f.name) for f in schema} for r in rows], schema=schema)


def domains_rows() -> list[dict[str, Any]]:
    """The built-in domains, as rows of the ``domains`` table."""
    return [{"domain_code": d.code, "name_nl": d.name_nl, "name_en": d.name_en, "zrm": d.zrm} for d in DOMAINS]


def small_rows() -> dict[str, list[dict[str, Any]]]:
    """The rows of every table, in the stores' layout (members carry ``bsn_pseudonym``)."""
    return {
        "districts": [
            {"district_id": "D1", "name": "Centrum", "municipality_code": "0363"},
            {"district_id": "D2", "name": "Noord", "municipality_code": None},
        ],
        "agencies": [
            {"agency_id": "A1", "name": "Wijkteam Centrum", "sector": "neighbourhood_team", "agb_code": None},
            {"agency_id": "A2", "name": "Woonstad", "sector": "housing", "agb_code": None},
            {"agency_id": "A3", "name": "GGZ Noord", "sector": "mental_health", "agb_code": "12345678"},
        ],
        "professionals": [
            {"professional_id": "P1", "name": "Anna de Vries", "role": "wijkcoach", "agency_id": "A1"},
            {"professional_id": "P2", "name": "Bram Jansen", "role": "woonconsulent", "agency_id": "A2"},
            {"professional_id": "P3", "name": "Carla Bakker", "role": "psychiater", "agency_id": "A3"},
            {"professional_id": "P4", "name": "Dirk Visser", "role": "wijkcoach", "agency_id": "A1"},
        ],
        "households": [
            {"household_id": "H1", "district_id": "D1", "composition": "single_parent", "postcode": "1011AB",
             "opened_on": D(2023, 2, 1), "closed_on": None},
            {"household_id": "H2", "district_id": "D1", "composition": "couple", "postcode": None,
             "opened_on": D(2022, 6, 15), "closed_on": D(2024, 3, 31)},
            {"household_id": "H3", "district_id": "D2", "composition": "single", "postcode": "1021CD",
             "opened_on": D(2024, 1, 10), "closed_on": None},
        ],
        "members": [
            {"member_id": "M1", "household_id": "H1", "bsn_pseudonym": "ps_0123456789abcdef0123456789abcdef",
             "name": "Eva Smit", "birth_year": 1988, "role": "parent"},
            {"member_id": "M2", "household_id": "H1", "bsn_pseudonym": None, "name": None, "birth_year": 2012,
             "role": "child"},
            {"member_id": "M3", "household_id": "H1", "bsn_pseudonym": None, "name": "Finn Smit", "birth_year": 2015,
             "role": "child"},
            {"member_id": "M4", "household_id": "H2", "bsn_pseudonym": None, "name": "Gert Mulder",
             "birth_year": 1960, "role": "partner"},
            {"member_id": "M5", "household_id": "H2", "bsn_pseudonym": None, "name": "Hanna Mulder",
             "birth_year": 1962, "role": "partner"},
            {"member_id": "M6", "household_id": "H3", "bsn_pseudonym": None, "name": None, "birth_year": 1999,
             "role": "single"},
        ],
        "domains": domains_rows(),
        "interventions": [
            {"intervention_id": "I1", "household_id": "H1", "member_id": None, "professional_id": "P1",
             "agency_id": "A1", "domain_code": "FIN", "kind": "support", "action": "budgetcoaching",
             "start_date": D(2023, 3, 1), "end_date": None, "contact_count": 12, "source": "csv"},
            {"intervention_id": "I2", "household_id": "H1", "member_id": "M2", "professional_id": "P3",
             "agency_id": "A3", "domain_code": "GGZ", "kind": "support", "action": None,
             "start_date": D(2023, 5, 1), "end_date": D(2024, 2, 29), "contact_count": None, "source": None},
            {"intervention_id": "I3", "household_id": "H1", "member_id": None, "professional_id": "P2",
             "agency_id": "A2", "domain_code": "HUI", "kind": "enforcement", "action": "eviction",
             "start_date": D(2023, 9, 1), "end_date": D(2023, 12, 1), "contact_count": 2, "source": "csv"},
            {"intervention_id": "I4", "household_id": "H2", "member_id": "M4", "professional_id": "P4",
             "agency_id": "A1", "domain_code": "SOC", "kind": "assessment", "action": None,
             "start_date": D(2022, 7, 1), "end_date": D(2022, 8, 1), "contact_count": 1, "source": "csv"},
            {"intervention_id": "I5", "household_id": "H3", "member_id": None, "professional_id": "P1",
             "agency_id": "A1", "domain_code": "FIN", "kind": "coordination", "action": None,
             "start_date": D(2024, 1, 15), "end_date": None, "contact_count": 0, "source": "wmo301"},
            {"intervention_id": "I6", "household_id": "H3", "member_id": "M6", "professional_id": "P3",
             "agency_id": "A3", "domain_code": "MID", "kind": "support", "action": None,
             "start_date": D(2024, 2, 1), "end_date": None, "contact_count": 4, "source": "csv"},
        ],
        "coordinations": [
            {"coordination_id": "C1", "household_id": "H1", "professional_id": "P1", "start_date": D(2023, 3, 1),
             "end_date": None},
            {"coordination_id": "C2", "household_id": "H2", "professional_id": "P4", "start_date": D(2022, 7, 1),
             "end_date": D(2024, 3, 31)},
        ],
        "assessments": [
            {"assessment_id": "S1", "household_id": "H1", "member_id": None, "domain_code": "FIN", "score": 1,
             "assessed_on": D(2023, 3, 1)},
            {"assessment_id": "S2", "household_id": "H1", "member_id": None, "domain_code": "FIN", "score": 3,
             "assessed_on": D(2024, 3, 1)},
            {"assessment_id": "S3", "household_id": "H1", "member_id": "M2", "domain_code": "GGZ", "score": 2,
             "assessed_on": D(2023, 5, 1)},
            {"assessment_id": "S4", "household_id": "H3", "member_id": "M6", "domain_code": "MID", "score": 5,
             "assessed_on": D(2024, 6, 1)},
        ],
        "allocations": [
            {"allocation_id": "jw-0363-1001", "allocated_on": D(2024, 1, 5), "allocated_at": "09:30:00",
             "message_date": D(2024, 1, 5), "message_id": "M1", "deleted": False, "member_id": "M3",
             "birth_date": D(2015, 4, 1), "name": "Finn Smit", "postcode": "1011AB", "address_id": "A1",
             "name_key": "nk1", "relation_keys": "a:A1", "file": "jw301.xml"},
            {"allocation_id": "wmo-0363-1003", "allocated_on": D(2024, 3, 5), "allocated_at": "10:00:00",
             "message_date": D(2024, 3, 5), "message_id": "M3", "deleted": False, "member_id": "M6",
             "birth_date": D(1999, 2, 1), "name": "Ilse de Wit", "postcode": "1021CD", "file": "wmo301.xml"},
            {"allocation_id": "wmo-0363-2002", "allocated_on": D(2024, 2, 1), "allocated_at": "14:00:00",
             "message_date": D(2024, 2, 2), "message_id": "M2", "deleted": True},
        ],
    }


def tables_from_rows(rows: dict[str, list[dict[str, Any]]]) -> CareTables:
    """CareTables from rows in the stores' layout."""
    return CareTables({name: _table(name, r) for name, r in rows.items()})


def small_tables() -> CareTables:
    """The small care graph as CareTables."""
    return tables_from_rows(small_rows())


def expected_counts(tables: CareTables) -> StoreCounts:
    """What a store must count after loading ``tables`` into an empty store: a node per row of a node table, and
    one relationship per row whose two endpoint columns are both set."""
    nodes = {t.label: tables[t.name].num_rows for t in node_specs() if t.label is not None}
    rels = {}
    for spec, rel in all_rel_specs():
        t = tables[spec.name]
        src, dst = t.column(rel.source_column), t.column(rel.target_column)
        rels[rel.type] = sum(1 for a, b in zip(src.to_pylist(), dst.to_pylist(), strict=True)
                             if a is not None and b is not None)
    return StoreCounts(nodes=nodes, relationships=rels)


def expected_endpoints(tables: CareTables) -> dict[str, list[tuple[str, str]]]:
    """For every relationship type, the sorted (source id, target id) pairs the tables imply."""
    out: dict[str, list[tuple[str, str]]] = {}
    for spec, rel in all_rel_specs():
        t = tables[spec.name]
        pairs = zip(t.column(rel.source_column).to_pylist(), t.column(rel.target_column).to_pylist(), strict=True)
        out[rel.type] = sorted((a, b) for a, b in pairs if a is not None and b is not None)
    return out


def rows_by_key(table: pa.Table, name: str) -> list[dict[str, Any]]:
    """The rows of ``table`` sorted by the key of table ``name`` (for order-independent comparison)."""
    key = table_spec(name).key
    return sorted(table.to_pylist(), key=lambda r: r[key])


ALL_TABLES = TABLE_ORDER


def import_query_modules() -> list[str]:
    """Import every project module that registers named queries, so :data:`graph.queries.ALL_QUERIES` is complete.

    A module registers queries when it imports from ``graph.queries`` and calls ``register``; returns their names.
    """
    import importlib
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    found = []
    for package in ("graph", "analytics", "api", "ingest", "caregraph", "dashboard"):
        for path in sorted((root / package).rglob("*.py")):
            text = path.read_text(encoding="utf-8", errors="replace")
            if "graph.queries import" in text and "register(" in text:
                module = ".".join(path.relative_to(root).with_suffix("").parts)
                importlib.import_module(module)
                found.append(module)
    return found
