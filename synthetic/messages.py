"""Write a synthetic municipality's allocations as valid iJw/iWmo 3.2 301, 305 and 307 messages.

For every member *with a BSN* and every provider (agency) that delivers a ``support`` intervention to that member in a
domain some product category maps to (``category_domains.csv``), one 301 (OP087: one client × one provider;
``docs/istandaarden.md#the-301-allocation``) lists one ToegewezenProduct per intervention: jw for members under 18 on
the intervention's start, wmo otherwise (falling back to the other when the domain has no category there). A 305 is
written for every started intervention (start on or before ``as_of``) and a 307 for every ended one (end on or before
``as_of``). Members of a household share one BRP address (the household's postcode, or a ``9999XX`` one, and a house
number per household), so ingesting the messages forms the same households. Agencies without an AGB code get ``4`` + 7
digits of their index. Synthetic data only: BSNs are the generator's 9999… numbers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from graph.tables import CareTables
from ingest.category_map import CategoryMap

__all__ = ["MessageSet", "write_messages", "reverse_category"]

_CODES = {("jw", "301"): "436", ("jw", "305"): "438", ("jw", "307"): "440",
          ("wmo", "301"): "414", ("wmo", "305"): "418", ("wmo", "307"): "420"}
_STOP_REASON = {"jw": "31", "wmo": "19"}  # volgens plan beëindigd


@dataclass
class MessageSet:
    """What :func:`write_messages` wrote: file paths, and the interventions it expressed (id → allocation number)."""

    files: list[Path]
    allocations: dict[str, tuple[str, str, str]]


def reverse_category(mapping: CategoryMap, domain: str, domain_code: str) -> str | None:
    """The smallest category of ``domain`` (jw|wmo) that maps to ``domain_code`` with kind support, or None."""
    cats = sorted(c for (d, c), (code, kind) in mapping.domains.items()
                  if d == domain and c and code == domain_code and kind == "support")
    return cats[0] if cats else None


def _ns(domain: str, msg: str, release: str) -> tuple[str, str]:
    std = "ijw" if domain == "jw" else "iwmo"
    return (f"http://www.istandaarden.nl/{std}/{release}/{domain}{msg}/schema",
            f"http://www.istandaarden.nl/{std}/{release}/basisschema/schema")


def _header(domain: str, msg: str, sender: str, receiver: str, ident: str, day: dt.date) -> str:
    m, b = (f"{domain}{msg}", "ijw" if domain == "jw" else "iwmo")
    return (f"<{m}:Header><{m}:BerichtCode>{_CODES[(domain, msg)]}</{m}:BerichtCode>"
            f"<{m}:BerichtVersie>3</{m}:BerichtVersie><{m}:BerichtSubversie>2</{m}:BerichtSubversie>"
            f"<{m}:Afzender>{sender}</{m}:Afzender><{m}:Ontvanger>{receiver}</{m}:Ontvanger>"
            f"<{m}:BerichtIdentificatie><{b}:Identificatie>{ident}</{b}:Identificatie>"
            f"<{b}:Dagtekening>{day.isoformat()}</{b}:Dagtekening></{m}:BerichtIdentificatie>"
            f"<{m}:XsdVersie><{b}:BasisschemaXsdVersie>1.0.0</{b}:BasisschemaXsdVersie>"
            f"<{b}:BerichtXsdVersie>1.0.0</{b}:BerichtXsdVersie></{m}:XsdVersie></{m}:Header>")


def _open(domain: str, msg: str, release: str) -> str:
    m_ns, b_ns = _ns(domain, msg, release)
    b = "ijw" if domain == "jw" else "iwmo"
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<{domain}{msg}:Bericht xmlns:{domain}{msg}="{m_ns}" '
            f'xmlns:{b}="{b_ns}">')


def _name(b: str, name: str | None, full: bool) -> str:
    surname = escape((name or "Onbekend").split(" ")[-1][:200])
    initials = "".join(ch for ch in (name or "X").split(" ")[0][:1] if ch.isalpha()) or "X"
    tail = f"<{b}:NaamGebruik>1</{b}:NaamGebruik>" if full else ""
    return (f"<{b}:Geslachtsnaam><{b}:Achternaam>{surname}</{b}:Achternaam></{b}:Geslachtsnaam>"
            f"<{b}:Voorletters>{initials}</{b}:Voorletters>{tail}")


def write_messages(tables: CareTables, out: Path, *, as_of: dt.date, release: str = "3_2",
                   mapping: CategoryMap | None = None, default_gemeente: str = "0599") -> MessageSet:
    """Write the 301/305/307 messages for ``tables`` (clear BSNs: generator output) into ``out``."""
    mapping = mapping or CategoryMap.load()
    out.mkdir(parents=True, exist_ok=True)
    members = {r["member_id"]: r for r in tables["members"].to_pylist()}
    households = {r["household_id"]: r for r in tables["households"].to_pylist()}
    districts = {r["district_id"]: r for r in tables["districts"].to_pylist()}
    agencies = tables["agencies"].to_pylist()
    agb = {a["agency_id"]: (a.get("agb_code") or f"4{i:07d}") for i, a in enumerate(agencies)}
    hh_index = {h: i + 1 for i, h in enumerate(sorted(households))}
    groups: dict[tuple[str, str], list[tuple[dict[str, Any], str, str]]] = defaultdict(list)
    for iv in sorted(tables["interventions"].to_pylist(), key=lambda r: r["intervention_id"]):
        mem = members.get(iv["member_id"]) if iv["member_id"] else None
        if mem is None or not mem.get("bsn") or iv["kind"] != "support" or iv["agency_id"] not in agb:
            continue
        start: dt.date = iv["start_date"]
        age = start.year - int(mem["birth_year"])
        order = ("jw", "wmo") if age < 18 else ("wmo", "jw")
        for dom in order:
            cat = reverse_category(mapping, dom, iv["domain_code"])
            if cat is not None:
                groups[(iv["member_id"], iv["agency_id"])].append((iv, dom, cat))
                break
    files: list[Path] = []
    allocations: dict[str, tuple[str, str, str]] = {}
    number = 0
    seq = 0
    for (member_id, agency_id), items in sorted(groups.items()):
        mem = members[member_id]
        hh = households[mem["household_id"]]
        gem = (districts.get(hh["district_id"], {}).get("municipality_code") or default_gemeente)
        code = agb[agency_id]
        postcode = hh.get("postcode") or ("9999" + chr(65 + hh_index[hh["household_id"]] % 26) + "A")
        house = hh_index[hh["household_id"]]
        by_dom: dict[str, list[tuple[dict[str, Any], str]]] = defaultdict(list)
        for iv, dom, cat in items:
            by_dom[dom].append((iv, cat))
        for dom, ivs in sorted(by_dom.items()):
            m, b = f"{dom}301", ("ijw" if dom == "jw" else "iwmo")
            birth = dt.date(int(mem["birth_year"]), 1, 1)
            prods = []
            numbers = []
            for iv, cat in ivs:
                number += 1
                numbers.append(number)
                start = iv["start_date"]
                end = iv["end_date"]
                assert isinstance(start, dt.date)
                allocations[str(iv["intervention_id"])] = (dom, gem, str(number))
                end_xml = f"<{m}:Einddatum>{end.isoformat()}</{m}:Einddatum>" if isinstance(end, dt.date) else ""
                prods.append(
                    f"<{m}:ToegewezenProduct><{m}:ToewijzingNummer>{number}</{m}:ToewijzingNummer>"
                    f"<{m}:Product><{b}:Categorie>{cat}</{b}:Categorie></{m}:Product>"
                    f"<{m}:Toewijzingsdatum>{start.isoformat()}</{m}:Toewijzingsdatum>"
                    f"<{m}:Toewijzingstijd>09:00:00</{m}:Toewijzingstijd>"
                    f"<{m}:Ingangsdatum>{start.isoformat()}</{m}:Ingangsdatum>{end_xml}</{m}:ToegewezenProduct>")
            day = max(iv["start_date"] for iv, _ in ivs)
            seq += 1
            body = (_open(dom, "301", release) + _header(dom, "301", gem, code, f"SYN{seq:09d}", day)
                    + f"<{m}:Client><{m}:Bsn>{mem['bsn']}</{m}:Bsn>"
                    f"<{m}:Geboortedatum><{b}:Datum>{birth.isoformat()}</{b}:Datum>"
                    f"<{b}:DatumGebruik>2</{b}:DatumGebruik></{m}:Geboortedatum><{m}:Geslacht>0</{m}:Geslacht>"
                    f"<{m}:Naam>{_name(b, mem.get('name'), True)}</{m}:Naam>"
                    f"<{m}:Contactgegevens><{m}:Contact><{m}:Soort>01</{m}:Soort><{m}:Adres>"
                    f"<{b}:Huis><{b}:Huisnummer>{house}</{b}:Huisnummer></{b}:Huis>"
                    f"<{b}:Postcode>{postcode}</{b}:Postcode><{b}:LandCode>NL</{b}:LandCode></{m}:Adres>"
                    f"</{m}:Contact></{m}:Contactgegevens>"
                    f"<{m}:ToegewezenProducten>{''.join(prods)}</{m}:ToegewezenProducten></{m}:Client>"
                    f"</{m}:Bericht>\n")
            f = out / f"{dom}301_{seq:06d}.xml"
            f.write_text(body, encoding="utf-8")
            files.append(f)
            for (iv, cat), nr in zip(ivs, numbers, strict=True):
                start, end = iv["start_date"], iv["end_date"]
                assert isinstance(start, dt.date)
                for msg, day2 in (("305", start), ("307", end)):
                    if not isinstance(day2, dt.date) or day2 > as_of:
                        continue
                    mm = f"{dom}{msg}"
                    item = "StartProduct" if msg == "305" else "StopProduct"
                    extra = (f"<{mm}:RedenBeeindiging>{_STOP_REASON[dom]}</{mm}:RedenBeeindiging>"
                             f"<{mm}:Einddatum>{day2.isoformat()}</{mm}:Einddatum>" if msg == "307" else "")
                    seq += 1
                    body = (_open(dom, msg, release) + _header(dom, msg, code, gem, f"SYN{seq:09d}", day2)
                            + f"<{mm}:Client><{mm}:Bsn>{mem['bsn']}</{mm}:Bsn>"
                            f"<{mm}:Geboortedatum><{b}:Datum>{birth.isoformat()}</{b}:Datum></{mm}:Geboortedatum>"
                            f"<{mm}:Geslacht>0</{mm}:Geslacht><{mm}:Naam>{_name(b, mem.get('name'), False)}"
                            f"</{mm}:Naam><{mm}:{item}en><{mm}:{item}>"
                            f"<{mm}:ToewijzingNummer>{nr}</{mm}:ToewijzingNummer>"
                            f"<{mm}:Product><{b}:Categorie>{cat}</{b}:Categorie></{mm}:Product>"
                            f"<{mm}:ToewijzingIngangsdatum>{start.isoformat()}</{mm}:ToewijzingIngangsdatum>"
                            f"<{mm}:Begindatum>{start.isoformat()}</{mm}:Begindatum>{extra}"
                            f"<{mm}:StatusAanlevering>1</{mm}:StatusAanlevering></{mm}:{item}></{mm}:{item}en>"
                            f"</{mm}:Client></{mm}:Bericht>\n")
                    f = out / f"{mm}_{seq:06d}.xml"
                    f.write_text(body, encoding="utf-8")
                    files.append(f)
    return MessageSet(files, allocations)
