"""Brute-force protection for token logins: too many failures from one client lock it out for a while."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from caregraph.auth.errors import TooManyAttemptsError

__all__ = ["LoginThrottle"]


class LoginThrottle:
    """Count failed logins per client (an IP address or session id) in a sliding window.

    After ``max_failures`` failures within ``window_s`` seconds the client is refused for ``lockout_s`` seconds,
    even with a valid token. A success clears the client's failures. Memory is bounded: at most ``max_clients``
    clients are tracked (the oldest are forgotten first).
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
        self._failures: dict[str, deque[float]] = {}
        self._locked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def check(self, client: str) -> None:
        """Raise :class:`TooManyAttemptsError` when ``client`` is locked out."""
        with self._lock:
            until = self._locked_until.get(client)
            if until is None:
                return
            now = self._clock()
            if now < until:
                raise TooManyAttemptsError("too many failed logins; try again later", math.ceil(until - now))
            del self._locked_until[client]

    def failed(self, client: str) -> None:
        """Record a failed login by ``client``."""
        with self._lock:
            now = self._clock()
            q = self._failures.setdefault(client, deque())
            q.append(now)
            while q and q[0] < now - self.window_s:
                q.popleft()
            if len(q) >= self.max_failures:
                self._locked_until[client] = now + self.lockout_s
                q.clear()
            if len(self._failures) > self.max_clients:
                self._failures.pop(next(iter(self._failures)))
            if len(self._locked_until) > self.max_clients:
                self._locked_until.pop(next(iter(self._locked_until)))

    def succeeded(self, client: str) -> None:
        """Forget ``client``'s failures after a successful login."""
        if client in self._failures:
            with self._lock:
                self._failures.pop(client, None)
