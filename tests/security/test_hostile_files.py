"""Hostile input files: fuzzed Excel workbooks (hypothesis; the CSV and XML fuzzing is in tests/ingest/
test_malformed.py), XML external entities and entity-expansion bombs inside an .xlsx and in iJw/iWmo messages
uploaded over the API. Every one gives a validation report, never a traceback, never the content of a local file,
and never an expansion that takes more than a moment."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from foundation.settings import Settings
from ingest.pipeline import check, read_inputs
from tests.api.conftest import auth
from tests.services.world import World

S = Settings(demo=True, _env_file=None)  # type: ignore[call-arg]
HEADER = ["intervention_id", "household_id", "member_id", "professional_id", "agency_id", "domain_code", "kind",
          "action", "start_date", "end_date", "contact_count", "source"]
GOOD = ["i1", "h1", None, "p1", "a1", "FIN", "support", None, "2024-01-05", None, 3, "xlsx"]
INPUTS_TRIED = {"excel": 0}

# openpyxl refuses control characters in cells; everything else is fair game
cell_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=[chr(c) for c in range(32)]),
                    max_size=40)
cell = st.one_of(st.none(), cell_text, st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True),
                 st.booleans(), st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
                 st.sampled_from(["=1+1", "=HYPERLINK(\"x\")", "@SUM(A1)", "=A1/0", "9999*****", "1900-02-29",
                                  "31-02-2024", "' OR 1=1", "x'}) MATCH (n) DETACH DELETE n //"]))
mutation = st.one_of(st.none(), st.tuples(st.sampled_from(["truncate", "flip"]), st.floats(0, 1)))


def _workbook(header: list[str], rows: list[list[object]], sheet: str, extra_sheet: bool) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    if extra_sheet:
        wb.create_sheet("Notes").append(["nothing", "to", "see"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


FUZZED_WORKBOOK = dict(
    header=st.one_of(st.just(HEADER), st.permutations(HEADER), st.lists(cell_text, max_size=14)),
    rows=st.lists(st.one_of(st.just(GOOD), st.lists(cell, max_size=14)), max_size=8),
    sheet=st.sampled_from(["Interventions", "interventions", "Blad1", "Households", "x" * 31]),
    extra_sheet=st.booleans(),
    mutate=mutation,
)


def _ingest_fuzzed_workbook(header: list[str], rows: list[list[object]], sheet: str, extra_sheet: bool,
                            mutate: tuple[str, float] | None) -> None:
    try:
        data = _workbook([str(h) for h in header], rows, sheet, extra_sheet)
    except (ValueError, TypeError):
        return  # openpyxl itself refuses this cell; nothing to ingest
    if mutate is not None:
        kind, at = mutate
        i = int(len(data) * at)
        data = data[:i] if kind == "truncate" else data[:i] + bytes([(data[i] ^ 0xFF)]) + data[i + 1:] if i < len(
            data) else data
    INPUTS_TRIED["excel"] += 1
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "export.xlsx"
        p.write_bytes(data)
        report = check(read_inputs([p], settings=S)).report
    assert not [i for i in report.issues if i.rule == "internal"], report.to_text()
    assert report.to_text().startswith("Validation")
    report.to_json()


@pytest.mark.filterwarnings("ignore::UserWarning")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**FUZZED_WORKBOOK)
def test_fuzzed_excel_gives_a_report(header: list[str], rows: list[list[object]], sheet: str, extra_sheet: bool,
                                     mutate: tuple[str, float] | None) -> None:
    _ingest_fuzzed_workbook(header, rows, sheet, extra_sheet, mutate)


def _xlsx_with(sheet_xml: str, shared_strings: str | None = None) -> bytes:
    """A minimal valid workbook whose first sheet (and shared strings) are the given XML."""
    base = io.BytesIO()
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Districts"
    ws.append(["district_id", "name"])
    ws.append(["d1", "Noord"])
    wb.save(base)
    out = io.BytesIO()
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml.encode()
            elif item.filename == "xl/sharedStrings.xml" and shared_strings is not None:
                data = shared_strings.encode()
            dst.writestr(item, data)
    return out.getvalue()


SHEET = ('<?xml version="1.0"?>{dtd}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
         '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>district_id</t></is></c>'
         '<c r="B1" t="inlineStr"><is><t>name</t></is></c></row>'
         '<row r="2"><c r="A2" t="inlineStr"><is><t>d1</t></is></c><c r="B2" t="inlineStr"><is><t>{value}</t></is>'
         '</c></row></sheetData></worksheet>')
LOL = '<!ENTITY l0 "lol">' + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
HOSTILE_XLSX = {
    "xxe-file": SHEET.format(dtd='<!DOCTYPE w [<!ENTITY e SYSTEM "file:///etc/passwd">]>', value="&e;"),
    "xxe-http": SHEET.format(dtd='<!DOCTYPE w [<!ENTITY e SYSTEM "http://127.0.0.1:9/x">]>', value="&e;"),
    "billion-laughs": SHEET.format(dtd=f"<!DOCTYPE w [{LOL}]>", value="&l9;"),
    "quadratic": SHEET.format(dtd='<!DOCTYPE w [<!ENTITY a "' + "A" * 50_000 + '">]>', value="&a;" * 2000),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_XLSX))
def test_entities_inside_xlsx_are_refused(tmp_path: Path, name: str) -> None:
    p = tmp_path / "districts.xlsx"
    p.write_bytes(_xlsx_with(HOSTILE_XLSX[name]))
    t0 = time.perf_counter()
    report = check(read_inputs([p], settings=S)).report
    took = time.perf_counter() - t0
    text = report.to_json()
    assert took < 10, f"{name}: {took:.1f} s"
    assert "root:" not in text and "lollollol" not in text
    assert not [i for i in report.issues if i.rule == "internal"], report.to_text()
    assert report.errors, f"{name} was accepted: {report.to_text()}"


BOMB = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>')
XXE = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
PARAM = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><x/>')


def test_xml_bombs_and_xxe_uploaded_over_the_api(world: World) -> None:
    with TestClient(create_app(world.settings, services=world.services), raise_server_exceptions=False) as c:
        for name, body in (("bomb.xml", BOMB), ("xxe.xml", XXE), ("param.xml", PARAM),
                           ("xxe.xlsx", HOSTILE_XLSX["xxe-file"])):
            data = body.encode() if name.endswith(".xml") else _xlsx_with(body)
            r = c.post("/api/v1/ingest", params={"dry_run": "true"}, headers=auth(world, "admin"),
                       files=[("files", (name, io.BytesIO(data), "application/octet-stream"))])
            assert r.status_code == 200, (name, r.text)
            assert "root:" not in r.text and "lollol" not in r.text
            assert not r.json()["report"]["ok"], (name, r.json())


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_fuzzed_workbooks_mostly_reach_the_ingest() -> None:
    """The fuzzing is not vacuous: a fixed replay of 40 examples gets at least half of them past openpyxl (which
    refuses some cells itself) and through the ingest."""
    before = INPUTS_TRIED["excel"]
    replay = settings(max_examples=40, derandomize=True, database=None, deadline=None,
                      suppress_health_check=[HealthCheck.too_slow])(given(**FUZZED_WORKBOOK)(_ingest_fuzzed_workbook))
    replay()
    assert INPUTS_TRIED["excel"] - before >= 20, INPUTS_TRIED
