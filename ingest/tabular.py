"""Read tabular entity files (CSV, Excel, Parquet) into all-string Arrow tables plus the problems met on the way.

Reading is tolerant: a UTF-8 BOM or a UTF-16 file, Windows-1252 text (with a warning), ``;``, ``,``, tab or ``|``
delimiters (sniffed from the header line), header names in any case with spaces or hyphens for underscores, and
unknown extra columns (ignored, with a warning). Typing is left to :mod:`ingest.validation`, which checks every
value column-wise, so a file that cannot be read at all gives a file-level :class:`~ingest.report.Issue` and a file
with a few broken rows (wrong number of fields) gives one issue per broken row; nothing here raises on bad input.
A :data:`SourcePlan` (from :mod:`ingest.mapping`) reads a file laid out otherwise: it names the table and turns the
file's own header into template columns.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from graph.schema import CARE_TABLES, TableSpec, table_spec
from ingest.report import Issue

__all__ = [
    "RawPart",
    "CellError",
    "SheetPlan",
    "SourcePlan",
    "IGNORED",
    "TABULAR_SUFFIXES",
    "normalise_header",
    "table_for_name",
    "read_tabular",
    "strings_table",
    "BLOCK_SIZE",
]

TABULAR_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".parquet", ".pq")
BLOCK_SIZE = 8 << 20
"""Arrow CSV block size; a single row longer than this cannot be read (reported as a file-level error)."""

_DELIMITERS = (";", ",", "\t", "|")

IGNORED = "\x00ignored"
"""Column name a :class:`SheetPlan` header function gives a source column it leaves out (reported by the plan)."""


@dataclass(frozen=True)
class CellError:
    """Cells of one column of a part that are wrong before validation starts (e.g. a code value a mapping lacks).

    ``rows`` is a boolean mask over the part's rows. Validation reports each as an error of ``rule`` and checks
    those cells no further, so a cell gets one error, not one per rule.
    """

    field: str
    reason: str
    rule: str
    rows: np.ndarray


@dataclass(frozen=True)
class SheetPlan:
    """How to read one file (or Excel sheet) that is not laid out like the templates.

    ``header`` turns the header cells as written into column names: a template column, ``""`` for an empty cell,
    or :data:`IGNORED`. ``supplied`` are columns filled in after reading (not required in the header);
    ``sources`` names, per template column, the source column it is mapped from, and ``mapping`` the mapping file.
    """

    table: str
    header: Callable[[list[str]], list[str]]
    mapping: str
    sources: Mapping[str, str] = field(default_factory=dict)
    supplied: frozenset[str] = frozenset()


SourcePlan = Callable[[str | None, int], SheetPlan | None]
"""(sheet title or ``None`` for a CSV/Parquet file, sheet index) → how to read it, or ``None`` to skip it (the plan
reports why)."""


@dataclass
class RawPart:
    """Rows of one entity table from one source: every spec column as a (nullable, trimmed) string column.

    ``rows`` holds the 1-based data row number of each row in ``file`` (tabular sources) and ``paths`` the XML
    element path (message sources); exactly one of them is set. Rows derived from several files (messages) carry
    their own file in ``files``.
    """

    table: str
    file: str
    data: pa.Table
    rows: np.ndarray | None = None
    paths: list[str] | None = None
    files: list[str] | None = None
    sources: dict[str, str] | None = None
    """Template column → the source column it was read from, for a file read through a mapping."""
    cell_errors: list[CellError] = field(default_factory=list)

    @property
    def num_rows(self) -> int:
        return int(self.data.num_rows)

    def location(self, i: int) -> tuple[str, int | None, str | None]:
        """(file, row, path) of row ``i`` of this part (``files`` overrides ``file`` per row when set)."""
        file = self.files[i] if self.files is not None else self.file
        if self.rows is not None:
            return file, int(self.rows[i]), None
        if self.paths is not None:
            return file, None, self.paths[i]
        return file, i + 1, None


def normalise_header(name: str) -> str:
    """Header cell → column name: trimmed, lower case, spaces/hyphens/dots as underscores, BOM and quotes removed.

    >>> normalise_header(" \\ufeffHousehold ID "), normalise_header("Start-Date"), normalise_header('"bsn"')
    ('household_id', 'start_date', 'bsn')
    """
    s = name.replace("\ufeff", "").strip().strip('"').strip("'").strip().lower()
    return re.sub(r"[\s\-.]+", "_", s)


def table_for_name(stem: str) -> str | None:
    """The entity table a file or sheet name stands for (``Households``, ``2024_households``), or ``None``.

    >>> table_for_name("Households"), table_for_name("export-interventions-2024"), table_for_name("x")
    ('households', 'interventions', None)
    """
    s = normalise_header(stem)
    if s in CARE_TABLES:
        return s
    hits = [t for t in CARE_TABLES if re.search(rf"(^|_){t}(_|$)", s)]
    return hits[0] if len(hits) == 1 else None


def strings_table(columns: dict[str, pa.Array | pa.ChunkedArray], spec: TableSpec, n: int) -> pa.Table:
    """Build the all-string table of ``spec``'s columns: trimmed, empty → null, missing columns all null."""
    arrays = []
    for c in spec.columns:
        col = columns.get(c.name)
        if col is None:
            arrays.append(pa.nulls(n, pa.string()))
            continue
        if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            col = pc.cast(col, pa.string())
        col = pc.utf8_trim_whitespace(col)
        col = pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)
        if isinstance(col, pa.ChunkedArray):
            col = col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
        arrays.append(col.cast(pa.string()))
    return pa.Table.from_arrays(arrays, names=list(spec.column_names))


