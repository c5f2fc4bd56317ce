"""Static vocabulary of the synthetic municipality: names, sectors, roles and which sector serves which domain.

Everything here is invented for demos and tests: the city *Wilgendam* in the region *Wilgenland*, the agency names
and the person names (common Dutch first and last names combined at random) do not describe real organisations or
people. Domain and sector codes come from :mod:`graph.domains` and :data:`graph.schema.SECTORS`.
"""

from __future__ import annotations

from graph.domains import DOMAINS

__all__ = [
    "CITY",
    "REGION",
    "MUNICIPALITY_CODE",
    "DOMAIN_LIST",
    "DOMAIN_INDEX",
    "DISTRICT_NAMES",
    "FIRST_NAMES",
    "LAST_NAMES",
    "AGENCY_NAME_TEMPLATES",
    "AGENCY_NOUNS",
    "AGENCY_SECTOR_SHARE",
    "AGB_PREFIX",
    "SECTOR_ROLES",
    "DOMAIN_SECTORS",
    "ENFORCEMENT_OPTIONS",
    "DOMAIN_PREVALENCE",
    "DOMAIN_AFFINITY",
    "CHILD_DOMAINS",
    "MEMBER_DOMAINS_CHILD",
    "MEMBER_DOMAINS_ADULT",
]

CITY = "Wilgendam"
REGION = "Wilgenland"
MUNICIPALITY_CODE = "0999"
"""A four-digit code in the CBS gemeentecode format that no Dutch municipality uses."""

DOMAIN_LIST: tuple[str, ...] = tuple(d.code for d in DOMAINS)
DOMAIN_INDEX: dict[str, int] = {c: i for i, c in enumerate(DOMAIN_LIST)}

DISTRICT_NAMES: tuple[str, ...] = (
    "Centrum", "Noord", "Oost", "Zuid", "West", "Nieuw-West", "Zuidoost", "Oud-Zuid",
    "Binnenstad", "Havenkwartier", "Stationskwartier", "Vogelwijk", "Bloemenbuurt", "Schildersbuurt",
    "Rivierenbuurt", "Dichtersbuurt", "Bomenbuurt", "Componistenbuurt", "De Weteringen", "Molenwijk",
    "Kerkbuurt", "Slotervaart", "Polderwijk", "De Akkers", "Waterland", "Parkwijk", "De Hoven", "Lindenhof",
    "Zeeheldenbuurt", "Kruidenwijk", "Sterrenwijk", "De Meent", "Boswijk", "Dijkzicht", "Oud-Noord",
    "Nieuw-Oost", "De Vaart", "Hoogkamp", "Veldhuizen", "Beekzicht",
)

FIRST_NAMES: tuple[str, ...] = (
    "Daan", "Sem", "Lucas", "Milan", "Levi", "Noah", "Finn", "Jesse", "Bram", "Thijs", "Ruben", "Tim", "Lars",
    "Mohammed", "Ahmed", "Yusuf", "Omar", "Mehmet", "Emre", "Kevin", "Dennis", "Mark", "Peter", "Jan", "Kees",
    "Emma", "Julia", "Mila", "Sophie", "Tess", "Zoë", "Sara", "Anna", "Eva", "Lotte", "Fleur", "Noor", "Lisa",
    "Fatima", "Aisha", "Yasmina", "Elif", "Zeynep", "Sanne", "Linda", "Monique", "Ingrid", "Petra", "Anouk",
    "Priya", "Rajesh", "Chantal", "Shirley", "Romano", "Dewi", "Kofi", "Ama",
)

LAST_NAMES: tuple[str, ...] = (
    "de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot",
    "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits",
    "de Graaf", "van der Meer", "Kok", "Jacobs", "van Dijk", "Willems", "Verbeek", "Koster", "Prins", "Postma",
    "Yilmaz", "Kaya", "Demir", "El Amrani", "Bouzid", "Ait Said", "Ramdin", "Sewdien", "Martina", "Pinas",
    "Mensah", "Nguyen", "Wolters", "Hoekstra", "Kuipers", "van Vliet", "Boersma", "Veenstra",
)

