"""The typed results of the services layer (pydantic models, also the API's response schemas).

Fields that hold personal data (names, postcodes, BSN pseudonyms) are optional: the services fill them only for a
principal who may see them (coordinators, for households in their scope) and leave them ``None`` otherwise.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from caregraph.auth.models import AuditEntryOut, TokenIssued, UserOut

__all__ = [
    "Page",
    "HouseholdSummary",
    "HouseholdOut",
    "MemberOut",
    "ProfessionalOut",
    "AgencyOut",
    "InterventionOut",
    "CoordinationOut",
    "AssessmentOut",
    "FlagOut",
    "RegisseurOut",
    "HouseholdDetail",
    "NetworkNode",
    "NetworkEdge",
    "Network",
    "OverlapPair",
    "HouseholdOverlap",
    "HouseholdPairOverlap",
    "ProfessionalPairOverlap",
    "Caseload",
    "AgencyActivity",
    "AgencyPair",
    "AgencyOverview",
    "FlagCount",
    "FlagSummary",
    "NetworkStatistics",
    "DistrictOut",
    "ExportFile",
    "IngestResult",
    "HealthStatus",
    "UserOut",
    "TokenIssued",
    "AuditEntryOut",
]

T = TypeVar("T")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Page(_Model, Generic[T]):
    """One page of a list: ``items`` from ``offset`` (at most ``limit``), out of ``total``."""

    items: list[T]
    total: int = Field(ge=0, description="Number of items matching the filters, over all pages.")
    offset: int = Field(ge=0)
    limit: int = Field(ge=1)


class HouseholdSummary(_Model):
    """A household in a list: pseudonymous (no names, no postcode), with its active involvement as of a date."""

    household_id: str
    district_id: str
    composition: str
    opened_on: dt.date
    closed_on: dt.date | None = None
    helpers: int = Field(ge=0, description="Distinct professionals with an active intervention on the date.")
    agencies: int = Field(ge=0, description="Distinct agencies with an active intervention on the date.")
    active_interventions: int = Field(ge=0)
    domains: list[str] = Field(default_factory=list, description="Codes of the domains of the active "
                               "interventions on the date, sorted.")
    has_regisseur: bool = Field(False, description="A regisseur (coordination) is active on the date.")
    flags: list[str] = Field(default_factory=list, description="Codes of the flags raised on the date.")


class HouseholdOut(_Model):
    """The household record. ``postcode`` only for coordinators."""

    household_id: str
    district_id: str
    composition: str
    postcode: str | None = None
    opened_on: dt.date
    closed_on: dt.date | None = None


class MemberOut(_Model):
    """A household member. ``name`` and ``bsn_pseudonym`` only for coordinators."""

    member_id: str
    role: str
    birth_year: int
    name: str | None = None
    bsn_pseudonym: str | None = None


class ProfessionalOut(_Model):
    """A professional. ``name`` only for coordinators."""

    professional_id: str
    role: str
    agency_id: str
    name: str | None = None


class AgencyOut(_Model):
    """An agency with its sector code and Dutch sector label."""

    agency_id: str
    name: str
    sector: str
    sector_label: str


class InterventionOut(_Model):
    """An intervention, with whether it is active on the as-of date."""

    intervention_id: str
    member_id: str | None = None
    professional_id: str
    agency_id: str
    domain_code: str
    kind: str
    action: str | None = None
    start_date: dt.date
    end_date: dt.date | None = None
    contact_count: int | None = None
    active: bool


class CoordinationOut(_Model):
    """A regisseur assignment (professional coordinates the household over a period)."""

    coordination_id: str
    professional_id: str
    start_date: dt.date
    end_date: dt.date | None = None
    active: bool


class AssessmentOut(_Model):
    """A ZRM score (1 acute … 5 self-sufficient)."""

    assessment_id: str
    member_id: str | None = None
    domain_code: str
    score: int = Field(ge=1, le=5)
    assessed_on: dt.date


class FlagOut(_Model):
    """A flag raised on a date, with the evidence a coordinator can check (from :mod:`analytics.flags`)."""

    flag: str = Field(description="too_many_helpers, overlapping_interventions, missing_regisseur, "
                                  "competing_regisseurs, conflicting_interventions, domino_risk, stagnation, "
                                  "overloaded_professional")
    subject_kind: str = Field(description="household or professional")
    subject_id: str
    district_id: str | None = None
    severity: str = Field(description="attention or alarm")
    rule_version: str
    thresholds: dict[str, Any] = Field(default_factory=dict, description="The thresholds the rule applied.")
    evidence: dict[str, Any] = Field(default_factory=dict)
    explanation: str = Field(description="One plain Dutch sentence to check against the evidence.")


class RegisseurOut(_Model):
    """Active regisseur(s) and, when there is none or more than one, the suggested one with the reasons (Dutch)
    from :func:`analytics.regisseur.suggest_regisseur`."""

    active: list[CoordinationOut]
    suggested_professional_id: str | None = None
    reasons: list[str] = Field(default_factory=list, description="Why this professional: domains covered, days "
                               "involved, ties to the other helpers (plain Dutch).")
    score: float | None = Field(None, description="0.4·domains + 0.3·involvement + 0.3·ties (each normalised).")
    reason: str | None = Field(None, description="The reasons joined with '; ' (kept for older clients).")


class HouseholdDetail(_Model):
    """Everything about one household as of a date (coordinators, in scope)."""

    as_of: dt.date
    household: HouseholdOut
    members: list[MemberOut]
    professionals: list[ProfessionalOut]
    agencies: list[AgencyOut]
    interventions: list[InterventionOut]
    regisseur: RegisseurOut
    assessments: list[AssessmentOut]
    flags: list[FlagOut]


class NetworkNode(_Model):
    """A node to draw: ``kind`` is household, member, professional, agency or domain."""

    id: str
    kind: Literal["household", "member", "professional", "agency", "domain"]
    label: str


class NetworkEdge(_Model):
    """An edge to draw between two node ids."""

    source: str
    target: str
    kind: str = Field(description="member_of, works_for, helps (an intervention), coordinates, addresses")
    intervention_id: str | None = None
    domain_code: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    active: bool = True


class Network(_Model):
    """A household's network: nodes and edges for drawing."""

    household_id: str
    as_of: dt.date
    nodes: list[NetworkNode]
    edges: list[NetworkEdge]


