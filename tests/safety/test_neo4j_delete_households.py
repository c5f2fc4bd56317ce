"""``Neo4jStore.delete_households`` without a server (the fake driver of tests/graph/test_neo4j_adapter.py): one
write transaction, dependants before households, batches of BATCH_SIZE ids, counts summed. Its statements are linted
by tests/graph/test_cypher_lint.py through ``all_cypher``."""

from __future__ import annotations

from typing import Any

from graph.household_deletion import household_dependants
from graph.neo4j_queries import (
    all_cypher,
    household_delete_cypher,
    household_dependant_delete_cypher,
    ledger_forget_clients_cypher,
)
from graph.neo4j_store import BATCH_SIZE
from tests.graph.test_neo4j_adapter import store_with


def test_delete_households_runs_in_one_write_transaction_in_batches() -> None:
    def respond(text: str, params: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
        n = len(params.get("ids", []))
        per = {"Member": 2, "Intervention": 10, "Assessment": 2, "COORDINATES": 1}
        for word, k in per.items():
            if f"(n:{word})" in text or f"[t:{word}]" in text:
                return ["c"], [[k * n]]
        return ["c"], [[n]]

    store, driver = store_with(respond)
    ids = [f"H{i}" for i in range(BATCH_SIZE + 10)] + ["H1"]
    counts = store.delete_households(ids)
    n = BATCH_SIZE + 10
    assert counts == {"households": n, "assessments": 2 * n, "coordinations": n, "interventions": 10 * n,
                      "members": 2 * n}
    assert [kind for kind, _ in driver.transactions] == ["write"]
    texts = [t for _, t, _ in driver.writes()]
    # the members' client facts in the ledger are blanked first, while the members can still be matched
    dependants = [household_dependant_delete_cypher(d) for d in household_dependants()]
    per_batch = [ledger_forget_clients_cypher(), *dependants, household_delete_cypher()]
    assert texts == per_batch * 2
    batches = [p["ids"] for _, t, p in driver.writes() if t == household_delete_cypher()]
    assert [len(b) for b in batches] == [BATCH_SIZE, 10]
    assert sorted(batches[0] + batches[1]) == sorted(set(ids))
    assert store.delete_households([]) == dict.fromkeys(counts, 0)
    assert len(driver.transactions) == 1


def test_statements_are_listed_for_the_linter() -> None:
    listed = {q for q, _ in all_cypher()}
    assert household_delete_cypher() in listed
    assert ledger_forget_clients_cypher() in listed
    assert all(household_dependant_delete_cypher(d) in listed for d in household_dependants())
    assert "DETACH DELETE n" in household_delete_cypher()
