""":class:`CareServices`: the facade the API routes and the dashboard callbacks call.

Each method checks access (:mod:`caregraph.services.access`), delegates to the module that answers
(:mod:`~caregraph.services.households`, :mod:`~caregraph.services.aggregates`, :mod:`~caregraph.services.uploads`,
:mod:`~caregraph.services.exports`) and writes the audit entry. The store and its cache are a
:class:`~caregraph.services.store_handle.StoreHandle`.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from caregraph.auth import Action, Principal
from caregraph.services import aggregates, exports, households, params, uploads
from caregraph.services.access import require, require_household
from caregraph.services.accounts import AccountServices
from caregraph.services.cache import AsOfResults, FlagCounts, SnapshotCache
from caregraph.services.errors import InvalidParameterError, NotFoundError, ServiceUnavailableError
from caregraph.services.models import (
    AgencyOverview,
    Caseload,
    DistrictOut,
    ExportFile,
    FlagSummary,
    HealthStatus,
    HouseholdDetail,
    HouseholdOverlap,
    HouseholdPairOverlap,
    HouseholdSummary,
    IngestResult,
    Network,
    NetworkStatistics,
    Page,
    ProfessionalPairOverlap,
)
from caregraph.services.params import HOUSEHOLD_SORTS, HouseholdSort, check_choice, check_page, check_range
from caregraph.services.store_handle import StoreHandle

if TYPE_CHECKING:
    from analytics.config import FlagConfig
    from foundation.settings import Settings
    from graph.store import GraphStore

__all__ = ["CareServices", "DetailSource", "DEFAULT_MAX_UPLOAD_BYTES", "DEFAULT_TREND_MONTHS"]

log = logging.getLogger(__name__)

DetailSource = Literal["snapshot", "cypher"]
DEFAULT_TREND_MONTHS = 12
"""Months of flag trend :meth:`CareServices.warm` prepares (the dashboard's overview shows 12)."""
DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024
"""Upload limit when the settings do not set ``max_upload_bytes``."""


class CareServices(AccountServices):
    """The services of caregraph, shared by the API and the dashboard.

    Parameters
    ----------
    settings
        The configuration (``data_dir`` holds the users file, the audit log, uploads and exports).
    store_factory
        Opens the store; called lazily, and again after the store became unavailable (so the services recover
        by themselves when it returns). Defaults to :func:`graph.factory.open_store` on ``settings``.
    flag_config
        Flag thresholds (defaults: :meth:`analytics.config.FlagConfig.load`).
    detail_source
        Answer household detail from the cached snapshot (``"snapshot"``, default; an in-memory index by
        household id) or with named Cypher queries per request (``"cypher"``). Env ``CAREGRAPH_DETAIL_SOURCE``.
    today
        Function giving the default as-of date (tests pin it).
    read_only
        Open the store read-only (one of several worker processes): uploads are refused, and a store that a writer
        replaced is noticed and reloaded in the background (:class:`StoreHandle`).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        store_factory: Callable[[], GraphStore] | None = None,
        flag_config: FlagConfig | None = None,
        detail_source: DetailSource | None = None,
        today: Callable[[], dt.date] = dt.date.today,
        read_only: bool = False,
    ) -> None:
        self.settings = settings
        self.read_only = read_only
        self._flag_config = flag_config
        src = detail_source or settings.detail_source
        if src not in ("snapshot", "cypher"):
            raise ValueError(f"detail_source must be 'snapshot' or 'cypher', not {src!r}")
        self.detail_source: DetailSource = src
        self.today = today
        super().__init__(settings.data_dir)
        self.handle = StoreHandle(store_factory or self._default_factory, self._config, read_only=read_only,
                                  prepare=lambda cache: self._prepare(cache.results(self._as_of(None))))
        """The store and the snapshot cache over it."""
        self.max_upload_bytes: int = settings.max_upload_bytes

    @classmethod
    def from_settings(cls, settings: Settings, *, read_only: bool = False) -> CareServices:
        """Services over the store the settings name (``read_only``: see :attr:`read_only`).

        The default as-of date is today, or ``settings.as_of`` (``CAREGRAPH_AS_OF``; useful for a synthetic
        municipality generated as of a fixed date).
        """
        fixed = settings.as_of
        if fixed is not None:
            return cls(settings, today=lambda: fixed, read_only=read_only)
        return cls(settings, read_only=read_only)

    # ------------------------------------------------------------------------------------------ store plumbing --
    def _default_factory(self) -> GraphStore:
        from graph.factory import open_store

        return open_store(self.settings, read_only=self.read_only)

    def _config(self) -> FlagConfig:
        if self._flag_config is None:
            from analytics.config import FlagConfig

            self._flag_config = FlagConfig.load()
        return self._flag_config

    @property
    def cache(self) -> SnapshotCache:
        """The snapshot and per-date analytics of the current store."""
        return self.handle.cache

    def store(self) -> GraphStore:
        """The open store (:meth:`StoreHandle.store`; 503 when it cannot be opened or does not answer)."""
        return self.handle.store()

    def run_store(self, fn: Callable[[GraphStore], Any]) -> Any:
        """Call ``fn(store)``, turning store failures into :class:`ServiceUnavailableError` (and reopening later)."""
        return self.handle.run(fn)

    @staticmethod
    def _prepare(res: AsOfResults) -> None:
        """Build what the overview and household pages need for one date besides the results themselves."""
        aggregates.statistics(res)
        households.regisseur_suggestions(res)

    def warm(self, as_of: dt.date | None = None, *, trend_months: int = DEFAULT_TREND_MONTHS) -> None:
        """Build now, not at the first request, what the overview and household pages need for ``as_of`` (default
        today): the snapshot index and the analytics, the per-household statistics, the regisseur suggestions, and
        the flag counts of the ``trend_months`` month
        ends of the trend (:meth:`flag_summary` with ``months``)."""
        t0 = time.perf_counter()
        res = self._results(as_of)
        self._prepare(res)
        log.info("warm: analytics, statistics and regisseur suggestions for %s in %.1f s", res.as_of,
                 time.perf_counter() - t0)
        aggregates.trend_counts(self.cache, res.as_of, trend_months)
        log.info("warm: trend of %d months ready after %.1f s", trend_months, time.perf_counter() - t0)

    def invalidate(self) -> None:
        """Forget the cached snapshot and analytics (call after writing to the store outside the services)."""
        self.cache.invalidate()

    def close(self) -> None:
        """Close the store."""
        self.handle.close()

    def _results(self, as_of: dt.date | None) -> AsOfResults:
        self.handle.store()  # a store that went away answers 503 even while the cache is warm
        return self.cache.results(self._as_of(as_of))

    def answers_from_memory(self, as_of: dt.date | None) -> bool:
        """True when a household read for ``as_of`` (detail, network, overlap, pair overlap) needs nothing but
        memory: the store was pinged within :data:`~caregraph.services.store_handle.PING_INTERVAL_S`, the results
        and regisseur suggestions for the date are built, and detail comes from the snapshot. The API then answers
        on its event loop instead of a worker thread (no hop; the audit entry is still fsynced before the answer
        leaves)."""
        if self.detail_source != "snapshot" or not self.handle.fresh():
            return False
        try:
            day = self._as_of(as_of)
        except InvalidParameterError:
            return False
        res = self.cache.peek(day)
        return res is not None and res.has_lazy(households.REGISSEUR_KEY)

    def _as_of(self, as_of: dt.date | None) -> dt.date:
        return params.resolve_as_of(as_of, self.today)

    # ---------------------------------------------------------------------------------------------- health --
    def health(self) -> HealthStatus:
        """The process is up (never touches the store)."""
        return HealthStatus(status="ok", store=self.settings.store)

    def ready(self) -> HealthStatus:
        """The store answers a trivial query."""
        try:
            self.store()
            self.run_store(lambda s: s.ping())
        except ServiceUnavailableError as e:
            return HealthStatus(status="unavailable", store=self.settings.store, detail=e.detail)
        return HealthStatus(status="ok", store=self.settings.store)

    # ------------------------------------------------------------------------------------------- households --
    def districts(self, principal: Principal) -> list[DistrictOut]:
        """All districts (any role that may list households or see aggregates)."""
        if not (principal.may(Action.list_households) or principal.may(Action.flag_summary)):
            require(principal, Action.list_households, self.audit, "districts")
        return self.cache.index().district_list()

    def list_households(
        self,
        principal: Principal,
        *,
        district: str | None = None,
        flag: str | None = None,
        flagged: bool | None = None,
        min_helpers: int | None = None,
        max_helpers: int | None = None,
        sort: HouseholdSort = "household_id",
        as_of: dt.date | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Page[HouseholdSummary]:
        """Households (pseudonymous summaries) matching the filters; coordinators see their scope only.

        ``helpers`` = distinct professionals with an active intervention on ``as_of`` (start ≤ as_of ≤ end, open
        end counts as active); ``flag`` keeps households with that flag raised on ``as_of``; ``flagged`` = True
        keeps households with any household flag (False: with none). ``sort`` is ``household_id`` (default) or
        ``helpers_desc`` (most helpers first, then by id).
        """
        require(principal, Action.list_households, self.audit, "list_households")
        check_page(offset, limit)
        check_range("min_helpers", min_helpers, 0, 100_000)
        check_range("max_helpers", max_helpers, 0, 100_000)
        check_choice("sort", sort, HOUSEHOLD_SORTS)
        res = self._results(as_of)
        page = households.list_households(
            res, principal, district=district, flag=flag, flagged=flagged, min_helpers=min_helpers,
            max_helpers=max_helpers, sort=sort, offset=offset, limit=limit,
        )
        self.audit.record(principal, "list_households", detail={
            "district": district, "flag": flag, "flagged": flagged, "as_of": res.as_of.isoformat(),
            "total": page.total, "offset": offset, "limit": limit,
        })
        return page

    def household(self, principal: Principal, household_id: str, *, as_of: dt.date | None = None) -> HouseholdDetail:
        """One household in full: members, professionals, agencies, interventions, regisseur, assessments and flags
        with evidence (coordinators, for households in their scope)."""
        res = self._results(as_of)
        require_household(principal, Action.household_detail, res.index, household_id, self.audit)
        if self.detail_source == "cypher":
            detail = households.detail_by_cypher(self.handle, res, household_id)
        else:
            detail = households.detail_from_snapshot(res, household_id)
        self.audit.record(principal, "household_detail", household_id=household_id,
                          detail={"as_of": res.as_of.isoformat()})
        return detail

    def household_network(
        self, principal: Principal, household_id: str, *, as_of: dt.date | None = None, include_ended: bool = False
    ) -> Network:
        """The household's network as nodes and edges (members, professionals, agencies, domains)."""
        res = self._results(as_of)
        require_household(principal, Action.household_network, res.index, household_id, self.audit)
        net = households.network(res, household_id, include_ended=include_ended)
        self.audit.record(principal, "household_network", household_id=household_id,
                          detail={"as_of": res.as_of.isoformat()})
        return net

    def household_overlap(
        self, principal: Principal, household_id: str, *, as_of: dt.date | None = None, min_days: int | None = None
    ) -> HouseholdOverlap:
        """Pairs of interventions in this household in the same domain by different agencies, overlapping by at
        least ``min_days`` (default: the flag threshold ``overlap_min_days``) up to ``as_of``."""
        check_range("min_days", min_days, 1, 36_500)
        res = self._results(as_of)
        require_household(principal, Action.household_overlap, res.index, household_id, self.audit)
        out = households.overlap(res, household_id, min_days or self._config().overlap_min_days)
        self.audit.record(principal, "household_overlap", household_id=household_id,
                          detail={"as_of": res.as_of.isoformat(), "pairs": len(out.pairs)})
        return out

    def households_overlap(
        self, principal: Principal, household_a: str, household_b: str, *, as_of: dt.date | None = None
    ) -> HouseholdPairOverlap:
        """Professionals and agencies active in both households (coordinators: both in scope)."""
        res = self._results(as_of)
        require_household(principal, Action.household_overlap, res.index, household_a, self.audit)
        require_household(principal, Action.household_overlap, res.index, household_b, self.audit)
        out = households.pair_overlap(res, household_a, household_b)
        for h in (household_a, household_b):
            self.audit.record(principal, "households_overlap", household_id=h,
                              detail={"pair": [household_a, household_b], "as_of": res.as_of.isoformat()})
        return out

    def professionals_overlap(
        self, principal: Principal, professional_a: str, professional_b: str, *, as_of: dt.date | None = None
    ) -> ProfessionalPairOverlap:
        """Households both professionals actively help (coordinators: only households in their scope are listed;
        managers get the pseudonymous ids)."""
        require(principal, Action.pair_overlap, self.audit, "professionals_overlap")
        res = self._results(as_of)
        out = households.professional_pair(res, principal, professional_a, professional_b)
        self.audit.record(principal, "professionals_overlap", detail={
            "pair": [professional_a, professional_b], "as_of": res.as_of.isoformat(), "households": out.count})
        return out

    def caseload(self, principal: Principal, professional_id: str, *, as_of: dt.date | None = None) -> Caseload:
        """A professional's active households on ``as_of`` and whether it exceeds ``caseload_max``."""
        require(principal, Action.professional_caseload, self.audit, "caseload")
        res = self._results(as_of)
        out = households.caseload(res, principal, professional_id, self._config().caseload_max)
        self.audit.record(principal, "caseload", detail={
            "professional_id": professional_id, "as_of": res.as_of.isoformat(), "households": out.count})
        return out

    # ----------------------------------------------------------------------------------------- aggregates --
    def agencies(self, principal: Principal, *, as_of: dt.date | None = None, min_shared: int = 1) -> AgencyOverview:
        """Agencies with their active households, and pairs of agencies sharing at least ``min_shared`` households
        (researchers: counts under 5 suppressed)."""
        require(principal, Action.agencies, self.audit, "agencies")
        check_range("min_shared", min_shared, 1, 1_000_000)
        res = self._results(as_of)
        return aggregates.agencies(res, principal, min_shared)

    def flag_summary(
        self,
        principal: Principal,
        *,
        as_of: dt.date | None = None,
        by_district: bool = True,
        months: int = 0,
    ) -> FlagSummary:
        """Households per flag (per district when ``by_district``) on ``as_of``; with ``months`` = n > 0, also on the
        last day of each of the n − 1 months before, one row set per month (``YYYY-MM``), oldest first, so a manager
        sees the trend. Researchers get counts under 5 suppressed.

        The month ends before ``as_of`` are counted without building their evidence, and each date's counts are kept
        until the snapshot changes (:meth:`SnapshotCache.flag_counts`); :meth:`warm` prepares the default date's.
        """
        require(principal, Action.flag_summary, self.audit, "flag_summary")
        check_range("months", months, 0, 24)
        end = self._as_of(as_of)
        self._results(end)  # the as-of date itself is counted from its full results (shared with other pages)
        batches: list[tuple[str | None, FlagCounts]] = aggregates.trend_counts(self.cache, end, months)
        return aggregates.flag_summary(batches, end, principal, by_district=by_district)

    def network_statistics(
        self, principal: Principal, *, as_of: dt.date | None = None, district: str | None = None
    ) -> NetworkStatistics:
        """Network statistics on ``as_of`` over the whole municipality, or over one ``district`` (404 when the
        district does not exist)."""
        require(principal, Action.network_statistics, self.audit, "network_statistics")
        res = self._results(as_of)
        if district is not None and district not in res.index.districts:
            raise NotFoundError(f"no district {district!r}")
        return aggregates.statistics(res, district)

    # ---------------------------------------------------------------------------------------- export & ingest --
    def export(self, principal: Principal, *, as_of: dt.date | None = None) -> ExportFile:
        """A pseudonymised research export (zip with the data files and ``metadata.json``)."""
        require(principal, Action.export, self.audit, "export")
        res = self._results(as_of)
        out = exports.research_export(self.settings, res)
        self.audit.record(principal, "export", detail={"as_of": res.as_of.isoformat(), "file": out.filename})
        return out

    def ingest_upload(
        self, principal: Principal, files: Sequence[tuple[str, bytes]], *, dry_run: bool = False
    ) -> IngestResult:
        """Validate (and unless ``dry_run``, load) uploaded files (admins); returns the validation report.

        File names are reduced to a safe base name; the total size is limited by ``max_upload_bytes`` (413).
        The snapshot cache is invalidated after a load.
        """
        require(principal, Action.ingest, self.audit, "ingest")
        if self.read_only:
            raise ServiceUnavailableError(
                "this server runs several read-only workers and takes no uploads: load with `caregraph ingest` "
                "(it may run while the server serves; the workers pick up the new data), or serve with --workers 1",
                3600)
        result = uploads.ingest_files(self.handle, self.settings, files, folder=self.uploads_dir,
                                      limit=self.max_upload_bytes, dry_run=dry_run)
        self.audit.record(principal, "ingest", detail={
            "files": [uploads.safe_name(n) for n, _ in files], "dry_run": dry_run, "loaded": result.loaded})
        if result.loaded:
            self.invalidate()
        return result

    @property
    def uploads_dir(self) -> Path:
        """Where uploads are kept (per upload a subfolder) and rejected rows quarantined."""
        return self.settings.data_dir / "uploads"
