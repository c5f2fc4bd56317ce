"""The ingest pipeline: files → string tables + issues → validated, typed tables → pseudonymised → the store.

Names other modules use::

    read_inputs(paths, *, settings) -> IngestBatch          # files → string tables + read-time issues
    check(batch, *, known=None) -> ValidationResult         # the full outcome (report + typed tables)
    validate(batch, *, known=None) -> ValidationReport      # every problem, never a traceback
    valid_tables(result) -> CareTables                      # the valid rows, typed (members still with clear BSN)
    prepare(tables, *, key) -> CareTables                   # pseudonymise BSNs (+ add the built-in domains)
    ingest(paths, *, store, settings, quarantine=None, dry_run=False, progress=None) -> IngestResult

All-or-nothing by default: one error anywhere and nothing is written. With ``quarantine`` the valid rows are loaded
and every invalid row (and every row that depends on one) is written to the quarantine folder with its reasons. The
store's ``load`` is one transaction, so a crash leaves the store as it was or fully updated.

Deleted allocations (301 with RedenWijziging 13 and Einddatum == Ingangsdatum, :mod:`ingest.allocations`) that an
earlier ingest stored are removed in that same transaction: their intervention ids
(:func:`ingest.message_tables.intervention_id_for`) go to ``store.load(delete={"interventions": ids})``. The
winning version of every allocation in the batch (deletions included, as tombstones) is written to the store's
``allocations`` ledger in that same load, and the next ingest of messages reads it back
(:func:`stored_allocation_versions`): a version older than the one the store holds is ignored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc

from foundation.privacy import pseudonymise_column
from foundation.settings import Settings
from graph.domains import DOMAINS
from graph.schema import TABLE_ORDER, table_arrow_schema, table_spec
from graph.store import GraphStore, LoadReport, ProgressFn, StoreError
from graph.tables import CareTables
from ingest.allocations import StoredVersion, resolve_allocations
from ingest.category_map import CategoryMap
from ingest.households import ClientFact, facts_from_ledger
from ingest.input_files import expand_paths, select_inputs
from ingest.mapping import SourceMapping
from ingest.message_tables import MESSAGE_SOURCES, StoredMessages, build_message_tables, intervention_id_for
from ingest.messages import Allocation, ParsedMessages, parse_message_file
from ingest.quarantine import write_quarantine
from ingest.report import Issue, ValidationReport
from ingest.tabular import TABULAR_SUFFIXES, RawPart, read_tabular
from ingest.validation import KnownKeys, ValidationResult, validate_parts

__all__ = [
    "IngestBatch",
    "IngestResult",
    "expand_paths",
    "read_inputs",
    "check",
    "validate",
    "valid_tables",
    "prepare",
    "known_keys",
    "ingest",
    "domains_entity_table",
    "stored_allocation_versions",
    "stored_messages",
    "ledger_table",
]


@dataclass
class IngestBatch:
    """What the input files hold: per entity table the parts read, plus the issues met while reading."""

    parts: dict[str, list[RawPart]] = field(default_factory=dict)
    report: ValidationReport = field(default_factory=ValidationReport)
    deleted_allocations: list[tuple[str, str, str]] = field(default_factory=list)
    deleted_interventions: list[str] = field(default_factory=list)
    """Intervention ids of deleted allocations that are in the store (``known_interventions``): to remove."""
    ledger: pa.Table | None = None
    """Rows for the store's ``allocations`` ledger: the winning version of each allocation in the messages."""
    derived: dict[str, pa.Table] = field(default_factory=dict)
    """Stored rows the messages change (typed, pseudonymised; :attr:`ingest.message_tables.MessageTables.derived`):
    loaded with the validated rows."""

    def add_part(self, part: RawPart) -> None:
        self.parts.setdefault(part.table, []).append(part)


@dataclass
class IngestResult:
    """The outcome of :func:`ingest`.

    ``status``: ``loaded`` (written, possibly with quarantined rows), ``rejected`` (errors, nothing written),
    ``dry-run`` (validated only), ``failed`` (the store refused the load; nothing written).
    """

    status: Literal["loaded", "rejected", "dry-run", "failed"]
    report: ValidationReport
    load: LoadReport | None = None
    quarantined: dict[str, int] = field(default_factory=dict)
    rows_loaded: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    """Rows removed from the store per table (deleted allocations); for a dry run, the rows that would be."""

    @property
    def ok(self) -> bool:
        """True when the input was accepted (loaded or validated), possibly with quarantined rows."""
        return self.status in ("loaded", "dry-run")


