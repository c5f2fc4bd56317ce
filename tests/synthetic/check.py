"""Ground-truth check of the synthetic municipality: recompute every flag rule with plain pandas.

This is deliberately independent of the generator's code: it reads only the tables and the thresholds, evaluates
each rule as the task defines it on the as-of date, and compares the subjects that meet it with ``planted``.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from analytics.config import FlagConfig
from synthetic import FLAGS, SyntheticMunicipality


def _active(df: pd.DataFrame, day: date) -> pd.Series:
    t = pd.Timestamp(day)
    return (df["start_date"] <= t) & (df["end_date"].isna() | (df["end_date"] >= t))


def _frames(m: SyntheticMunicipality) -> dict[str, pd.DataFrame]:
    out = {}
    for name in ("households", "interventions", "coordinations", "assessments", "agencies"):
        df = m.tables[name].to_pandas()
        for col in df.columns:
            if col.endswith(("_date", "_on")):
                df[col] = pd.to_datetime(df[col])
        out[name] = df
    return out


def rule_subjects(m: SyntheticMunicipality, config: FlagConfig | None = None) -> dict[str, set[str]]:
    """Per flag, the ids of the households (professionals) that meet its rule on ``m.as_of``."""
    cfg = config or FlagConfig()
    f = _frames(m)
    t = pd.Timestamp(m.as_of)
    hh = f["households"]
    iv = f["interventions"]
    act = iv[_active(iv, m.as_of)]
    out: dict[str, set[str]] = {}

    helpers = act.groupby("household_id")["professional_id"].nunique()
    agencies = act.groupby("household_id")["agency_id"].nunique()
    out["too_many_helpers"] = set(helpers[helpers >= cfg.helpers_attention].index) | set(
        agencies[agencies >= cfg.agencies_attention].index)

    # cases open on as_of: the coordination and progress flags apply to these only; the others count active help
    # whatever the case status
    open_ids = set(hh.loc[(hh["opened_on"] <= t) & (hh["closed_on"].isna() | (hh["closed_on"] >= t)),
                          "household_id"])

    # overlapping: same household, same domain, different agencies, both active, overlap >= overlap_min_days,
    # measured up to as_of for open and planned ends alike
    a = act.assign(end_eff=act["end_date"].fillna(t).clip(upper=t))
    pairs = a.merge(a, on=["household_id", "domain_code"], suffixes=("_1", "_2"))
    pairs = pairs[pairs["agency_id_1"] < pairs["agency_id_2"]]
    first_end = pairs[["end_eff_1", "end_eff_2"]].min(axis=1)
    days = (first_end - pairs[["start_date_1", "start_date_2"]].max(axis=1)).dt.days + 1
    out["overlapping_interventions"] = set(pairs.loc[days >= cfg.overlap_min_days, "household_id"])

    # problem domains: latest assessment on or before as_of with score <= problem_score_max
    asm = f["assessments"]
    asm = asm[asm["assessed_on"] <= t].sort_values(["household_id", "domain_code", "assessed_on"], kind="stable")
    latest = asm.groupby(["household_id", "domain_code"]).tail(1)
    problems = latest[latest["score"] <= cfg.problem_score_max].groupby("household_id").size()

    co = f["coordinations"]
    co_act = co[_active(co, m.as_of)]
    regisseurs = co_act.groupby("household_id")["professional_id"].nunique()
    need = set(agencies[agencies >= cfg.regisseur_min_agencies].index) | set(
        problems[problems >= cfg.regisseur_min_problem_domains].index)
    out["missing_regisseur"] = (need - set(co_act["household_id"])) & open_ids
    out["competing_regisseurs"] = set(regisseurs[regisseurs >= 2].index) & open_ids

    # conflicting: enforcement active on as_of + other help of any agency (the same one too) in a linked domain
    # (symmetric)
    linked = {(e, s) for e, ss in cfg.linked_domains.items() for s in ss}
    linked |= {(s, e) for e, s in linked}
    enf = act[act["kind"] == "enforcement"]
    other = act[act["kind"] != "enforcement"]
    cp = enf.merge(other, on="household_id", suffixes=("_e", "_s"))
    is_linked = [(e, s) in linked for e, s in zip(cp["domain_code_e"], cp["domain_code_s"], strict=True)]
    cp = cp[pd.Series(is_linked, index=cp.index, dtype=bool)]
    out["conflicting_interventions"] = set(cp["household_id"])
    out["_conflicting_support_only"] = set(cp.loc[cp["kind_s"] == "support", "household_id"])

    hubs = {d for d, deps in cfg.domino_dependencies.items() if deps}
    dom = latest[latest["domain_code"].isin(hubs) & (latest["score"] <= cfg.domino_crisis_score)]
    out["domino_risk"] = set(dom["household_id"]) & open_ids

    # stagnation
    lo = t - pd.Timedelta(days=cfg.stagnation_window_days)
    in_window = iv[(iv["start_date"] <= t) & (iv["end_date"].isna() | (iv["end_date"] >= lo))]
    window_helpers = in_window.groupby("household_id")["professional_id"].nunique()
    long_case = set(hh.loc[(t - hh["opened_on"]).dt.days >= cfg.stagnation_min_case_days, "household_id"])
    busy = set(window_helpers[window_helpers >= cfg.stagnation_min_helpers].index)
    base = asm[asm["assessed_on"] <= lo].groupby(["household_id", "domain_code"]).tail(1)
    cmp = latest.merge(base, on=["household_id", "domain_code"], suffixes=("", "_base"))
    improved = set(cmp.loc[cmp["score"] > cmp["score_base"], "household_id"])
    # a comparison needs two assessments of a domain; without them a household is unassessed, not stagnating
    per_domain = asm.groupby(["household_id", "domain_code"]).size()
    assessed = set(per_domain[per_domain >= 2].index.get_level_values("household_id"))
    out["_stagnation_any_status"] = (long_case & busy & assessed) - improved
    out["stagnation"] = out["_stagnation_any_status"] & open_ids

    caseload = act.groupby("professional_id")["household_id"].nunique()
    out["overloaded_professional"] = set(caseload[caseload > cfg.caseload_max].index)
    return out


def check_background(m: SyntheticMunicipality, config: FlagConfig | None = None) -> dict[str, int]:
    """Assert that, per flag, the subjects meeting the rule are exactly the planted ones; return their counts.

    Also asserts the background's structural promises: closed cases have no help or regisseur on the as-of date,
    and every household that needs a regisseur and is not planted has exactly one.
    """
    cfg = config or FlagConfig()
    found = rule_subjects(m, cfg)
    planted = m.planted.to_pandas()
    for flag in FLAGS:
        expected = set(planted.loc[planted["flag"] == flag, "subject_id"])
        got = found[flag]
        assert got == expected, (
            f"{flag}: {len(got - expected)} background subjects meet the rule (e.g. {sorted(got - expected)[:5]}), "
            f"{len(expected - got)} planted do not (e.g. {sorted(expected - got)[:5]})"
        )
    assert found["_conflicting_support_only"] == found["conflicting_interventions"]
    assert found["_stagnation_any_status"] == found["stagnation"]

    f = _frames(m)
    hh = f["households"]
    closed = set(hh.loc[hh["closed_on"].notna(), "household_id"])
    iv = f["interventions"]
    assert not set(iv.loc[_active(iv, m.as_of), "household_id"]) & closed
    co = f["coordinations"]
    co_act = co[_active(co, m.as_of)]
    assert not set(co_act["household_id"]) & closed
    per = co_act.groupby("household_id").size()
    competing = set(planted.loc[planted["flag"] == "competing_regisseurs", "subject_id"])
    assert (per[~per.index.isin(competing)] == 1).all(), "a background household has two active coordinations"
    return {flag: len(found[flag]) for flag in FLAGS}
