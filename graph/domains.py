"""The life domains households are assessed and helped on.

The 13 domains of the Zelfredzaamheid-Matrix (ZRM, 2017 version) plus the two domains Dutch teams commonly add:
parenting (opvoeding/ouderschap) and safety (veiligheid). Only codes and names are stored; the ZRM criteria texts are
copyrighted (GGD Amsterdam) and are never stored. Source: ``docs/domain.md#life-domains-and-the-zrm``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Domain", "DOMAINS", "DOMAIN_CODES"]


@dataclass(frozen=True, slots=True)
class Domain:
    """A life domain: a short stable code, the Dutch and the English name, and whether it is a ZRM-2017 domain."""

    code: str
    name_nl: str
    name_en: str
    zrm: bool


DOMAINS: tuple[Domain, ...] = (
    Domain("FIN", "Financiën", "Finances", True),
    Domain("WRK", "Werk & opleiding", "Work & education", True),
    Domain("TIJ", "Tijdsbesteding", "Time use", True),
    Domain("HUI", "Huisvesting", "Housing", True),
    Domain("REL", "Huiselijke relaties", "Domestic relations", True),
    Domain("GGZ", "Geestelijke gezondheid", "Mental health", True),
    Domain("LIC", "Lichamelijke gezondheid", "Physical health", True),
    Domain("MID", "Middelengebruik", "Substance use", True),
    Domain("ADL", "Basale ADL", "Basic self-care", True),
    Domain("IAD", "Instrumentele ADL", "Daily activities", True),
    Domain("SOC", "Sociaal netwerk", "Social network", True),
    Domain("PAR", "Maatschappelijke participatie", "Community participation", True),
    Domain("JUS", "Justitie", "Justice", True),
    Domain("OPV", "Opvoeding/ouderschap", "Parenting", False),
    Domain("VEI", "Veiligheid", "Safety", False),
)

DOMAIN_CODES: frozenset[str] = frozenset(d.code for d in DOMAINS)
