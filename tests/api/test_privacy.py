"""Managers and researchers never see names, BSNs or BSN pseudonyms; coordinators see them only in scope."""

from __future__ import annotations

import io
import zipfile

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import auth
from tests.services.world import AS_OF, BSN_PSEUDONYMS, BSNS, NAMES, World

Q = {"as_of": AS_OF.isoformat()}

READS = [
    ("/api/v1/districts", {}),
    ("/api/v1/households", Q),
    ("/api/v1/households", {**Q, "flag": "overlapping_interventions"}),
    ("/api/v1/overlap/professionals", {**Q, "a": "P1", "b": "P2"}),
    ("/api/v1/professionals/P1/caseload", Q),
    ("/api/v1/professionals/P2/caseload", Q),
    ("/api/v1/agencies", Q),
    ("/api/v1/flags/summary", {**Q, "months": 3}),
    ("/api/v1/statistics", Q),
    ("/api/v1/households/H1", Q),
    ("/api/v1/households/H1/network", Q),
]

SECRETS = (*NAMES, *BSNS, *BSN_PSEUDONYMS, "9999AA", "9998BB")


def _leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


@pytest.mark.parametrize("who", ["manager", "researcher"])
def test_no_personal_data_for_manager_and_researcher(client: TestClient, world: World, who: str) -> None:
    answered = 0
    for path, params in READS:
        r = client.get(path, params=params, headers=auth(world, who))
        assert r.status_code in (200, 403), (path, r.status_code, r.text)
        answered += r.status_code == 200
        assert _leaks(r.text) == [], (who, path)
    assert answered >= 4


def test_research_export_has_no_personal_data(client: TestClient, world: World) -> None:
    r = client.get("/api/v1/exports/research", params=Q, headers=auth(world, "researcher"))
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/zip"
    z = zipfile.ZipFile(io.BytesIO(r.content))
    assert "metadata.json" in z.namelist()
    for name in z.namelist():
        data = z.read(name)
        text = data.decode("utf-8", "replace")
        assert _leaks(text) == [], name
        # ids are pseudonymised in the export, so even the source ids do not appear as whole values
        assert '"H1"' not in text and ",H1," not in text, name


def test_coordinator_sees_names_in_scope(client: TestClient, world: World) -> None:
    r = client.get("/api/v1/households/H1", params=Q, headers=auth(world, "coordinator"))
    assert r.status_code == 200
    body = r.json()
    assert {m["name"] for m in body["members"]} == {"Anna Jansen", "Bram Jansen"}
    assert body["members"][0]["bsn_pseudonym"] in BSN_PSEUDONYMS
    assert body["household"]["postcode"] == "9999AA"


def test_manager_caseload_hides_the_professional_name(client: TestClient, world: World) -> None:
    r = client.get("/api/v1/professionals/P1/caseload", params=Q, headers=auth(world, "manager"))
    assert r.json()["name"] is None
    r = client.get("/api/v1/professionals/P1/caseload", params=Q, headers=auth(world, "coordinator"))
    assert r.json()["name"] == "Piet Bakker"
