"""``caregraph demo``: a synthetic municipality, generated, loaded, analysed and served, in one command."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from caregraph.commands.output import fail, out_console, progress_bar

if TYPE_CHECKING:
    from foundation.settings import Settings

__all__ = ["register", "run_demo", "DemoResult"]

DEMO_AS_OF = dt.date(2025, 6, 30)
"""The synthetic municipality's reference date: the date its planted cases are valid on."""


class DemoResult:
    """What the demo built: where the tables and the store are, the flag counts, and the demo tokens."""

    def __init__(self, tables_dir: Path, as_of: dt.date, flag_counts: dict[str, int], tokens: dict[str, str]):
        self.tables_dir = tables_dir
        self.as_of = as_of
        self.flag_counts = flag_counts
        self.tokens = tokens


def demo_settings(base: Path, port: int) -> Settings:
    """Settings for the demo: demo mode, embedded store and state under ``base``."""
    from foundation.settings import Settings

    return Settings(
        demo=True, store="embedded", store_path=base / "store", data_dir=base / "state", api_port=port,
        pseudonym_key=None, as_of=DEMO_AS_OF,
    )


def run_demo(settings: Settings, *, households: int, seed: int, base: Path) -> DemoResult:
    """Generate, load and analyse a synthetic municipality; create the demo users. Does not serve."""
    from analytics.flags import evaluate_flags
    from caregraph.auth import create_demo_users
    from graph.factory import open_store
    from ingest.pseudonyms import pseudonymise_tables
    from synthetic.municipality import generate_municipality, write_municipality

    tables_dir = base / "tables"
    with progress_bar("generate") as progress:
        progress(f"{households:,} households", 0, 1)
        m = generate_municipality(households, seed, as_of=settings.as_of or DEMO_AS_OF)
        write_municipality(m, tables_dir)
        progress(f"{households:,} households → {tables_dir}", 1, 1)
    store = open_store(settings)
    try:
        with progress_bar("load") as progress:
            report = store.load(pseudonymise_tables(m.tables, settings.pseudonym_secret()), progress=progress)
        out_console().print(f"loaded {sum(report.created.values()):,} new and {sum(report.updated.values()):,} "
                            f"changed rows in {report.seconds:.1f} s into {settings.store_file}")
        with progress_bar("analyse") as progress:
            progress(f"flags as of {m.as_of}", 0, 1)
            results = evaluate_flags(store.snapshot(), m.as_of)
            progress(f"flags as of {m.as_of}", 1, 1)
        districts = sorted(store.read_table("districts").column("district_id").to_pylist())[:2]
    finally:
        store.close()
    counts = dict(sorted(Counter(r.flag for r in results).items()))
    tokens = create_demo_users(settings, districts=districts)
    return DemoResult(tables_dir, m.as_of, counts, tokens)


def register(app: typer.Typer) -> None:
    """Add ``demo`` to the command."""

    @app.command("demo")
    def demo_cmd(
        households: Annotated[int, typer.Option(help="Households in the synthetic municipality.", min=10)] = 2000,
        seed: Annotated[int, typer.Option(help="Random seed (the same seed gives the same municipality).")] = 7,
        base: Annotated[Path, typer.Option("--dir", help="Folder for tables, store and state.")] = Path("data/demo"),
        host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
        serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve API and dashboard afterwards.")] = True,
    ) -> None:
        """Generate a synthetic municipality, load it into the embedded store, analyse it and serve it.

        Demo mode only: synthetic data (BSNs starting with 9999), a built-in pseudonym key and one demo user per
        role, whose tokens are printed.
        """
        from rich.table import Table

        from graph.store import StoreError

        settings = demo_settings(base, port)
        try:
            result = run_demo(settings, households=households, seed=seed, base=base)
        except StoreError as e:
            raise fail(str(e)) from None
        t = Table(title=f"Flags as of {result.as_of}")
        t.add_column("flag")
        t.add_column("cases", justify="right")
        for flag, n in result.flag_counts.items():
            t.add_row(flag, f"{n:,}")
        out = out_console()
        out.print(t)
        out.print("[bold]Demo users[/] (bearer tokens, demo only):")
        for role, token in result.tokens.items():
            out.print(f"  {role:<12} {token}")
        if not serve:
            return
        from caregraph.serve import serve_forever

        out.print(f"[bold]API[/]        http://{host}:{port}/api/v1   (docs: http://{host}:{port}/docs)")
        out.print(f"[bold]Dashboard[/]  http://{host}:{port}/dashboard/")
        out.print("Press Ctrl+C to stop.")
        serve_forever(settings, host=host, port=port)
