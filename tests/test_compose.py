"""docker-compose.yml and the Dockerfile, checked without a Docker engine (none runs here).

The compose file is loaded with PyYAML and its variables are interpolated the way Compose does for ``${VAR:?msg}``;
the commands it runs are checked against the real ``caregraph`` CLI.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_services_volume_and_neo4j_health_check(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"neo4j", "api", "dashboard"} <= set(services)
    neo4j = services["neo4j"]
    assert neo4j["image"].startswith("neo4j:5") and "community" in neo4j["image"]
    test = " ".join(neo4j["healthcheck"]["test"])
    assert "cypher-shell" in test and "RETURN 1" in test
    mounts = {m.split(":")[0]: m.split(":")[1] for m in neo4j["volumes"]}
    assert mounts.get("neo4j-data") == "/data"
    assert "neo4j-data" in compose["volumes"]
    # NEO4J_AUTH comes from the environment, never a literal password in the file
    auth = neo4j["environment"]["NEO4J_AUTH"]
    assert re.fullmatch(r"neo4j/\$\{CAREGRAPH_NEO4J_PASSWORD:\?[^}]+\}", auth), auth
    # Neo4j's entrypoint turns every NEO4J_* variable into a setting; the health check's copy of the password
    # must therefore not be NEO4J_-prefixed
    assert "NEO4J_PASSWORD" not in neo4j["environment"]
    assert "CAREGRAPH_NEO4J_PASSWORD" in neo4j["environment"] and "CAREGRAPH_NEO4J_PASSWORD" in test


@pytest.mark.parametrize(("service", "flag"), [("api", "--api-only"), ("dashboard", "--dashboard-only")])
def test_app_services_point_at_the_neo4j_service(compose: dict[str, Any], service: str, flag: str) -> None:
    svc = compose["services"][service]
    build = svc["build"]
    assert (build if isinstance(build, str) else build.get("context", ".")) == "."
    assert svc["command"][:2] == ["serve", flag]
    env = svc["environment"]
    assert env["CAREGRAPH_STORE"] == "neo4j"
    uri = urlparse(env["CAREGRAPH_NEO4J_URI"])
    assert uri.scheme in ("neo4j", "bolt") and uri.hostname == "neo4j" and uri.port == 7687
    assert env["CAREGRAPH_NEO4J_PASSWORD"].startswith("${CAREGRAPH_NEO4J_PASSWORD:?")
    assert env["CAREGRAPH_PSEUDONYM_KEY"].startswith("${CAREGRAPH_PSEUDONYM_KEY:?")
    assert svc["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert env.get("CAREGRAPH_API_HOST", "") == "0.0.0.0" or "0.0.0.0" in svc["command"]


def test_services_publish_distinct_ports(compose: dict[str, Any]) -> None:
    published = [p.split(":")[0] for s in compose["services"].values() for p in s.get("ports", [])]
    assert len(published) == len(set(published))


def test_the_commands_compose_runs_exist() -> None:
    from caregraph.cli import app

    result = CliRunner().invoke(app, ["serve", "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    for option in ("--api-only", "--dashboard-only", "--host", "--port"):
        assert option in result.output


def test_dockerfile_builds_from_python_311_slim_and_runs_caregraph() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim\s*$", text, re.M)
    assert re.search(r"^RUN pip install --require-hashes --no-deps -r requirements\.txt", text, re.M)
    assert 'ENTRYPOINT ["caregraph"]' in text
    assert re.search(r"^USER (?!root)\w+", text, re.M), "the app must not run as root"
    for package in ("graph", "ingest", "analytics", "api", "dashboard", "caregraph"):
        assert f"COPY {package} ./{package}" in text
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", ".env", "data", ".git"} <= set(ignored)


def test_dockerfile_copies_every_package_and_installs_the_lock() -> None:
    """The image holds every package pyproject.toml ships and installs the hash-checked locked requirements."""
    import tomllib

    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = [p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]]
    copied = set(re.findall(r"^COPY (\w+) \./\1$", text, flags=re.M))
    assert set(packages) <= copied, set(packages) - copied
    assert "--require-hashes" in text and "requirements.txt" in text
