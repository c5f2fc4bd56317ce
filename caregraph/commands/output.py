"""Console output the commands share: the error console, :func:`fail` and :func:`progress_bar`.

rich is imported on first use, not with this module, so that ``caregraph --help`` starts without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from graph.store import ProgressFn

__all__ = ["err_console", "out_console", "fail", "progress_bar"]


def err_console() -> Console:
    """A rich console on standard error (errors, progress)."""
    from rich.console import Console

    return Console(stderr=True)


def out_console() -> Console:
    """A rich console on standard output (tables, results)."""
    from rich.console import Console

    return Console()


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``message`` as an error and return the Exit to raise."""
    err_console().print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


@contextmanager
def progress_bar(description: str) -> Iterator[ProgressFn]:
    """A rich progress bar; yields a :data:`graph.store.ProgressFn` that advances it."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=err_console(), transient=False,
    ) as bar:
        task = bar.add_task(description, total=1)

        def update(step: str, done: int, total: int) -> None:
            bar.update(task, description=f"{description}: {step}", completed=done, total=total)

        yield update