AGENCY_NOUNS: tuple[str, ...] = (
    "Het Anker", "De Linde", "De Brug", "Het Baken", "De Kern", "De Horizon", "Het Kompas", "De Waterlelie",
    "De Eik", "Het Kruispunt", "De Vonk", "Het Palet", "De Zonnebloem", "De Vuurtoren", "Het Veer", "De Regenboog",
    "De Haven", "Het Startpunt", "De Schakel", "Het Lichtpunt", "De Sleutel", "De Wending", "Het Fundament",
    "De Steiger", "Het Zwaluwnest", "De Kiem", "Het Mozaïek", "De Boog", "Het Open Venster", "De Dijk",
)

# {noun}: one of AGENCY_NOUNS; {city}, {region}; {district}: a district name.
AGENCY_NAME_TEMPLATES: dict[str, tuple[str, ...]] = {
    "housing": ("Woonstichting {noun}", "Wooncorporatie {noun}", "Woonbedrijf {city}", "Woongoed {region}"),
    "debt_counselling": ("Schuldhulp Kredietbank {city}", "Budgetbureau {noun}", "Schuldhulpdienst {region}"),
    "youth_protection": ("Jeugdbescherming {region}", "Gezinsvoogdij {noun}", "Jeugdbescherming {city} e.o."),
    "youth_care": ("Jeugdhulp {noun}", "Jeugdzorg {region}", "Gezinshuis {noun}", "Opvoedpoli {city}"),
    "mental_health": ("GGZ {region}", "GGZ {noun}", "Psychiatrisch centrum {noun}", "GGZ {city} Centraal"),
    "addiction_care": ("Verslavingszorg {region}", "Verslavingskliniek {noun}", "Herstelcentrum {noun}"),
    "police": ("Politie basisteam {district}", "Politiebureau {district}"),
    "neighbourhood_team": ("Wijkteam {district}",),
    "school": ("Basisschool {noun}", "OBS {noun}", "Vmbo-college {noun}", "Mbo {region}", "Kindcentrum {noun}"),
    "benefits": ("Werk en Inkomen {city}", "Sociale Dienst {region}", "Werkplein {district}"),
    "probation": ("Reclassering {region}", "Reclasseringsunit {district}"),
    "bailiff": ("Gerechtsdeurwaarders {noun}", "Incassobureau {noun}", "Deurwaarderskantoor {city}"),
    "health_care": ("Huisartsenpraktijk {district}", "Gezondheidscentrum {noun}", "Thuiszorg {region}"),
}

AGENCY_SECTOR_SHARE: dict[str, float] = {
    "housing": 0.07,
    "debt_counselling": 0.05,
    "youth_protection": 0.03,
    "youth_care": 0.16,
    "mental_health": 0.12,
    "addiction_care": 0.04,
    "police": 0.04,
    "neighbourhood_team": 0.0,  # one team per district (more in large districts), not a share
    "school": 0.20,
    "benefits": 0.03,
    "probation": 0.03,
    "bailiff": 0.07,
    "health_care": 0.16,
}
"""Share of the non-neighbourhood-team agencies per sector."""

AGB_PREFIX: dict[str, str] = {
    "youth_care": "75",
    "mental_health": "73",
    "addiction_care": "73",
    "health_care": "01",
    "youth_protection": "76",
}
"""Sectors whose agencies carry an (invented) AGB code, with its first two digits."""

SECTOR_ROLES: dict[str, tuple[str, ...]] = {
    "housing": ("woonconsulent", "woonconsulent", "huismeester", "medewerker huurincasso"),
    "debt_counselling": ("schuldhulpverlener", "schuldhulpverlener", "budgetcoach"),
    "youth_protection": ("jeugdbeschermer", "gezinsvoogd"),
    "youth_care": ("jeugdhulpverlener", "gezinscoach", "pedagogisch hulpverlener"),
    "mental_health": ("GGZ-behandelaar", "sociaal psychiatrisch verpleegkundige", "psychiater", "psycholoog"),
    "addiction_care": ("verslavingsarts", "verslavingshulpverlener", "ervaringsdeskundige"),
    "police": ("wijkagent",),
    "neighbourhood_team": ("wijkcoach", "wijkcoach", "maatschappelijk werker", "buurtteammedewerker"),
    "school": ("leerplichtambtenaar", "intern begeleider", "schoolmaatschappelijk werker"),
    "benefits": ("klantmanager", "inkomensconsulent", "re-integratieconsulent"),
    "probation": ("reclasseringswerker",),
    "bailiff": ("deurwaarder", "incassomedewerker"),
    "health_care": ("huisarts", "praktijkondersteuner GGZ", "wijkverpleegkundige"),
}

