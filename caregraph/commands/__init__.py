"""Command modules. Each module defines ``register(app)``; :func:`register_all` adds them in order."""

from __future__ import annotations

import importlib

import typer

__all__ = ["register_all", "COMMAND_MODULES"]

COMMAND_MODULES: tuple[str, ...] = (
    # one line per command module; keep this list sorted by when the commands were added
    "caregraph.commands.store_cmds",
    "caregraph.commands.demo_cmd",
    "caregraph.commands.ingest_cmd",
    "caregraph.commands.analytics_cmds",
    "caregraph.commands.serve_cmd",
    "caregraph.commands.users_cmd",
    "caregraph.commands.generate_cmd",
    "caregraph.commands.safety_cmds",
    "caregraph.commands.bench_cmd",
)


def register_all(app: typer.Typer) -> None:
    """Register every command module's commands on ``app``."""
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)
