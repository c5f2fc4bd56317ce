"""Which files an ingest reads: folders expanded, one format per table, files that hold no entity table skipped.

* Folders are read recursively; hidden files are skipped silently. A file in a folder whose type is not an input
  type (``manifest.json``, ``README.md``, …) is skipped with a note (a warning naming it).
* **One format per table.** Files in the same folder with the same name (compared as header names are: case,
  spaces and hyphens do not matter) are the same table in several formats, as ``caregraph generate`` writes them
  (``households.csv`` and ``households.parquet``). Only one is read, by :data:`FORMAT_PREFERENCE`: Parquet first (it
  carries the column types), then CSV/TSV/TXT, then Excel. Each file left out gets a note naming the file read.
  The files are not compared: the one read is the one that counts.
* **Files that are not entity tables** (:data:`NOT_ENTITY_TABLES`: ``planted.csv``, ``manifest``, ``report``,
  ``columns``, ``readme``, ``unreadable``) are skipped with a note naming them. Any other tabular file whose name
  names no entity table stays an error (:func:`ingest.tabular.read_tabular`): a misnamed table must not be dropped
  quietly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from ingest.report import Issue
from ingest.tabular import TABULAR_SUFFIXES, normalise_header, table_for_name

__all__ = ["FORMAT_PREFERENCE", "NOT_ENTITY_TABLES", "INPUT_SUFFIXES", "expand_paths", "select_inputs"]

INPUT_SUFFIXES = (*TABULAR_SUFFIXES, ".xml")
"""File types an ingest reads."""

FORMAT_PREFERENCE = (".parquet", ".pq", ".csv", ".tsv", ".txt", ".xlsx", ".xlsm")
"""When one table is present in several formats, the first of these is read (Parquet carries types)."""

NOT_ENTITY_TABLES: dict[str, str] = {
    "planted": "the planted cases of a synthetic municipality (ground truth for tests), not input data",
    "manifest": "a description of a generated data set, not input data",
    "report": "an ingest report, not input data",
    "unreadable": "a quarantine list, not input data",
    "columns": "column documentation, not an entity table",
    "kolommen": "column documentation, not an entity table",
    "readme": "documentation, not an entity table",
}
"""File names (without extension, normalised) that hold no entity table, with the reason they are skipped."""


def expand_paths(paths: Sequence[Path]) -> list[Path]:
    """Files named and the input files inside folders named (sorted; hidden files skipped)."""
    return select_inputs(paths)[0]


def _note(path: Path, reason: str) -> Issue:
    return Issue.make(str(path), reason + "; skipped", severity="warning", rule="skipped")


def select_inputs(paths: Sequence[Path]) -> tuple[list[Path], list[Issue]]:
    """The files to read for ``paths`` (see the module docstring) and a note for every file skipped."""
    found: list[Path] = []
    notes: list[Issue] = []
    for p in paths:
        p = Path(p)
        if not p.is_dir():
            found.append(p)
            continue
        for f in sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith(".")):
            if f.suffix.lower() in INPUT_SUFFIXES:
                found.append(f)
            elif f.suffix.lower() == ".json" and normalise_header(f.stem) in NOT_ENTITY_TABLES:
                notes.append(_note(f, NOT_ENTITY_TABLES[normalise_header(f.stem)]))
            else:
                notes.append(_note(f, f"not an input file ({f.suffix or 'no extension'}: expected "
                                   + ", ".join(INPUT_SUFFIXES) + ")"))
    kept: list[Path] = []
    tabular: dict[tuple[Path, str], list[Path]] = defaultdict(list)
    for f in found:
        suffix = f.suffix.lower()
        if suffix not in TABULAR_SUFFIXES:
            kept.append(f)
            continue
        stem = normalise_header(f.stem)
        if table_for_name(f.stem) is None and stem in NOT_ENTITY_TABLES:
            notes.append(_note(f, NOT_ENTITY_TABLES[stem]))
            continue
        tabular[(f.parent, stem)].append(f)
    chosen: set[Path] = set()
    for same in tabular.values():
        unique = list(dict.fromkeys(same))
        best = min(unique, key=lambda f: FORMAT_PREFERENCE.index(f.suffix.lower()))
        chosen.add(best)
        for other in unique:
            if other != best:
                notes.append(_note(other, f"the same table is also in {best.name}, which is read (one format per "
                                   "table: Parquet over CSV over Excel)"))
    kept.extend(chosen)
    order: dict[Path, int] = {}
    for i, f in enumerate(found):
        order.setdefault(f, i)
    kept.sort(key=lambda f: order[f])
    return kept, notes
