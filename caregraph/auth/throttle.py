"""Brute-force protection for token logins: too many wrong tokens from one client lock it out for a while.

Only *guesses* count: a request that presents a token which turns out wrong. A request without any token is refused
(401) but counted nowhere, so anonymous traffic (a browser opening the login page, a health probe, a scanner without
credentials) can never lock out a valid token or end a logged-in session.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from caregraph.auth.errors import TooManyAttemptsError

__all__ = ["LoginThrottle", "client_key", "token_key"]

log = logging.getLogger(__name__)


def client_key(client: str) -> str:
    """The throttle key of a client address (or session id)."""
    return f"client:{client}"


def token_key(token_hash: str) -> str:
    """The throttle key of one presented token, from its hash (the token itself is never kept)."""
    return f"token:{token_hash[:32]}"


class LoginThrottle:
    """Count failed logins per key in a sliding window; after ``max_failures`` failures within ``window_s``
    seconds the key is refused for ``lockout_s`` seconds, even with a valid token.

    Keys name what is guessing: a client address (:func:`client_key`) or one presented token (:func:`token_key`).
    :meth:`succeeded` forgets only the record of the key it is given: a success never clears another key's
    failures, so an attacker holding one valid token of their own cannot reset their address's count between
    guesses.

    Memory is bounded: at most ``max_clients`` keys are tracked per kind of key (the part before ``:``; the oldest
    are forgotten first), so a flood of distinct wrong tokens cannot push the address records out.
    """

    def __init__(
        self,
        *,
        max_failures: int = 10,
        window_s: float = 300.0,
        lockout_s: float = 300.0,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.lockout_s = lockout_s
        self.max_clients = max_clients
        self._clock = clock
        self._failures: dict[str, OrderedDict[str, deque[float]]] = {}
        self._locked_until: dict[str, OrderedDict[str, float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _kind(key: str) -> str:
        return key.split(":", 1)[0]

    def check(self, *keys: str) -> None:
        """Raise :class:`TooManyAttemptsError` when any of ``keys`` is locked out."""
        with self._lock:
            now = self._clock()
            for key in keys:
                locked = self._locked_until.get(self._kind(key))
                until = locked.get(key) if locked is not None else None
                if locked is None or until is None:
                    continue
                if now < until:
                    raise TooManyAttemptsError("too many failed logins; try again later", math.ceil(until - now))
                del locked[key]

    def failed(self, *keys: str) -> None:
        """Record one failed login under each of ``keys``."""
        with self._lock:
            now = self._clock()
            for key in keys:
                kind = self._kind(key)
                failures = self._failures.setdefault(kind, OrderedDict())
                q = failures.setdefault(key, deque())
                q.append(now)
                while q and q[0] < now - self.window_s:
                    q.popleft()
                if len(q) >= self.max_failures:
                    locked = self._locked_until.setdefault(kind, OrderedDict())
                    locked[key] = now + self.lockout_s
                    q.clear()
                    log.warning("login lockout: %s after %d failed logins, for %d s", key, self.max_failures,
                                math.ceil(self.lockout_s))
                    while len(locked) > self.max_clients:
                        locked.popitem(last=False)
                while len(failures) > self.max_clients:
                    failures.popitem(last=False)

    def succeeded(self, key: str) -> None:
        """Forget the failures recorded under ``key`` (and no other key) after a successful login."""
        with self._lock:
            failures = self._failures.get(self._kind(key))
            if failures is not None:
                failures.pop(key, None)

    def failures(self, key: str) -> int:
        """Failures recorded under ``key`` in the current window (not counting those that led to a lockout)."""
        with self._lock:
            now = self._clock()
            records = self._failures.get(self._kind(key))
            q = records.get(key) if records is not None else None
            return 0 if q is None else sum(1 for t in q if t >= now - self.window_s)
