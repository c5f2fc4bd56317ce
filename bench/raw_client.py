"""A light closed-loop HTTP/1.1 load generator on raw asyncio streams, for the benchmark suite's API step.

The httpx clients of ``bench/bench_api.py`` cost 2–3.5 ms of CPU per request on this machine, more than the server
itself (~1.7 ms), and they run on the same two cores, so they inflate the measured latency. This client sends
pre-formatted ``GET`` requests on one keep-alive connection per simulated user and reads the status line, the headers
and ``Content-Length`` bytes of body: a few tens of microseconds per request. Same workload as ``bench_api.load``:
household detail and household overlap alternately, for random households, until the deadline.
"""

from __future__ import annotations

import asyncio
import random
import time

IDLE_RECONNECT_S = 4.0
"""After a pause longer than this, a user opens a new connection (untimed), as a browser does: uvicorn closes
keep-alive connections idle for 5 s, and a request sent on a closed one fails."""


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> int:
    """Send one request, read the whole response; the status code."""
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
            break
    if length:
        await reader.readexactly(length)
    return status


async def load(host: str, port: int, token: str, ids: list[str], clients: int, seconds: float, as_of: str,
               think_s: float = 0.0) -> tuple[dict[str, list[float]], dict[str, int], float]:
    """``clients`` users, each on its own connection, sending back to back, or with ``think_s`` a pause between
    requests (exponential, that mean; random start); latencies in ms per route, errors by status or exception name,
    wall seconds."""
    lat: dict[str, list[float]] = {"detail": [], "overlap": []}
    errors: dict[str, int] = {}
    deadline = time.perf_counter() + seconds

    def raw(path: str) -> bytes:
        return (f"GET {path}?as_of={as_of} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
                "Connection: keep-alive\r\n\r\n").encode()

    async def worker(wid: int) -> None:
        rng = random.Random(wid)
        reader, writer = await asyncio.open_connection(host, port)
        if think_s:  # users start at random moments and pause at random (exponential): no synchronised waves
            await asyncio.sleep(rng.uniform(0, think_s))
        try:
            i = rng.randrange(2)
            while time.perf_counter() < deadline:
                kind = "detail" if i % 2 == 0 else "overlap"
                hid = rng.choice(ids)
                req = raw(f"/api/v1/households/{hid}" + ("" if kind == "detail" else "/overlap"))
                t = time.perf_counter()
                try:
                    status = await _request(reader, writer, req)
                except (OSError, asyncio.IncompleteReadError, ValueError) as e:
                    errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
                    continue
                if status == 200:
                    lat[kind].append((time.perf_counter() - t) * 1000)
                else:
                    errors[str(status)] = errors.get(str(status), 0) + 1
                i += 1
                if think_s:
                    pause = rng.expovariate(1 / think_s)
                    await asyncio.sleep(pause)
                    if pause > IDLE_RECONNECT_S:  # the server has closed the idle connection: open a new one
                        writer.close()
                        reader, writer = await asyncio.open_connection(host, port)
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(clients)))
    return lat, errors, time.perf_counter() - t0
