"""The Neo4j adapter without a server: statements, parameter batches, transactions, error mapping, secrets.

The driver is replaced by a small hand-written fake (session → managed transaction → ``run``) that records every
statement with its parameters and answers reads through a responder function chosen by each test.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest
from neo4j import exceptions as neo4j_errors
from neo4j.time import Date

from graph.ddl import all_rel_specs, neo4j_ddl, node_specs
from graph.neo4j_queries import (
    all_cypher,
    coordination_existing_cypher,
    node_existing_cypher,
    node_upsert_cypher,
    rel_delete_stale_cypher,
    rel_merge_cypher,
)
from graph.neo4j_store import BATCH_SIZE, Neo4jStore, map_driver_error
from graph.queries import ALL_QUERIES, Query
from graph.schema import TABLE_ORDER, TABLES, graph_property, table_spec
from graph.store import StoreDataError, StoreError, StoreQueryTimeout, StoreUnavailableError
from graph.tables import CareTables
from tests.graph.bulk_tables import bulk_tables
from tests.graph.fixtures import small_rows, small_tables, tables_from_rows

Responder = Callable[[str, dict[str, Any]], tuple[list[str], list[list[Any]]]]

LABELS = {t.label for t in node_specs()}
REL_TYPES = {r.type for _, r in all_rel_specs()}
PROPERTIES = {graph_property(t, c.name) for t in TABLES for c in t.columns} | {
    c.name for t in TABLES for c in t.columns
}


# -------------------------------------------------------------------------------------------------- the fake driver
class FakeRecord:
    def __init__(self, values: list[Any]) -> None:
        self._values = values

    def values(self) -> list[Any]:
        return list(self._values)


class FakeResult:
    def __init__(self, keys: list[str], rows: list[list[Any]]) -> None:
        self._keys, self._rows = keys, rows

    def keys(self) -> list[str]:
        return list(self._keys)

    def __iter__(self) -> Iterator[FakeRecord]:
        return iter(FakeRecord(r) for r in self._rows)

    def consume(self) -> None:
        return None


class FakeTx:
    def __init__(self, driver: FakeDriver, kind: str, number: int) -> None:
        self.driver, self.kind, self.number = driver, kind, number

    def run(self, text: str, parameters: dict[str, Any] | None = None) -> FakeResult:
        params = dict(parameters or {})
        self.driver.calls.append((self.kind, self.number, text, params))
        if self.driver.fail_on is not None and self.driver.fail_on(text, self.kind):
            raise self.driver.error  # type: ignore[misc]
        keys, rows = self.driver.respond(text, params)
        return FakeResult(keys, rows)


class FakeSession:
    def __init__(self, driver: FakeDriver, database: str) -> None:
        self.driver, self.database = driver, database

    def __enter__(self) -> FakeSession:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def _tx(self, kind: str, fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        self.driver.transactions.append((kind, fn))
        return fn(FakeTx(self.driver, kind, len(self.driver.transactions)), *args)

    def execute_read(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self._tx("read", fn, args)

    def execute_write(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self._tx("write", fn, args)

    def run(self, text: str, parameters: dict[str, Any] | None = None) -> FakeResult:
        return FakeTx(self.driver, "autocommit", 0).run(text, parameters)


def empty_graph(text: str, params: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """An empty database: no node exists, every count is 0, RETURN 1 answers 1."""
    if "count(" in text:
        return ["c"], [[0]]
    if text.startswith("RETURN 1"):
        return ["ok"], [[1]]
    return [], []


class FakeDriver:
    def __init__(self, respond: Responder = empty_graph) -> None:
        self.respond = respond
        self.calls: list[tuple[str, int, str, dict[str, Any]]] = []
        self.transactions: list[tuple[str, Callable[..., Any]]] = []
        self.sessions: list[str] = []
        self.fail_on: Callable[[str, str], bool] | None = None
        self.error: BaseException | None = None
        self.closed = False

    def session(self, database: str = "neo4j") -> FakeSession:
        self.sessions.append(database)
        return FakeSession(self, database)

    def close(self) -> None:
        self.closed = True

    def writes(self) -> list[tuple[int, str, dict[str, Any]]]:
        return [(n, t, p) for kind, n, t, p in self.calls if kind == "write"]


def store_with(respond: Responder = empty_graph, **kw: Any) -> tuple[Neo4jStore, FakeDriver]:
    driver = FakeDriver(respond)
    kw.setdefault("schema_ready", True)
    return Neo4jStore(driver, database="caregraph", **kw), driver


def with_domains(base: Responder = empty_graph) -> Responder:
    """The empty graph plus the built-in domain nodes (so references to domain codes resolve from the store)."""

    def respond(text: str, params: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
        if text.startswith("UNWIND $ids AS key\nMATCH (n:Domain {id: key})\nRETURN n.id AS id"):
            return ["id"], [[i] for i in params["ids"]]
        return base(text, params)

    return respond


def holding(tables: CareTables) -> Responder:
    """A database that already holds exactly ``tables`` (answers the adapter's state reads from them)."""
    node_state: dict[str, tuple[str, dict[str, dict[str, Any]]]] = {}
    for name in tables:
        spec = table_spec(name)
        if spec.rel_only is not None:
            rows = {r[spec.key]: r for r in tables[name].to_pylist()}
            node_state[coordination_existing_cypher(spec)] = (spec.key, rows)
        else:
            by_id = {}
            for r in tables[name].to_pylist():
                props = {graph_property(spec, c): v for c, v in r.items() if c != "bsn_pseudonym"}
                if "bsn_pseudonym" in r:
                    props["bsn_pseudonym"] = r["bsn_pseudonym"]
                by_id[props["id"]] = props
            node_state[node_existing_cypher(spec)] = ("id", by_id)

    def respond(text: str, params: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
        if text in node_state:
            _, rows = node_state[text]
            keys = re.findall(r" AS (\w+)", text.split("RETURN", 1)[1])
            found = [rows[i] for i in params["ids"] if i in rows]
            # dates come back as neo4j.time.Date, as from a real server
            return keys, [[Date.from_native(r[k]) if isinstance(r[k], dt.date) else r[k] for k in keys]
                          for r in found]
        m = re.match(r"UNWIND \$ids AS key\nMATCH \(n:(\w+) \{id: key\}\)\nRETURN n.id AS id$", text)
        if m:
            label = m.group(1)
            existing = next((rows for t, (_, rows) in node_state.items() if f"(n:{label} " in t), {})
            return ["id"], [[i] for i in params["ids"] if i in existing]
        return empty_graph(text, params)

    return respond


# -------------------------------------------------------------------------------------------------- loading
def test_first_load_sends_batched_node_upserts_then_relationships_in_one_transaction() -> None:
    tables = bulk_tables(600)  # 6,000 interventions: two batches; domain codes only in the store
    store, driver = store_with(with_domains())
    report = store.load(tables)

    writes = [kind for kind, _ in driver.transactions if kind == "write"]
    assert writes == ["write"], "the whole load must be one write transaction"
    assert set(driver.sessions) == {"caregraph"}
    sent = driver.writes()
    texts = [t for _, t, _ in sent]
    node_texts = {node_upsert_cypher(table_spec(n)) for n in TABLE_ORDER if table_spec(n).label}
    last_node = max(i for i, t in enumerate(texts) if t in node_texts)
    first_rel = min(i for i, t in enumerate(texts) if t not in node_texts)
    assert last_node < first_rel, "nodes must be written before relationships"

    # nodes in table order, batches of at most BATCH_SIZE rows
    iv = node_upsert_cypher(table_spec("interventions"))
    assert [len(p["rows"]) for _, t, p in sent if t == iv] == [BATCH_SIZE, 1000]
    assert all(len(p["rows"]) <= BATCH_SIZE for _, _, p in sent)
    order = [n for n in TABLE_ORDER if n in tables and table_spec(n).label]
    seen = [n for t in texts for n in order if t == node_upsert_cypher(table_spec(n))]
    assert list(dict.fromkeys(seen)) == order

    # the exact statement shape, derived from the schema
    assert iv.startswith("UNWIND $rows AS r\nMERGE (n:Intervention {id: r.id})\nSET n.household_id = r.household_id")
    assert "+=" not in iv
    first_iv_row = next(p for _, t, p in sent if t == iv)["rows"][0]
    assert set(first_iv_row) == {graph_property(table_spec("interventions"), c.name)
                                 for c in table_spec("interventions").columns}
    assert isinstance(first_iv_row["start_date"], dt.date)

    concerns = rel_merge_cypher(table_spec("interventions"), table_spec("interventions").rels[1])
    assert concerns == ("UNWIND $rows AS r\nMATCH (a:Intervention {id: r.src})\nMATCH (b:Household {id: r.dst})\n"
                        "MERGE (a)-[t:CONCERNS]->(b)")
    concern_rows = [row for _, t, p in sent if t == concerns for row in p["rows"]]
    assert len(concern_rows) == 6000
    assert concern_rows[0] == {"src": "I00000000", "dst": "H0000000"}
    delivers = next(t for _, t, _ in sent if ":DELIVERS]" in t)
    assert "MATCH (a:Professional {id: r.src})" in delivers and "MATCH (b:Intervention {id: r.dst})" in delivers
    # no member ids in the bulk data: no FOR_MEMBER rows; nothing existed: no deletions
    assert not any(":FOR_MEMBER]" in t and "MERGE" in t for t in texts)
    assert not any("DELETE" in t for t in texts)

    # values only ever travel as parameters
    for text in set(texts):
        assert "H0000000" not in text and "'" not in text and '"' not in text
    assert report.created["interventions"] == 6000 and report.updated["interventions"] == 0
    assert "domains" not in report.created


def test_unchanged_rows_are_not_sent_and_a_moved_row_moves_its_relationship() -> None:
    base = small_tables()
    store, driver = store_with(holding(base))
    report = store.load(base)
    assert not report.changed_anything
    assert driver.writes() == []
    assert [k for k, _ in driver.transactions] == ["read"] * len(driver.transactions)

    rows = small_rows()
    iv = {r["intervention_id"]: r for r in rows["interventions"]}
    iv["I2"]["household_id"] = "H3"
    iv["I2"]["member_id"] = None
    rows["coordinations"][1]["professional_id"] = "P1"
    store, driver = store_with(holding(base))
    report = store.load(tables_from_rows(rows))

    assert report.updated == {n: (1 if n in ("interventions", "coordinations") else 0) for n in TABLE_ORDER}
    assert report.unchanged["interventions"] == len(rows["interventions"]) - 1
    sent = driver.writes()
    assert len({n for n, _, _ in sent}) == 1  # one transaction
    spec = table_spec("interventions")
    by_text: dict[str, list[dict[str, Any]]] = {}
    for _, t, p in sent:
        by_text.setdefault(t, []).extend(p["rows"])
    assert [r["id"] for r in by_text[node_upsert_cypher(spec)]] == ["I2"]
    concerns, for_member = spec.rels[1], spec.rels[2]
    assert by_text[rel_delete_stale_cypher(spec, concerns)] == [{"src": "I2", "dst": "H3"}]
    assert by_text[rel_merge_cypher(spec, concerns)] == [{"src": "I2", "dst": "H3"}]
    # the member became empty: the old FOR_MEMBER goes, no new one is merged
    assert by_text[rel_delete_stale_cypher(spec, for_member)] == [{"src": "I2", "dst": None}]
    assert rel_merge_cypher(spec, for_member) not in by_text
    assert "WHERE r.dst IS NULL OR b.id <> r.dst\nDELETE t" in rel_delete_stale_cypher(spec, concerns)
    coord = table_spec("coordinations")
    assert coord.rel_only is not None
    assert by_text[rel_delete_stale_cypher(coord, coord.rel_only)] == [
        {"id": "C2", "src": "P1", "dst": "H2", "start_date": dt.date(2022, 7, 1), "end_date": dt.date(2024, 3, 31)}
    ]
    assert "MERGE (a)-[t:COORDINATES {id: r.id}]->(b)\nSET t.start_date = r.start_date, t.end_date = r.end_date" in (
        rel_merge_cypher(coord, coord.rel_only)
    )
    # untouched tables send nothing
    assert node_upsert_cypher(table_spec("households")) not in by_text


def test_delivers_stale_deletion_keys_on_the_intervention_end() -> None:
    spec = table_spec("interventions")
    delivers = spec.rels[0]
    assert delivers.type == "DELIVERS"
    assert rel_delete_stale_cypher(spec, delivers) == (
        "UNWIND $rows AS r\nMATCH (a:Professional)-[t:DELIVERS]->(b:Intervention {id: r.dst})\n"
        "WHERE r.src IS NULL OR a.id <> r.src\nDELETE t"
    )


def test_unknown_reference_raises_before_any_write() -> None:
    rows = small_rows()
    rows["interventions"][0]["household_id"] = "H404"
    store, driver = store_with(with_domains())
    with pytest.raises(StoreDataError) as err:
        store.load(tables_from_rows(rows))
    msg = str(err.value)
    assert "interventions" in msg and "intervention_id='I1'" in msg and "'household_id'" in msg and "H404" in msg
    assert driver.writes() == []
    assert all(kind == "read" for kind, _ in driver.transactions)


def test_duplicate_keys_and_clear_bsns_are_refused_before_any_write() -> None:
    rows = small_rows()
    rows["households"].append(dict(rows["households"][0]))
    store, driver = store_with()
    with pytest.raises(StoreDataError, match="duplicate key household_id='H1'"):
        store.load(tables_from_rows(rows))
    members = pa.table({"member_id": ["M1"], "household_id": ["H1"], "bsn": ["999900006"], "birth_year": [1990],
                        "role": ["single"]})
    with pytest.raises(StoreDataError, match="clear"):
        store.load(small_tables().with_table("members", members))
    assert driver.calls == []


def test_one_transaction_per_batch_when_asked() -> None:
    store, driver = store_with(with_domains(), single_transaction=False)
    store.load(bulk_tables(600))
    n_writes = sum(1 for k, _ in driver.transactions if k == "write")
    assert n_writes == len(driver.writes()) > 10


def test_progress_reports_every_batch() -> None:
    seen: list[tuple[str, int, int]] = []
    store, driver = store_with(with_domains())
    store.load(bulk_tables(50), progress=lambda step, done, total: seen.append((step, done, total)))
    assert [d for _, d, _ in seen] == list(range(1, len(driver.writes()) + 1))
    assert {t for _, _, t in seen} == {len(driver.writes())}


# -------------------------------------------------------------------------------------------------- schema and reads
def test_ensure_schema_sends_the_ddl_and_seeds_the_domains() -> None:
    store, driver = store_with()
    store.ensure_schema()
    ddl = neo4j_ddl()
    assert [t for _, t, _ in driver.writes()][: len(ddl)] == ddl
    per_statement = [n for n, t, _ in driver.writes() if t in ddl]
    assert len(set(per_statement)) == len(ddl)  # one transaction per schema command
    domain_upsert = node_upsert_cypher(table_spec("domains"))
    seeded = [row for _, t, p in driver.writes() if t == domain_upsert for row in p["rows"]]
    assert len(seeded) == 15 and {"id", "name_nl", "name_en", "zrm"} == set(seeded[0])


def test_the_first_load_makes_sure_the_schema_exists() -> None:
    store, driver = store_with(with_domains(), schema_ready=False)
    store.load(small_tables())
    texts = [t for _, t, _ in driver.writes()]
    assert texts[: len(neo4j_ddl())] == neo4j_ddl()
    driver.calls.clear()
    store.load(small_tables())
    assert not any(t in neo4j_ddl() for _, _, t, _ in driver.calls)  # only once per store


def test_reads_convert_driver_types_and_use_the_schema_layout() -> None:
    def respond(text: str, params: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
        if text.startswith("MATCH (n:Member)"):
            keys = re.findall(r" AS (\w+)", text.split("RETURN", 1)[1])
            return keys, [["M1", "H1", "ps_x", None, 1990, "parent"]]
        if text.startswith("MATCH (a:Professional)-[t:COORDINATES]"):
            return (["coordination_id", "household_id", "professional_id", "start_date", "end_date"],
                    [["C1", "H1", "P1", Date(2024, 1, 31), None]])
        if "RETURN h.id AS household_id" in text:
            return ["household_id", "n", "first"], [["H1", Decimal(3), Date(2024, 2, 29)]]
        return empty_graph(text, params)

    store, _ = store_with(respond)
    members = store.read_table("members")
    assert members.column_names == ["member_id", "household_id", "bsn_pseudonym", "name", "birth_year", "role"]
    assert members.schema.field("birth_year").type == pa.int64()
    assert members.to_pylist()[0]["bsn_pseudonym"] == "ps_x"
    coord = store.read_table("coordinations")
    assert coord.schema.field("start_date").type == pa.date32()
    assert coord.to_pylist() == [{"coordination_id": "C1", "household_id": "H1", "professional_id": "P1",
                                  "start_date": dt.date(2024, 1, 31), "end_date": None}]
    q = Query("t", "MATCH (h:Household) RETURN h.id AS household_id, 3 AS n, date('2024-02-29') AS first",
              ("household_id", "n", "first"))
    t = store.run(q, {})
    assert t.column_names == ["household_id", "n", "first"]
    assert t.to_pylist() == [{"household_id": "H1", "n": 3, "first": dt.date(2024, 2, 29)}]
    assert t.schema.field("n").type == pa.int64() and t.schema.field("first").type == pa.date32()


def test_run_passes_the_time_limit_to_the_transaction() -> None:
    store, driver = store_with(query_timeout_s=30.0)
    q = Query("t", "RETURN 1 AS ok", ("ok",))
    store.run(q, timeout_s=10.0)
    store.run(q)
    assert [getattr(fn, "timeout", None) for _, fn in driver.transactions] == [10.0, 30.0]


def test_counts_cover_every_label_and_relationship_type() -> None:
    store, driver = store_with()
    c = store.counts()
    assert set(c.nodes) == LABELS and set(c.relationships) == REL_TYPES
    assert all(v == 0 for v in [*c.nodes.values(), *c.relationships.values()])
    assert len({n for _, n, _, _ in driver.calls}) == 1  # one read transaction


# -------------------------------------------------------------------------------------------------- errors
def _neo4j_error(code: str) -> neo4j_errors.Neo4jError:
    return neo4j_errors.Neo4jError._hydrate_neo4j(code=code, message="server says no")


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (neo4j_errors.ServiceUnavailable("connection refused"), StoreUnavailableError),
        (neo4j_errors.SessionExpired("gone"), StoreUnavailableError),
        (_neo4j_error("Neo.ClientError.Security.Unauthorized"), StoreUnavailableError),
        (_neo4j_error("Neo.ClientError.Schema.ConstraintValidationFailed"), StoreDataError),
        (_neo4j_error("Neo.ClientError.Transaction.TransactionTimedOut"), StoreQueryTimeout),
        (_neo4j_error("Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration"), StoreQueryTimeout),
        (_neo4j_error("Neo.ClientError.Statement.SyntaxError"), StoreError),
    ],
)
def test_driver_errors_are_mapped(error: BaseException, expected: type[StoreError]) -> None:
    mapped = map_driver_error(error, "testing")
    assert type(mapped) is expected
    store, driver = store_with()
    driver.fail_on = lambda text, kind: True
    driver.error = error
    with pytest.raises(expected) as err:
        store.run(Query("t", "RETURN 1 AS ok", ("ok",)))
    assert type(err.value) is expected
    assert err.value.__cause__ is error


def test_auth_error_message_points_at_the_settings() -> None:
    mapped = map_driver_error(_neo4j_error("Neo.ClientError.Security.Unauthorized"), "pinging Neo4j")
    assert "CAREGRAPH_NEO4J_PASSWORD" in str(mapped) and "credentials" in str(mapped)


def test_a_failing_batch_fails_the_whole_load() -> None:
    store, driver = store_with(with_domains())
    iv_text = node_upsert_cypher(table_spec("interventions"))
    driver.fail_on = lambda text, kind: kind == "write" and text == iv_text
    driver.error = _neo4j_error("Neo.ClientError.Schema.ConstraintValidationFailed")
    with pytest.raises(StoreDataError):
        store.load(bulk_tables(20))
    assert sum(1 for k, _ in driver.transactions if k == "write") == 1  # no second transaction after the failure


def test_password_never_appears_in_repr_errors_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    secret = "s3cret-Pa55word-xyz"
    caplog.set_level(logging.DEBUG)
    store = Neo4jStore.connect("neo4j://127.0.0.1:9", "neo4j", secret, retry_time_s=0.2, connection_timeout_s=0.5)
    try:
        with pytest.raises(StoreUnavailableError) as err:
            store.ping()
        assert secret not in str(err.value)
        assert secret not in repr(store) and secret not in str(vars(store))
        assert "127.0.0.1:9" in repr(store)
    finally:
        store.close()
    assert secret not in caplog.text


def test_invalid_uri_is_unavailable() -> None:
    with pytest.raises(StoreUnavailableError, match="invalid Neo4j URI"):
        Neo4jStore.connect("ftp://nowhere", "neo4j", "pw")


# -------------------------------------------------------------------------------------------------- all_cypher
def test_all_cypher_uses_only_schema_names_and_parameters() -> None:
    named = {q.render("neo4j") for q in ALL_QUERIES.values()}
    statements = [(t, p) for t, p in all_cypher() if t not in named]
    for text, params in statements:
        for label in re.findall(r"\(\w*:(\w+)", text):
            assert label in LABELS, (label, text)
        for rel in re.findall(r"\[\w*:(\w+)", text):
            assert rel in REL_TYPES, (rel, text)
        for prop in re.findall(r"\b[nt]\.(\w+)", text):
            assert prop in PROPERTIES, (prop, text)
        assert "'" not in text and '"' not in text, text  # values only as $parameters
        for name in re.findall(r"\$(\w+)", text):
            assert name in params, (name, text)
    # every statement the adapter builds for loading is listed
    texts = {t for t, _ in statements}
    for spec, rel in all_rel_specs():
        assert rel_merge_cypher(spec, rel) in texts and rel_delete_stale_cypher(spec, rel) in texts
    for t in node_specs():
        assert node_upsert_cypher(t) in texts and node_existing_cypher(t) in texts
    assert set(neo4j_ddl()) <= texts
