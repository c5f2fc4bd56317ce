"""Other systems' exports read through a YAML mapping (``caregraph ingest --mapping``; synthetic data only).

The export below is what a Dutch case-registration system writes: its own column names, dd-mm-jjjj dates, Dutch code
labels, a remarks column caregraph does not use, and ``;`` as the delimiter.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from caregraph.cli import app
from foundation.settings import Settings, get_settings
from ingest.mapping import MappingFileError, SourceMapping
from ingest.mapping_starter import guess_column, source_columns, starter_mapping
from ingest.pipeline import ingest
from ingest.report import Issue

EXPORT: dict[str, list[list[str]]] = {
    "wijken": [["Wijkcode", "Wijknaam", "CBS-code"],
               ["W01", "Noord", "0599"], ["W02", "Zuid", "0599"]],
    "organisaties": [["Organisatiecode", "Naam organisatie", "Soort organisatie", "AGB"],
                     ["ORG1", "Wijkteam Noord", "Wijkteam", "41000001"],
                     ["ORG2", "Woonstad", "Corporatie", ""]],
    "medewerkers": [["Medewerkernummer", "Naam", "Functie", "Organisatiecode"],
                    ["M1", "P Een", "wijkcoach", "ORG1"], ["M2", "P Twee", "consulent", "ORG2"]],
    "huishoudens": [["Dossiernummer", "Wijkcode", "Samenstelling", "Postcode", "Aanmelddatum", "Afsluitdatum",
                     "Opmerking"],
                    ["D-100", "W01", "Eenoudergezin", "9999 AA", "05-01-2024", "", "via huisarts"],
                    ["D-200", "W02", "Alleenstaand", "", "01-03-2024", "31-10-2024", ""]],
    "personen": [["Clientnummer", "Dossiernummer", "Burgerservicenummer", "Naam", "Geboortejaar", "Gezinsrol"],
                 ["C1", "D-100", "999900006", "A Jansen", "1985", "Ouder"],
                 ["C2", "D-100", "999996770", "B Jansen", "2012", "Kind"],
                 ["C3", "D-200", "999900018", "D Pietersen", "1970", "Alleenstaand"]],
    "trajecten": [["Trajectnummer", "Dossiernummer", "Clientnummer", "Medewerkernummer", "Organisatiecode",
                   "Leefgebied", "Soort traject", "Maatregel", "Startdatum", "Einddatum"],
                  ["T1", "D-100", "C1", "M1", "ORG1", "Schuldhulp", "Ondersteuning", "", "05-01-2024", ""],
                  ["T2", "D-100", "", "M2", "ORG2", "Wonen", "Handhaving", "Ontruiming", "01-03-2024", ""],
                  ["T3", "D-200", "C3", "M1", "ORG1", "Psychisch", "ondersteuning", "", "02-03-2024",
                   "30-06-2024"]],
}

MAPPING = """\
version: 1
files:
  - match: "wijken*"
    table: districts
    columns: {Wijkcode: district_id, Wijknaam: name, CBS-code: municipality_code}
  - match: "organisaties*"
    table: agencies
    columns:
      Organisatiecode: agency_id
      Naam organisatie: name
      Soort organisatie:
        to: sector
        codes: {Wijkteam: neighbourhood_team, Corporatie: housing}
      AGB: agb_code
  - match: "medewerkers*"
    table: professionals
    columns: {Medewerkernummer: professional_id, Naam: name, Functie: role, Organisatiecode: agency_id}
  - match: "huishoudens*"
    table: households
    date: "%d-%m-%Y"
    columns:
      Dossiernummer: household_id
      Wijkcode: district_id
      Samenstelling:
        to: composition
        codes: {Eenoudergezin: single_parent, Alleenstaand: single, Gezin: couple_with_children}
      Postcode: postcode
      Aanmelddatum: opened_on
      Afsluitdatum: closed_on
    ignore: [Opmerking]
  - match: "personen*"
    table: members
    columns:
      Clientnummer: member_id
      Dossiernummer: household_id
      Burgerservicenummer: bsn
      Naam: name
      Geboortejaar: birth_year
      Gezinsrol: {to: role, codes: {Ouder: parent, Kind: child, Alleenstaand: single, Partner: partner}}
  - match: "trajecten*"
    table: interventions
    columns:
      Trajectnummer: intervention_id
      Dossiernummer: household_id
      Clientnummer: member_id
      Medewerkernummer: professional_id
      Organisatiecode: agency_id
      Leefgebied: {to: domain_code, codes: {Schuldhulp: FIN, Wonen: HUI, Psychisch: GGZ}}
      Soort traject: {to: kind, codes: {Ondersteuning: support, Handhaving: enforcement}}
      Maatregel: {to: action, codes: {Ontruiming: eviction, Boete: fine}}
      Startdatum: {to: start_date, date: "%d-%m-%Y"}
      Einddatum: {to: end_date, date: "%d-%m-%Y"}
    constants: {source: export-regiesysteem}
