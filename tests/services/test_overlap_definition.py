"""The household overlap view and the overlapping flag measure overlap by one definition (analytics.overlaps):
up to the as-of date, for open and planned ends alike."""

from __future__ import annotations

import datetime as dt

from analytics.config import FlagConfig
from analytics.tables_builder import build_tables
from caregraph.services import households
from caregraph.services.cache import AsOfResults
from caregraph.services.index import SnapshotIndex

AS_OF = dt.date(2024, 6, 30)


def _results(rows: list[dict[str, object]], as_of: dt.date = AS_OF) -> AsOfResults:
    return AsOfResults(SnapshotIndex(build_tables(interventions=rows)), as_of, FlagConfig())


def _iv(p: str, a: str, start: str, end: str | None) -> dict[str, object]:
    return dict(household_id="H1", professional_id=p, agency_id=a, domain_code="FIN", start_date=start,
                end_date=end)


def test_planned_ends_beyond_as_of_count_up_to_as_of_in_the_service_and_the_flag() -> None:
    res = _results([_iv("P1", "A1", "2024-06-01", "2024-12-31"), _iv("P2", "A2", "2024-06-17", "2024-09-30")])
    [pair] = households.overlap(res, "H1", min_days=1).pairs
    # 06-17 .. 06-30 both included; the plans (until 09-30) are not yet known to hold
    assert (pair.overlap_days, pair.until) == (14, dt.date(2024, 9, 30))
    [flag] = [f for f in res.household_flags("H1") if f.flag == "overlapping_interventions"]
    assert flag.evidence["pairs"][0]["overlap_days"] == pair.overlap_days
    assert households.overlap(res, "H1", min_days=15).pairs == []


def test_an_overlap_that_ended_before_as_of_keeps_its_days() -> None:
    res = _results([_iv("P1", "A1", "2024-01-01", "2024-03-10"), _iv("P2", "A2", "2024-03-01", None)])
    [pair] = households.overlap(res, "H1", min_days=1).pairs
    assert pair.overlap_days == 10  # 03-01 .. 03-10
    assert not [f for f in res.household_flags("H1") if f.flag == "overlapping_interventions"]  # not both active