class OverlapPair(_Model):
    """Two interventions for the same household (or member) in the same domain by different agencies whose periods
    overlap by at least ``min_days``: ``overlap_days = min(end_a, end_b, as_of) − max(start_a, start_b) + 1``."""

    domain_code: str
    intervention_a: str
    intervention_b: str
    agency_a: str
    agency_b: str
    professional_a: str
    professional_b: str
    member_id: str | None = None
    since: dt.date = Field(description="First day both run (max of the start dates).")
    until: dt.date | None = Field(None, description="Last day both run; None while both are ongoing.")
    overlap_days: int = Field(ge=0, description="Days of overlap up to the as-of date.")


class HouseholdOverlap(_Model):
    """Overlapping interventions within one household on a date."""

    household_id: str
    as_of: dt.date
    min_days: int
    pairs: list[OverlapPair]


class HouseholdPairOverlap(_Model):
    """What two households share: professionals and agencies with an active intervention in both."""

    household_a: str
    household_b: str
    as_of: dt.date
    shared_professionals: list[str]
    shared_agencies: list[str]


class ProfessionalPairOverlap(_Model):
    """Households two professionals both help on a date."""

    professional_a: str
    professional_b: str
    as_of: dt.date
    shared_households: list[str]
    count: int = Field(ge=0)


