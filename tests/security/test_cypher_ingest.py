"""Cypher injection through every ingested text field: a file whose every free-text field (keys and references
included) is a Cypher fragment is ingested into a store that already holds the test world. The store must then hold
exactly those strings, and nothing of the world may be gone. Run on both adapters: LadybugStore, and the Neo4j
adapter's own statements executed by the LadybugDB-backed driver shim of tests/graph."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from foundation.settings import Settings
from graph.ladybug_store import LadybugStore
from graph.neo4j_store import Neo4jStore
from graph.schema import TABLES
from graph.store import GraphStore
from ingest.pipeline import ingest
from tests.services.world import world_tables

FRAGMENTS = [
    "x'}) MATCH (n) DETACH DELETE n //",
    'x"}) MATCH (n) DETACH DELETE n //',
    "'; MATCH (n) DETACH DELETE n; //",
    "x`}) DETACH DELETE n //",
    "\\'}) RETURN 1 UNION MATCH (n) DETACH DELETE n //",
    "$household_id}) SET n.name = 'pwned' //",
    "{id: 1}]->(m) CALL db.clearQueryCaches() //",
    "/* */ MATCH (n) DETACH DELETE n",
]
ROWS = 3
VALID_BSNS = ("999900067", "999900079", "999900080")
FIXED = {"municipality_code": "0599", "agb_code": "12345678", "postcode": "9999ZZ", "opened_on": "2024-01-01",
         "start_date": "2024-01-01", "assessed_on": "2024-02-01", "birth_year": "1980", "score": "3",
         "contact_count": "2", "domain_code": "FIN"}
LOADED = ("districts", "agencies", "professionals", "households", "members", "interventions", "coordinations",
          "assessments")


def hostile_tables() -> dict[str, list[dict[str, str]]]:
    """Rows of every entity table in which each free-text field is a Cypher fragment (keys made unique)."""
    out: dict[str, list[dict[str, str]]] = {}
    k = 0
    for spec in TABLES:
        if spec.name not in LOADED:
            continue
        rows = []
        for i in range(ROWS):
            row: dict[str, str] = {}
            for c in spec.columns:
                if c.name in FIXED:
                    row[c.name] = FIXED[c.name]
                elif c.name == "bsn":
                    row[c.name] = VALID_BSNS[i]
                elif c.choices:
                    row[c.name] = c.choices[0]
                elif c.references is not None:
                    row[c.name] = out[c.references][i][_key(c.references)]
                elif c.type == "string":
                    k += 1
                    row[c.name] = f"{FRAGMENTS[k % len(FRAGMENTS)]} #{spec.name}{i}"
                else:
                    row[c.name] = ""
            rows.append(row)
        out[spec.name] = rows
    return out


def _key(table: str) -> str:
    return next(t.key for t in TABLES if t.name == table)


def _write(folder: Path, tables: dict[str, list[dict[str, str]]]) -> Path:
    folder.mkdir(parents=True)
    for name, rows in tables.items():
        with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    return folder


@pytest.fixture(params=["ladybug", "neo4j-adapter"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    path = tmp_path / "graph.lbug"
    if request.param == "ladybug":
        s: GraphStore = LadybugStore.open(path)
    else:
        from tests.graph.test_neo4j_on_ladybug import LadybugShimDriver

        LadybugStore.open(path).close()
        s = Neo4jStore(LadybugShimDriver(path), owns_driver=True, schema_ready=True)
    s.load(world_tables())
    try:
        yield s
    finally:
        s.close()


def test_cypher_in_every_ingested_text_field(store: GraphStore, tmp_path: Path) -> None:
    before = store.counts()
    world = {name: store.read_table(name).to_pylist() for name in LOADED}
    hostile = hostile_tables()
    src = _write(tmp_path / "in", hostile)
    result = ingest([src], store=store, settings=Settings(demo=True, _env_file=None))  # type: ignore[call-arg]
    assert result.status == "loaded", result.report.to_text()
    after = store.counts()
    for label, n in before.nodes.items():
        added = ROWS if label in {t.label or "" for t in TABLES if t.name in LOADED} else 0
        assert after.nodes[label] in (n, n + added), (label, n, after.nodes[label])
    tried = 0
    for name, rows in hostile.items():
        stored = store.read_table(name).to_pylist()
        key = _key(name)
        by_key = {r[key]: r for r in stored}
        for row in world[name]:  # nothing of the world was deleted or changed
            assert by_key.get(row[key]) == row, (name, row[key])
        for row in rows:  # and the hostile rows are there, every text field exactly as given
            got = by_key.get(row[key])
            assert got is not None, (name, row[key], sorted(by_key))
            for col, value in row.items():
                if col in FIXED or col == "bsn" or not value:
                    continue
                tried += 1
                assert str(got[col]) == value, (name, col, got[col], value)
        assert len(stored) == len(world[name]) + ROWS, name
    assert tried >= 40
    print(f"\n{tried} hostile text values stored verbatim on {store.backend}")
