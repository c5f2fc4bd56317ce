"""The Neo4j adapter's own statements, executed by a real Cypher engine: LadybugDB behind a driver-shaped shim.

No Neo4j server runs here, so the unit tests can only check the statement texts. This module runs the adapter end to
end (diff reads, reference checks, node upserts, relationship deletions and merges in one transaction, table reads,
counts) against LadybugDB, which speaks the same Cypher for everything the adapter's load and read statements use,
and reuses the store conformance tests on it. The shim differs from the Neo4j driver in two places only:
``BEGIN TRANSACTION``/``COMMIT`` stand for ``execute_write``; and a ``SET x.p = r.p`` of a date, int or bool property
gets a ``CAST`` because LadybugDB types a map field that is null in every row of a batch as STRING (Neo4j has no
such typing, so the cast changes nothing for it). Neo4j-only behaviour (constraints, error codes) is not covered here.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import ladybug as lb
import neo4j.exceptions as nx
import pytest

from graph.ladybug_store import LadybugStore
from graph.neo4j_store import Neo4jStore
from graph.schema import TABLES, graph_property
from graph.store import GraphStore, StoreDataError
from tests.graph.fixtures import small_rows, small_tables, tables_from_rows
from tests.graph.test_conformance import (  # noqa: F401 - collected again here, on the fixture below
    test_changed_rows_are_updated_and_relationships_move,
    test_clear_bsns_are_refused,
    test_load_gives_counts_and_relationships_of_the_tables,
    test_loading_twice_changes_nothing,
    test_ping_answers_while_open_and_fails_once_closed,
    test_read_table_round_trips_values,
    test_reference_to_a_row_already_in_the_store_is_accepted,
    test_unknown_reference_is_refused_and_nothing_is_written,
)

_LB_TYPE = {"date": "DATE", "int": "INT64", "bool": "BOOLEAN"}
_TYPED = {graph_property(t, c.name): _LB_TYPE[c.type] for t in TABLES for c in t.columns if c.type in _LB_TYPE}
_SET_ITEM = re.compile(r"\b([nt])\.(\w+) = r\.(\w+)")


def _typed(text: str) -> str:
    def cast(m: re.Match[str]) -> str:
        var, prop, field = m.groups()
        if prop in _TYPED:
            return f"{var}.{prop} = CAST(r.{field} AS {_TYPED[prop]})"
        return m.group(0)

    return _SET_ITEM.sub(cast, text)


class _Record:
    def __init__(self, values: list[Any]) -> None:
        self._values = values

    def values(self) -> list[Any]:
        return self._values


class _Result:
    def __init__(self, result: Any) -> None:
        self._keys = result.get_column_names()
        self._rows = result.get_all()

    def keys(self) -> list[str]:
        return list(self._keys)

    def __iter__(self) -> Iterator[_Record]:
        return iter(_Record(list(r)) for r in self._rows)

    def consume(self) -> None:
        return None


class _Tx:
    def __init__(self, driver: LadybugShimDriver) -> None:
        self.driver = driver

    def run(self, text: str, parameters: dict[str, Any] | None = None) -> _Result:
        self.driver.statements.append(text)
        return _Result(self.driver.conn.execute(_typed(text), dict(parameters or {})))


class _Session:
    def __init__(self, driver: LadybugShimDriver) -> None:
        self.driver = driver

    def __enter__(self) -> _Session:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def execute_read(self, fn: Callable[..., Any], *args: Any) -> Any:
        return fn(_Tx(self.driver), *args)

    def execute_write(self, fn: Callable[..., Any], *args: Any) -> Any:
        conn = self.driver.conn
        conn.execute("BEGIN TRANSACTION")
        try:
            out = fn(_Tx(self.driver), *args)
        except BaseException:
            with contextlib.suppress(RuntimeError):  # LadybugDB has already rolled back after an error
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        self.driver.commits += 1
        return out

    def run(self, text: str, parameters: dict[str, Any] | None = None) -> _Result:
        return _Tx(self.driver).run(text, parameters)


class LadybugShimDriver:
    """Just enough of ``neo4j.Driver`` for :class:`Neo4jStore`, executing on a LadybugDB connection."""

    def __init__(self, path: Path) -> None:
        self.db = lb.Database(str(path))
        self.conn = lb.Connection(self.db)
        self.statements: list[str] = []
        self.commits = 0
        self.closed = False

    def session(self, database: str = "neo4j") -> _Session:
        if self.closed:  # as the real driver does after close()
            raise nx.DriverError("Driver closed")
        return _Session(self)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.conn.close()
            self.db.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[GraphStore]:
    """A Neo4jStore whose driver runs its statements on a fresh LadybugDB (schema and domains made by LadybugStore)."""
    path = tmp_path / "graph.lbug"
    LadybugStore.open(path).close()
    s = Neo4jStore(LadybugShimDriver(path), owns_driver=True, schema_ready=True)
    try:
        yield s
    finally:
        s.close()


def test_a_load_is_one_transaction_and_a_rerun_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "graph.lbug"
    LadybugStore.open(path).close()
    driver = LadybugShimDriver(path)
    s = Neo4jStore(driver, owns_driver=True, schema_ready=True)
    try:
        s.load(small_tables())
        assert driver.commits == 1
        driver.statements.clear()
        s.load(small_tables())
        assert driver.commits == 1
        assert not any("MERGE" in t or "DELETE" in t for t in driver.statements)
    finally:
        s.close()


def test_a_failing_statement_rolls_back_the_whole_load(store: GraphStore) -> None:
    """A row the engine rejects mid-transaction (MANY_ONE broken by a duplicate relationship) leaves nothing."""
    store.load(small_tables())
    before = store.counts()
    rows = small_rows()
    rows["districts"].append({"district_id": "D9", "name": "Nieuw", "municipality_code": None})
    rows["households"][0]["composition"] = "other"  # a valid update that must not survive the failure
    bad = tables_from_rows(rows)
    assert isinstance(store, Neo4jStore)
    # make the relationship step fail inside the transaction: point a merge at a member id in the wrong table
    original = store._write_steps

    def broken_steps(plans: Any) -> Any:
        steps = original(plans)
        return [*steps, ("boom", "UNWIND $rows AS r MATCH (a:Nope {id: r.src}) RETURN a", [{"src": "x"}])]

    store._write_steps = broken_steps  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        store.load(bad)
    assert store.counts() == before
    households = {r["household_id"]: r for r in store.read_table("households").to_pylist()}
    assert households["H1"]["composition"] == "single_parent"
    with pytest.raises(StoreDataError):
        store.load(tables_from_rows({**small_rows(), "members": [
            {"member_id": "M9", "household_id": "H404", "bsn_pseudonym": None, "name": None, "birth_year": 2000,
             "role": "child"}]}))


def test_delete_households_matches_the_embedded_store(store: GraphStore, tmp_path: Path) -> None:
    """The adapter's delete_households statements remove exactly what the LadybugDB adapter removes."""
    embedded = LadybugStore.open(tmp_path / "embedded.lbug")
    try:
        for s in (store, embedded):
            s.load(small_tables())
        got = store.delete_households(["H1", "H404"])  # type: ignore[attr-defined]
        want = embedded.delete_households(["H1", "H404"])  # type: ignore[attr-defined]
        assert got == want
        assert got["households"] == 1 and got["members"] == 3
        assert store.counts() == embedded.counts()
        for name in ("households", "members", "interventions", "coordinations", "assessments", "allocations"):
            assert store.read_table(name).to_pylist() == embedded.read_table(name).to_pylist(), name
    finally:
        embedded.close()
