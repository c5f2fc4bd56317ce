"""``caregraph users …``: add users, issue and revoke tokens, list users, export and verify the audit log."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from caregraph.auth.roles import Role
from caregraph.commands.help_group import QuickHelpGroup
from caregraph.commands.output import fail, out_console

if TYPE_CHECKING:
    from caregraph.auth import UserStore

__all__ = ["register"]


def _users() -> UserStore:
    from caregraph.auth import UserStore, users_file
    from foundation.settings import get_settings

    return UserStore(users_file(get_settings().data_dir))


def _print_token(username: str, token: str, expires: str) -> None:
    out_console().print(f"token for [bold]{username}[/] (shown once; valid until {expires}):")
    print(token)


def register(app: typer.Typer) -> None:
    """Add the ``users`` command group."""
    users = typer.Typer(help="Users, roles, bearer tokens and the audit log.", no_args_is_help=True,
                        rich_markup_mode=None, cls=QuickHelpGroup)
    app.add_typer(users, name="users")

    @users.command("add")
    def add(
        username: Annotated[str, typer.Argument(help="User name (letters, digits, . _ -).")],
        role: Annotated[Role, typer.Option(help="manager, coordinator, researcher or admin.")],
        district: Annotated[list[str] | None, typer.Option(help="District a coordinator holds (repeatable).")] = None,
        household: Annotated[list[str] | None, typer.Option(help="Household assigned to a coordinator "
                                                                  "(repeatable).")] = None,
        professional: Annotated[str | None, typer.Option(help="Professional id the user is.")] = None,
        days: Annotated[float, typer.Option(help="Validity of the first token in days.", min=0.001,
                                            max=3660)] = 30.0,
    ) -> None:
        """Add a user and print their first token (once)."""
        from caregraph.auth import AuthError

        store = _users()
        try:
            store.add_user(username, role, districts=district or (), households=household or (),
                           professional_id=professional)
            issued = store.issue_token(username, days=days)
        except (AuthError, ValueError) as e:
            raise fail(str(e)) from None
        _print_token(username, issued.token, issued.expires_at.isoformat(timespec="minutes"))

    @users.command("token")
    def token(
        username: Annotated[str, typer.Argument(help="User name.")],
        days: Annotated[float, typer.Option(help="Validity in days.", min=0.001, max=3660)] = 30.0,
    ) -> None:
        """Issue a new token for a user and print it (once)."""
        from caregraph.auth import AuthError

        try:
            issued = _users().issue_token(username, days=days)
        except (AuthError, ValueError) as e:
            raise fail(str(e)) from None
        out_console().print(f"token id {issued.token_id}")
        _print_token(username, issued.token, issued.expires_at.isoformat(timespec="minutes"))

    @users.command("list")
    def list_() -> None:
        """List users (never tokens)."""
        from rich.table import Table

        t = Table()
        for col in ("user", "role", "districts", "households", "professional", "active", "valid tokens"):
            t.add_column(col)
        for u in _users().list_users():
            t.add_row(u.username, u.role, ",".join(u.districts), ",".join(u.households), u.professional_id or "",
                      "yes" if u.active else "no", str(u.tokens))
        out_console().print(t)

    @users.command("revoke")
    def revoke(
        username: Annotated[str | None, typer.Argument(help="User to deactivate (all their tokens).")] = None,
        token_id: Annotated[str | None, typer.Option("--token-id", help="Revoke only this token.")] = None,
    ) -> None:
        """Deactivate a user (and all their tokens), or revoke one token by its id."""
        from caregraph.auth import AuthError

        out = out_console()
        if (username is None) == (token_id is None):
            raise fail("give either a user name or --token-id", 2)
        try:
            if token_id is not None:
                _users().revoke_token(token_id)
                out.print(f"token {token_id} revoked")
            else:
                assert username is not None
                _users().revoke_user(username)
                out.print(f"user {username} deactivated; all their tokens revoked")
        except AuthError as e:
            raise fail(str(e)) from None

    @users.command("audit")
    def audit(
        output: Annotated[Path | None, typer.Option("--out", help="Write the log here (default: print).")] = None,
        fmt: Annotated[str, typer.Option("--format", help="jsonl or csv.")] = "jsonl",
        user: Annotated[str | None, typer.Option(help="Only this user.")] = None,
        household: Annotated[str | None, typer.Option(help="Only this household.")] = None,
        verify: Annotated[bool, typer.Option("--verify", help="Check the hash chain only.")] = False,
    ) -> None:
        """Export the audit log (JSON lines or CSV), or verify that no line was changed or removed."""
        from caregraph.auth import AuditLog, audit_file
        from foundation.settings import get_settings

        out = out_console()
        log = AuditLog(audit_file(get_settings().data_dir))
        if verify:
            ok, n = log.verify()
            if not ok:
                raise fail(f"audit log chain broken after {n} intact entries")
            out.print(f"audit log intact: {n} entries")
            return
        if fmt not in ("jsonl", "csv"):
            raise fail("--format must be jsonl or csv", 2)
        if output is None:
            for e in log.entries(user=user, household_id=household):
                print(e.model_dump_json())
            return
        n = log.export(output, fmt=fmt, user=user, household_id=household)  # type: ignore[arg-type]
        out.print(f"{n} audit entries written to {output}")
