"""Value-level validation (:func:`ingest.validation.validate_parts`) on tiny hand-made string tables.

Every case names the exact issue expected (table, row, field, rule, reason): booleans in Dutch and English, BSNs
(11-proef, 000000000, eight digits), lengths, ranges and dates at their bounds, codes, patterns, periods,
duplicates, references and dependencies, and the row numbers across several parts of one table.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from graph.schema import ENFORCEMENT_ACTIONS, table_spec
from ingest.report import ValidationReport
from ingest.tabular import RawPart
from ingest.validation import FALSE_WORDS, MAX_FIELD_CHARS, TRUE_WORDS, ValidationResult, bsn_valid_mask, validate_parts

D = dt.date


def part(table: str, rows: list[dict[str, Any]], *, file: str | None = None) -> RawPart:
    """One part of ``table`` read as strings (every spec column; missing values empty)."""
    cols = {c.name: pa.array([r.get(c.name) for r in rows], pa.string()) for c in table_spec(table).columns}
    return RawPart(table, file or f"{table}.csv", pa.table(cols), rows=np.arange(1, len(rows) + 1))


def run(*parts: RawPart, known: dict[str, pa.Array] | None = None) -> ValidationResult:
    by: dict[str, list[RawPart]] = defaultdict(list)
    for p in parts:
        by[p.table].append(p)
    return validate_parts(dict(by), ValidationReport(), known=known)


def issues(res: ValidationResult) -> list[tuple[Any, ...]]:
    return [(i.table, i.row, i.field, i.rule, i.reason, i.value, i.severity) for i in res.report.issues]


def column(res: ValidationResult, table: str, name: str) -> list[Any]:
    return res.tables[table].typed.column(name).to_pylist()


def alloc_row(i: int, deleted: str | None) -> dict[str, Any]:
    return dict(allocation_id=f"jw-0599-{i}", allocated_on="2025-03-01", allocated_at="09:00:00",
                message_date="2025-03-01", message_id="M1", deleted=deleted)


def district(i: str = "d1", name: str = "Noord", code: str | None = "0599") -> dict[str, Any]:
    return dict(district_id=i, name=name, municipality_code=code)


def household(i: str = "h1", **kw: Any) -> dict[str, Any]:
    return dict(dict(household_id=i, district_id="d1", composition="single", opened_on="2024-01-01"), **kw)


def member(i: str = "m1", **kw: Any) -> dict[str, Any]:
    return dict(dict(member_id=i, household_id="h1", birth_year="1980", role="parent"), **kw)


def intervention(i: str = "i1", **kw: Any) -> dict[str, Any]:
    return dict(dict(intervention_id=i, household_id="h1", professional_id="p1", agency_id="a1", domain_code="FIN",
                     kind="support", start_date="2024-01-01"), **kw)


KNOWN = {"households": pa.array(["h1"]), "professionals": pa.array(["p1"]), "agencies": pa.array(["a1"]),
         "districts": pa.array(["d1"])}


# --- booleans -------------------------------------------------------------------------------------------------------
def test_every_yes_and_no_word_and_its_capitals() -> None:
    words = [*TRUE_WORDS, *FALSE_WORDS, "JA", "Nee", "TRUE", "False"]
    res = run(part("allocations", [alloc_row(i, w) for i, w in enumerate(words)]))
    assert res.report.issues == []
    expected = [True] * len(TRUE_WORDS) + [False] * len(FALSE_WORDS) + [True, False, True, False]
    assert column(res, "allocations", "deleted") == expected
    assert res.tables["allocations"].valid.num_rows == len(words)


def test_the_accepted_words_are_the_documented_ones() -> None:
    assert set(TRUE_WORDS) == {"true", "1", "ja", "j", "yes", "y", "waar", "t", "x"}
    assert set(FALSE_WORDS) == {"false", "0", "nee", "n", "no", "onwaar", "f"}


@pytest.mark.parametrize(("word", "value"), [("nee", False), ("false", False), ("0", False), ("onwaar", False),
                                             ("ja", True), ("true", True), ("1", True), ("x", True)])
def test_one_boolean(word: str, value: bool) -> None:
    assert column(run(part("allocations", [alloc_row(1, word)])), "allocations", "deleted") == [value]


def test_a_word_that_is_neither_yes_nor_no() -> None:
    res = run(part("allocations", [alloc_row(1, "misschien"), alloc_row(2, "ja")]))
    assert issues(res) == [("allocations", 1, "deleted", "type", "not a yes/no value (true/false, ja/nee, 1/0)",
                            "misschien", "error")]
    assert res.report.rows_valid["allocations"] == 1 and res.report.rows_read["allocations"] == 2
    assert res.tables["allocations"].valid.column("allocation_id").to_pylist() == ["jw-0599-2"]
    assert res.tables["allocations"].reasons == {
        0: ["deleted: not a yes/no value (true/false, ja/nee, 1/0)"]}


# --- BSNs -----------------------------------------------------------------------------------------------------------
def test_bsn_mask_on_hand_checked_numbers() -> None:
    # 123456782: 9+16+21+24+25+24+21+16-2 = 154 = 14*11; every digit non-zero, so a changed weight breaks it
    values = ["123456782", "999900006", "123456781", "000000000", "12345678", "1234567820", "12345678x", None]
    assert bsn_valid_mask(pa.array(values)).tolist() == [True, True, False, False, False, False, False, False]
    assert bsn_valid_mask(pa.array(["abc", None])).tolist() == [False, False]
    assert bsn_valid_mask(pa.array(["123456782"])).tolist() == [True]
    chunked = pa.chunked_array([["123456781"], ["999900006", "123456782"]])
    assert bsn_valid_mask(chunked).tolist() == [False, True, True]


def test_bsn_column_rules() -> None:
    rows = [member("m1", bsn="123456782"), member("m2", bsn="12345672"), member("m3", bsn="000000000"),
            member("m4", bsn="123456781"), member("m5", bsn=None), member("m6", bsn="12345678x")]
    res = run(part("members", rows), known=KNOWN)
    reason = "not a valid BSN (9 digits, 11-proef)"
    assert issues(res) == [("members", 3, "bsn", "bsn", reason, "0000*****", "error"),
                           ("members", 4, "bsn", "bsn", reason, "1234*****", "error"),
                           ("members", 6, "bsn", "bsn", reason, "1234*****", "error")]  # masked in a BSN field
    # eight digits are left-padded with a zero (012345672 passes the 11-proef)
    assert column(res, "members", "bsn")[:2] == ["123456782", "012345672"]


# --- lengths, required, codes, patterns -----------------------------------------------------------------------------
def test_field_length_limit_is_inclusive() -> None:
    assert MAX_FIELD_CHARS == 1000
    res = run(part("districts", [district("d1", "x" * 1000), district("d2", "y" * 1001)]))
    [(table, row, field, rule, reason, _value, severity)] = issues(res)
    assert (table, row, field, rule, reason, severity) == (
        "districts", 2, "name", "length", "value longer than 1000 characters", "error")


def test_required_field_empty() -> None:
    res = run(part("districts", [district("d1", None)]))
    assert issues(res) == [("districts", 1, "name", "required", "required field is empty", None, "error")]


def test_unknown_code_lists_the_allowed_ones() -> None:
    res = run(part("households", [household(composition="commune")]), known=KNOWN)
    allowed = ", ".join(table_spec("households").column("composition").choices)
    assert issues(res) == [("households", 1, "composition", "code", "unknown code; allowed: " + allowed, "commune",
                            "error")]


def test_postcode_pattern_after_removing_spaces_and_upper_casing() -> None:
    res = run(part("households", [household("h1", postcode="9999 aa"), household("h2", postcode="0999AA")]),
              known=KNOWN)
    assert column(res, "households", "postcode") == ["9999AA", "0999AA"]
    assert issues(res) == [("households", 2, "postcode", "pattern",
                            "does not match the pattern [1-9][0-9]{3}[A-Z]{2}", "0999AA", "error")]


# --- integers and dates ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("year", "rule"), [("1900", None), ("2100", None), ("1899", "range"), ("2101", "range"),
                                            ("+1985", None), ("-5", "range"), ("19x5", "type"), ("1985.0", "type")])
def test_birth_year_bounds_and_format(year: str, rule: str | None) -> None:
    # a second, clean row keeps the other row's outcome independent of the fast/slow parsing path
    res = run(part("members", [member("m1", birth_year=year), member("m2")]), known=KNOWN)
    got = [(i.row, i.field, i.rule, i.reason) for i in res.report.issues]
    if rule is None:
        assert got == []
        assert column(res, "members", "birth_year")[0] == int(year)
    elif rule == "range":
        assert got == [(1, "birth_year", "range", "outside the range 1900–2100")]
    else:
        assert got == [(1, "birth_year", "type", "not a whole number")]


def test_clean_integer_column_out_of_range_both_ways() -> None:
    res = run(part("members", [member("m1", birth_year="1899"), member("m2", birth_year="2101")]), known=KNOWN)
    assert [(i.row, i.rule) for i in res.report.issues] == [(1, "range"), (2, "range")]


def test_dates_iso_dutch_with_time_and_impossible() -> None:
    starts = ["2024-01-05", "05-01-2024", "2024-01-05 10:30", "2024-01-05T10:30:00", "2024-02-30", "30-02-2024",
              "2024-1-5", "5-1-2024"]
    res = run(part("interventions", [intervention(f"i{n}", start_date=s) for n, s in enumerate(starts)]),
              known=KNOWN)
    assert column(res, "interventions", "start_date") == [D(2024, 1, 5)] * 4 + [None] * 4
    reason = "not a valid date (YYYY-MM-DD or DD-MM-YYYY)"
    assert [(i.row, i.field, i.rule, i.reason, i.value) for i in res.report.issues] == [
        (n + 1, "start_date", "type", reason, starts[n]) for n in range(4, 8)]


def test_only_dutch_dates_in_a_column() -> None:
    res = run(part("interventions", [intervention(start_date="31-12-2023")]), known=KNOWN)
    assert res.report.issues == [] and column(res, "interventions", "start_date") == [D(2023, 12, 31)]


# --- rows: duplicates, periods, enforcement actions, domains --------------------------------------------------------
def test_every_row_of_a_duplicate_key_is_flagged() -> None:
    res = run(part("districts", [district("d1"), district("d2"), district("d1")]))
    reason = "the same key appears on more than one row of the input"
    assert issues(res) == [("districts", r, "district_id", "duplicate", reason, "d1", "error") for r in (1, 3)]


@pytest.mark.parametrize(("table", "row", "start", "end"), [
    ("households", household(opened_on="2024-03-01", closed_on="2024-02-29"), "opened_on", "closed_on"),
    ("interventions", intervention(start_date="2024-03-01", end_date="2024-02-29"), "start_date", "end_date"),
    ("coordinations", dict(coordination_id="c1", household_id="h1", professional_id="p1", start_date="2024-03-01",
                           end_date="2024-02-29"), "start_date", "end_date"),
])
def test_an_end_before_its_start(table: str, row: dict[str, Any], start: str, end: str) -> None:
    res = run(part(table, [row]), known=KNOWN)
    assert issues(res) == [(table, 1, end, "period", f"{end} lies before {start}", "2024-02-29", "error")]
    same_day = dict(row, **{end: row[start]})
    assert run(part(table, [same_day]), known=KNOWN).report.issues == []


def test_enforcement_actions() -> None:
    rows = [intervention("i1", kind="enforcement", action="shouting"), intervention("i2", kind="enforcement"),
            intervention("i3", kind="support", action="shouting"), intervention("i4", kind="enforcement",
                                                                                  action="eviction")]
    res = run(part("interventions", rows), known=KNOWN)
    reason = "unknown enforcement action; allowed: " + ", ".join(ENFORCEMENT_ACTIONS)
    assert issues(res) == [("interventions", 1, "action", "code", reason, "shouting", "error")]


def test_domain_table_codes() -> None:
    rows = [dict(domain_code="FIN", name_nl="Financiën", name_en="Finances", zrm="ja"),
            dict(domain_code="XYZ", name_nl="?", name_en="?", zrm="nee")]
    res = run(part("domains", rows))
    [(table, row, field, rule, reason, value, _)] = issues(res)
    assert (table, row, field, rule, value) == ("domains", 2, "domain_code", "code", "XYZ")
    assert reason.startswith("unknown domain code; allowed: ADL, FIN, GGZ, HUI, IAD, JUS, ")


# --- references and dependencies ------------------------------------------------------------------------------------
def test_references_to_the_batch_the_store_and_the_domain_codes() -> None:
    res = run(part("districts", [district("d1")]),
              part("households", [household("h1"), household("h2", district_id="d2"),
                                  household("h3", district_id="d9")]),
              known={"districts": pa.chunked_array([["d2"]])})
    assert issues(res) == [("households", 3, "district_id", "reference",
                            "unknown reference: no districts row with this key in the input or the store", "d9",
                            "error")]
    ivs = run(part("interventions", [intervention("i1", domain_code="WRK"), intervention("i2", domain_code="XYZ")]),
              known=KNOWN)
    assert [(i.row, i.field, i.rule) for i in ivs.report.issues] == [(2, "domain_code", "reference")]


def test_a_row_referring_to_an_invalid_row_is_quarantined_with_it() -> None:
    res = run(part("households", [household("h1"), household("h2", composition="commune")]),
              part("members", [member("m1"), member("m2", household_id="h2"), member("m3", household_id="h7")]),
              known=KNOWN)
    assert [(i.table, i.row, i.field, i.rule, i.reason) for i in res.report.issues] == [
        ("households", 2, "composition", "code", "unknown code; allowed: " + ", ".join(
            table_spec("households").column("composition").choices)),
        ("members", 2, "household_id", "dependency", "refers to a households row that is itself invalid "
         "(quarantined with it)"),
        ("members", 3, "household_id", "reference", "unknown reference: no households row with this key in the "
         "input or the store")]
    assert res.report.rows_valid == {"households": 1, "members": 1}
    assert res.tables["members"].valid.column("member_id").to_pylist() == ["m1"]


def test_no_reference_check_for_an_empty_optional_column() -> None:
    res = run(part("interventions", [intervention(member_id=None)]), known=KNOWN)
    assert res.report.issues == [] and res.report.rows_valid == {"interventions": 1}


# --- several parts of one table -------------------------------------------------------------------------------------
def test_rows_are_numbered_per_part() -> None:
    res = run(part("districts", [district("d1"), district("d2")], file="a.csv"),
              part("districts", [district("d3", None), district("d4")], file="b.csv"),
              part("districts", [district("d5", code="599")], file="c.csv"))
    assert [(i.file, i.row, i.field, i.rule) for i in res.report.issues] == [
        ("b.csv", 1, "name", "required"), ("c.csv", 1, "municipality_code", "pattern")]
    assert res.report.rows_read == {"districts": 5} and res.report.rows_valid == {"districts": 3}
    assert res.tables["districts"].bad.tolist() == [False, False, True, False, True]
    typed = res.tables["districts"].typed
    assert typed.num_rows == 5 and all(f.nullable for f in typed.schema)  # invalid rows may hold nulls


# --- cells a mapping marked wrong before validation -----------------------------------------------------------------
def _mapped(p: RawPart, errors: list[Any]) -> RawPart:
    return RawPart(p.table, p.file, p.data, rows=p.rows, sources={"municipality_code": "Gemeentecode"},
                   cell_errors=errors)


def test_a_cell_error_is_reported_once_under_its_source_column_in_its_own_part() -> None:
    from ingest.tabular import CellError

    unmapped = "code 'X' staat niet in de mapping"
    first = part("districts", [district("d1")])
    second = _mapped(part("districts", [district("d2"), district("d3", code="12")], file="wijken.csv"),
                     [CellError("municipality_code", unmapped, "mapping", np.array([False, True]))])
    res = run(first, second)
    # one error for the cell (not also the pattern error '12' would get), on row 2 of the second part
    assert issues(res) == [("districts", 2, "municipality_code", "mapping", unmapped, "12", "error")]
    assert [(i.file, i.source_column) for i in res.report.issues] == [("wijken.csv", "Gemeentecode")]
    result = res.tables["districts"]
    assert result.bad.tolist() == [False, False, True]
    assert result.reasons == {2: [f"Gemeentecode (municipality_code): {unmapped}"]}
    assert column(res, "districts", "district_id") == ["d1", "d2", "d3"]
    assert result.valid.column("district_id").to_pylist() == ["d1", "d2"]


def test_without_a_cell_error_the_same_cell_gets_the_ordinary_check() -> None:
    res = run(_mapped(part("districts", [district("d3", code="12")]), []))
    [issue] = res.report.issues
    assert (issue.row, issue.field, issue.value, issue.source_column) == (1, "municipality_code", "12", "Gemeentecode")
    assert issue.rule != "mapping"
    assert res.tables["districts"].reasons[0][0].startswith("Gemeentecode (municipality_code): ")


def test_cell_errors_of_two_parts_land_on_their_own_rows() -> None:
    from ingest.tabular import CellError

    a = _mapped(part("districts", [district("d1"), district("d2")], file="a.csv"),
                [CellError("municipality_code", "fout a", "mapping", np.array([True, False]))])
    b = _mapped(part("districts", [district("d3"), district("d4")], file="b.csv"),
                [CellError("municipality_code", "fout b", "mapping", np.array([False, True]))])
    res = run(a, b)
    assert [(i.file, i.row, i.reason) for i in res.report.issues] == [("a.csv", 1, "fout a"), ("b.csv", 2, "fout b")]
    assert res.tables["districts"].bad.tolist() == [True, False, False, True]
