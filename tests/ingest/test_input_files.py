"""A folder of tables is read once: one format per table, files that hold no entity table skipped with a note."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from foundation.settings import Settings
from graph.tables import write_table_files
from ingest.input_files import select_inputs
from ingest.pipeline import check, ingest, read_inputs
from synthetic import generate_municipality, write_municipality
from tests.ingest.conftest import small_tables


def _names(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def test_a_generated_folder_loads_once_with_the_expected_row_counts(tmp_path: Path, settings: Settings,
                                                                    store: object) -> None:
    m = generate_municipality(40, 11)
    out = tmp_path / "gen"
    write_municipality(m, out)  # every table as CSV and Parquet, plus planted.csv and manifest.json
    expected = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["row_counts"]
    r = ingest([out], store=store, settings=settings)  # type: ignore[arg-type]
    assert r.status == "loaded", r.report.to_text()
    assert {k: v for k, v in r.rows_loaded.items() if k in expected} == expected
    skipped = {Path(i.file).name: i.reason for i in r.report.warnings if i.rule == "skipped"}
    assert "planted.csv" in skipped and "manifest.json" in skipped
    assert "households.csv" in skipped and "households.parquet" in skipped["households.csv"]
    assert not any(Path(i.file).suffix == ".parquet" for i in r.report.warnings if i.rule == "skipped")
    assert r.report.files == sorted(r.report.files) and all(f.endswith(".parquet") for f in r.report.files)


def test_parquet_wins_over_csv_and_csv_over_excel_whatever_the_content(tmp_path: Path, settings: Settings) -> None:
    t = small_tables()
    out = tmp_path / "in"
    write_table_files(t, out, formats=("csv",))
    # A Parquet copy of households with one row less: it is the one read (the files are not compared).
    pq.write_table(t["households"].slice(0, 1), out / "Households.parquet")
    files, notes = select_inputs([out])
    assert "Households.parquet" in _names(files) and "households.csv" not in _names(files)
    assert [Path(n.file).name for n in notes] == ["households.csv"]
    assert "Households.parquet" in notes[0].reason and notes[0].severity == "warning"
    res = check(read_inputs([out], settings=settings))
    assert res.report.rows_read["households"] == 1
    # CSV over Excel.
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "members"
    ws.append(["member_id", "household_id"])
    wb.save(out / "members.xlsx")
    files, notes = select_inputs([out])
    assert "members.csv" in _names(files) and "members.xlsx" not in _names(files)
    assert any(Path(n.file).name == "members.xlsx" and "members.csv" in n.reason for n in notes)


def test_files_that_are_no_entity_table_are_skipped_with_a_note(tmp_path: Path) -> None:
    out = tmp_path / "in"
    write_table_files(small_tables(), out, formats=("csv",))
    (out / "planted.csv").write_text("household_id,flag\nh1,overlap\n", encoding="utf-8")
    (out / "README.md").write_text("hello", encoding="utf-8")
    (out / "report.json").write_text("{}", encoding="utf-8")
    (out / ".hidden.csv").write_text("x", encoding="utf-8")
    files, notes = select_inputs([out])
    assert not {"planted.csv", "README.md", "report.json", ".hidden.csv"} & set(_names(files))
    assert sorted(Path(n.file).name for n in notes) == ["README.md", "planted.csv", "report.json"]
    assert all(n.rule == "skipped" and n.severity == "warning" for n in notes)


def test_a_misnamed_table_is_still_an_error_naming_the_file(tmp_path: Path, settings: Settings) -> None:
    out = tmp_path / "in"
    write_table_files(small_tables(), out, formats=("csv",))
    pq.write_table(pa.table({"x": [1]}), out / "huishoudens.parquet")
    r = check(read_inputs([out], settings=settings)).report
    errs = [i for i in r.errors if i.file.endswith("huishoudens.parquet")]
    assert errs and "cannot tell which entity table" in errs[0].reason


def test_different_names_of_one_table_are_all_read(tmp_path: Path, settings: Settings) -> None:
    t = small_tables()
    out = tmp_path / "in"
    out.mkdir()
    hh = t["households"]
    import pyarrow.csv as pacsv

    pacsv.write_csv(hh.slice(0, 1), out / "households_2024.csv")
    pq.write_table(hh.slice(1, 1), out / "households_2025.parquet")
    files, notes = select_inputs([out])
    assert _names(files) == ["households_2024.csv", "households_2025.parquet"] and not notes
    assert check(read_inputs([out], settings=settings)).report.rows_read["households"] == 2
