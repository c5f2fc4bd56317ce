"""Fast writer of a large synthetic input (CSV) for the kill test and ``bench/bench_ingest.py``.

Households of two members, five interventions per household; synthetic BSNs (prefix 9999, 11-proef) for as many
members as that prefix allows (about 9,000), the rest without BSN.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv


def synthetic_bsns(n: int) -> list[str]:
    """Up to ~9,000 distinct valid 9999xxxxc BSNs."""
    out: list[str] = []
    for i in range(10000):
        first8 = f"9999{i:04d}"
        r = sum(int(c) * w for c, w in zip(first8, (9, 8, 7, 6, 5, 4, 3, 2), strict=True)) % 11
        if r != 10:
            out.append(first8 + str(r))
        if len(out) == n:
            break
    return out


def write_big_input(folder: Path, n_interventions: int, *, seed: int = 1, shift_days: int = 0) -> dict[str, int]:
    """Write the CSVs; returns rows per table. ``shift_days`` moves every end date (a "newer export")."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n_h = max(1, n_interventions // 5)
    n_m = 2 * n_h
    n_a, n_p = 20, 400
    hh = np.char.add("h", np.arange(n_h).astype(str))
    districts = pa.table({"district_id": [f"d{i}" for i in range(10)], "name": [f"Wijk {i}" for i in range(10)],
                          "municipality_code": ["0599"] * 10})
    sectors = ["neighbourhood_team", "housing", "debt_counselling", "youth_care", "mental_health"]
    agencies = pa.table({"agency_id": [f"a{i}" for i in range(n_a)], "name": [f"Agency {i}" for i in range(n_a)],
                         "sector": [sectors[i % len(sectors)] for i in range(n_a)],
                         "agb_code": [f"{41000000 + i}" for i in range(n_a)]})
    professionals = pa.table({"professional_id": [f"p{i}" for i in range(n_p)],
                              "name": [f"Prof {i}" for i in range(n_p)], "role": ["wijkcoach"] * n_p,
                              "agency_id": [f"a{i % n_a}" for i in range(n_p)]})
    households = pa.table({"household_id": hh, "district_id": np.char.add("d", (np.arange(n_h) % 10).astype(str)),
                           "composition": ["couple"] * n_h, "postcode": ["9999AA"] * n_h,
                           "opened_on": ["2023-01-01"] * n_h, "closed_on": [None] * n_h})
    bsns = synthetic_bsns(min(n_m, 9000))
    members = pa.table({"member_id": np.char.add("m", np.arange(n_m).astype(str)),
                        "household_id": np.repeat(hh, 2),
                        "bsn": bsns + [None] * (n_m - len(bsns)), "name": ["X"] * n_m,
                        "birth_year": rng.integers(1940, 2020, n_m), "role": ["partner"] * n_m})
    n = n_interventions
    hidx = np.arange(n) // 5
    start = np.datetime64("2023-01-01") + rng.integers(0, 700, n).astype("timedelta64[D]")
    end = start + rng.integers(1, 300, n).astype("timedelta64[D]") + np.timedelta64(shift_days, "D")
    domains = np.array(["FIN", "HUI", "OPV", "GGZ", "WRK", "MID", "JUS"])
    interventions = pa.table({
        "intervention_id": np.char.add("i", np.arange(n).astype(str)),
        "household_id": hh[hidx], "member_id": np.char.add("m", (2 * hidx).astype(str)),
        "professional_id": np.char.add("p", (np.arange(n) % n_p).astype(str)),
        "agency_id": np.char.add("a", ((np.arange(n) % n_p) % n_a).astype(str)),
        "domain_code": domains[rng.integers(0, len(domains), n)], "kind": ["support"] * n, "action": [None] * n,
        "start_date": start.astype(str), "end_date": end.astype(str),
        "contact_count": rng.integers(0, 40, n), "source": ["csv"] * n,
    })
    tables = {"districts": districts, "agencies": agencies, "professionals": professionals,
              "households": households, "members": members, "interventions": interventions}
    for name, t in tables.items():
        pacsv.write_csv(t, folder / f"{name}.csv")
    return {k: v.num_rows for k, v in tables.items()}
