"""iJw/iWmo messages: parsing by namespace, the 301 rules, 305/307, households, category mapping, safe XML."""

from __future__ import annotations

from pathlib import Path

from foundation.settings import Settings
from ingest.category_map import CategoryMap
from ingest.pipeline import check, read_inputs, valid_tables
from tests.ingest.conftest import msg301, msg305_307, product


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _interventions(folder: Path, settings: Settings) -> dict[str, dict[str, object]]:
    res = check(read_inputs([folder], settings=settings))
    assert res.report.ok, res.report.to_text()
    return {r["intervention_id"]: r for r in valid_tables(res)["interventions"].to_pylist()}


def test_minimal_301_any_prefix_and_release(tmp_path: Path, settings: Settings) -> None:
    f = _write(tmp_path / "a", {
        "a.xml": msg301(products=product()),
        "b.xml": msg301(products=product(number="7", mp="foo", bp="bar"), mp="foo", bp="bar", release="3_3",
                        bsn="999996770", ident="M2"),
    })
    ivs = _interventions(f, settings)
    assert set(ivs) == {"jw-0599-1001", "jw-0599-7"}
    iv = ivs["jw-0599-1001"]
    assert (iv["domain_code"], iv["kind"], iv["agency_id"], iv["professional_id"]) == (
        "OPV", "support", "agb-41000001", "team-41000001")
    assert str(iv["start_date"]) == "2025-03-03" and str(iv["end_date"]) == "2025-08-31"


def test_latest_toewijzing_wins_in_any_order(tmp_path: Path, settings: Settings) -> None:
    old = msg301(products=product(end="2025-08-31"), ident="M1", day="2025-03-01")
    new = msg301(products=product(on="2025-05-01", end="2025-12-31"), ident="M2", day="2025-05-01")
    for order in (("1.xml", "2.xml"), ("2.xml", "1.xml")):
        f = _write(tmp_path / "-".join(order), {order[0]: old, order[1]: new})
        assert str(_interventions(f, settings)["jw-0599-1001"]["end_date"]) == "2025-12-31"


def test_deletion_removes_the_allocation(tmp_path: Path, settings: Settings) -> None:
    f = _write(tmp_path / "d", {
        "1.xml": msg301(products=product() + product(number="1002", cat="51"), ident="M1"),
        "0.xml": msg301(products=product(on="2025-03-02", start="2025-03-03", end="2025-03-03", reason="13"),
                        ident="M2", day="2025-03-02"),
    })
    res = check(read_inputs([f], settings=settings))
    ids = set(valid_tables(res)["interventions"].column("intervention_id").to_pylist())
    assert ids == {"jw-0599-1002"}
    assert any(i.rule == "deleted" for i in res.report.warnings)


def test_305_307_give_actual_period_and_status_3_deletes(tmp_path: Path, settings: Settings) -> None:
    f = _write(tmp_path / "s", {
        "301.xml": msg301(products=product(end=None)),
        "305a.xml": msg305_307("start", begin="2025-03-05", ident="S1"),
        "307.xml": msg305_307("stop", begin="2025-03-05", end="2025-06-30", ident="S2", day="2025-07-01"),
    })
    iv = _interventions(f, settings)["jw-0599-1001"]
    assert (str(iv["start_date"]), str(iv["end_date"])) == ("2025-03-05", "2025-06-30")
    # The stop is withdrawn (status 3, arriving first in file order): the care is open again.
    (f / "000.xml").write_text(msg305_307("stop", begin="2025-03-05", end="2025-06-30", status="3", ident="S3",
                                          day="2025-07-02"), encoding="utf-8")
    iv = _interventions(f, settings)["jw-0599-1001"]
    assert iv["end_date"] is None


def test_305_for_unknown_allocation_is_an_error(tmp_path: Path, settings: Settings) -> None:
    f = _write(tmp_path / "u", {"301.xml": msg301(products=product()),
                                "305.xml": msg305_307("start", number="999")})
    r = check(read_inputs([f], settings=settings)).report
    assert any(i.rule == "reference" and i.field == "ToewijzingNummer" for i in r.errors)


