"""iJw/iWmo message ingest at size, and what the allocation ledger costs.

For each size: generate a municipality, write its 301/305/307 messages (``synthetic/messages.py``), ingest
them into a fresh embedded store (the first ingest writes every allocation to the ``allocations`` ledger), then
ingest the same messages again (the ledger is read back and every version compared: nothing changes). Prints the
seconds of both, the allocations per second, and the share of the repeat ingest spent reading the ledger.

    .venv/bin/python bench/bench_messages.py --sizes 10000 50000
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path


def run(households: int, work: Path) -> None:
    from foundation.settings import Settings
    from graph.factory import open_store
    from ingest.pipeline import ingest, stored_allocation_versions
    from synthetic.messages import write_messages
    from synthetic.municipality import generate_municipality

    m = generate_municipality(households, 1)
    msgs = work / f"msgs-{households}"
    ms = write_messages(m.tables, msgs, as_of=m.as_of)
    settings = Settings(store_path=work / f"store-{households}", data_dir=work / "data", demo=True)
    store = open_store(settings)
    try:
        t0 = time.perf_counter()
        first = ingest([msgs], store=store, settings=settings)
        t_first = time.perf_counter() - t0
        assert first.status == "loaded", first.report.to_text(limit=5)
        n_alloc = store.read_table("allocations").num_rows
        t0 = time.perf_counter()
        ledger = stored_allocation_versions(store)
        t_ledger = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = ingest([msgs], store=store, settings=settings)
        t_again = time.perf_counter() - t0
        assert again.status == "loaded" and again.load is not None and not again.load.changed_anything
    finally:
        store.close()
    print(f"{households:>8,} households: {len(ms.files):,} message files, {n_alloc:,} allocations in the ledger "
          f"({len(ledger):,} read back in {t_ledger:.2f} s); first ingest {t_first:.1f} s "
          f"({n_alloc / t_first:,.0f} allocations/s); repeat ingest {t_again:.1f} s, nothing changed; "
          f"ledger read = {t_ledger / t_again:.0%} of the repeat", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="caregraph-bench-messages-"))
    try:
        for n in args.sizes:
            run(n, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
