"""``caregraph serve``: the API and the dashboard (one process, or several read-only workers)."""

from __future__ import annotations

from typing import Annotated

import typer

from caregraph.commands.output import fail

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the command."""

    @app.command("serve")
    def serve_cmd(
        host: Annotated[str | None, typer.Option(help="Address to listen on (default: CAREGRAPH_API_HOST).")] = None,
        port: Annotated[int | None, typer.Option(help="Port (default: CAREGRAPH_API_PORT).", min=1,
                                                 max=65535)] = None,
        api_only: Annotated[bool, typer.Option("--api-only", help="Serve the API only.")] = False,
        dashboard_only: Annotated[bool, typer.Option("--dashboard-only", help="Serve the dashboard only.")] = False,
        warm: Annotated[bool, typer.Option("--warm/--no-warm", help="Build the cache at start.")] = True,
        workers: Annotated[int | None, typer.Option(
            help="Server processes (default: CAREGRAPH_API_WORKERS, 1). More than 1: read-only workers on the "
                 "embedded store, no uploads; load with `caregraph ingest` meanwhile.", min=1, max=64)] = None,
    ) -> None:
        """Serve the API at /api/v1 (docs at /docs, /health, /ready) and the dashboard at /dashboard/."""
        if api_only and dashboard_only:
            raise fail("--api-only and --dashboard-only exclude each other", 2)
        from caregraph.serve import Mode, serve_forever
        from foundation.settings import get_settings

        mode: Mode = "api" if api_only else "dashboard" if dashboard_only else "both"
        serve_forever(get_settings(), host=host, port=port, mode=mode, warm=warm, workers=workers)
