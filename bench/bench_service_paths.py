"""Benchmark of the service paths that read the cached snapshot: per-date results, household detail, trend counts.

Prints, for a synthetic municipality (default 20,000 households), the best wall and CPU seconds of ``--repeat``
interleaved rounds of:

* the per-date results (:class:`caregraph.services.cache.AsOfResults`: household summary and every flag);
* household detail from the snapshot (``detail_from_snapshot``) for ``--sample`` random households;
* the flag counts of the 12 month ends of a trend, counted without evidence (a fresh cache each round);
* the agency pairs with their Jaccard index (the agencies page).

Run it on two checkouts to compare them (``--root`` names the checkout whose code runs; default this one):
``.venv/bin/python bench/bench_service_paths.py [--root DIR] [--households 20000] [--repeat 5]``. The script
finds each step under its name in either layout of the services, so one copy measures both.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    ap.add_argument("--households", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--sample", type=int, default=2000, help="households per detail round")
    args = ap.parse_args()
    sys.path.insert(0, str(args.root.resolve()))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_analytics import interleaved

    from analytics.config import FlagConfig
    from caregraph.services import aggregates, households
    from caregraph.services.cache import AsOfResults, SnapshotCache
    from caregraph.services.index import SnapshotIndex
    from ingest.pseudonyms import pseudonymise_tables
    from synthetic.municipality import generate_municipality

    t0 = time.perf_counter()
    m = generate_municipality(args.households, args.seed)
    tables = pseudonymise_tables(m.tables, b"bench-key-0123456789")
    config = FlagConfig()
    index = SnapshotIndex(tables)
    res = AsOfResults(index, m.as_of, config)
    households.regisseur_suggestions(res)
    try:
        from analytics.summaries import trend_dates
        months = trend_dates(m.as_of, 12)
    except ImportError:
        from caregraph.services.trend import month_end_dates  # type: ignore[import-not-found,unused-ignore]
        months = month_end_dates(m.as_of, 12)
    ids = random.Random(args.seed).sample(sorted(tables["households"].column("household_id").to_pylist()),
                                          min(args.sample, args.households))
    print(f"{args.households:,} households ({args.root.resolve()}) ready in {time.perf_counter() - t0:.1f} s; "
          f"best of {args.repeat} interleaved rounds")

    def trend() -> Any:
        cache = SnapshotCache(lambda: tables, lambda: config)
        cache._index = index  # the same snapshot index: only the counting is timed
        return [cache.flag_counts(d) for d in months[:-1]]

    steps = {
        "per-date results (AsOfResults)": lambda: AsOfResults(index, m.as_of, config),
        f"household detail x {len(ids)} (detail_from_snapshot)":
            lambda: [households.detail_from_snapshot(res, h) for h in ids],
        f"trend flag counts, {len(months) - 1} month ends": trend,
        "agency pairs with Jaccard": lambda: aggregates.agency_pairs(res),
    }
    best = interleaved(args.repeat, steps)
    print(f"{'step':52s} {'wall s':>8s} {'cpu s':>8s}")
    for name, (t, _) in best.items():
        print(f"{name:52s} {t.wall:8.3f} {t.cpu:8.3f}")


if __name__ == "__main__":
    main()
