"""The three forms of the active-on-a-date rule agree with each other on every boundary."""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa

from foundation.periods import active_mask, active_sql, is_active

D = dt.date
DAY = D(2024, 6, 30)
CASES = [
    (D(2024, 1, 1), None, True),
    (D(2024, 1, 1), D(2024, 6, 29), False),  # ended the day before
    (D(2024, 1, 1), DAY, True),  # ends on the day: its last day still counts
    (DAY, None, True),  # starts on the day
    (D(2024, 7, 1), None, False),  # starts the day after
    (DAY, DAY, True),  # a one-day period
]


def test_python_form_matches_the_table() -> None:
    assert [is_active(s, e, DAY) for s, e, _ in CASES] == [want for *_, want in CASES]


def test_arrow_and_sql_forms_match_python() -> None:
    t = pa.table({"start_date": pa.array([s for s, _, _ in CASES], pa.date32()),
                  "end_date": pa.array([e for _, e, _ in CASES], pa.date32())})
    want = [want for *_, want in CASES]
    assert active_mask(t, DAY).to_pylist() == want
    con = duckdb.connect()
    con.register("t", t)
    got = con.execute(f"SELECT {active_sql('DATE ' + repr(DAY.isoformat()))} FROM t").fetchall()
    assert [row[0] for row in got] == want
