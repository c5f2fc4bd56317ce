"""Files in and out: uploads for ingest (admins) and research exports (researchers).

Upload names are reduced to a safe base name (no folders, no ``..``, only letters, digits, ``._-``) with an allowed
extension; the total size is limited. Exports are written atomically (temporary name, then rename), so a failure
never leaves a half-written file under the final name.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import secrets
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from caregraph.export_retention import EXPORT_MODE, exports_dir, prune_exports
from caregraph.services.cache import AsOfResults
from caregraph.services.errors import InvalidParameterError, PayloadTooLargeError, ServiceUnavailableError
from caregraph.services.models import ExportFile, IngestResult

if TYPE_CHECKING:
    from caregraph.services.core import CareServices

__all__ = ["safe_name", "ingest_files", "research_export", "ALLOWED_EXTENSIONS", "MAX_FILES"]

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


def ingest_files(services: CareServices, files: Sequence[tuple[str, bytes]], *, dry_run: bool) -> IngestResult:
    """Save the uploads in a fresh folder under ``<data_dir>/uploads``, run :func:`ingest.pipeline.ingest` on them and
    delete them again, whatever the outcome. What stays in the folder holds no BSN in clear: ``report.json`` (the
    validation report, values masked) and, for rejected rows, ``quarantine/`` written with BSNs masked and formulas
    neutralised. Returns the validation report."""
    checked = _check_files(files, services.max_upload_bytes)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    folder = services.uploads_dir / f"{stamp}-{secrets.token_hex(4)}"
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

        def run(store: Any) -> Any:
            return ingest(paths, store=store, settings=services.settings, quarantine=quarantine, dry_run=dry_run,
                          mask_quarantine=True)

        try:
            out = services.run_store(run)
        except MissingSecretError as e:
            raise ServiceUnavailableError(f"ingest is not configured: {e}", 3600) from None
    finally:
        shutil.rmtree(raw, ignore_errors=True)  # the raw uploads hold clear BSNs: never kept
    report = _without_folders(_as_dict(out.report), (raw, folder))
    (folder / "report.json").write_text(json.dumps({"status": out.status, "report": report}, indent=1,
                                                   ensure_ascii=False, default=str), encoding="utf-8")
    return IngestResult(status=out.status, loaded=out.status == "loaded", dry_run=dry_run, report=report,
                        rows_loaded=dict(out.rows_loaded), quarantined=dict(out.quarantined))


# ----------------------------------------------------------------------------------------------------- export --
EXPORT_FORMATS: tuple[str, ...] = ("csv", "parquet", "json")


def research_export(services: CareServices, res: AsOfResults) -> ExportFile:
    """A zip of :func:`analytics.export.export_research`'s pseudonymised export on ``as_of`` (node and edge tables,
    flags, statistics and ``metadata.json``), written atomically under ``<data_dir>/exports``."""
    from analytics.export import export_research
    from foundation.settings import MissingSecretError

    try:
        key = services.settings.pseudonym_secret()
    except MissingSecretError as e:
        raise ServiceUnavailableError(f"exports are not configured: {e}", 3600) from None
    out_dir = exports_dir(services.settings.data_dir)
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    filename = f"caregraph-research-{res.as_of.isoformat()}-{stamp}-{secrets.token_hex(3)}.zip"
    final = out_dir / filename
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".export-") as tmp:
        work = Path(tmp) / "files"
        export_research(res.index.tables, res.as_of, work, config=res.config, key=key, formats=EXPORT_FORMATS)
        tmp_zip = Path(tmp) / "export.zip"
        with zipfile.ZipFile(tmp_zip, "w", compression=zipfile.ZIP_DEFLATED) as z:
            for p in sorted(work.rglob("*")):
                if p.is_file():
                    z.write(p, p.relative_to(work).as_posix())
        os.chmod(tmp_zip, EXPORT_MODE)
        with open(tmp_zip, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp_zip, final)
    settings = services.settings
    prune_exports(out_dir, keep_count=settings.export_keep_count, keep_days=settings.export_keep_days, spare=filename)
    return ExportFile(filename=filename, media_type="application/zip", path=str(final), size=final.stat().st_size)
