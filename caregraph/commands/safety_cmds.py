"""``caregraph backup``, ``caregraph restore`` and ``caregraph retention``: data safety for the store.

Backup and restore work on the embedded LadybugDB store only (:mod:`graph.backup`); for Neo4j use the server's own
``neo4j-admin database dump``/``load``. Retention works on either store (:mod:`caregraph.retention`).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from caregraph.commands.output import err_console, fail, out_console

if TYPE_CHECKING:
    from foundation.settings import Settings

__all__ = ["register"]

_NEO4J_HINT = (
    "backup and restore cover the embedded store only; for Neo4j use `neo4j-admin database dump` and "
    "`neo4j-admin database load` on the server"
)


def _say(message: str) -> None:
    err_console().print(f"[dim]{message}…[/]")


def _embedded(settings: Settings) -> None:
    if settings.store != "embedded":
        raise fail(_NEO4J_HINT)


def register(app: typer.Typer) -> None:
    """Add ``backup``, ``restore`` and ``retention`` to the command."""

    @app.command("backup")
    def backup_cmd(
        out: Annotated[Path, typer.Argument(help="New folder to write the backup to (must not exist).")],
    ) -> None:
        """Write a consistent backup of the embedded store to the folder OUT (database file + manifest.json).

        The store is checkpointed and copied while its write lock is held; OUT appears only when complete. The store
        must not be open in another process (stop `caregraph serve` first).
        """
        from foundation.settings import get_settings
        from graph.backup import backup_store
        from graph.ladybug_store import LadybugStore
        from graph.store import StoreError

        settings = get_settings()
        _embedded(settings)
        try:
            store = LadybugStore.open(settings.store_file, create=False, query_timeout_s=settings.query_timeout_s)
        except StoreError as e:
            raise fail(str(e)) from None
        try:
            manifest = backup_store(store, out, progress=_say)
        except StoreError as e:
            raise fail(str(e)) from None
        finally:
            store.close()
        size = manifest.files["graph.lbug"]["bytes"]
        typer.echo(
            f"backup written to {out} ({size / 1e6:.1f} MB, {sum(manifest.nodes.values()):,} nodes, "
            f"{sum(manifest.relationships.values()):,} relationships, sha256 {manifest.files['graph.lbug']['sha256']})"
        )

    @app.command("restore")
    def restore_cmd(
        backup: Annotated[Path, typer.Argument(help="Backup folder written by `caregraph backup`.")],
        force: Annotated[bool, typer.Option("--force", help="Replace an existing store.")] = False,
        keep_old: Annotated[
            bool, typer.Option("--keep-old", help="Keep the replaced store as <store>.before-restore.")
        ] = False,
    ) -> None:
        """Restore the embedded store from a backup folder (checksums verified, counts compared, atomic swap).

        Refuses to replace an existing store without --force, and refuses while another process has the store open.
        """
        from foundation.settings import get_settings
        from graph.backup import BackupError, restore_store
        from graph.store import StoreError, StoreLockedError

        settings = get_settings()
        _embedded(settings)
        try:
            report = restore_store(backup, settings.store_file, force=force, keep_old=keep_old, progress=_say)
        except StoreLockedError as e:
            hint = "Stop the process that holds the store (e.g. `caregraph serve`) and run restore again."
            raise fail(f"{e}\n{hint}") from None
        except (BackupError, StoreError) as e:
            raise fail(str(e)) from None
        m = report.manifest
        typer.echo(
            f"restored {settings.store_file} from {backup} (taken {m.created_at} with caregraph {m.caregraph_version}, "
            f"{sum(m.nodes.values()):,} nodes, {sum(m.relationships.values()):,} relationships)"
            + (f"; the replaced store is kept as {report.kept_old}" if report.kept_old else "")
        )

    @app.command("retention")
    def retention_cmd(
        closed_before_days: Annotated[
            int,
            typer.Option("--closed-before-days", min=0, help="Remove households closed more than N days ago."),
        ],
        as_of: Annotated[
            str | None, typer.Option("--as-of", help="Count the days back from this date (YYYY-MM-DD), not today.")
        ] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Only report what would be removed.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    ) -> None:
        """Remove households whose case closed more than N days ago, with their members, interventions, assessments
        and coordinations, in one transaction; the run is recorded in the audit log (not with --dry-run). Also
        removes research exports beyond CAREGRAPH_EXPORT_KEEP_COUNT or older than CAREGRAPH_EXPORT_KEEP_DAYS."""
        from rich.table import Table

        from caregraph.auth.audit import AuditLog, audit_file
        from caregraph.export_retention import exports_dir, prune_exports
        from caregraph.retention import run_retention
        from foundation.settings import get_settings
        from graph.factory import open_store
        from graph.store import StoreError

        settings = get_settings()
        try:
            day = dt.date.fromisoformat(as_of) if as_of else None
        except ValueError:
            raise fail(f"--as-of must be a date YYYY-MM-DD, not {as_of!r}") from None
        try:
            store = open_store(settings, read_only=dry_run, create=False)
        except StoreError as e:
            raise fail(str(e)) from None
        try:
            audit = AuditLog(audit_file(settings.data_dir))
            result = run_retention(store, audit, closed_before_days, as_of=day, dry_run=dry_run)
        except StoreError as e:
            raise fail(str(e)) from None
        finally:
            store.close()
        exports = prune_exports(exports_dir(settings.data_dir), keep_count=settings.export_keep_count,
                                keep_days=settings.export_keep_days, dry_run=dry_run)
        verb = "would remove" if dry_run else "removed"
        if as_json:
            typer.echo(json.dumps({
                "dry_run": dry_run, "cutoff": result.cutoff.isoformat(), "households": len(result.household_ids),
                "rows": result.counts, "exports_removed": exports.removed,
            }))
            return
        t = Table(title=f"retention: {verb} households closed before {result.cutoff.isoformat()}")
        t.add_column("table")
        t.add_column("rows", justify="right")
        for name, n in (result.counts or {"households": 0}).items():
            t.add_row(name, f"{n:,}")
        out_console().print(t)
        typer.echo(f"research exports: {verb} {len(exports.removed)}, kept {exports.kept} (at most "
                   f"{settings.export_keep_count}, at most {settings.export_keep_days:g} days old)")
        if not dry_run:
            typer.echo(f"audit log: {audit_file(settings.data_dir)}")
