"""Pseudonymised research exports: node/edge tables, GraphML/GEXF, flags and statistics, with a metadata file.

Privacy rules (``docs/domain.md#privacy``):

* every id of a household, member, professional, agency, intervention, coordination and assessment is replaced by a
  stable keyed pseudonym ``<kind>_`` + HMAC-SHA256(key, ``kind:id``)[:16] (same id and key → same pseudonym in
  every export; nobody without the key can link it back);
* no names, no BSNs and no pseudonyms of BSNs; members carry their birth year only; postcodes their 4 digits only;
  case open/close dates are given as year-month;
* small counts are suppressed: projection edges with fewer than ``k`` shared households are left out (the effective
  projection threshold is ``max(min_shared, k)``), and district counts below ``k`` (and means over fewer than ``k``
  households) are blanked;
* CSV and Excel text cells that start with a formula character (``=``, ``+``, ``-``, ``@``, tab, CR, LF, NUL:
  :mod:`foundation.cells`) get a leading ``'`` so that no spreadsheet runs them as a formula (Excel cells are then
  written as text).

Completeness and reproducibility:

* the export is all-or-nothing at the folder level: every file is written into a hidden temporary sibling folder
  (``.<name>.<random>.partial``) that is renamed to ``out`` only when all files, ``metadata.json`` last, are
  written and synced; on any error (a full disk, say) the temporary folder is removed and ``out`` is left as it was;
* two exports of the same tables with the same as-of date, key and parameters are identical byte for byte:
  every table is sorted, floating-point sums are computed in a fixed order, sampling and Louvain are seeded (and
  run on integer node labels, so set order and ``PYTHONHASHSEED`` play no part), GEXF and Excel carry the as-of
  date instead of the time of writing, and ``metadata.json`` holds no wall-clock time (it lists every file's
  SHA-256 instead).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import networkx as nx
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from analytics.centrality import centralities, graph_from_edges
from analytics.communities import louvain_communities
from analytics.config import FlagConfig
from analytics.engine import Engine
from analytics.flags import evaluate_flags_table
from analytics.household_stats import household_statistics
from analytics.projection import Side, projection_sql
from analytics.summaries import summarise_by_district
from analytics.xlsx import write_xlsx
from foundation.cells import neutralise_table
from foundation.privacy import keyed_pseudonym
from graph.durable import fsync_path
from graph.tables import CareTables

__all__ = ["ExportManifest", "export_research", "pseudonym", "Pseudonymiser",
           "EXPORT_FORMATS", "XLSX_SHEETS"]

EXPORT_FORMATS: tuple[str, ...] = ("csv", "parquet", "graphml", "gexf", "json", "xlsx")
"""Every export format; ``xlsx`` is one workbook (``statistics.xlsx``) of the statistics tables."""

XLSX_SHEETS: tuple[str, ...] = ("household_statistics", "district_summary", "nodes_professionals",
                                "nodes_agencies", "flags")
"""The sheets of ``statistics.xlsx`` (flags without their evidence and thresholds: those are in flags.json)."""

_EVIDENCE_KINDS: dict[str, str] = {
    "household_id": "household", "household_ids": "household",
    "member_id": "member",
    "professional_id": "professional", "professional_ids": "professional",
    "agency_id": "agency", "agency_ids": "agency", "enforcement_agency_id": "agency", "support_agency_id": "agency",
    "intervention_id": "intervention", "intervention_ids": "intervention", "enforcement_id": "intervention",
    "support_id": "intervention",
    "coordination_id": "coordination",
    "assessment_id": "assessment",
}
_PREFIX = {"household": "hh", "member": "mem", "professional": "pro", "agency": "ag", "intervention": "iv",
           "coordination": "co", "assessment": "as"}


def pseudonym(kind: str, value: str, key: bytes) -> str:
    """The stable keyed pseudonym of an id.

    >>> pseudonym("household", "H1", b"k" * 16) == pseudonym("household", "H1", b"k" * 16)
    True
    >>> pseudonym("household", "H1", b"k" * 16)[:3], len(pseudonym("household", "H1", b"k" * 16))
    ('hh_', 19)
    """
    return keyed_pseudonym(key, value, prefix=f"{_PREFIX[kind]}_", digits=16, context=f"{kind}:")


@dataclass
class Pseudonymiser:
    """Pseudonymises id columns and flag evidence with one key (caching each distinct id)."""

    key: bytes
    _cache: dict[tuple[str, str], str] = field(default_factory=dict)

    def one(self, kind: str, value: str | None) -> str | None:
        if value is None:
            return None
        k = (kind, value)
        p = self._cache.get(k)
        if p is None:
            p = self._cache[k] = pseudonym(kind, value, self.key)
        return p

    def column(self, kind: str, col: pa.ChunkedArray | pa.Array) -> pa.Array:
        """A string column with every value pseudonymised (nulls stay null), mapped via its distinct values."""
        col = col.cast(pa.string())
        uniq = pc.unique(col).drop_null()
        mapped = pa.array([self.one(kind, v) for v in uniq.to_pylist()], pa.string())
        idx = pc.index_in(col, value_set=uniq)
        return pc.take(mapped, idx)

    def evidence(self, value: Any, key: str | None = None) -> Any:
        """Evidence with every id (recognised by its key name) pseudonymised, recursively."""
        if isinstance(value, Mapping):
            return {k: self.evidence(v, k) for k, v in value.items()}
        kind = _EVIDENCE_KINDS.get(key or "")
        if isinstance(value, list):
            if kind:
                return [self.one(kind, str(v)) if v is not None else None for v in value]
            return [self.evidence(v) for v in value]
        if kind and value is not None:
            return self.one(kind, str(value))
        return value


@dataclass(frozen=True)
class ExportManifest:
    """What an export wrote: the folder, each file with its row count, and the metadata."""

    out: Path
    files: dict[str, int]
    metadata: dict[str, Any]


def _work_folder(out: Path) -> Path:
    """A new hidden temporary folder beside ``out`` (same file system, so the final rename is atomic).

    Refuses an ``out`` that holds files but no ``metadata.json``: an earlier export may be replaced, anything
    else is not ours to overwrite.
    """
    if out.exists():
        if not out.is_dir():
            raise NotADirectoryError(f"{out} exists and is not a folder")
        if any(out.iterdir()) and not (out / "metadata.json").exists():
            raise FileExistsError(f"{out} is not empty and holds no earlier export; choose a new or empty folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))


def _publish(work: Path, out: Path) -> None:
    """Sync every file of ``work`` and rename it to ``out`` (an earlier export in ``out`` is swapped out)."""
    for f in work.iterdir():
        fsync_path(f)
    fsync_path(work)
    old: Path | None = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
        os.replace(out, old / "export")
    os.replace(work, out)
    fsync_path(out.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _suppress_small(table: pa.Table, count_cols: Collection[str], k: int) -> pa.Table:
    for name in count_cols:
        col = table.column(name)
        small = pc.and_(pc.greater(col, 0), pc.less(col, k))
        table = table.set_column(table.schema.get_field_index(name), name,
                                 pc.if_else(small, pa.scalar(None, col.type), col))
    return table


def export_research(
    tables: CareTables,
    as_of: date,
    out: Path,
    *,
    k: int = 5,
    min_shared: int = 2,
    formats: Collection[str] = EXPORT_FORMATS,
    key: bytes,
    config: FlagConfig | None = None,
    seed: int = 0,
    betweenness_k: int | None = 200,
) -> ExportManifest:
    """Write a pseudonymised research export of the network as of ``as_of`` into ``out``.

    Parameters
    ----------
    tables, as_of
        The care tables and the date the network, flags and statistics are taken on.
    out
        Output folder (created).
    k
        Small-count threshold: counts below k are suppressed (default 5, as in public statistics).
    min_shared
        Projection threshold: least shared households for a projection edge (reported in the metadata).
    formats
        Any of ``csv, parquet, graphml, gexf, json``.
    config
        Flag thresholds (defaults when None); written to the metadata.
    key
        Pseudonym key (the caller passes the deployment key; the analytics read no settings).
    seed, betweenness_k
        Louvain seed and the betweenness sample size (None: exact).
    """
    fmts = set(formats)
    unknown = fmts - set(EXPORT_FORMATS)
    if unknown:
        raise ValueError(f"unknown export format(s) {sorted(unknown)}; choose from {', '.join(EXPORT_FORMATS)}")
    if k < 1 or min_shared < 1:
        raise ValueError("k and min_shared must be at least 1")
    config = config or FlagConfig()
    ps = Pseudonymiser(key)
    threshold = max(min_shared, k)

    with Engine(tables, as_of) as e:
        flags = evaluate_flags_table(tables, as_of, config, engine=e)
        stats = household_statistics(tables, as_of, config, engine=e)
        sides: tuple[Side, Side] = ("professional", "agency")
        proj: dict[str, pa.Table] = {
            side: e.query(projection_sql(e, side, threshold) + " ORDER BY source, target") for side in sides}
        all_pairs: dict[str, Any] = {
            side: e.query(f"SELECT count(*) AS n FROM ({projection_sql(e, side, 1)})").column("n")[0].as_py()
            for side in sides}
        prof_nodes = e.query("""
            SELECT p.professional_id AS id, p.agency_id, p.role, a.sector,
                   coalesce(d.households, 0) AS households
            FROM t_professionals p LEFT JOIN t_agencies a USING (agency_id)
            LEFT JOIN (SELECT professional_id, count(DISTINCT household_id) AS households FROM active_iv
                       GROUP BY ALL) d USING (professional_id) ORDER BY id""")
        agency_nodes = e.query("""
            SELECT a.agency_id AS id, a.sector, coalesce(d.households, 0) AS households
            FROM t_agencies a LEFT JOIN (SELECT agency_id, count(DISTINCT household_id) AS households
                                         FROM active_iv GROUP BY ALL) d USING (agency_id) ORDER BY id""")

    # --- nodes ---------------------------------------------------------------------------------------------------
    h = tables["households"]
    households = pa.table({
        "id": ps.column("household", h.column("household_id")),
        "district_id": h.column("district_id"),
        "composition": h.column("composition"),
        "postcode4": pc.utf8_slice_codeunits(h.column("postcode"), 0, 4),
        "opened_month": pc.strftime(h.column("opened_on"), format="%Y-%m"),
        "closed_month": pc.strftime(h.column("closed_on"), format="%Y-%m"),
    })
    m = tables["members"]
    members = pa.table({
        "id": ps.column("member", m.column("member_id")),
        "household_id": ps.column("household", m.column("household_id")),
        "birth_year": m.column("birth_year"),
        "role": m.column("role"),
    })
    cent = {side: centralities(proj[side], betweenness_k=betweenness_k, seed=seed) for side in proj}
    comm = {side: louvain_communities(proj[side], weight="shared", seed=seed) for side in proj}

    def node_measures(nodes: pa.Table, side: str) -> dict[str, list[Any]]:
        c = {r["id"]: r for r in cent[side].to_pylist()}
        cm = {r["id"]: r["community"] for r in comm[side].to_pylist()}
        ids = nodes.column("id").to_pylist()
        return {
            "degree": [c[i]["degree"] if i in c else 0.0 for i in ids],
            "betweenness": [c[i]["betweenness"] if i in c else 0.0 for i in ids],
            "community": [cm.get(i, -1) for i in ids],
        }

    pm = node_measures(prof_nodes, "professional")
    professionals = pa.table({
        "id": ps.column("professional", prof_nodes.column("id")),
        "agency_id": ps.column("agency", prof_nodes.column("agency_id")),
        "role": prof_nodes.column("role"),
        "sector": prof_nodes.column("sector"),
        "households": prof_nodes.column("households"),
        "degree": pa.array(pm["degree"], pa.float64()),
        "betweenness": pa.array(pm["betweenness"], pa.float64()),
        "community": pa.array(pm["community"], pa.int64()),
    })
    am = node_measures(agency_nodes, "agency")
    agencies = pa.table({
        "id": ps.column("agency", agency_nodes.column("id")),
        "sector": agency_nodes.column("sector"),
        "households": agency_nodes.column("households"),
        "degree": pa.array(am["degree"], pa.float64()),
        "betweenness": pa.array(am["betweenness"], pa.float64()),
        "community": pa.array(am["community"], pa.int64()),
    })
    domains = tables["domains"].select(["domain_code", "name_nl", "name_en", "zrm"])

    # --- edges ---------------------------------------------------------------------------------------------------
    iv = tables["interventions"]
    interventions = pa.table({
        "id": ps.column("intervention", iv.column("intervention_id")),
        "household_id": ps.column("household", iv.column("household_id")),
        "member_id": ps.column("member", iv.column("member_id")),
        "professional_id": ps.column("professional", iv.column("professional_id")),
        "agency_id": ps.column("agency", iv.column("agency_id")),
        "domain_code": iv.column("domain_code"),
        "kind": iv.column("kind"),
        "action": iv.column("action"),
        "start_date": iv.column("start_date"),
        "end_date": iv.column("end_date"),
        "contact_count": iv.column("contact_count"),
    })
    co = tables["coordinations"]
    coordinations = pa.table({
        "id": ps.column("coordination", co.column("coordination_id")),
        "household_id": ps.column("household", co.column("household_id")),
        "professional_id": ps.column("professional", co.column("professional_id")),
        "start_date": co.column("start_date"),
        "end_date": co.column("end_date"),
    })
    a = tables["assessments"]
    assessments = pa.table({
        "id": ps.column("assessment", a.column("assessment_id")),
        "household_id": ps.column("household", a.column("household_id")),
        "member_id": ps.column("member", a.column("member_id")),
        "domain_code": a.column("domain_code"),
        "score": a.column("score"),
        "assessed_on": a.column("assessed_on"),
    })
    proj_out = {}
    for side, kind in (("professional", "professional"), ("agency", "agency")):
        t = proj[side]
        proj_out[side] = pa.table({
            "source": ps.column(kind, t.column("source")),
            "target": ps.column(kind, t.column("target")),
            "shared": t.column("shared"),
            "jaccard": t.column("jaccard").cast(pa.float64()),
            "newman": t.column("newman").cast(pa.float64()),
        })

    # --- statistics and flags ------------------------------------------------------------------------------------
    stats_out = stats.set_column(0, "household_id", ps.column("household", stats.column("household_id")))
    district = summarise_by_district(flags, stats)
    count_cols = [c for c in district.column_names if c in ("households", "active_households", "flagged_households")
                  or c.startswith("n_")]
    small_groups = pc.less(district.column("active_households"), k)
    for name in ("mean_helpers", "mean_agencies", "mean_care_density", "mean_coc", "share_with_regisseur"):
        col = district.column(name)
        district = district.set_column(district.schema.get_field_index(name), name,
                                       pc.if_else(small_groups, pa.scalar(None, col.type), col))
    district = _suppress_small(district, count_cols, k)

    flag_rows = []
    for r in flags.to_pylist():
        kind = "household" if r["subject_kind"] == "household" else "professional"
        flag_rows.append({**r, "subject_id": ps.one(kind, r["subject_id"]),
                          "evidence": ps.evidence(json.loads(r["evidence"])),
                          "thresholds": json.loads(r["thresholds"])})
    flags_out = flags.set_column(3, "subject_id", pa.array([r["subject_id"] for r in flag_rows], pa.string()))
    flags_out = flags_out.set_column(7, "evidence", pa.array(
        [json.dumps(r["evidence"], sort_keys=True, default=str) for r in flag_rows], pa.string()))

    flags_out = flags_out.sort_by([("flag", "ascending"), ("subject_id", "ascending")])
    flag_rows.sort(key=lambda r: (r["flag"], r["subject_id"]))
    named: dict[str, pa.Table] = {
        "nodes_households": households, "nodes_members": members, "nodes_professionals": professionals,
        "nodes_agencies": agencies, "nodes_domains": domains, "edges_interventions": interventions,
        "edges_coordinations": coordinations, "assessments": assessments,
        "edges_professional_projection": proj_out["professional"], "edges_agency_projection": proj_out["agency"],
        "household_statistics": stats_out, "district_summary": district}
    # every output sorted on its (pseudonymised) key, so the row order depends on nothing but the data
    sort_keys = {"edges_professional_projection": ["source", "target"], "edges_agency_projection": ["source", "target"],
                 "household_statistics": ["household_id"], "district_summary": ["district_id"],
                 "nodes_domains": ["domain_code"]}
    for stem, t in named.items():
        named[stem] = t.sort_by([(c, "ascending") for c in sort_keys.get(stem, ["id"])])
    graphs = {side: graph_from_edges(named[f"edges_{one}_projection"], _fill_nulls(named[f"nodes_{side}"]))
              for side, one in (("professionals", "professional"), ("agencies", "agency"))}

    work = _work_folder(out)
    try:
        files = _write_files(work, fmts, named, flags_out, flag_rows, graphs, as_of)
        metadata: dict[str, Any] = {
            "as_of": as_of.isoformat(),
            "caregraph_version": _version(),
            "k": k,
            "projection": {"min_shared": min_shared, "effective_min_shared": threshold,
                           "basis": "households with an intervention active on as_of",
                           "edges_suppressed_below_threshold": {s: int(all_pairs[s]) - proj[s].num_rows
                                                                for s in proj}},
            "thresholds": {f.name: _plain(getattr(config, f.name)) for f in fields(config)},
            "pseudonymisation": "HMAC-SHA256 keyed pseudonyms of every id; no names, no BSNs or BSN pseudonyms; "
                                "birth year only; postcode digits only; case dates as year-month",
            "suppression": f"district counts < {k} blanked; projection edges with fewer than {threshold} shared "
                           "households left out",
            "centrality": {"betweenness_sample": betweenness_k, "louvain_seed": seed},
            "reproducible": "no wall-clock time is written: the same store, as-of date, key and parameters give "
                            "the same bytes in every file (compare sha256)",
            "row_counts": dict(sorted(files.items())),
            "sha256": {name: _sha256(work / name) for name in sorted(files)},
            "formats": sorted(fmts),
        }
        (work / "metadata.json").write_text(json.dumps(metadata, indent=1, sort_keys=True), encoding="utf-8")
        _publish(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return ExportManifest(out=out, files=dict(sorted(files.items())), metadata=metadata)


def _write_files(work: Path, fmts: Collection[str], named: Mapping[str, pa.Table], flags_out: pa.Table,
                 flag_rows: list[dict[str, Any]], graphs: Mapping[str, nx.Graph], as_of: date) -> dict[str, int]:
    """Write every data file of the export into ``work``; returns file name → rows (nodes for graphs)."""
    files: dict[str, int] = {}
    for stem, t in named.items():
        if "csv" in fmts:
            pacsv.write_csv(neutralise_table(t), str(work / f"{stem}.csv"))
            files[f"{stem}.csv"] = t.num_rows
        if "parquet" in fmts:
            pq.write_table(t, str(work / f"{stem}.parquet"), compression="zstd")
            files[f"{stem}.parquet"] = t.num_rows
    if "csv" in fmts:
        pacsv.write_csv(neutralise_table(flags_out), str(work / "flags.csv"))
        files["flags.csv"] = flags_out.num_rows
    if "json" in fmts:
        (work / "flags.json").write_text(json.dumps(flag_rows, ensure_ascii=False, indent=1, default=str),
                                         encoding="utf-8")
        files["flags.json"] = len(flag_rows)
    for side, g in graphs.items():
        if "graphml" in fmts:
            nx.write_graphml(g, str(work / f"graph_{side}.graphml"))
            files[f"graph_{side}.graphml"] = g.number_of_nodes()
        if "gexf" in fmts:
            (work / f"graph_{side}.gexf").write_text(_gexf(g, as_of), encoding="utf-8")
            files[f"graph_{side}.gexf"] = g.number_of_nodes()
    if "xlsx" in fmts:
        sheets = {name: named[name] for name in XLSX_SHEETS if name in named}
        sheets["flags"] = flags_out.drop_columns(["thresholds", "evidence"])
        write_xlsx(work / "statistics.xlsx", sheets, timestamp=datetime.combine(as_of, time()))
        files["statistics.xlsx"] = sum(t.num_rows for t in sheets.values())
    return files


def _gexf(g: nx.Graph, as_of: date) -> str:
    """GEXF text with the as-of date as ``lastmodifieddate`` (networkx writes today's date)."""
    text = "\n".join(nx.generate_gexf(g)) + "\n"
    return re.sub(r'lastmodifieddate="[^"]*"', f'lastmodifieddate="{as_of.isoformat()}"', text, count=1)


def _fill_nulls(t: pa.Table) -> pa.Table:
    """Nulls as "" (strings) or 0 (numbers): GraphML and GEXF have no null."""
    cols = []
    for f, col in zip(t.schema, t.columns, strict=True):
        if pa.types.is_string(f.type):
            col = pc.fill_null(col, "")
        elif pa.types.is_integer(f.type) or pa.types.is_floating(f.type):
            col = pc.fill_null(col, 0)
        cols.append(col)
    return pa.Table.from_arrays(cols, schema=t.schema)


def _plain(v: object) -> object:
    if isinstance(v, dict):
        return {k: list(x) if isinstance(x, tuple) else x for k, x in v.items()}
    return v


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("caregraph")
    except PackageNotFoundError:
        return "unknown"
