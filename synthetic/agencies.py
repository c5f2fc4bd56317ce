"""Agencies per sector with plausible (invented) Dutch names, and the choice of agency for a piece of help.

Every district has its own neighbourhood team (*wijkteam*); the other sectors get a share of the agencies (at least
two each, so a household can always be handed over to another agency). Larger agencies get more work: each agency
has a popularity weight drawn from a gamma distribution.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from graph.schema import SECTORS

from .arrays import IntArray, choice_from_cdf, make_ids
from .catalog import (
    AGB_PREFIX,
    AGENCY_NAME_TEMPLATES,
    AGENCY_NOUNS,
    AGENCY_SECTOR_SHARE,
    CITY,
    DISTRICT_NAMES,
    DOMAIN_LIST,
    DOMAIN_SECTORS,
    REGION,
)

__all__ = ["Agencies", "SECTOR_LIST", "SECTOR_INDEX", "agency_count", "make_agencies"]

SECTOR_LIST: tuple[str, ...] = tuple(SECTORS)
SECTOR_INDEX: dict[str, int] = {s: i for i, s in enumerate(SECTOR_LIST)}
_TEAM = SECTOR_INDEX["neighbourhood_team"]
_ROMAN = ("", " II", " III", " IV", " V", " VI", " VII", " VIII", " IX", " X")


def agency_count(households: int) -> int:
    """Agencies for ``households`` households: about 60 at 2,000 and 2,000 at 100,000.

    >>> agency_count(2000), agency_count(100_000)
    (60, 2029)
    """
    return max(30, round(60 * (households / 2000) ** 0.9))


@dataclass
class Agencies:
    """The agencies table plus, per agency, its sector index, its district (teams; -1 otherwise) and weight."""

    table: pa.Table
    sector: IntArray
    district: IntArray
    weight: np.ndarray

    def __len__(self) -> int:
        return len(self.sector)

    def in_sector(self, sector: int) -> IntArray:
        """Indices of the agencies of one sector."""
        return np.flatnonzero(self.sector == sector)

    def sample(self, rng: np.random.Generator, sector: IntArray, district: IntArray) -> IntArray:
        """One agency per row from the row's sector (weighted); a neighbourhood team from the row's own district."""
        out = np.full(len(sector), -1, dtype=np.int64)
        for s in np.unique(sector):
            rows = np.flatnonzero(sector == s)
            if s == _TEAM:
                teams = self.in_sector(_TEAM)
                by_district = self.district[teams]
                order = np.argsort(by_district, kind="stable")
                first = np.searchsorted(by_district[order], district[rows], side="left")
                count = np.searchsorted(by_district[order], district[rows], side="right") - first
                pick = first + np.floor(rng.random(len(rows)) * count).astype(np.int64)
                out[rows] = teams[order][pick]
            else:
                members = self.in_sector(int(s))
                w = self.weight[members]
                out[rows] = members[choice_from_cdf(rng, np.cumsum(w / w.sum()), len(rows))]
        return out

    def sample_for_domain(self, rng: np.random.Generator, domain: IntArray, district: IntArray) -> IntArray:
        """An agency whose sector serves the domain (by :data:`~.catalog.DOMAIN_SECTORS` shares)."""
        sector = np.zeros(len(domain), dtype=np.int64)
        u = rng.random(len(domain))
        for d, code in enumerate(DOMAIN_LIST):
            rows = domain == d
            if not rows.any():
                continue
            opts = DOMAIN_SECTORS[code]
            cdf = np.cumsum([w for _, w in opts])
            idx = np.searchsorted(cdf / cdf[-1], u[rows], side="right").clip(0, len(opts) - 1)
            sector[rows] = np.array([SECTOR_INDEX[s] for s, _ in opts])[idx]
        return self.sample(rng, sector, district)

    def other_in_sector(self, agency: IntArray) -> IntArray:
        """For each agency, another agency of the same sector (the next one in id order, cyclically)."""
        out = agency.copy()
        for s in np.unique(self.sector[agency]):
            members = self.in_sector(int(s))
            rows = np.flatnonzero(self.sector[agency] == s)
            pos = np.searchsorted(members, agency[rows])
            out[rows] = members[(pos + 1) % len(members)]
        return out


def make_agencies(rng: np.random.Generator, households: int, districts: int) -> Agencies:
    """Generate the agencies of a municipality with ``households`` households and ``districts`` districts."""
    total = agency_count(households)
    per_district = max(1, round(households / districts / 3000))
    n_team = districts * per_district
    n_other = max(total - n_team, 2 * (len(SECTOR_LIST) - 1))
    shares = {s: v for s, v in AGENCY_SECTOR_SHARE.items() if s != "neighbourhood_team"}
    norm = sum(shares.values())
    counts = {s: max(2, round(n_other * v / norm)) for s, v in shares.items()}

    sector: list[int] = []
    district: list[int] = []
    names: list[str] = []
    agb: list[str | None] = []
    used: set[str] = set()
    agb_used: set[str] = set()
    for s in SECTOR_LIST:
        if s == "neighbourhood_team":
            for d in range(districts):
                for k in range(per_district):
                    sector.append(SECTOR_INDEX[s])
                    district.append(d)
                    names.append(f"Wijkteam {DISTRICT_NAMES[d]}" + (f" {k + 1}" if per_district > 1 else ""))
                    agb.append(None)
            continue
        templates = AGENCY_NAME_TEMPLATES[s]
        for _ in range(counts[s]):
            t = templates[int(rng.integers(0, len(templates)))]
            d = int(rng.integers(0, districts))
            base = t.format(noun=AGENCY_NOUNS[int(rng.integers(0, len(AGENCY_NOUNS)))], city=CITY, region=REGION,
                            district=DISTRICT_NAMES[d])
            name = base
            k = 1
            while name in used:
                name = base + (_ROMAN[k] if k < len(_ROMAN) else f" {k + 1}")
                k += 1
            used.add(name)
            names.append(name)
            sector.append(SECTOR_INDEX[s])
            district.append(-1)
            if s in AGB_PREFIX:
                code = f"{AGB_PREFIX[s]}{int(rng.integers(0, 1_000_000)):06d}"
                while code in agb_used:
                    code = f"{AGB_PREFIX[s]}{int(rng.integers(0, 1_000_000)):06d}"
                agb_used.add(code)
                agb.append(code)
            else:
                agb.append(None)
    n = len(sector)
    sector_a = np.array(sector, dtype=np.int64)
    table = pa.table({
        "agency_id": make_ids("A", np.arange(1, n + 1), max(4, len(str(n)))),
        "name": pa.array(names, pa.string()),
        "sector": pa.array([SECTOR_LIST[i] for i in sector], pa.string()),
        "agb_code": pa.array(agb, pa.string()),
    })
    weight = rng.gamma(2.0, size=n)
    return Agencies(table=table, sector=sector_a, district=np.array(district, dtype=np.int64), weight=weight)
