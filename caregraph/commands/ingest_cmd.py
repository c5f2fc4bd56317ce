"""``caregraph ingest PATH…`` (validate, pseudonymise and load real municipal data) and ``caregraph template``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add ``ingest`` and ``template`` to ``app``."""

    @app.command("ingest")
    def ingest_cmd(
        paths: Annotated[list[Path], typer.Argument(help="Files or folders: CSV, Excel, Parquet, iJw/iWmo XML.")],
        quarantine: Annotated[Path | None, typer.Option(help="Load valid rows; write invalid ones here.")] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate only; write nothing.")] = False,
        report: Annotated[Path | None, typer.Option(help="Write the full JSON report to this file.")] = None,
        fmt: Annotated[str, typer.Option("--format", help="Report on stdout as text or json.")] = "text",
        mapping: Annotated[Path | None, typer.Option(
            "--mapping", help="YAML mapping for other systems' exports: their columns, codes and date formats "
                              "(caregraph template --mapping writes a starter).")] = None,
    ) -> None:
        """Validate, pseudonymise and load input files into the store (all-or-nothing unless --quarantine)."""
        from rich.progress import Progress

        from foundation.settings import MissingSecretError, get_settings
        from graph.factory import open_store
        from graph.store import StoreError
        from ingest.mapping import MappingFileError, SourceMapping
        from ingest.pipeline import ingest
        from ingest.report import ValidationReport

        settings = get_settings()
        try:
            settings.pseudonym_secret()
        except MissingSecretError as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(2) from None
        source_mapping = None
        if mapping is not None:
            try:
                source_mapping = SourceMapping.load(mapping)
            except MappingFileError as e:  # nothing is read with a broken mapping: the whole batch is rejected
                bad = ValidationReport(issues=list(e.issues), files=[str(mapping)])
                if report is not None:
                    report.parent.mkdir(parents=True, exist_ok=True)
                    report.write_text(bad.to_json(), encoding="utf-8")
                typer.echo(bad.to_json() if fmt == "json" else bad.to_text() + "\nStatus: rejected")
                raise typer.Exit(1) from None
        if dry_run:  # read-only, to report what the input would change (deleted allocations); none when absent
            try:
                store = open_store(settings, read_only=True)
            except StoreError:
                store = None
        else:
            try:
                store = open_store(settings)
            except StoreError as e:
                typer.echo(f"error: {e}", err=True)
                raise typer.Exit(3) from None
        try:
            with Progress(transient=True, disable=fmt == "json") as bar:
                task = bar.add_task("ingest", total=None)

                def progress(step: str, done: int, total: int) -> None:
                    bar.update(task, description=step, completed=done, total=total)

                result = ingest(paths, store=store, settings=settings, quarantine=quarantine, dry_run=dry_run,
                                progress=progress, source_mapping=source_mapping)
        finally:
            if store is not None:
                store.close()
        if report is not None:
            report.parent.mkdir(parents=True, exist_ok=True)
            report.write_text(result.report.to_json(), encoding="utf-8")
        if fmt == "json":
            typer.echo(result.report.to_json())
        else:
            typer.echo(result.report.to_text())
            if result.quarantined:
                typer.echo(f"Quarantined rows (in {quarantine}): "
                           + ", ".join(f"{k} {v}" for k, v in result.quarantined.items()))
            if result.load is not None:
                lr = result.load
                typer.echo("Loaded: " + ", ".join(
                    f"{n} +{lr.created.get(n, 0)} ~{lr.updated.get(n, 0)} ={lr.unchanged.get(n, 0)}"
                    for n in lr.created) + f" ({lr.seconds:.1f} s)")
            if result.deleted:
                verb = "Would remove" if result.status == "dry-run" else "Removed (deleted allocations)"
                typer.echo(f"{verb}: " + ", ".join(f"{k} {v}" for k, v in result.deleted.items()))
            typer.echo(f"Status: {result.status}")
        if not result.ok:
            raise typer.Exit(1)

    @app.command("template")
    def template_cmd(
        out_dir: Annotated[Path, typer.Argument(
            help="Folder to write the empty templates into (with --mapping: the .yaml file, or its folder).")],
        fmt: Annotated[str, typer.Option("--format", help="csv, xlsx or parquet.")] = "csv",
        mapping: Annotated[bool, typer.Option(
            "--mapping", help="Write a starter mapping file (YAML) instead: OUT_DIR/mapping.yaml, or OUT_DIR itself "
                              "when it ends in .yaml/.yml.")] = False,
        sources: Annotated[list[Path] | None, typer.Option(
            "--from", help="With --mapping: an export to map (repeatable); its columns are listed with best-guess "
                           "matches.")] = None,
    ) -> None:
        """Write empty, documented input templates (one per entity table), or a starter mapping (--mapping)."""
        from ingest.templates import write_templates

        if mapping:
            _write_starter(out_dir, sources or [])
            return
        if sources:
            typer.echo("error: --from goes with --mapping", err=True)
            raise typer.Exit(2)

        if fmt not in ("csv", "xlsx", "parquet"):
            typer.echo("error: --format must be csv, xlsx or parquet", err=True)
            raise typer.Exit(2)
        for p in write_templates(out_dir, fmt):  # type: ignore[arg-type]
            typer.echo(str(p))


def _write_starter(out: Path, sources: list[Path]) -> None:
    """Write the starter mapping (``caregraph template --mapping``); never over an existing file."""
    from ingest.mapping_starter import source_columns, starter_mapping
    from ingest.report import Issue

    target = out if out.suffix.lower() in (".yaml", ".yml") else out / "mapping.yaml"
    if target.exists():
        typer.echo(f"error: {target} exists; remove it or name another file", err=True)
        raise typer.Exit(2)
    issues: list[Issue] = []
    found = []
    for src in sources:
        if not src.is_file():
            issues.append(Issue.make(str(src), "no such file", rule="file"))
            continue
        found.extend(source_columns(src, issues))
    for i in issues:
        typer.echo(i.render(), err=True)
    if any(i.severity == "error" for i in issues):
        raise typer.Exit(1)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(starter_mapping(found), encoding="utf-8")
    typer.echo(str(target))
