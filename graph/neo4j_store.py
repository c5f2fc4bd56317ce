"""The Neo4j 5 adapter of the store port (:class:`graph.store.GraphStore`), through the official ``neo4j`` driver.

Every Cypher statement this adapter sends comes from :mod:`graph.neo4j_queries` (built from the schema, values only as
``$parameters``); this module holds the driver side: sessions, transactions, batching, error mapping, load planning.

Loading (``docs/graph-stores.md#neo4j``): batched ``UNWIND $rows AS r MERGE (n:Label {id: r.id}) SET …``,
5,000 rows per statement, nodes before relationships, all inside one managed write transaction
(``session.execute_write``), so a failure leaves nothing half-written. Before writing, the existing ids and
properties of the incoming keys are read to classify each row as created, updated or unchanged, and every foreign
key is checked against the incoming tables and the store.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pyarrow as pa
from neo4j import GraphDatabase, unit_of_work
from neo4j import exceptions as neo4j_errors
from neo4j.graph import Node, Path, Relationship
from neo4j.time import Duration

from graph.ddl import all_rel_specs, neo4j_ddl, node_specs
from graph.domains import DOMAINS
from graph.household_deletion import HOUSEHOLD_TABLE, household_dependants
from graph.neo4j_queries import (
    DELETE_ALL_CYPHER,
    PERSONAL_BSN_COLUMN,
    PING_CYPHER,
    PSEUDONYM_COLUMN,
    coordination_existing_cypher,
    household_delete_cypher,
    household_dependant_delete_cypher,
    ids_exist_cypher,
    ledger_forget_clients_cypher,
    node_count_cypher,
    node_delete_cypher,
    node_existing_cypher,
    node_label,
    node_upsert_cypher,
    read_table_cypher,
    rel_count_cypher,
    rel_delete_stale_cypher,
    rel_merge_cypher,
    rel_property,
)
from graph.queries import Query
from graph.schema import TABLE_ORDER, Column, TableSpec, graph_property, table_arrow_schema, table_spec
from graph.store import (
    LoadReport,
    ProgressFn,
    StoreCounts,
    StoreDataError,
    StoreError,
    StoreQueryTimeout,
    StoreUnavailableError,
    check_delete,
    drop_keys,
)
from graph.tables import CareTables

__all__ = ["BATCH_SIZE", "Neo4jStore", "builtin_domains_table", "map_driver_error", "to_python"]

log = logging.getLogger(__name__)

BATCH_SIZE = 5000
"""Rows per ``UNWIND $rows`` statement (the driver docs suggest 1k–10k)."""


# --------------------------------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------------------------------


def to_python(value: Any) -> Any:
    """Normalise a value the driver returns: ``neo4j.time`` → :mod:`datetime`, integral Decimal → int, graph
    objects → plain dicts (``{"label", "id", **props}`` for a node, ``{"type", **props}`` for a relationship)."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, dt.date | dt.time):  # already native (datetime is a date subclass)
        return value
    if isinstance(value, Duration):  # a tuple subclass without to_native: keep its ISO 8601 text
        return value.iso_format()
    to_native = getattr(value, "to_native", None)
    if callable(to_native):  # neo4j.time.Date / DateTime / Time (Duration has no to_native)
        return to_native()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list | tuple):
        return [to_python(v) for v in value]
    if isinstance(value, dict):
        return {k: to_python(v) for k, v in value.items()}
    if isinstance(value, Node):
        labels = sorted(value.labels)
        return {"label": labels[0] if labels else None, **{k: to_python(v) for k, v in value.items()}}
    if isinstance(value, Relationship):
        return {"type": value.type, **{k: to_python(v) for k, v in value.items()}}
    if isinstance(value, Path):
        return [to_python(n) for n in value.nodes]
    return str(value)


def _column(values: list[Any], type_: pa.DataType | None = None) -> pa.Array:
    if type_ is not None:
        return pa.array(values, type_)
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types: fall back to text
        return pa.array([None if v is None else str(v) for v in values], pa.string())


