"""Benchmark of reading an export through a mapping, beside the same rows laid out as the template (the baseline).

Writes ``--rows`` synthetic households twice: as ``households.csv`` (template columns, ISO dates, template codes) and
as a Dutch export ``huishoudens.csv`` (``;``, own column names, dd-mm-jjjj dates, Dutch composition labels) with its
mapping. Each is read and validated (a dry run of :func:`ingest.pipeline.ingest`, no store) ``--runs`` times, in turns
(A B A B ...); prints min / median / max wall seconds of each and the median of the per-pair ratios mapped/template.

Run: ``.venv/bin/python bench/bench_mapping.py [--rows 100000] [--runs 5] [--work /tmp/bench_mapping]``
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import statistics
import time
from pathlib import Path

from foundation.settings import Settings
from ingest.mapping import SourceMapping
from ingest.pipeline import ingest

LABELS = {"single": "Alleenstaand", "single_parent": "Eenoudergezin", "couple": "Stel",
          "couple_with_children": "Gezin", "other": "Overig"}
MAPPING = """\
files:
  - match: huishoudens*
    table: households
    date: "%d-%m-%Y"
    columns:
      Dossiernummer: household_id
      Wijk: district_id
      Samenstelling:
        to: composition
        codes: {Alleenstaand: single, Eenoudergezin: single_parent, Stel: couple, Gezin: couple_with_children,
                Overig: other}
      Aanmelddatum: opened_on
"""


def write_inputs(work: Path, rows: int) -> tuple[list[Path], list[Path], Path]:
    """The template file, the export and its mapping (synthetic, seed 1); plus one districts file for both."""
    rnd = random.Random(1)
    data = [(f"H{i}", f"d{rnd.randrange(10)}", rnd.choice(list(LABELS)),
             dt.date(2020, 1, 1) + dt.timedelta(days=rnd.randrange(1500))) for i in range(rows)]
    (work / "t").mkdir(parents=True, exist_ok=True)
    (work / "m").mkdir(parents=True, exist_ok=True)
    with (work / "districts.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["district_id", "name"], *[[f"d{i}", f"Wijk {i}"] for i in range(10)]])
    with (work / "t" / "households.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["household_id", "district_id", "composition", "opened_on"])
        w.writerows([(a, b, c, d.isoformat()) for a, b, c, d in data])
    with (work / "m" / "huishoudens.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["Dossiernummer", "Wijk", "Samenstelling", "Aanmelddatum"])
        w.writerows([(a, b, LABELS[c], d.strftime("%d-%m-%Y")) for a, b, c, d in data])
    (work / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    return ([work / "t" / "households.csv", work / "districts.csv"],
            [work / "m" / "huishoudens.csv", work / "districts.csv"], work / "mapping.yaml")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--work", type=Path, default=Path("/tmp/bench_mapping"))
    args = ap.parse_args()
    template, export, mapping_file = write_inputs(args.work, args.rows)
    settings = Settings(demo=True)
    mapping = SourceMapping.load(mapping_file)

    def run(paths: list[Path], m: SourceMapping | None) -> float:
        t = time.perf_counter()
        r = ingest(paths, store=None, settings=settings, source_mapping=m)
        seconds = time.perf_counter() - t
        if not r.ok or r.report.rows_valid.get("households") != args.rows:
            raise SystemExit(r.report.to_text())
        return seconds

    run(template, None)  # warm-up: imports, file cache
    run(export, mapping)
    a: list[float] = []
    b: list[float] = []
    for _ in range(args.runs):
        a.append(run(template, None))
        b.append(run(export, mapping))
    for label, xs in (("template (baseline)", a), ("mapped export", b)):
        print(f"{label:20} {args.rows} rows: min {min(xs):.3f} s, median {statistics.median(xs):.3f} s, "
              f"max {max(xs):.3f} s")
    print(f"mapped / template: median ratio {statistics.median(y / x for x, y in zip(a, b, strict=True)):.2f}")


if __name__ == "__main__":
    main()
