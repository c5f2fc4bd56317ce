"""Small hand-made entity tables and message builders for the ingest tests (synthetic data only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from foundation.settings import Settings
from graph.tables import CareTables, write_table_files

D = dt.date


def small_tables() -> CareTables:
    """2 districts, 2 agencies, 3 professionals, 2 households, 4 members, 4 interventions, 1 coordination."""
    return CareTables({
        "districts": pa.table({"district_id": ["d1", "d2"], "name": ["Noord", "Zuid"],
                               "municipality_code": ["0599", "0599"]}),
        "agencies": pa.table({"agency_id": ["a1", "a2"], "name": ["Wijkteam Noord", "Woonstad"],
                              "sector": ["neighbourhood_team", "housing"], "agb_code": ["41000001", None]}),
        "professionals": pa.table({"professional_id": ["p1", "p2", "p3"], "name": ["P Een", "P Twee", "P Drie"],
                                   "role": ["wijkcoach", "consulent", "wijkcoach"],
                                   "agency_id": ["a1", "a2", "a1"]}),
        "households": pa.table({"household_id": ["h1", "h2"], "district_id": ["d1", "d2"],
                                "composition": ["single_parent", "single"], "postcode": ["9999AA", None],
                                "opened_on": [D(2024, 1, 1), D(2024, 3, 1)], "closed_on": [None, None]}),
        "members": pa.table({"member_id": ["m1", "m2", "m3", "m4"], "household_id": ["h1", "h1", "h1", "h2"],
                             "bsn": ["999900006", "999996770", None, "999900018"],
                             "name": ["A Jansen", "B Jansen", "C Jansen", "D Pietersen"],
                             "birth_year": [1985, 2012, 2015, 1970],
                             "role": ["parent", "child", "child", "single"]}),
        "interventions": pa.table({
            "intervention_id": ["i1", "i2", "i3", "i4"], "household_id": ["h1", "h1", "h1", "h2"],
            "member_id": ["m1", "m2", None, "m4"], "professional_id": ["p1", "p1", "p2", "p3"],
            "agency_id": ["a1", "a1", "a2", "a1"], "domain_code": ["FIN", "OPV", "HUI", "GGZ"],
            "kind": ["support", "support", "enforcement", "support"], "action": [None, None, "eviction", None],
            "start_date": [D(2024, 1, 5), D(2024, 2, 1), D(2024, 3, 1), D(2024, 3, 2)],
            "end_date": [None, D(2024, 12, 31), None, None], "contact_count": [3, None, 1, 2],
            "source": ["csv"] * 4}),
        "coordinations": pa.table({"coordination_id": ["c1"], "household_id": ["h1"], "professional_id": ["p1"],
                                   "start_date": [D(2024, 1, 5)], "end_date": [None]}),
    })


@pytest.fixture
def tables() -> CareTables:
    return small_tables()


@pytest.fixture
def csv_dir(tmp_path: Path) -> Path:
    out = tmp_path / "in"
    write_table_files(small_tables(), out, formats=("csv",))
    return out


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(demo=True, store_path=tmp_path / "store", data_dir=tmp_path / "data")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[object]:
    from graph.ladybug_store import LadybugStore

    s = LadybugStore.open(tmp_path / "store" / "graph.lbug")
    try:
        yield s
    finally:
        s.close()


JW = "http://www.istandaarden.nl/ijw/3_2/jw301/schema"
IJW = "http://www.istandaarden.nl/ijw/3_2/basisschema/schema"


def msg301(*, bsn: str = "999900006", agb: str = "41000001", gemeente: str = "0599", products: str = "",
           ident: str = "M1", day: str = "2025-03-01", postcode: str = "9999ZZ", huisnummer: str = "1",
           relations: str = "", release: str = "3_2", mp: str = "jw301", bp: str = "ijw", birth: str = "2012-05-01",
           surname: str = "Voorbeeld") -> str:
    m_ns = f"http://www.istandaarden.nl/ijw/{release}/jw301/schema"
    b_ns = f"http://www.istandaarden.nl/ijw/{release}/basisschema/schema"
    m, b = mp, bp
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<{m}:Bericht xmlns:{m}="{m_ns}" xmlns:{b}="{b_ns}">
  <{m}:Header><{m}:BerichtCode>436</{m}:BerichtCode><{m}:BerichtVersie>3</{m}:BerichtVersie>
    <{m}:BerichtSubversie>2</{m}:BerichtSubversie><{m}:Afzender>{gemeente}</{m}:Afzender>
    <{m}:Ontvanger>{agb}</{m}:Ontvanger><{m}:BerichtIdentificatie><{b}:Identificatie>{ident}</{b}:Identificatie>
    <{b}:Dagtekening>{day}</{b}:Dagtekening></{m}:BerichtIdentificatie>
    <{m}:XsdVersie><{b}:BasisschemaXsdVersie>1.0.0</{b}:BasisschemaXsdVersie>
    <{b}:BerichtXsdVersie>1.0.0</{b}:BerichtXsdVersie></{m}:XsdVersie></{m}:Header>
  <{m}:Client><{m}:Bsn>{bsn}</{m}:Bsn><{m}:Geboortedatum><{b}:Datum>{birth}</{b}:Datum></{m}:Geboortedatum>
    <{m}:Geslacht>2</{m}:Geslacht><{m}:Naam><{b}:Geslachtsnaam><{b}:Achternaam>{surname}</{b}:Achternaam>
    </{b}:Geslachtsnaam><{b}:Voorletters>A</{b}:Voorletters><{b}:NaamGebruik>1</{b}:NaamGebruik></{m}:Naam>
    {f"<{m}:Relaties>{relations}</{m}:Relaties>" if relations else ""}
    <{m}:Contactgegevens><{m}:Contact><{m}:Soort>01</{m}:Soort><{m}:Adres><{b}:Huis>
      <{b}:Huisnummer>{huisnummer}</{b}:Huisnummer></{b}:Huis><{b}:Postcode>{postcode}</{b}:Postcode>
      <{b}:LandCode>NL</{b}:LandCode></{m}:Adres></{m}:Contact></{m}:Contactgegevens>
    <{m}:ToegewezenProducten>{products}</{m}:ToegewezenProducten>
  </{m}:Client>
</{m}:Bericht>
"""


