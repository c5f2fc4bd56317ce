"""A plain, fast bulk data set for store tests (not the realistic generator): n households, 10n interventions."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from graph.tables import CareTables


def bulk_tables(n_households: int, seed: int = 0) -> CareTables:
    """Households in 4 districts, 20 agencies, n/5 professionals, 10 interventions per household."""
    rng = np.random.default_rng(seed)
    n_pro = max(5, n_households // 5)
    hh = np.array([f"H{i:07d}" for i in range(n_households)])
    pros = np.array([f"P{i:06d}" for i in range(n_pro)])
    agencies = np.array([f"A{i:03d}" for i in range(20)])
    pro_agency = agencies[rng.integers(0, 20, n_pro)]
    n_iv = 10 * n_households
    iv_pro = rng.integers(0, n_pro, n_iv)
    start = np.datetime64("2023-01-01") + rng.integers(0, 700, n_iv).astype("timedelta64[D]")
    end = start + rng.integers(10, 400, n_iv).astype("timedelta64[D]")
    return CareTables(
        {
            "districts": pa.table({"district_id": [f"D{i}" for i in range(4)], "name": ["N", "O", "Z", "W"]}),
            "agencies": pa.table(
                {"agency_id": agencies, "name": [f"Agency {a}" for a in agencies], "sector": ["housing"] * 20}
            ),
            "professionals": pa.table(
                {"professional_id": pros, "name": [f"Pro {p}" for p in pros], "role": ["wijkcoach"] * n_pro,
                 "agency_id": pro_agency}
            ),
            "households": pa.table(
                {"household_id": hh, "district_id": [f"D{i % 4}" for i in range(n_households)],
                 "composition": ["single"] * n_households, "opened_on": [dt.date(2023, 1, 1)] * n_households}
            ),
            "interventions": pa.table(
                {
                    "intervention_id": [f"I{i:08d}" for i in range(n_iv)],
                    "household_id": np.repeat(hh, 10),
                    "professional_id": pros[iv_pro],
                    "agency_id": pro_agency[iv_pro],
                    "domain_code": np.array(["FIN", "HUI", "GGZ", "OPV", "WRK"])[rng.integers(0, 5, n_iv)],
                    "kind": ["support"] * n_iv,
                    "start_date": pa.array(start.astype("datetime64[D]"), pa.date32()),
                    "end_date": pa.array(end.astype("datetime64[D]"), pa.date32()),
                    "contact_count": rng.integers(1, 20, n_iv),
                }
            ),
        }
    )


def only_new(new: CareTables, old: CareTables) -> CareTables:
    """The rows of ``new`` whose keys are not in ``old`` (an insert-only load on top of ``old``)."""
    import pyarrow.compute as pc

    from graph.schema import table_spec

    out = {}
    for name in new:
        key = table_spec(name).key
        mask = pc.invert(pc.is_in(new[name].column(key), value_set=old[name].column(key)))
        out[name] = new[name].filter(mask)
    return CareTables(out)
