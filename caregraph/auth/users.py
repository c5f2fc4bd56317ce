"""Users and bearer tokens, kept in an append-only JSON-lines file under ``settings.data_dir``.

The file is a log of events (``user_added``, ``token_issued``, ``token_revoked``, ``user_revoked``); the current state
is the replay of all events. Tokens are random (256 bits), shown once when issued, and stored only as their SHA-256
hash, with an expiry. The file is re-read when it changes, so a revocation made with ``caregraph users revoke``
takes effect in a running server at the next request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from caregraph.auth.errors import AuthenticationError, UnknownUserError, UserExistsError
from caregraph.auth.jsonl import append_lines, read_lines
from caregraph.auth.models import TokenIssued, UserOut
from caregraph.auth.roles import Principal, Role
from caregraph.auth.throttle import LoginThrottle, client_key, token_key

__all__ = ["UserStore", "hash_token", "USERNAME_PATTERN", "DEFAULT_TOKEN_DAYS", "users_file"]

log = logging.getLogger(__name__)

USERNAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
"""User names: 1–64 letters, digits, dot, underscore or hyphen, starting with a letter or digit."""

DEFAULT_TOKEN_DAYS = 30
TOKEN_PREFIX = "cg_"  # noqa: S105 (a prefix, not a secret)


def users_file(data_dir: Path) -> Path:
    """Where the users file lives."""
    return data_dir / "auth" / "users.jsonl"


def hash_token(token: str) -> str:
    """SHA-256 hex digest of a token (what is stored)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class _Token:
    token_id: str
    username: str
    token_hash: str
    expires_at: dt.datetime
    revoked: bool = False


@dataclass
class _User:
    username: str
    role: Role
    districts: tuple[str, ...] = ()
    households: tuple[str, ...] = ()
    professional_id: str | None = None
    active: bool = True
    tokens: dict[str, _Token] = field(default_factory=dict)


