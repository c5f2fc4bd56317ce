"""The snapshot index's row slices: the same rows as Arrow's ``to_pylist``, for every kind of column."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from caregraph.services.index import RowSlices
from tests.services.world import AS_OF, World


def _table(n: int) -> pa.Table:
    return pa.table({
        "id": [f"I{i}" for i in range(n)],  # unique: stays Arrow
        "household_id": [f"H{i // 3}" for i in range(n)],  # repeated: coded
        "start": [dt.date(2024, 1, 1 + i % 5) for i in range(n)],
        "end": [None if i % 2 else dt.date(2024, 2, 1) for i in range(n)],
        "count": [None if i % 4 == 0 else i % 3 for i in range(n)],
        "score": [float(i % 2) for i in range(n)],
        "flag": [i % 2 == 0 for i in range(n)],
        "nothing": pa.nulls(n),
    })


@pytest.mark.parametrize(("start", "n"), [(0, 1), (0, 12), (5, 4), (11, 1), (3, 0)])
def test_row_slices_equal_arrow_rows(start: int, n: int) -> None:
    t = _table(12)
    rows = RowSlices(t).rows(start, n)
    assert rows == t.slice(start, n).to_pylist()
    if n:
        assert type(rows[0]["start"]) is dt.date and rows[0]["nothing"] is None


def test_row_slices_of_a_chunked_and_an_empty_table() -> None:
    t = pa.concat_tables([_table(6), _table(6)])
    assert t.column("id").num_chunks == 2
    assert RowSlices(t).rows(4, 5) == t.slice(4, 5).to_pylist()
    empty = _table(0)
    assert RowSlices(empty).rows(0, 3) == []


def test_professional_and_agency_models_are_built_once_and_respect_names(world: World) -> None:
    idx = world.services._results(AS_OF).index
    first = idx.professional_out("P1", names=True)
    assert first is not None and first.name is not None
    assert idx.professional_out("P1", names=True) is first  # kept (the models are frozen)
    hidden = idx.professional_out("P1", names=False)
    assert hidden is not None and hidden.name is None and hidden.professional_id == "P1"
    assert idx.professional_out("nobody", names=True) is None
    agency = idx.agency_out("A1")
    assert agency is not None and idx.agency_out("A1") is agency and agency.sector_label
