"""Starter mapping files (``caregraph template --mapping``): every template table and column, commented.

Without source files the starter has one rule per template table that maps every column onto itself, so it loads as
written and reads files laid out like the templates; the user renames the source columns. Given source files, it has
one rule per file (per sheet of a workbook) with the file's own columns, each matched to its best-guess template
column (the same name, a known Dutch or English synonym, or a close spelling); columns without a guess are listed
under ``ignore`` for the user to map or leave out. The result is checked with :meth:`SourceMapping.parse
<ingest.mapping.SourceMapping.parse>` by the tests, so a starter always loads once its guesses are confirmed.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow.compute as pc

from graph.domains import DOMAINS
from graph.schema import ENFORCEMENT_ACTIONS, SECTORS, TableSpec, table_spec
from ingest.mapping import code_list
from ingest.report import Issue
from ingest.tabular import IGNORED, SheetPlan, normalise_header, read_tabular, table_for_name
from ingest.templates import TABLES

__all__ = ["SourceColumns", "starter_mapping", "source_columns", "guess_column", "guess_code", "guess_date_format",
           "sample_values"]

SYNONYMS: dict[str, tuple[str, ...]] = {
    "burgerservicenummer": ("bsn",), "sofinummer": ("bsn",), "bsn_nummer": ("bsn",),
    "geboortejaar": ("birth_year",), "naam": ("name",), "volledige_naam": ("name",), "omschrijving": ("name",),
    "rol": ("role",), "functie": ("role",), "gezinsrol": ("role",),
    "wijk": ("district_id",), "wijknaam": ("name", "district_id"), "wijkcode": ("district_id",),
    "gebied": ("district_id",), "cbs_code": ("municipality_code",),
    "gemeentecode": ("municipality_code",), "gemeente": ("municipality_code",),
    "samenstelling": ("composition",), "huishoudtype": ("composition",), "gezinssamenstelling": ("composition",),
    "huishouden": ("household_id",), "huishoudnummer": ("household_id",), "huishouden_id": ("household_id",),
    "dossier": ("household_id",), "dossiernummer": ("household_id",), "gezin": ("household_id",),
    "gezinsnummer": ("household_id",), "lid": ("member_id",), "persoon": ("member_id",),
    "client": ("member_id",), "clientnummer": ("member_id",), "cliëntnummer": ("member_id",),
    "organisatie": ("agency_id",), "aanbieder": ("agency_id",), "instantie": ("agency_id",),
    "medewerker": ("professional_id",), "hulpverlener": ("professional_id",), "behandelaar": ("professional_id",),
    "regisseur": ("professional_id",), "casemanager": ("professional_id",),
    "agb": ("agb_code",), "agbcode": ("agb_code",),
    "startdatum": ("start_date", "opened_on"), "begindatum": ("start_date", "opened_on"),
    "ingangsdatum": ("start_date", "opened_on"), "aanmelddatum": ("opened_on",),
    "einddatum": ("end_date", "closed_on"), "afsluitdatum": ("closed_on", "end_date"),
    "leefgebied": ("domain_code",), "domein": ("domain_code",), "levensdomein": ("domain_code",),
    "soort": ("kind",), "soort_hulp": ("kind",), "type": ("kind",), "actie": ("action",), "maatregel": ("action",),
    "contacten": ("contact_count",), "aantal_contacten": ("contact_count",), "bron": ("source",),
    "zrm_score": ("score",), "meetdatum": ("assessed_on",), "datum_meting": ("assessed_on",),
    "soort_organisatie": ("sector",), "type_organisatie": ("sector",), "soort_traject": ("kind",),
    "soort_interventie": ("kind",), "postcode_woonadres": ("postcode",), "pc6": ("postcode",),
    "traject": ("intervention_id",),
    "interventie": ("intervention_id",), "voorziening": ("intervention_id",), "meting": ("assessment_id",),
    "regie": ("coordination_id",), "toewijzing": ("intervention_id",),
}
"""Normalised source header → template columns it usually means (the first one the table has is taken)."""

_ID_SUFFIX = re.compile(r"_?(nummer|nr|code|id)$")


TABLE_WORDS: dict[str, str] = {
    "wijken": "districts", "organisaties": "agencies", "aanbieders": "agencies", "instanties": "agencies",
    "medewerkers": "professionals", "hulpverleners": "professionals", "huishoudens": "households",
    "gezinnen": "households", "leden": "members", "personen": "members", "clienten": "members",
    "cliënten": "members", "gezinsleden": "members", "leefgebieden": "domains", "domeinen": "domains",
    "interventies": "interventions", "trajecten": "interventions", "voorzieningen": "interventions",
    "regie": "coordinations", "regisseurs": "coordinations", "metingen": "assessments", "zrm": "assessments",
}
"""Dutch words in a file or sheet name → the table it holds (besides the table names themselves)."""


CODE_WORDS: dict[str, dict[str, str]] = {
    "composition": {"alleenstaand": "single", "alleenstaande": "single", "eenpersoons": "single",
                    "eenoudergezin": "single_parent", "alleenstaande ouder": "single_parent", "stel": "couple",
                    "echtpaar": "couple", "paar zonder kinderen": "couple", "gezin": "couple_with_children",
                    "paar met kinderen": "couple_with_children", "overig": "other", "anders": "other"},
    "role": {"ouder": "parent", "partner": "partner", "kind": "child", "alleenstaand": "single",
             "alleenstaande": "single", "overig": "other", "anders": "other"},
    "kind": {"ondersteuning": "support", "hulp": "support", "begeleiding": "support", "onderzoek": "assessment",
             "diagnose": "assessment", "indicatie": "assessment", "regie": "coordination",
             "coördinatie": "coordination", "handhaving": "enforcement", "dwang": "enforcement"},
    "sector": {label.lower(): code for code, label in SECTORS.items()} | {
        "wijkteam": "neighbourhood_team", "corporatie": "housing", "gemeente": "neighbourhood_team",
        "schuldhulp": "debt_counselling", "ggz": "mental_health", "huisarts": "health_care"},
    "action": {label.lower(): code for code, label in ENFORCEMENT_ACTIONS.items()} | {
        "ontruiming": "eviction", "beslag": "debt_collection", "loonbeslag": "debt_collection",
        "stopzetting": "benefit_stop"},
    "domain_code": {name.lower(): d.code for d in DOMAINS for name in (d.name_nl, d.name_en)} | {
        "schuldhulp": "FIN", "schulden": "FIN", "financien": "FIN", "wonen": "HUI", "psychisch": "GGZ",
        "verslaving": "MID", "werk": "WRK", "dagbesteding": "TIJ", "opvoeding": "OPV", "gezondheid": "LIC",
        "netwerk": "SOC", "relaties": "REL"},
}
"""Per template column, Dutch (and English) labels an export may use → the code (the label lists of graph.schema and
graph.domains, plus common words); a starter proposes these translations for the user to check."""

DATE_FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%y", "%d/%m/%y", "%Y%m%d", "%Y/%m/%d", "%m/%d/%Y")
"""Date formats a starter tries on an export's values, Dutch day-first orders first."""

