"""Typed records: one frozen dataclass per entity table of :mod:`graph.schema`.

Tables travel as Arrow for speed; records are for code that handles one row at a time (a household's detail, a
fixture, an API response built from a row). :func:`records` and :func:`to_table` convert both ways, and
``tests/graph/test_records.py`` checks that every record has exactly its table's columns and types.
Members carry ``bsn_pseudonym`` (the stored form): a record never holds a BSN in clear.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa

from graph.schema import table_arrow_schema, table_spec

__all__ = [
    "RECORD_TYPES",
    "Agency",
    "AllocationVersion",
    "Assessment",
    "Coordination",
    "District",
    "DomainRecord",
    "Household",
    "Intervention",
    "Member",
    "Professional",
    "records",
    "to_table",
]


@dataclass(frozen=True, slots=True)
class District:
    """A district (wijk)."""

    district_id: str
    name: str
    municipality_code: str | None = None


@dataclass(frozen=True, slots=True)
class Agency:
    """An organisation; ``sector`` is a code of :data:`graph.schema.SECTORS`."""

    agency_id: str
    name: str
    sector: str
    agb_code: str | None = None


@dataclass(frozen=True, slots=True)
class Professional:
    """A professional and the agency that currently employs them."""

    professional_id: str
    name: str
    role: str
    agency_id: str


@dataclass(frozen=True, slots=True)
class Household:
    """A household known to the network of care; ``closed_on`` is None while the case is open."""

    household_id: str
    district_id: str
    composition: str
    opened_on: date
    postcode: str | None = None
    closed_on: date | None = None


@dataclass(frozen=True, slots=True)
class Member:
    """A person in a household, with the keyed pseudonym of their BSN (never the BSN itself)."""

    member_id: str
    household_id: str
    birth_year: int
    role: str
    bsn_pseudonym: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class DomainRecord:
    """A life domain (ZRM or added), by code."""

    domain_code: str
    name_nl: str
    name_en: str
    zrm: bool


@dataclass(frozen=True, slots=True)
class Intervention:
    """A professional's involvement with a household (or one member) in one domain over a period."""

    intervention_id: str
    household_id: str
    professional_id: str
    agency_id: str
    domain_code: str
    kind: str
    start_date: date
    member_id: str | None = None
    action: str | None = None
    end_date: date | None = None
    contact_count: int | None = None
    source: str | None = None

    def active_on(self, day: date) -> bool:
        """True when the intervention runs on ``day`` (``start_date <= day`` and no end or ``end_date >= day``)."""
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)


@dataclass(frozen=True, slots=True)
class Coordination:
    """The regisseur role: a professional coordinates a household over a period."""

    coordination_id: str
    household_id: str
    professional_id: str
    start_date: date
    end_date: date | None = None

    def active_on(self, day: date) -> bool:
        """True when the coordination runs on ``day``."""
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)


@dataclass(frozen=True, slots=True)
class Assessment:
    """A ZRM score (1 acute … 5 fully self-sufficient) in a domain on a date."""

    assessment_id: str
    household_id: str
    domain_code: str
    score: int
    assessed_on: date
    member_id: str | None = None


@dataclass(frozen=True, slots=True)
class AllocationVersion:
    """The ingest ledger's row for one iJw/iWmo allocation: the 301 version the store holds, or its deletion."""

    allocation_id: str
    allocated_on: date
    allocated_at: str
    message_date: date
    message_id: str
    deleted: bool


RECORD_TYPES: dict[str, type] = {
    "districts": District,
    "agencies": Agency,
    "professionals": Professional,
    "households": Household,
    "members": Member,
    "domains": DomainRecord,
    "interventions": Intervention,
    "coordinations": Coordination,
    "assessments": Assessment,
    "allocations": AllocationVersion,
}
"""Entity table name → record type."""

def records(name: str, table: pa.Table) -> Iterator[Any]:
    """The rows of entity table ``name`` as records (columns not in the record, such as ``bsn``, are dropped)."""
    cls = RECORD_TYPES[name]
    fields = {f.name for f in dataclasses.fields(cls)}
    for row in table.to_pylist():
        yield cls(**{k: v for k, v in row.items() if k in fields})


def to_table(name: str, rows: Iterable[Any]) -> pa.Table:
    """Records of entity table ``name`` as an Arrow table in the stored layout (members with ``bsn_pseudonym``)."""
    schema = table_arrow_schema(table_spec(name), pseudonymised=True)
    data = [dataclasses.asdict(r) for r in rows]
    return pa.Table.from_pylist(data, schema=schema)
