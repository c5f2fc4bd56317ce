"""Flags with their evidence, in plain language for a coordinator.

The analytics give each flag a rule (in words, with its threshold) and an evidence mapping (professionals, agencies,
interventions, dates, counts). This module only words them: known evidence keys get a Dutch (or English) label, ids
of professionals and agencies are replaced by the names the page already has, and lists are joined.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from caregraph.services.models import FlagOut
from dashboard.i18n import Lang, domain_label, flag_label

__all__ = ["FlagText", "flag_text", "evidence_lines"]

_KEYS: dict[str, tuple[str, str]] = {
    "professionals": ("Hulpverleners", "Professionals"),
    "professional_ids": ("Hulpverleners", "Professionals"),
    "agencies": ("Organisaties", "Agencies"),
    "agency_ids": ("Organisaties", "Agencies"),
    "interventions": ("Interventies", "Interventions"),
    "intervention_ids": ("Interventies", "Interventions"),
    "domains": ("Domeinen", "Domains"),
    "domain": ("Domein", "Domain"),
    "domain_code": ("Domein", "Domain"),
    "problem_domains": ("Probleemdomeinen", "Problem domains"),
    "helpers": ("Aantal hulpverleners", "Number of helpers"),
    "agency_count": ("Aantal organisaties", "Number of agencies"),
    "helper_count": ("Aantal hulpverleners", "Number of helpers"),
    "overlap_days": ("Dagen overlap", "Days of overlap"),
    "start": ("Vanaf", "From"),
    "since": ("Sinds", "Since"),
    "start_date": ("Vanaf", "From"),
    "end_date": ("Tot", "Until"),
    "regisseurs": ("Regisseurs", "Regisseurs"),
    "coordinators": ("Regisseurs", "Regisseurs"),
    "threshold": ("Drempel", "Threshold"),
    "scores": ("Scores", "Scores"),
    "action": ("Maatregel", "Action"),
    "caseload": ("Caseload", "Caseload"),
    "as_of": ("Peildatum", "As of"),
    "pairs": ("Paren", "Pairs"),
    "pair_count": ("Aantal paren", "Number of pairs"),
    "earliest_start": ("Vroegste start", "Earliest start"),
    "helpers_by_domain": ("Hulpverleners per domein", "Helpers per domain"),
    "helpers_per_problem_domain": ("Hulpverleners per probleemdomein", "Helpers per problem domain"),
    "problem_domain_codes": ("Probleemdomeinen", "Problem domains"),
    "active_coordinations": ("Actieve regisseurs", "Active regisseurs"),
    "crisis_domains": ("Domeinen in crisis", "Domains in crisis"),
    "dependent_domains": ("Afhankelijke domeinen", "Dependent domains"),
    "assessments": ("Scores", "Assessments"),
    "case_days": ("Looptijd dossier (dagen)", "Case duration (days)"),
    "window_start": ("Begin periode", "Window start"),
    "domain_scores": ("Scores per domein", "Scores per domain"),
    "opened_on": ("Bekend sinds", "Known since"),
}

_RULE = ("Regel", "Rule")
_SEVERITY: dict[str, tuple[str, str]] = {"attention": ("aandacht", "attention"), "alarm": ("alarm", "alarm")}


@dataclass(frozen=True)
class FlagText:
    """A flag as shown: title, severity word, the analytics' plain Dutch explanation, rule and thresholds,
    evidence lines."""

    title: str
    severity: str
    explanation: str
    rule: str
    lines: list[str]


def _key_label(key: str, lang: Lang) -> str:
    pair = _KEYS.get(key)
    return (pair[1] if lang == "en" else pair[0]) if pair else key.replace("_", " ")


def _word(value: Any, names: Mapping[str, str], lang: Lang) -> str:
    if value is None:
        return "—"
    if isinstance(value, list | tuple | set):
        if value and all(isinstance(v, Mapping) for v in value):
            return " | ".join(f"({_word(v, names, lang)})" for v in value)
        return ", ".join(_word(v, names, lang) for v in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{_key_label(str(k), lang)}: {_word(v, names, lang)}" for k, v in value.items())
    text = str(value)
    if text in names:
        return names[text]
    if len(text) == 3 and text.isupper():
        label = domain_label(text, lang)
        return f"{label} ({text})" if label != text else text
    return text


def evidence_lines(evidence: Mapping[str, Any], *, names: Mapping[str, str], lang: Lang = "nl") -> list[str]:
    """One line per evidence key: ``Label: value, value``.

    >>> evidence_lines({"professionals": ["P1", "P2"], "overlap_days": 30}, names={"P1": "Anna"})
    ['Hulpverleners: Anna, P2', 'Dagen overlap: 30']
    """
    out = []
    for key, value in evidence.items():
        label = _key_label(key, lang)
        out.append(f"{label[:1].upper()}{label[1:]}: {_word(value, names, lang)}")
    return out


def flag_text(flag: FlagOut, *, names: Mapping[str, str], lang: Lang = "nl") -> FlagText:
    """The words for one flag of a household."""
    sev = _SEVERITY.get(flag.severity, (flag.severity, flag.severity))
    thresholds = ", ".join(f"{k.replace('_', ' ')} = {_word(v, names, lang)}" for k, v in flag.thresholds.items())
    rule = (f"{_RULE[1] if lang == 'en' else _RULE[0]} {flag.flag} v{flag.rule_version}"
            + (f" ({thresholds})" if thresholds else ""))
    return FlagText(
        title=flag_label(flag.flag, lang),
        severity=sev[1] if lang == "en" else sev[0],
        explanation=flag.explanation,
        rule=rule,
        lines=evidence_lines(flag.evidence, names=names, lang=lang),
    )
