"""A synthetic municipality written as 301/305/307 messages and ingested again reproduces its allocations."""

from __future__ import annotations

from pathlib import Path

from foundation.settings import Settings
from ingest.message_tables import member_id_for
from ingest.pipeline import check, read_inputs, valid_tables
from synthetic.messages import write_messages
from synthetic.municipality import generate_municipality


def test_messages_reproduce_the_allocations(tmp_path: Path, settings: Settings) -> None:
    m = generate_municipality(60, 11)
    ms = write_messages(m.tables, tmp_path / "msgs", as_of=m.as_of)
    assert ms.allocations and any(f.name.startswith(("jw305", "wmo305")) for f in ms.files)
    assert any(f.name.startswith(("jw307", "wmo307")) for f in ms.files)
    res = check(read_inputs([tmp_path / "msgs"], settings=settings))
    assert res.report.ok, res.report.to_text()
    got = {r["intervention_id"]: r for r in valid_tables(res)["interventions"].to_pylist()}
    src = {r["intervention_id"]: r for r in m.tables["interventions"].to_pylist()}
    members = {r["member_id"]: r for r in m.tables["members"].to_pylist()}
    agb = {a["agency_id"]: a["agb_code"] or f"4{i:07d}" for i, a in enumerate(m.tables["agencies"].to_pylist())}
    key = settings.pseudonym_secret()
    assert len(got) == len(ms.allocations)
    source_household_of: dict[str, str] = {}
    for iid, (dom, gem, nr) in ms.allocations.items():
        s, g = src[iid], got[f"{dom}-{gem}-{nr}"]
        assert (g["start_date"], g["end_date"], g["domain_code"]) == (s["start_date"], s["end_date"],
                                                                       s["domain_code"])
        assert g["agency_id"] == f"agb-{agb[s['agency_id']]}"
        bsn = members[s["member_id"]]["bsn"]
        assert g["member_id"] == member_id_for(bsn, key)
        source_household_of[g["member_id"]] = s["household_id"]
    ingested = {r["member_id"]: r["household_id"] for r in valid_tables(res)["members"].to_pylist()}
    # The same partition of members into households.
    pairs_src = {(a, b) for a in source_household_of for b in source_household_of
                 if source_household_of[a] == source_household_of[b]}
    pairs_got = {(a, b) for a in ingested for b in ingested if ingested[a] == ingested[b]}
    assert pairs_src == pairs_got
    assert len(set(ingested.values())) < len(ingested), "the test needs a household with several clients"


def test_messages_into_the_store_are_idempotent_and_newer_301_applies(tmp_path: Path, settings: Settings,
                                                                      store: object) -> None:
    from ingest.pipeline import ingest
    from tests.ingest.conftest import msg301, product

    m = generate_municipality(30, 5)
    folder = tmp_path / "msgs"
    write_messages(m.tables, folder, as_of=m.as_of)
    r1 = ingest([folder], store=store, settings=settings)  # type: ignore[arg-type]
    assert r1.status == "loaded" and r1.load is not None and r1.load.created["interventions"] > 0
    r2 = ingest([folder], store=store, settings=settings)  # type: ignore[arg-type]
    assert r2.load is not None and not r2.load.changed_anything
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "a.xml").write_text(msg301(products=product(end="2025-08-31"), ident="X1"), encoding="utf-8")
    ingest([folder, extra], store=store, settings=settings)  # type: ignore[arg-type]
    (extra / "b.xml").write_text(msg301(products=product(on="2025-04-01", end="2025-12-31"), ident="X2",
                                        day="2025-04-01"), encoding="utf-8")
    r4 = ingest([folder, extra], store=store, settings=settings)  # type: ignore[arg-type]
    assert r4.load is not None and r4.load.updated["interventions"] == 1
    assert r4.load.created["interventions"] == 0
    row = next(r for r in store.read_table("interventions").to_pylist()  # type: ignore[attr-defined]
           if r["intervention_id"] == "jw-0599-1001")
    assert str(row["end_date"]) == "2025-12-31"
