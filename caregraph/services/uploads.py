"""Uploads for ingest (admins): checked, saved in a fresh folder, ingested, and the raw files removed again.

Upload names are reduced to a safe base name (no folders, no ``..``, only letters, digits, ``._-``) with an allowed
extension; the total size is limited.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import secrets
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from caregraph.services.errors import InvalidParameterError, PayloadTooLargeError, ServiceUnavailableError
from caregraph.services.models import IngestResult

if TYPE_CHECKING:
    from caregraph.services.store_handle import StoreHandle
    from foundation.settings import Settings

__all__ = ["safe_name", "ingest_files", "ALLOWED_EXTENSIONS", "MAX_FILES"]

ALLOWED_EXTENSIONS = (".csv", ".txt", ".tsv", ".parquet", ".xlsx", ".xml")
MAX_FILES = 50
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str) -> str:
    """A file name safe to create in an upload folder: the base name only, unsafe characters replaced by ``_``,
    no leading dots, at most 100 characters.

    >>> safe_name("../../etc/passwd"), safe_name("C:\\\\x\\\\households.csv"), safe_name("..")
    ('passwd', 'households.csv', 'upload')
    """
    base = re.split(r"[\\\\/]", name)[-1]
    base = _UNSAFE.sub("_", base).lstrip(".")[-100:]
    return base or "upload"


def _check_files(files: Sequence[tuple[str, bytes]], limit: int) -> list[tuple[str, bytes]]:
    if not files:
        raise InvalidParameterError("files", "no files uploaded")
    if len(files) > MAX_FILES:
        raise InvalidParameterError("files", f"at most {MAX_FILES} files per upload")
    total = sum(len(b) for _, b in files)
    if total > limit:
        raise PayloadTooLargeError(f"upload is {total} bytes; the limit is {limit} bytes")
    out: list[tuple[str, bytes]] = []
    seen: set[str] = set()
    for name, data in files:
        safe = safe_name(name)
        if not safe.lower().endswith(ALLOWED_EXTENSIONS):
            raise InvalidParameterError("files", f"{safe!r}: only {', '.join(ALLOWED_EXTENSIONS)} files are accepted")
        if safe in seen:
            raise InvalidParameterError("files", f"{safe!r} uploaded twice")
        seen.add(safe)
        out.append((safe, data))
    return out


def _as_dict(obj: Any) -> dict[str, Any]:
    if obj is None:
        return {}
    if hasattr(obj, "to_dict"):
        d = obj.to_dict()
        return d if isinstance(d, dict) else {"report": d}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return json.loads(json.dumps(dataclasses.asdict(obj), default=str))
    if isinstance(obj, dict):
        return json.loads(json.dumps(obj, default=str))
    return {"report": str(obj)}


def _without_folders(value: Any, folders: Sequence[Path]) -> Any:
    """``value`` (a JSON-like report) with the server's folders cut from every string in it: a file is named by
    its own name (``households.csv``, ``quarantine/households.csv``), never by where the server keeps it."""
    if isinstance(value, str):
        for folder in folders:
            value = value.replace(f"{folder}{os.sep}", "")
        return value
    if isinstance(value, dict):
        return {k: _without_folders(v, folders) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_folders(v, folders) for v in value]
    return value


def ingest_files(
    store: StoreHandle, settings: Settings, files: Sequence[tuple[str, bytes]], *, folder: Path, limit: int,
    dry_run: bool,
) -> IngestResult:
    """Save the uploads (at most ``limit`` bytes together) in a fresh subfolder of ``folder``, run
    :func:`ingest.pipeline.ingest` on them into ``store`` and delete them again, whatever the outcome. What stays in
    the subfolder holds no BSN in clear: ``report.json`` (the validation report, values masked) and, for rejected
    rows, ``quarantine/`` written with BSNs masked and formulas neutralised. Returns the validation report."""
    checked = _check_files(files, limit)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    folder = folder / f"{stamp}-{secrets.token_hex(4)}"
    raw = folder / "raw"
    raw.mkdir(parents=True, exist_ok=False)
    from foundation.settings import MissingSecretError
    from ingest.pipeline import ingest

    quarantine = folder / "quarantine"
    try:
        paths: list[Path] = []
        for name, data in checked:
            p = raw / name
            with open(p, "xb") as f:
                f.write(data)
            paths.append(p)

        def run(graph: Any) -> Any:
            return ingest(paths, store=graph, settings=settings, quarantine=quarantine, dry_run=dry_run,
                          mask_quarantine=True)

        try:
            out = store.run(run)
        except MissingSecretError as e:
            raise ServiceUnavailableError(f"ingest is not configured: {e}", 3600) from None
    finally:
        shutil.rmtree(raw, ignore_errors=True)  # the raw uploads hold clear BSNs: never kept
    report = _without_folders(_as_dict(out.report), (raw, folder))
    (folder / "report.json").write_text(json.dumps({"status": out.status, "report": report}, indent=1,
                                                   ensure_ascii=False, default=str), encoding="utf-8")
    return IngestResult(status=out.status, loaded=out.status == "loaded", dry_run=dry_run, report=report,
                        rows_loaded=dict(out.rows_loaded), quarantined=dict(out.quarantined))
