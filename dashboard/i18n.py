"""Dutch and English labels for everything the dashboard shows. Dutch is the default.

Use :func:`t` with a key and a language code (``"nl"`` or ``"en"``); an unknown key is returned as is, so a missing
label is visible rather than fatal. Sector and domain names come from :mod:`graph.schema` and
:mod:`graph.domains`.
"""

from __future__ import annotations

from typing import Literal

from graph.domains import DOMAINS
from graph.schema import ENFORCEMENT_ACTIONS, SECTORS

__all__ = ["Lang", "DEFAULT_LANG", "LABELS", "t", "lang_or_default", "flag_label", "sector_label",
           "domain_label", "kind_label", "role_label"]

Lang = Literal["nl", "en"]
DEFAULT_LANG: Lang = "nl"

LABELS: dict[str, tuple[str, str]] = {
    # shell and navigation
    "app_title": ("caregraph — netwerk van zorg", "caregraph — network of care"),
    "nav_overview": ("Overzicht", "Overview"),
    "nav_cases": ("Casussen", "Cases"),
    "nav_household": ("Huishouden", "Household"),
    "nav_network": ("Netwerk", "Network"),
    "nav_research": ("Onderzoek", "Research"),
    "nav_admin": ("Beheer", "Administration"),
    "admin_title": ("Gebruikers", "Users"),
    "admin_help": ("Gebruikers en tokens beheert u met `caregraph users` of de API; hier ziet u wie toegang heeft.",
                   "Manage users and tokens with `caregraph users` or the API; this page shows who has access."),
    "username": ("Gebruikersnaam", "User name"),
    "role": ("Rol", "Role"),
    "districts": ("Wijken", "Districts"),
    "active": ("Actief", "Active"),
    "tokens": ("Geldige tokens", "Valid tokens"),
    "whole_municipality": ("hele gemeente", "whole municipality"),
    "flag_filter": ("Signaal", "Flag"),
    "all_flags": ("Alle signalen", "All flags"),
    "rows_limited": ("De tabel toont de {limit} huishoudens met de meeste hulpverleners.",
                     "The table shows the {limit} households with the most helpers."),
    "rows_count": ("{n} huishoudens met een signaal.", "{n} flagged households."),
    "download_export": ("Download export (zip)", "Download export (zip)"),
    "export_ready": ("Export gemaakt: {name}", "Export created: {name}"),
    "logout": ("Uitloggen", "Log out"),
    "language": ("Taal", "Language"),
    "logged_in_as": ("Ingelogd als", "Logged in as"),
    "not_allowed": ("Deze pagina is niet beschikbaar voor uw rol.", "This page is not available for your role."),
    "not_found": ("Pagina niet gevonden.", "Page not found."),
    "store_unavailable": ("De gegevensopslag is tijdelijk niet bereikbaar. Probeer het zo opnieuw.",
                          "The data store is temporarily unavailable. Please try again shortly."),
    # login
    "login_title": ("Inloggen", "Log in"),
    "login_help": ("Plak uw toegangstoken (van de beheerder of `caregraph users`).",
                   "Paste your access token (from the administrator or `caregraph users`)."),
    "token": ("Toegangstoken", "Access token"),
    "login_button": ("Inloggen", "Log in"),
    "login_failed": ("Token onbekend, verlopen of ingetrokken.", "Token unknown, expired or revoked."),
    # overview
    "overview_title": ("Overzicht van de gemeente", "Municipality overview"),
    "as_of": ("Peildatum", "As of"),
    "district": ("Wijk", "District"),
    "all_districts": ("Alle wijken", "All districts"),
    "kpi_active": ("Actieve huishoudens", "Active households"),
    "kpi_flagged": ("Huishoudens met signaal", "Flagged households"),
    "kpi_flags_total": ("Signalen (totaal)", "Flags raised (total)"),
    "kpi_median_helpers": ("Mediaan hulpverleners per huishouden", "Median helpers per household"),
    "kpi_median_agencies": ("Mediaan organisaties per huishouden", "Median agencies per household"),
    "kpi_mean_agencies": ("Gemiddeld aantal organisaties per huishouden", "Mean agencies per household"),
    "kpi_share_regisseur": ("Aandeel met regisseur", "Share with a regisseur"),
    "fig_flags_by_district": ("Signalen per wijk", "Flags by district"),
    "fig_flags_per_flag": ("Huishoudens per signaal", "Households per flag"),
    "fig_trend": ("Signalen per maand", "Flags per month"),
    "fig_helpers": ("Hulpverleners per huishouden", "Helpers per household"),
    "stats_not_for_role_short": ("Alleen voor programmamanagers en onderzoekers.",
                                 "For programme managers and researchers only."),
    "stats_not_for_role": ("Kengetallen van de hele gemeente zijn er voor programmamanagers en onderzoekers.",
                           "Municipality-wide statistics are for programme managers and researchers."),
    "households": ("Huishoudens", "Households"),
    "month": ("Maand", "Month"),
    "flag": ("Signaal", "Flag"),
    "count": ("Aantal", "Count"),
    # cases
    "cases_title": ("Huishoudens met signalen", "Flagged households"),
    "cases_help": ("Klik op een huishouden om het te openen. Sorteren en filteren kan per kolom.",
                   "Click a household to open it. Sort and filter per column."),
    "cases_pseudonymised": ("Gepseudonimiseerde lijst: huishoudens zijn niet te openen in uw rol.",
                            "Pseudonymised list: households cannot be opened in your role."),
    "col_household": ("Huishouden", "Household"),
    "col_flags": ("Signalen", "Flags"),
    "col_helpers": ("Hulpverleners", "Helpers"),
    "col_agencies": ("Organisaties", "Agencies"),
    "col_domains": ("Domeinen", "Domains"),
    "col_regisseur": ("Regisseur", "Regisseur"),
    "col_duration": ("Looptijd (dagen)", "Duration (days)"),
    "export_csv": ("Exporteer tabel (CSV)", "Export table (CSV)"),
    "yes": ("ja", "yes"),
    "no": ("nee", "no"),
    # household
    "household_title": ("Huishouden", "Household"),
    "choose_household": ("Kies een huishouden op de pagina Casussen.", "Choose a household on the Cases page."),
    "household_unknown": ("Huishouden niet gevonden of niet toegankelijk.", "Household not found or not accessible."),
    "members": ("Leden", "Members"),
    "composition": ("Samenstelling", "Composition"),
    "opened_on": ("Bekend sinds", "Known since"),
    "ego_network": ("Netwerk rond het huishouden", "Network around the household"),
    "ego_legend": ("Kleur: sector van de organisatie (hulpverleners en organisaties) of het domein. Vorm: ster = "
                   "huishouden, rond = lid, afgerond = hulpverlener, vierkant = organisatie, ruit = domein. "
                   "Stippellijn: beëindigd.",
                   "Colour: agency sector (professionals and agencies) or the domain. Shape: star = household, "
                   "circle = member, rounded = professional, square = agency, diamond = domain. Dashed: ended."),
    "fig_gantt": ("Interventies per domein in de tijd", "Interventions per domain over time"),
    "gantt_note": ("Gearceerd: overlap binnen een domein. Stippellijn: gat zonder hulp binnen een domein.",
                   "Hatched: overlap within a domain. Dotted line: gap without help within a domain."),
    "date": ("Datum", "Date"),
    "domain": ("Domein", "Domain"),
    "agency": ("Organisatie", "Agency"),
    "sector": ("Sector", "Sector"),
    "professional": ("Hulpverlener", "Professional"),
    "kind": ("Soort", "Kind"),
    "start": ("Start", "Start"),
    "end": ("Einde", "End"),
    "ongoing": ("loopt nog", "ongoing"),
    "overlap": ("Overlap", "Overlap"),
    "gap": ("Gat", "Gap"),
    "days": ("dagen", "days"),
    "flags_title": ("Signalen en onderbouwing", "Flags and evidence"),
    "no_flags": ("Geen signalen op deze peildatum.", "No flags on this date."),
    "severity": ("Ernst", "Severity"),
    "rule": ("Regel", "Rule"),
    "fig_scores": ("Zelfredzaamheid (ZRM) per domein in de tijd", "Self-sufficiency (ZRM) per domain over time"),
    "score": ("Score (1 acuut … 5 zelfredzaam)", "Score (1 acute … 5 self-sufficient)"),
    "suggestion_title": ("Voorgestelde regisseur", "Suggested regisseur"),
    "no_suggestion": ("Geen voorstel: het huishouden heeft precies één regisseur of te weinig betrokkenen.",
                      "No suggestion: the household has exactly one regisseur or too few helpers involved."),
    "reasons": ("Redenen", "Reasons"),
    "current_regisseur": ("Huidige regisseur(s)", "Current regisseur(s)"),
    "suggested_regisseur": ("Voorstel", "Suggestion"),
    "none": ("geen", "none"),
    # network
    "network_title": ("Samenwerking tussen organisaties", "Agency co-involvement"),
    "threshold": ("Minimum aantal gedeelde huishoudens", "Minimum shared households"),
    "network_help": ("Twee organisaties zijn verbonden als ze bij minstens zoveel dezelfde huishoudens betrokken zijn. "
                     "Kleur: gemeenschap (Louvain).",
                     "Two agencies are linked when they are involved with at least this many of the same households. "
                     "Colour: community (Louvain)."),
    "centrality_title": ("Centraliteit", "Centrality"),
    "communities_title": ("Gemeenschappen", "Communities"),
    "community": ("Gemeenschap", "Community"),
    "degree": ("Graad", "Degree"),
    "betweenness": ("Tussenliggendheid", "Betweenness"),
    "shared_households": ("Gedeelde huishoudens", "Shared households"),
    "shown_edges": ("Getoond: de {n} sterkste verbindingen van {total}.", "Shown: the {n} strongest of {total} links."),
    "no_edges": ("Geen twee organisaties delen zoveel huishoudens: verlaag het minimum met de schuif.",
                 "No two agencies share that many households: lower the minimum with the slider."),
    "agencies_count": ("Organisaties", "Agencies"),
    # research
    "research_title": ("Exports voor onderzoek", "Research exports"),
    "research_help": ("Gepseudonimiseerde exports met kleine aantallen onderdrukt. Download via de API "
                      "(`/api/v1/exports`) of `caregraph export`.",
                      "Pseudonymised exports with small counts suppressed. Download through the API "
                      "(`/api/v1/exports`) or `caregraph export`."),
    "export_name": ("Export", "Export"),
    "formats": ("Formaten", "Formats"),
    "description": ("Omschrijving", "Description"),
    "metadata": ("Metadata", "Metadata"),
    "statistics_title": ("Statistieken", "Statistics"),
}
"""Label key → (Dutch, English)."""