class UserStore:
    """The users file: add users, issue and revoke tokens, and authenticate a bearer token.

    Parameters
    ----------
    path
        The JSON-lines users file (created on first write, mode 0600).
    throttle
        Brute-force protection for :meth:`authenticate`; a default :class:`LoginThrottle` when omitted.
    """

    def __init__(self, path: Path, *, throttle: LoginThrottle | None = None) -> None:
        self.path = path
        self.throttle = throttle or LoginThrottle()
        self._lock = threading.RLock()
        self._users: dict[str, _User] = {}
        self._by_hash: dict[str, _Token] = {}
        self._stamp: tuple[int, int] | None = None

    # -- state ---------------------------------------------------------------------------------------------------
    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def _refresh(self) -> None:
        stamp = self._file_stamp()
        if stamp == self._stamp and (self._users or stamp is None):
            return
        users: dict[str, _User] = {}
        by_hash: dict[str, _Token] = {}
        for ev in read_lines(self.path):
            kind = ev.get("event")
            try:
                if kind == "user_added":
                    users[ev["username"]] = _User(
                        username=ev["username"], role=Role(ev["role"]), districts=tuple(ev.get("districts", ())),
                        households=tuple(ev.get("households", ())), professional_id=ev.get("professional_id"),
                    )
                elif kind == "token_issued" and ev["username"] in users:
                    tok = _Token(ev["token_id"], ev["username"], ev["token_hash"],
                                 dt.datetime.fromisoformat(ev["expires_at"]))
                    users[ev["username"]].tokens[tok.token_id] = tok
                    by_hash[tok.token_hash] = tok
                elif kind == "token_revoked":
                    for u in users.values():
                        if ev["token_id"] in u.tokens:
                            u.tokens[ev["token_id"]].revoked = True
                elif kind == "user_revoked" and ev["username"] in users:
                    users[ev["username"]].active = False
                    for t in users[ev["username"]].tokens.values():
                        t.revoked = True
            except (KeyError, ValueError, TypeError):
                continue  # a malformed event is ignored rather than locking everyone out
        self._users, self._by_hash, self._stamp = users, by_hash, stamp

    # -- management ----------------------------------------------------------------------------------------------
    def add_user(
        self,
        username: str,
        role: Role | str,
        *,
        districts: Iterable[str] = (),
        households: Iterable[str] = (),
        professional_id: str | None = None,
    ) -> UserOut:
        """Add a user. Raises ``ValueError`` for a bad name or role and :class:`UserExistsError` when taken."""
        if not USERNAME_PATTERN.fullmatch(username):
            raise ValueError("user name must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
        role = Role(role)
        with self._lock:
            self._refresh()
            if username in self._users:
                raise UserExistsError(f"user {username!r} already exists")
            append_lines(self.path, [{
                "event": "user_added", "at": _now().isoformat(), "username": username, "role": role.value,
                "districts": sorted(set(districts)), "households": sorted(set(households)),
                "professional_id": professional_id,
            }])
            self._refresh()
            return self._user_out(self._users[username])

    def issue_token(self, username: str, *, days: float = DEFAULT_TOKEN_DAYS) -> TokenIssued:
        """Issue a new token for an active user, valid for ``days``; the token is returned once and never stored."""
        if not 0 < days <= 3660:
            raise ValueError("token validity must be more than 0 and at most 3660 days")
        with self._lock:
            self._refresh()
            user = self._users.get(username)
            if user is None or not user.active:
                raise UnknownUserError(f"no active user {username!r}")
            token_id = secrets.token_hex(6)
            token = f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
            expires = _now() + dt.timedelta(days=days)
            append_lines(self.path, [{
                "event": "token_issued", "at": _now().isoformat(), "username": username, "token_id": token_id,
                "token_hash": hash_token(token), "expires_at": expires.isoformat(),
            }])
            self._refresh()
            return TokenIssued(username=username, token_id=token_id, token=token, expires_at=expires)

    def revoke_token(self, token_id: str) -> None:
        """Revoke one token by its id."""
        with self._lock:
            self._refresh()
            if not any(token_id in u.tokens for u in self._users.values()):
                raise UnknownUserError(f"no token {token_id!r}")
            append_lines(self.path, [{"event": "token_revoked", "at": _now().isoformat(), "token_id": token_id}])
            self._refresh()

    def revoke_user(self, username: str) -> None:
        """Deactivate a user and revoke all their tokens."""
        with self._lock:
            self._refresh()
            if username not in self._users:
                raise UnknownUserError(f"no user {username!r}")
            append_lines(self.path, [{"event": "user_revoked", "at": _now().isoformat(), "username": username}])
            self._refresh()

    def list_users(self) -> list[UserOut]:
        """Every user (active or not), sorted by name; never tokens or hashes."""
        with self._lock:
            self._refresh()
            return [self._user_out(u) for _, u in sorted(self._users.items())]

    def get_user(self, username: str) -> UserOut | None:
        """One user, or None."""
        with self._lock:
            self._refresh()
            u = self._users.get(username)
            return self._user_out(u) if u else None

    @staticmethod
    def _user_out(u: _User) -> UserOut:
        now = _now()
        return UserOut(
            username=u.username, role=u.role.value, districts=list(u.districts), households=list(u.households),
            professional_id=u.professional_id, active=u.active,
            tokens=sum(1 for t in u.tokens.values() if not t.revoked and t.expires_at > now),
        )

    # -- authentication ------------------------------------------------------------------------------------------
    def authenticate(self, token: str | None, *, client: str = "unknown") -> Principal:
        """The principal for a bearer token.

        Only a presented token that is wrong counts as a failed login, under two keys: the client and the token's
        hash (see :class:`LoginThrottle`). A missing token is refused without counting: anonymous requests must
        never lock anyone out. A success forgets only its own token's record, never the client's.

        Raises
        ------
        AuthenticationError
            When the token is missing, unknown, expired or revoked, or its user is deactivated.
        TooManyAttemptsError
            When ``client`` (or this very token) failed too often recently; checked before the token.
        """
        if not token:
            raise AuthenticationError("missing or invalid bearer token")
        h = hash_token(token)
        keys = (client_key(client), token_key(h))
        self.throttle.check(*keys)
        if len(token) > 512 or not token.startswith(TOKEN_PREFIX):
            self._failed(keys, client, "malformed")
            raise AuthenticationError("missing or invalid bearer token")
        with self._lock:
            self._refresh()
            tok = self._by_hash.get(h)
            user = self._users.get(tok.username) if tok else None
        if tok is None or user is None or tok.revoked or not user.active or tok.expires_at <= _now():
            why = "unknown" if tok is None or user is None else "expired" if tok.expires_at <= _now() else "revoked"
            self._failed(keys, client, why)
            raise AuthenticationError("missing or invalid bearer token")
        self.throttle.succeeded(keys[1])
        return Principal(
            username=user.username, role=user.role, districts=frozenset(user.districts),
            households=frozenset(user.households), professional_id=user.professional_id, token_id=tok.token_id,
        )

    def _failed(self, keys: tuple[str, str], client: str, why: str) -> None:
        """Count a wrong token and log it (the client and the kind of failure; never the token)."""
        log.info("failed login from %s: %s token", client, why)
        self.throttle.failed(*keys)
