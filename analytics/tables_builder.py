"""Build small :class:`~graph.tables.CareTables` from plain rows, for worked examples, doctests and tests.

Only the columns that matter for an example need to be given: every referenced household, professional, agency,
district and domain that is not listed is created with neutral defaults, and optional columns default to null.
This is a convenience for hand-built graphs; the generator and ingest build real tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import pyarrow as pa

from graph.domains import DOMAINS
from graph.schema import table_arrow_schema, table_spec
from graph.tables import CareTables

__all__ = ["build_tables", "as_date"]

Row = Mapping[str, Any]


def as_date(value: date | str | None) -> date | None:
    """A date from an ISO string (or a date, or None).

    >>> as_date("2024-06-30")
    datetime.date(2024, 6, 30)
    """
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _table(name: str, rows: Iterable[Row]) -> pa.Table:
    spec = table_spec(name)
    schema = table_arrow_schema(spec)
    cols: dict[str, list[Any]] = {c.name: [] for c in spec.columns}
    for row in rows:
        unknown = set(row) - set(cols)
        if unknown:
            raise KeyError(f"{name}: unknown column(s) {sorted(unknown)}")
        for c in spec.columns:
            v = row.get(c.name)
            if c.type == "date":
                v = as_date(v)
            cols[c.name].append(v)
    return pa.Table.from_pydict(cols, schema=schema)


def build_tables(
    *,
    interventions: Iterable[Row] = (),
    coordinations: Iterable[Row] = (),
    assessments: Iterable[Row] = (),
    households: Iterable[Row] = (),
    professionals: Iterable[Row] = (),
    agencies: Iterable[Row] = (),
    members: Iterable[Row] = (),
    districts: Iterable[Row] = (),
    default_opened_on: str = "2020-01-01",
) -> CareTables:
    """Tables from rows; referenced entities that are not given are created with defaults.

    Interventions default to kind ``support``; ids default to ``I1, I2, …`` (``C…``, ``S…`` for coordinations and
    assessments). A professional's agency defaults to the agency of its first intervention (or ``A0``); a
    household's district to ``D1``.

    >>> t = build_tables(interventions=[{"household_id": "H1", "professional_id": "P1", "agency_id": "A1",
    ...                                  "domain_code": "FIN", "start_date": "2024-01-01"}])
    >>> t.row_counts()["households"], t["interventions"].column("kind").to_pylist()
    (1, ['support'])
    """
    ivs = [dict(r) for r in interventions]
    for i, r in enumerate(ivs, 1):
        r.setdefault("intervention_id", f"I{i}")
        r.setdefault("kind", "support")
    coords = [dict(r) for r in coordinations]
    for i, r in enumerate(coords, 1):
        r.setdefault("coordination_id", f"C{i}")
    assess = [dict(r) for r in assessments]
    for i, r in enumerate(assess, 1):
        r.setdefault("assessment_id", f"S{i}")

    hh = {r["household_id"]: dict(r) for r in households}
    for r in [*ivs, *coords, *assess, *(dict(x) for x in members)]:
        hh.setdefault(r["household_id"], {"household_id": r["household_id"]})
    for r in hh.values():
        r.setdefault("district_id", "D1")
        r.setdefault("composition", "single")
        r.setdefault("opened_on", default_opened_on)

    ags = {r["agency_id"]: dict(r) for r in agencies}
    profs = {r["professional_id"]: dict(r) for r in professionals}
    for r in [*ivs, *coords]:
        if r["professional_id"] not in profs:
            profs[r["professional_id"]] = {"professional_id": r["professional_id"], "agency_id": r.get("agency_id")}
    for p in profs.values():
        if p.get("agency_id") is None:
            p["agency_id"] = "A0"
        p.setdefault("name", f"Professional {p['professional_id']}")
        p.setdefault("role", "hulpverlener")
    for r in [*ivs, *profs.values()]:
        ags.setdefault(r["agency_id"], {"agency_id": r["agency_id"]})
    for a in ags.values():
        a.setdefault("name", f"Agency {a['agency_id']}")
        a.setdefault("sector", "neighbourhood_team")

    dists = {r["district_id"]: dict(r) for r in districts}
    for r in hh.values():
        dists.setdefault(r["district_id"], {"district_id": r["district_id"]})
    for d in dists.values():
        d.setdefault("name", f"Wijk {d['district_id']}")

    domains = [{"domain_code": d.code, "name_nl": d.name_nl, "name_en": d.name_en, "zrm": d.zrm} for d in DOMAINS]
    mems = [dict(r) for r in members]
    for m in mems:
        m.setdefault("birth_year", 1980)
        m.setdefault("role", "single")

    return CareTables(
        {
            "districts": _table("districts", dists.values()),
            "agencies": _table("agencies", ags.values()),
            "professionals": _table("professionals", profs.values()),
            "households": _table("households", hh.values()),
            "members": _table("members", mems),
            "domains": _table("domains", domains),
            "interventions": _table("interventions", ivs),
            "coordinations": _table("coordinations", coords),
            "assessments": _table("assessments", assess),
        }
    )