"""


def write_export(folder: Path, fmt: str = "csv", export: dict[str, list[list[str]]] | None = None) -> list[Path]:
    """The export as ``;``-separated CSV files, or as one workbook with a sheet per file (real date cells)."""
    folder.mkdir(parents=True, exist_ok=True)
    export = export or EXPORT
    if fmt == "csv":
        paths = []
        for name, rows in export.items():
            p = folder / f"{name}_export.csv"
            with p.open("w", encoding="utf-8", newline="") as fh:
                csv.writer(fh, delimiter=";").writerows(rows)
            paths.append(p)
        return paths
    import openpyxl

    paths = []
    for name, rows in export.items():
        wb = openpyxl.Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = name.capitalize()
        for r in rows:
            ws.append([_cell(v) for v in r])
        p = folder / f"{name}_export.xlsx"
        wb.save(p)
        paths.append(p)
    return paths


def _cell(v: str) -> object:
    """Excel cells as a system writes them: dates as date cells, numbers as numbers, empty as empty."""
    if len(v) == 10 and v[2] == "-" and v[5] == "-":
        return dt.datetime.strptime(v, "%d-%m-%Y")
    if v.isdigit() and len(v) == 4 and not v.startswith("0"):
        return int(v)
    return v or None


def _mapping(tmp_path: Path, text: str = MAPPING) -> SourceMapping:
    p = tmp_path / "mapping.yaml"
    p.write_text(text, encoding="utf-8")
    return SourceMapping.load(p)


def _edited(table: str, row: int, column: str, value: str) -> dict[str, list[list[str]]]:
    export = {k: [list(r) for r in v] for k, v in EXPORT.items()}
    export[table][row][export[table][0].index(column)] = value
    return export


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_foreign_export_is_mapped_and_loaded(fmt: str, tmp_path: Path, settings: Settings, store: object) -> None:
    files = write_export(tmp_path / "export", fmt)
    r = ingest(files, store=store, settings=settings, source_mapping=_mapping(tmp_path))  # type: ignore[arg-type]
    assert r.status == "loaded", r.report.to_text()
    assert r.report.warnings == []  # Opmerking is under ignore; every rule matched a file
    hh = {h["household_id"]: h for h in store.read_table("households").to_pylist()}  # type: ignore[attr-defined]
    assert hh["D-100"]["composition"] == "single_parent" and hh["D-100"]["opened_on"] == dt.date(2024, 1, 5)
    assert hh["D-200"]["closed_on"] == dt.date(2024, 10, 31) and hh["D-100"]["postcode"] == "9999AA"
    iv = {i["intervention_id"]: i for i in store.read_table("interventions").to_pylist()}  # type: ignore[attr-defined]
    assert {k: (v["domain_code"], v["kind"]) for k, v in iv.items()} == {
        "T1": ("FIN", "support"), "T2": ("HUI", "enforcement"), "T3": ("GGZ", "support")}
    assert iv["T2"]["action"] == "eviction" and iv["T3"]["end_date"] == dt.date(2024, 6, 30)
    assert {v["source"] for v in iv.values()} == {"export-regiesysteem"}
    members = store.read_table("members").to_pylist()  # type: ignore[attr-defined]
    assert sorted(m["role"] for m in members) == ["child", "parent", "single"]
    assert "999900006" not in str(members)  # the mapped BSN column is pseudonymised like any other
    agencies = {a["agency_id"]: a["sector"] for a in store.read_table("agencies").to_pylist()}  # type: ignore
    assert agencies == {"ORG1": "neighbourhood_team", "ORG2": "housing"}


def test_error_on_a_mapped_column_names_the_source_column(tmp_path: Path, settings: Settings) -> None:
    files = write_export(tmp_path / "export", export=_edited("huishoudens", 2, "Wijkcode", "W09"))
    r = ingest(files, store=None, settings=settings, source_mapping=_mapping(tmp_path))
    [e] = [i for i in r.report.errors if i.rule != "dependency"]
    assert (e.rule, e.field, e.source_column, e.row, e.value) == ("reference", "district_id", "Wijkcode", 2, "W09")
    dependants = [i for i in r.report.errors if i.rule == "dependency"]  # the household's members, interventions
    assert dependants and {i.source_column for i in dependants} == {"Dossiernummer", "Clientnummer"}
    assert e.file.endswith("huishoudens_export.csv")
    assert "huishoudens_export.csv, row 2, column 'Wijkcode' (mapped to district_id), value 'W09'" in e.render()


def test_unmapped_code_value_is_an_error_naming_value_and_source_column(tmp_path: Path, settings: Settings,
                                                                         store: object) -> None:
    files = write_export(tmp_path / "export", export=_edited("trajecten", 3, "Leefgebied", "Verslaving"))
    mapping = _mapping(tmp_path)
    r = ingest(files, store=store, settings=settings, source_mapping=mapping)  # type: ignore[arg-type]
    assert r.status == "rejected"
    [e] = r.report.errors  # one error for the cell, not also "unknown reference" for the untranslated value
    assert (e.rule, e.source_column, e.value, e.row) == ("mapping", "Leefgebied", "Verslaving", 3)
    assert "files[5].columns.Leefgebied" in e.reason and "mapping.yaml" in e.reason
    assert store.read_table("households").num_rows == 0  # type: ignore[attr-defined]  # all-or-nothing
    q = tmp_path / "q"
    r = ingest(files, store=store, settings=settings, source_mapping=mapping, quarantine=q)  # type: ignore[arg-type]
    assert r.status == "loaded" and r.quarantined == {"interventions": 1}
    rows = list(csv.DictReader((q / "interventions.csv").open(encoding="utf-8")))
    assert rows[0]["intervention_id"] == "T3" and rows[0]["domain_code"] == "Verslaving"
    assert rows[0]["_reasons"].startswith("Leefgebied (domain_code): code value without a translation")
    ids = store.read_table("interventions").column("intervention_id").to_pylist()  # type: ignore[attr-defined]
    assert sorted(ids) == ["T1", "T2"]


def test_values_already_in_template_codes_pass_and_case_is_ignored(tmp_path: Path, settings: Settings) -> None:
    export = _edited("trajecten", 1, "Leefgebied", "FIN")
    export["trajecten"][2][export["trajecten"][0].index("Leefgebied")] = "  wONEN "
    files = write_export(tmp_path / "export", export=export)
    r = ingest(files, store=None, settings=settings, source_mapping=_mapping(tmp_path))
    assert r.status == "dry-run", r.report.to_text()


def test_bad_date_in_the_declared_format(tmp_path: Path, settings: Settings) -> None:
    files = write_export(tmp_path / "export", export=_edited("trajecten", 1, "Startdatum", "31-02-2024"))
    r = ingest(files, store=None, settings=settings, source_mapping=_mapping(tmp_path))
    [e] = r.report.errors
    assert (e.rule, e.source_column, e.field, e.value) == ("type", "Startdatum", "start_date", "31-02-2024")
    assert "'%d-%m-%Y'" in e.reason


def test_bsn_errors_are_masked_whatever_the_source_column_is_called(tmp_path: Path, settings: Settings) -> None:
    files = write_export(tmp_path / "export", export=_edited("personen", 1, "Burgerservicenummer", "999900007"))
    r = ingest(files, store=None, settings=settings, source_mapping=_mapping(tmp_path))
    [e] = [i for i in r.report.errors if i.rule != "dependency"]
    assert (e.rule, e.source_column, e.value) == ("bsn", "Burgerservicenummer", "9999*****")
    assert "999900007" not in r.report.to_json()


def test_unmapped_source_columns_are_a_warning_listing_them(tmp_path: Path, settings: Settings) -> None:
    files = write_export(tmp_path / "export")
    text = MAPPING.replace("    ignore: [Opmerking]\n", "")
    r = ingest(files, store=None, settings=settings, source_mapping=_mapping(tmp_path, text))
    assert r.ok
    [w] = r.report.warnings
    assert w.rule == "mapping" and "'Opmerking'" in w.reason and w.file.endswith("huishoudens_export.csv")


def test_missing_mapped_required_column_names_it(tmp_path: Path, settings: Settings) -> None:
    export = {k: v for k, v in EXPORT.items()}
    export["huishoudens"] = [[c if c != "Aanmelddatum" else "Datum" for c in export["huishoudens"][0]],
                             *export["huishoudens"][1:]]
    files = write_export(tmp_path / "export", export=export)
    r = ingest(files, store=None, settings=settings, source_mapping=_mapping(tmp_path))
    header = [e for e in r.report.errors if e.rule == "header"]
    assert len(header) == 1 and "source column 'Aanmelddatum'" in header[0].reason
    assert header[0].field == "opened_on"


def test_files_no_rule_matches_are_read_as_templates(tmp_path: Path, settings: Settings, csv_dir: Path) -> None:
    mapping = _mapping(tmp_path, MAPPING.split("  - match: \"organisaties*\"")[0])
    r = ingest([csv_dir], store=None, settings=settings, source_mapping=mapping)
    assert r.ok and r.report.rows_valid["interventions"] == 4
    [w] = r.report.warnings  # the wijken rule matched nothing
    assert w.rule == "mapping" and "'wijken*'" in w.reason and w.path == "files[0]"


def test_excel_sheet_rules(tmp_path: Path, settings: Settings) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Toelichting"
    ws.append(["Deze export is synthetisch"])
    ws2 = wb.create_sheet("Wijken")
    for row in EXPORT["wijken"]:
        ws2.append(row)
    wb.save(tmp_path / "export.xlsx")
    text = ("files:\n  - match: export.xlsx\n    sheet: wijk*\n    table: districts\n"
            "    columns: {Wijkcode: district_id, Wijknaam: name, CBS-code: municipality_code}\n")
    r = ingest([tmp_path / "export.xlsx"], store=None, settings=settings, source_mapping=_mapping(tmp_path, text))
    assert r.ok and r.report.rows_valid == {"districts": 2}
    [w] = r.report.warnings
    assert "'Toelichting'" in w.reason and "no rule" in w.reason


def test_a_file_two_rules_match_is_refused(tmp_path: Path, settings: Settings) -> None:
    files = write_export(tmp_path / "export", export={"wijken": EXPORT["wijken"]})
    text = ("files:\n  - {match: 'wijken*', table: districts, columns: {Wijkcode: district_id, Wijknaam: name}}\n"
            "  - {match: '*.csv', table: districts, columns: {Wijkcode: district_id, Wijknaam: name}}\n")
    r = ingest(files, store=None, settings=settings, source_mapping=_mapping(tmp_path, text))
    [e] = r.report.errors
    assert e.rule == "file" and "files[0], files[1]" in e.reason


MAPPING_ERRORS = [
    ("files:\n  - {match: a.csv, table: huishoudens}\n", "files[0].table", "unknown table 'huishoudens'"),
    ("files:\n  - {match: a.csv, table: households, columns: {Wijk: wijk_id}}\n", "files[0].columns.Wijk",
     "unknown column 'wijk_id' of households"),
    ("files:\n  - match: a.csv\n    table: households\n    columns:\n      S: {to: composition, codes: {X: gezin}}\n",
     "files[0].columns.S.codes.X", "'gezin' is not a code of households.composition"),
    ("files:\n  - match: a.csv\n    table: interventions\n    columns:\n      L: {to: domain_code, codes: {X: FINN}}\n",
     "files[0].columns.L.codes.X", "'FINN' is not a code"),
    ("files:\n  - {match: a.csv, table: households, date: dd-mm-jjjj}\n", "files[0].date",
     "does not hold a full date"),
    ("files:\n  - match: a.csv\n    table: households\n    columns:\n      S: {to: opened_on, date: '%m-%Y'}\n",
     "files[0].columns.S.date", "does not hold a full date"),
    ("files:\n  - match: a.csv\n    table: households\n    columns:\n      S: {to: postcode, date: '%d-%m-%Y'}\n",
     "files[0].columns.S.date", "not a date column"),
    ("files:\n  - {match: a.csv, table: households, columns: {A: household_id, B: household_id}}\n",
     "files[0].columns.B", "'household_id' is already mapped from 'A'"),
    ("files:\n  - {match: a.csv, table: households, columns: {Wijk: district_id, WIJK: postcode}}\n",
     "files[0].columns.WIJK", "same column as 'Wijk'"),
    ("files:\n  - match: a.csv\n    table: households\n    table: members\n", "files[0].table", "appears twice"),
    ("files:\n  - {match: a.csv, table: households, colums: {}}\n", "files[0].colums", "unknown key 'colums'"),
    ("files:\n  - {table: households}\n", "files[0]", "missing key 'match'"),
    ("files:\n  - {match: a.csv, table: households, constants: {composition: gezin}}\n",
     "files[0].constants.composition", "not a code"),
    ("files:\n  - {match: a.csv, table: households, columns: {A: district_id}, constants: {district_id: x}}\n",
     "files[0].constants.district_id", "already mapped from 'A'"),
    ("files:\n  - match: a.csv\n    table: members\n    columns:\n      J: {to: birth_year, codes: {x: '1800'}}\n",
     "files[0].columns.J.codes.x", "outside the range"),
    ("files:\n  - {match: a.csv, table: households, columns: {A: district_id}, ignore: [a]}\n",
     "files[0].ignore[0]", "mapped and ignored"),
    ("version: 2\nfiles:\n  - {match: a.csv, table: households}\n", "version", "unknown version"),
    ("files: []\n", "files", "non-empty list"),
    ("file:\n  - {match: a.csv}\n", "file", "unknown key 'file'"),
    ("files:\n  - {match: a.csv, table: allocations}\n", "files[0].table", "unknown table 'allocations'"),
    ("files:\n  - match: a.csv\n    table: members\n    columns:\n      B: {to: bsn, codes: {x: '999900006'}}\n",
     "files[0].columns.B.codes", "codes cannot translate members.bsn"),
]


@pytest.mark.parametrize(("text", "path", "reason"), MAPPING_ERRORS)
def test_mapping_file_errors_name_file_and_yaml_path(text: str, path: str, reason: str, tmp_path: Path) -> None:
    with pytest.raises(MappingFileError) as exc:
        _mapping(tmp_path, text)
    hits = [i for i in exc.value.issues if i.path is not None and i.path.split(" (line")[0] == path]
    assert hits, [i.render() for i in exc.value.issues]
    assert any(reason in i.reason for i in hits), [i.render() for i in hits]
    assert all(i.file.endswith("mapping.yaml") and i.rule == "mapping" for i in exc.value.issues)
    assert "(line " in hits[0].path  # type: ignore[operator]


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(MappingFileError) as exc:
        _mapping(tmp_path, "files:\n  - match: [a\n")
    [i] = exc.value.issues
    assert "not valid YAML" in i.reason and i.path is not None and i.path.startswith("line ")


def test_aliases_and_deep_nesting_are_refused(tmp_path: Path) -> None:
    levels = zip("abcdefgh", "bcdefghi", strict=True)
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(f"{c}: &{c} [" + ", ".join([f"*{p}"] * 9) + "]\n"
                                                          for p, c in levels)
    with pytest.raises(MappingFileError) as exc:
        _mapping(tmp_path, bomb + "files: []\n")
    assert any("aliases" in i.reason for i in exc.value.issues)
    with pytest.raises(MappingFileError) as exc:
        _mapping(tmp_path, "files: " + "[" * 5000 + "]" * 5000 + "\n")
    assert any("nested too deeply" in i.reason or "not valid YAML" in i.reason for i in exc.value.issues)


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    text = "files:\n  - {match: a.csv, table: households, columns: {A: x, B: y}, date: '%Y'}\n"
    with pytest.raises(MappingFileError) as exc:
        _mapping(tmp_path, text)
    assert len(exc.value.issues) == 3


def test_yaml_words_stay_text(tmp_path: Path) -> None:
    """``no``, ``ja`` and ``01`` are code labels here, not YAML booleans or numbers."""
    text = ("files:\n  - match: a.csv\n    table: members\n    columns:\n"
            "      R: {to: role, codes: {no: other, 01: parent, ja: child}}\n")
    rule = _mapping(tmp_path, text).rules[0]
    assert dict(rule.columns[0].codes) == {"no": "other", "01": "parent", "ja": "child"}


# --- the CLI and the starter ----------------------------------------------------------------------------------

@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREGRAPH_DEMO", "1")
    monkeypatch.setenv("CAREGRAPH_STORE_PATH", str(tmp_path / "store"))
    get_settings.cache_clear()


def test_cli_broken_mapping_rejects_before_reading(tmp_path: Path, cli_env: None) -> None:
    files = write_export(tmp_path / "export")
    (tmp_path / "m.yaml").write_text("files:\n  - {match: a.csv, table: huishoudens}\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["ingest", *map(str, files), "--mapping", str(tmp_path / "m.yaml")])
    assert r.exit_code == 1 and "Status: rejected" in r.output
    assert "m.yaml, files[0].table (line 2)" in r.output and "unknown table 'huishoudens'" in r.output


def test_cli_mapped_quarantine_and_json_report(tmp_path: Path, cli_env: None) -> None:
    files = write_export(tmp_path / "export", export=_edited("huishoudens", 2, "Samenstelling", "Woongroep"))
    (tmp_path / "m.yaml").write_text(MAPPING, encoding="utf-8")
    r = CliRunner().invoke(app, ["ingest", *map(str, files), "--mapping", str(tmp_path / "m.yaml"), "--quarantine",
                                 str(tmp_path / "q"), "--report", str(tmp_path / "r.json")])
    assert r.exit_code == 0 and "Status: loaded" in r.output
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    [e] = [i for i in report["issues"] if i["rule"] == "mapping"]
    assert (e["field"], e["source_column"], e["value"], e["row"]) == ("composition", "Samenstelling", "Woongroep", 2)
    households = list(csv.DictReader((tmp_path / "q" / "households.csv").open(encoding="utf-8")))
    assert [h["household_id"] for h in households] == ["D-200"]


def test_starter_from_the_templates_round_trips(tmp_path: Path, cli_env: None) -> None:
    """The starter loads as written; filled in for the export (source names, codes, dates) it loads the export."""
    out = tmp_path / "mapping.yaml"
    r = CliRunner().invoke(app, ["template", str(out), "--mapping"])
    assert r.exit_code == 0 and out.exists()
    starter = out.read_text(encoding="utf-8")
    assert len(SourceMapping.parse(starter).rules) == 9
    assert "# Household type. (string, required) codes: single, couple" in starter
    filled = _fill_in(starter)
    out.write_text(filled, encoding="utf-8")
    files = write_export(tmp_path / "export")
    r = CliRunner().invoke(app, ["ingest", *map(str, files), "--mapping", str(out)])
    assert r.exit_code == 0, r.output
    assert "Status: loaded" in r.output and "interventions +3" in r.output
    again = CliRunner().invoke(app, ["template", str(out), "--mapping"])
    assert again.exit_code == 2 and "exists" in again.output  # a filled-in mapping is never overwritten


def _fill_in(starter: str) -> str:
    """What a user does with the starter: rename source columns, set matches, add codes and dates."""
    renames = {
        "districts": {"district_id": "Wijkcode", "name": "Wijknaam", "municipality_code": "CBS-code"},
        "agencies": {"agency_id": "Organisatiecode", "name": "Naam organisatie", "agb_code": "AGB",
                     "sector": "Soort organisatie:\n        to: sector\n        codes: {Wijkteam: neighbourhood_team, "
                               "Corporatie: housing}\n        #"},
        "professionals": {"professional_id": "Medewerkernummer", "name": "Naam", "role": "Functie",
                          "agency_id": "Organisatiecode"},
        "households": {"household_id": "Dossiernummer", "district_id": "Wijkcode", "postcode": "Postcode",
                       "opened_on": "Aanmelddatum", "closed_on": "Afsluitdatum",
                       "composition": "Samenstelling:\n        to: composition\n        codes: {Eenoudergezin: "
                                      "single_parent, Alleenstaand: single}\n        #"},
        "members": {"member_id": "Clientnummer", "household_id": "Dossiernummer", "bsn": "Burgerservicenummer",
                    "name": "Naam", "birth_year": "Geboortejaar",
                    "role": "Gezinsrol:\n        to: role\n        codes: {Ouder: parent, Kind: child, "
                            "Alleenstaand: single}\n        #"},
        "interventions": {"intervention_id": "Trajectnummer", "household_id": "Dossiernummer",
                          "member_id": "Clientnummer", "professional_id": "Medewerkernummer",
                          "agency_id": "Organisatiecode", "start_date": "Startdatum", "end_date": "Einddatum",
                          "domain_code": "Leefgebied:\n        to: domain_code\n        codes: {Schuldhulp: FIN, "
                                         "Wonen: HUI, Psychisch: GGZ}\n        #",
                          "kind": "Soort traject:\n        to: kind\n        codes: {Ondersteuning: support, "
                                  "Handhaving: enforcement}\n        #",
                          "action": "Maatregel:\n        to: action\n        codes: {Ontruiming: eviction}\n"
                                    "        #"},
    }
    match = {"districts": "wijken*", "agencies": "organisaties*", "professionals": "medewerkers*",
             "households": "huishoudens*", "members": "personen*", "interventions": "trajecten*"}
    out: list[str] = []
    table = ""
    for line in starter.splitlines():
        if line.startswith("  - match:"):
            pending = line
            continue
        if line.startswith("    table: "):
            table = line.split()[1]
            out.append(f"  - match: {match[table]!r}" if table in match else pending)
            out.append(line)
            continue
        if line == '    # date: "%d-%m-%Y"':
            out.append('    date: "%d-%m-%Y"')
            continue
        stripped = line.strip()
        if table in renames and line.startswith("      ") and ":" in stripped:
            col = stripped.split(":")[0]
            if col in renames[table]:
                target = stripped.split(":")[1].split("#")[0].strip()
                new = renames[table][col]
                if "\n" in new:
                    out.append(f"      {new}" + stripped.split("#", 1)[1])
                else:
                    out.append(f"      {new}: {target}")
                continue
            if col == "source":
                continue  # no such column in the export: left out of the mapping
        out.append(line)
    text = "\n".join(out) + "\n"
    return text.replace("  - match: 'huishoudens*'\n    table: households\n",
                        "  - match: 'huishoudens*'\n    table: households\n    ignore: [Opmerking]\n")


def test_starter_from_an_export_guesses_its_columns(tmp_path: Path) -> None:
    files = write_export(tmp_path / "export", export={"huishoudens": EXPORT["huishoudens"],
                                                       "trajecten": EXPORT["trajecten"]})
    issues: list[Issue] = []
    found = [c for f in files for c in source_columns(f, issues)]
    assert issues == [] and [c.columns[0] for c in found] == ["Dossiernummer", "Trajectnummer"]
    text = starter_mapping(found)
    m = SourceMapping.parse(text)
    hh, tr = m.rules
    assert (hh.table, hh.match, tr.table) == ("households", "huishoudens_export.csv", "interventions")
    assert {c.source: c.target for c in hh.columns} == {
        "Dossiernummer": "household_id", "Wijkcode": "district_id", "Samenstelling": "composition",
        "Postcode": "postcode", "Aanmelddatum": "opened_on", "Afsluitdatum": "closed_on"}
    assert hh.ignore == frozenset({"opmerking"})
    guessed = {c.source: c.target for c in tr.columns}
    assert guessed["Leefgebied"] == "domain_code" and guessed["Startdatum"] == "start_date"
    assert guessed["Medewerkernummer"] == "professional_id" and guessed["Trajectnummer"] == "intervention_id"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_starter_from_the_export_loads_it_as_guessed(fmt: str, tmp_path: Path, cli_env: None) -> None:
    """Columns, tables, Dutch code labels and dd-mm-jjjj dates guessed from the export itself: it loads as is."""
    files = write_export(tmp_path / "export", fmt)
    out = tmp_path / "guessed.yaml"
    r = CliRunner().invoke(app, ["template", str(out), "--mapping", *(a for f in files for a in ("--from", str(f)))])
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    if fmt == "csv":  # Excel holds real date cells: no format needed
        assert 'date: "%d-%m-%Y"' in text
    assert "Schuldhulp: FIN" in text and "Eenoudergezin: single_parent" in text and "Ontruiming: eviction" in text
    r = CliRunner().invoke(app, ["ingest", *map(str, files), "--mapping", str(out)])
    assert r.exit_code == 0, r.output
    assert "Status: loaded" in r.output and "interventions +3" in r.output and "WARNING" not in r.output


def test_starter_leaves_unguessable_codes_for_the_user(tmp_path: Path) -> None:
    files = write_export(tmp_path / "export", export={"trajecten": _edited("trajecten", 1, "Leefgebied",
                                                                           "Zwerfvuil")["trajecten"]})
    found = source_columns(files[0], [])
    text = starter_mapping(found)
    assert '# Zwerfvuil: ?' in text and "Wonen: HUI" in text
    rule = SourceMapping.parse(text).rules[0]
    leef = next(c for c in rule.columns if c.source == "Leefgebied")
    assert dict(leef.codes) == {"wonen": "HUI", "psychisch": "GGZ"}


def test_starter_from_an_excel_export_lists_each_sheet(tmp_path: Path, cli_env: None) -> None:
    [book] = write_export(tmp_path / "export", "xlsx", export={"personen": EXPORT["personen"]})
    out = tmp_path / "m" / "from.yaml"
    r = CliRunner().invoke(app, ["template", str(out), "--mapping", "--from", str(book)])
    assert r.exit_code == 0, r.output
    [rule] = SourceMapping.parse(out.read_text(encoding="utf-8")).rules
    assert (rule.table, rule.sheet) == ("members", "Personen")
    assert {c.source: c.target for c in rule.columns}["Burgerservicenummer"] == "bsn"


def test_guess_column_takes_each_template_column_once() -> None:
    from graph.schema import table_spec

    spec = table_spec("interventions")
    assert guess_column(spec, "Startdatum", set()) == "start_date"
    assert guess_column(spec, "Begindatum", {"start_date"}) is None
