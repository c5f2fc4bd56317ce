"""Store conformance: the same behaviour from every GraphStore backend (fixture ``store`` in conftest.py).

LadybugDB always; Neo4j when ``CAREGRAPH_NEO4J_URI`` is set (otherwise those cases are skipped with that reason).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pyarrow as pa
import pytest

from graph.endpoint_queries import ENDPOINT_QUERIES
from graph.queries import ALL_QUERIES, Query
from graph.schema import TABLE_ORDER
from graph.store import GraphStore, StoreCounts, StoreDataError, StoreError
from graph.tables import CareTables
from tests.graph.fixtures import (
    expected_counts,
    expected_endpoints,
    import_query_modules,
    rows_by_key,
    small_rows,
    small_tables,
    tables_from_rows,
)

QUERY_TIME_LIMIT_S = 10.0

import_query_modules()


def _as_dicts(c: StoreCounts) -> tuple[dict[str, int], dict[str, int]]:
    return dict(c.nodes), dict(c.relationships)


def stored_endpoints(store: GraphStore) -> dict[str, list[tuple[str, str]]]:
    out = {}
    for rel_type, q in ENDPOINT_QUERIES.items():
        t = store.run(q, {}, timeout_s=QUERY_TIME_LIMIT_S)
        out[rel_type] = sorted(zip(t.column("src").to_pylist(), t.column("dst").to_pylist(), strict=True))
    return out


def test_ping_answers_while_open_and_fails_once_closed(store: GraphStore) -> None:
    assert store.ping() is None  # an open store answers (no exception)
    store.close()
    with pytest.raises(StoreError):  # a store error, never the backend's own exception
        store.ping()


def test_ensure_schema_is_idempotent(store: GraphStore) -> None:
    before = store.counts()
    store.ensure_schema()
    store.ensure_schema()
    after = store.counts()
    assert _as_dicts(after) == _as_dicts(before)
    assert after.nodes["Domain"] == 15  # the built-in domains, once
    assert set(after.nodes) == {"District", "Agency", "Professional", "Household", "Member", "Domain",
                                "Intervention", "Assessment", "Allocation"}


def test_load_gives_counts_and_relationships_of_the_tables(store: GraphStore) -> None:
    tables = small_tables()
    report = store.load(tables)
    assert _as_dicts(store.counts()) == _as_dicts(expected_counts(tables))
    assert stored_endpoints(store) == expected_endpoints(tables)
    for name in TABLE_ORDER:
        if name == "domains":  # already there from ensure_schema
            assert report.created[name] == 0 and report.unchanged[name] == 15
        else:
            assert report.created[name] == tables[name].num_rows, name
            assert report.updated[name] == 0
    assert report.changed_anything


def test_loading_twice_changes_nothing(store: GraphStore) -> None:
    tables = small_tables()
    store.load(tables)
    first = _as_dicts(store.counts())
    snap = {n: rows_by_key(store.read_table(n), n) for n in TABLE_ORDER}
    report = store.load(tables)
    assert _as_dicts(store.counts()) == first
    assert not report.changed_anything
    assert report.unchanged == {n: tables[n].num_rows for n in TABLE_ORDER}
    assert {n: rows_by_key(store.read_table(n), n) for n in TABLE_ORDER} == snap


def test_changed_rows_are_updated_and_relationships_move(store: GraphStore) -> None:
    rows = small_rows()
    store.load(tables_from_rows(rows))
    counts = _as_dicts(store.counts())
    changed = small_rows()
    iv = {r["intervention_id"]: r for r in changed["interventions"]}
    iv["I1"]["end_date"] = dt.date(2024, 5, 31)  # an open-ended intervention ends
    iv["I2"]["household_id"] = "H3"  # moved to another household ...
    iv["I2"]["member_id"] = None  # ... and no longer for one member
    iv["I4"]["professional_id"] = "P1"  # handed over to another professional (DELIVERS points into the row)
    co = {r["coordination_id"]: r for r in changed["coordinations"]}
    co["C1"]["end_date"] = dt.date(2024, 6, 30)
    co["C2"]["professional_id"] = "P1"  # another regisseur on the same assignment id
    mem = {r["member_id"]: r for r in changed["members"]}
    mem["M3"]["household_id"] = "H2"
    tables = tables_from_rows(changed)

    report = store.load(tables)

    assert report.updated["interventions"] == 3
    assert report.updated["coordinations"] == 2
    assert report.updated["members"] == 1
    assert report.created == {n: 0 for n in TABLE_ORDER}
    assert report.unchanged["interventions"] == len(rows["interventions"]) - 3
    after = _as_dicts(store.counts())
    # the same nodes; FOR_MEMBER lost one relationship because I2's member became empty
    expected = _as_dicts(expected_counts(tables))
    assert after == expected
    assert after[0] == counts[0]
    assert after[1]["FOR_MEMBER"] == counts[1]["FOR_MEMBER"] - 1
    assert stored_endpoints(store) == expected_endpoints(tables)
    stored = {r["intervention_id"]: r for r in store.read_table("interventions").to_pylist()}
    assert stored["I1"]["end_date"] == dt.date(2024, 5, 31)
    assert stored["I2"]["household_id"] == "H3" and stored["I2"]["member_id"] is None
    coord = {r["coordination_id"]: r for r in store.read_table("coordinations").to_pylist()}
    assert coord["C1"]["end_date"] == dt.date(2024, 6, 30)
    assert coord["C2"]["professional_id"] == "P1"


def test_unknown_reference_is_refused_and_nothing_is_written(store: GraphStore) -> None:
    store.load(small_tables())
    before_counts = _as_dicts(store.counts())
    before = {n: rows_by_key(store.read_table(n), n) for n in TABLE_ORDER}
    rows = small_rows()
    rows["districts"].append({"district_id": "D3", "name": "Zuid", "municipality_code": None})  # valid, new
    rows["interventions"][0]["end_date"] = dt.date(2025, 1, 1)  # valid change
    rows["interventions"].append(
        {"intervention_id": "I99", "household_id": "H404", "member_id": None, "professional_id": "P1",
         "agency_id": "A1", "domain_code": "FIN", "kind": "support", "action": None,
         "start_date": dt.date(2024, 1, 1), "end_date": None, "contact_count": None, "source": None}
    )
    with pytest.raises(StoreDataError) as err:
        store.load(tables_from_rows(rows))
    msg = str(err.value)
    assert "interventions" in msg and "I99" in msg and "household_id" in msg and "H404" in msg
    assert _as_dicts(store.counts()) == before_counts
    assert {n: rows_by_key(store.read_table(n), n) for n in TABLE_ORDER} == before


def test_reference_to_a_row_already_in_the_store_is_accepted(store: GraphStore) -> None:
    store.load(small_tables())
    rows = small_rows()
    extra = CareTables(
        {"assessments": tables_from_rows({"assessments": [
            {"assessment_id": "S9", "household_id": "H2", "member_id": "M5", "domain_code": "REL", "score": 4,
             "assessed_on": dt.date(2024, 7, 1)}]})["assessments"]}
    )
    report = store.load(extra)
    assert report.created["assessments"] == 1
    counts = store.counts()
    assert counts.nodes["Assessment"] == len(rows["assessments"]) + 1
    assert ("S9", "M5") in stored_endpoints(store)["ASSESSES_MEMBER"]


def test_read_table_round_trips_values(store: GraphStore) -> None:
    tables = small_tables()
    store.load(tables)
    for name in TABLE_ORDER:
        got = store.read_table(name)
        want = tables[name]
        assert got.column_names == want.column_names, name
        for gf, wf in zip(got.schema, want.schema, strict=True):
            assert gf.type == wf.type, (name, gf.name, gf.type, wf.type)
        assert rows_by_key(got, name) == rows_by_key(want, name), name
    members = {r["member_id"]: r for r in store.read_table("members").to_pylist()}
    assert members["M1"]["bsn_pseudonym"] == "ps_0123456789abcdef0123456789abcdef"
    assert members["M2"]["bsn_pseudonym"] is None and members["M2"]["name"] is None
    assert isinstance(members["M1"]["birth_year"], int)
    domains = {r["domain_code"]: r for r in store.read_table("domains").to_pylist()}
    assert domains["FIN"]["zrm"] is True and domains["OPV"]["zrm"] is False
    snap = store.snapshot()
    assert snap.row_counts() == tables.row_counts()


def test_clear_bsns_are_refused(store: GraphStore) -> None:
    members = pa.table({"member_id": ["M1"], "household_id": ["H1"], "bsn": ["999900006"], "birth_year": [1990],
                        "role": ["single"]})
    tables = small_tables().with_table("members", members)
    before = _as_dicts(store.counts())
    with pytest.raises(StoreDataError, match="clear"):
        store.load(tables)
    assert _as_dicts(store.counts()) == before


def _query_cases() -> list[Any]:
    qs = sorted(ALL_QUERIES.values(), key=lambda q: q.name)
    if not qs:
        return [pytest.param(None, marks=pytest.mark.skip(reason="no named queries registered yet"), id="none")]
    return [pytest.param(q, id=q.name) for q in qs]


@pytest.mark.parametrize("query", _query_cases())
def test_every_named_query_runs_within_its_time_limit(store: GraphStore, query: Query) -> None:
    """The planner blow-up guard: each registered query on the small graph, with its example parameters."""
    store.load(small_tables())
    started = time.perf_counter()
    result = store.run(query, dict(query.params), timeout_s=QUERY_TIME_LIMIT_S)
    elapsed = time.perf_counter() - started
    assert elapsed < QUERY_TIME_LIMIT_S, f"{query.name} took {elapsed:.1f} s"
    assert isinstance(result, pa.Table)
    assert result.column_names == list(query.columns)
