"""Turn standing iJw/iWmo allocations into entity-table rows: agencies, professionals, districts, households,
members and interventions (as all-string :class:`~ingest.tabular.RawPart` s, validated like any tabular input).

* **Agency** = provider (``Header/Ontvanger`` of the 301): ``agency_id`` ``agb-<AGB>``, name ``Aanbieder <AGB>``,
  sector from ``category_sectors.csv`` (:meth:`~ingest.category_map.CategoryMap.provider_sector`).
* **Professional**: a message names no person, so each provider gets one team: ``professional_id`` ``team-<AGB>``,
  name ``team <AGB>``, role ``team``.
* **Member** = client (only clients with a BSN exist in messages). ``member_id`` = ``mem_`` + 24 hex digits of
  HMAC-SHA256(key, ``member|<bsn>``): stable across ingests, no clear BSN. Name, birth year from the latest 301.
  Role: ``child`` under 18 on the batch's reference date (latest Dagtekening), ``parent`` for adults in a household
  with children, ``partner`` with another adult, else ``single``.
* **Household**: clients are joined (union–find) when they share a BRP address (Contact Soort 01: postcode +
  huisnummer + huisletter + toevoeging), or when a household relation (COD472 06, 10, 11, 12, 13, 16, 17, 18) of one
  client is another client (same surname and birth date, same gemeente) or lives at a client's BRP address.
  ``household_id`` = ``hh_`` + 24 hex digits of HMAC-SHA256(key, ``addr|<gemeente>|<smallest address key>``), or of
  ``bsn|<smallest BSN>`` when no member has an address. Composition from the roles (single, couple,
  couple_with_children, single_parent, other). ``opened_on`` = earliest start of its interventions.
* **District**: the postcode area (PC4) of the household's address: ``district_id`` ``gm<gemeente>-pc<PC4>``; without
  an address ``gm<gemeente>-onbekend``.
* **Intervention** = standing allocation: ``intervention_id`` ``<jw|wmo>-<gemeente>-<ToewijzingNummer>``, domain and
  kind from ``category_domains.csv``, period from :mod:`ingest.allocations`, ``source`` ``jw301``/``wmo301``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import pyarrow as pa

from foundation.privacy import keyed_pseudonym
from graph.schema import table_spec
from ingest.allocations import ResolvedAllocation
from ingest.category_map import CategoryMap
from ingest.messages import HOUSEHOLD_RELATIONS, Allocation, Client
from ingest.report import Issue
from ingest.tabular import RawPart, strings_table

__all__ = ["MessageTables", "build_message_tables", "keyed_id", "member_id_for", "intervention_id_for"]


def keyed_id(prefix: str, key: bytes, text: str) -> str:
    """``prefix`` + 24 hex digits of HMAC-SHA256(key, text): a stable identifier that reveals nothing of ``text``."""
    return keyed_pseudonym(key, text, prefix=prefix, digits=24)


def member_id_for(bsn: str, key: bytes) -> str:
    """The member id of a client with this BSN."""
    return keyed_id("mem_", key, "member|" + bsn)


def intervention_id_for(domain: str, gemeente: str, number: str) -> str:
    """The intervention id of an allocation."""
    return f"{domain}-{gemeente}-{number}"


@dataclass
class MessageTables:
    parts: dict[str, list[RawPart]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _part(table: str, rows: list[dict[str, str | None]], files: list[str], paths: list[str]) -> RawPart:
    spec = table_spec(table)
    cols = {c.name: pa.array([r.get(c.name) for r in rows], pa.string()) for c in spec.columns}
    data = strings_table(cols, spec, len(rows))
    return RawPart(table, files[0] if files else "", data, paths=paths, files=files)


def _age(birth: dt.date | None, on: dt.date) -> int | None:
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def build_message_tables(resolved: list[ResolvedAllocation], *, key: bytes, mapping: CategoryMap) -> MessageTables:
    """Entity-table rows for the standing allocations (see the module docstring for every derivation)."""
    out = MessageTables()
    if not resolved:
        return out
    as_of = max(r.allocation.message_date for r in resolved)
    # Latest client data per (gemeente, BSN).
    latest: dict[tuple[str, str], Allocation] = {}
    for r in resolved:
        a = r.allocation
        k = (a.gemeente, a.client.bsn)
        if k not in latest or (a.message_date, a.message_id) > (latest[k].message_date, latest[k].message_id):
            latest[k] = a
    clients: dict[tuple[str, str], Client] = {k: a.client for k, a in latest.items()}
    uf = _UnionFind()
    by_name: dict[tuple[str, str, dt.date], list[str]] = defaultdict(list)
    for (gem, bsn), c in clients.items():
        node = f"c|{gem}|{bsn}"
        uf.find(node)
        if c.address is not None:
            uf.union(node, f"a|{gem}|{c.address.key}")
        if c.surname and c.birth_date:
            by_name[(gem, c.surname.lower(), c.birth_date)].append(bsn)
    for (gem, bsn), c in clients.items():
        node = f"c|{gem}|{bsn}"
        for rel in c.relations:
            if rel.soort not in HOUSEHOLD_RELATIONS:
                continue
            if rel.address is not None:
                anode = f"a|{gem}|{rel.address.key}"
                if anode in uf.parent:
                    uf.union(node, anode)
            if rel.surname and rel.birth_date:
                hits = by_name.get((gem, rel.surname.lower(), rel.birth_date), [])
                if len(hits) == 1:
                    uf.union(node, f"c|{gem}|{hits[0]}")
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for gem, bsn in clients:
        groups[uf.find(f"c|{gem}|{bsn}")].append((gem, bsn))
    hh_of: dict[tuple[str, str], str] = {}
    districts: dict[str, dict[str, str | None]] = {}
    households: list[dict[str, str | None]] = []
    hh_files: list[str] = []
    hh_paths: list[str] = []
    members: list[dict[str, str | None]] = []
    m_files: list[str] = []
    m_paths: list[str] = []
    starts: dict[tuple[str, str], dt.date] = {}
    for r in resolved:
        k = (r.allocation.gemeente, r.allocation.client.bsn)
        starts[k] = min(starts.get(k, r.start), r.start)
    for root in sorted(groups):
        ms = sorted(groups[root])
        gem = ms[0][0]
        addrs = sorted(clients[m].address.key for m in ms if clients[m].address is not None)  # type: ignore[union-attr]
        if addrs:
            hh_id = keyed_id("hh_", key, f"addr|{gem}|{addrs[0]}")
            postcode = addrs[0].split("|")[0]
            district = f"gm{gem}-pc{postcode[:4]}" if postcode[:4].isdigit() else f"gm{gem}-onbekend"
        else:
            hh_id = keyed_id("hh_", key, f"bsn|{ms[0][1]}")
            postcode = None
            district = f"gm{gem}-onbekend"
        if district not in districts:
            pc4 = district.rsplit("-pc", 1)[1] if "-pc" in district else None
            districts[district] = {"district_id": district, "name": f"Postcode {pc4}" if pc4 else "Onbekend adres",
                                   "municipality_code": gem}
        ages = {m: _age(clients[m].birth_date, as_of) for m in ms}
        kids = [m for m in ms if (ages[m] is not None and ages[m] < 18)]  # type: ignore[operator]
        adults = [m for m in ms if m not in kids]
        for m in ms:
            if m in kids:
                role = "child"
            elif kids:
                role = "parent"
            elif len(adults) >= 2:
                role = "partner"
            else:
                role = "single"
            c = clients[m]
            src = latest[m]
            members.append({
                "member_id": member_id_for(m[1], key), "household_id": hh_id, "bsn": m[1], "name": c.name,
                "birth_year": str(c.birth_date.year) if c.birth_date else None, "role": role,
            })
            m_files.append(src.file)
            m_paths.append("/Bericht/Client")
            hh_of[m] = hh_id
        if len(adults) == 1 and not kids:
            comp = "single"
        elif len(adults) == 2 and not kids:
            comp = "couple"
        elif len(adults) == 2 and kids:
            comp = "couple_with_children"
        elif len(adults) == 1 and kids:
            comp = "single_parent"
        else:
            comp = "other"
        households.append({
            "household_id": hh_id, "district_id": district, "composition": comp, "postcode": postcode,
            "opened_on": min(starts[m] for m in ms).isoformat(), "closed_on": None,
        })
        hh_files.append(latest[ms[0]].file)
        hh_paths.append("/Bericht/Client/Contactgegevens")
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
        m = (a.gemeente, a.client.bsn)
        interventions.append({
            "intervention_id": intervention_id_for(a.domain, a.gemeente, a.number), "household_id": hh_of[m],
            "member_id": member_id_for(a.client.bsn, key), "professional_id": f"team-{a.agb}",
            "agency_id": f"agb-{a.agb}", "domain_code": mapped[0], "kind": mapped[1], "action": None,
            "start_date": r.start.isoformat(), "end_date": r.end.isoformat() if r.end else None,
            "contact_count": None, "source": f"{a.domain}301",
        })
        i_files.append(a.file)
        i_paths.append(a.path)
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
        "households": [_part("households", households, hh_files, hh_paths)],
        "members": [_part("members", members, m_files, m_paths)],
        "interventions": [_part("interventions", interventions, i_files, i_paths)],
    }
    return out
