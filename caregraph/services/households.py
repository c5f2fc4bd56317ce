"""Household-level answers: lists, detail, network, overlap, shared households and caseloads.

Pure functions over the cached :class:`~caregraph.services.cache.AsOfResults` (and, for detail from Cypher, the
store via the named queries in :mod:`graph.queries_household`). Access checks happen in the facade before these run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING, Any

from analytics.overlaps import overlap_days
from caregraph.auth import Principal, Role
from caregraph.services.access import in_scope
from caregraph.services.cache import AsOfResults
from caregraph.services.errors import NotFoundError
from caregraph.services.models import (
    AgencyOut,
    AssessmentOut,
    Caseload,
    CoordinationOut,
    FlagOut,
    HouseholdDetail,
    HouseholdOut,
    HouseholdOverlap,
    HouseholdPairOverlap,
    HouseholdSummary,
    InterventionOut,
    MemberOut,
    Network,
    NetworkEdge,
    NetworkNode,
    OverlapPair,
    Page,
    ProfessionalOut,
    ProfessionalPairOverlap,
    RegisseurOut,
)
from foundation.periods import is_active

if TYPE_CHECKING:
    from analytics.results import FlagResult
    from caregraph.services.store_handle import StoreHandle

__all__ = [
    "list_households",
    "detail_from_snapshot",
    "detail_by_cypher",
    "network",
    "overlap",
    "pair_overlap",
    "professional_pair",
    "caseload",
    "flag_out",
    "regisseur_suggestions",
    "Suggestion",
]


def flag_out(f: FlagResult) -> FlagOut:
    """The API model of an analytics flag result."""
    return FlagOut(
        flag=f.flag, subject_kind=f.subject_kind, subject_id=f.subject_id, district_id=f.district_id,
        severity=f.severity, rule_version=f.rule_version, thresholds=dict(f.thresholds), evidence=dict(f.evidence),
        explanation=f.explanation,
    )


# ---------------------------------------------------------------------------------------------------- lists --
def list_households(
    res: AsOfResults,
    principal: Principal,
    *,
    district: str | None,
    flag: str | None,
    min_helpers: int | None,
    max_helpers: int | None,
    offset: int,
    limit: int,
    flagged: bool | None = None,
    sort: str = "household_id",
) -> Page[HouseholdSummary]:
    """Filter, sort, page and summarise the households of ``res`` (coordinators: only those in scope)."""
    df = res.summary
    if district is not None:
        df = df[df["district_id"] == district]
    if flag is not None:
        df = df[df["household_id"].isin(res.flagged.get(flag, set()))]
    if flagged is not None:
        df = df[df["household_id"].isin(res.any_flagged) == flagged]
    if min_helpers is not None:
        df = df[df["helpers"] >= min_helpers]
    if max_helpers is not None:
        df = df[df["helpers"] <= max_helpers]
    if principal.role is Role.coordinator:
        ids = set(principal.households)
        if principal.professional_id is not None:
            ids |= res.index.professional_households(principal.professional_id)
        df = df[df["district_id"].isin(principal.districts) | df["household_id"].isin(ids)]
    if sort == "helpers_desc":
        df = df.sort_values(["helpers", "household_id"], ascending=[False, True], kind="stable")
    total = len(df)
    items = []
    rec: dict[Any, Any]
    for rec in df.iloc[offset:offset + limit].to_dict("records"):
        hid = str(rec["household_id"])
        items.append(HouseholdSummary(
            household_id=hid, district_id=str(rec["district_id"]), composition=str(rec["composition"]),
            opened_on=rec["opened_on"], closed_on=_date_or_none(rec["closed_on"]), helpers=int(rec["helpers"]),
            agencies=int(rec["agencies"]), active_interventions=int(rec["active_interventions"]),
            domains=list(rec["domains"]), has_regisseur=bool(rec["has_regisseur"]),
            flags=sorted({f.flag for f in res.household_flags(hid)}),
        ))
    return Page[HouseholdSummary](items=items, total=total, offset=offset, limit=limit)


def _date_or_none(v: Any) -> dt.date | None:
    if v is None or v != v:  # NaN/NaT from pandas
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return None


# --------------------------------------------------------------------------------------------------- detail --
def _regisseur(res: AsOfResults, household_id: str, coordinations: list[CoordinationOut]) -> RegisseurOut:
    active = [c for c in coordinations if c.active]
    if len(active) == 1:
        return RegisseurOut(active=active)
    sugg = regisseur_suggestions(res)
    got = sugg.get(household_id)
    if got is None:
        return RegisseurOut(active=active)
    return RegisseurOut(active=active, suggested_professional_id=got.professional_id, reasons=list(got.reasons),
                        score=got.score, reason="; ".join(got.reasons) or None)


@dataclass(frozen=True)
class Suggestion:
    """A suggested regisseur: who, the score, and the reasons (plain Dutch)."""

    professional_id: str
    score: float | None
    reasons: tuple[str, ...]


REGISSEUR_KEY = "regisseur"
"""The key of the regisseur suggestions among an :class:`AsOfResults`' lazy values."""