def _header_issues(
    file: str, spec: TableSpec, names: list[str], issues: list[Issue], plan: SheetPlan | None = None
) -> bool:
    """Check the normalised header; returns False when the file cannot be used (missing required / duplicate)."""
    ok = True
    seen: set[str] = set()
    sources = plan.sources if plan is not None else {}
    for n in names:
        if n in seen and n in spec.column_names:
            issues.append(Issue.make(file, "column appears twice in the header", row=0, field=n, table=spec.name,
                                     rule="header", source_column=sources.get(n)))
            ok = False
        seen.add(n)
    missing = [c.name for c in spec.columns if c.required and c.name not in seen
               and (plan is None or c.name not in plan.supplied)]
    for m in missing:
        if plan is None:
            reason = f"required column {m!r} is missing from the header"
        elif m in sources:
            reason = f"source column {sources[m]!r} (mapped to required column {m!r}) is missing from the header"
        else:
            reason = f"required column {m!r}: no source column is mapped onto it in {plan.mapping}"
        issues.append(Issue.make(file, reason, row=0, field=m, table=spec.name, rule="header"))
        ok = False
    unknown = [n for n in names if n not in spec.column_names and n != IGNORED]
    if unknown:
        issues.append(Issue.make(file, "unknown column(s) ignored: " + ", ".join(repr(u) for u in unknown[:10]),
                                 severity="warning", row=0, table=spec.name, rule="header"))
    return ok


