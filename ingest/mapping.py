"""Mappings: read another system's export (its own column names, code labels and date formats) as the templates.

A mapping file (YAML) holds one rule per kind of source file::

    version: 1
    files:
      - match: "huishoudens*.xlsx"      # file name pattern (* and ?), case-insensitive
        sheet: "Huishoudens"            # Excel: the sheet (pattern); default: the first sheet
        table: households               # the template table the file holds
        date: "%d-%m-%Y"                # date format of every date column of this file (optional)
        columns:                        # source column: template column
          Dossiernummer: household_id
          Wijknaam: district_id
          Samenstelling:
            to: composition
            codes: {Alleenstaand: single, Eenoudergezin: single_parent}
          Startdatum: {to: opened_on, date: "%d-%m-%Y"}
        constants: {}                   # template column: one value for every row
        ignore: [Opmerking]             # source columns knowingly left out

Rules of reading (see ``docs/ingest.md#mappings``):

* a source column is matched by its header as :func:`ingest.tabular.normalise_header` writes it, so case, spaces and
  hyphens do not matter; a source column named like a template column is read as that column unless another source
  column is mapped onto it; any other source column not in ``columns`` or ``ignore`` is left out with a warning
  listing them;
* ``codes`` translate values (matched trimmed and case-insensitively); a value without a translation is an error
  naming the value and the source column, unless it already is one of the template column's codes;
* ``date`` parses with that :func:`datetime.datetime.strptime` format; cells the file itself stores as dates (Excel,
  Parquet) and ISO dates (YYYY-MM-DD) are taken as they are;
* the mapping itself is checked strictly before anything is read (unknown keys, tables, columns and codes, formats
  that hold no full date, two source columns onto one template column): :class:`MappingFileError` names the file and
  the YAML path of each problem.

Mapped rows are validated like any other: every error on a mapped column names the source column (and file, row).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from graph.domains import DOMAIN_CODES
from graph.schema import Column, TableSpec, table_spec
from ingest.report import Issue
from ingest.tabular import IGNORED, CellError, RawPart, SheetPlan, normalise_header
from ingest.templates import TABLES
from ingest.validation import FALSE_WORDS, TRUE_WORDS

__all__ = ["MappingFileError", "ColumnRule", "FileRule", "SourceMapping", "FilePlan", "code_list"]

_TOP_KEYS = ("version", "files")
_RULE_KEYS = ("match", "sheet", "table", "date", "columns", "constants", "ignore")
_COLUMN_KEYS = ("to", "codes", "date")
_ISO = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T].*)?$")
_SAMPLE = dt.datetime(2024, 3, 17, 13, 45, 30)


class MappingFileError(ValueError):
    """The mapping file is not valid: ``issues`` names each problem (file, YAML path and line)."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__("; ".join(f"{i.where}: {i.reason}" for i in issues))


def code_list(spec: TableSpec, column: Column) -> tuple[str, ...]:
    """The codes a template column accepts (empty when it takes free text).

    >>> code_list(table_spec("households"), table_spec("households").column("composition"))[:2]
    ('single', 'couple')
    """
    if column.choices:
        return column.choices
    if column.name == "domain_code" and spec.name != "domains":
        return tuple(sorted(DOMAIN_CODES))
    return ()


def _value_problem(spec: TableSpec, column: Column, value: str) -> str | None:
    """Why ``value`` cannot stand in ``column`` (a code target or a constant), or ``None``."""
    codes = code_list(spec, column)
    if codes and value not in codes:
        return f"{value!r} is not a code of {spec.name}.{column.name}; codes: " + ", ".join(codes)
    if column.type == "int":
        if not re.fullmatch(r"[+-]?[0-9]{1,18}", value):
            return f"{value!r} is not a whole number ({spec.name}.{column.name})"
        lo = column.low if column.low is not None else -(2**62)
        hi = column.high if column.high is not None else 2**62
        if not lo <= int(value) <= hi:
            return f"{value!r} is outside the range {column.low}–{column.high} ({spec.name}.{column.name})"
    if column.type == "bool" and value.lower() not in TRUE_WORDS + FALSE_WORDS:
        return f"{value!r} is not a yes/no value ({spec.name}.{column.name})"
    if column.type == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return f"{value!r} is not a date YYYY-MM-DD ({spec.name}.{column.name})"
    return None


