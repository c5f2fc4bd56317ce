"""Benchmark: generate and write a synthetic municipality; prints seconds and peak memory per size.

Run: ``.venv/bin/python bench/bench_generate.py [--sizes 10000,100000] [--seed 1] [--formats csv,parquet] [--check]``.
Each size runs in a fresh child process so peak RSS (``resource.getrusage``, ru_maxrss of the child) is per size.
``--check`` then also runs the ground-truth check of ``tests/synthetic/check.py`` (not timed, after the peak).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from synthetic import generate_municipality, write_municipality
n, seed, out, formats = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]), tuple(sys.argv[4].split(","))
check = sys.argv[5] == "1"
t0 = time.perf_counter()
m = generate_municipality(n, seed)
t1 = time.perf_counter()
paths = write_municipality(m, out, formats)
t2 = time.perf_counter()
size = sum(p.stat().st_size for p in paths)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
checked = None
if check:
    from tests.synthetic.check import check_background
    checked = check_background(m)
print(json.dumps({"checked": checked, "households": n, "generate_s": t1 - t0, "write_s": t2 - t1,
                  "peak_rss_mb": rss,
                  "bytes_written": size, "rows": m.tables.row_counts(), "planted": m.facts["planted"]}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--formats", default="csv,parquet")
    ap.add_argument("--check", action="store_true", help="also verify the planted ground truth")
    args = ap.parse_args()
    for n in [int(s) for s in args.sizes.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            res = subprocess.run([sys.executable, "-c", CHILD, str(n), str(args.seed), tmp, args.formats,
                                  "1" if args.check else "0"],
                                 check=True, capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
        r = json.loads(res.stdout.strip().splitlines()[-1])
        print(f"{r['households']:>8,} households: generate {r['generate_s']:6.2f} s, write {r['write_s']:6.2f} s "
              f"({args.formats}, {r['bytes_written'] / 1e6:,.0f} MB), total {r['generate_s'] + r['write_s']:6.2f} s, "
              f"peak RSS {r['peak_rss_mb']:,.0f} MB")
        print("          rows: " + ", ".join(f"{k} {v:,}" for k, v in r["rows"].items()))
        print("          planted: " + ", ".join(f"{k} {v:,}" for k, v in r["planted"].items()))
        if r["checked"] is not None:
            print("          ground truth check: ok (every rule is met by exactly the planted subjects)")


if __name__ == "__main__":
    main()
