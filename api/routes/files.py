"""Research exports (download) and uploads for ingest."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import FileResponse

from api.deps import PrincipalDep, ServicesDep, call
from api.problems import problem_responses
from caregraph.auth import Action
from caregraph.services.access import require
from caregraph.services.errors import PayloadTooLargeError
from caregraph.services.models import IngestResult

router = APIRouter(tags=["files"])


@router.get(
    "/exports/research",
    response_class=FileResponse,
    responses={200: {"content": {"application/zip": {}}, "description": "A zip with the pseudonymised data files "
                     "and metadata.json."}, **problem_responses(401, 403, 422, 429, 503)},
)
async def research_export(
    principal: PrincipalDep,
    services: ServicesDep,
    as_of: Annotated[dt.date | None, Query(description="Export as of this date (default: today).",
                                           examples=["2024-06-30"])] = None,
) -> FileResponse:
    """Download a pseudonymised research export (researchers): data files, flags and ``metadata.json``."""
    out = await call(services.export, principal, as_of=as_of)
    return FileResponse(out.path, media_type=out.media_type, filename=out.filename)


@router.post("/ingest", response_model=IngestResult,
             responses=problem_responses(400, 401, 403, 413, 422, 429, 503))
async def ingest_upload(
    principal: PrincipalDep,
    services: ServicesDep,
    files: Annotated[list[UploadFile], File(description="CSV, Parquet, Excel or iJw/iWmo XML files.")],
    dry_run: Annotated[bool, Query(description="Validate only; load nothing.")] = False,
) -> IngestResult:
    """Upload files for ingest (admins): validated, loaded unless ``dry_run``; returns the validation report.

    The total size is limited (413 above ``max_upload_bytes``).
    """
    await call(require, principal, Action.ingest, services.audit, "ingest")
    limit = services.max_upload_bytes
    got: list[tuple[str, bytes]] = []
    total = 0
    for f in files:
        data = await f.read(limit + 1 - total)
        total += len(data)
        if total > limit:
            raise PayloadTooLargeError(f"upload is more than {limit} bytes; the limit is {limit} bytes")
        got.append((f.filename or "upload", data))
    return await call(services.ingest_upload, principal, got, dry_run=dry_run)