def _sniff_encoding(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    return "utf-8"


def _first_line(head: bytes, encoding: str) -> str:
    lines = head.decode(encoding, errors="replace").lstrip("\ufeff").splitlines()
    return lines[0] if lines else ""


def _read_csv(path: Path, spec: TableSpec, issues: list[Issue], plan: SheetPlan | None = None) -> RawPart | None:
    file = str(path)
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    if not head.strip():
        issues.append(Issue.make(file, "the file is empty", table=spec.name, rule="file"))
        return None
    encoding = _sniff_encoding(head)
    line = _first_line(head, encoding)
    delimiter = max(_DELIMITERS, key=line.count)
    if line.count(delimiter) == 0:
        delimiter = ","
    try:
        header = next(csv.reader([line], delimiter=delimiter))
    except csv.Error as e:
        issues.append(Issue.make(file, f"unreadable header line: {e}", row=0, table=spec.name, rule="file"))
        return None
    names = plan.header(header) if plan is not None else [normalise_header(h) for h in header]
    if not _header_issues(file, spec, names, issues, plan):
        return None
    # Unique placeholder names for unknown/duplicate columns, so Arrow accepts the header.
    read_names = [n if n in spec.column_names and names.index(n) == i else f"__ignored_{i}" for i, n in
                  enumerate(names)]
    include = [n for n in read_names if not n.startswith("__ignored_")]
    for attempt_encoding in ([encoding, "cp1252"] if encoding == "utf-8" else [encoding]):
        bad_rows: list[tuple[int | None, str]] = []

        def handler(row: pacsv.InvalidRow, bad_rows: list[tuple[int | None, str]] = bad_rows) -> str:
            bad_rows.append((row.number, row.text))
            return "skip"

        def read(threads: bool, enc: str = attempt_encoding, handler: object = handler) -> pa.Table:
            return pacsv.read_csv(
                path,
                read_options=pacsv.ReadOptions(
                    column_names=read_names, skip_rows=1, encoding=enc, block_size=BLOCK_SIZE, use_threads=threads
                ),
                parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=handler),
                convert_options=pacsv.ConvertOptions(
                    column_types={n: pa.string() for n in include}, include_columns=include,
                    strings_can_be_null=True, null_values=[""], quoted_strings_can_be_null=True,
                ),
            )

        try:
            t = read(True)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeError, LookupError, OSError) as e:
            msg = str(e).splitlines()[0] if str(e) else type(e).__name__
            if "UTF8" in msg and attempt_encoding == "utf-8":
                issues.append(Issue.make(file, "not valid UTF-8: read as Windows-1252 (cp1252); check accented "
                                         "characters", severity="warning", table=spec.name, rule="encoding"))
                continue
            if "straddling" in msg or "block" in msg:
                msg = f"a row longer than {BLOCK_SIZE >> 20} MiB or an unclosed quote: {msg}"
            issues.append(Issue.make(file, f"cannot read as CSV: {msg}", table=spec.name, rule="file"))
            return None
        rows = np.arange(1, t.num_rows + 1, dtype=np.int64)
        if bad_rows:
            bad_rows.clear()
            try:
                t = read(False)
            except (pa.ArrowInvalid, UnicodeError, OSError) as e:  # pragma: no cover - read once already
                issues.append(Issue.make(file, f"cannot read as CSV: {e}", table=spec.name, rule="file"))
                return None
            skipped = sorted({(n - 1) for n, _ in bad_rows if n is not None})
            for number, text in bad_rows:
                issues.append(Issue.make(
                    file, f"wrong number of fields (expected {len(read_names)}, delimiter {delimiter!r}); row skipped",
                    row=None if number is None else number - 1, value=text, table=spec.name, rule="structure",
                ))
            total = t.num_rows + len(bad_rows)
            keep = np.setdiff1d(np.arange(1, total + 1, dtype=np.int64), np.asarray(skipped, dtype=np.int64))
            rows = keep[: t.num_rows] if len(keep) >= t.num_rows else np.arange(1, t.num_rows + 1, dtype=np.int64)
        data = strings_table({n: t.column(n) for n in include}, spec, t.num_rows)
        return RawPart(spec.name, file, data, rows=rows)
    return None  # pragma: no cover - loop always returns


