"""Benchmark: time until the dashboard's overview and a household page are fully rendered in headless Chromium.

For each size, generates (once, cached in ``--dir``) a synthetic municipality with
:func:`synthetic.municipality.generate_municipality` (as of 2025-06-30), loads it into an embedded store,
creates the demo users (the coordinator holding every district), starts ``caregraph serve`` in a subprocess on a
free loopback port (``CAREGRAPH_AS_OF=2025-06-30``, one process serving API and dashboard), logs in through the
dashboard's login page and measures, with Debian's chromium driven by Selenium:

``overview``
    ``driver.get(<dashboard>/overview)`` until the key figures hold values, all four figures are drawn and no
    Dash callback is pending.
``household``
    ``driver.get(<dashboard>/household?hh=<id>)`` (a household with the too-many-helpers flag) until the title,
    the ego network (canvas), the Gantt chart, the scores and the flags are drawn and nothing is pending.

"cold" is the first load in a fresh browser profile after the server's warm-up of the default as-of date finished:
the browser has nothing cached and the dashboard's
JavaScript is fetched and parsed. The overview is measured as the demo manager, the household as the demo coordinator
(each role sees only its own pages). "warm" is the median of ``--loads`` further loads. "server warm-up" is the time
from starting the process until the API answers the statistics of the default date (snapshot + analytics built);
"trend ready" until it also answers the 12-month flag summary (the warm-up counts those month ends in the
background; the dashboard's trend waits for them until then).
Screenshots of the last load of each page go to ``artifacts/screenshots/bench-<size>-<page>.png``.

Example::

    .venv/bin/python bench/bench_dashboard.py --households 10000 100000 --loads 5
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "artifacts" / "screenshots"
AS_OF = "2025-06-30"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def prepare(base: Path, households: int, seed: int) -> Path:
    """Generate and load the municipality into ``base/store`` unless already there; returns the store path."""
    import datetime as dt

    store_path = base / "store"
    marker = base / f"loaded-{households}-{seed}.txt"
    if marker.exists():
        return store_path
    from foundation.settings import Settings
    from graph.factory import open_store
    from ingest.pseudonyms import pseudonymise_tables
    from synthetic.municipality import generate_municipality

    shutil.rmtree(store_path, ignore_errors=True)
    t0 = time.perf_counter()
    m = generate_municipality(households, seed, as_of=dt.date.fromisoformat(AS_OF))
    print(f"  generated {households:,} households in {time.perf_counter() - t0:.1f} s "
          f"({m.tables.row_counts()['interventions']:,} interventions)", flush=True)
    settings = Settings(store_path=store_path, data_dir=base / "data", demo=True)
    t0 = time.perf_counter()
    store = open_store(settings)
    try:
        store.load(pseudonymise_tables(m.tables, settings.pseudonym_secret()))
    finally:
        store.close()
    print(f"  loaded in {time.perf_counter() - t0:.1f} s", flush=True)
    marker.write_text(AS_OF)
    return store_path


def demo_tokens(base: Path, store_path: Path) -> dict[str, str]:
    """Demo users (the coordinator holds every district, so every household opens); role → token."""
    from caregraph.auth import create_demo_users
    from foundation.settings import Settings
    from graph.factory import open_store

    settings = Settings(store_path=store_path, data_dir=base / "data", demo=True)
    store = open_store(settings, read_only=True)
    try:
        districts = sorted(store.read_table("districts").column("district_id").to_pylist())
    finally:
        store.close()
    return create_demo_users(settings, districts=districts, days=1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(base: Path, store_path: Path, port: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, CAREGRAPH_STORE="embedded", CAREGRAPH_STORE_PATH=str(store_path),
               CAREGRAPH_DATA_DIR=str(base / "data"), CAREGRAPH_DEMO="1", CAREGRAPH_AS_OF=AS_OF,
               CAREGRAPH_SESSION_SECRET=secrets.token_hex(32))
    log = (base / "serve.log").open("wb")
    return subprocess.Popen([str(ROOT / ".venv" / "bin" / "caregraph"), "serve", "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def wait_warm(url: str, token: str, timeout: float = 900) -> float:
    """Seconds until the statistics of the default date answer (the server's warm-up is then done)."""
    t0 = time.perf_counter()
    with httpx.Client(timeout=600) as c:
        while time.perf_counter() - t0 < timeout:
            try:
                r = c.get(f"{url}/api/v1/statistics", headers={"Authorization": f"Bearer {token}"})
                if r.status_code == 200:
                    return time.perf_counter() - t0
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
    raise RuntimeError("server did not become ready")


def wait_trend(url: str, token: str) -> None:
    with httpx.Client(timeout=900) as c:
        r = c.get(f"{url}/api/v1/flags/summary", params={"months": 12}, headers={"Authorization": f"Bearer {token}"})
        r.raise_for_status()


def flagged_household(url: str, token: str) -> str:
    with httpx.Client(timeout=600) as c:
        r = c.get(f"{url}/api/v1/households", params={"flag": "too_many_helpers", "limit": 1},
                  headers={"Authorization": f"Bearer {token}"})
        r.raise_for_status()
        return str(r.json()["items"][0]["household_id"])


def browser(profile: str) -> WebDriver:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1400,1000"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


_IDLE = ("return !document.querySelector('[data-dash-is-loading=\"true\"]')"
         " && !document.querySelector('._dash-loading')")

_OVERVIEW_DONE = _IDLE[len("return "):] + """
 && document.querySelectorAll('#kpi-row .cg-kpi').length >= 5
 && ['fig-flags-by-district', 'fig-flags-per-flag', 'fig-trend', 'fig-helpers'].every(
      id => document.querySelector('#' + id + ' .main-svg .plot .trace, #' + id + ' .main-svg .bars, #'
                                   + id + ' .main-svg .scatterlayer .trace'))"""

_HOUSEHOLD_DONE = _IDLE[len("return "):] + """
 && document.querySelector('#household-title')
 && document.querySelector('#household-ego canvas')
 && document.querySelector('#fig-gantt .main-svg .trace')
 && document.querySelector('#fig-scores .main-svg')
 && document.querySelector('#household-flags li, #household-flags .cg-message')
 && document.querySelector('#household-suggestion p')"""


def timed_load(driver: WebDriver, url: str, done_js: str, timeout: float = 300) -> float:
    """Seconds from navigating to ``url`` until ``done_js`` holds (polled every 20 ms)."""
    t0 = time.perf_counter()
    driver.get(url)
    while time.perf_counter() - t0 < timeout:
        if driver.execute_script("return Boolean(" + done_js + ")"):
            return time.perf_counter() - t0
        time.sleep(0.02)
    shot = SHOTS / "bench-timeout.png"
    driver.save_screenshot(str(shot))
    raise TimeoutError(f"{url} not rendered after {timeout} s (screenshot {shot})")


def logout(driver: WebDriver, base_url: str) -> None:
    """Forget the session (from a dashboard URL that runs no callbacks, so no answer sets the cookie again)."""
    driver.get(base_url + "_dash-layout")
    driver.delete_all_cookies()
    driver.execute_script("window.localStorage.clear(); window.sessionStorage.clear();")


def login(driver: WebDriver, base_url: str, token: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(base_url)
    WebDriverWait(driver, 60).until(ec.presence_of_element_located((By.ID, "login-token")))
    driver.find_element(By.ID, "login-token").send_keys(token)
    driver.find_element(By.ID, "login-button").click()
    WebDriverWait(driver, 600).until(ec.presence_of_element_located((By.CSS_SELECTOR, "#nav a")))


def measure(size: int, base: Path, loads: int) -> dict[str, object]:
    store_path = prepare(base, size, 1)
    tokens = demo_tokens(base, store_path)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    t0 = time.perf_counter()
    proc = start_server(base, store_path, port)
    profile = tempfile.mkdtemp(prefix="cg-bench-chromium-")
    driver: WebDriver | None = None
    try:
        warmup = wait_warm(url, tokens["manager"])
        wait_trend(url, tokens["manager"])
        trend_ready = time.perf_counter() - t0
        hid = flagged_household(url, tokens["manager"])
        driver = browser(profile)
        dash = f"{url}/dashboard/"
        out: dict[str, object] = {"size": size, "warmup": warmup, "trend_ready": trend_ready, "household": hid}
        # the overview as the manager (coordinators get no municipality statistics), the household as the
        # coordinator (managers may not open households)
        pages: list[tuple[str, str, str, str]] = [
            ("overview", "manager", dash + "overview", _OVERVIEW_DONE),
            ("household", "coordinator", dash + f"household?hh={hid}", _HOUSEHOLD_DONE)]
        for name, role, page_url, done in pages:
            logout(driver, dash)
            login(driver, dash, tokens[role])
            cold = timed_load(driver, page_url, done)
            warm = [timed_load(driver, page_url, done) for _ in range(loads)]
            SHOTS.mkdir(parents=True, exist_ok=True)
            shot = SHOTS / f"bench-{size}-{name}.png"
            driver.save_screenshot(str(shot))
            out[name] = {"cold": cold, "warm_median": statistics.median(warm), "warm_max": max(warm),
                         "screenshot": str(shot.relative_to(ROOT))}
        return out
    finally:
        if driver is not None:
            driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def main(argv: list[str] | None = None, report: Callable[[str], None] = print) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--households", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--loads", type=int, default=5, help="Warm loads per page (the median is printed).")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/caregraph-bench-dashboard"))
    ap.add_argument("--prepare-only", action="store_true", help="Only generate and load the stores.")
    args = ap.parse_args(argv)
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        sys.exit("needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
    rows = []
    for n in args.households:
        base = args.dir / f"h{n}"
        base.mkdir(parents=True, exist_ok=True)
        report(f"{n:,} households (dir {base})")
        if args.prepare_only:
            prepare(base, n, 1)
            continue
        rows.append(measure(n, base, args.loads))
    if args.prepare_only:
        return
    report(f"\nas of {AS_OF}; one `caregraph serve` process; headless chromium; median of {args.loads} warm loads; "
           f"2 shared cores (figures taken under contention)")
    report(f"{'households':>10}  {'warm-up s':>9}  {'trend ready s':>13}  {'page':<10} {'cold s':>7} "
           f"{'warm s (median)':>16} {'warm max':>9}  screenshot")
    for r in rows:
        for name in ("overview", "household"):
            p = r[name]
            assert isinstance(p, dict)
            report(f"{r['size']:>10,}  {r['warmup']:>9.1f}  {r['trend_ready']:>13.1f}  {name:<10} {p['cold']:>7.2f} "
                   f"{p['warm_median']:>16.2f} {p['warm_max']:>9.2f}  {p['screenshot']}")


if __name__ == "__main__":
    main()