def read_inputs(paths: Sequence[Path], *, settings: Settings, mapping: CategoryMap | None = None,
                known_interventions: frozenset[str] = frozenset(), progress: ProgressFn | None = None,
                dry_run: bool = False, stored_versions: dict[str, StoredVersion] | None = None,
                stored: StoredMessages | None = None,
                source_mapping: SourceMapping | None = None) -> IngestBatch:
    """Read every file (CSV/TXT/TSV, XLSX, Parquet, iJw/iWmo XML). Never raises on bad input.

    Which files of a folder are read (one format per table, files that hold no entity table skipped with a note):
    :func:`ingest.input_files.select_inputs`.

    ``known_interventions``: intervention ids in the store; a deleted allocation among them is listed in
    ``IngestBatch.deleted_interventions`` (to remove) and reported as removed (``dry_run``: as to be removed).
    ``stored_versions``: the store's allocation ledger (:func:`stored_allocation_versions`); ``stored``: what the
    store holds that households are derived from (:func:`stored_messages`).
    ``source_mapping``: read the tabular files it names through it (:mod:`ingest.mapping`); other files as templates.

    Raises
    ------
    foundation.settings.MissingSecretError
        When messages are among the inputs and no pseudonym key is configured (ids of members and households are
        derived from keyed pseudonyms).
    """
    batch = IngestBatch()
    files, skipped = select_inputs(paths)
    batch.report.extend(skipped)
    messages = ParsedMessages()
    for i, f in enumerate(files):
        batch.report.files.append(str(f))
        if not f.exists():
            batch.report.add(Issue.make(str(f), "no such file or folder", rule="file"))
            continue
        try:
            if f.suffix.lower() == ".xml":
                parse_message_file(f, messages)
            elif f.suffix.lower() in TABULAR_SUFFIXES:
                plan = source_mapping.plan_for(f, batch.report.issues) if source_mapping is not None else None
                for part in read_tabular(f, batch.report.issues, plan):
                    batch.add_part(plan.apply(part) if plan is not None else part)
            else:
                batch.report.add(Issue.make(str(f), "unknown file type: expected .csv, .xlsx, .parquet or .xml",
                                            rule="file"))
        except Exception as e:  # safety net: a reader bug must still give a report, never a traceback
            batch.report.add(Issue.make(str(f), f"internal error while reading: {type(e).__name__}: {e}",
                                        rule="internal"))
        if progress:
            progress("read", i + 1, len(files))
    if source_mapping is not None:
        batch.report.extend(source_mapping.unused())
    batch.report.extend(messages.issues)
    if messages.allocations or messages.deliveries:
        key = settings.pseudonym_secret()
        res = resolve_allocations(messages.allocations, messages.deliveries,
                                  known_interventions=known_interventions, stored=stored_versions)
        resolved, deleted = res.standing, res.deleted
        batch.report.extend(res.issues)
        batch.deleted_allocations = deleted
        for d in deleted:
            iid = intervention_id_for(*d)
            if iid in known_interventions:
                batch.deleted_interventions.append(iid)
                reason = ("allocation deleted: would be removed from the store (dry run)" if dry_run
                          else "allocation deleted: removed from the store")
            else:
                reason = "allocation deleted (RedenWijziging 13): not loaded; it is not in the store"
            batch.report.add(Issue.make("(messages)", reason, severity="warning", field="ToewijzingNummer",
                                        value="-".join(d), table="interventions", rule="deleted"))
        mt = build_message_tables(resolved, key=key, mapping=mapping or CategoryMap.load(), stored=stored,
                                  deleted=deleted)
        batch.report.extend(mt.issues)
        batch.ledger = ledger_table(res.ledger, mt.facts)
        batch.derived = mt.derived
        for parts in mt.parts.values():
            for part in parts:
                if part.num_rows:
                    batch.add_part(part)
    return batch


