"""The one schema of the care graph, from which everything else is derived.

Each *entity table* (the documented CSV/Parquet tables that ``generate`` writes and ``load``/``ingest`` read) maps to
either a node label or, for the regisseur role, a relationship type. Relationships between nodes are derived from the
foreign-key columns of the tables, so a row fully determines its node and its outgoing relationships. The LadybugDB
DDL, the Neo4j constraints, the Arrow schemas and the empty templates are all generated from :data:`TABLES`.

Node properties use the table's column names, except that the key column becomes ``id`` on every node (the only
identity used in queries; never ``id()`` or ``elementId()``), and a member's ``bsn`` is stored only as the keyed
pseudonym ``bsn_pseudonym``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pyarrow as pa

__all__ = [
    "ColumnType",
    "Column",
    "RelSpec",
    "TableSpec",
    "TABLES",
    "TABLE_ORDER",
    "CARE_TABLES",
    "table_spec",
    "SECTORS",
    "INTERVENTION_KINDS",
    "ENFORCEMENT_ACTIONS",
    "COMPOSITIONS",
    "MEMBER_ROLES",
    "table_arrow_schema",
    "graph_property",
]

ColumnType = Literal["string", "int", "date", "bool"]

SECTORS: dict[str, str] = {
    "housing": "Woningcorporatie",
    "debt_counselling": "Schuldhulpverlening",
    "youth_protection": "Jeugdbescherming",
    "youth_care": "Jeugdhulp",
    "mental_health": "GGZ",
    "addiction_care": "Verslavingszorg",
    "police": "Politie",
    "neighbourhood_team": "Wijkteam / gemeente",
    "school": "Onderwijs",
    "benefits": "Werk en inkomen",
    "probation": "Reclassering",
    "bailiff": "Deurwaarder / incasso",
    "health_care": "Huisarts / zorg",
}
"""Agency sectors: code → Dutch label."""

INTERVENTION_KINDS: tuple[str, ...] = ("support", "assessment", "coordination", "enforcement")

ENFORCEMENT_ACTIONS: dict[str, str] = {
    "eviction": "Huisuitzetting",
    "fine": "Boete",
    "debt_collection": "Incasso / beslag",
    "benefit_stop": "Stopzetting uitkering",
    "placement_order": "Uithuisplaatsing",
}
"""Enforcement actions (the ``action`` of an enforcement intervention): code → Dutch label."""

COMPOSITIONS: tuple[str, ...] = ("single", "couple", "couple_with_children", "single_parent", "other")

MEMBER_ROLES: tuple[str, ...] = ("parent", "partner", "child", "single", "other")


@dataclass(frozen=True, slots=True)
class Column:
    """One column of an entity table.

    ``choices`` restricts a string column to a fixed set; ``pattern`` is a regular expression the value must match
    in full; ``low``/``high`` bound an int column (inclusive). ``references`` names the table whose key this column
    holds (a foreign key).
    """

    name: str
    type: ColumnType
    required: bool
    description: str
    choices: tuple[str, ...] = ()
    pattern: str | None = None
    low: int | None = None
    high: int | None = None
    references: str | None = None
    personal: bool = False


@dataclass(frozen=True, slots=True)
class RelSpec:
    """A relationship type derived from a foreign-key column of a table.

    The relationship runs from the row's own node (or from ``source_column``'s node for a relationship-only table) to
    the node whose key is in ``target_column``. ``properties`` are columns copied onto the relationship.
    """

    type: str
    source_label: str
    target_label: str
    source_column: str
    target_column: str
    properties: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TableSpec:
    """An entity table: its file stem, its key column, its columns, and the graph element it becomes."""

    name: str
    key: str
    columns: tuple[Column, ...]
    description: str
    label: str | None = None
    rels: tuple[RelSpec, ...] = field(default=())
    rel_only: RelSpec | None = None
    ledger: bool = False
    """Bookkeeping the store keeps for ingest (not care data): no template, not in research exports."""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


def _c(name: str, type_: ColumnType, required: bool, description: str, **kw: object) -> Column:
    return Column(name, type_, required, description, **kw)  # type: ignore[arg-type]


_DATE_NOTE = "ISO date YYYY-MM-DD"

TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        name="districts",
        key="district_id",
        label="District",
        description="Districts (wijken) of the municipality; the unit of the manager's overview.",
        columns=(
            _c("district_id", "string", True, "Stable district identifier."),
            _c("name", "string", True, "District name."),
            _c("municipality_code", "string", False, "CBS gemeentecode, 4 digits.", pattern=r"[0-9]{4}"),
        ),
    ),
    TableSpec(
        name="agencies",
        key="agency_id",
        label="Agency",
        description="Organisations whose professionals are involved with households.",
        columns=(
            _c("agency_id", "string", True, "Stable agency identifier."),
            _c("name", "string", True, "Agency name."),
            _c("sector", "string", True, "Sector code: " + ", ".join(SECTORS), choices=tuple(SECTORS)),
            _c("agb_code", "string", False, "AGB code (8 digits) where the agency has one.", pattern=r"[0-9]{8}"),
        ),
    ),
    TableSpec(
        name="professionals",
        key="professional_id",
        label="Professional",
        description="Professionals (hulpverleners) and the agency that currently employs them.",
        columns=(
            _c("professional_id", "string", True, "Stable professional identifier."),
            _c("name", "string", True, "Name (personal data; coordinators only).", personal=True),
            _c("role", "string", True, "Job title, e.g. wijkcoach, schuldhulpverlener."),
            _c("agency_id", "string", True, "Current employer.", references="agencies"),
        ),
        rels=(RelSpec("WORKS_FOR", "Professional", "Agency", "professional_id", "agency_id"),),
    ),
    TableSpec(
        name="households",
        key="household_id",
        label="Household",
        description="Households (huishoudens) known to the network of care.",
        columns=(
            _c("household_id", "string", True, "Stable household identifier."),
            _c("district_id", "string", True, "District the household lives in.", references="districts"),
            _c("composition", "string", True, "Household type.", choices=COMPOSITIONS),
            _c("postcode", "string", False, "Dutch postcode 9999XX (4 digits only in research exports).",
               pattern=r"[1-9][0-9]{3}[A-Z]{2}", personal=True),
            _c("opened_on", "date", True, "Date the household became known (case opened). " + _DATE_NOTE),
            _c("closed_on", "date", False, "Date the case was closed; empty while open. " + _DATE_NOTE),
        ),
        rels=(RelSpec("IN_DISTRICT", "Household", "District", "household_id", "district_id"),),
    ),
    TableSpec(
        name="members",
        key="member_id",
        label="Member",
        description="People in a household.",
        columns=(
            _c("member_id", "string", True, "Stable member identifier."),
            _c("household_id", "string", True, "Household the member belongs to.", references="households"),
            _c("bsn", "string", False, "BSN (9 digits, 11-proef). Never stored: replaced by a keyed pseudonym.",
               pattern=r"[0-9]{9}", personal=True),
            _c("name", "string", False, "Name (personal data; coordinators only).", personal=True),
            _c("birth_year", "int", True, "Year of birth.", low=1900, high=2100),
            _c("role", "string", True, "Role in the household.", choices=MEMBER_ROLES),
        ),
        rels=(RelSpec("MEMBER_OF", "Member", "Household", "member_id", "household_id", ("role",)),),
    ),
    TableSpec(
        name="domains",
        key="domain_code",
        label="Domain",
        description="Life domains: the 13 ZRM-2017 domains plus parenting and safety (codes only, no ZRM texts).",
        columns=(
            _c("domain_code", "string", True, "Domain code, e.g. FIN, HUI."),
            _c("name_nl", "string", True, "Dutch name."),
            _c("name_en", "string", True, "English name."),
            _c("zrm", "bool", True, "Part of the ZRM 2017 matrix."),
        ),
    ),
    TableSpec(
        name="interventions",
        key="intervention_id",
        label="Intervention",
        description="A professional's involvement with a household (or one member) in one domain over a period.",
        columns=(
            _c("intervention_id", "string", True, "Stable intervention identifier."),
            _c("household_id", "string", True, "Household helped.", references="households"),
            _c("member_id", "string", False, "Member helped, when the intervention is for one member.",
               references="members"),
            _c("professional_id", "string", True, "Professional delivering it.", references="professionals"),
            _c("agency_id", "string", True, "Agency on whose behalf it is delivered (at that time).",
               references="agencies"),
            _c("domain_code", "string", True, "Domain addressed.", references="domains"),
            _c("kind", "string", True, "support, assessment, coordination or enforcement.",
               choices=INTERVENTION_KINDS),
            _c("action", "string", False, "What is done; for enforcement one of: " + ", ".join(ENFORCEMENT_ACTIONS)),
            _c("start_date", "date", True, "First day. " + _DATE_NOTE),
            _c("end_date", "date", False, "Last day; empty while ongoing. " + _DATE_NOTE),
            _c("contact_count", "int", False, "Number of contacts in the period (for continuity measures).",
               low=0, high=100000),
            _c("source", "string", False, "Where the row came from, e.g. csv, jw301, wmo301."),
        ),
        rels=(
            RelSpec("DELIVERS", "Professional", "Intervention", "professional_id", "intervention_id"),
            RelSpec("CONCERNS", "Intervention", "Household", "intervention_id", "household_id"),
            RelSpec("FOR_MEMBER", "Intervention", "Member", "intervention_id", "member_id"),
            RelSpec("ADDRESSES", "Intervention", "Domain", "intervention_id", "domain_code"),
            RelSpec("ON_BEHALF_OF", "Intervention", "Agency", "intervention_id", "agency_id"),
        ),
    ),
    TableSpec(
        name="coordinations",
        key="coordination_id",
        description="The regisseur role: a professional coordinates a household's plan over a period.",
        columns=(
            _c("coordination_id", "string", True, "Stable identifier of this assignment."),
            _c("household_id", "string", True, "Household coordinated.", references="households"),
            _c("professional_id", "string", True, "The regisseur.", references="professionals"),
            _c("start_date", "date", True, "First day. " + _DATE_NOTE),
            _c("end_date", "date", False, "Last day; empty while ongoing. " + _DATE_NOTE),
        ),
        rel_only=RelSpec(
            "COORDINATES", "Professional", "Household", "professional_id", "household_id",
            ("coordination_id", "start_date", "end_date"),
        ),
    ),
    TableSpec(
        name="assessments",
        key="assessment_id",
        label="Assessment",
        description="A ZRM score (1 acute … 5 fully self-sufficient) for a household or member in a domain on a date.",
        columns=(
            _c("assessment_id", "string", True, "Stable assessment identifier."),
            _c("household_id", "string", True, "Household assessed.", references="households"),
            _c("member_id", "string", False, "Member assessed, when the score is for one member.",
               references="members"),
            _c("domain_code", "string", True, "Domain scored.", references="domains"),
            _c("score", "int", True, "ZRM score 1–5.", low=1, high=5),
            _c("assessed_on", "date", True, "Assessment date. " + _DATE_NOTE),
        ),
        rels=(
            RelSpec("ASSESSES", "Assessment", "Household", "assessment_id", "household_id"),
            RelSpec("ASSESSES_MEMBER", "Assessment", "Member", "assessment_id", "member_id"),
            RelSpec("SCORES_DOMAIN", "Assessment", "Domain", "assessment_id", "domain_code"),
        ),
    ),
    TableSpec(
        name="allocations",
        key="allocation_id",
        label="Allocation",
        ledger=True,
        description="The iJw/iWmo allocation ledger (toewijzingen): per allocation the 301 version the store holds, "
                    "or that it was deleted (a tombstone), so that 301 versions win by Toewijzingsdatum/-tijd across "
                    "ingests too, and the client as that version names them, so that households are derived from every "
                    "stored allocation plus the batch. Written by message ingest; the client facts are personal "
                    "data (birth date, name, postcode; address and names only as keyed pseudonyms).",
        columns=(
            _c("allocation_id", "string", True, "Domain-gemeente-ToewijzingNummer, e.g. jw-0599-1001 (the "
               "intervention id of a standing allocation)."),
            _c("allocated_on", "date", True, "Toewijzingsdatum of the version held. " + _DATE_NOTE),
            _c("allocated_at", "string", True, "Toewijzingstijd of the version held, HH:MM:SS.",
               pattern=r"[0-2][0-9]:[0-5][0-9]:[0-5][0-9]"),
            _c("message_date", "date", True, "Dagtekening of the message that carried it. " + _DATE_NOTE),
            _c("message_id", "string", True, "Identificatie of that message."),
            _c("deleted", "bool", True, "True when this version deleted the allocation (RedenWijziging 13)."),
            _c("agb", "string", False, "AGB code of the provider (Ontvanger) of this version.", pattern=r"[0-9]{8}"),
            _c("category", "string", False, "Product category (Categorie) of this version; empty without product."),
            _c("member_id", "string", False, "The client of this version (empty for a deletion)."),
            _c("birth_date", "date", False, "The client's Geboortedatum in this version, for the roles of the "
               "household derivation. " + _DATE_NOTE, personal=True),
            _c("name", "string", False, "The client's name in this version.", personal=True),
            _c("address_id", "string", False, "Keyed pseudonym of the client's BRP address (gemeente + postcode + "
               "house number): the household id of that address. Empty without address."),
            _c("postcode", "string", False, "Postcode of that address (as the household holds it).",
               pattern=r"[1-9][0-9]{3}[A-Z]{2}", personal=True),
            _c("name_key", "string", False, "Keyed pseudonym of gemeente + surname + birth date, which household "
               "relations of other clients are matched on."),
            _c("relation_keys", "string", False, "Keyed pseudonyms of the client's household relations, space "
               "separated: a:<address id> and n:<name key>."),
            _c("file", "string", False, "The input file that carried this version."),
        ),
    ),
)

TABLE_ORDER: tuple[str, ...] = tuple(t.name for t in TABLES)
"""Load order: every table only references tables before it."""

CARE_TABLES: tuple[str, ...] = tuple(t.name for t in TABLES if not t.ledger)
"""The care data's tables: :data:`TABLE_ORDER` without the ingest ledger (templates, research exports)."""

_BY_NAME = {t.name: t for t in TABLES}


def table_spec(name: str) -> TableSpec:
    """Return the spec of the entity table ``name`` (e.g. ``"households"``)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; known: {', '.join(TABLE_ORDER)}") from None


_ARROW: dict[ColumnType, pa.DataType] = {
    "string": pa.string(),
    "int": pa.int64(),
    "date": pa.date32(),
    "bool": pa.bool_(),
}


def table_arrow_schema(spec: TableSpec, *, pseudonymised: bool = False) -> pa.Schema:
    """Arrow schema of an entity table.

    As read from and written to files, members carry ``bsn``; once pseudonymised (what stores accept and return),
    that column is ``bsn_pseudonym`` instead.
    """
    return pa.schema(
        [
            pa.field("bsn_pseudonym" if pseudonymised and c.name == "bsn" else c.name, _ARROW[c.type],
                     nullable=not c.required)
            for c in spec.columns
        ]
    )


def graph_property(spec: TableSpec, column: str) -> str:
    """Name of the node property that holds ``column`` of ``spec`` in the graph."""
    if column == spec.key:
        return "id"
    if column == "bsn":
        return "bsn_pseudonym"
    return column
