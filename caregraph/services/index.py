"""An in-memory index of a store snapshot by household and professional id.

The per-household tables (members, interventions, coordinations, assessments) are sorted by ``household_id`` once;
the index maps each id to its ``(offset, length)`` run, so one household's rows are a zero-copy slice. This is how
household detail stays fast at 100k households without a store round trip per request.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from caregraph.services.models import AgencyOut, DistrictOut, ProfessionalOut
from graph.schema import SECTORS
from graph.tables import CareTables

__all__ = ["SnapshotIndex", "RowSlices", "group_runs"]


def group_runs(table: pa.Table, key: str) -> tuple[pa.Table, dict[str, tuple[int, int]]]:
    """Sort ``table`` by ``key`` and map each key value to its ``(offset, length)`` run (null keys are dropped).

    >>> t = pa.table({"k": ["b", "a", "b", None]})
    >>> group_runs(t, "k")[1]
    {'a': (0, 1), 'b': (1, 2)}
    """
    table = table.filter(pc.is_valid(table.column(key)))
    if table.num_rows == 0:
        return table, {}
    table = table.sort_by(key)
    col = table.column(key).combine_chunks()
    enc = pc.dictionary_encode(col)
    codes = np.asarray(enc.indices.to_numpy(zero_copy_only=False))
    starts = np.concatenate(([0], np.flatnonzero(np.diff(codes)) + 1))
    ends = np.concatenate((starts[1:], [len(codes)]))
    values = enc.dictionary.to_pylist()
    keys = [values[c] for c in codes[starts]]
    return table, {k: (int(s), int(e - s)) for k, s, e in zip(keys, starts, ends, strict=True)}


class RowSlices:
    """A table held for fast row slices as Python dicts (``rows(start, n)`` equals
    ``table.slice(start, n).to_pylist()``, at about a third of the cost).

    Columns with few distinct values (at most half the rows: ids of households, professionals, agencies, domain
    codes, dates, kinds) are kept as ``int32`` codes into a list of their Python values, so a slice is a list lookup
    per cell instead of an Arrow-to-Python conversion; columns of (nearly) unique values, such as intervention ids,
    stay Arrow arrays (one Python string each would cost more memory than it saves time).

    >>> t = pa.table({"k": ["a", "a", "b"], "v": [1, None, 3], "id": ["x", "y", "z"]})
    >>> RowSlices(t).rows(1, 2) == t.slice(1, 2).to_pylist()
    True
    """

    def __init__(self, table: pa.Table) -> None:
        self.names: list[str] = list(table.schema.names)
        self.num_rows = table.num_rows
        self._columns: list[tuple[np.ndarray[Any, Any] | None, Any]] = []
        for name in self.names:
            col = table.column(name).combine_chunks()
            coded = None
            if self.num_rows and not pa.types.is_null(col.type):
                enc = pc.dictionary_encode(col)
                if len(enc.dictionary) <= self.num_rows // 2:
                    values = enc.dictionary.to_pylist()
                    codes = enc.indices.fill_null(len(values)).to_numpy(zero_copy_only=False).astype(np.int32)
                    coded = (codes, [*values, None])
            self._columns.append(coded if coded is not None else (None, col))

    def rows(self, start: int, n: int) -> list[dict[str, Any]]:
        """Rows ``start`` to ``start + n`` as dicts."""
        if n <= 0:
            return []
        cols: list[list[Any]] = []
        for codes, values in self._columns:
            if codes is None:
                cols.append(values.slice(start, n).to_pylist())
            else:
                cols.append([values[c] for c in codes[start:start + n].tolist()])
        names = self.names
        return [dict(zip(names, row, strict=True)) for row in zip(*cols, strict=True)]


class SnapshotIndex:
    """The snapshot's tables indexed for per-household and per-professional lookups."""

    def __init__(self, tables: CareTables) -> None:
        self.tables = tables
        hh = tables["households"]
        self._households, runs = group_runs(hh, "household_id")
        self._hh_pos = {k: s for k, (s, _) in runs.items()}
        self._hh_district: dict[str, str] = dict(
            zip(self._households.column("household_id").to_pylist(),
                self._households.column("district_id").to_pylist(), strict=True)
        )
        self._by_hh: dict[str, tuple[RowSlices, dict[str, tuple[int, int]]]] = {}
        for name in ("members", "interventions", "coordinations", "assessments"):
            sorted_table, table_runs = group_runs(tables[name], "household_id")
            self._by_hh[name] = (RowSlices(sorted_table), table_runs)
        self._household_rows = RowSlices(self._households)
        self._iv_by_prof = group_runs(tables["interventions"], "professional_id")
        self._co_by_prof = group_runs(tables["coordinations"], "professional_id")
        self.professionals: dict[str, dict[str, Any]] = {
            r["professional_id"]: r for r in tables["professionals"].to_pylist()
        }
        self.agencies: dict[str, dict[str, Any]] = {r["agency_id"]: r for r in tables["agencies"].to_pylist()}
        self.districts: dict[str, dict[str, Any]] = {r["district_id"]: r for r in tables["districts"].to_pylist()}
        self._prof_hh: dict[str, frozenset[str]] = {}
        self._prof_out: dict[tuple[str, bool], ProfessionalOut] = {}
        self._agency_out: dict[str, AgencyOut] = {}
        self._lock = threading.Lock()

    # -- households ------------------------------------------------------------------------------------------
    @property
    def household_count(self) -> int:
        return len(self._hh_pos)

    def has_household(self, household_id: str) -> bool:
        return household_id in self._hh_pos

    def household_district(self, household_id: str) -> str | None:
        return self._hh_district.get(household_id)

    def household_row(self, household_id: str) -> dict[str, Any] | None:
        pos = self._hh_pos.get(household_id)
        if pos is None:
            return None
        return self._household_rows.rows(pos, 1)[0]

    def rows(self, table: str, household_id: str) -> list[dict[str, Any]]:
        """The rows of ``table`` (members, interventions, coordinations, assessments) for one household."""
        t, runs = self._by_hh[table]
        run = runs.get(household_id)
        if run is None:
            return []
        return t.rows(run[0], run[1])

    # -- professionals -----------------------------------------------------------------------------------------
    def professional_interventions(self, professional_id: str) -> list[dict[str, Any]]:
        t, runs = self._iv_by_prof
        run = runs.get(professional_id)
        return [] if run is None else t.slice(run[0], run[1]).to_pylist()

    def professional_households(self, professional_id: str) -> frozenset[str]:
        """Households a professional ever helped or coordinated (the scope a linked coordinator gets)."""
        got = self._prof_hh.get(professional_id)
        if got is not None:
            return got
        out: set[str] = set()
        for t, runs in (self._iv_by_prof, self._co_by_prof):
            run = runs.get(professional_id)
            if run is not None:
                out.update(t.slice(run[0], run[1]).column("household_id").to_pylist())
        result = frozenset(out)
        with self._lock:
            if len(self._prof_hh) < 100_000:
                self._prof_hh[professional_id] = result
        return result

    def professional_out(self, professional_id: str, *, names: bool) -> ProfessionalOut | None:
        """The professional as the API shows them (built once per id and kept: the models are frozen)."""
        key = (professional_id, names)
        got = self._prof_out.get(key)
        if got is not None:
            return got
        r = self.professionals.get(professional_id)
        if r is None:
            return None
        out = ProfessionalOut(professional_id=r["professional_id"], role=r["role"], agency_id=r["agency_id"],
                              name=r["name"] if names else None)
        self._prof_out[key] = out  # a race builds an equal model twice; one of them stays
        return out

    def agency_out(self, agency_id: str) -> AgencyOut | None:
        """The agency as the API shows it (built once per id and kept)."""
        got = self._agency_out.get(agency_id)
        if got is not None:
            return got
        r = self.agencies.get(agency_id)
        if r is None:
            return None
        out = AgencyOut(agency_id=r["agency_id"], name=r["name"], sector=r["sector"],
                        sector_label=SECTORS.get(r["sector"], r["sector"]))
        self._agency_out[agency_id] = out
        return out

    def district_list(self) -> list[DistrictOut]:
        return [DistrictOut(district_id=k, name=v["name"]) for k, v in sorted(self.districts.items())]