class Caseload(_Model):
    """A professional's active households on a date. ``name`` only for coordinators."""

    professional_id: str
    name: str | None = None
    role: str
    agency_id: str
    as_of: dt.date
    households: list[str]
    count: int = Field(ge=0)
    caseload_max: int
    overloaded: bool


class AgencyActivity(_Model):
    """An agency with its activity on a date, and its place in the co-involvement graph of the pairs returned
    (``None`` when it is in none of them)."""

    agency: AgencyOut
    active_households: int | None = Field(None, description="None when suppressed (fewer than 5, researchers).")
    professionals: int
    degree: float | None = Field(None, description="Degree centrality |N(v)| / (n − 1) in the pair graph.")
    betweenness: float | None = Field(None, description="Betweenness centrality (distances 1 / shared "
                                      "households, normalised) in the pair graph.")
    community: int | None = Field(None, description="Louvain community in the pair graph (0 = largest).")


class AgencyPair(_Model):
    """Two agencies active in the same households: ``jaccard = |A ∩ B| / |A ∪ B|`` over their active households."""

    agency_a: str
    agency_b: str
    shared_households: int
    jaccard: float


class AgencyOverview(_Model):
    """Agencies and their co-involvement on a date (pairs with at least ``min_shared`` shared households)."""

    as_of: dt.date
    min_shared: int
    agencies: list[AgencyActivity]
    pairs: list[AgencyPair]


class FlagCount(_Model):
    """Households with a flag, per district and month. ``households`` is None when suppressed (< 5, researchers)."""

    flag: str
    district_id: str | None = None
    month: str | None = Field(None, description="YYYY-MM")
    households: int | None = None
    suppressed: bool = False


class FlagSummary(_Model):
    """Counts of flagged households by flag (and district, month) as of a date."""

    as_of: dt.date
    group_by: list[str]
    rows: list[FlagCount]


class NetworkStatistics(_Model):
    """Network statistics over the whole municipality (or one district) on a date."""

    as_of: dt.date
    district_id: str | None = Field(None, description="The district the statistics are limited to (None: all).")
    households: int
    active_households: int
    professionals: int = Field(description="Registered professionals; for a district, those with an active "
                                           "intervention in it.")
    agencies: int = Field(description="Registered agencies; for a district, those with an active intervention in "
                                      "it.")
    active_interventions: int
    helpers_per_household: dict[str, float] = Field(description="mean, median, p90, max of distinct helpers.")
    agencies_per_household: dict[str, float] = Field(
        default_factory=dict, description="mean, median, p90, max of distinct agencies (active households).")
    share_with_regisseur: float | None = Field(
        None, description="Share of active households with an active regisseur (None without active households).")
    helpers_histogram: dict[str, int] = Field(description="Number of helpers → households (bins of 1; 8+ merged).")
    measures: dict[str, float | int | None] = Field(
        default_factory=dict, description="Further measures from the analytics (care density etc.)."
    )


class DistrictOut(_Model):
    """A district."""

    district_id: str
    name: str


class ExportFile(_Model):
    """A ready export: a zip with the data files and ``metadata.json``, written under ``<data_dir>/exports``."""

    filename: str
    media_type: str
    path: str = Field(description="Where the zip was written (server side).")
    size: int = Field(ge=0, description="Bytes.")


class IngestResult(_Model):
    """What an upload for ingest did: the validation report and whether it was loaded."""

    status: str = Field(description="loaded, rejected (errors, nothing written), dry-run or failed (the store "
                                    "refused the load; nothing written)")
    loaded: bool
    dry_run: bool
    report: dict[str, Any] = Field(description="The validation report: ok, counts and every issue (values masked).")
    rows_loaded: dict[str, int] = Field(default_factory=dict)
    quarantined: dict[str, int] = Field(default_factory=dict, description="Rejected rows per table, kept aside.")


class HealthStatus(_Model):
    """Health (process up) and readiness (store reachable)."""

    status: Literal["ok", "unavailable"]
    store: str
    detail: str | None = None
