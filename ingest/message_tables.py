"""Turn standing iJw/iWmo allocations into entity-table rows: agencies, professionals, districts, households,
members and interventions (as all-string :class:`~ingest.tabular.RawPart` s, validated like any tabular input), plus
the stored rows that the batch changes (:attr:`MessageTables.derived`, already typed and pseudonymised).

* **Agency** = provider (``Header/Ontvanger`` of the 301): ``agency_id`` ``agb-<AGB>``, name ``Aanbieder <AGB>``,
  sector from ``category_sectors.csv`` (:meth:`~ingest.category_map.CategoryMap.provider_sector`) over its standing
  allocations, stored and in the batch.
* **Professional**: a message names no person, so each provider gets one team: ``professional_id`` ``team-<AGB>``,
  name ``team <AGB>``, role ``team``.
* **Member** = client (only clients with a BSN exist in messages). ``member_id`` = ``mem_`` + 24 hex digits of
  HMAC-SHA256(key, ``member|<bsn>``): stable across ingests and gemeenten, no clear BSN. Name, birth year and role
  from the household derivation (:mod:`ingest.households`).
* **Household** and its district: derived from every standing allocation, stored and in the batch
  (:func:`ingest.households.derive_households`). District ``gm<gemeente>-pc<PC4>`` of the household's address;
  without an address ``gm<gemeente>-onbekend``.
* **Intervention** = standing allocation: ``intervention_id`` ``<jw|wmo>-<gemeente>-<ToewijzingNummer>``, domain and
  kind from ``category_domains.csv``, period from :mod:`ingest.allocations`, ``source`` ``jw301``/``wmo301``; its
  household is its member's household. A stored intervention whose member's household changed is re-pointed
  (a derived row), so no household keeps the interventions of a member it lost.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from foundation.privacy import keyed_pseudonym
from graph.schema import table_spec
from ingest.allocations import ResolvedAllocation
from ingest.category_map import CategoryMap
from ingest.households import ClientFact, MemberRow, derive_households, fact_of, member_id_for
from ingest.report import Issue
from ingest.tabular import RawPart, strings_table

__all__ = ["MessageTables", "StoredMessages", "MESSAGE_SOURCES", "build_message_tables", "keyed_id", "member_id_for",
           "intervention_id_for"]


def keyed_id(prefix: str, key: bytes, text: str) -> str:
    """``prefix`` + 24 hex digits of HMAC-SHA256(key, text): a stable identifier that reveals nothing of ``text``."""
    return keyed_pseudonym(key, text, prefix=prefix, digits=24)


def intervention_id_for(domain: str, gemeente: str, number: str) -> str:
    """The intervention id of an allocation."""
    return f"{domain}-{gemeente}-{number}"


MESSAGE_SOURCES: tuple[str, ...] = ("jw301", "wmo301")
"""The ``source`` of interventions that message ingest writes."""


@dataclass
class StoredMessages:
    """What the store holds that message ingest derives households from.

    ``facts``: allocation id → client fact of every stored standing allocation (the ``allocations`` ledger);
    ``interventions``: the stored interventions written by message ingest; ``members``: the stored members
    (pseudonymised), whose rows are copied when only their household or role changes; ``products``: allocation id →
    (AGB, jw|wmo, category) of those allocations (a provider's sector counts them too).
    """

    facts: dict[str, ClientFact] = field(default_factory=dict)
    interventions: pa.Table | None = None
    members: pa.Table | None = None
    products: dict[str, tuple[str, str, str | None]] = field(default_factory=dict)


@dataclass
class MessageTables:
    parts: dict[str, list[RawPart]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    derived: dict[str, pa.Table] = field(default_factory=dict)
    """Stored rows the batch changes (members only the store knows, re-pointed interventions): typed, ready."""
    facts: dict[str, ClientFact] = field(default_factory=dict)
    """Allocation id → client fact of the batch's standing allocations (for the store's ledger)."""


def _part(table: str, rows: list[dict[str, str | None]], files: list[str], paths: list[str]) -> RawPart:
    spec = table_spec(table)
    cols = {c.name: pa.array([r.get(c.name) for r in rows], pa.string()) for c in spec.columns}
    data = strings_table(cols, spec, len(rows))
    return RawPart(table, files[0] if files else "", data, paths=paths, files=files)


def _starts(resolved: list[ResolvedAllocation], facts: Mapping[str, ClientFact],
            stored: pa.Table | None) -> dict[str, dt.date]:
    """Member id → earliest start of their standing interventions (stored ones the batch keeps, and the batch's)."""
    out: dict[str, dt.date] = {}
    for r in resolved:
        m = facts[intervention_id_for(*r.allocation.key)].member_id
        out[m] = min(out.get(m, r.start), r.start)
    if stored is not None:
        for m, s in zip(stored.column("member_id").to_pylist(), stored.column("start_date").to_pylist(), strict=True):
            if m is not None and s is not None:
                out[m] = min(out.get(m, s), s)
    return out


def build_message_tables(resolved: list[ResolvedAllocation], *, key: bytes, mapping: CategoryMap,
                         stored: StoredMessages | None = None,
                         deleted: Sequence[tuple[str, str, str]] = ()) -> MessageTables:
    """Entity-table rows for the standing allocations (see the module docstring for every derivation).

    ``stored``: what the store holds (households are derived from it plus the batch); ``deleted``: allocation keys
    the batch deletes.
    """
    out = MessageTables()
    stored = stored or StoredMessages()
    out.facts = {intervention_id_for(*r.allocation.key): fact_of(r.allocation, intervention_id_for(
        *r.allocation.key), key) for r in resolved}
    replaced = set(out.facts) | {intervention_id_for(*d) for d in deleted}
    kept = stored.interventions
    if kept is not None:
        keep = pc.invert(pc.is_in(kept.column("intervention_id"), value_set=pa.array(sorted(replaced), pa.string())))
        kept = kept.filter(keep)
    facts = {a: f for a, f in stored.facts.items() if a not in replaced} | out.facts
    if not facts:
        return out
    hh = derive_households(facts, _starts(resolved, out.facts, kept), key=key)
    out.issues.extend(hh.issues)
    districts: dict[str, dict[str, str | None]] = {}
    households: list[dict[str, str | None]] = []
    hh_files: list[str] = []
    for h in hh.households:
        pc4 = h.district_id.rsplit("-pc", 1)[1] if "-pc" in h.district_id else None
        districts.setdefault(h.district_id, {"district_id": h.district_id,
                                             "name": f"Postcode {pc4}" if pc4 else "Onbekend adres",
                                             "municipality_code": h.municipality_code})
        households.append({"household_id": h.household_id, "district_id": h.district_id,
                           "composition": h.composition, "postcode": h.postcode,
                           "opened_on": h.opened_on.isoformat(), "closed_on": None})
        hh_files.append(h.source.file)
    members: list[dict[str, str | None]] = []
    m_files: list[str] = []
    stored_only: list[MemberRow] = []
    for m in hh.members:
        if m.bsn is None:
            stored_only.append(m)
            continue
        f = m.fact
        members.append({"member_id": m.member_id, "household_id": m.household_id, "bsn": m.bsn, "name": f.name,
                        "birth_year": str(f.birth_date.year) if f.birth_date else None, "role": m.role})
        m_files.append(f.file)
    agencies: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    agency_src: dict[str, tuple[str, str]] = {}
    interventions: list[dict[str, str | None]] = []
    i_files: list[str] = []
    i_paths: list[str] = []
    for r in resolved:
        a = r.allocation
        mapped = mapping.lookup(a.domain, a.category)
        if mapped is None:
            out.issues.append(Issue.make(a.file, f"product category not in the mapping table "
                                         f"(ingest/category_domains.csv) for {a.domain}", path=a.path + "/Product",
                                         field="Categorie", value=a.category, table="interventions", rule="code"))
            continue
        agencies[a.agb].append((a.domain, a.category))
        agency_src.setdefault(a.agb, (a.file, "/Bericht/Header/Ontvanger"))
        mid = out.facts[intervention_id_for(*a.key)].member_id
        interventions.append({
            "intervention_id": intervention_id_for(*a.key), "household_id": hh.household_of[mid],
            "member_id": mid, "professional_id": f"team-{a.agb}",
            "agency_id": f"agb-{a.agb}", "domain_code": mapped[0], "kind": mapped[1], "action": None,
            "start_date": r.start.isoformat(), "end_date": r.end.isoformat() if r.end else None,
            "contact_count": None, "source": f"{a.domain}301",
        })
        i_files.append(a.file)
        i_paths.append(a.path)
    for aid, (agb, dom, cat) in sorted(stored.products.items()):
        if agb in agencies and aid not in replaced:
            agencies[agb].append((dom, cat))
    ag_rows, pr_rows, ag_files, ag_paths = [], [], [], []
    for agb in sorted(agencies):
        ag_rows.append({"agency_id": f"agb-{agb}", "name": f"Aanbieder {agb}",
                        "sector": mapping.provider_sector(agencies[agb]), "agb_code": agb})
        pr_rows.append({"professional_id": f"team-{agb}", "name": f"team {agb}", "role": "team",
                        "agency_id": f"agb-{agb}"})
        ag_files.append(agency_src[agb][0])
        ag_paths.append(agency_src[agb][1])
    d_rows = [districts[k] for k in sorted(districts)]
    out.parts = {
        "districts": [_part("districts", d_rows, [hh_files[0]] * len(d_rows), ["(derived from addresses)"] *
                            len(d_rows))],
        "agencies": [_part("agencies", ag_rows, ag_files, ag_paths)],  # type: ignore[arg-type]
        "professionals": [_part("professionals", pr_rows, ag_files, ag_paths)],  # type: ignore[arg-type]
        "households": [_part("households", households, hh_files,
                             ["/Bericht/Client/Contactgegevens"] * len(households))],
        "members": [_part("members", members, m_files, ["/Bericht/Client"] * len(members))],
        "interventions": [_part("interventions", interventions, i_files, i_paths)],
    }
    out.derived = _derived_rows(stored_only, stored.members, kept, hh.household_of)
    return out


def _derived_rows(stored_only: list[MemberRow], members: pa.Table | None, interventions: pa.Table | None,
                  household_of: Mapping[str, str]) -> dict[str, pa.Table]:
    """Stored rows with their derived household (and role) applied: members only the store knows, and stored
    message interventions whose member now lives elsewhere. Typed and pseudonymised as the store holds them."""
    out: dict[str, pa.Table] = {}
    if members is not None and stored_only:
        by_id = {r["member_id"]: r for r in members.to_pylist()}
        rows = []
        for m in stored_only:
            row = by_id.get(m.member_id)
            if row is None:
                continue
            f = m.fact
            rows.append(row | {"household_id": m.household_id, "role": m.role, "name": f.name,
                               "birth_year": f.birth_date.year if f.birth_date else row["birth_year"]})
        if rows:
            out["members"] = pa.Table.from_pylist(rows, schema=members.schema)
    if interventions is not None and interventions.num_rows:
        rows = [r | {"household_id": household_of[r["member_id"]]} for r in interventions.to_pylist()
                if r["member_id"] in household_of and household_of[r["member_id"]] != r["household_id"]]
        if rows:
            out["interventions"] = pa.Table.from_pylist(rows, schema=interventions.schema)
    return out