def _date_format_problem(fmt: str) -> str | None:
    """Why ``fmt`` is no usable date format, or ``None``.

    >>> _date_format_problem("%d-%m-%Y") is None, _date_format_problem("%m-%Y"), _date_format_problem("dd-mm-jjjj")
    (True, "date format '%m-%Y' does not hold a full date (day, month and year)", \
"date format 'dd-mm-jjjj' does not hold a full date (day, month and year)")
    """
    try:
        back = dt.datetime.strptime(_SAMPLE.strftime(fmt), fmt)
    except ValueError as e:
        return f"date format {fmt!r} cannot be read back: {e}"
    if back.date() != _SAMPLE.date():
        return f"date format {fmt!r} does not hold a full date (day, month and year)"
    return None


@dataclass(frozen=True)
class ColumnRule:
    """One source column: the template column it becomes, its code translations and its date format."""

    source: str
    target: str
    codes: Mapping[str, str] = field(default_factory=dict)
    """Lower-cased, trimmed source value → template code."""
    date: str | None = None
    path: str = ""


@dataclass(frozen=True)
class FileRule:
    """One kind of source file: which files, which sheet, which table, and how its columns map."""

    match: str
    table: str
    path: str
    sheet: str | None = None
    date: str | None = None
    columns: tuple[ColumnRule, ...] = ()
    constants: Mapping[str, str] = field(default_factory=dict)
    ignore: frozenset[str] = frozenset()
    """Normalised names of the source columns knowingly left out."""

    def matches(self, name: str, sheet: str | None, index: int) -> bool:
        """Does this rule read file ``name`` (sheet ``sheet`` at ``index``; ``None`` for CSV/Parquet)?"""
        if not fnmatch.fnmatch(name.lower(), self.match.lower()):
            return False
        if sheet is None:
            return True
        if self.sheet is None:
            return index == 0
        return fnmatch.fnmatch(sheet.strip().lower(), self.sheet.strip().lower())


# --- reading the YAML: every scalar a string, duplicate keys refused, a line for every path ---------------------

def _too_deep(file: str) -> Issue:
    return Issue.make(file, "the mapping file is nested too deeply", rule="mapping")


class _StringLoader(yaml.SafeLoader):
    """Every scalar stays the text written (``no``, ``01`` and ``1.0`` are codes here, not booleans or numbers)."""


_StringLoader.yaml_implicit_resolvers = {}


@dataclass
class _Node:
    value: object
    path: str
    line: int


class _Reader:
    """Walks the composed YAML, collecting problems as issues with their YAML path and line."""

    def __init__(self, file: str):
        self.file = file
        self.issues: list[Issue] = []
        self.seen: set[int] = set()

    def error(self, path: str, line: int, reason: str) -> None:
        self.issues.append(Issue.make(self.file, reason, path=f"{path or '(top)'} (line {line})", rule="mapping"))

    def convert(self, node: yaml.Node, path: str) -> _Node:
        line = node.start_mark.line + 1
        if id(node) in self.seen:  # an alias: refused, so no file can expand into billions of nodes
            self.error(path, line, "YAML aliases (*name) are not allowed in a mapping file")
            return _Node("", path, line)
        self.seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            out: dict[str, _Node] = {}
            for k, v in node.value:
                if not isinstance(k, yaml.ScalarNode):
                    self.error(path, k.start_mark.line + 1, "a key must be plain text")
                    continue
                key = str(k.value)
                sub = f"{path}.{key}" if path else key
                if key in out:
                    self.error(sub, k.start_mark.line + 1, f"key {key!r} appears twice")
                    continue
                out[key] = self.convert(v, sub)
            return _Node(out, path, line)
        if isinstance(node, yaml.SequenceNode):
            return _Node([self.convert(v, f"{path}[{i}]") for i, v in enumerate(node.value)], path, line)
        return _Node(str(node.value), path, line)

    def mapping(self, n: _Node, keys: tuple[str, ...] | None, what: str) -> dict[str, _Node]:
        if not isinstance(n.value, dict):
            self.error(n.path, n.line, f"{what} must be a mapping (key: value)")
            return {}
        if keys is not None:
            for k, v in n.value.items():
                if k not in keys:
                    self.error(v.path, v.line, f"unknown key {k!r}; expected: " + ", ".join(keys))
        return n.value

    def text(self, n: _Node | None, what: str) -> str | None:
        if n is None:
            return None
        if not isinstance(n.value, str) or not n.value.strip():
            self.error(n.path, n.line, f"{what} must be non-empty text")
            return None
        return n.value.strip()