def regisseur_suggestions(res: AsOfResults) -> dict[str, Suggestion]:
    """The suggestions for every household of ``res`` (computed once per as-of date, see :func:`_suggest`)."""
    got: dict[str, Suggestion] = res.lazy(REGISSEUR_KEY, lambda: _suggest(res))
    return got


def _suggest(res: AsOfResults) -> dict[str, Suggestion]:
    """household → suggestion from :func:`analytics.regisseur.suggest_regisseur` (score = 0.4·domains +
    0.3·involvement + 0.3·ties, each normalised; see there), for households with none or several active regisseurs;
    an empty map when the analytics do not provide it."""
    try:
        from analytics.regisseur import suggest_regisseur  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return {}
    out: dict[str, Suggestion] = {}
    for s in suggest_regisseur(res.index.tables, res.as_of, res.config):
        out[str(s.household_id)] = Suggestion(professional_id=str(s.professional_id), score=float(s.score),
                                              reasons=tuple(str(r) for r in s.reasons))
    return out


def _build_detail(
    res: AsOfResults,
    hh: dict[str, Any],
    members: list[dict[str, Any]],
    interventions: list[dict[str, Any]],
    coordinations: list[dict[str, Any]],
    assessments: list[dict[str, Any]],
) -> HouseholdDetail:
    as_of = res.as_of
    idx = res.index
    ivs = [InterventionOut(
        intervention_id=r["intervention_id"], member_id=r.get("member_id"), professional_id=r["professional_id"],
        agency_id=r["agency_id"], domain_code=r["domain_code"], kind=r["kind"], action=r.get("action"),
        start_date=r["start_date"], end_date=r.get("end_date"), contact_count=r.get("contact_count"),
        active=is_active(r["start_date"], r.get("end_date"), as_of),
    ) for r in sorted(interventions, key=lambda r: (r["start_date"], r["intervention_id"]))]
    coords = [CoordinationOut(
        coordination_id=r["coordination_id"], professional_id=r["professional_id"], start_date=r["start_date"],
        end_date=r.get("end_date"), active=is_active(r["start_date"], r.get("end_date"), as_of),
    ) for r in sorted(coordinations, key=lambda r: (r["start_date"], r["coordination_id"]))]
    prof_ids = sorted({i.professional_id for i in ivs} | {c.professional_id for c in coords})
    profs = [p for p in (idx.professional_out(pid, names=True) for pid in prof_ids) if p is not None]
    agency_ids = sorted({i.agency_id for i in ivs} | {p.agency_id for p in profs})
    agencies: list[AgencyOut] = [a for a in (idx.agency_out(aid) for aid in agency_ids) if a is not None]
    return HouseholdDetail(
        as_of=as_of,
        household=HouseholdOut(
            household_id=hh["household_id"], district_id=hh["district_id"], composition=hh["composition"],
            postcode=hh.get("postcode"), opened_on=hh["opened_on"], closed_on=hh.get("closed_on"),
        ),
        members=[MemberOut(
            member_id=m["member_id"], role=m["role"], birth_year=m["birth_year"], name=m.get("name"),
            bsn_pseudonym=m.get("bsn_pseudonym"),
        ) for m in sorted(members, key=lambda m: m["member_id"])],
        professionals=profs,
        agencies=agencies,
        interventions=ivs,
        regisseur=_regisseur(res, hh["household_id"], coords),
        assessments=[AssessmentOut(
            assessment_id=a["assessment_id"], member_id=a.get("member_id"), domain_code=a["domain_code"],
            score=a["score"], assessed_on=a["assessed_on"],
        ) for a in sorted(assessments, key=lambda a: (a["assessed_on"], a["assessment_id"]))],
        flags=[flag_out(f) for f in res.household_flags(hh["household_id"])],
    )


def detail_from_snapshot(res: AsOfResults, household_id: str) -> HouseholdDetail:
    """Household detail from the cached snapshot index (a dict lookup and four zero-copy slices)."""
    idx = res.index
    hh = idx.household_row(household_id)
    if hh is None:
        raise NotFoundError(f"no household {household_id!r}")
    return _build_detail(res, hh, idx.rows("members", household_id), idx.rows("interventions", household_id),
                         idx.rows("coordinations", household_id), idx.rows("assessments", household_id))


