"""Product category → (life domain, intervention kind) and → agency sector: documented, editable mapping tables.

``ingest/category_domains.csv`` (columns ``domain`` jw|wmo, ``categorie`` the 2-digit JZ020/WMO020 code or empty for
allocations without a product, ``domain_code``, ``kind``, ``note``) says which life domain an allocation addresses and
what kind of intervention it is; ``ingest/category_sectors.csv`` (``domain``, ``categorie``, ``sector``, ``note``) gives
the sector of a provider, taken from the categories it delivers (see :func:`provider_sector`). Categories from
``docs/istandaarden.md#code-lists``. A municipality edits the CSVs (or passes its own file) to follow its own policy.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from graph.domains import DOMAIN_CODES
from graph.schema import INTERVENTION_KINDS, SECTORS

__all__ = ["CategoryMap", "DEFAULT_DOMAINS_FILE", "DEFAULT_SECTORS_FILE", "MappingError"]

DEFAULT_DOMAINS_FILE = Path(__file__).with_name("category_domains.csv")
DEFAULT_SECTORS_FILE = Path(__file__).with_name("category_sectors.csv")


class MappingError(ValueError):
    """A mapping file names an unknown domain, kind, sector or message domain."""


@dataclass(frozen=True)
class CategoryMap:
    """The two mappings, keyed by (jw|wmo, categorie) with ``""`` for "no category"."""

    domains: dict[tuple[str, str], tuple[str, str]]
    sectors: dict[tuple[str, str], str]

    @classmethod
    def load(cls, domains_file: Path | None = None, sectors_file: Path | None = None) -> CategoryMap:
        """Read and check the mapping files (the packaged defaults when not given).

        >>> m = CategoryMap.load()
        >>> m.lookup("jw", "45"), m.lookup("wmo", "16"), m.lookup("wmo", None), m.lookup("jw", "99")
        (('OPV', 'support'), ('HUI', 'support'), ('IAD', 'support'), None)
        """
        domains: dict[tuple[str, str], tuple[str, str]] = {}
        path = domains_file or DEFAULT_DOMAINS_FILE
        for i, row in enumerate(_rows(path), start=1):
            key = _key(path, i, row)
            code, kind = (row.get("domain_code") or "").strip(), (row.get("kind") or "").strip()
            if code not in DOMAIN_CODES:
                raise MappingError(f"{path}, row {i}: unknown domain_code {code!r}")
            if kind not in INTERVENTION_KINDS:
                raise MappingError(f"{path}, row {i}: unknown kind {kind!r}")
            domains[key] = (code, kind)
        sectors: dict[tuple[str, str], str] = {}
        path = sectors_file or DEFAULT_SECTORS_FILE
        for i, row in enumerate(_rows(path), start=1):
            key = _key(path, i, row)
            sector = (row.get("sector") or "").strip()
            if sector not in SECTORS:
                raise MappingError(f"{path}, row {i}: unknown sector {sector!r}")
            sectors[key] = sector
        return cls(domains, sectors)

    def lookup(self, domain: str, category: str | None) -> tuple[str, str] | None:
        """(domain_code, kind) for a category; ``None`` when the category is not in the mapping."""
        return self.domains.get((domain, category or ""))

    def sector(self, domain: str, category: str | None) -> str | None:
        return self.sectors.get((domain, category or ""))

    def provider_sector(self, categories: Iterable[tuple[str, str | None]]) -> str:
        """Sector of a provider: the sector of its most frequent (domain, category); ties go to the smallest code.

        ``neighbourhood_team`` when none of its categories has a sector.

        >>> CategoryMap.load().provider_sector([("jw", "48"), ("jw", "45"), ("jw", "48")])
        'youth_protection'
        """
        counts = Counter((d, c or "") for d, c in categories)
        for (d, c), _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            s = self.sectors.get((d, c))
            if s is not None:
                return s
        return "neighbourhood_team"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _key(path: Path, i: int, row: dict[str, str]) -> tuple[str, str]:
    dom = (row.get("domain") or "").strip().lower()
    if dom not in ("jw", "wmo"):
        raise MappingError(f"{path}, row {i}: domain must be jw or wmo, not {dom!r}")
    cat = (row.get("categorie") or "").strip()
    if cat and len(cat) == 1 and cat.isdigit():
        cat = "0" + cat
    return dom, cat
