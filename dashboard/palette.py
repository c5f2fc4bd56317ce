"""Colour-blind-safe colours for every figure.

Categorical colours come from the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design",
https://jfly.uni-koeln.de/color/) and, where more than eight categories are needed, Paul Tol's "muted" scheme
(Tol 2021, "Colour schemes", SRON/EPS/TN/09-002, https://personal.sron.nl/~pault/). Both stay distinguishable for
the common forms of colour-vision deficiency. Figures never rely on colour alone: every mark also has a label or
hover text.
"""

from __future__ import annotations

from graph.domains import DOMAINS
from graph.schema import SECTORS

__all__ = [
    "OKABE_ITO",
    "TOL_MUTED",
    "SECTOR_COLOURS",
    "DOMAIN_COLOURS",
    "FLAG_COLOURS",
    "KNOWN_FLAGS",
    "NODE_KIND_COLOURS",
    "categorical",
    "sector_colour",
    "domain_colour",
    "flag_colour",
]

OKABE_ITO: tuple[str, ...] = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#F0E442",  # yellow
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#000000",  # black
)
"""The eight Okabe-Ito colours."""

TOL_MUTED: tuple[str, ...] = (
    "#CC6677",  # rose
    "#332288",  # indigo
    "#DDCC77",  # sand
    "#117733",  # green
    "#88CCEE",  # cyan
    "#882255",  # wine
    "#44AA99",  # teal
    "#999933",  # olive
    "#AA4499",  # purple
)
"""Paul Tol's nine muted colours."""

_EXTENDED: tuple[str, ...] = OKABE_ITO[:7] + TOL_MUTED
"""Sixteen colours: Okabe-Ito without black, then Tol muted."""


def categorical(index: int) -> str:
    """The ``index``-th categorical colour (cycles after sixteen).

    >>> categorical(0), categorical(16)
    ('#E69F00', '#E69F00')
    """
    return _EXTENDED[index % len(_EXTENDED)]


SECTOR_COLOURS: dict[str, str] = {code: categorical(i) for i, code in enumerate(SECTORS)}
"""Agency sector code → colour (thirteen sectors, each its own colour)."""

DOMAIN_COLOURS: dict[str, str] = {d.code: categorical(i) for i, d in enumerate(DOMAINS)}
"""Domain code → colour."""

KNOWN_FLAGS: tuple[str, ...] = (
    "too_many_helpers",
    "overlapping_interventions",
    "missing_regisseur",
    "competing_regisseurs",
    "conflicting_interventions",
    "domino_risk",
    "stagnation",
    "overloaded_professional",
)
"""The flag codes of the analytics, in a fixed order so each keeps its colour."""

FLAG_COLOURS: dict[str, str] = {code: categorical(i) for i, code in enumerate(KNOWN_FLAGS)}
"""Flag code → colour."""

NODE_KIND_COLOURS: dict[str, str] = {
    "household": "#000000",
    "member": "#999999",
    "professional": "#56B4E9",
    "agency": "#0072B2",
    "domain": "#009E73",
}
"""Ego-network node kind → fallback colour."""

_UNKNOWN = "#777777"


def sector_colour(sector: str | None) -> str:
    """Colour of an agency sector (grey when unknown)."""
    return SECTOR_COLOURS.get(sector or "", _UNKNOWN)


def domain_colour(domain: str | None) -> str:
    """Colour of a life domain (grey when unknown)."""
    return DOMAIN_COLOURS.get(domain or "", _UNKNOWN)


def flag_colour(flag: str) -> str:
    """Stable colour of a flag code (unknown codes get a colour from a checksum of their name).

    >>> flag_colour("too_many_helpers") == flag_colour("too_many_helpers")
    True
    """
    if flag in FLAG_COLOURS:
        return FLAG_COLOURS[flag]
    return categorical(len(KNOWN_FLAGS) + sum(map(ord, flag)))
