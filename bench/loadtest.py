"""Load test: ``caregraph serve`` (API and dashboard in one process) under concurrent simulated users on loopback.

Builds (once, cached in ``--dir``) a demo municipality with :func:`caregraph.commands.demo_cmd.run_demo`, issues the
demo users fresh tokens, starts ``caregraph serve`` in a subprocess on 127.0.0.1, waits until the cache is warm,
then runs ``--clients`` concurrent users, each sending requests back to back (closed loop) for ``--seconds`` or until
``--requests`` in total (both bounds always apply), with a realistic mix:

- API users (``manager``, ``coordinator``, ``researcher`` demo tokens): household lists (a district, a page),
  household detail and household overlap (coordinator, households in their districts), professional pair overlap,
  caseloads, the flag summary and the network statistics.
- Dashboard users (one in four clients; each logs in through the Dash login callback, so a signed session cookie
  carries the token): page loads (``/dashboard/`` HTML, ``_dash-layout``, ``_dash-dependencies``) and
  ``_dash-update-component`` callbacks: the page router, the overview figures, the cases table and the household
  page.

Every response is checked: status 200, and for dashboard callbacks a JSON body with a ``response`` (a callback that
answered 204 means the session was lost). Anything else counts as an error. Prints requests served, errors, and
p50/p95/p99 latency per kind of call; ``--json`` adds a last line with the summary as JSON (the test reads it).

Example (the issue's figures)::

    .venv/bin/python bench/loadtest.py --households 10000 --clients 50 --seconds 60

The machine may be shared: the load generator runs in this process on the same cores as the server, so latencies
include its CPU time under contention.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# ------------------------------------------------------------------------------------------------ preparation --
@dataclass
class Prepared:
    """What the load needs: the demo folder, its as-of date, tokens per role and ids to ask about."""

    base: Path
    as_of: str
    tokens: dict[str, str]
    districts: list[str]
    coordinator_households: list[str]
    professionals: list[str]


def prepare(base: Path, households: int, seed: int) -> Prepared:
    """Generate and load the demo municipality into ``base`` unless it is there; issue fresh demo tokens."""
    from caregraph.auth import create_demo_users
    from caregraph.commands.demo_cmd import demo_settings, run_demo
    from graph.factory import open_store

    base.mkdir(parents=True, exist_ok=True)
    settings = demo_settings(base, 0)
    marker = base / "loaded.txt"
    if marker.exists():
        tokens = create_demo_users(settings)
    else:
        t0 = time.perf_counter()
        result = run_demo(settings, households=households, seed=seed, base=base)
        tokens = result.tokens
        marker.write_text(result.as_of.isoformat())
        print(f"demo municipality of {households:,} households built in {time.perf_counter() - t0:.1f} s", flush=True)
    from caregraph.auth import UserStore, users_file

    users = UserStore(users_file(settings.data_dir))
    coordinator = next(u for u in users.list_users() if u.username == "demo-coordinator")
    store = open_store(settings, read_only=True)
    try:
        hh = store.read_table("households")
        districts = sorted({str(d) for d in hh.column("district_id").to_pylist()})
        held = set(coordinator.districts)
        mine = [str(h) for h, d in zip(hh.column("household_id").to_pylist(), hh.column("district_id").to_pylist(),
                                       strict=True) if d in held]
        professionals = [str(p) for p in store.read_table("professionals").column("professional_id").to_pylist()]
    finally:
        store.close()
    if not mine:
        raise RuntimeError("the demo coordinator holds no households")
    return Prepared(base, marker.read_text().strip(), tokens, districts, mine, professionals)


# ------------------------------------------------------------------------------------------------- dashboard --
def _outputs(spec: str) -> list[dict[str, str]] | dict[str, str]:
    """The ``outputs`` field of a callback request for the output key ``spec`` of ``_dash-dependencies``."""
    if spec.startswith(".."):
        parts = spec.strip(".").split("...")
        return [dict(zip(("id", "property"), p.rsplit(".", 1), strict=True)) for p in parts]
    cid, prop = spec.rsplit(".", 1)
    return {"id": cid, "property": prop}


class DashCallbacks:
    """Builds ``_dash-update-component`` request bodies from the app's ``_dash-dependencies``."""

    def __init__(self, dependencies: list[dict[str, Any]]) -> None:
        self.by_output: dict[str, dict[str, Any]] = {}
        for dep in dependencies:
            outs = _outputs(dep["output"])
            for o in outs if isinstance(outs, list) else [outs]:
                self.by_output.setdefault(f"{o['id']}.{o['property']}", dep)

    def body(self, output: str, values: dict[str, Any]) -> dict[str, Any]:
        """The request for the callback that has ``output`` (``id.property``); inputs and states take their value
        from ``values`` (keyed ``id.property``; missing ones are None). The first input is the one that changed."""
        dep = self.by_output[output]

        def items(kind: str) -> list[dict[str, Any]]:
            return [{"id": i["id"], "property": i["property"], "value": values.get(f"{i['id']}.{i['property']}")}
                    for i in dep.get(kind, [])]

        inputs = items("inputs")
        return {"output": dep["output"], "outputs": _outputs(dep["output"]), "inputs": inputs,
                "state": items("state"), "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"]}