_FLAGS: dict[str, tuple[str, str]] = {
    "too_many_helpers": ("Te veel hulpverleners", "Too many helpers"),
    "overlapping_interventions": ("Overlappende interventies", "Overlapping interventions"),
    "missing_regisseur": ("Geen regisseur", "Missing regisseur"),
    "competing_regisseurs": ("Meerdere regisseurs", "Competing regisseurs"),
    "conflicting_interventions": ("Bijtende interventies", "Conflicting interventions"),
    "domino_risk": ("Dominorisico", "Domino risk"),
    "stagnation": ("Stagnatie", "Stagnation"),
    "overloaded_professional": ("Overbelaste hulpverlener", "Overloaded professional"),
}

_KINDS: dict[str, tuple[str, str]] = {
    "support": ("Ondersteuning", "Support"),
    "assessment": ("Beoordeling", "Assessment"),
    "coordination": ("Coördinatie", "Coordination"),
    "enforcement": ("Handhaving", "Enforcement"),
}

_SECTORS_EN: dict[str, str] = {
    "housing": "Housing corporation",
    "debt_counselling": "Debt counselling",
    "youth_protection": "Youth protection",
    "youth_care": "Youth care",
    "mental_health": "Mental health care",
    "addiction_care": "Addiction care",
    "police": "Police",
    "neighbourhood_team": "Neighbourhood team / municipality",
    "school": "School",
    "benefits": "Work and income",
    "probation": "Probation",
    "bailiff": "Bailiff / debt collection",
    "health_care": "GP / health care",
}

