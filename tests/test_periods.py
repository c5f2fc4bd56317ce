"""The three forms of the active-on-a-date rule agree with each other on every boundary."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pyarrow as pa

from foundation.periods import active_days, active_mask, active_sql, is_active

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


# a window [since, day]: active on some day of it
SINCE = D(2024, 4, 1)
WINDOW_CASES = [
    (D(2024, 1, 1), D(2024, 3, 31), False),  # ended the day before the window
    (D(2024, 1, 1), SINCE, True),  # ended on the window's first day
    (D(2024, 1, 1), D(2024, 5, 1), True),  # ended inside the window
    (D(2024, 5, 1), None, True),  # started inside the window
    (DAY, DAY, True),  # only the window's last day
    (D(2024, 7, 1), None, False),  # starts after the window
]


def test_window_forms_match_python() -> None:
    assert [is_active(s, e, DAY, since=SINCE) for s, e, _ in WINDOW_CASES] == [w for *_, w in WINDOW_CASES]
    assert all(is_active(s, e, DAY, since=DAY) == is_active(s, e, DAY) for s, e, _ in CASES + WINDOW_CASES)
    t = pa.table({"start_date": pa.array([s for s, _, _ in WINDOW_CASES], pa.date32()),
                  "end_date": pa.array([e for _, e, _ in WINDOW_CASES], pa.date32())})
    want = [w for *_, w in WINDOW_CASES]
    assert active_mask(t, DAY, since=SINCE).to_pylist() == want
    con = duckdb.connect()
    con.register("t", t)
    sql = active_sql("DATE " + repr(DAY.isoformat()), since="DATE " + repr(SINCE.isoformat()))
    assert [row[0] for row in con.execute(f"SELECT {sql} FROM t").fetchall()] == want


def test_numpy_form_matches_python() -> None:
    open_end = 2**40
    epoch = D(1970, 1, 1)
    for cases, since in ((CASES, None), (WINDOW_CASES, SINCE)):
        start = np.array([(s - epoch).days for s, _, _ in cases])
        end = np.array([open_end if e is None else (e - epoch).days for _, e, _ in cases])
        got = active_days(start, end, (DAY - epoch).days, since=None if since is None else (since - epoch).days)
        assert got.tolist() == [w for *_, w in cases]
