"""Benchmark: latency of the household-detail and overlap routes under concurrent clients on loopback.

Generates (once, cached in ``--dir``) a synthetic municipality, loads it into an embedded store, starts
``caregraph serve --api-only`` in a subprocess (uvicorn, one worker), waits until the cache is warm, then runs
``--clients`` concurrent httpx clients, each sending requests back to back (closed loop) for ``--seconds`` or until
``--requests`` in total, alternating household detail and household overlap for random households. Prints p50/p95/p99
per route, throughput and errors. ``--source cypher`` answers household detail with per-request Cypher instead of the
cached snapshot index.

Example::

    .venv/bin/python bench/bench_api.py --households 100000 --clients 50 --seconds 30
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def prepare(base: Path, households: int, seed: int) -> tuple[Path, str]:
    """Generate and load the municipality into ``base/store`` unless already there; returns (store path, as_of)."""
    store_path = base / "store"
    marker = base / f"loaded-{households}-{seed}.txt"
    if marker.exists():
        return store_path, marker.read_text().strip()
    from foundation.settings import Settings
    from graph.factory import open_store
    from ingest.pseudonyms import pseudonymise_tables
    from synthetic.municipality import generate_municipality

    t0 = time.perf_counter()
    m = generate_municipality(households, seed)
    print(f"generated {households:,} households in {time.perf_counter() - t0:.1f} s "
          f"({m.tables.row_counts()['interventions']:,} interventions)", flush=True)
    settings = Settings(store_path=store_path, data_dir=base / "data", demo=True)  # type: ignore[call-arg]
    t0 = time.perf_counter()
    store = open_store(settings)
    try:
        store.load(pseudonymise_tables(m.tables, settings.pseudonym_secret()))
    finally:
        store.close()
    print(f"loaded in {time.perf_counter() - t0:.1f} s", flush=True)
    marker.write_text(m.as_of.isoformat())
    return store_path, m.as_of.isoformat()


def make_token(base: Path, store_path: Path) -> str:
    """A coordinator holding every district (so every household is in scope)."""
    import secrets

    from caregraph.auth import Role, UserStore, users_file
    from foundation.settings import Settings
    from graph.factory import open_store

    settings = Settings(store_path=store_path, data_dir=base / "data", demo=True)  # type: ignore[call-arg]
    store = open_store(settings, read_only=True)
    try:
        districts = store.read_table("districts").column("district_id").to_pylist()
        ids = store.read_table("households").column("household_id").to_pylist()
    finally:
        store.close()
    (base / "household_ids.txt").write_text("\n".join(ids))
    users = UserStore(users_file(settings.data_dir))
    name = f"bench-{secrets.token_hex(3)}"
    users.add_user(name, Role.coordinator, districts=districts)
    return users.issue_token(name, days=1).token


async def wait_ready(url: str, token: str, hid: str, timeout: float) -> float:
    t0 = time.perf_counter()
    async with httpx.AsyncClient(timeout=600) as c:
        while time.perf_counter() - t0 < timeout:
            try:
                r = await c.get(f"{url}/api/v1/households/{hid}", headers={"Authorization": f"Bearer {token}"})
                if r.status_code == 200:
                    return time.perf_counter() - t0
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
    raise RuntimeError("server did not become ready")


async def load(url: str, token: str, ids: list[str], clients: int, seconds: float, max_requests: int,
               as_of: str) -> tuple[dict[str, list[float]], dict[str, int], float]:
    lat: dict[str, list[float]] = {"detail": [], "overlap": []}
    errors: dict[str, int] = {}
    sent = 0
    deadline = time.perf_counter() + seconds
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)

    async def worker(wid: int) -> None:
        # one client (one keep-alive connection) per simulated user: a shared 50-connection pool costs the load
        # generator several ms of CPU per request, which on 2 cores would be measured as server latency
        nonlocal sent
        rng = random.Random(wid)
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60, limits=limits) as c:
            i = 0
            while time.perf_counter() < deadline and sent < max_requests:
                sent += 1
                hid = rng.choice(ids)
                kind = "detail" if i % 2 == 0 else "overlap"
                path = f"/api/v1/households/{hid}" + ("" if kind == "detail" else "/overlap")
                t = time.perf_counter()
                try:
                    r = await c.get(path, params={"as_of": as_of})
                    ok = r.status_code == 200
                    key = str(r.status_code)
                except httpx.HTTPError as e:
                    ok, key = False, type(e).__name__
                dt_ms = (time.perf_counter() - t) * 1000
                if ok:
                    lat[kind].append(dt_ms)
                else:
                    errors[key] = errors.get(key, 0) + 1
                i += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(clients)))
    return lat, errors, time.perf_counter() - t0


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--requests", type=int, default=20_000, help="Upper bound on requests in total.")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--source", choices=["snapshot", "cypher"], default="snapshot")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/caregraph-bench"))
    args = ap.parse_args()

    base = args.dir / f"h{args.households}-s{args.seed}"
    base.mkdir(parents=True, exist_ok=True)
    store_path, as_of = prepare(base, args.households, args.seed)
    token = make_token(base, store_path)
    ids = (base / "household_ids.txt").read_text().split()
    env = {**os.environ, "CAREGRAPH_STORE_PATH": str(store_path), "CAREGRAPH_DATA_DIR": str(base / "data"),
           "CAREGRAPH_DEMO": "1", "CAREGRAPH_AS_OF": as_of, "CAREGRAPH_DETAIL_SOURCE": args.source}
    cmd = [sys.executable, "-m", "caregraph.cli", "serve", "--api-only", "--host", "127.0.0.1",
           "--port", str(args.port)]
    server = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{args.port}"
    try:
        warm = asyncio.run(wait_ready(url, token, ids[0], timeout=900))
        print(f"server ready and cache warm after {warm:.1f} s", flush=True)
        cpu0, own0 = cpu_seconds(server.pid), time.process_time()
        lat, errors, wall = asyncio.run(load(url, token, ids, args.clients, args.seconds, args.requests, as_of))
        server_cpu, client_cpu = cpu_seconds(server.pid) - cpu0, time.process_time() - own0
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    total = sum(len(v) for v in lat.values())
    print(f"\n{args.households:,} households, {args.clients} concurrent clients, {wall:.1f} s, detail source "
          f"{args.source!r}: {total:,} ok requests ({total / wall:.0f}/s), errors: {errors or 'none'}")
    print(f"server CPU {server_cpu:.1f} s ({server_cpu / max(total, 1) * 1000:.1f} ms per request), load client CPU "
          f"{client_cpu:.1f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'route':<10}{'n':>8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'mean ms':>10}")
    for kind, v in lat.items():
        mean = statistics.fmean(v) if v else float("nan")
        print(f"{kind:<10}{len(v):>8}{pct(v, 50):>10.1f}{pct(v, 95):>10.1f}{pct(v, 99):>10.1f}{mean:>10.1f}")


if __name__ == "__main__":
    main()
