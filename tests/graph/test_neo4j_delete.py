"""``Neo4jStore.load(delete=...)`` without a server (the fake driver of ``test_neo4j_adapter``): the DETACH DELETE
runs in the same write transaction as the upserts, after them, batched; refused tables send nothing."""

from __future__ import annotations

from typing import Any

import pytest

from graph.neo4j_queries import all_cypher, node_delete_cypher, node_upsert_cypher
from graph.neo4j_store import BATCH_SIZE
from graph.schema import table_spec
from graph.store import StoreDataError
from graph.tables import CareTables
from tests.graph.fixtures import small_rows, small_tables, tables_from_rows
from tests.graph.test_neo4j_adapter import Responder, holding, store_with

DELETE_IV = node_delete_cypher(table_spec("interventions"))


def deleting(base: Responder, stored: set[str]) -> Responder:
    """``base``, answering the intervention deletion with how many of its ids are in ``stored``."""

    def respond(text: str, params: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
        if text == DELETE_IV:
            return ["c"], [[sum(1 for i in params["ids"] if i in stored)]]
        return base(text, params)

    return respond


def test_delete_statement_text() -> None:
    assert DELETE_IV == "UNWIND $ids AS key\nMATCH (n:Intervention {id: key})\nDETACH DELETE n\nRETURN count(*) AS c"
    assert (DELETE_IV, {"ids": ["x1"]}) in all_cypher()
    assert (node_delete_cypher(table_spec("assessments")), {"ids": ["x1"]}) in all_cypher()
    with pytest.raises(ValueError):
        node_delete_cypher(table_spec("coordinations"))


def test_delete_runs_after_the_upserts_in_the_same_write_transaction() -> None:
    base = small_tables()
    store, driver = store_with(deleting(holding(base), {"I1", "I2", "I3", "I4", "I5", "I6"}))
    rows = small_rows()
    changed = [dict(r) for r in rows["interventions"]]
    changed[0]["contact_count"] = 99
    report = store.load(tables_from_rows({"interventions": changed}), delete={"interventions": ["I4", "I9", "I4"]})
    assert report.deleted == {"interventions": 1} and report.updated["interventions"] == 1
    sent = driver.writes()
    assert len({n for n, _, _ in sent}) == 1, "upserts and deletion must share one write transaction"
    texts = [t for _, t, _ in sent]
    assert texts[-1] == DELETE_IV and texts.count(DELETE_IV) == 1
    assert sent[-1][2] == {"ids": ["I4", "I9"]}
    upserted = [r["id"] for _, t, p in sent if t == node_upsert_cypher(table_spec("interventions")) for r in p["rows"]]
    assert upserted == ["I1"]  # I4 is deleted, so its (unchanged) row is not sent


def test_delete_only_load_and_batches() -> None:
    ids = [f"I{i}" for i in range(BATCH_SIZE + 3)]
    store, driver = store_with(deleting(holding(small_tables()), set(ids)))
    report = store.load(CareTables({}), delete={"interventions": ids})
    assert report.deleted == {"interventions": len(ids)}
    sent = driver.writes()
    assert [len(p["ids"]) for _, t, p in sent if t == DELETE_IV] == [BATCH_SIZE, 3]
    assert len({n for n, _, _ in sent}) == 1


def test_delete_has_its_own_last_transaction_in_per_batch_mode() -> None:
    store, driver = store_with(deleting(holding(small_tables()), {"I1"}), single_transaction=False)
    changed = [dict(r) for r in small_rows()["interventions"]]
    changed[1]["contact_count"] = 7
    report = store.load(tables_from_rows({"interventions": changed}), delete={"interventions": ["I1"]})
    assert report.deleted == {"interventions": 1}
    sent = driver.writes()
    assert sent[-1][1] == DELETE_IV and sent[-1][0] != sent[0][0]


def test_refused_delete_sends_nothing() -> None:
    store, driver = store_with(holding(small_tables()))
    for name in ("households", "members", "coordinations", "domains"):
        with pytest.raises(StoreDataError, match="can only remove"):
            store.load(CareTables({}), delete={name: ["x"]})
    assert driver.calls == []