_MAX_VALUES = 40


def guess_code(column: str, value: str) -> str | None:
    """The code a label in an export most likely stands for in template column ``column``, or ``None``.

    >>> guess_code("composition", "Eenoudergezin"), guess_code("sector", "Schuldhulpverlening")
    ('single_parent', 'debt_counselling')
    >>> guess_code("domain_code", "financien"), guess_code("kind", "Vrije tijd")
    ('FIN', None)
    """
    words = CODE_WORDS.get(column, {})
    key = value.strip().lower()
    if key in words:
        return words[key]
    close = difflib.get_close_matches(key, list(words), n=1, cutoff=0.8)
    return words[close[0]] if close else None


def guess_date_format(values: Sequence[str]) -> str | None:
    """The first of :data:`DATE_FORMATS` that reads every value, or ``None`` (also when all are ISO dates).

    >>> guess_date_format(["17-03-2024", "01-12-2023"]), guess_date_format(["17/03/24"]), guess_date_format(["x"])
    ('%d-%m-%Y', '%d/%m/%y', None)
    """
    if not values or all(re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}([ T].*)?", v) for v in values):
        return None
    for fmt in DATE_FORMATS:
        try:
            for v in values:
                dt.datetime.strptime(v, fmt)
        except ValueError:
            continue
        return fmt
    return None


@dataclass(frozen=True)
class SourceColumns:
    """The header of one source file or sheet: where it is, its sheet, and its column names as written."""

    file: Path
    sheet: str | None
    columns: tuple[str, ...]


