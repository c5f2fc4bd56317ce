"""Research exports (researchers): the pseudonymised export of one date as a zip under ``<data_dir>/exports``.

Exports are written atomically (temporary name, then rename), so a failure never leaves a half-written file under
the final name. The command-line counterpart is ``caregraph export`` (:mod:`caregraph.commands.analytics_cmds`); both
write what :func:`analytics.export.export_research` produces.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from caregraph.export_retention import EXPORT_MODE, exports_dir, prune_exports
from caregraph.services.cache import AsOfResults
from caregraph.services.errors import ServiceUnavailableError
from caregraph.services.models import ExportFile

if TYPE_CHECKING:
    from foundation.settings import Settings

__all__ = ["research_export", "EXPORT_FORMATS"]

EXPORT_FORMATS: tuple[str, ...] = ("csv", "parquet", "json")


def research_export(settings: Settings, res: AsOfResults) -> ExportFile:
    """A zip of :func:`analytics.export.export_research`'s pseudonymised export on ``as_of`` (node and edge tables,
    flags, statistics and ``metadata.json``), written atomically under ``<data_dir>/exports``."""
    from analytics.export import export_research
    from foundation.settings import MissingSecretError

    try:
        key = settings.pseudonym_secret()
    except MissingSecretError as e:
        raise ServiceUnavailableError(f"exports are not configured: {e}", 3600) from None
    out_dir = exports_dir(settings.data_dir)
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
    prune_exports(out_dir, keep_count=settings.export_keep_count, keep_days=settings.export_keep_days, spare=filename)
    return ExportFile(filename=filename, media_type="application/zip", path=str(final), size=final.stat().st_size)
