"""Benchmark of the pieces of one household-detail request, each beside the way it was done before, in one run.

Prints, for a synthetic municipality (default 100,000 households), CPU microseconds per call (best of ``--repeat``
interleaved rounds over the same random households) and the ratio to the baseline measured in the same run:

* one household's rows of each per-household table: :class:`caregraph.services.index.RowSlices` (``int32`` codes
  into lists of Python values) against Arrow's ``table.slice(start, n).to_pylist()``;
* the whole household detail (``detail_from_snapshot``) and household overlap, built from the snapshot index;
* the audit entry: 50 requests' entries queued together and awaited (what the API does since the writer thread)
  against 50 sequential ``record`` calls that each wait for their own fsync (the bound of the old writer when
  requests do not overlap).

Run: ``.venv/bin/python bench/bench_detail.py [--households 100000] [--repeat 5] [--sample 2000]``
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_analytics import Timing, interleaved  # noqa: E402


def per_call_us(t: Timing, calls: int) -> float:
    """CPU microseconds per call of a timing over ``calls`` calls."""
    return t.cpu / calls * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--sample", type=int, default=2000, help="households per round")
    args = ap.parse_args()

    from analytics.config import FlagConfig
    from caregraph.auth import AuditLog, Principal, Role
    from caregraph.auth.audit import deferred_durability, wait_durable
    from caregraph.services import households
    from caregraph.services.cache import AsOfResults
    from caregraph.services.index import SnapshotIndex, group_runs
    from ingest.pseudonyms import pseudonymise_tables
    from synthetic.municipality import generate_municipality

    t0 = time.perf_counter()
    m = generate_municipality(args.households, args.seed)
    tables = pseudonymise_tables(m.tables, b"bench-key-0123456789")
    index = SnapshotIndex(tables)
    res = AsOfResults(index, m.as_of, FlagConfig())
    households.regisseur_suggestions(res)
    print(f"{args.households:,} households generated, indexed and analysed in {time.perf_counter() - t0:.1f} s; "
          f"CPU us per call, best of {args.repeat} interleaved rounds of {args.sample:,} households")
    ids = random.Random(args.seed).sample(sorted(tables["households"].column("household_id").to_pylist()),
                                          min(args.sample, args.households))

    steps: dict[str, Any] = {}
    for name in ("members", "interventions", "coordinations", "assessments"):
        arrow, runs = group_runs(tables[name], "household_id")
        picked = [runs[h] for h in ids if h in runs]

        def arrow_rows(t: Any = arrow, picked: list[tuple[int, int]] = picked) -> int:
            return sum(len(t.slice(s, n).to_pylist()) for s, n in picked)

        def coded_rows(name: str = name, picked: list[tuple[int, int]] = picked) -> int:
            sl = index._by_hh[name][0]
            return sum(len(sl.rows(s, n)) for s, n in picked)

        steps[f"{name}: Arrow to_pylist"] = arrow_rows
        steps[f"{name}: RowSlices"] = coded_rows
    steps["household detail (detail_from_snapshot)"] = lambda: [households.detail_from_snapshot(res, h) for h in ids]
    steps["household overlap"] = lambda: [households.overlap(res, h, 30) for h in ids]
    best = interleaved(args.repeat, steps)
    print(f"\n{'step':48s} {'us/call':>9s} {'ratio':>8s}")
    for name in ("members", "interventions", "coordinations", "assessments"):
        base, new = best[f"{name}: Arrow to_pylist"][0], best[f"{name}: RowSlices"][0]
        print(f"{name + ' rows: Arrow to_pylist':48s} {per_call_us(base, len(ids)):9.1f}")
        print(f"{name + ' rows: RowSlices':48s} {per_call_us(new, len(ids)):9.1f} {new.cpu / base.cpu:7.2f}x")
    for name in ("household detail (detail_from_snapshot)", "household overlap"):
        print(f"{name:48s} {per_call_us(best[name][0], len(ids)):9.1f}")

    with tempfile.TemporaryDirectory() as tmp:
        log = AuditLog(Path(tmp) / "audit.jsonl")
        who = Principal(username="bench", role=Role.coordinator)
        batch = 50

        def sequential() -> None:
            for h in ids[:batch]:
                log.record(who, "household_detail", household_id=h)

        def queued() -> None:
            with deferred_durability() as pending:
                for h in ids[:batch]:
                    log.record(who, "household_detail", household_id=h)
            asyncio.run(wait_durable(pending))

        audit = interleaved(args.repeat, {"sequential": sequential, "queued": queued})
        seq, qd = audit["sequential"][0], audit["queued"][0]
        print(f"{'audit entry, each waiting for its fsync':48s} {per_call_us(seq, batch):9.1f}  "
              f"(wall {seq.wall / batch * 1e6:.0f} us)")
        print(f"{'audit entry, 50 queued and awaited together':48s} {per_call_us(qd, batch):9.1f} "
              f"{qd.cpu / seq.cpu:7.2f}x (wall {qd.wall / batch * 1e6:.0f} us)")


if __name__ == "__main__":
    main()