def source_columns(path: Path, issues: list[Issue]) -> list[SourceColumns]:
    """The headers of a CSV/Excel/Parquet file (one per sheet); problems reading it go to ``issues``.

    Reads through :func:`ingest.tabular.read_tabular` with a plan that only records each header, so encodings,
    delimiters and sheets are found exactly as ``caregraph ingest`` finds them.
    """
    found: list[SourceColumns] = []

    def plan(sheet: str | None, index: int) -> SheetPlan:
        def header(cells: list[str]) -> list[str]:
            found.append(SourceColumns(path, sheet, tuple(c.strip() for c in cells if c.strip())))
            return [IGNORED] * len(cells)
        return SheetPlan(TABLES[0].name, header, "(starter)")

    scratch: list[Issue] = []
    read_tabular(path, scratch, plan)
    issues.extend(i for i in scratch if i.rule != "header")
    return found


def sample_values(src: SourceColumns, table: str, pairs: Sequence[tuple[str, str | None]]) -> dict[str, list[str]]:
    """Up to 40 distinct values of each guessed code or date column of ``src``, read as ``caregraph ingest`` would."""
    spec = table_spec(table)
    wanted = {normalise_header(s): t for s, t in pairs
              if t is not None and (code_list(spec, spec.column(t)) or spec.column(t).type == "date"
                                    or t == "action")}
    if not wanted:
        return {}

    def plan(sheet: str | None, index: int) -> SheetPlan | None:
        if sheet != src.sheet:
            return None
        return SheetPlan(table, lambda cells: [wanted.get(normalise_header(c), IGNORED) for c in cells],
                         "(starter)", supplied=frozenset(spec.column_names))

    out: dict[str, list[str]] = {}
    for part in read_tabular(src.file, [], plan):
        for target in set(wanted.values()):
            values = pc.unique(pc.drop_null(part.data.column(target))).to_pylist()
            out[target] = [str(v) for v in values[:_MAX_VALUES]]
    return out


def guess_column(spec: TableSpec, source: str, taken: set[str]) -> str | None:
    """The template column of ``spec`` a source column most likely holds (not one in ``taken``), or ``None``.

    >>> s = table_spec("households")
    >>> guess_column(s, "Wijknaam", set()), guess_column(s, "Startdatum", set()), guess_column(s, "Opmerking", set())
    ('district_id', 'opened_on', None)
    >>> guess_column(s, "Household-ID", set()), guess_column(s, "postcod", set()), guess_column(s, "Gezinsnr", set())
    ('household_id', 'postcode', 'household_id')
    """
    n = normalise_header(source)
    free = [c for c in spec.column_names if c not in taken]
    if n in free:
        return n
    stem = _ID_SUFFIX.sub("", n)
    for word in (n, stem):
        if word in SYNONYMS:
            return next((t for t in SYNONYMS[word] if t in free), None)
    for word in n.split("_"):
        for target in SYNONYMS.get(word, (word,)):
            if target in free and (word in SYNONYMS or word == target):
                return target
    names = {c: c for c in free}
    names.update({k: t for k, ts in SYNONYMS.items() for t in ts[:1] if t in free})
    close = difflib.get_close_matches(n, list(names), n=1, cutoff=0.8)
    return names[close[0]] if close else None


def _guess_table(src: SourceColumns) -> tuple[str, bool]:
    """(table, named): the table the file or sheet name names, else the one most of its columns match."""
    for name in (src.sheet, src.file.stem):
        if name and (t := table_for_name(name)):
            return t, True
        words = normalise_header(name or "").split("_")
        hits = {TABLE_WORDS[w] for w in words if w in TABLE_WORDS}
        if len(hits) == 1:
            return hits.pop(), True
    best = max(TABLES, key=lambda t: sum(guess_column(t, c, set()) is not None for c in src.columns))
    return best.name, False


_PLAIN = re.compile(r"^[A-Za-z_][\w.\- ]*[\w.]$|^[A-Za-z_]$")


def _q(text: str) -> str:
    """A YAML scalar: plain when safe, else double-quoted (JSON's quoting is valid YAML)."""
    return text if _PLAIN.match(text) else json.dumps(text, ensure_ascii=False)


def _about(spec: TableSpec, name: str) -> str:
    c = spec.column(name)
    bits = [c.type, "required" if c.required else "optional"]
    if c.references:
        bits.append(f"refers to {c.references}")
    codes = code_list(spec, c)
    text = f"{c.description} ({', '.join(bits)})"
    if codes:
        text += " codes: " + ", ".join(codes)
    return text


