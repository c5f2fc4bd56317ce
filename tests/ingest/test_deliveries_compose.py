"""Deliveries compose: household facts come from everything stored plus the batch, never from the batch alone."""

from __future__ import annotations

from pathlib import Path

from foundation.settings import Settings
from graph.ladybug_store import LadybugStore
from ingest.pipeline import ingest
from tests.ingest.conftest import msg301, product

PARENT_BSN, CHILD_BSN = "999996770", "999900006"


def wmo301(**kw: str) -> str:
    """A WMO301 built from the JW301 builder (same structure, iWmo namespaces)."""
    return (msg301(**kw).replace("ijw/3_2/jw301", "iwmo/3_2/wmo301")
            .replace("ijw/3_2/basisschema", "iwmo/3_2/basisschema"))


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def _parent(tmp_path: Path) -> Path:
    return _write(tmp_path / "in", "parent.xml", wmo301(
        bsn=PARENT_BSN, birth="1985-02-01", ident="W1", day="2026-01-05", postcode="9999AA",
        products=product(number="5001", cat="02", on="2026-01-05", start="2026-01-10", end=None)))


def _child(tmp_path: Path, *, version: int) -> Path:
    on, start = ("2026-01-06", "2026-01-12") if version == 1 else ("2026-04-01", "2026-04-02")
    return _write(tmp_path / "in", f"child{version}.xml", msg301(
        bsn=CHILD_BSN, birth="2014-06-01", ident=f"J{version}", day=on, postcode="9999AA",
        products=product(number="7001", cat="45", on=on, start=start, end=None)))


def _households(store: LadybugStore) -> list[dict[str, object]]:
    return store.read_table("households").to_pylist()


def test_a_newer_301_of_one_member_keeps_the_stored_household(tmp_path: Path, settings: Settings,
                                                              store: LadybugStore) -> None:
    r1 = ingest([_parent(tmp_path), _child(tmp_path, version=1)], store=store, settings=settings)
    assert r1.status == "loaded", r1.report.to_text()
    [hh] = _households(store)
    assert hh["composition"] == "single_parent" and str(hh["opened_on"]) == "2026-01-10"

    r2 = ingest([_child(tmp_path, version=2)], store=store, settings=settings)
    assert r2.status == "loaded", r2.report.to_text()
    [hh2] = _households(store)
    assert hh2["household_id"] == hh["household_id"]
    assert hh2["composition"] == "single_parent"
    assert str(hh2["opened_on"]) == "2026-01-10"  # the parent's intervention is still stored
    members = {m["role"] for m in store.read_table("members").to_pylist()}
    assert members == {"parent", "child"}
    ivs = {i["intervention_id"]: i for i in store.read_table("interventions").to_pylist()}
    assert str(ivs["jw-0599-7001"]["start_date"]) == "2026-04-02"
    assert {i["household_id"] for i in ivs.values()} == {hh["household_id"]}


def test_the_same_household_whatever_the_order_of_the_two_ingests(tmp_path: Path, settings: Settings,
                                                                  store: LadybugStore) -> None:
    assert ingest([_child(tmp_path, version=1)], store=store, settings=settings).status == "loaded"
    [alone] = _households(store)
    assert alone["composition"] == "other"  # a child known without its parent
    assert ingest([_parent(tmp_path)], store=store, settings=settings).status == "loaded"
    [hh] = _households(store)
    assert (hh["composition"], str(hh["opened_on"])) == ("single_parent", "2026-01-10")
    roles = sorted(m["role"] for m in store.read_table("members").to_pylist())
    assert roles == ["child", "parent"]