def _cell_text(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) else v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _read_excel(path: Path, issues: list[Issue], plan: SourcePlan | None = None) -> list[RawPart]:
    import openpyxl  # local import: only Excel users pay for it
    from openpyxl.utils.exceptions import InvalidFileException

    file = str(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError, TypeError, EOFError) as e:
        issues.append(Issue.make(file, f"cannot read as an Excel workbook: {e}", rule="file"))
        return []
    except Exception as e:  # zipfile.BadZipFile and other corrupt-archive errors
        issues.append(Issue.make(file, f"cannot read as an Excel workbook: {type(e).__name__}: {e}", rule="file"))
        return []
    parts: list[RawPart] = []
    try:
        sheets = list(wb.worksheets)
        stem_table = table_for_name(path.stem)
        for index, ws in enumerate(sheets):
            sheet_plan = plan(ws.title, index) if plan is not None else None
            if plan is not None and sheet_plan is None:
                continue
            name = sheet_plan.table if sheet_plan is not None else (
                table_for_name(ws.title) or (stem_table if len(sheets) == 1 else None))
            if name is None:
                if ws.title.strip().lower() not in ("columns", "kolommen", "toelichting", "readme"):
                    issues.append(Issue.make(file, f"sheet {ws.title!r} is not an entity table; ignored",
                                             severity="warning", rule="file"))
                continue
            spec = table_spec(name)
            where = f"{file}[{ws.title}]"
            it = ws.iter_rows(values_only=True)
            header_row = next(it, None)
            if header_row is None:
                issues.append(Issue.make(where, "the sheet is empty", table=name, rule="file"))
                continue
            cells = [_cell_text(h) or "" for h in header_row]
            while cells and not cells[-1].strip():
                cells.pop()
            names = sheet_plan.header(cells) if sheet_plan is not None else [normalise_header(h) for h in cells]
            if not _header_issues(where, spec, [n for n in names if n], issues, sheet_plan):
                continue
            idx = {n: i for i, n in reversed(list(enumerate(names))) if n in spec.column_names}
            cols: dict[str, list[str | None]] = {n: [] for n in idx}
            rows: list[int] = []
            for r, values in enumerate(it, start=1):
                if values is None or all(v is None for v in values):
                    continue
                rows.append(r)
                for n, i in idx.items():
                    cols[n].append(_cell_text(values[i]) if i < len(values) else None)
            data = strings_table({n: pa.array(v, pa.string()) for n, v in cols.items()}, spec, len(rows))
            parts.append(RawPart(name, where, data, rows=np.asarray(rows, dtype=np.int64)))
    finally:
        wb.close()
    return parts


def _read_parquet(path: Path, spec: TableSpec, issues: list[Issue], plan: SheetPlan | None = None) -> RawPart | None:
    file = str(path)
    try:
        t = pq.read_table(path)
    except (pa.ArrowInvalid, OSError, ValueError) as e:
        issues.append(Issue.make(file, f"cannot read as Parquet: {e}", table=spec.name, rule="file"))
        return None
    names = plan.header(list(t.column_names)) if plan is not None else [normalise_header(n) for n in t.column_names]
    if not _header_issues(file, spec, names, issues, plan):
        return None
    cols: dict[str, pa.ChunkedArray] = {}
    for raw, n in zip(t.column_names, names, strict=True):
        if n not in spec.column_names or n in cols:
            continue
        col = t.column(raw)
        try:
            if pa.types.is_timestamp(col.type):
                col = pc.cast(col, pa.date32())
            cols[n] = pc.cast(col, pa.string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
            issues.append(Issue.make(file, f"column of type {col.type} cannot be read as text: {e}", field=n,
                                     table=spec.name, rule="type"))
            return None
    data = strings_table(dict(cols), spec, t.num_rows)
    return RawPart(spec.name, file, data, rows=np.arange(1, t.num_rows + 1, dtype=np.int64))


def read_tabular(path: Path, issues: list[Issue], plan: SourcePlan | None = None) -> list[RawPart]:
    """Read one tabular file into parts (one per entity table found); problems are appended to ``issues``.

    ``plan``: read the file through a mapping (:mod:`ingest.mapping`) instead of by its table and column names.
    """
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_excel(path, issues, plan)
    file_plan = plan(None, 0) if plan is not None else None
    if plan is not None and file_plan is None:
        return []
    name = file_plan.table if file_plan is not None else table_for_name(path.stem)
    if name is None and normalise_header(path.stem) in ("columns", "kolommen", "readme"):
        issues.append(Issue.make(str(path), "column documentation, not an entity table; ignored",
                                 severity="warning", rule="file"))
        return []
    if name is None:
        issues.append(Issue.make(str(path), "cannot tell which entity table this file holds: name it after one of "
                                 + ", ".join(CARE_TABLES), rule="file"))
        return []
    spec = table_spec(name)
    try:
        part = (_read_parquet(path, spec, issues, file_plan) if suffix in (".parquet", ".pq")
                else _read_csv(path, spec, issues, file_plan))
    except (OSError, csv.Error, UnicodeError, ValueError) as e:
        issues.append(Issue.make(str(path), f"cannot read: {e}", table=name, rule="file"))
        return []
    return [part] if part is not None else []

