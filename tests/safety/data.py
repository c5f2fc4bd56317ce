"""A small complete care graph for the data-safety tests: :func:`tests.graph.bulk_tables.bulk_tables` plus members,
assessments, coordinations and closed households (bulk_tables has none of those)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from graph.tables import CareTables
from tests.graph.bulk_tables import bulk_tables

CLOSED_BASE = dt.date(2024, 1, 1)
"""Household i (i % 3 == 0) is closed on ``CLOSED_BASE + i days``; the others are open."""


def safety_tables(n_households: int, seed: int = 0) -> CareTables:
    """``bulk_tables(n)`` with 2 members, 2 assessments and 1 coordination per household, and every third household
    closed (``closed_on = 2024-01-01 + i days``), already pseudonymised (members carry ``bsn_pseudonym``)."""
    base = bulk_tables(n_households, seed)
    rng = np.random.default_rng(seed + 1)
    hh = base["households"].column("household_id").to_pylist()
    n = len(hh)
    closed = [CLOSED_BASE + dt.timedelta(days=i) if i % 3 == 0 else None for i in range(n)]
    households = base["households"].set_column(
        base["households"].column_names.index("closed_on"), "closed_on", pa.array(closed, pa.date32())
    )
    member_hh = [h for h in hh for _ in range(2)]
    members = pa.table(
        {
            "member_id": [f"M{i:08d}" for i in range(2 * n)],
            "household_id": member_hh,
            "bsn_pseudonym": [f"ps_{i:032x}" if i % 2 == 0 else None for i in range(2 * n)],
            "name": [f"Person {i}" for i in range(2 * n)],
            "birth_year": rng.integers(1950, 2015, 2 * n),
            "role": ["parent", "child"] * n,
        }
    )
    pros = base["professionals"].column("professional_id").to_pylist()
    assessments = pa.table(
        {
            "assessment_id": [f"S{i:08d}" for i in range(2 * n)],
            "household_id": member_hh,
            "member_id": [f"M{i:08d}" if i % 2 == 0 else None for i in range(2 * n)],
            "domain_code": ["FIN", "HUI"] * n,
            "score": rng.integers(1, 6, 2 * n),
            "assessed_on": [dt.date(2023, 6, 1)] * (2 * n),
        }
    )
    coordinations = pa.table(
        {
            "coordination_id": [f"C{i:07d}" for i in range(n)],
            "household_id": hh,
            "professional_id": [pros[i % len(pros)] for i in range(n)],
            "start_date": [dt.date(2023, 2, 1)] * n,
        }
    )
    return (
        base.with_table("households", households)
        .with_table("members", members)
        .with_table("assessments", assessments)
        .with_table("coordinations", coordinations)
    )
