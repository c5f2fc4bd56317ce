"""Benchmark (not a test): generate and load times and peak memory of the foundation, per municipality size.

Each size runs in its own process, so its peak RSS is its own. For each size it prints: generate (in memory) time,
write (CSV + Parquet) time, first load into an empty embedded store, a second load of the same tables (the
idempotent no-op path), a load of a newer export in which 1% of interventions changed, and the process's peak RSS.

Usage::

    .venv/bin/python bench/bench_foundation.py [--sizes 10000 100000] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one(households: int, seed: int) -> dict[str, float]:
    """Measure one size in this process."""
    sys.path.insert(0, str(ROOT))
    import pyarrow as pa
    import pyarrow.compute as pc

    from graph.ladybug_store import LadybugStore
    from ingest.pseudonyms import pseudonymise_tables
    from synthetic.municipality import generate_municipality, write_municipality

    key = b"bench-key-0123456789"
    res: dict[str, float] = {"households": households}
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        m = generate_municipality(households, seed)
        res["generate_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        write_municipality(m, Path(tmp) / "tables")
        res["write_s"] = time.perf_counter() - t0
        res["interventions"] = m.tables["interventions"].num_rows
        res["rows_total"] = sum(m.tables[n].num_rows for n in m.tables)
        tables = pseudonymise_tables(m.tables, key)
        store = LadybugStore.open(Path(tmp) / "store" / "graph.lbug")
        t0 = time.perf_counter()
        store.load(tables)
        res["load_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = store.load(tables)
        res["reload_same_s"] = time.perf_counter() - t0
        assert not again.changed_anything
        iv = tables["interventions"]
        n_change = max(1, iv.num_rows // 100)
        idx = pa.array(range(iv.num_rows)).to_numpy() < n_change
        cc = pc.if_else(pa.array(idx), pc.add(pc.fill_null(iv.column("contact_count"), 0), 1),
                        iv.column("contact_count"))
        newer = tables.with_table("interventions", iv.set_column(iv.column_names.index("contact_count"),
                                                                   "contact_count", cc))
        t0 = time.perf_counter()
        rep = store.load(newer)
        res["load_1pct_changed_s"] = time.perf_counter() - t0
        res["changed_rows"] = rep.updated["interventions"]
        store.close()
    res["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.seed)))
        return
    print(f"{'households':>10} {'interv.':>9} {'generate':>9} {'write':>7} {'load':>7} {'reload':>7} "
          f"{'1% upd':>7} {'rows/s load':>12} {'peak RSS':>9}")
    for n in args.sizes:
        outp = subprocess.run([sys.executable, __file__, "--one", str(n), "--seed", str(args.seed)],
                              check=True, capture_output=True, text=True).stdout
        r = json.loads(outp.strip().splitlines()[-1])
        print(f"{int(r['households']):>10,} {int(r['interventions']):>9,} {r['generate_s']:>8.2f}s "
              f"{r['write_s']:>6.2f}s {r['load_s']:>6.2f}s {r['reload_same_s']:>6.2f}s "
              f"{r['load_1pct_changed_s']:>6.2f}s {r['rows_total'] / r['load_s']:>12,.0f} "
              f"{r['peak_rss_mib']:>7,.0f}MiB", flush=True)


if __name__ == "__main__":
    main()
