"""The ``caregraph`` command. Each command group lives in its own module under :mod:`caregraph.commands`."""

from __future__ import annotations

import typer

from caregraph.commands import register_all

app = typer.Typer(
    name="caregraph",
    help="Network-of-care analyzer: find households where help has become a Frankenstein.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
register_all(app)


def main() -> None:
    """Entry point of the console script."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