def _parse_rule(r: _Reader, node: _Node) -> FileRule | None:
    d = r.mapping(node, _RULE_KEYS, "a file rule")
    if not d:
        return None
    match = r.text(d.get("match"), "match (a file name pattern)")
    if "match" not in d:
        r.error(node.path, node.line, "missing key 'match' (a file name pattern such as 'huishoudens*.csv')")
    table_name = r.text(d.get("table"), "table")
    known = [t.name for t in TABLES]
    if "table" not in d:
        r.error(node.path, node.line, "missing key 'table'; tables: " + ", ".join(known))
        return None
    if table_name is None:
        return None
    if table_name not in known:
        t = d["table"]
        r.error(t.path, t.line, f"unknown table {table_name!r}; tables: " + ", ".join(known))
        return None
    spec = table_spec(table_name)
    sheet = r.text(d.get("sheet"), "sheet")
    date = r.text(d.get("date"), "date (a format such as '%d-%m-%Y')")
    if date is not None and (p := _date_format_problem(date)):
        r.error(d["date"].path, d["date"].line, p)
    columns: list[ColumnRule] = []
    targets: dict[str, str] = {}
    sources: dict[str, str] = {}
    for source, cn in (r.mapping(d["columns"], None, "columns") if "columns" in d else {}).items():
        cr = _parse_column(r, spec, source, cn)
        if cr is None:
            continue
        norm = normalise_header(source)
        if norm in sources:
            r.error(cn.path, cn.line, f"source column {source!r} is the same column as {sources[norm]!r} "
                                      "(headers are matched ignoring case, spaces and hyphens)")
            continue
        if cr.target in targets:
            r.error(cn.path, cn.line, f"template column {cr.target!r} is already mapped from {targets[cr.target]!r}")
            continue
        sources[norm] = source
        targets[cr.target] = source
        columns.append(cr)
    constants: dict[str, str] = {}
    for col, vn in (r.mapping(d["constants"], None, "constants") if "constants" in d else {}).items():
        value = r.text(vn, "a constant")
        if value is None:
            continue
        if col not in spec.column_names:
            r.error(vn.path, vn.line, f"unknown column {col!r} of {spec.name}; columns: "
                    + ", ".join(spec.column_names))
        elif col in targets:
            r.error(vn.path, vn.line, f"template column {col!r} is already mapped from {targets[col]!r}")
        elif col == "bsn":
            r.error(vn.path, vn.line, "a BSN cannot be a constant")
        elif p := _value_problem(spec, spec.column(col), value):
            r.error(vn.path, vn.line, p)
        else:
            constants[col] = value
    ignore: set[str] = set()
    if "ignore" in d:
        ig = d["ignore"]
        if not isinstance(ig.value, list):
            r.error(ig.path, ig.line, "ignore must be a list of source columns")
        else:
            for item in ig.value:
                name = r.text(item, "a source column")
                if name is not None:
                    if normalise_header(name) in sources:
                        r.error(item.path, item.line, f"source column {name!r} is mapped and ignored at once")
                    ignore.add(normalise_header(name))
    if match is None:
        return None
    return FileRule(match, table_name, node.path, sheet, date, tuple(columns), constants, frozenset(ignore))


