"""The ``caregraph`` command. Each command group lives in its own module under :mod:`caregraph.commands`.

The command modules import what a command needs inside the command, so that ``caregraph --help`` and every
``caregraph X --help`` load typer and the command modules only. Help is rendered by click's plain formatter
(``rich_markup_mode=None``): typer's rich renderer alone costs more start-up time than the whole help may take.
"""

from __future__ import annotations

import typer

from caregraph.commands import register_all
from caregraph.commands.help_group import QuickHelpGroup

app = typer.Typer(
    name="caregraph",
    help="Network-of-care analyzer: find households where help has become a Frankenstein.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    cls=QuickHelpGroup,
)
register_all(app)


def main() -> None:
    """Entry point of the console script."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