_HEAD = """\
# caregraph mapping: how another system's export is read as caregraph's templates.
# Use: caregraph ingest --mapping THIS_FILE FILES...   (docs/ingest.md, "Mappings")
#
# One rule per kind of source file:
#   match:     file name pattern (* and ?, case-insensitive), e.g. "huishoudens*.xlsx"
#   sheet:     Excel only: the sheet to read (pattern); without it, the first sheet
#   table:     the caregraph table the file holds
#   date:      date format of every date column, e.g. "%d-%m-%Y" (dd-mm-jjjj); default YYYY-MM-DD or DD-MM-YYYY
#   columns:   source column: caregraph column; or, to translate codes or read dates:
#                Samenstelling:
#                  to: composition
#                  codes: {Eenoudergezin: single_parent, Alleenstaand: single}
#                Startdatum: {to: opened_on, date: "%d-%m-%Y"}
#   constants: caregraph column: one value for every row, e.g. {source: export-systeem-x}
#   ignore:    source columns knowingly left out (any other unmapped column gives a warning)
version: 1
files:
"""


def _rule_lines(spec: TableSpec, match: str, sheet: str | None, pairs: list[tuple[str, str | None]],
                note: str | None, values: dict[str, list[str]] | None = None) -> list[str]:
    lines = [f"  - match: {_q(match)}"]
    if sheet is not None:
        lines.append(f"    sheet: {_q(sheet)}")
    lines.append(f"    table: {spec.name}" + (f"    # {note}" if note else ""))
    lines.append(f"    # {spec.description}")
    lines.append('    # date: "%d-%m-%Y"')
    mapped = [(s, t) for s, t in pairs if t is not None]
    lines.append("    columns:" if mapped else "    columns: {}")
    width = max((len(_q(s)) + len(t) for s, t in mapped), default=0) + 10
    for s, t in mapped:
        entry = f"      {_q(s)}: {t}"
        extra = _column_extra(spec, t, (values or {}).get(t, []))
        if not extra:
            lines.append(f"{entry:<{width}} # {_about(spec, t)}")
            continue
        lines.append(f"{'      ' + _q(s) + ':':<{width}} # {_about(spec, t)}")
        lines.append(f"        to: {t}")
        lines.extend(extra)
    unmapped = [s for s, t in pairs if t is None]
    if unmapped:
        lines.append("    ignore:    # no caregraph column guessed: map these under columns, or leave them here")
        lines.extend(f"      - {_q(s)}" for s in unmapped)
    targets = {t for _, t in mapped}
    missing = [c.name for c in spec.columns if c.required and c.name not in targets]
    if missing:
        lines.append("    # not mapped yet, required: " + ", ".join(missing))
    return lines


def _column_extra(spec: TableSpec, target: str, values: list[str]) -> list[str]:
    """Lines proposing a date format or code translations for the values an export holds, or none."""
    column = spec.column(target)
    if column.type == "date":
        fmt = guess_date_format(values)
        return [f"        date: {json.dumps(fmt)}    # read from the values in the export: check"] if fmt else []
    codes = code_list(spec, column)
    todo = [v for v in values if v not in codes]
    if not todo or not (codes or (spec.name, target) == ("interventions", "action")):
        return []
    guessed = [(v, guess_code(target, v)) for v in todo]
    known = [(v, c) for v, c in guessed if c is not None]
    lines = ["        codes:" + ("" if known else " {}") + "    # the values found in the export; check each"]
    lines.extend(f"          {_q(v)}: {c}" for v, c in known)
    lines.extend(f"          # {_q(v)}: ?    (no guess: translate it, or it is refused)" for v, c in guessed
                 if c is None)
    return lines


def starter_mapping(sources: Sequence[SourceColumns] = ()) -> str:
    """The starter mapping (YAML text): every template table, or one rule per source file/sheet given."""
    lines = [_HEAD.rstrip("\n")]
    if not sources:
        for spec in TABLES:
            lines.extend(_rule_lines(spec, f"{spec.name}*", None, [(c, c) for c in spec.column_names], None))
        return "\n".join(lines) + "\n"
    for src in sources:
        table, named = _guess_table(src)
        spec = table_spec(table)
        taken: set[str] = set()
        pairs: list[tuple[str, str | None]] = []
        for col in dict.fromkeys(src.columns):
            target = guess_column(spec, col, taken)
            if target is not None:
                taken.add(target)
            pairs.append((col, target))
        note = None if named else "guessed from the columns: check"
        lines.extend(_rule_lines(spec, src.file.name, src.sheet, pairs, note, sample_values(src, table, pairs)))
    return "\n".join(lines) + "\n"
