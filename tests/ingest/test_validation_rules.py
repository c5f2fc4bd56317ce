"""Every validation rule with a bad-input file, plus tolerant reading (BOM, ';', headers, cp1252, Excel, Parquet)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from foundation.settings import Settings
from ingest.pipeline import read_inputs, validate
from ingest.report import ValidationReport


def _run(folder: Path, settings: Settings) -> ValidationReport:
    return validate(read_inputs([folder], settings=settings))


def _edit(csv_dir: Path, table: str, old: str, new: str) -> None:
    p = csv_dir / f"{table}.csv"
    text = p.read_text(encoding="utf-8").replace('"', "")
    assert old in text, (old, text)
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_valid_input_passes(csv_dir: Path, settings: Settings) -> None:
    r = _run(csv_dir, settings)
    assert r.ok, r.to_text()
    assert r.rows_valid["interventions"] == 4


@pytest.mark.parametrize(
    ("table", "old", "new", "rule", "field"),
    [
        ("members", "999996770", "999996771", "bsn", "bsn"),
        ("interventions", "2024-01-05", "2024-02-30", "type", "start_date"),
        ("interventions", "2024-12-31", "2023-12-31", "period", "end_date"),
        ("interventions", "i4,h2", "i4,h9", "reference", "household_id"),
        ("interventions", "i4,h2", "i3,h2", "duplicate", "intervention_id"),
        ("agencies", "housing", "plumbing", "code", "sector"),
        ("interventions", ",support,", ",helping,", "code", "kind"),
        ("interventions", "FIN", "XYZ", "reference", "domain_code"),
        ("interventions", "eviction", "shouting", "code", "action"),
        ("districts", "Noord", "", "required", "name"),
        ("members", "1985", "19x5", "type", "birth_year"),
        ("members", "1985", "1885", "range", "birth_year"),
        ("households", "9999AA", "99AA", "pattern", "postcode"),
    ],
)
def test_each_rule_has_a_bad_input(csv_dir: Path, settings: Settings, table: str, old: str, new: str, rule: str,
                                   field: str) -> None:
    _edit(csv_dir, table, old, new)
    r = _run(csv_dir, settings)
    assert not r.ok
    hits = [i for i in r.errors if i.rule == rule and i.field == field]
    assert hits, r.to_text()
    assert hits[0].row is not None and hits[0].file.endswith(f"{table}.csv")


def test_bsn_is_masked_in_reports(csv_dir: Path, settings: Settings) -> None:
    _edit(csv_dir, "members", "999996770", "999996771")
    r = _run(csv_dir, settings)
    assert "999996771" not in r.to_json() and "999996771" not in r.to_text()
    assert any(i.value == "9999*****" for i in r.errors)


def test_dependent_rows_are_flagged_with_their_parent(csv_dir: Path, settings: Settings) -> None:
    _edit(csv_dir, "households", "h2,d2", "h2,d9")  # household h2 gets an unknown district
    r = _run(csv_dir, settings)
    rules = {(i.table, i.rule) for i in r.errors}
    assert ("households", "reference") in rules
    assert ("members", "dependency") in rules and ("interventions", "dependency") in rules


def test_tolerant_csv_dialect(csv_dir: Path, settings: Settings) -> None:
    p = csv_dir / "agencies.csv"
    lines = p.read_text(encoding="utf-8").replace('"', "").splitlines()
    header = ";".join(h.upper().replace("_", " ") for h in lines[0].split(","))
    body = [ln.replace(",", ";") for ln in lines[1:]]
    p.write_bytes(("\ufeff" + "\r\n".join([header, *body]) + "\r\n").encode("utf-8"))
    r = _run(csv_dir, settings)
    assert r.ok, r.to_text()


def test_cp1252_and_utf16(csv_dir: Path, settings: Settings) -> None:
    p = csv_dir / "districts.csv"
    p.write_bytes("district_id,name,municipality_code\nd1,Noord é,0599\nd2,Zuid,0599\n".encode("cp1252"))
    r = _run(csv_dir, settings)
    assert r.ok and any(i.rule == "encoding" for i in r.warnings)
    p.write_bytes("district_id,name,municipality_code\nd1,Noord é,0599\nd2,Zuid,0599\n".encode("utf-16"))
    assert _run(csv_dir, settings).ok


def test_wrong_field_count_is_reported_per_row(csv_dir: Path, settings: Settings) -> None:
    p = csv_dir / "districts.csv"
    p.write_text("district_id,name,municipality_code\nd1,Noord,0599\nd2,Zuid,0599,extra\n", encoding="utf-8")
    r = _run(csv_dir, settings)
    assert any(i.rule == "structure" and i.row == 2 for i in r.errors), r.to_text()


def test_excel_and_parquet(tmp_path: Path, tables: object, settings: Settings) -> None:
    import openpyxl

    from tests.ingest.conftest import small_tables

    t = small_tables()
    folder = tmp_path / "mixed"
    folder.mkdir()
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Districts"
    for row in [["District ID", "Name", "Municipality Code"], ["d1", "Noord", "0599"], ["d2", "Zuid", "0599"]]:
        ws.append(row)
    wb.save(folder / "export.xlsx")
    for name in ("agencies", "professionals", "households", "members", "interventions"):
        pq.write_table(t[name], folder / f"{name}.parquet")
    r = _run(folder, settings)
    assert r.ok, r.to_text()
    assert r.rows_valid["districts"] == 2 and r.rows_valid["interventions"] == 4


def test_missing_required_column(csv_dir: Path, settings: Settings) -> None:
    (csv_dir / "districts.csv").write_text("district_id\nd1\n", encoding="utf-8")
    r = _run(csv_dir, settings)
    assert any(i.rule == "header" and i.field == "name" for i in r.errors)


def test_parquet_arrow_table_roundtrip_types(tmp_path: Path, settings: Settings) -> None:
    pq.write_table(pa.table({"district_id": ["d1"], "name": ["N"], "municipality_code": [None]},
                            schema=pa.schema([("district_id", pa.string()), ("name", pa.string()),
                                              ("municipality_code", pa.string())])), tmp_path / "districts.parquet")
    assert _run(tmp_path, settings).ok


def test_dutch_dates_and_slow_paths(csv_dir: Path, settings: Settings) -> None:
    _edit(csv_dir, "interventions", "2024-01-05", "05-01-2024")
    _edit(csv_dir, "members", "1985", "+1985")
    r = _run(csv_dir, settings)
    assert r.ok, r.to_text()