def builtin_domains_table() -> pa.Table:
    """The built-in life domains (:data:`graph.domains.DOMAINS`) as a ``domains`` entity table."""
    return pa.table(
        {
            "domain_code": [d.code for d in DOMAINS],
            "name_nl": [d.name_nl for d in DOMAINS],
            "name_en": [d.name_en for d in DOMAINS],
            "zrm": [d.zrm for d in DOMAINS],
        }
    )


def _batches(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# --------------------------------------------------------------------------------------------------------------------
# Error mapping
# --------------------------------------------------------------------------------------------------------------------


def map_driver_error(exc: BaseException, what: str) -> StoreError:
    """The :class:`StoreError` for a driver exception raised while doing ``what``.

    ServiceUnavailable / SessionExpired → :class:`StoreUnavailableError`; AuthError → :class:`StoreUnavailableError`
    with a hint to check the user/password settings; constraint violations → :class:`StoreDataError`; transaction
    time-outs (``Neo.ClientError.Transaction.TransactionTimedOut*``) → :class:`StoreQueryTimeout`; anything else →
    :class:`StoreError`. Messages never contain the password (the driver never puts it in a message).
    """
    if isinstance(exc, neo4j_errors.AuthError):
        return StoreUnavailableError(
            f"Neo4j refused the credentials while {what}: check CAREGRAPH_NEO4J_USER and CAREGRAPH_NEO4J_PASSWORD "
            f"({type(exc).__name__})"
        )
    if isinstance(exc, neo4j_errors.ServiceUnavailable | neo4j_errors.SessionExpired):
        return StoreUnavailableError(f"Neo4j is not reachable while {what}: {exc}")
    if isinstance(exc, neo4j_errors.Neo4jError):
        code = exc.code or ""
        if "TransactionTimedOut" in code or "Transaction.Terminated" in code:
            return StoreQueryTimeout(f"Neo4j query timed out while {what}: {exc.message}")
        if isinstance(exc, neo4j_errors.ConstraintError) or "ConstraintValidationFailed" in code:
            return StoreDataError(f"Neo4j rejected the data while {what}: {exc.message}")
        return StoreError(f"Neo4j error while {what}: {code}: {exc.message}")
    if isinstance(exc, neo4j_errors.DriverError):
        return StoreError(f"Neo4j driver error while {what}: {exc}")
    return StoreError(f"error while {what}: {exc}")


# --------------------------------------------------------------------------------------------------------------------
# Load planning (pure Python: what to write, decided before the write transaction)
# --------------------------------------------------------------------------------------------------------------------


@dataclass
class _TablePlan:
    spec: TableSpec
    rows: list[dict[str, Any]]  # graph-property rows (node tables) or table-column rows (rel-only)
    write: list[dict[str, Any]]  # created + updated rows
    updated: list[dict[str, Any]]
    created: int
    unchanged: int


def _node_rows(spec: TableSpec, table: pa.Table) -> list[dict[str, Any]]:
    """Rows of a node table keyed by graph property (``id``, ``bsn_pseudonym``); refuses BSNs in clear."""
    columns: dict[str, list[Any]] = {}
    for c in spec.columns:
        prop = graph_property(spec, c.name)
        if c.name == PERSONAL_BSN_COLUMN:
            if PSEUDONYM_COLUMN in table.column_names:
                columns[prop] = table.column(PSEUDONYM_COLUMN).to_pylist()
                continue
            col = table.column(c.name)
            if col.null_count != len(col):
                raise StoreDataError(
                    f"{spec.name}: column {c.name!r} holds BSNs in clear; pseudonymise the tables before loading "
                    "(ingest.pseudonyms.pseudonymise_tables)"
                )
            columns[prop] = [None] * table.num_rows
            continue
        columns[prop] = table.column(c.name).to_pylist()
    names = list(columns)
    return [dict(zip(names, vals, strict=True)) for vals in zip(*columns.values(), strict=True)] if names else []


def _check_keys(spec: TableSpec, keys: list[Any], required: Sequence[tuple[Column, list[Any]]]) -> None:
    seen: set[Any] = set()
    for i, k in enumerate(keys):
        if k is None:
            raise StoreDataError(f"{spec.name} row {i + 1}: key field {spec.key!r} is empty")
        if k in seen:
            raise StoreDataError(f"{spec.name}: duplicate key {spec.key}={k!r}")
        seen.add(k)
    for col, values in required:
        for k, v in zip(keys, values, strict=True):
            if v is None:
                raise StoreDataError(f"{spec.name} {spec.key}={k!r}: required field {col.name!r} is empty")


# --------------------------------------------------------------------------------------------------------------------
# The adapter
# --------------------------------------------------------------------------------------------------------------------


class Neo4jStore:
    """:class:`graph.store.GraphStore` on a Neo4j 5 server.

    Parameters
    ----------
    driver
        A ``neo4j.Driver`` (one per application; thread-safe). Tests inject a fake.
    database
        Database name (``neo4j`` on community edition).
    query_timeout_s
        Default server-side time limit for one read query (``@unit_of_work(timeout=…)``).
    owns_driver
        Close the driver in :meth:`close` (true when created by :meth:`connect`).
    single_transaction
        Write a whole load in one transaction (all-or-nothing). Very large first loads may exceed the server's
        transaction memory (``db.memory.transaction.total.max``); then pass ``False`` to commit per batch (MERGE
        keeps re-runs idempotent, but a failure then leaves earlier batches written).
    schema_ready
        The constraints and built-in domains are known to exist; otherwise the first :meth:`load` runs
        :meth:`ensure_schema` first.
    uri, user
        Shown by ``repr`` (never the password, which only the driver holds).
    """

    backend = "neo4j"

    def __init__(
        self,
        driver: Any,
        *,
        database: str = "neo4j",
        query_timeout_s: float = 30.0,
        owns_driver: bool = False,
        single_transaction: bool = True,
        uri: str = "",
        user: str = "",
        schema_ready: bool = False,
    ) -> None:
        self._driver = driver
        self.database = database
        self.query_timeout_s = query_timeout_s
        self._owns_driver = owns_driver
        self.single_transaction = single_transaction
        self.uri = uri
        self.user = user
        self._schema_ready = schema_ready

    @classmethod
    def connect(
        cls,
        uri: str,
        user: str,
        password: str,
        *,
        database: str = "neo4j",
        query_timeout_s: float = 30.0,
        retry_time_s: float = 15.0,
        connection_timeout_s: float = 10.0,
    ) -> Neo4jStore:
        """Create one driver for ``uri`` (no network traffic yet; :meth:`ping` checks the connection).

        Raises
        ------
        StoreUnavailableError
            If the URI or the driver configuration is invalid.
        """
        try:
            driver = GraphDatabase.driver(
                uri,
                auth=(user, password),
                max_transaction_retry_time=retry_time_s,
                connection_timeout=connection_timeout_s,
            )
        except (ValueError, neo4j_errors.ConfigurationError) as e:
            raise StoreUnavailableError(f"invalid Neo4j URI or configuration {uri!r}: {e}") from None
        log.info("neo4j driver created for %s as %s (database %s)", uri, user, database)
        return cls(driver, database=database, query_timeout_s=query_timeout_s, owns_driver=True, uri=uri, user=user)

    def __repr__(self) -> str:
        return f"Neo4jStore(uri={self.uri!r}, user={self.user!r}, database={self.database!r})"

    # -- sessions ----------------------------------------------------------------------------------------------------

    def _session(self) -> Any:
        return self._driver.session(database=self.database)

    def _read(self, work: Callable[[Any], Any], what: str, timeout_s: float | None = None) -> Any:
        limit = self.query_timeout_s if timeout_s is None else timeout_s
        try:
            with self._session() as session:
                return session.execute_read(unit_of_work(timeout=limit)(work))
        except (neo4j_errors.Neo4jError, neo4j_errors.DriverError) as e:
            raise map_driver_error(e, what) from e

    def _write(self, work: Callable[[Any], Any], what: str) -> Any:
        try:
            with self._session() as session:
                return session.execute_write(work)
        except (neo4j_errors.Neo4jError, neo4j_errors.DriverError) as e:
            raise map_driver_error(e, what) from e

    @staticmethod
    def _fetch(tx: Any, text: str, params: Mapping[str, Any] | None = None) -> tuple[list[str], list[list[Any]]]:
        result = tx.run(text, dict(params or {}))
        keys = list(result.keys())
        rows = [[to_python(v) for v in rec.values()] for rec in result]
        return keys, rows

    # -- the port ----------------------------------------------------------------------------------------------------

    def ensure_schema(self) -> None:
        """Create the constraints and indexes of :func:`graph.ddl.neo4j_ddl` (idempotent) and, when there are no
        Domain nodes yet, the built-in domains of :mod:`graph.domains` (as the embedded store does)."""
        self._schema_ready = True  # set first: seeding the domains goes through load()
        for stmt in neo4j_ddl():  # one transaction per schema command

            def work(tx: Any, stmt: str = stmt) -> None:
                tx.run(stmt).consume()

            self._write(work, "creating constraints and indexes")
        if self.counts_of_label("Domain") == 0:
            self.load(CareTables({"domains": builtin_domains_table()}))

    def counts_of_label(self, label: str) -> int:
        """Number of nodes with the schema label ``label``."""
        text = node_count_cypher(label)
        _, rows = self._read(lambda tx: self._fetch(tx, text), f"counting {label} nodes")
        return int(rows[0][0])

    def ping(self) -> None:
        """Raise :class:`StoreUnavailableError` unless Neo4j answers ``RETURN 1``."""
        _, rows = self._read(lambda tx: self._fetch(tx, PING_CYPHER), "pinging Neo4j", timeout_s=10.0)
        if rows != [[1]]:
            raise StoreUnavailableError(f"Neo4j answered {rows!r} to {PING_CYPHER!r}")

    def stale(self) -> bool:
        """Never: every query sees the server's current committed content."""
        return False

    def close(self) -> None:
        """Close the driver (when this store created it)."""
        if self._owns_driver:
            self._driver.close()

    def counts(self) -> StoreCounts:
        """Node counts per label and relationship counts per type (every schema label/type, zeros included)."""

        def work(tx: Any) -> StoreCounts:
            nodes = {}
            for t in node_specs():
                label = node_label(t)
                nodes[label] = int(self._fetch(tx, node_count_cypher(label))[1][0][0])
            rels = {}
            for _, r in all_rel_specs():
                rels[r.type] = int(self._fetch(tx, rel_count_cypher(r.type))[1][0][0])
            return StoreCounts(nodes=nodes, relationships=rels)

        result: StoreCounts = self._read(work, "counting nodes and relationships")
        return result

    def read_table(self, name: str) -> pa.Table:
        """The entity table ``name`` as stored: the table's columns (``bsn`` as ``bsn_pseudonym``), sorted by key."""
        spec = table_spec(name)
        text = read_table_cypher(spec)
        _, rows = self._read(lambda tx: self._fetch(tx, text), f"reading table {name}")
        schema = table_arrow_schema(spec, pseudonymised=True)
        arrays = [_column([r[i] for r in rows], f.type) for i, f in enumerate(schema)]
        return pa.Table.from_arrays(arrays, schema=schema)

    def snapshot(self) -> CareTables:
        """Every entity table as stored."""
        return CareTables({name: self.read_table(name) for name in TABLE_ORDER})

    def run(self, query: Query, params: Mapping[str, Any] | None = None, *, timeout_s: float | None = None) -> pa.Table:
        """Run a named read query (its Neo4j text) and return its declared columns as an Arrow table."""
        text = query.render("neo4j")
        keys, rows = self._read(lambda tx: self._fetch(tx, text, params), f"running query {query.name}", timeout_s)
        names = list(query.columns) or keys
        index = {k: i for i, k in enumerate(keys)}
        missing = [n for n in names if n not in index]
        if missing and rows:
            raise StoreError(f"query {query.name} returned {keys}, not the declared columns {list(query.columns)}")
        arrays = [_column([r[index[n]] for r in rows] if n in index else []) for n in names]
        return pa.Table.from_arrays(arrays, names=names)

    def delete_all(self) -> None:
        """Delete every node and relationship (tests and resets only; constraints stay)."""
        try:
            with self._session() as session:
                session.run(DELETE_ALL_CYPHER).consume()
        except (neo4j_errors.Neo4jError, neo4j_errors.DriverError) as e:
            raise map_driver_error(e, "deleting all data") from e

    def delete_households(self, household_ids: Sequence[str]) -> dict[str, int]:
        """Delete the households ``household_ids`` and everything that hangs off them in ONE write transaction.

        See :meth:`graph.store.GraphStore.delete_households`. Per batch of :data:`BATCH_SIZE` ids: the dependants
        (:func:`graph.household_deletion.household_dependants`), then the households; unknown ids are ignored.
        Returns the rows deleted per entity table.
        """
        ids = sorted(set(household_ids))
        deps = household_dependants()
        counts = {HOUSEHOLD_TABLE: 0, **{d.table: 0 for d in deps}}
        if not ids:
            return counts

        def work(tx: Any) -> dict[str, int]:
            done = dict.fromkeys(counts, 0)  # rebuilt on every (retried) attempt
            for batch in _batches(ids, BATCH_SIZE):
                params = {"ids": list(batch)}
                self._fetch(tx, ledger_forget_clients_cypher(), params)
                for dep in deps:
                    done[dep.table] += int(self._fetch(tx, household_dependant_delete_cypher(dep), params)[1][0][0])
                done[HOUSEHOLD_TABLE] += int(self._fetch(tx, household_delete_cypher(), params)[1][0][0])
            return done

        result: dict[str, int] = self._write(work, f"deleting {len(ids)} households")
        return result

    # -- loading -----------------------------------------------------------------------------------------------------

    def load(self, tables: CareTables, *, progress: ProgressFn | None = None,
             delete: Mapping[str, Sequence[str]] | None = None) -> LoadReport:
        """Upsert ``tables`` (pseudonymised) in one write transaction; see :meth:`graph.store.GraphStore.load`.

        Steps: validate keys and required fields; read the stored state of the incoming keys (batches of
        :data:`BATCH_SIZE`) and classify rows as created / updated / unchanged; check every foreign key against the
        incoming tables and the store (:class:`StoreDataError` naming table, key and field, nothing written); then,
        in one ``execute_write``: node upserts per table in :data:`graph.schema.TABLE_ORDER`, then per relationship
        type the deletion of relationships whose foreign key changed and the MERGE of the new ones. Unchanged rows
        are not sent; last, in the same transaction, the nodes ``delete`` names are ``DETACH DELETE``-d
        (:func:`node_delete_cypher`, batches of :data:`BATCH_SIZE` ids; rows both loaded and deleted are not sent).
        The first load through a store instance first runs :meth:`ensure_schema` (constraints, indexes, built-in
        domains), since the embedded store does that on opening.
        """
        started = time.perf_counter()
        if not self._schema_ready:  # the first load through this store makes sure constraints and domains exist
            self.ensure_schema()
        if not tables.pseudonymised:
            raise StoreDataError("members.bsn holds BSNs in clear: pseudonymise them before loading")
        dels = check_delete(delete)
        if dels:
            tables = drop_keys(tables, dels)
        plans = self._plan(tables)
        self._check_references(tables, plans)
        steps = self._write_steps(plans)
        deleted: dict[str, int] = dict.fromkeys(dels, 0)
        if steps or dels:
            deleted.update(self._run_steps(steps, len(steps), progress, deletes=dels))
        report = LoadReport(seconds=0.0, deleted=deleted)
        for name, plan in plans.items():
            report.created[name] = plan.created
            report.updated[name] = len(plan.updated)
            report.unchanged[name] = plan.unchanged
        report.seconds = time.perf_counter() - started
        return report

    def _plan(self, tables: CareTables) -> dict[str, _TablePlan]:
        """Validate every table first (no reads), then read the stored state of the incoming keys and classify."""
        prepared: list[tuple[TableSpec, list[dict[str, Any]], str]] = []
        for name in TABLE_ORDER:
            if name not in tables:
                continue
            spec = table_spec(name)
            if spec.rel_only is not None:
                rows = tables[name].to_pylist()
                key = spec.key
                required = [(c, [r[c.name] for r in rows]) for c in spec.columns if c.required and c.name != spec.key]
            else:
                rows = _node_rows(spec, tables[name])
                key = "id"
                required = [
                    (c, [r[graph_property(spec, c.name)] for r in rows])
                    for c in spec.columns
                    if c.required and c.name != spec.key
                ]
            _check_keys(spec, [r[key] for r in rows], required)
            prepared.append((spec, rows, key))
        plans: dict[str, _TablePlan] = {}
        for spec, rows, key in prepared:
            text = coordination_existing_cypher(spec) if spec.rel_only is not None else node_existing_cypher(spec)
            existing = self._existing(text, [r[key] for r in rows], key, f"reading {spec.name}")
            plans[spec.name] = self._classify(spec, rows, key, existing)
        return plans

    def _existing(self, text: str, keys: list[Any], key: str, what: str) -> dict[Any, dict[str, Any]]:
        if not keys:
            return {}

        def work(tx: Any) -> dict[Any, dict[str, Any]]:
            out: dict[Any, dict[str, Any]] = {}
            for batch in _batches(keys, BATCH_SIZE):
                names, rows = self._fetch(tx, text, {"ids": list(batch)})
                for r in rows:
                    rec = dict(zip(names, r, strict=True))
                    out[rec[key]] = rec
            return out

        found: dict[Any, dict[str, Any]] = self._read(work, what, timeout_s=max(self.query_timeout_s, 300.0))
        return found

    @staticmethod
    def _classify(
        spec: TableSpec, rows: list[dict[str, Any]], key: str, existing: dict[Any, dict[str, Any]]
    ) -> _TablePlan:
        write: list[dict[str, Any]] = []
        updated: list[dict[str, Any]] = []
        created = unchanged = 0
        for row in rows:
            old = existing.get(row[key])
            if old is None:
                created += 1
                write.append(row)
            elif any(old.get(k) != v for k, v in row.items()):
                updated.append(row)
                write.append(row)
            else:
                unchanged += 1
        return _TablePlan(spec, rows, write, updated, created, unchanged)

    def _check_references(self, tables: CareTables, plans: dict[str, _TablePlan]) -> None:
        """Every non-null foreign key must name a row of the incoming tables or a node in the store."""
        incoming: dict[str, set[Any]] = {}
        for name, plan in plans.items():
            key = plan.spec.key if plan.spec.rel_only is not None else "id"
            incoming[name] = {r[key] for r in plan.rows}
        # (table, key, field, target table, value) of the first row per missing value
        pending: dict[str, dict[Any, tuple[str, Any, str]]] = {}
        for name, plan in plans.items():
            spec = plan.spec
            keyprop = spec.key if spec.rel_only is not None else "id"
            for c in spec.columns:
                if c.references is None:
                    continue
                prop = c.name if spec.rel_only is not None else graph_property(spec, c.name)
                known = incoming.get(c.references, set())
                for r in plan.rows:
                    v = r[prop]
                    if v is not None and v not in known:
                        pending.setdefault(c.references, {}).setdefault(v, (name, r[keyprop], c.name))
        for target, values in pending.items():
            label = node_label(table_spec(target))
            ids = list(values)
            text = ids_exist_cypher(label)

            def work(tx: Any, ids: list[Any] = ids, text: str = text) -> set[Any]:
                found: set[Any] = set()
                for batch in _batches(ids, BATCH_SIZE):
                    found.update(r[0] for r in self._fetch(tx, text, {"ids": list(batch)})[1])
                return found

            found = self._read(work, f"checking references to {target}", timeout_s=max(self.query_timeout_s, 300.0))
            for v in ids:
                if v not in found:
                    table, key, fieldname = values[v]
                    spec = table_spec(table)
                    raise StoreDataError(
                        f"{table} {spec.key}={key!r}: field {fieldname!r} references {target} {v!r}, which is neither "
                        "in the loaded tables nor in the store; nothing was written"
                    )

    def _write_steps(self, plans: dict[str, _TablePlan]) -> list[tuple[str, str, list[dict[str, Any]]]]:
        """(description, statement, rows) of every batch to write: nodes first, then relationships."""
        steps: list[tuple[str, str, list[dict[str, Any]]]] = []
        for name, plan in plans.items():
            if plan.spec.rel_only is None and plan.write:
                text = node_upsert_cypher(plan.spec)
                for batch in _batches(plan.write, BATCH_SIZE):
                    steps.append((f"{name}: nodes", text, list(batch)))
        for spec, rel in all_rel_specs():
            rel_plan = plans.get(spec.name)
            if rel_plan is None or not rel_plan.write:
                continue
            plan = rel_plan
            if spec.rel_only is rel:
                src_col, dst_col = rel.source_column, rel.target_column
                props = {p: p for p in rel.properties if p != spec.key}

                def rel_row(r: dict[str, Any], s: str = src_col, d: str = dst_col, pr: dict[str, str] = props,
                            k: str = spec.key) -> dict[str, Any]:
                    return {"id": r[k], "src": r[s], "dst": r[d], **{p: r[c] for p, c in pr.items()}}
            else:
                src_prop, dst_prop = graph_property(spec, rel.source_column), graph_property(spec, rel.target_column)
                props = {rel_property(spec, p): graph_property(spec, p) for p in rel.properties}

                def rel_row(r: dict[str, Any], s: str = src_prop, d: str = dst_prop, pr: dict[str, str] = props,
                            k: str = spec.key) -> dict[str, Any]:
                    return {"src": r[s], "dst": r[d], **{p: r[c] for p, c in pr.items()}}

            if plan.updated:
                text = rel_delete_stale_cypher(spec, rel)
                stale = [rel_row(r) for r in plan.updated]
                for batch in _batches(stale, BATCH_SIZE):
                    steps.append((f"{rel.type}: drop moved", text, list(batch)))
            merge_rows = [
                row for row in (rel_row(r) for r in plan.write) if row["src"] is not None and row["dst"] is not None
            ]
            text = rel_merge_cypher(spec, rel)
            for batch in _batches(merge_rows, BATCH_SIZE):
                steps.append((f"{rel.type}: relationships", text, list(batch)))
        return steps

    def _run_steps(
        self,
        steps: list[tuple[str, str, list[dict[str, Any]]]],
        total: int,
        progress: ProgressFn | None,
        deletes: Mapping[str, list[str]] | None = None,
    ) -> dict[str, int]:
        """Run the write steps, then the deletions (in the last transaction); returns the nodes deleted per table."""
        deletes = deletes or {}

        def run_all(tx: Any, chunk: Iterable[tuple[int, tuple[str, str, list[dict[str, Any]]]]]) -> None:
            for i, (desc, text, rows) in chunk:
                tx.run(text, {"rows": rows}).consume()
                if progress is not None:
                    progress(desc, i + 1, total)

        def delete_all(tx: Any) -> dict[str, int]:
            done = dict.fromkeys(deletes, 0)  # rebuilt on every (retried) attempt
            for name, ids in deletes.items():
                text = node_delete_cypher(table_spec(name))
                for batch in _batches(ids, BATCH_SIZE):
                    done[name] += int(self._fetch(tx, text, {"ids": list(batch)})[1][0][0])
            return done

        numbered = list(enumerate(steps))
        chunks = [numbered] if self.single_transaction else [[item] for item in numbered]
        if deletes and not self.single_transaction:
            chunks.append([])  # the deletions get their own transaction, like every batch in this mode
        deleted: dict[str, int] = {}
        for ci, chunk in enumerate(chunks):
            last = ci == len(chunks) - 1

            def work(
                tx: Any, chunk: list[tuple[int, tuple[str, str, list[dict[str, Any]]]]] = chunk, last: bool = last
            ) -> dict[str, int]:
                run_all(tx, chunk)
                return delete_all(tx) if last else {}

            what = "loading tables" if len(chunks) == 1 or not chunk else f"loading tables ({chunk[0][1][0]})"
            done: dict[str, int] = self._write(work, what)
            if last:
                deleted = done
        return deleted
