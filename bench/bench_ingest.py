"""Ingest throughput: N intervention rows (+ households, members, …) from CSV into the embedded store, including
reading, validation and pseudonymisation, against the same CSVs loaded with DuckDB's CSV reader as the reference.

Usage: ``.venv/bin/python bench/bench_ingest.py [N_INTERVENTIONS]`` (default 1,000,000). Prints rows/s for each phase.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb
import pyarrow as pa

from foundation.privacy import pseudonymise_column
from foundation.settings import Settings
from graph.ladybug_store import LadybugStore
from ingest.pipeline import check, prepare, read_inputs, valid_tables
from tests.ingest.bigdata import write_big_input


def main(n: int) -> None:
    settings = Settings(demo=True)
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "in"
        t = time.perf_counter()
        rows = write_big_input(src, n)
        total_rows = sum(rows.values())
        print(f"input: {rows} ({time.perf_counter() - t:.1f} s to write)")
        t0 = time.perf_counter()
        batch = read_inputs([src], settings=settings)
        t1 = time.perf_counter()
        result = check(batch, known={})
        t2 = time.perf_counter()
        assert result.report.ok, result.report.to_text(limit=5)
        tables = prepare(valid_tables(result), key=settings.pseudonym_secret())
        t3 = time.perf_counter()
        store = LadybugStore.open(Path(d) / "store" / "graph.lbug")
        t4 = time.perf_counter()
        load = store.load(tables)
        t5 = time.perf_counter()
        store.close()
        pre = t3 - t0
        print(f"read {t1 - t0:.2f} s, validate {t2 - t1:.2f} s, pseudonymise {t3 - t2:.2f} s "
              f"-> {n / pre:,.0f} intervention rows/s ({total_rows / pre:,.0f} rows/s all tables) before the store")
        print(f"store.load {t5 - t4:.2f} s ({sum(load.created.values()):,} rows created)")
        ours = t5 - t0 - (t4 - t3)
        print(f"caregraph ingest total {ours:.2f} s: {n / ours:,.0f} intervention rows/s")
        fake = pa.array([f"{100000000 + i:09d}" for i in range(400_000)])
        t7 = time.perf_counter()
        pseudonymise_column(fake, settings.pseudonym_secret())
        print(f"pseudonymisation alone: {400_000 / (time.perf_counter() - t7):,.0f} BSNs/s (400,000 values; the "
              "synthetic input has only ~9,000 distinct 9999-BSNs)")
        con = duckdb.connect(str(Path(d) / "ref.duckdb"))
        t6 = time.perf_counter()
        for name in rows:
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv('{src / (name + '.csv')}', header=true)")
        con.close()
        ref = time.perf_counter() - t6
        print(f"DuckDB read_csv reference {ref:.2f} s: {n / ref:,.0f} intervention rows/s")
        print(f"ratio: caregraph ingest takes {ours / ref:.1f}x DuckDB's time; read + validate + pseudonymise "
              f"alone {pre / ref:.2f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
