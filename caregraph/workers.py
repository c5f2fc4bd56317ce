"""Several server processes on one port: a small supervisor, one ``SO_REUSEPORT`` listening socket per worker.

Why not uvicorn's own ``workers=N``: its workers share ONE listening socket, and which of them accepts a new
connection is left to whoever wakes first. Measured with 50 keep-alive clients on 2 workers (10,000 households): the
connections split 14/36, so one worker did 72 % of the work and the latency was that of one overloaded process.
With a socket per worker bound with ``SO_REUSEPORT`` the kernel spreads connections over the workers by a hash of
the connection's addresses (the way nginx's ``reuseport`` does).

The supervisor binds the address first (without listening, so it takes no connections) to fail early when the port is
taken, starts the workers (``spawn``), restarts a worker that dies (at most :data:`MAX_RESTARTS` per minute), and on
SIGINT/SIGTERM stops them all gracefully (uvicorn finishes the requests in flight).
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import threading
import time
from collections import deque
from types import FrameType

__all__ = ["run_workers", "reuseport_socket", "MAX_RESTARTS", "STOP_GRACE_S"]

log = logging.getLogger(__name__)

MAX_RESTARTS = 5
"""Restarts of dead workers allowed per minute; beyond that the supervisor gives up and stops."""
STOP_GRACE_S = 30.0
"""How long stopping waits for a worker to finish its requests before killing it."""


def reuseport_socket(host: str, port: int, *, listen: bool) -> socket.socket:
    """A TCP socket bound to ``host:port`` with ``SO_REUSEADDR`` and ``SO_REUSEPORT`` (listening when ``listen``).

    Raises
    ------
    OSError
        The address is taken by a socket without ``SO_REUSEPORT`` or of another user, or cannot be bound.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        if listen:
            sock.listen(2048)
    except BaseException:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _worker_main(host: str, port: int, log_level: str) -> None:
    """One worker process: its own listening socket, uvicorn serving :func:`caregraph.serve.worker_app`."""
    import uvicorn

    sock = reuseport_socket(host, port, listen=True)
    config = uvicorn.Config("caregraph.serve:worker_app", factory=True, log_level=log_level, access_log=False,
                            server_header=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])


def run_workers(workers: int, host: str, port: int, *, log_level: str = "info") -> int:
    """Run ``workers`` worker processes until SIGINT or SIGTERM; returns an exit status (0 after a clean stop).

    The workers read their settings from the environment (set it before calling).
    """
    guard = reuseport_socket(host, port, listen=False)  # fails now, with a clear error, when the port is taken
    ctx = multiprocessing.get_context("spawn")
    stop = threading.Event()
    procs: list[multiprocessing.process.BaseProcess] = []
    restarts: deque[float] = deque()

    def start(i: int) -> multiprocessing.process.BaseProcess:
        p = ctx.Process(target=_worker_main, args=(host, port, log_level), name=f"caregraph-worker-{i}")
        p.start()
        log.info("started worker %d (pid %s)", i, p.pid)
        return p

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    status = 0
    try:
        procs = [start(i) for i in range(workers)]
        log.info("caregraph serving on http://%s:%d with %d workers", host, port, workers)
        while not stop.wait(0.5):
            for i, p in enumerate(procs):
                if p.is_alive():
                    continue
                now = time.monotonic()
                while restarts and now - restarts[0] > 60:
                    restarts.popleft()
                if len(restarts) >= MAX_RESTARTS:
                    log.error("workers keep dying (%d restarts in a minute); stopping", len(restarts))
                    stop.set()
                    status = 1
                    break
                log.warning("worker %d (pid %s) died with exit code %s; restarting it", i, p.pid, p.exitcode)
                restarts.append(now)
                procs[i] = start(i)
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()  # SIGTERM: uvicorn shuts down gracefully
        deadline = time.monotonic() + STOP_GRACE_S
        for p in procs:
            p.join(max(0.1, deadline - time.monotonic()))
            if p.is_alive():
                p.kill()
                p.join()
        for s, h in old.items():
            signal.signal(s, h)
        guard.close()
    return status
