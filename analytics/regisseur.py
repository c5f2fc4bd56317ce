"""Who should be the one regisseur, and which interventions could be consolidated.

For every household flagged missing_regisseur or competing_regisseurs, :func:`suggest_regisseur` ranks the
professionals involved and explains the choice; :func:`consolidation_candidates` lists duplicate support within one
domain. Both are suggestions for a coordinator to weigh, never decisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from analytics.config import FlagConfig
from analytics.engine import Engine
from analytics.flags import RULES
from graph.tables import CareTables

__all__ = ["RegisseurSuggestion", "ConsolidationCandidate", "suggest_regisseur", "consolidation_candidates",
           "SCORE_WEIGHTS"]

SCORE_WEIGHTS: dict[str, float] = {"domains": 0.4, "involvement": 0.3, "ties": 0.3}
"""Weights of the three normalised components of the regisseur score (a caregraph choice, documented)."""


@dataclass(frozen=True)
class RegisseurSuggestion:
    """The suggested regisseur for one household, with its score and the reasons (Dutch) behind it."""

    household_id: str
    professional_id: str
    score: float
    reasons: list[str]
    flag: str


@dataclass(frozen=True)
class ConsolidationCandidate:
    """Active support interventions of several professionals in one household and domain."""

    household_id: str
    domain_code: str
    intervention_ids: list[str]
    professional_ids: list[str]
    agency_ids: list[str]


def suggest_regisseur(tables: CareTables, as_of: date, config: FlagConfig | None = None
                      ) -> list[RegisseurSuggestion]:
    """One suggested regisseur per household with a missing or competing regisseur on ``as_of``.

    Formula
    -------
    Candidates are the professionals with an active non-enforcement intervention in the household (and, for
    competing regisseurs, the active regisseurs). For candidate c:

    * ``domains(c)`` = distinct domains c covers / distinct domains of all active interventions;
    * ``involvement(c)`` = days since c's first intervention in the household / the largest among candidates;
    * ``ties(c)`` = Σ over the household's other helpers j of ``w_cj`` (households c and j share in the whole
      municipality) / the largest among candidates (0 when nobody has ties);

    ``score = 0.4·domains + 0.3·involvement + 0.3·ties`` (:data:`SCORE_WEIGHTS`); the highest score wins, ties
    broken by professional id. Each component is given as a reason.

    Source
    ------
    ``docs/domain.md#regisseur-suggestion`` (the professional who covers the most problem domains, has the longest
    involvement and the strongest ties to the other helpers).

    Examples
    --------
    P1 covers FIN and HUI since 2023, P2 only HUI since 2024, two agencies and no regisseur:

    >>> from analytics.tables_builder import build_tables
    >>> iv = lambda p, a, d, s: dict(household_id="H1", professional_id=p, agency_id=a, domain_code=d, start_date=s)
    >>> t = build_tables(interventions=[iv("P1", "A1", "FIN", "2023-01-01"), iv("P1", "A1", "HUI", "2023-06-01"),
    ...                                 iv("P2", "A2", "HUI", "2024-01-01")])
    >>> [s] = suggest_regisseur(t, date(2024, 6, 30))
    >>> s.professional_id, s.score, s.reasons[0]
    ('P1', 1.0, 'dekt 2 van 2 domeinen (FIN, HUI)')
    """
    config = config or FlagConfig()
    w = SCORE_WEIGHTS
    with Engine(tables, as_of) as e:
        flagged = [RULES["missing_regisseur"].build_sql(e, config), RULES["competing_regisseurs"].build_sql(e, config)]
        sql = f"""
        WITH target AS (
          SELECT subject_id AS household_id, 'missing_regisseur' AS flag FROM ({flagged[0]})
          UNION ALL
          SELECT subject_id, 'competing_regisseurs' FROM ({flagged[1]})),
        hp AS (SELECT DISTINCT household_id, professional_id FROM active_iv),
        pw AS (SELECT x.professional_id AS p1, y.professional_id AS p2, count(*) AS w
               FROM hp x JOIN hp y ON x.household_id = y.household_id AND x.professional_id <> y.professional_id
               WHERE x.professional_id IN (SELECT professional_id FROM hp WHERE household_id IN
                                           (SELECT household_id FROM target))
               GROUP BY ALL),
        dom_all AS (SELECT household_id, count(DISTINCT domain_code) AS n_dom FROM active_iv GROUP BY ALL),
        cand AS (
          SELECT i.household_id, i.professional_id, count(DISTINCT i.domain_code) AS n_cov,
                 list_sort(list_distinct(list(i.domain_code))) AS cov
          FROM active_iv i WHERE i.kind <> 'enforcement' AND i.household_id IN (SELECT household_id FROM target)
          GROUP BY ALL
          UNION ALL
          SELECT c.household_id, c.professional_id, 0, []::VARCHAR[] FROM active_coord c
          WHERE c.household_id IN (SELECT household_id FROM target)),
        cand2 AS (SELECT household_id, professional_id, max(n_cov) AS n_cov,
                         list_sort(list_distinct(flatten(list(cov)))) AS cov FROM cand GROUP BY ALL),
        inv AS (SELECT household_id, professional_id, {e.D} - min(start_date) AS days FROM t_interventions
                WHERE start_date <= {e.D} GROUP BY ALL),
        ties AS (SELECT c.household_id, c.professional_id, coalesce(sum(pw.w), 0) AS ties
                 FROM cand2 c LEFT JOIN hp o ON o.household_id = c.household_id
                      AND o.professional_id <> c.professional_id
                 LEFT JOIN pw ON pw.p1 = c.professional_id AND pw.p2 = o.professional_id GROUP BY ALL),
        reg AS (SELECT DISTINCT household_id, professional_id, true AS is_regisseur FROM active_coord),
        scored AS (
          SELECT c.household_id, c.professional_id, c.cov, coalesce(d.n_dom, 0) AS n_dom, c.n_cov,
                 coalesce(inv.days, 0) AS days, coalesce(t.ties, 0) AS ties, coalesce(reg.is_regisseur, false) AS reg,
                 {w["domains"]} * CASE WHEN coalesce(d.n_dom, 0) > 0 THEN c.n_cov / d.n_dom ELSE 0 END
                 + {w["involvement"]} * coalesce(inv.days / nullif(max(inv.days) OVER h, 0), 0)
                 + {w["ties"]} * coalesce(t.ties / nullif(max(t.ties) OVER h, 0), 0) AS score
          FROM cand2 c LEFT JOIN dom_all d USING (household_id) LEFT JOIN inv USING (household_id, professional_id)
          LEFT JOIN ties t USING (household_id, professional_id) LEFT JOIN reg USING (household_id, professional_id)
          WINDOW h AS (PARTITION BY c.household_id)),
        best AS (SELECT *, row_number() OVER (PARTITION BY household_id ORDER BY score DESC, professional_id) AS rn
                 FROM scored)
        SELECT best.*, target.flag FROM best JOIN target USING (household_id) WHERE rn = 1 ORDER BY household_id
        """
        rows = e.query(sql).to_pylist()
    out: list[RegisseurSuggestion] = []
    for r in rows:
        reasons = [f"dekt {r['n_cov']} van {r['n_dom']} domeinen ({', '.join(r['cov'])})",
                   f"{r['days']} dagen betrokken bij dit huishouden",
                   f"deelt {r['ties']} huishoudens met de andere hulpverleners van dit huishouden"]
        if r["reg"]:
            reasons.append("is nu al een van de actieve regisseurs")
        out.append(RegisseurSuggestion(r["household_id"], r["professional_id"], round(float(r["score"]), 4),
                                       reasons, r["flag"]))
    return out


def consolidation_candidates(tables: CareTables, as_of: date) -> list[ConsolidationCandidate]:
    """Domains in which two or more professionals give active support to the same household.

    Definition
    ----------
    Group the support interventions active on ``as_of`` by (household, domain); a group with at least two
    distinct professionals is a candidate to consolidate into one intervention.

    Source
    ------
    ``docs/domain.md#regisseur-suggestion`` (candidates to merge: two or more professionals giving support in one
    domain to one household); seed 004 (``docs/domain.md#sources``).

    Examples
    --------
    >>> from analytics.tables_builder import build_tables
    >>> iv = lambda i, p: dict(intervention_id=i, household_id="H1", professional_id=p, agency_id="A" + p,
    ...                        domain_code="FIN", start_date="2024-01-01")
    >>> [(c.domain_code, c.intervention_ids) for c in consolidation_candidates(
    ...     build_tables(interventions=[iv("I1", "P1"), iv("I2", "P2")]), date(2024, 6, 30))]
    [('FIN', ['I1', 'I2'])]
    """
    with Engine(tables, as_of) as e:
        rows = e.query("""
          SELECT household_id, domain_code, list_sort(list(intervention_id)) AS intervention_ids,
                 list_sort(list_distinct(list(professional_id))) AS professional_ids,
                 list_sort(list_distinct(list(agency_id))) AS agency_ids
          FROM active_iv WHERE kind = 'support' GROUP BY ALL HAVING count(DISTINCT professional_id) >= 2
          ORDER BY household_id, domain_code""").to_pylist()
    return [ConsolidationCandidate(**r) for r in rows]