DOMAIN_SECTORS: dict[str, tuple[tuple[str, float], ...]] = {
    "FIN": (("debt_counselling", 0.6), ("neighbourhood_team", 0.25), ("benefits", 0.15)),
    "WRK": (("benefits", 0.7), ("neighbourhood_team", 0.3)),
    "TIJ": (("school", 0.5), ("neighbourhood_team", 0.3), ("youth_care", 0.2)),
    "HUI": (("housing", 0.6), ("neighbourhood_team", 0.4)),
    "REL": (("neighbourhood_team", 0.5), ("youth_care", 0.3), ("mental_health", 0.2)),
    "GGZ": (("mental_health", 0.75), ("health_care", 0.25)),
    "LIC": (("health_care", 1.0),),
    "MID": (("addiction_care", 0.85), ("health_care", 0.15)),
    "ADL": (("health_care", 0.6), ("neighbourhood_team", 0.4)),
    "IAD": (("neighbourhood_team", 0.7), ("health_care", 0.3)),
    "SOC": (("neighbourhood_team", 1.0),),
    "PAR": (("neighbourhood_team", 0.7), ("benefits", 0.3)),
    "JUS": (("probation", 0.6), ("police", 0.4)),
    "OPV": (("youth_care", 0.6), ("youth_protection", 0.25), ("neighbourhood_team", 0.15)),
    "VEI": (("police", 0.4), ("neighbourhood_team", 0.3), ("youth_protection", 0.3)),
}
"""Which sectors deliver help in which domain, with the share of tracks each takes."""

ENFORCEMENT_OPTIONS: dict[str, tuple[str, str]] = {
    "HUI": ("housing", "eviction"),
    "FIN": ("bailiff", "debt_collection"),
    "WRK": ("benefits", "benefit_stop"),
    "JUS": ("police", "fine"),
    "TIJ": ("school", "fine"),
    "OPV": ("youth_protection", "placement_order"),
}
"""Domain → (sector, action) of the enforcement that can occur in it (an eviction in housing, a truancy fine ...)."""

DOMAIN_PREVALENCE: dict[str, float] = {
    "FIN": 0.16, "HUI": 0.09, "GGZ": 0.12, "OPV": 0.10, "WRK": 0.08, "REL": 0.06, "SOC": 0.07, "MID": 0.06,
    "LIC": 0.06, "TIJ": 0.04, "PAR": 0.04, "JUS": 0.04, "IAD": 0.03, "ADL": 0.02, "VEI": 0.03,
}
"""Relative weight of each domain as a household's problem domain."""

DOMAIN_AFFINITY: tuple[tuple[str, str, float], ...] = (
    ("FIN", "HUI", 4.0), ("FIN", "WRK", 2.5), ("OPV", "REL", 2.0), ("OPV", "VEI", 2.5), ("OPV", "TIJ", 2.0),
    ("MID", "GGZ", 3.0), ("MID", "JUS", 3.0), ("GGZ", "JUS", 1.5), ("SOC", "PAR", 2.0), ("LIC", "ADL", 3.0),
    ("LIC", "IAD", 2.0), ("GGZ", "SOC", 1.5), ("REL", "VEI", 2.0),
)
"""Symmetric multipliers: a household with one domain of a pair is this much likelier to have the other too."""

CHILD_DOMAINS: frozenset[str] = frozenset({"OPV"})
"""Domains only households with children have."""

MEMBER_DOMAINS_CHILD: frozenset[str] = frozenset({"OPV", "TIJ"})
"""Domains whose help is often for one child (member-level interventions)."""

MEMBER_DOMAINS_ADULT: frozenset[str] = frozenset({"GGZ", "MID", "JUS", "LIC"})
"""Domains whose help is often for one adult."""