# ------------------------------------------------------------------------------------------------------ load --
@dataclass
class Results:
    """Latencies (ms) of successful calls per kind, and errors per (kind, cause)."""

    latency: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    sent: int = 0

    def served(self) -> int:
        return sum(len(v) for v in self.latency.values())


Check = Callable[[httpx.Response], bool]


def _ok(r: httpx.Response) -> bool:
    return r.status_code == 200


def _callback_ok(r: httpx.Response) -> bool:
    if r.status_code != 200:
        return False
    body = r.json()
    return isinstance(body, dict) and "response" in body and "store_unavailable" not in r.text


async def run_load(url: str, prep: Prepared, callbacks: DashCallbacks, *, clients: int, seconds: float,
                   max_requests: int, dashboard_share: int = 4) -> tuple[Results, float]:
    """Run ``clients`` simulated users against ``url``; every ``dashboard_share``-th client uses the dashboard."""
    res = Results()
    deadline = time.perf_counter() + seconds
    as_of = prep.as_of
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)

    async def timed(kind: str, send: Awaitable[httpx.Response], check: Check = _ok) -> httpx.Response | None:
        res.sent += 1
        t = time.perf_counter()
        try:
            r = await send
            ok = check(r)
            cause = str(r.status_code)
        except (httpx.HTTPError, ValueError) as e:
            r, ok, cause = None, False, type(e).__name__
        if ok:
            res.latency.setdefault(kind, []).append((time.perf_counter() - t) * 1000)
        else:
            key = f"{kind} {cause}"
            res.errors[key] = res.errors.get(key, 0) + 1
        return r

    def more() -> bool:
        return time.perf_counter() < deadline and res.sent < max_requests

    async def api_user(wid: int) -> None:
        rng = random.Random(wid)
        hdr = {role: {"Authorization": f"Bearer {tok}"} for role, tok in prep.tokens.items()}
        async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as c:
            while more():
                pick = rng.random()
                q: dict[str, Any] = {"as_of": as_of}
                if pick < 0.18:
                    q |= {"district": rng.choice(prep.districts), "limit": 50, "offset": rng.choice((0, 0, 50, 100))}
                    await timed("api households list", c.get("/api/v1/households", params=q, headers=hdr["manager"]))
                elif pick < 0.43:
                    hid = rng.choice(prep.coordinator_households)
                    await timed("api household detail", c.get(f"/api/v1/households/{hid}", params=q,
                                                                 headers=hdr["coordinator"]))
                elif pick < 0.58:
                    hid = rng.choice(prep.coordinator_households)
                    await timed("api household overlap", c.get(f"/api/v1/households/{hid}/overlap", params=q,
                                                                  headers=hdr["coordinator"]))
                elif pick < 0.66:
                    a, b = rng.sample(prep.professionals, 2)
                    await timed("api professionals overlap", c.get("/api/v1/overlap/professionals",
                                                                      params=q | {"a": a, "b": b},
                                                                      headers=hdr["manager"]))
                elif pick < 0.80:
                    pid = rng.choice(prep.professionals)
                    await timed("api caseload", c.get(f"/api/v1/professionals/{pid}/caseload", params=q,
                                                      headers=hdr["manager"]))
                elif pick < 0.92:
                    await timed("api flags summary", c.get("/api/v1/flags/summary", params=q,
                                                           headers=hdr["manager"]))
                else:
                    await timed("api statistics", c.get("/api/v1/statistics", params=q, headers=hdr["researcher"]))

    async def dashboard_user(wid: int) -> None:
        rng = random.Random(wid)
        role = "coordinator" if (wid // dashboard_share) % 2 else "manager"
        async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as c:
            post = "/dashboard/_dash-update-component"
            login = callbacks.body("login-message.children", {"login-button.n_clicks": 1,
                                                              "login-token.value": prep.tokens[role]})
            r = await timed("dash login", c.post(post, json=login), _callback_ok)
            if r is None or "caregraph_dash" not in c.cookies:
                res.errors["dash login: no session cookie"] = res.errors.get("dash login: no session cookie", 0) + 1
                return
            while more():
                pick = rng.random()
                if pick < 0.15:  # a full page load: HTML, layout and dependencies
                    await timed("dash page html", c.get("/dashboard/cases"))
                    await timed("dash page layout", c.get("/dashboard/_dash-layout"))
                    await timed("dash page dependencies", c.get("/dashboard/_dash-dependencies"))
                elif pick < 0.35:
                    path = rng.choice(("/dashboard/", "/dashboard/cases", "/dashboard/household"))
                    body = callbacks.body("page-content.children", {"url.pathname": path, "lang-store.data": "nl"})
                    await timed("dash callback route", c.post(post, json=body), _callback_ok)
                elif pick < 0.60:
                    district = rng.choice([None, *prep.districts]) if role == "manager" else None
                    body = callbacks.body("cases-table.data", {"as-of.date": as_of, "district-filter.value": district,
                                                               "lang-store.data": "nl"})
                    await timed("dash callback cases", c.post(post, json=body), _callback_ok)
                elif pick < 0.75 and role == "manager":
                    body = callbacks.body("kpi-row.children", {"as-of.date": as_of, "lang-store.data": "nl"})
                    await timed("dash callback overview", c.post(post, json=body), _callback_ok)
                elif role == "coordinator":
                    hid = rng.choice(prep.coordinator_households)
                    body = callbacks.body("household-header.children", {"url.search": f"?hh={hid}",
                                                                        "as-of.date": as_of, "lang-store.data": "nl"})
                    await timed("dash callback household", c.post(post, json=body), _callback_ok)
                else:
                    body = callbacks.body("kpi-row.children", {"as-of.date": as_of, "lang-store.data": "nl"})
                    await timed("dash callback overview", c.post(post, json=body), _callback_ok)

    users = [dashboard_user(w) if w % dashboard_share == dashboard_share - 1 else api_user(w) for w in range(clients)]
    t0 = time.perf_counter()
    await asyncio.gather(*users)
    return res, time.perf_counter() - t0


# ------------------------------------------------------------------------------------------------- the server --
async def wait_warm(url: str, prep: Prepared, timeout: float) -> float:
    """Seconds until ``/ready`` answers and a household list (which needs the analytics) returns 200."""
    t0 = time.perf_counter()
    hdr = {"Authorization": f"Bearer {prep.tokens['manager']}"}
    async with httpx.AsyncClient(base_url=url, timeout=600) as c:
        while time.perf_counter() - t0 < timeout:
            try:
                if (await c.get("/ready")).status_code == 200 and (await c.get(
                        "/api/v1/households", params={"as_of": prep.as_of}, headers=hdr)).status_code == 200:
                    return time.perf_counter() - t0
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.3)
    raise RuntimeError("the server did not become ready")