def test_households_from_address_and_relations(tmp_path: Path, settings: Settings) -> None:
    rel = ("<jw301:Relatie><jw301:Nummer>1</jw301:Nummer><jw301:Soort>10</jw301:Soort>"
           "<jw301:Geboortedatum><ijw:Datum>1980-01-01</ijw:Datum></jw301:Geboortedatum><jw301:Naam>"
           "<ijw:Geslachtsnaam><ijw:Achternaam>Jansen</ijw:Achternaam></ijw:Geslachtsnaam>"
           "<ijw:NaamGebruik>1</ijw:NaamGebruik></jw301:Naam><jw301:Contact><jw301:Soort>02</jw301:Soort>"
           "</jw301:Contact></jw301:Relatie>")
    f = _write(tmp_path / "h", {
        # child at address A names its parent (a client living at address B): one household
        "1.xml": msg301(products=product(number="1"), bsn="999900006", postcode="9999AA", relations=rel, ident="1"),
        "2.xml": msg301(products=product(number="2", cat="51"), bsn="999996770", postcode="9999BB", ident="2",
                        birth="1980-01-01", surname="Jansen"),
        # a sibling at address A: same household by address
        "3.xml": msg301(products=product(number="3"), bsn="999900018", postcode="9999AA", ident="3"),
        # someone else
        "4.xml": msg301(products=product(number="4"), bsn="999900031", postcode="9999CC", ident="4",
                        birth="1950-01-01"),
    })
    t = valid_tables(check(read_inputs([f], settings=settings)))
    hh = t["members"].column("household_id").to_pylist()
    assert len(set(hh)) == 2
    households = {r["household_id"]: r for r in t["households"].to_pylist()}
    comps = sorted(r["composition"] for r in households.values())
    assert comps == ["single", "single_parent"]
    assert not any("99990" in (m or "") for m in t["members"].column("member_id").to_pylist())


def test_category_mapping_file_is_editable(tmp_path: Path) -> None:
    p = tmp_path / "map.csv"
    p.write_text("domain,categorie,domain_code,kind,note\njw,45,FIN,assessment,local choice\n", encoding="utf-8")
    m = CategoryMap.load(p)
    assert m.lookup("jw", "45") == ("FIN", "assessment") and m.lookup("jw", "51") is None


def test_unknown_category_is_an_error(tmp_path: Path, settings: Settings) -> None:
    f = _write(tmp_path / "c", {"1.xml": msg301(products=product(cat="99"))})
    r = check(read_inputs([f], settings=settings)).report
    assert any(i.rule == "code" and i.field == "Categorie" for i in r.errors)


def test_invalid_bsn_in_message(tmp_path: Path, settings: Settings) -> None:
    f = _write(tmp_path / "b", {"1.xml": msg301(products=product(), bsn="999900007")})
    r = check(read_inputs([f], settings=settings)).report
    errs = [i for i in r.errors if i.field == "Bsn"]
    assert errs and errs[0].value == "9999*****" and errs[0].path == "/Bericht/Client/Bsn"


def test_unsafe_xml_is_refused(tmp_path: Path, settings: Settings) -> None:
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            "<lolz>&lol2;</lolz>")
    xxe = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    f = _write(tmp_path / "x", {"bomb.xml": bomb, "xxe.xml": xxe, "broken.xml": "<a><b></a>"})
    r = check(read_inputs([f], settings=settings)).report
    assert sorted(i.file.rsplit("/", 1)[-1] for i in r.errors if i.rule == "xml") == ["bomb.xml", "broken.xml",
                                                                                       "xxe.xml"]
    assert "root:" not in r.to_json()


def test_quarantine_lists_rejected_message_elements(tmp_path: Path, settings: Settings) -> None:
    from ingest.pipeline import ingest

    f = _write(tmp_path / "q", {"1.xml": msg301(products=product() + product(number="1002", start="2025-13-01")),
                                "2.xml": "<not-closed>"})
    q = tmp_path / "quarantine"
    r = ingest([f], store=None, settings=settings, quarantine=q, dry_run=False)
    assert r.status == "dry-run"  # no store given: validated only
    text = (q / "unreadable.csv").read_text(encoding="utf-8")
    assert "ToegewezenProduct[2]/Ingangsdatum" in text and "2.xml" in text


def test_305_for_an_allocation_only_in_the_store_is_a_warning(tmp_path: Path, settings: Settings,
                                                              store: object) -> None:
    from ingest.pipeline import ingest

    first = _write(tmp_path / "one", {"301.xml": msg301(products=product())})
    assert ingest([first], store=store, settings=settings).status == "loaded"  # type: ignore[arg-type]
    later = _write(tmp_path / "two", {"305.xml": msg305_307("start")})
    r = ingest([later], store=store, settings=settings)  # type: ignore[arg-type]
    assert r.report.ok and any(i.rule == "reference" for i in r.report.warnings)