def detail_by_cypher(store: StoreHandle, res: AsOfResults, household_id: str) -> HouseholdDetail:
    """Household detail with the named queries of :mod:`graph.queries_household` (five store round trips)."""
    from graph.queries_household import (
        HOUSEHOLD_ASSESSMENTS,
        HOUSEHOLD_BY_ID,
        HOUSEHOLD_COORDINATIONS,
        HOUSEHOLD_INTERVENTIONS,
        HOUSEHOLD_MEMBERS,
    )

    p = {"household_id": household_id}

    def rows(q: Any) -> list[dict[str, Any]]:
        return list(store.run(lambda s: s.run(q, p)).to_pylist())

    hh = rows(HOUSEHOLD_BY_ID)
    if not hh:
        raise NotFoundError(f"no household {household_id!r}")
    return _build_detail(res, hh[0], rows(HOUSEHOLD_MEMBERS), rows(HOUSEHOLD_INTERVENTIONS),
                         rows(HOUSEHOLD_COORDINATIONS), rows(HOUSEHOLD_ASSESSMENTS))


# -------------------------------------------------------------------------------------------------- network --
def network(res: AsOfResults, household_id: str, *, include_ended: bool) -> Network:
    """Nodes (household, members, professionals, agencies, domains) and edges (member_of, helps, works_for,
    coordinates, addresses) of one household; ended interventions only when ``include_ended``."""
    idx, as_of = res.index, res.as_of
    hh = idx.household_row(household_id)
    if hh is None:
        raise NotFoundError(f"no household {household_id!r}")
    nodes: dict[str, NetworkNode] = {}
    edges: list[NetworkEdge] = []
    hnode = f"household:{household_id}"
    nodes[hnode] = NetworkNode(id=hnode, kind="household", label=household_id)
    for m in idx.rows("members", household_id):
        mid = f"member:{m['member_id']}"
        nodes[mid] = NetworkNode(id=mid, kind="member", label=m.get("name") or f"{m['role']} ({m['birth_year']})")
        edges.append(NetworkEdge(source=mid, target=hnode, kind="member_of"))
    works: set[tuple[str, str]] = set()
    for i in idx.rows("interventions", household_id):
        active = is_active(i["start_date"], i.get("end_date"), as_of)
        if not active and not include_ended:
            continue
        if i["start_date"] > as_of:
            continue
        pid, aid, dom = i["professional_id"], i["agency_id"], i["domain_code"]
        pnode, anode, dnode = f"professional:{pid}", f"agency:{aid}", f"domain:{dom}"
        if pnode not in nodes:
            p = idx.professionals.get(pid)
            nodes[pnode] = NetworkNode(id=pnode, kind="professional",
                                       label=(p.get("name") or pid) if p else pid)
        if anode not in nodes:
            a = idx.agencies.get(aid)
            nodes[anode] = NetworkNode(id=anode, kind="agency", label=a["name"] if a else aid)
        nodes.setdefault(dnode, NetworkNode(id=dnode, kind="domain", label=dom))
        target = f"member:{i['member_id']}" if i.get("member_id") and f"member:{i['member_id']}" in nodes else hnode
        edges.append(NetworkEdge(source=pnode, target=target, kind="helps", intervention_id=i["intervention_id"],
                                 domain_code=dom, start_date=i["start_date"], end_date=i.get("end_date"),
                                 active=active))
        edges.append(NetworkEdge(source=pnode, target=dnode, kind="addresses", intervention_id=i["intervention_id"],
                                 domain_code=dom, active=active))
        if (pnode, anode) not in works:
            works.add((pnode, anode))
            edges.append(NetworkEdge(source=pnode, target=anode, kind="works_for"))
    for c in idx.rows("coordinations", household_id):
        active = is_active(c["start_date"], c.get("end_date"), as_of)
        if not active and not include_ended:
            continue
        pnode = f"professional:{c['professional_id']}"
        if pnode not in nodes:
            p = idx.professionals.get(c["professional_id"])
            nodes[pnode] = NetworkNode(id=pnode, kind="professional",
                                       label=(p.get("name") or c["professional_id"]) if p else c["professional_id"])
        edges.append(NetworkEdge(source=pnode, target=hnode, kind="coordinates", start_date=c["start_date"],
                                 end_date=c.get("end_date"), active=active))
    return Network(household_id=household_id, as_of=as_of, nodes=list(nodes.values()), edges=edges)