def test_the_same_bsn_in_two_gemeenten_is_one_member_in_one_batch(tmp_path: Path, settings: Settings,
                                                                  store: LadybugStore) -> None:
    """A client with allocations from two gemeenten (moved): one member, in the household of the latest 301."""
    old = _write(tmp_path / "in", "a.xml", wmo301(
        bsn=PARENT_BSN, birth="1985-02-01", ident="A1", day="2026-01-05", postcode="9999AA", gemeente="0599",
        products=product(number="1", cat="02", on="2026-01-05", start="2026-01-10", end=None)))
    new = _write(tmp_path / "in", "b.xml", wmo301(
        bsn=PARENT_BSN, birth="1985-02-01", ident="B1", day="2026-03-01", postcode="9999BB", gemeente="0363",
        products=product(number="1", cat="02", on="2026-03-01", start="2026-03-02", end=None)))
    r = ingest([old, new], store=store, settings=settings)
    assert r.status == "loaded", r.report.to_text()
    [member] = store.read_table("members").to_pylist()
    [hh] = store.read_table("households").to_pylist()
    assert member["household_id"] == hh["household_id"] and hh["postcode"] == "9999BB"
    assert hh["district_id"] == "gm0363-pc9999" and str(hh["opened_on"]) == "2026-01-10"
    ivs = store.read_table("interventions").to_pylist()
    assert sorted(i["intervention_id"] for i in ivs) == ["wmo-0363-1", "wmo-0599-1"]
    assert {i["member_id"] for i in ivs} == {member["member_id"]}
    assert {i["household_id"] for i in ivs} == {hh["household_id"]}


def test_a_move_in_a_later_delivery_takes_the_interventions_along(tmp_path: Path, settings: Settings,
                                                                  store: LadybugStore) -> None:
    """The parent moves to another gemeente: the child's household keeps the child and only the child's help."""
    assert ingest([_parent(tmp_path), _child(tmp_path, version=1)], store=store, settings=settings).status == "loaded"
    [before] = _households(store)
    moved = _write(tmp_path / "in", "moved.xml", wmo301(
        bsn=PARENT_BSN, birth="1985-02-01", ident="W9", day="2026-05-01", postcode="9999CC", gemeente="0363",
        products=product(number="9", cat="02", on="2026-05-01", start="2026-05-02", end=None)))
    r = ingest([moved], store=store, settings=settings)
    assert r.status == "loaded", r.report.to_text()
    hhs = {h["household_id"]: h for h in _households(store)}
    members = {m["role"]: m for m in store.read_table("members").to_pylist()}
    assert members["single"]["household_id"] != before["household_id"]
    assert members["child"]["household_id"] == before["household_id"]
    assert hhs[before["household_id"]]["composition"] == "other"
    assert str(hhs[before["household_id"]]["opened_on"]) == "2026-01-12"
    by_hh: dict[object, set[object]] = {}
    for i in store.read_table("interventions").to_pylist():
        by_hh.setdefault(i["household_id"], set()).add(i["intervention_id"])
    assert by_hh == {before["household_id"]: {"jw-0599-7001"},
                     members["single"]["household_id"]: {"wmo-0599-5001", "wmo-0363-9"}}


def test_two_birth_dates_for_one_bsn_are_a_warning_naming_both_sources(tmp_path: Path, settings: Settings,
                                                                       store: LadybugStore) -> None:
    assert ingest([_child(tmp_path, version=1)], store=store, settings=settings).status == "loaded"
    other = _write(tmp_path / "in", "other.xml", msg301(
        bsn=CHILD_BSN, birth="2014-07-01", ident="J5", day="2026-02-01", postcode="9999AA",
        products=product(number="7002", cat="45", on="2026-02-01", start="2026-02-02", end=None)))
    r = ingest([other], store=store, settings=settings)
    assert r.status == "loaded", r.report.to_text()
    [w] = [i for i in r.report.warnings if i.rule == "conflict"]
    assert w.field == "Geboortedatum" and w.file.endswith("other.xml")
    assert "child1.xml, bericht J1" in w.reason and "other.xml, bericht J5" in w.reason
    assert "2014-06-01" in w.reason and "2014-07-01" in w.reason
    assert "999900006" not in w.reason and "999900006" not in (w.value or "")
    [member] = store.read_table("members").to_pylist()
    assert member["birth_year"] == 2014
