"""``caregraph flags``, ``caregraph export`` and ``caregraph netstats``: the analytics over the configured store."""

from __future__ import annotations

import json
import sys
from datetime import date
from json.encoder import encode_basestring
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from caregraph.commands.output import fail, out_console

if TYPE_CHECKING:
    import pyarrow as pa

    from graph.tables import CareTables

__all__ = ["register", "load_tables", "parse_as_of"]


def parse_as_of(value: str | None) -> date:
    """The ``--as-of`` date (ISO ``YYYY-MM-DD``; today when empty)."""
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (use YYYY-MM-DD)") from None


def load_tables() -> CareTables:
    """Every table of the configured store (read-only)."""
    from foundation.settings import get_settings
    from graph.factory import open_store
    from graph.store import StoreError

    settings = get_settings()
    try:
        store = open_store(settings, read_only=True)
    except StoreError as e:
        raise fail(str(e)) from None
    try:
        return store.snapshot()
    except StoreError as e:
        raise fail(str(e)) from None
    finally:
        store.close()


def _print_table(t: pa.Table, title: str, limit: int = 200) -> None:
    from rich.table import Table

    out = out_console()
    tab = Table(title=title)
    for c in t.column_names:
        tab.add_column(c)
    for row in t.slice(0, limit).to_pylist():
        tab.add_row(*["" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v)) for v in row.values()])
    out.print(tab)
    if t.num_rows > limit:
        out.print(f"... {t.num_rows - limit} more rows (use --format csv)")


def _write_csv(t: pa.Table) -> None:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from foundation.cells import neutralise_table

    sink = pa.BufferOutputStream()
    pacsv.write_csv(neutralise_table(t), sink)
    sys.stdout.write(sink.getvalue().to_pybytes().decode("utf-8"))


_JSON_TEXT_COLUMNS = frozenset({"thresholds", "evidence"})
"""Columns of the flag table that hold JSON text already (see :data:`analytics.results.FLAG_TABLE_SCHEMA`)."""


def _json_value(v: object) -> str:
    """``v`` as :func:`json.dumps` writes it with ``ensure_ascii=False`` (strings through the C encoder directly)."""
    if isinstance(v, str):
        return encode_basestring(v)
    return "null" if v is None else json.dumps(v, ensure_ascii=False, default=str)


def _write_flags_json(t: pa.Table) -> None:
    """The flag table on standard output as a JSON array of objects, one flag per line, keys in column order.

    ``thresholds`` and ``evidence`` hold JSON text written by the engine; it goes into the output as it is, so the
    objects parse to the same values as decoding those columns would give, without decoding and encoding a
    hundred thousand nested objects again.
    """
    columns: list[list[str]] = []
    for name in t.column_names:
        key = encode_basestring(name) + ": "
        values = t.column(name).to_pylist()
        if name in _JSON_TEXT_COLUMNS:
            columns.append([key + ("null" if v is None else v) for v in values])
        else:
            columns.append([key + _json_value(v) for v in values])
    lines = ["{" + ", ".join(parts) + "}" for parts in zip(*columns, strict=True)]
    sys.stdout.write("[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n")


def _summary(tables: CareTables, day: date, since: date | None) -> tuple[str, pa.Table]:
    """The district summary as of ``day``, or one per month end from ``since``'s month to ``day``'s month."""
    from analytics.summaries import district_summary, monthly_summary

    if since is None:
        return "district summary", district_summary(tables, day)
    return f"monthly district summary since {since.isoformat()}", monthly_summary(tables, since, day)


def _outcomes(tables: CareTables, day: date, periods: int, period_days: int, level: str) -> tuple[str, pa.Table]:
    """The outcome view for ``periods`` consecutive periods of ``period_days`` ending on ``day``."""
    from datetime import timedelta

    from analytics.outcomes import outcome_summary, outcome_view

    ends = [day - timedelta(days=period_days * i) for i in reversed(range(periods))]
    view = outcome_view(tables, ends, period_days=period_days)
    if level == "household":
        return f"outcomes per household ({periods} period(s) of {period_days} days)", view
    return f"outcomes per district, period and helper band ({periods} period(s) of {period_days} days)", \
        outcome_summary(view)


