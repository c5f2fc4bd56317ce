"""``caregraph load`` and ``caregraph stats``: tables into the configured store, and what the store holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from caregraph.commands.output import fail, out_console, progress_bar

if TYPE_CHECKING:
    from foundation.settings import Settings
    from graph.store import GraphStore, LoadReport, ProgressFn

__all__ = ["register", "load_folder"]


def load_folder(folder: Path, store: GraphStore, settings: Settings, progress: ProgressFn | None = None) -> LoadReport:
    """Read the entity tables in ``folder`` (typed), pseudonymise BSNs and upsert them into ``store``.

    A value of the wrong type raises :class:`~graph.tables.TableFileError` naming file, row and field; a reference
    to nothing raises :class:`~graph.store.StoreDataError`. The load is all-or-nothing.
    """
    from graph.tables import read_table_dir
    from ingest.pseudonyms import pseudonymise_tables

    tables = read_table_dir(folder)
    tables = pseudonymise_tables(tables, settings.pseudonym_secret())
    return store.load(tables, progress=progress)


def _print_report(report: LoadReport) -> None:
    from rich.table import Table

    t = Table(title=f"Loaded in {report.seconds:.1f} s")
    for col in ("table", "created", "updated", "unchanged"):
        t.add_column(col, justify="right" if col != "table" else "left")
    for name in report.created:
        t.add_row(name, str(report.created[name]), str(report.updated[name]), str(report.unchanged[name]))
    out_console().print(t)


def register(app: typer.Typer) -> None:
    """Add ``load`` and ``stats`` to the command."""

    @app.command("load")
    def load_cmd(
        folder: Annotated[Path, typer.Argument(help="Folder with the entity tables (CSV or Parquet).")],
    ) -> None:
        """Load entity tables (as written by `caregraph generate` or `caregraph template`) into the store.

        Idempotent: loading the same tables twice changes nothing; a newer export updates what changed.
        """
        from foundation.settings import MissingSecretError, get_settings
        from graph.factory import open_store
        from graph.store import StoreError
        from graph.tables import TableFileError

        settings = get_settings()
        try:
            store = open_store(settings)
        except StoreError as e:
            raise fail(str(e)) from None
        try:
            with progress_bar("load") as progress:
                report = load_folder(folder, store, settings, progress)
        except (TableFileError, StoreError, MissingSecretError, ValueError) as e:
            raise fail(str(e)) from None
        finally:
            store.close()
        _print_report(report)

    @app.command("stats")
    def stats_cmd(
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    ) -> None:
        """Node counts per kind and relationship counts per type in the configured store."""
        from rich.table import Table

        from foundation.settings import get_settings
        from graph.factory import open_store
        from graph.store import StoreError

        settings = get_settings()
        try:
            store = open_store(settings, read_only=True)
        except StoreError as e:
            raise fail(str(e)) from None
        try:
            counts = store.counts()
        finally:
            store.close()
        if as_json:
            typer.echo(json.dumps({"nodes": dict(counts.nodes), "relationships": dict(counts.relationships)}))
            return
        t = Table(title=f"caregraph store ({settings.store})")
        t.add_column("kind")
        t.add_column("name")
        t.add_column("count", justify="right")
        for label, n in counts.nodes.items():
            t.add_row("node", label, f"{n:,}")
        for rel, n in counts.relationships.items():
            t.add_row("relationship", rel, f"{n:,}")
        out_console().print(t)
