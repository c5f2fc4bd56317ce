"""Every refused record, of every rule, is in the quarantine files with its reasons; warnings are not refusals."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from foundation.settings import Settings
from graph.tables import write_table_files
from ingest.pipeline import ingest
from tests.ingest.conftest import msg301, msg305_307, product, small_tables

V20 = ('<?xml version="1.0" encoding="UTF-8"?><w:Bericht xmlns:w="http://www.istandaarden.nl/iwmo/2_0/wmo301/schema/2_0"'
       ' xmlns:i="http://www.istandaarden.nl/iwmo/2_0/basisschema/schema/2_0"><w:Header/></w:Bericht>')


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _bad_inputs(folder: Path) -> Path:
    """Tables and messages that break one rule of each family."""
    t = small_tables()
    write_table_files(t, folder, formats=("csv",))
    hh = folder / "households.csv"
    lines = hh.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace('"d2"', '"nowhere"')  # reference
    lines.append('"h3","d1","single","9999AA","2024-02-30",')  # type (impossible date)
    lines.append('"h4","d1"')  # structure (wrong number of fields)
    hh.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "coordinations.csv").write_text("coordination_id,household_id\nc9,h1\n", encoding="utf-8")  # header
    pq.write_table(pa.table({"a": [1]}), folder / "mystery.parquet")  # file: no entity table
    msgs = folder / "messages"
    msgs.mkdir()
    (msgs / "301.xml").write_text(msg301(products=product() + product(number="1002", cat="99")
                                         + product(number="1003", start="2025-13-01")), encoding="utf-8")
    (msgs / "305.xml").write_text(msg305_307("start", number="4242"), encoding="utf-8")  # reference: no 301
    (msgs / "307.xml").write_text(msg305_307("stop", number="4343", end="2025-06-30", ident="S2"), encoding="utf-8")
    (msgs / "broken.xml").write_text("<a><b></a>", encoding="utf-8")  # xml
    (msgs / "old.xml").write_text(V20, encoding="utf-8")  # release 2.0
    return folder


def test_every_error_of_every_rule_is_in_a_quarantine_file(tmp_path: Path, settings: Settings) -> None:
    src = _bad_inputs(tmp_path / "in")
    q = tmp_path / "q"
    r = ingest([src], store=None, settings=settings, quarantine=q)
    report = json.loads((q / "report.json").read_text(encoding="utf-8"))
    errors = [i for i in report["issues"] if i["severity"] == "error"]
    rules = {i["rule"] for i in errors}
    assert {"reference", "type", "structure", "header", "file", "message", "code", "xml", "release",
            "dependency"} <= rules, rules
    quarantined: set[tuple[str, str, str, str]] = set()
    for f in q.glob("*.csv"):
        for row in _rows(f):
            quarantined.add((f.stem, row["_file"], row["_row"], row["_path"]))
    unreadable = _rows(q / "unreadable.csv")
    listed = {(u["_file"], u["_row"], u["_path"], u["field"], u["_reasons"]) for u in unreadable}
    for i in errors:
        row = "" if i["row"] is None else str(i["row"])
        path = i["path"] or ""
        in_table = (i["table"], i["file"], row, path) in quarantined
        in_list = (i["file"], row, path, i["field"] or "", i["reason"]) in listed
        assert in_table or in_list, f"refused but not in the quarantine: {i}"
    assert r.quarantined["unreadable"] == len(unreadable)


def test_305_and_307_without_their_301_are_quarantined_with_path_field_and_reason(tmp_path: Path,
                                                                                   settings: Settings) -> None:
    src = _bad_inputs(tmp_path / "in")
    q = tmp_path / "q"
    ingest([src], store=None, settings=settings, quarantine=q)
    refs = [u for u in _rows(q / "unreadable.csv") if u["rule"] == "reference"]
    assert sorted(Path(u["_file"]).name for u in refs) == ["305.xml", "307.xml"]
    start = next(u for u in refs if u["_file"].endswith("305.xml"))
    assert start["_path"] == "/Bericht/Client/StartProducten/StartProduct[1]"
    assert (start["field"], start["value"], start["table"]) == ("ToewijzingNummer", "4242", "interventions")
    assert "in no 301" in start["_reasons"]
    stop = next(u for u in refs if u["_file"].endswith("307.xml"))
    assert stop["_path"] == "/Bericht/Client/StopProducten/StopProduct[1]"


def test_unmapped_category_and_release_2_are_quarantined(tmp_path: Path, settings: Settings) -> None:
    src = _bad_inputs(tmp_path / "in")
    q = tmp_path / "q"
    ingest([src], store=None, settings=settings, quarantine=q)
    rows = _rows(q / "unreadable.csv")
    code = [u for u in rows if u["rule"] == "code"]
    assert len(code) == 1 and code[0]["_path"].endswith("ToegewezenProduct[2]/Product")
    assert code[0]["field"] == "Categorie" and code[0]["value"] == "99"
    release = [u for u in rows if u["rule"] == "release"]
    assert len(release) == 1 and release[0]["_file"].endswith("old.xml")
    assert release[0]["_reasons"] == "iJw/iWmo release 2.0 is not supported; caregraph reads 3.x"
    # The valid rows of the same batch are not in the quarantine.
    hh = {r["household_id"] for r in _rows(q / "households.csv")}
    assert hh == {"h2", "h3"}


def test_warnings_are_not_refusals_superseded_versions_stay_out_of_the_quarantine(
        tmp_path: Path, settings: Settings, store: object) -> None:
    newer = tmp_path / "newer"
    newer.mkdir()
    (newer / "301.xml").write_text(msg301(products=product(on="2025-05-01", end="2025-12-31"), ident="M2",
                                          day="2025-05-01"), encoding="utf-8")
    assert ingest([newer], store=store, settings=settings).status == "loaded"  # type: ignore[arg-type]
    older = tmp_path / "older"
    older.mkdir()
    (older / "301.xml").write_text(msg301(products=product(end="2025-08-31")), encoding="utf-8")
    q = tmp_path / "q"
    r = ingest([older], store=store, settings=settings, quarantine=q)  # type: ignore[arg-type]
    assert r.status == "loaded" and r.report.ok
    assert any(i.rule == "superseded" for i in r.report.warnings)
    assert not (q / "unreadable.csv").exists() and not (q / "interventions.csv").exists()
    report = json.loads((q / "report.json").read_text(encoding="utf-8"))
    assert [i["rule"] for i in report["issues"] if i["severity"] == "warning"] == ["superseded"]
