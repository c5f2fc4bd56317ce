"""Property: a delivery split into K batches, ingested in any order, gives the same store as one batch.

The deliveries are 301 versions (one product per message) of the allocations of a few clients in two households;
an allocation may have several versions (the latest Toewijzingsdatum/-tijd wins) and a later version may delete it
(RedenWijziging 13). Where the order of arrival could matter by the iStandaard's own rules it is the rule that
decides, in one batch as across batches: an older version arriving later is superseded, a deletion removes whatever
version arrives. Cases the rules leave order-dependent are not generated: a 305/307 sent without its 301 (ignored
when the allocation is only in the store), a client whose facts differ between messages (a move, covered by its own
tests), a client whose every allocation is deleted (the store keeps a member it cannot delete; a provider in that
case is left out of the comparison), and a deletion
that would change a provider's sector (a deletion leaves the provider as it is). One provider holds every first
allocation of a client, in categories of different sectors; the allocations that may be deleted are with providers
of one category each.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foundation.settings import Settings
from graph.ladybug_store import LadybugStore
from graph.schema import TABLE_ORDER, table_spec
from ingest.pipeline import ingest
from tests.ingest.conftest import msg301, product
from tests.ingest.test_deliveries_compose import wmo301

# (BSN, birth date, postcode, surname): a single parent with two children, and a couple.
CLIENTS = (
    ("999996770", "1985-02-01", "9999AA", "Jansen"),
    ("999900006", "2014-06-01", "9999AA", "Jansen"),
    ("999900018", "2016-09-15", "9999AA", "Jansen"),
    ("999900031", "1950-01-01", "9999BB", "Pietersen"),
    ("999900043", "1952-03-03", "9999BB", "Pietersen"),
)
BASE = dt.date(2026, 1, 5)


def _message(client: int, number: int, version: int, deletes: bool, end_days: int, ident: str, other: bool,
             first: bool) -> str:
    bsn, birth, postcode, surname = CLIENTS[client]
    on = BASE + dt.timedelta(days=7 * version + number % 5)
    start = BASE + dt.timedelta(days=number % 9)
    end = start if deletes else start + dt.timedelta(days=end_days)
    adult = birth < "2008"
    cat = ("01" if other and first else "02") if adult else ("48" if other and first else "45")
    agb = "41000001" if first else "41000003" if adult else "41000004"
    prod = product(number=str(number), cat=cat, on=on.isoformat(), start=start.isoformat(),
                   end=end.isoformat(), reason="13" if deletes else None)
    build = wmo301 if adult else msg301
    return build(bsn=bsn, birth=birth, postcode=postcode, surname=surname, ident=ident, day=on.isoformat(),
                 products=prod, agb=agb)


@st.composite
def deliveries(draw: st.DrawFn) -> list[str]:
    """Message texts: per chosen client (two to four) 1–2 allocations, each 1–3 versions; a non-first allocation
    may end deleted."""
    chosen = draw(st.lists(st.integers(0, len(CLIENTS) - 1), min_size=2, max_size=4, unique=True))
    out: list[str] = []
    for c in chosen:
        for a in range(draw(st.integers(1, 2))):
            number = 1000 + 10 * c + a
            versions = draw(st.integers(1, 3))
            delete_last = a > 0 and draw(st.booleans())
            for v in range(versions):
                deletes = delete_last and v == versions - 1
                end_days = draw(st.integers(30, 300))
                other = draw(st.booleans())  # the category: one provider's sector follows its most frequent one
                out.append(_message(c, number, v, deletes, end_days, f"M{number}-{v}", other, a == 0))
    return out


def _contents(store: LadybugStore) -> dict[str, list[dict[str, object]]]:
    """Every table, sorted by key; providers only while they hold a standing allocation (the store's load cannot
    delete an agency whose every allocation a later delivery deletes)."""
    out = {n: sorted(store.read_table(n).to_pylist(), key=lambda r: str(r[table_spec(n).key])) for n in TABLE_ORDER}
    active = {i["agency_id"] for i in out["interventions"]}
    out["agencies"] = [a for a in out["agencies"] if a["agency_id"] in active]
    out["professionals"] = [p for p in out["professionals"] if p["agency_id"] in active]
    return out


def _load(paths: list[list[Path]], folder: Path, cfg: Settings) -> dict[str, list[dict[str, object]]]:
    store = LadybugStore.open(folder / "graph.lbug")
    try:
        for batch in paths:
            r = ingest(batch, store=store, settings=cfg)
            assert r.status == "loaded", r.report.to_text()
        return _contents(store)
    finally:
        store.close()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(messages=deliveries(), data=st.data())
def test_batches_in_any_order_give_the_store_of_one_batch(tmp_path_factory: object, messages: list[str],
                                                          data: st.DataObject) -> None:
    root: Path = tmp_path_factory.mktemp("compose")  # type: ignore[attr-defined]
    cfg = Settings(demo=True, store_path=root / "store", data_dir=root / "data")
    files = []
    for i, text in enumerate(messages):
        f = root / "in" / f"{i:03d}.xml"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text, encoding="utf-8")
        files.append(f)
    order = data.draw(st.permutations(files))
    k = data.draw(st.integers(2, min(3, len(files))))  # at least two clients, so at least two messages
    cuts = sorted(data.draw(st.lists(st.integers(1, len(files) - 1), min_size=k - 1, max_size=k - 1, unique=True)))
    bounds = [0, *cuts, len(files)]
    batches = [list(order[a:b]) for a, b in itertools.pairwise(bounds)]
    one = _load([files], root / "one", cfg)
    split = _load(batches, root / "split", cfg)
    assert one["interventions"], "every example keeps at least one allocation"
    assert split == one