def register(app: typer.Typer) -> None:
    """Add the analytics commands to ``app``."""

    @app.command("flags")
    def flags_cmd(
        as_of: Annotated[str | None, typer.Option("--as-of", help="Date to evaluate on (YYYY-MM-DD; default today).")]
        = None,
        fmt: Annotated[str, typer.Option("--format", help="json, csv or table.")] = "table",
        flag: Annotated[list[str] | None, typer.Option("--flag", help="Only this flag (repeatable).")] = None,
        thresholds: Annotated[Path | None, typer.Option(help="Thresholds YAML (default analytics/thresholds.yaml).")]
        = None,
    ) -> None:
        """Evaluate the flags (with their evidence) on every household and professional as of a date."""
        from analytics.config import FlagConfig
        from analytics.flags import FLAG_NAMES, evaluate_flags_table

        day = parse_as_of(as_of)
        if fmt not in ("json", "csv", "table"):
            raise typer.BadParameter("--format must be json, csv or table")
        unknown = [f for f in flag or [] if f not in FLAG_NAMES]
        if unknown:
            raise fail(f"unknown flag(s) {', '.join(unknown)}; known: {', '.join(FLAG_NAMES)}", 2)
        try:
            config = FlagConfig.load(thresholds)
        except (OSError, ValueError, KeyError) as e:
            raise fail(f"thresholds: {e}", 2) from None
        t = evaluate_flags_table(load_tables(), day, config, flag or None)
        if fmt == "json":
            _write_flags_json(t)
        elif fmt == "csv":
            _write_csv(t)
        else:
            _print_table(t.select(["flag", "subject_kind", "subject_id", "district_id", "severity", "explanation"]),
                         f"Flags as of {day.isoformat()}: {t.num_rows}")

    @app.command("export")
    def export_cmd(
        out: Annotated[Path, typer.Option("--out", help="Output folder.")],
        as_of: Annotated[str | None, typer.Option("--as-of", help="Date of the network (YYYY-MM-DD; default today).")]
        = None,
        k: Annotated[int, typer.Option("--k", min=1, help="Suppress counts below k.")] = 5,
        min_shared: Annotated[int, typer.Option("--min-shared", min=1, help="Projection threshold.")] = 2,
        formats: Annotated[list[str] | None, typer.Option(
            "--formats", help="csv, parquet, graphml, gexf, json, xlsx (repeatable or comma-separated; default all).")]
        = None,
    ) -> None:
        """Write a pseudonymised research export (tables, GraphML/GEXF, flags, statistics, metadata)."""
        from rich.table import Table

        from analytics.export import EXPORT_FORMATS, export_research
        from foundation.settings import MissingSecretError, get_settings

        day = parse_as_of(as_of)
        fmts = [f.strip() for item in (formats or list(EXPORT_FORMATS)) for f in item.split(",") if f.strip()]
        try:
            key = get_settings().pseudonym_secret()
            manifest = export_research(load_tables(), day, out, k=k, min_shared=min_shared, formats=fmts, key=key)
        except (MissingSecretError, ValueError, FileExistsError, NotADirectoryError) as e:
            raise fail(str(e), 2) from None
        except OSError as e:  # a full disk, say: nothing was left behind
            raise fail(f"export failed, nothing written to {out}: {e}") from None
        tab = Table(title=f"Export as of {day.isoformat()} in {out}")
        tab.add_column("file")
        tab.add_column("rows", justify="right")
        for name, n in manifest.files.items():
            tab.add_row(name, str(n))
        out_console().print(tab)

    @app.command("netstats")
    def netstats_cmd(
        as_of: Annotated[str | None, typer.Option("--as-of", help="Date (YYYY-MM-DD; default today).")] = None,
        households: Annotated[bool, typer.Option("--households", help="Per-household statistics.")] = False,
        network: Annotated[bool, typer.Option("--network", help="Projection, centralities and communities.")]
        = False,
        side: Annotated[str, typer.Option(help="Projection side: professional or agency.")] = "professional",
        min_shared: Annotated[int, typer.Option("--min-shared", min=1)] = 2,
        summary: Annotated[bool, typer.Option(
            "--summary", help="Flags and measures per district (per month with --since).")] = False,
        since: Annotated[str | None, typer.Option(
            "--since", help="With --summary: one summary per month end from this date's month to --as-of.")] = None,
        outcomes: Annotated[bool, typer.Option(
            "--outcomes", help="Score change against network measures per district, period and helper band.")]
        = False,
        outcome_level: Annotated[str, typer.Option(
            "--outcome-level", help="With --outcomes: district (summary) or household (one row per household).")]
        = "district",
        periods: Annotated[int, typer.Option("--periods", min=1, max=120,
                                             help="With --outcomes: consecutive periods ending on --as-of.")] = 1,
        period_days: Annotated[int, typer.Option("--period-days", min=1, help="With --outcomes: period length.")]
        = 365,
        fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    ) -> None:
        """Network statistics: per household (--households), of the projected network (--network), per district
        (--summary) or outcomes against network measures (--outcomes)."""
        from analytics.centrality import centralities
        from analytics.communities import louvain_communities
        from analytics.household_stats import household_statistics
        from analytics.projection import projection_edges

        day = parse_as_of(as_of)
        if side not in ("professional", "agency"):
            raise typer.BadParameter("--side must be professional or agency")
        if fmt not in ("json", "csv", "table"):
            raise typer.BadParameter("--format must be json, csv or table")
        if outcome_level not in ("district", "household"):
            raise typer.BadParameter("--outcome-level must be district or household")
        start = parse_as_of(since) if since else None
        if start is not None and start > day:
            raise typer.BadParameter("--since must not be after --as-of")
        if not (households or network or summary or outcomes):
            households = True
        tables = load_tables()
        results: list[tuple[str, pa.Table]] = []
        if households:
            results.append(("households", household_statistics(tables, day)))
        if summary:
            results.append(_summary(tables, day, start))
        if outcomes:
            results.append(_outcomes(tables, day, periods, period_days, outcome_level))
        if network:
            edges = projection_edges(tables, day, side=side, min_shared=min_shared)  # type: ignore[arg-type]
            cent = centralities(edges, weight="shared", betweenness_k=200)
            comm = louvain_communities(edges)
            nodes = cent.join(comm, "id").sort_by("id")
            results.append((f"{side} network (min_shared={min_shared}, {edges.num_rows} edges)", nodes))
        for title, t in results:
            if fmt == "csv":
                _write_csv(t)
            elif fmt == "json":
                sys.stdout.write(json.dumps(t.to_pylist(), default=str) + "\n")
            else:
                _print_table(t, f"{title} as of {day.isoformat()}")