_ROLES: dict[str, tuple[str, str]] = {
    "manager": ("programmamanager", "programme manager"),
    "coordinator": ("coördinator", "coordinator"),
    "researcher": ("onderzoeker", "researcher"),
    "admin": ("beheerder", "administrator"),
}

_DOMAINS = {d.code: (d.name_nl, d.name_en) for d in DOMAINS}


def lang_or_default(value: object) -> Lang:
    """``value`` when it is a supported language code, else Dutch.

    >>> lang_or_default("en"), lang_or_default("fr"), lang_or_default(None)
    ('en', 'nl', 'nl')
    """
    return "en" if value == "en" else "nl"


def _pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[1] if lang == "en" else pair[0]


def t(key: str, lang: Lang = DEFAULT_LANG) -> str:
    """The label ``key`` in ``lang``; the key itself when there is no such label.

    >>> t("nav_cases"), t("nav_cases", "en"), t("no_such_key")
    ('Casussen', 'Cases', 'no_such_key')
    """
    pair = LABELS.get(key)
    return key if pair is None else _pick(pair, lang)


def flag_label(code: str, lang: Lang = DEFAULT_LANG) -> str:
    """Human name of a flag code (the code, with spaces, when unknown)."""
    pair = _FLAGS.get(code)
    return code.replace("_", " ") if pair is None else _pick(pair, lang)


def sector_label(code: str | None, lang: Lang = DEFAULT_LANG) -> str:
    """Name of an agency sector code."""
    if not code:
        return "?"
    return (_SECTORS_EN.get(code, code) if lang == "en" else SECTORS.get(code, code))


def domain_label(code: str | None, lang: Lang = DEFAULT_LANG) -> str:
    """Name of a life domain code."""
    if not code:
        return "?"
    pair = _DOMAINS.get(code)
    return code if pair is None else _pick(pair, lang)


def kind_label(code: str | None, lang: Lang = DEFAULT_LANG) -> str:
    """Name of an intervention kind; enforcement actions get their own Dutch name."""
    if not code:
        return "?"
    if code in ENFORCEMENT_ACTIONS and lang == "nl":
        return ENFORCEMENT_ACTIONS[code]
    pair = _KINDS.get(code)
    return code.replace("_", " ") if pair is None else _pick(pair, lang)


def role_label(role: str, lang: Lang = DEFAULT_LANG) -> str:
    """Name of a user role."""
    pair = _ROLES.get(role)
    return role if pair is None else _pick(pair, lang)
