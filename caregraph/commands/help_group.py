"""The command group class of ``caregraph`` and ``caregraph users``: typer's group, with a help flag that costs nothing.

typer turns every option value it processes into its type through a pydantic ``TypeAdapter``, built on first use,
except a flag whose value is already a bool. A group's ``--help`` flag has no default, so when a *subcommand* is
named (``caregraph demo --help``, ``caregraph flags ...``) the group's own unset help flag reaches typer as ``None``
and makes it import pydantic and build an adapter: about 0.1 s of CPU before the subcommand's help is printed. With
``False`` as the flag's default the value is a bool and typer leaves it alone; the flag behaves as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from typer.core import TyperGroup, TyperOption

if TYPE_CHECKING:
    from typer._click import Context

__all__ = ["QuickHelpGroup"]


class QuickHelpGroup(TyperGroup):
    """A :class:`typer.core.TyperGroup` whose ``--help`` flag defaults to ``False`` instead of ``None``."""

    def get_help_option(self, ctx: Context) -> TyperOption | None:
        """The group's help option, with ``False`` as its default (see the module docstring)."""
        option = super().get_help_option(ctx)
        if option is not None and option.default is None:
            option.default = False
        return option
