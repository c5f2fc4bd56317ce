"""The per-household activity, the flag counts per district and the trend dates: the analytics the services read
instead of computing them again."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from analytics.flags import evaluate_flags
from analytics.household_stats import household_activity, household_statistics
from analytics.summaries import household_flag_counts, month_ends, trend_dates
from analytics.tables_builder import build_tables
from graph.tables import CareTables

from .helpers import coord, iv

D = date(2024, 6, 30)


def graph() -> CareTables:
    rows = [iv("H1", f"P{i}", f"A{i % 2}", d=("FIN", "HUI", "FIN", "OPV")[i]) for i in range(4)]
    rows += [iv("H2", "P0", "A0", end="2024-06-30"), iv("H2", "P0", "A0", d="HUI"),  # ends on D: still active
             iv("H3", "P1", "A1", end="2024-06-29"),  # ended the day before
             iv("H4", "P2", "A0", start="2024-07-01")]  # starts the day after
    return build_tables(
        interventions=rows,
        coordinations=[coord("H1", "P0"), coord("H1", "P1"), coord("H3", "P1"), coord("H4", "P2", end="2024-06-01")],
        households=[dict(household_id=h, district_id="D2" if h == "H3" else "D1") for h in ("H1", "H2", "H3", "H4")])


def test_activity_counts_the_active_periods_only() -> None:
    got = {r["household_id"]: r for r in household_activity(graph(), D).to_pylist()}
    assert set(got) == {"H1", "H2", "H3"}  # H4: nothing active on D
    h1, h2, h3 = got["H1"], got["H2"], got["H3"]
    assert (h1["helpers"], h1["agencies"], h1["active_interventions"], h1["domains"], h1["has_regisseur"]) == (
        4, 2, 4, ["FIN", "HUI", "OPV"], True)
    assert (h2["helpers"], h2["agencies"], h2["active_interventions"], h2["domains"], h2["has_regisseur"]) == (
        1, 1, 2, ["FIN", "HUI"], False)
    assert (h3["helpers"], h3["active_interventions"], h3["domains"], h3["has_regisseur"]) == (0, 0, [], True)


def test_statistics_take_their_counts_from_the_activity() -> None:
    stats = {r["household_id"]: r for r in household_statistics(graph(), D).to_pylist()}
    act = {r["household_id"]: r for r in household_activity(graph(), D).to_pylist()}
    for h, s in stats.items():
        a = act.get(h, {"helpers": 0, "agencies": 0, "has_regisseur": False})
        assert (s["helpers"], s["agencies"], s["has_regisseur"]) == (a["helpers"], a["agencies"], a["has_regisseur"])
    assert stats["H4"]["helpers"] == 0 and stats["H4"]["has_regisseur"] is False


@pytest.mark.parametrize("day", [D, date(2024, 1, 1), date(2024, 7, 1)])
def test_flag_counts_count_the_flagged_households_per_district(day: date) -> None:
    t = graph()
    district = {"H1": "D1", "H2": "D1", "H3": "D2", "H4": "D1"}
    expected = Counter((f.flag, district[f.subject_id]) for f in
                       {(f.flag, f.subject_id): f for f in evaluate_flags(t, day)
                        if f.subject_kind == "household"}.values())
    got = {(r["flag"], r["district_id"]): r["households"] for r in household_flag_counts(t, day).to_pylist()}
    assert got == dict(expected)
    if day == D:
        assert got[("competing_regisseurs", "D1")] == 1  # H1: P0 and P1 coordinate


def test_flag_counts_of_an_empty_municipality_are_an_empty_table() -> None:
    out = household_flag_counts(build_tables(), D)
    assert out.num_rows == 0 and out.column_names == ["flag", "district_id", "households"]


def test_trend_dates_are_month_ends_then_the_date_itself() -> None:
    assert trend_dates(date(2024, 6, 15), 4) == [date(2024, 3, 31), date(2024, 4, 30), date(2024, 5, 31),
                                                 date(2024, 6, 15)]
    assert trend_dates(date(2024, 2, 10), 3) == [date(2023, 12, 31), date(2024, 1, 31), date(2024, 2, 10)]
    assert trend_dates(D, 1) == trend_dates(D, 0) == [D]
    for months in range(2, 26):
        got = trend_dates(D, months)
        assert len(got) == months and got[:-1] == month_ends(got[0], got[-2]) and got[-1] == D
