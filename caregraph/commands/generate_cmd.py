"""``caregraph generate``: write a realistic synthetic municipality (tables, planted cases, manifest) to a folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from caregraph.commands.output import out_console

__all__ = ["register", "parse_formats", "STEPS"]

STEPS: tuple[str, ...] = (
    "households and members", "agencies", "problem profiles and help", "planted interventions", "professionals",
    "assessments", "regisseurs", "tables", "write files",
)
"""The generator's steps, in order (the progress bar advances through them)."""

_FORMATS = ("csv", "parquet")


def parse_formats(text: str) -> tuple[str, ...]:
    """``"csv,parquet"`` → ``("csv", "parquet")``; raises :class:`typer.BadParameter` on an unknown format.

    >>> parse_formats("parquet, csv")
    ('csv', 'parquet')
    """
    asked = {f.strip().lower() for f in text.split(",") if f.strip()}
    unknown = asked - set(_FORMATS)
    if unknown or not asked:
        raise typer.BadParameter(f"formats must be a comma-separated subset of {', '.join(_FORMATS)}")
    return tuple(f for f in _FORMATS if f in asked)


def register(app: typer.Typer) -> None:
    """Add ``generate`` to the command."""

    @app.command("generate")
    def generate_cmd(
        households: Annotated[int, typer.Option(help="Number of households.", min=10)] = 2000,
        seed: Annotated[int, typer.Option(help="Random seed: the same seed gives byte-identical files.")] = 7,
        out: Annotated[Path, typer.Option(help="Folder to write the tables to.")] = Path("data/synthetic"),
        as_of: Annotated[str, typer.Option(help="Date (YYYY-MM-DD) the planted cases are valid on.")] = "2025-06-30",
        formats: Annotated[str, typer.Option("--format", help="Comma-separated: csv, parquet.")] = "csv,parquet",
    ) -> None:
        """Generate a synthetic municipality with planted cases (see docs/synthetic.md) and write its tables.

        Writes every entity table as CSV and/or Parquet, planted.csv (the ground truth of the planted cases, valid on
        the as-of date) and manifest.json (seed, rates, planted and row counts).
        """
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        from synthetic import generate_municipality, write_municipality

        try:
            day = dt.date.fromisoformat(as_of)
        except ValueError:
            raise typer.BadParameter(f"not a date: {as_of!r} (expected YYYY-MM-DD)", param_hint="--as-of") from None
        fmts = parse_formats(formats)
        console = out_console()
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      TimeElapsedColumn(), console=console) as bar:
            task = bar.add_task("generate", total=len(STEPS))

            def step(name: str) -> None:
                done = STEPS.index(name) if name in STEPS else 0
                bar.update(task, description=f"generate: {name}", completed=done)

            m = generate_municipality(households, seed, as_of=day, progress=step)
            step("write files")
            paths = write_municipality(m, out, fmts)
            bar.update(task, description="generate: done", completed=len(STEPS))
        counts = m.tables.row_counts()
        console.print(f"wrote {len(paths)} files to {out}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        planted = m.facts.get("planted", {})
        console.print("planted (valid on " + m.as_of.isoformat() + "): "
                      + ", ".join(f"{k} {v:,}" for k, v in planted.items()))
