"""301 deletions across ingests: RedenWijziging 13 with Einddatum == Ingangsdatum removes a stored
allocation in the same all-or-nothing load; re-ingesting the deletion changes nothing; a dry run only reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from foundation.settings import Settings
from graph.ladybug_store import LadybugStore
from graph.schema import TABLE_ORDER
from ingest.pipeline import ingest
from tests.ingest.conftest import msg301, product

DELETED = "jw-0599-1001"


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def _original(tmp_path: Path) -> Path:
    """Allocations 1001 and 1002 for one client, allocated 2025-03-01."""
    return _write(tmp_path / "orig", "301.xml",
                  msg301(products=product() + product(number="1002", cat="51"), ident="M1", day="2025-03-01"))


def _deletion(tmp_path: Path) -> Path:
    """1001 deleted: a later version with RedenWijziging 13 and Ingangsdatum == Einddatum."""
    return _write(tmp_path / "del", "301.xml",
                  msg301(products=product(on="2025-04-01", start="2025-03-03", end="2025-03-03", reason="13"),
                         ident="M2", day="2025-04-01"))


def _all(store: LadybugStore) -> dict[str, list[dict[str, object]]]:
    return {n: store.read_table(n).to_pylist() for n in TABLE_ORDER}


def _ids(store: LadybugStore) -> set[str]:
    return set(store.read_table("interventions").column("intervention_id").to_pylist())


def test_a_later_deletion_removes_the_stored_allocation(tmp_path: Path, settings: Settings,
                                                       store: LadybugStore) -> None:
    r1 = ingest([_original(tmp_path)], store=store, settings=settings)
    assert r1.status == "loaded", r1.report.to_text()
    assert _ids(store) == {DELETED, "jw-0599-1002"}
    before = _all(store)

    r2 = ingest([_deletion(tmp_path)], store=store, settings=settings)
    assert r2.status == "loaded", r2.report.to_text()
    assert r2.load is not None and r2.load.deleted == {"interventions": 1} and r2.load.rebuilt
    assert r2.deleted == {"interventions": 1}
    assert [i.reason for i in r2.report.warnings if i.rule == "deleted"] == [
        "allocation deleted: removed from the store"]
    after = _all(store)
    assert _ids(store) == {"jw-0599-1002"}
    assert after["interventions"] == [r for r in before["interventions"] if r["intervention_id"] != DELETED]
    assert {n: t for n, t in after.items() if n not in ("interventions", "allocations")} == {
        n: t for n, t in before.items() if n not in ("interventions", "allocations")}
    # The ledger now holds the deletion (a tombstone) instead of the original version.
    assert [(r["allocation_id"], r["deleted"], r["message_id"]) for r in after["allocations"]] == [
        (DELETED, True, "M2"), ("jw-0599-1002", False, "M1")]

    # Idempotent: the same deletion again changes nothing, and now says the allocation is not in the store.
    r3 = ingest([_deletion(tmp_path)], store=store, settings=settings)
    assert r3.status == "loaded" and r3.load is not None and not r3.load.changed_anything
    assert r3.deleted == {}
    assert [i.reason for i in r3.report.warnings if i.rule == "deleted"] == [
        "allocation deleted (RedenWijziging 13): not loaded; it is not in the store"]
    assert _all(store) == after


def test_dry_run_reports_what_would_be_removed(tmp_path: Path, settings: Settings, store: LadybugStore) -> None:
    ingest([_original(tmp_path)], store=store, settings=settings)
    before = _all(store)
    r = ingest([_deletion(tmp_path)], store=store, settings=settings, dry_run=True)
    assert r.status == "dry-run" and r.deleted == {"interventions": 1}
    assert any(i.reason == "allocation deleted: would be removed from the store (dry run)"
               for i in r.report.warnings)
    assert _all(store) == before


def test_deletion_and_original_in_one_later_ingest_removes_it(tmp_path: Path, settings: Settings,
                                                              store: LadybugStore) -> None:
    """The stored allocation is deleted by a batch that also repeats its original version (any order)."""
    ingest([_original(tmp_path)], store=store, settings=settings)
    _deletion(tmp_path)
    both = _write(tmp_path / "both", "a.xml", (tmp_path / "del" / "301.xml").read_text(encoding="utf-8"))
    _write(both, "b.xml", (tmp_path / "orig" / "301.xml").read_text(encoding="utf-8"))
    r = ingest([both], store=store, settings=settings)
    assert r.status == "loaded" and r.deleted == {"interventions": 1}
    assert _ids(store) == {"jw-0599-1002"}


def test_deletion_first_then_the_older_original_in_a_later_ingest(tmp_path: Path, settings: Settings,
                                                                  store: LadybugStore) -> None:
    r1 = ingest([_deletion(tmp_path)], store=store, settings=settings)
    assert r1.status == "loaded" and _ids(store) == set()
    ledger = store.read_table("allocations").to_pylist()
    assert [(r["allocation_id"], r["deleted"], r["message_id"]) for r in ledger] == [(DELETED, True, "M2")]
    r2 = ingest([_original(tmp_path)], store=store, settings=settings)
    assert r2.status == "loaded", r2.report.to_text()
    assert _ids(store) == {"jw-0599-1002"}
    superseded = [i for i in r2.report.warnings if i.rule == "superseded"]
    assert len(superseded) == 1 and "the store holds its deletion" in superseded[0].reason
    assert superseded[0].value is not None and superseded[0].value.startswith("2025-03-01")
    # The tombstone stays; the live allocation 1002 is now in the ledger too.
    ledger = {r["allocation_id"]: (r["deleted"], r["message_id"]) for r in store.read_table("allocations").to_pylist()}
    assert ledger == {DELETED: (True, "M2"), "jw-0599-1002": (False, "M1")}


def test_a_newer_stored_version_is_not_overwritten_by_an_older_one_sent_later(
        tmp_path: Path, settings: Settings, store: LadybugStore) -> None:
    """Version order holds across ingests: the 2025-04-01 version stays when the 2025-03-01 one arrives later."""
    newer = _write(tmp_path / "new", "301.xml",
                   msg301(products=product(on="2025-04-01", start="2025-03-03", end="2025-12-31"), ident="M3",
                          day="2025-04-01"))
    assert ingest([newer], store=store, settings=settings).status == "loaded"
    before = _all(store)
    end_before = {r["intervention_id"]: r["end_date"] for r in before["interventions"]}[DELETED]
    r = ingest([_original(tmp_path)], store=store, settings=settings)
    assert r.status == "loaded", r.report.to_text()
    assert [i.field for i in r.report.warnings if i.rule == "superseded"] == ["Toewijzingsdatum"]
    assert any("the store holds a newer version" in i.reason for i in r.report.warnings)
    after = {r["intervention_id"]: r["end_date"] for r in store.read_table("interventions").to_pylist()}
    assert after[DELETED] == end_before and "jw-0599-1002" in after
    # Same outcome as sending both in one batch, in either order.
    fresh = LadybugStore.open(tmp_path / "fresh" / "graph.lbug")
    try:
        both = _write(tmp_path / "both", "a.xml", (tmp_path / "orig" / "301.xml").read_text(encoding="utf-8"))
        _write(both, "b.xml", (newer / "301.xml").read_text(encoding="utf-8"))
        assert ingest([both], store=fresh, settings=settings).status == "loaded"
        assert (sorted(fresh.read_table("interventions").to_pylist(), key=lambda x: str(x["intervention_id"]))
                == sorted(store.read_table("interventions").to_pylist(), key=lambda x: str(x["intervention_id"])))
    finally:
        fresh.close()


def test_cli_summary_names_the_removed_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from caregraph.cli import app
    from foundation.settings import get_settings

    monkeypatch.setenv("CAREGRAPH_DEMO", "1")
    monkeypatch.setenv("CAREGRAPH_STORE_PATH", str(tmp_path / "clistore"))
    get_settings.cache_clear()
    try:
        assert CliRunner().invoke(app, ["ingest", str(_original(tmp_path))]).exit_code == 0
        dry = CliRunner().invoke(app, ["ingest", str(_deletion(tmp_path)), "--dry-run"])
        assert dry.exit_code == 0 and "Would remove: interventions 1" in dry.output, dry.output
        real = CliRunner().invoke(app, ["ingest", str(_deletion(tmp_path))])
        assert real.exit_code == 0 and "Removed (deleted allocations): interventions 1" in real.output, real.output
    finally:
        get_settings.cache_clear()
