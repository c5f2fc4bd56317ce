"""Typed records match the schema exactly and round-trip through Arrow and the store."""

from __future__ import annotations

import dataclasses
import typing
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from graph.ladybug_store import LadybugStore
from graph.records import RECORD_TYPES, Intervention, records, to_table
from graph.schema import TABLE_ORDER, table_arrow_schema, table_spec
from tests.graph.fixtures import small_tables

_PY = {pa.string(): str, pa.int64(): int, pa.date32(): date, pa.bool_(): bool}


@pytest.mark.parametrize("name", TABLE_ORDER)
def test_record_fields_are_the_stored_columns(name: str) -> None:
    cls = RECORD_TYPES[name]
    hints = typing.get_type_hints(cls)
    schema = table_arrow_schema(table_spec(name), pseudonymised=True)
    assert {f.name for f in dataclasses.fields(cls)} == set(schema.names)
    for f in schema:
        expected = _PY[f.type]
        hint = hints[f.name]
        if f.nullable:
            assert hint == expected | None, f.name
        else:
            assert hint is expected, f.name


def test_records_round_trip_through_the_store(tmp_path: Path) -> None:
    store = LadybugStore.open(tmp_path / "graph.lbug")
    store.load(small_tables())
    for name in TABLE_ORDER:
        stored = store.read_table(name)
        rows = list(records(name, stored))
        assert len(rows) == stored.num_rows
        assert to_table(name, rows).equals(stored), name
    store.close()


def test_active_on_edges() -> None:
    iv = Intervention("I1", "H1", "P1", "A1", "FIN", "support", date(2024, 1, 1), end_date=date(2024, 1, 31))
    assert iv.active_on(date(2024, 1, 1)) and iv.active_on(date(2024, 1, 31))
    assert not iv.active_on(date(2023, 12, 31)) and not iv.active_on(date(2024, 2, 1))
    assert dataclasses.replace(iv, end_date=None).active_on(date(2030, 1, 1))
