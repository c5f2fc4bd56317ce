"""Browser tests: the dashboard in headless Chromium (Debian's chromium + chromium-driver) driven by Selenium.

Every page is opened as each role; overview → cases → household is clicked through; rendered content is asserted;
the browser console must hold no SEVERE entries; a screenshot of each page goes to ``artifacts/screenshots/``.
"""

from __future__ import annotations

import json
import shutil
import socket
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from pydantic import SecretStr
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import make_server

from caregraph.serve import build_app
from dashboard.app import create_dash
from tests.dashboard.municipality import Municipality

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    pytest.skip("chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)",
                allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def base_url(municipality: Municipality) -> Iterator[str]:
    app = create_dash(municipality.services, municipality.settings)
    wsgi = DispatcherMiddleware(lambda env, start: (start("404 Not Found", []), [b""])[1],
                                {"/dashboard": app.server})
    port = _free_port()
    server = make_server("127.0.0.1", port, wsgi, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/dashboard/"
    server.shutdown()


@pytest.fixture(scope="module")
def mounted_url(municipality: Municipality) -> Iterator[str]:
    """The dashboard as ``caregraph serve`` runs it: mounted in the API's ASGI app by :func:`build_app`, served by
    uvicorn, with the session secret from the settings."""
    settings = municipality.settings.model_copy(update={"session_secret": SecretStr("s" * 40)})
    app = build_app(settings, mode="both", services=municipality.services)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off",
                                           access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/dashboard/"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The browser's download folder."""
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def driver(downloads: Path) -> Iterator[webdriver.Chrome]:
    profile = tempfile.mkdtemp(prefix="cg-chromium-")
    options = webdriver.ChromeOptions()
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1400,1000"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield d
    d.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _wait(d: webdriver.Chrome, css: str, timeout: float = 20) -> None:
    WebDriverWait(d, timeout).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def _wait_text(d: webdriver.Chrome, css: str, text: str, timeout: float = 20) -> None:
    WebDriverWait(d, timeout).until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))