def _parse_column(r: _Reader, spec: TableSpec, source: str, n: _Node) -> ColumnRule | None:
    if not source.strip():
        r.error(n.path, n.line, "a source column name is empty")
        return None
    if isinstance(n.value, str):
        d: dict[str, _Node] = {"to": n}
    else:
        d = r.mapping(n, _COLUMN_KEYS, f"column {source!r}")
        if "to" not in d:
            r.error(n.path, n.line, f"column {source!r}: missing key 'to' (the template column)")
            return None
    target = r.text(d["to"], "the template column")
    if target is None:
        return None
    if target not in spec.column_names:
        r.error(d["to"].path, d["to"].line, f"unknown column {target!r} of {spec.name}; columns: "
                + ", ".join(spec.column_names))
        return None
    column = spec.column(target)
    date = r.text(d.get("date"), "date (a format such as '%d-%m-%Y')")
    if date is not None:
        if column.type != "date":
            r.error(d["date"].path, d["date"].line, f"{spec.name}.{target} is not a date column")
        elif p := _date_format_problem(date):
            r.error(d["date"].path, d["date"].line, p)
    codes: dict[str, str] = {}
    if "codes" in d:
        cn = d["codes"]
        if column.type == "date" or target == "bsn":
            r.error(cn.path, cn.line, f"codes cannot translate {spec.name}.{target}: dates take a date format, "
                                      "BSNs are read as written")
        for value, tn in r.mapping(cn, None, "codes").items():
            code = r.text(tn, "a code")
            if code is None:
                continue
            key = value.strip().lower()
            if key in codes and codes[key] != code:
                r.error(tn.path, tn.line, f"value {value!r} is already translated to {codes[key]!r}")
                continue
            if p := _value_problem(spec, column, code):
                r.error(tn.path, tn.line, p)
                continue
            codes[key] = code
    return ColumnRule(source.strip(), target, codes, date, n.path)


# --- applying it -----------------------------------------------------------------------------------------------

@dataclass
class SourceMapping:
    """A checked mapping file: its rules, in the order written."""

    file: str
    rules: tuple[FileRule, ...]
    used: set[int] = field(default_factory=set)
    """Indexes of the rules that matched a file (to warn about the others)."""

    @classmethod
    def load(cls, path: Path) -> SourceMapping:
        """Read and check a mapping file.

        Raises
        ------
        MappingFileError
            When the file cannot be read or holds any problem (all of them are listed).
        """
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeError) as e:
            raise MappingFileError([Issue.make(str(path), f"cannot read the mapping file: {e}",
                                               rule="mapping")]) from None
        return cls.parse(text, str(path))

    @classmethod
    def parse(cls, text: str, file: str = "mapping.yaml") -> SourceMapping:
        """Check a mapping given as YAML text (``file`` names it in errors); see :meth:`load`."""
        r = _Reader(file)
        try:
            root = yaml.compose(text, Loader=_StringLoader)
        except RecursionError:
            raise MappingFileError([_too_deep(file)]) from None
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark is not None else "(top)"
            raise MappingFileError([Issue.make(file, f"not valid YAML: {getattr(e, 'problem', e)}", path=where,
                                               rule="mapping")]) from None
        if root is None:
            raise MappingFileError([Issue.make(file, "the mapping file is empty", rule="mapping")])
        try:
            converted = r.convert(root, "")
        except RecursionError:
            raise MappingFileError([_too_deep(file)]) from None
        top = r.mapping(converted, _TOP_KEYS, "the mapping file")
        rules: list[FileRule] = []
        if "version" in top and top["version"].value != "1":
            r.error(top["version"].path, top["version"].line, "unknown version; this caregraph reads version 1")
        files = top.get("files")
        if files is None:
            r.error("", 1, "missing key 'files' (a list of file rules)")
        elif not isinstance(files.value, list) or not files.value:
            r.error(files.path, files.line, "files must be a non-empty list of file rules")
        else:
            for n in files.value:
                rule = _parse_rule(r, n)
                if rule is not None:
                    rules.append(rule)
        if r.issues:
            raise MappingFileError(r.issues)
        return cls(file, tuple(rules))

    def plan_for(self, path: Path, issues: list[Issue]) -> FilePlan | None:
        """How to read ``path`` through this mapping, or ``None`` when no rule matches its name (read as a template)."""
        if not any(fnmatch.fnmatch(path.name.lower(), r.match.lower()) for r in self.rules):
            return None
        return FilePlan(self, path, issues)

    def unused(self) -> list[Issue]:
        """Warnings for the rules that matched no file."""
        return [Issue.make(self.file, f"no input file matches {r.match!r}", severity="warning", path=r.path,
                           table=r.table, rule="mapping")
                for i, r in enumerate(self.rules) if i not in self.used]