def ledger_table(versions: Sequence[Allocation], facts: dict[str, ClientFact] | None = None) -> pa.Table:
    """The ``allocations`` ledger rows (typed, as the store takes them) for these winning versions, with the client
    fact of each standing one (``facts``: allocation id → fact; a deletion keeps none)."""
    spec = table_spec("allocations")
    fs = [(facts or {}).get(intervention_id_for(*a.key)) for a in versions]
    return pa.table({
        "allocation_id": [intervention_id_for(*a.key) for a in versions],
        "allocated_on": pa.array([a.allocated_on for a in versions], pa.date32()),
        "allocated_at": [a.allocated_at.strftime("%H:%M:%S") for a in versions],
        "message_date": pa.array([a.message_date for a in versions], pa.date32()),
        "message_id": [a.message_id for a in versions],
        "deleted": pa.array([a.deleted for a in versions], pa.bool_()),
        "agb": [a.agb for a in versions],
        "category": [a.category for a in versions],
        "member_id": [f.member_id if f else None for f in fs],
        "birth_date": pa.array([f.birth_date if f else None for f in fs], pa.date32()),
        "name": [f.name if f else None for f in fs],
        "address_id": [f.address_id if f else None for f in fs],
        "postcode": [f.postcode if f else None for f in fs],
        "name_key": [f.name_key if f else None for f in fs],
        "relation_keys": [" ".join(f.relation_keys) or None if f else None for f in fs],
        "file": [f.file if f else None for f in fs],
    }, schema=table_arrow_schema(spec))


def stored_allocation_versions(store: GraphStore) -> dict[str, StoredVersion]:
    """The store's ``allocations`` ledger: allocation id → the version it holds (or its deletion)."""
    t = store.read_table("allocations").to_pydict()
    return {
        i: StoredVersion(on, dt.time.fromisoformat(at), md, mid, bool(d))
        for i, on, at, md, mid, d in zip(t["allocation_id"], t["allocated_on"], t["allocated_at"], t["message_date"],
                                         t["message_id"], t["deleted"], strict=True)
    }


def stored_messages(store: GraphStore) -> StoredMessages:
    """What the store holds that message ingest derives households from: the client facts of the ledger for
    allocations whose intervention is stored, those interventions, and the members."""
    ivs = store.read_table("interventions")
    ivs = ivs.filter(pc.is_in(ivs.column("source"), value_set=pa.array(MESSAGE_SOURCES, pa.string())))
    ledger = store.read_table("allocations")
    facts = facts_from_ledger(ledger, ivs.column("intervention_id").to_pylist())
    products = {i: (agb, i.split("-", 1)[0], cat) for i, agb, cat in zip(
        ledger.column("allocation_id").to_pylist(), ledger.column("agb").to_pylist(),
        ledger.column("category").to_pylist(), strict=True) if i in facts and agb is not None}
    return StoredMessages(facts, ivs, store.read_table("members"), products)


def check(batch: IngestBatch, *, known: KnownKeys | None = None) -> ValidationResult:
    """Validate the batch: every rule of :mod:`ingest.validation` over every table."""
    return validate_parts(batch.parts, batch.report, known=known)


def validate(batch: IngestBatch, *, known: KnownKeys | None = None) -> ValidationReport:
    """Validate the batch and return the report (read-time and validation issues together)."""
    return check(batch, known=known).report


def valid_tables(result: ValidationResult) -> CareTables:
    """The valid rows of every table, typed (``members.bsn`` still in clear: :func:`prepare` next)."""
    return CareTables({name: tr.valid for name, tr in result.tables.items()})


def domains_entity_table() -> pa.Table:
    """The built-in life domains (:data:`graph.domains.DOMAINS`) as a ``domains`` entity table."""
    return pa.table({
        "domain_code": [d.code for d in DOMAINS], "name_nl": [d.name_nl for d in DOMAINS],
        "name_en": [d.name_en for d in DOMAINS], "zrm": [d.zrm for d in DOMAINS],
    })