def _severe(d: webdriver.Chrome) -> list[str]:
    return [e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE"]


def _clean(d: webdriver.Chrome, base: str) -> None:
    """Start from a clean browser: no cookies, no local or session storage (the language and filters live there).

    The storage is cleared from a page of the dashboard's origin that runs no callbacks (a callback answer still in
    flight would set the refreshed session cookie again after the deletion).
    """
    d.get(base + "_dash-layout")
    d.delete_all_cookies()
    d.execute_script("window.localStorage.clear(); window.sessionStorage.clear();")
    d.get_log("browser")  # the JSON page's favicon request (it has no icon link) is not the dashboard's
    d.get(base)


def _login(d: webdriver.Chrome, base: str, token: str) -> None:
    _clean(d, base)
    _wait(d, "#login-token")
    d.find_element(By.ID, "login-token").send_keys(token)
    d.find_element(By.ID, "login-button").click()
    _wait(d, "#nav a", 20)


def _settle(d: webdriver.Chrome) -> None:
    """Wait until Dash has no pending callbacks."""
    WebDriverWait(d, 30).until(lambda drv: drv.execute_script(
        "return !document.querySelector('[data-dash-is-loading=\"true\"]')"
        " && !document.querySelector('._dash-loading')"))
    time.sleep(0.4)


def _shot(d: webdriver.Chrome, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    d.save_screenshot(str(SHOTS / f"{name}.png"))


PAGES_BY_ROLE = {
    "manager": ["overview", "cases", "network"],
    "coordinator": ["overview", "cases", "network"],
    "researcher": ["overview", "network", "research"],
    "admin": ["admin"],
}


@pytest.mark.parametrize("role", list(PAGES_BY_ROLE))
def test_each_role_sees_its_pages(role: str, driver: webdriver.Chrome, base_url: str,
                                  municipality: Municipality) -> None:
    _login(driver, base_url, municipality.tokens[role])
    nav = [a.get_attribute("id") for a in driver.find_elements(By.CSS_SELECTOR, "#nav a")]
    assert nav == [f"nav-{p}" for p in PAGES_BY_ROLE[role]]
    driver.get_log("browser")
    expected = {"overview": ("#fig-flags-by-district .main-svg", "#kpi-row"),
                "cases": ("#cases-table td", "#cases-note"), "network": ("#network-graph canvas", "#network-note"),
                "research": ("#research-table td", "#research-stats-table"), "admin": ("#admin-table td", "h1")}
    for page in PAGES_BY_ROLE[role]:
        driver.get(base_url + page)
        for css in expected[page]:
            _wait(driver, css)
        _settle(driver)
        _shot(driver, f"{role}-{page}")
        # every figure's card holds its drawn figure (a graph inside dcc.Loading once collapsed to its title bar)
        heights = driver.execute_script(
            "return [...document.querySelectorAll('.cg-card')].filter(c => c.querySelector('.dash-graph'))"
            ".map(c => c.getBoundingClientRect().height)")
        assert all(h > 200 for h in heights), (page, heights)
        assert "Deze pagina is niet beschikbaar" not in driver.find_element(By.ID, "page-content").text
        assert _severe(driver) == [], f"{role} {page}"
    if role in ("manager", "researcher", "admin"):
        driver.get(base_url + "household?hh=HH0001")
        _wait_text(driver, "#page-content", "niet beschikbaar")
        assert "Lid 0-0" not in driver.page_source


def test_coordinator_clicks_overview_cases_household(driver: webdriver.Chrome, base_url: str,
                                                    municipality: Municipality) -> None:
    _login(driver, base_url, municipality.tokens["coordinator"])
    _wait(driver, "#fig-flags-by-district .main-svg")
    _settle(driver)
    assert "Signalen per wijk" in driver.find_element(By.ID, "page-content").text
    driver.find_element(By.ID, "nav-cases").click()
    _wait_text(driver, "#cases-table", "HH0001")
    _settle(driver)
    cell = next(td for td in driver.find_elements(By.CSS_SELECTOR, "#cases-table td") if td.text == "HH0001")
    cell.click()
    _wait_text(driver, "#household-title", "HH0001")
    _wait(driver, "#fig-gantt .main-svg")
    _wait(driver, "#household-ego canvas")
    _settle(driver)
    text = driver.find_element(By.ID, "page-content").text
    assert "Te veel hulpverleners" in text and "Bijtende interventies" in text
    assert "Anna de Vries" in text  # the coordinator sees names in their district
    assert "Interventies per domein in de tijd" in text
    _shot(driver, "coordinator-household")
    assert _severe(driver) == []
    # English switch
    driver.find_element(By.CSS_SELECTOR, "#lang-switch input[value='en']").click()
    _wait_text(driver, "#page-content", "Interventions per domain over time")
    _settle(driver)
    _shot(driver, "coordinator-household-en")
    assert _severe(driver) == []


def _downloaded(folder: Path, suffix: str, timeout: float = 30) -> Path:
    """The first finished download ending in ``suffix`` (Chromium writes ``*.crdownload`` until it is complete)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if p.name.endswith(suffix)]
        if done and not list(folder.glob("*.crdownload")):
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} in {folder} after {timeout} s: {sorted(p.name for p in folder.iterdir())}")


def test_researcher_downloads_the_export(driver: webdriver.Chrome, base_url: str, municipality: Municipality,
                                         downloads: Path) -> None:
    for old in downloads.iterdir():
        old.unlink()
    _login(driver, base_url, municipality.tokens["researcher"])
    driver.get(base_url + "research")
    _wait(driver, "#research-table td")
    _settle(driver)
    driver.get_log("browser")
    driver.find_element(By.ID, "research-export").click()
    got = _downloaded(downloads, ".zip")
    assert got.name.startswith("caregraph-research-")
    with zipfile.ZipFile(got) as z:
        names = z.namelist()
        assert "metadata.json" in names and len(names) > 3, names
        assert json.loads(z.read("metadata.json"))["as_of"]
    _wait_text(driver, "#research-message", got.name)
    _shot(driver, "researcher-download")
    assert _severe(driver) == []


def test_bad_token_is_refused(driver: webdriver.Chrome, base_url: str) -> None:
    # a language switch made by an earlier test lives in browser storage: _clean starts from the default (Dutch)
    _clean(driver, base_url)
    _wait(driver, "#login-token")
    driver.find_element(By.ID, "login-token").send_keys("not-a-token")
    driver.find_element(By.ID, "login-button").click()
    _wait_text(driver, "#login-message", "Token onbekend")
    assert driver.find_elements(By.CSS_SELECTOR, "#nav a") == []


def test_login_through_the_mounted_dashboard(driver: webdriver.Chrome, mounted_url: str,
                                            municipality: Municipality) -> None:
    """The one-process server (API + dashboard under /dashboard/): log in, the session survives a reload, the
    overview and a household render, log out ends the session."""
    _login(driver, mounted_url, municipality.tokens["coordinator"])
    _wait(driver, "#kpi-flagged")
    driver.get(mounted_url + "household?hh=HH0001")  # a full page load: the session cookie must carry it
    _wait_text(driver, "#household-title", "HH0001")
    _wait(driver, "#fig-gantt .main-svg")
    _settle(driver)
    cookie = driver.get_cookie("caregraph_dash")
    assert cookie is not None and cookie["httpOnly"] and cookie["path"] == "/dashboard/"
    assert "Te veel hulpverleners" in driver.find_element(By.ID, "page-content").text
    _shot(driver, "mounted-household")
    assert _severe(driver) == []
    driver.find_element(By.ID, "logout-button").click()
    _wait(driver, "#login-token")
    driver.get(mounted_url + "overview")
    _wait(driver, "#login-token")
    assert driver.find_elements(By.CSS_SELECTOR, "#nav a") == []