class FilePlan:
    """Reads one source file through the mapping: a :data:`ingest.tabular.SourcePlan`, then :meth:`apply`."""

    def __init__(self, mapping: SourceMapping, path: Path, issues: list[Issue]):
        self.mapping = mapping
        self.path = path
        self.issues = issues
        self.rules: dict[str, FileRule] = {}
        """Where (file, or file[sheet]) → the rule it was read with."""

    def __call__(self, sheet: str | None, index: int) -> SheetPlan | None:
        where = str(self.path) if sheet is None else f"{self.path}[{sheet}]"
        hits = [i for i, r in enumerate(self.mapping.rules) if r.matches(self.path.name, sheet, index)]
        if not hits:
            self.issues.append(Issue.make(where, f"sheet {sheet!r} matches no rule of {self.mapping.file}; ignored",
                                          severity="warning", rule="mapping"))
            return None
        if len(hits) > 1:
            self.issues.append(Issue.make(where, f"matches more than one rule of {self.mapping.file}: "
                                          + ", ".join(self.mapping.rules[i].path for i in hits), rule="file"))
            return None
        self.mapping.used.add(hits[0])
        rule = self.mapping.rules[hits[0]]
        self.rules[where] = rule
        return SheetPlan(rule.table, lambda cells: self._header(where, rule, cells), self.mapping.file,
                         sources={c.target: c.source for c in rule.columns}, supplied=frozenset(rule.constants))

    def _header(self, where: str, rule: FileRule, cells: list[str]) -> list[str]:
        spec = table_spec(rule.table)
        by_source = {normalise_header(c.source): c.target for c in rule.columns}
        taken = set(by_source.values()) | set(rule.constants)
        names: list[str] = []
        left_out: list[str] = []
        for cell in cells:
            n = normalise_header(cell)
            if not n:
                names.append("")
            elif n in by_source:
                names.append(by_source[n])
            elif n in rule.ignore:
                names.append(IGNORED)
            elif n in spec.column_names and n not in taken:
                names.append(n)
            else:
                names.append(IGNORED)
                left_out.append(cell.strip())
        if left_out:
            self.issues.append(Issue.make(
                where, "source column(s) not in the mapping, left out: " + ", ".join(repr(c) for c in left_out)
                + f" (map them, or list them under ignore in {self.mapping.file})",
                severity="warning", row=0, table=rule.table, rule="mapping"))
        found = {normalise_header(c) for c in cells}
        for c in rule.columns:
            if normalise_header(c.source) not in found and not spec.column(c.target).required:
                self.issues.append(Issue.make(where, f"source column {c.source!r} of the mapping is not in the file",
                                              severity="warning", row=0, field=c.target, table=rule.table,
                                              rule="mapping", source_column=c.source))
        return names

    def apply(self, part: RawPart) -> RawPart:
        """Translate codes and dates and fill constants in a part read with this plan; wrong cells become
        :class:`~ingest.tabular.CellError` s that validation reports with the source column."""
        rule = self.rules.get(part.file)
        if rule is None:
            return part
        spec = table_spec(rule.table)
        data = part.data
        errors: list[CellError] = []
        for c in rule.columns:
            column = spec.column(c.target)
            date = c.date or (rule.date if column.type == "date" else None)
            if not c.codes and date is None:
                continue
            i = data.column_names.index(c.target)
            col = data.column(i).combine_chunks()
            if c.codes:
                col, bad = _translate(col, c.codes, code_list(spec, column))
                if bad.any():
                    errors.append(CellError(c.target, f"code value without a translation: add it under codes at "
                                            f"{c.path} in {self.mapping.file}", "mapping", bad))
            if date is not None and column.type == "date":
                col, bad = _parse_dates(col, date)
                if bad.any():
                    errors.append(CellError(c.target, f"not a date in the format {date!r} ({self.mapping.file})",
                                            "type", bad))
            data = data.set_column(i, c.target, col)
        if rule.date is not None:
            mapped = {c.target for c in rule.columns}
            for column in spec.columns:
                if column.type != "date" or column.name in mapped or column.name in rule.constants:
                    continue
                i = data.column_names.index(column.name)
                col, bad = _parse_dates(data.column(i).combine_chunks(), rule.date)
                if bad.any():
                    errors.append(CellError(column.name, f"not a date in the format {rule.date!r} "
                                            f"({self.mapping.file})", "type", bad))
                data = data.set_column(i, column.name, col)
        for name, value in rule.constants.items():
            i = data.column_names.index(name)
            data = data.set_column(i, name, pa.array([value] * data.num_rows, pa.string()))
        sources = {c.target: c.source for c in rule.columns}
        return RawPart(part.table, part.file, data, rows=part.rows, paths=part.paths, files=part.files,
                       sources=sources, cell_errors=[*part.cell_errors, *errors])