def prepare(tables: CareTables, *, key: bytes) -> CareTables:
    """Make validated tables ready for ``store.load``: BSNs → keyed pseudonyms (``bsn_pseudonym``), and the built-in
    domains added when the input has no domains table (so domain references always resolve)."""
    out = dict(tables.tables)
    if "members" in out and "bsn" in out["members"].column_names:
        m = out["members"]
        idx = m.column_names.index("bsn")
        out["members"] = m.set_column(idx, pa.field("bsn_pseudonym", pa.string()),
                                      pseudonymise_column(m.column("bsn"), key))
    if "domains" not in out:
        out["domains"] = domains_entity_table()
    return CareTables(out)


def with_derived(tables: CareTables, derived: dict[str, pa.Table]) -> CareTables:
    """``tables`` plus the derived stored rows (:attr:`IngestBatch.derived`), whose keys the batch rows never hold."""
    out = dict(tables.tables)
    for name, rows in derived.items():
        if rows.num_rows:
            out[name] = pa.concat_tables([out[name], rows.cast(out[name].schema)]) if name in out else rows
    return CareTables(out)


def known_keys(store: GraphStore, names: Sequence[str] = ("districts", "agencies", "professionals", "households",
                                                          "members", "domains")) -> dict[str, pa.Array]:
    """Keys already in the store for the tables others refer to."""
    out: dict[str, pa.Array] = {}
    for name in names:
        t = store.read_table(name)
        col = t.column(table_spec(name).key)
        out[name] = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    return out


def ingest(paths: Sequence[Path], *, store: GraphStore | None, settings: Settings, quarantine: Path | None = None,
           dry_run: bool = False, progress: ProgressFn | None = None, mapping: CategoryMap | None = None,
           mask_quarantine: bool = False, source_mapping: SourceMapping | None = None) -> IngestResult:
    """Read, validate, pseudonymise and load ``paths`` into ``store`` in one all-or-nothing transaction.

    ``mask_quarantine``: write the quarantine with BSNs masked and formulas neutralised (the server does, for API
    uploads); the CLI keeps rejected rows as read. ``source_mapping``: how to read other systems' exports
    (:mod:`ingest.mapping`; load it with :meth:`~ingest.mapping.SourceMapping.load`, which checks it first).

    Raises
    ------
    foundation.settings.MissingSecretError
        Outside demo mode without a pseudonym key (checked before anything is read).
    """
    key = settings.pseudonym_secret()
    known = known_keys(store) if store is not None else {}
    stored_allocations: frozenset[str] = frozenset()
    stored_versions: dict[str, StoredVersion] = {}
    stored: StoredMessages | None = None
    if store is not None and any(p.suffix.lower() == ".xml" for p in expand_paths(paths)):
        ids = store.read_table("interventions").column("intervention_id").to_pylist()
        stored_allocations = frozenset(i for i in ids if i is not None)
        stored_versions = stored_allocation_versions(store)
        stored = stored_messages(store)
    batch = read_inputs(paths, settings=settings, mapping=mapping, known_interventions=stored_allocations,
                        progress=progress, dry_run=dry_run or store is None, stored_versions=stored_versions,
                        stored=stored, source_mapping=source_mapping)
    result = check(batch, known=known)
    report = result.report
    quarantined: dict[str, int] = {}
    if not report.ok and quarantine is None:
        return IngestResult("rejected", report)
    if quarantine is not None and not dry_run:
        quarantined = write_quarantine(quarantine, result.tables, report, mask=mask_quarantine)
    tables = valid_tables(result)
    if batch.ledger is not None and batch.ledger.num_rows:
        tables = tables.with_table("allocations", batch.ledger)
    rows = {n: tables[n].num_rows for n in TABLE_ORDER if n in tables}
    to_delete = sorted(set(batch.deleted_interventions))
    if dry_run or store is None:
        would = {"interventions": len(to_delete)} if to_delete else {}
        return IngestResult("dry-run", report, quarantined=quarantined, rows_loaded=rows, deleted=would)
    prepared = with_derived(prepare(tables, key=key), batch.derived)
    try:
        load = store.load(prepared, progress=progress,
                          delete={"interventions": to_delete} if to_delete else None)
    except StoreError as e:
        report.add(Issue.make("(store)", f"the store refused the load, nothing was written: {e}", rule="store"))
        return IngestResult("failed", report, quarantined=quarantined)
    return IngestResult("loaded", report, load=load, quarantined=quarantined, rows_loaded=rows,
                        deleted={k: v for k, v in load.deleted.items() if v})