# -------------------------------------------------------------------------------------------------- overlap --
def overlap(res: AsOfResults, household_id: str, min_days: int) -> HouseholdOverlap:
    """Pairs of interventions of one household in the same domain, by different agencies, for the same member (or
    the household as a whole), overlapping at least ``min_days`` days up to ``as_of``:

    ``overlap_days = min(end_a, end_b, as_of) − max(start_a, start_b) + 1`` (an open end counts as ``as_of``), the
    one definition of :func:`analytics.overlaps.overlap_days` that the flag uses too. ``until`` is the first planned
    end of the two (None when both are open). Source: ``docs/domain.md#overlapping-interventions``.
    """
    idx, as_of = res.index, res.as_of
    if not idx.has_household(household_id):
        raise NotFoundError(f"no household {household_id!r}")
    ivs = [i for i in idx.rows("interventions", household_id) if i["start_date"] <= as_of]
    pairs: list[OverlapPair] = []
    for a, b in combinations(sorted(ivs, key=lambda r: r["intervention_id"]), 2):
        if a["domain_code"] != b["domain_code"] or a["agency_id"] == b["agency_id"]:
            continue
        ma, mb = a.get("member_id"), b.get("member_id")
        if ma and mb and ma != mb:
            continue
        since = max(a["start_date"], b["start_date"])
        ends = [e for e in (a.get("end_date"), b.get("end_date")) if e is not None]
        until = min(ends) if ends else None
        days = overlap_days(a["start_date"], a.get("end_date"), b["start_date"], b.get("end_date"), as_of)
        if days < min_days:
            continue
        pairs.append(OverlapPair(
            domain_code=a["domain_code"], intervention_a=a["intervention_id"], intervention_b=b["intervention_id"],
            agency_a=a["agency_id"], agency_b=b["agency_id"], professional_a=a["professional_id"],
            professional_b=b["professional_id"], member_id=ma or mb, since=since, until=until, overlap_days=days,
        ))
    return HouseholdOverlap(household_id=household_id, as_of=as_of, min_days=min_days, pairs=pairs)


def _active_sets(res: AsOfResults, household_id: str) -> tuple[set[str], set[str]]:
    profs: set[str] = set()
    agencies: set[str] = set()
    for i in res.index.rows("interventions", household_id):
        if is_active(i["start_date"], i.get("end_date"), res.as_of):
            profs.add(i["professional_id"])
            agencies.add(i["agency_id"])
    return profs, agencies


def pair_overlap(res: AsOfResults, household_a: str, household_b: str) -> HouseholdPairOverlap:
    """Professionals and agencies active in both households on ``as_of``."""
    pa_, aa = _active_sets(res, household_a)
    pb, ab = _active_sets(res, household_b)
    return HouseholdPairOverlap(household_a=household_a, household_b=household_b, as_of=res.as_of,
                                shared_professionals=sorted(pa_ & pb), shared_agencies=sorted(aa & ab))


def _active_households(res: AsOfResults, professional_id: str) -> set[str]:
    return {i["household_id"] for i in res.index.professional_interventions(professional_id)
            if is_active(i["start_date"], i.get("end_date"), res.as_of)}


def professional_pair(
    res: AsOfResults, principal: Principal, professional_a: str, professional_b: str
) -> ProfessionalPairOverlap:
    """Households both professionals actively help. ``count`` is the full number; coordinators get only the ids
    of households in their scope listed."""
    for pid in (professional_a, professional_b):
        if pid not in res.index.professionals:
            raise NotFoundError(f"no professional {pid!r}")
    shared = _active_households(res, professional_a) & _active_households(res, professional_b)
    listed = sorted(shared)
    if principal.role is Role.coordinator:
        listed = [h for h in listed if in_scope(principal, res.index, h)]
    return ProfessionalPairOverlap(professional_a=professional_a, professional_b=professional_b, as_of=res.as_of,
                                   shared_households=listed, count=len(shared))


def caseload(res: AsOfResults, principal: Principal, professional_id: str, caseload_max: int) -> Caseload:
    """A professional's active households on ``as_of``; overloaded when ``count > caseload_max``. Coordinators get
    only the ids of households in their scope listed (``count`` is the full number), and the name only when at least
    one is listed: names only in scope."""
    p: ProfessionalOut | None = res.index.professional_out(professional_id, names=principal.sees_names)
    if p is None:
        raise NotFoundError(f"no professional {professional_id!r}")
    hh = _active_households(res, professional_id)
    listed = sorted(hh)
    if principal.role is Role.coordinator:
        listed = [h for h in listed if in_scope(principal, res.index, h)]
    return Caseload(professional_id=professional_id, name=p.name if listed else None, role=p.role,
                    agency_id=p.agency_id, as_of=res.as_of, households=listed, count=len(hh), caseload_max=caseload_max,
                    overloaded=len(hh) > caseload_max)
