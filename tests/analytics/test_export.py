"""Research exports: pseudonymised, small counts suppressed, formula-safe, readable by graph tools, with metadata."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import networkx as nx
import pyarrow.parquet as pq
import pytest

from analytics.export import export_research, pseudonym
from analytics.tables_builder import build_tables

from .helpers import coord, iv

KEY = b"test-key-0123456789"
D = date(2024, 6, 30)


def municipality():  # type: ignore[no-untyped-def]
    rows = [iv(f"H{i}", f"P{j}", f"A{j % 3}", d="FIN" if j % 2 else "HUI") for i in range(12) for j in range(i % 5 + 1)]
    rows.append(iv("H1", "P1", "=HYPERLINK(evil)", d="HUI", kind="enforcement", action="eviction"))
    members = [dict(member_id="M1", household_id="H1", bsn="999900006", name="Jan Jansen", birth_year=1984),
               dict(member_id="M2", household_id="H1", name="Piet", birth_year=2010, role="child")]
    households = [dict(household_id="H1", postcode="1234AB", opened_on="2023-03-17")]
    profs = [dict(professional_id="P0", name="Dr. Secret", agency_id="A0", role="=SUM(A1:A9)")]
    return build_tables(interventions=rows, members=members, households=households, professionals=profs,
                        coordinations=[coord("H2", "P0"), coord("H2", "P1")])


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("export")
    return out, export_research(municipality(), D, out, k=3, min_shared=2, key=KEY)


def _all_text(out: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in out.iterdir() if p.suffix != ".parquet")


def test_no_raw_ids_names_or_bsns(export) -> None:  # type: ignore[no-untyped-def]
    out, _ = export
    text = _all_text(out)
    for secret in ("999900006", "Jan Jansen", "Dr. Secret", "Piet", "1234AB", "2023-03-17", "ps_"):
        assert secret not in text, secret
    for raw in ('"H1"', '"P1"', '"A1"', '"I1"', '"M1"'):
        assert raw not in text, raw
    hh = pq.read_table(out / "nodes_households.parquet").to_pylist()
    h1 = next(r for r in hh if r["id"] == pseudonym("household", "H1", KEY))
    assert (h1["postcode4"], h1["opened_month"]) == ("1234", "2023-03")
    members = pq.read_table(out / "nodes_members.parquet")
    assert set(members.column_names) == {"id", "household_id", "birth_year", "role"}


def test_pseudonyms_are_stable_and_keyed(tmp_path: Path, export) -> None:  # type: ignore[no-untyped-def]
    out, _ = export
    again = export_research(municipality(), D, tmp_path / "a", k=3, key=KEY, formats=["parquet"])
    other = export_research(municipality(), D, tmp_path / "b", k=3, key=b"another-key-0123456", formats=["parquet"])
    ids = lambda p: pq.read_table(p / "nodes_households.parquet").column("id").to_pylist()  # noqa: E731
    assert ids(out) == ids(again.out)
    assert not set(ids(out)) & set(ids(other.out))


def test_flag_evidence_is_pseudonymised(export) -> None:  # type: ignore[no-untyped-def]
    out, _ = export
    flags = json.loads((out / "flags.json").read_text())
    comp = next(f for f in flags if f["flag"] == "competing_regisseurs")
    assert comp["subject_id"] == pseudonym("household", "H2", KEY)
    want = sorted(pseudonym("professional", p, KEY) for p in ("P0", "P1"))
    assert sorted(comp["evidence"]["professional_ids"]) == want
    assert all(c["coordination_id"].startswith("co_") for c in comp["evidence"]["coordinations"])


def test_small_counts_suppressed(export) -> None:  # type: ignore[no-untyped-def]
    out, manifest = export
    edges = pq.read_table(out / "edges_professional_projection.parquet")
    assert min(edges.column("shared").to_pylist()) >= 3
    assert manifest.metadata["projection"]["effective_min_shared"] == 3
    assert manifest.metadata["projection"]["edges_suppressed_below_threshold"]["professional"] > 0
    district = pq.read_table(out / "district_summary.parquet").to_pylist()[0]
    for name, v in district.items():
        if name.startswith("n_") and v is not None:
            assert v == 0 or v >= 3, name


def test_formula_injection_neutralised(export) -> None:  # type: ignore[no-untyped-def]
    out, _ = export
    for path in out.glob("*.csv"):
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    if cell[:1] in ("=", "+", "-", "@"):
                        float(cell)  # only numbers may start with a sign
    assert "'=SUM(A1:A9)" in (out / "nodes_professionals.csv").read_text()
    assert "HYPERLINK" not in _all_text(out)  # the agency id became a pseudonym anyway


def test_graph_files_open_and_metadata(export) -> None:  # type: ignore[no-untyped-def]
    out, manifest = export
    g = nx.read_graphml(out / "graph_professionals.graphml")
    g2 = nx.read_gexf(out / "graph_professionals.gexf")
    assert g.number_of_nodes() == g2.number_of_nodes() == manifest.files["graph_professionals.graphml"]
    assert all("sector" in d for _, d in g.nodes(data=True))
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["as_of"] == "2024-06-30" and meta["k"] == 3 and meta["projection"]["min_shared"] == 2
    assert meta["caregraph_version"] and meta["thresholds"]["helpers_attention"] == 4
    assert meta["row_counts"]["nodes_households.csv"] == 12
    assert not list(out.glob(".*.tmp"))


def test_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="format"):
        export_research(municipality(), D, tmp_path, key=KEY, formats=["xls"])
    with pytest.raises(ValueError):
        export_research(municipality(), D, tmp_path, key=KEY, k=0)


def test_statistics_workbook(export) -> None:  # type: ignore[no-untyped-def]
    import openpyxl

    from analytics.export import XLSX_SHEETS

    out, manifest = export
    wb = openpyxl.load_workbook(out / "statistics.xlsx")
    assert wb.sheetnames == list(XLSX_SHEETS)
    stats = list(wb["household_statistics"].iter_rows(values_only=True))
    assert stats[0][:3] == ("household_id", "district_id", "helpers")
    assert len(stats) - 1 == pq.read_table(out / "household_statistics.parquet").num_rows == 12
    assert all(isinstance(r[2], int) for r in stats[1:])  # numbers stay numbers
    flags = list(wb["flags"].iter_rows(values_only=True))
    assert "evidence" not in flags[0] and len(flags) - 1 == manifest.files["flags.csv"]
    roles = [c for c in wb["nodes_professionals"]["C"]]
    hostile = next(c for c in roles if "SUM" in str(c.value))
    assert (hostile.value, hostile.data_type) == ("'=SUM(A1:A9)", "s")


def test_workbook_neutralises_every_risky_text_cell(tmp_path: Path) -> None:
    import openpyxl

    rows = [iv(f"H{i}", f"P{i % 3}", "A1") for i in range(8)]
    hostile = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tx"]
    households = [dict(household_id=f"H{i}", district_id=hostile[i % len(hostile)]) for i in range(8)]
    agencies = [dict(agency_id="A1", sector="@sector")]
    t = build_tables(interventions=rows, households=households, agencies=agencies)
    export_research(t, D, tmp_path / "x", k=1, key=KEY, formats=["xlsx"])
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == ["metadata.json", "statistics.xlsx"]
    wb = openpyxl.load_workbook(tmp_path / "x" / "statistics.xlsx")
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, str):
                    assert not c.value.startswith(("=", "+", "-", "@", "\t")), (ws.title, c.value)
                    seen.add(c.value)
    assert {"'" + h for h in hostile} <= seen and "'@sector" in seen