def _translate(col: pa.Array, codes: Mapping[str, str], allowed: tuple[str, ...]) -> tuple[pa.Array, np.ndarray]:
    """Translate every value by ``codes`` (trimmed, case-insensitive); values that are already allowed codes stay.

    Returns the translated column (untranslatable values kept as read) and the mask of those values.
    """
    keys = pa.array(list(codes), pa.string())
    pos = pc.index_in(pc.utf8_lower(pc.utf8_trim_whitespace(col)), value_set=keys)
    translated = pc.take(pa.array(list(codes.values()), pa.string()), pos)
    out = pc.if_else(pc.is_valid(pos), translated, col)
    present = np.asarray(pc.is_valid(col).to_numpy(zero_copy_only=False), dtype=bool)
    mapped = np.asarray(pc.is_valid(pos).to_numpy(zero_copy_only=False), dtype=bool)
    ok = mapped.copy()
    if allowed:
        ok |= np.asarray(pc.fill_null(pc.is_in(col, value_set=pa.array(allowed)), False)
                         .to_numpy(zero_copy_only=False), dtype=bool)
    return out, present & ~ok


def _parse_dates(col: pa.Array, fmt: str) -> tuple[pa.Array, np.ndarray]:
    """Dates written as ``fmt`` → ISO text (ISO dates kept); returns the column and the mask of unreadable cells.

    Each distinct value is parsed once with :func:`datetime.datetime.strptime`, which refuses impossible dates.

    >>> col, bad = _parse_dates(pa.array(["17-03-2024", "2024-03-18", "31-02-2024", None]), "%d-%m-%Y")
    >>> col.to_pylist(), bad.tolist()
    (['2024-03-17', '2024-03-18', '31-02-2024', None], [False, False, True, False])
    """
    uniq = pc.unique(pc.drop_null(col)).to_pylist()
    parsed: list[str | None] = []
    for v in uniq:
        try:
            parsed.append(dt.datetime.strptime(v, fmt).date().isoformat())
        except ValueError:
            parsed.append(v if _ISO.match(v) else None)
    pos = pc.index_in(col, value_set=pa.array(uniq, pa.string()))
    iso = pc.take(pa.array(parsed, pa.string()), pos)
    bad = np.asarray(pc.and_(pc.is_valid(col), pc.is_null(iso)).to_numpy(zero_copy_only=False), dtype=bool)
    return pc.if_else(pc.is_valid(iso), iso, col), bad

