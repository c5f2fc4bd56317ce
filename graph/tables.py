"""A set of entity tables in memory (Arrow), and their CSV/Parquet files on disk.

:class:`CareTables` is what the generator produces, what ``load``/``ingest`` hand to a store, and what a store hands
back to the analytics. Reading here is strict typing only (it raises :class:`TableFileError` naming the file, row
and field of the first value that does not fit); the full validation report with every problem lives in ``ingest``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from graph.schema import TABLE_ORDER, TableSpec, table_arrow_schema, table_spec

__all__ = ["CareTables", "TableFileError", "write_table_files", "read_table_dir", "empty_table"]


class TableFileError(ValueError):
    """A table file could not be read: names the file, the (1-based data) row when known, and the field."""

    def __init__(self, path: Path | str, message: str, *, row: int | None = None, field: str | None = None):
        self.path = str(path)
        self.row = row
        self.field = field
        where = self.path
        if row is not None:
            where += f", row {row}"
        if field is not None:
            where += f", field {field!r}"
        super().__init__(f"{where}: {message}")


def empty_table(spec: TableSpec) -> pa.Table:
    """An empty table with the spec's schema."""
    return table_arrow_schema(spec).empty_table()


@dataclass
class CareTables:
    """The entity tables, keyed by table name (see :data:`graph.schema.TABLE_ORDER`).

    Missing tables count as empty. Tables always carry exactly their spec's columns, in order.
    """

    tables: dict[str, pa.Table] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in list(self.tables):
            spec = table_spec(name)
            self.tables[name] = conform(self.tables[name], spec)

    def __getitem__(self, name: str) -> pa.Table:
        if name in self.tables:
            return self.tables[name]
        return empty_table(table_spec(name))

    def __contains__(self, name: object) -> bool:
        return name in self.tables

    def __iter__(self) -> Iterator[str]:
        return (n for n in TABLE_ORDER if n in self.tables)

    def row_counts(self) -> dict[str, int]:
        """Rows per table, for every table in :data:`TABLE_ORDER`."""
        return {n: self[n].num_rows for n in TABLE_ORDER}

    def with_table(self, name: str, table: pa.Table) -> CareTables:
        """A copy with one table replaced."""
        new = dict(self.tables)
        new[name] = table
        return CareTables(new)

    @property
    def pseudonymised(self) -> bool:
        """True unless the members table still carries a ``bsn`` column with values in clear."""
        if "members" not in self.tables:
            return True
        m = self.tables["members"]
        return "bsn" not in m.column_names or m.column("bsn").null_count == m.num_rows


def conform(table: pa.Table, spec: TableSpec) -> pa.Table:
    """Select and cast ``table``'s columns to the spec's schema (missing optional columns become null).

    Raises
    ------
    ValueError
        If a required column is missing or a column cannot be cast.
    """
    schema = table_arrow_schema(spec, pseudonymised="bsn_pseudonym" in table.column_names)
    if table.schema.equals(schema):
        return table
    cols = []
    for f in schema:
        if f.name in table.column_names:
            col = table.column(f.name)
            if not col.type.equals(f.type):
                if pa.types.is_string(f.type) or pa.types.is_large_string(col.type):
                    col = pc.cast(col, f.type)
                else:
                    col = col.cast(f.type)
            cols.append(col)
        elif not f.nullable:
            raise ValueError(f"table {spec.name!r} lacks required column {f.name!r}")
        else:
            cols.append(pa.nulls(table.num_rows, f.type))
    return pa.Table.from_arrays(cols, schema=schema)


def _atomic_write(path: Path, write: object) -> None:
    """Write via a temporary file in the same folder and rename it into place, so no half file has the final name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)  # type: ignore[operator]
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_table_files(tables: CareTables, out: Path, formats: tuple[str, ...] = ("csv", "parquet")) -> list[Path]:
    """Write every table as ``<name>.csv`` and/or ``<name>.parquet`` in ``out``; returns the paths written.

    The output is deterministic: the same tables give byte-identical files.
    """
    import pyarrow.csv as pacsv  # the file formats only where files are read or written: a store read does
    import pyarrow.parquet as pq  # without them (pyarrow.parquet loads the S3 file system too)

    written: list[Path] = []
    for name in tables:
        t = tables[name]
        if "csv" in formats:
            p = out / f"{name}.csv"
            _atomic_write(p, lambda tmp, t=t: pacsv.write_csv(t, tmp, pacsv.WriteOptions(quoting_style="needed")))
            written.append(p)
        if "parquet" in formats:
            p = out / f"{name}.parquet"
            _atomic_write(p, lambda tmp, t=t: pq.write_table(t, tmp, compression="zstd"))
            written.append(p)
    return written


def _read_csv(path: Path, spec: TableSpec) -> pa.Table:
    import pyarrow.csv as pacsv

    schema = table_arrow_schema(spec)
    header = path.open("r", encoding="utf-8-sig").readline().rstrip("\r\n").split(",")
    header = [h.strip().strip('"') for h in header]
    missing = [c.name for c in spec.columns if c.required and c.name not in header]
    if missing:
        raise TableFileError(path, f"missing required column(s): {', '.join(missing)}", row=0, field=missing[0])
    types = {f.name: f.type for f in schema if f.name in header}
    try:
        t = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(encoding="utf-8"),
            convert_options=pacsv.ConvertOptions(
                column_types=types, strings_can_be_null=True, null_values=[""], quoted_strings_can_be_null=True
            ),
        )
    except pa.ArrowInvalid as e:
        raise _csv_error(path, str(e)) from None
    return conform(t, spec)


def _csv_error(path: Path, message: str) -> TableFileError:
    """Turn an Arrow CSV error into one that names the row and field where Arrow tells them."""
    import re

    row = None
    fieldname = None
    m = re.search(r"In CSV column #\d+: Row #(\d+): CSV conversion error to \w+: invalid value '([^']*)'", message)
    col = re.search(r"column '([^']+)'|CSV column #(\d+)", message)
    if m:
        row = int(m.group(1)) - 1  # Arrow counts the header as row 1
    if col and col.group(1):
        fieldname = col.group(1)
    return TableFileError(path, message.splitlines()[0], row=row, field=fieldname)


def read_table_dir(folder: Path) -> CareTables:
    """Read every entity table present in ``folder`` (Parquet preferred over CSV when both exist)."""
    if not folder.is_dir():
        raise TableFileError(folder, "not a folder")
    import pyarrow.parquet as pq

    out: dict[str, pa.Table] = {}
    for name in TABLE_ORDER:
        spec = table_spec(name)
        pq_path, csv_path = folder / f"{name}.parquet", folder / f"{name}.csv"
        if pq_path.exists():
            try:
                out[name] = conform(pq.read_table(pq_path), spec)
            except (pa.ArrowInvalid, ValueError, OSError) as e:
                raise TableFileError(pq_path, str(e)) from None
        elif csv_path.exists():
            out[name] = _read_csv(csv_path, spec)
    if not out:
        raise TableFileError(folder, "no entity tables found (expected e.g. households.csv or households.parquet)")
    return CareTables(out)