def product(number: str = "1001", cat: str | None = "45", on: str = "2025-03-01", at: str = "09:00:00",
            start: str = "2025-03-03", end: str | None = "2025-08-31", reason: str | None = None,
            mp: str = "jw301", bp: str = "ijw") -> str:
    m, b = mp, bp
    p = f"<{m}:Product><{b}:Categorie>{cat}</{b}:Categorie></{m}:Product>" if cat else ""
    e = f"<{m}:Einddatum>{end}</{m}:Einddatum>" if end else ""
    r = f"<{m}:RedenWijziging>{reason}</{m}:RedenWijziging>" if reason else ""
    return (f"<{m}:ToegewezenProduct><{m}:ToewijzingNummer>{number}</{m}:ToewijzingNummer>{p}"
            f"<{m}:Toewijzingsdatum>{on}</{m}:Toewijzingsdatum><{m}:Toewijzingstijd>{at}</{m}:Toewijzingstijd>"
            f"<{m}:Ingangsdatum>{start}</{m}:Ingangsdatum>{e}{r}</{m}:ToegewezenProduct>")


def msg305_307(kind: str, *, number: str = "1001", begin: str = "2025-03-05", end: str | None = None,
               status: str = "1", bsn: str = "999900006", agb: str = "41000001", gemeente: str = "0599",
               day: str = "2025-03-06", ident: str = "S1", cat: str = "45") -> str:
    mp = "jw305" if kind == "start" else "jw307"
    m_ns = f"http://www.istandaarden.nl/ijw/3_2/{mp}/schema"
    item = "StartProduct" if kind == "start" else "StopProduct"
    extra = (f"<x:RedenBeeindiging>31</x:RedenBeeindiging><x:Einddatum>{end}</x:Einddatum>" if kind == "stop"
             else "")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<x:Bericht xmlns:x="{m_ns}" xmlns:y="{IJW}">
  <x:Header><x:BerichtCode>438</x:BerichtCode><x:BerichtVersie>3</x:BerichtVersie>
    <x:BerichtSubversie>2</x:BerichtSubversie><x:Afzender>{agb}</x:Afzender><x:Ontvanger>{gemeente}</x:Ontvanger>
    <x:BerichtIdentificatie><y:Identificatie>{ident}</y:Identificatie><y:Dagtekening>{day}</y:Dagtekening>
    </x:BerichtIdentificatie></x:Header>
  <x:Client><x:Bsn>{bsn}</x:Bsn><x:{item}en><x:{item}><x:ToewijzingNummer>{number}</x:ToewijzingNummer>
    <x:Product><y:Categorie>{cat}</y:Categorie></x:Product><x:Begindatum>{begin}</x:Begindatum>{extra}
    <x:StatusAanlevering>{status}</x:StatusAanlevering></x:{item}></x:{item}en></x:Client>
</x:Bericht>
"""
