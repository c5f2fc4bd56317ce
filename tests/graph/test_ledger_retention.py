"""Deleting households (retention) blanks what the allocation ledger says about their members; the versions stay."""

from __future__ import annotations

from pathlib import Path

from graph.household_deletion import LEDGER_CLIENT_COLUMNS
from graph.ladybug_store import LadybugStore
from graph.schema import table_spec
from tests.graph.fixtures import small_tables


def test_client_columns_cover_every_personal_column_of_the_ledger() -> None:
    ledger = table_spec("allocations")
    personal = {c.name for c in ledger.columns if c.personal}
    assert personal and personal <= set(LEDGER_CLIENT_COLUMNS)
    assert set(LEDGER_CLIENT_COLUMNS) <= {c.name for c in ledger.columns}
    assert "member_id" in LEDGER_CLIENT_COLUMNS


def test_deleting_a_household_blanks_its_members_in_the_ledger(tmp_path: Path) -> None:
    store = LadybugStore.open(tmp_path / "graph.lbug")
    try:
        store.load(small_tables())
        store.delete_households(["H1"])
        rows = {r["allocation_id"]: r for r in store.read_table("allocations").to_pylist()}
        assert set(rows) == {"jw-0363-1001", "wmo-0363-2002", "wmo-0363-1003"}  # versions and tombstones stay
        forgotten = rows["jw-0363-1001"]
        assert all(forgotten[c] is None for c in LEDGER_CLIENT_COLUMNS), forgotten
        assert (forgotten["allocated_on"].isoformat(), forgotten["message_id"], forgotten["deleted"]) == (
            "2024-01-05", "M1", False)
        assert forgotten["file"] == "jw301.xml"
        kept = rows["wmo-0363-1003"]  # M6 lives in H3, which stays
        assert (kept["member_id"], kept["name"], kept["postcode"]) == ("M6", "Ilse de Wit", "1021CD")
    finally:
        store.close()