def start_server(prep: Prepared, port: int, log: Path) -> subprocess.Popen[bytes]:
    """``caregraph serve`` on 127.0.0.1:``port`` over the demo store (stdout and stderr to ``log``)."""
    env = {**os.environ, "CAREGRAPH_DEMO": "1", "CAREGRAPH_STORE": "embedded",
           "CAREGRAPH_STORE_PATH": str(prep.base / "store"), "CAREGRAPH_DATA_DIR": str(prep.base / "state"),
           "CAREGRAPH_AS_OF": prep.as_of}
    env.pop("CAREGRAPH_PSEUDONYM_KEY", None)
    cmd = [sys.executable, "-m", "caregraph.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with open(log, "wb") as out:
        return subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def pct(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank) of ``values``."""
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def summary(res: Results, wall: float, clients: int, households: int) -> dict[str, Any]:
    """The figures as a JSON-able dict."""
    return {
        "households": households, "clients": clients, "seconds": round(wall, 1), "requests_sent": res.sent,
        "requests_served": res.served(), "errors": sum(res.errors.values()), "error_kinds": res.errors,
        "per_kind": {k: {"n": len(v), "p50_ms": round(pct(v, 50), 1), "p95_ms": round(pct(v, 95), 1),
                         "p99_ms": round(pct(v, 99), 1)} for k, v in sorted(res.latency.items())},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--households", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--requests", type=int, default=100_000, help="Upper bound on requests in total.")
    ap.add_argument("--port", type=int, default=8766)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/caregraph-loadtest"))
    ap.add_argument("--json", action="store_true", help="Print the summary as JSON on the last line.")
    args = ap.parse_args(argv)
    if not 0 < args.seconds <= 600 or not 0 < args.requests <= 1_000_000:
        ap.error("--seconds must be in (0, 600] and --requests in (0, 1,000,000]")

    prep = prepare(args.dir / f"h{args.households}-s{args.seed}", args.households, args.seed)
    url = f"http://127.0.0.1:{args.port}"
    log = prep.base / "serve.log"
    server = start_server(prep, args.port, log)
    try:
        warm = asyncio.run(wait_warm(url, prep, timeout=900))
        print(f"server ready and cache warm after {warm:.1f} s", flush=True)
        deps = httpx.get(f"{url}/dashboard/_dash-dependencies", timeout=60).json()
        res, wall = asyncio.run(run_load(url, prep, DashCallbacks(deps), clients=args.clients, seconds=args.seconds,
                                         max_requests=args.requests))
    finally:
        stop_server(server)
    out = summary(res, wall, args.clients, args.households)
    print(f"\n{args.households:,} households, {args.clients} concurrent clients, {wall:.1f} s: "
          f"{out['requests_served']:,} requests served ({out['requests_served'] / wall:.0f}/s), "
          f"errors: {out['errors']} {res.errors or ''}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (load generator on the same cores)")
    print(f"{'kind':<28}{'n':>8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
    for kind, k in out["per_kind"].items():
        print(f"{kind:<28}{k['n']:>8}{k['p50_ms']:>10.1f}{k['p95_ms']:>10.1f}{k['p99_ms']:>10.1f}")
    if args.json:
        print(json.dumps(out))
    return 0 if out["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
