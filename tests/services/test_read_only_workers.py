"""Services of one read-only worker (``caregraph serve --workers N``): they answer from a read-only handle, refuse
uploads with 503 and a way out, and pick up data a writer (``caregraph ingest``) loads while they serve, without
making requests wait for the reload."""

from __future__ import annotations

import time
from pathlib import Path

import pyarrow as pa
import pytest

from caregraph.auth import Role
from caregraph.services import CareServices
from caregraph.services.errors import ServiceUnavailableError
from graph.factory import open_store
from graph.tables import CareTables
from tests.services.world import AS_OF, load_world, world_settings


def _district_ids(services: CareServices, principal: object) -> set[str]:
    return {d.district_id for d in services.districts(principal)}  # type: ignore[arg-type]


def test_read_only_services_follow_a_writer_and_refuse_uploads(tmp_path: Path) -> None:
    settings = world_settings(tmp_path)
    load_world(settings)
    services = CareServices(settings, today=lambda: AS_OF, read_only=True)
    try:
        services.users.add_user("mgr", Role.manager)
        services.users.add_user("adm", Role.admin)
        mgr = services.authenticate(services.users.issue_token("mgr").token)
        adm = services.authenticate(services.users.issue_token("adm").token)
        assert _district_ids(services, mgr) == {"D1", "D2"}
        before = services.flag_summary(mgr)

        with pytest.raises(ServiceUnavailableError, match="caregraph ingest"):
            services.ingest_upload(adm, [("districts.csv", b"district_id,name\nD9,Oost\n")])

        writer = open_store(settings)  # a second process would do the same: readers never block the writer
        try:
            report = writer.load(CareTables({"districts": pa.table({"district_id": ["D3"], "name": ["Oost"]})}))
            assert report.rebuilt  # the services hold a read-only handle: swap, never in place
        finally:
            writer.close()

        assert "D3" not in _district_ids(services, mgr)  # still the old content right after the write...
        deadline = time.monotonic() + 20
        while "D3" not in _district_ids(services, mgr):  # ...until the watcher has reloaded it in the background
            assert time.monotonic() < deadline, "the read-only services did not pick up the new store"
            time.sleep(0.1)
        assert services.flag_summary(mgr) == before  # the analytics were rebuilt over the new store: same flags
        assert not services.store().stale()
    finally:
        services.close()
