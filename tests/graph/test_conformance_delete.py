"""Store conformance of ``load(delete=...)``: exactly the named rows go, in the same unit as the upserts.

Runs on every backend of the ``store`` fixture (LadybugDB always; Neo4j when ``CAREGRAPH_NEO4J_URI`` is set).
"""

from __future__ import annotations

import pytest

from graph.schema import TABLE_ORDER
from graph.store import GraphStore, StoreDataError
from graph.tables import CareTables
from tests.graph.fixtures import expected_counts, expected_endpoints, rows_by_key, small_rows, tables_from_rows
from tests.graph.test_conformance import _as_dicts, stored_endpoints


def _without(rows: dict[str, list[dict[str, object]]], name: str, keys: set[str]) -> CareTables:
    key = {"interventions": "intervention_id", "assessments": "assessment_id"}[name]
    return tables_from_rows({**rows, name: [r for r in rows[name] if r[key] not in keys]})


def test_load_delete_removes_exactly_those_rows(store: GraphStore) -> None:
    rows = small_rows()
    store.load(tables_from_rows(rows))
    report = store.load(CareTables({}), delete={"interventions": ["I2", "I5", "nope"], "assessments": ["S3"]})
    assert report.deleted == {"interventions": 2, "assessments": 1}
    assert report.changed_anything
    expected = _without({**rows, "assessments": [r for r in rows["assessments"] if r["assessment_id"] != "S3"]},
                        "interventions", {"I2", "I5"})
    for name in TABLE_ORDER:
        assert rows_by_key(store.read_table(name), name) == rows_by_key(expected[name], name), name
    assert _as_dicts(store.counts()) == _as_dicts(expected_counts(expected))
    assert stored_endpoints(store) == expected_endpoints(expected)
    again = store.load(CareTables({}), delete={"interventions": ["I2", "I5"]})
    assert again.deleted == {"interventions": 0} and not again.changed_anything


def test_load_delete_together_with_upserts(store: GraphStore) -> None:
    rows = small_rows()
    store.load(tables_from_rows(rows))
    changed = [dict(r) for r in rows["interventions"]]
    changed[0]["contact_count"] = 99  # I1 updated, I4 deleted, in one load
    report = store.load(tables_from_rows({"interventions": changed}), delete={"interventions": ["I4"]})
    assert report.deleted == {"interventions": 1} and report.updated["interventions"] == 1
    got = {r["intervention_id"]: r for r in store.read_table("interventions").to_pylist()}
    assert set(got) == {"I1", "I2", "I3", "I5", "I6"} and got["I1"]["contact_count"] == 99


def test_load_delete_refuses_tables_with_dependants(store: GraphStore) -> None:
    store.load(tables_from_rows(small_rows()))
    before = _as_dicts(store.counts())
    with pytest.raises(StoreDataError):
        store.load(CareTables({}), delete={"households": ["H1"]})
    with pytest.raises(StoreDataError):
        store.load(CareTables({}), delete={"coordinations": ["C1"]})
    assert _as_dicts(store.counts()) == before
