"""On a 2,000-household synthetic municipality the flags find the cases the generator planted."""

from __future__ import annotations

import pytest

from analytics.flags import FLAG_NAMES, evaluate_flags_table


def test_recall_and_precision_per_flag_on_the_synthetic_municipality() -> None:
    municipality = pytest.importorskip("synthetic.municipality")
    m = municipality.generate_municipality(2000, 7)
    found = evaluate_flags_table(m.tables, m.as_of).select(["flag", "subject_id"]).to_pylist()
    planted = m.planted.select(["flag", "subject_id"]).to_pylist()
    got = {(r["flag"], r["subject_id"]) for r in found}
    want = {(r["flag"], r["subject_id"]) for r in planted}
    print(f"\n{'flag':28s} {'planted':>7s} {'found':>6s} {'recall':>7s} {'precision':>9s}")
    recall: dict[str, float] = {}
    for flag in FLAG_NAMES:
        p = {s for f, s in want if f == flag}
        g = {s for f, s in got if f == flag}
        tp = len(p & g)
        recall[flag] = tp / len(p) if p else 1.0
        prec = tp / len(g) if g else 1.0
        print(f"{flag:28s} {len(p):7d} {len(g):6d} {recall[flag]:7.3f} {prec:9.3f}")
        assert p, f"the generator planted no {flag}"
    assert all(r >= 0.95 for r in recall.values()), recall


def test_one_union_query_equals_each_rule_on_a_shared_engine() -> None:
    """All flags in one query (shared relations as CTEs) give the same table as each rule run on its own against
    an engine whose shared relations are temp tables."""
    import pyarrow as pa

    from analytics.config import FlagConfig
    from analytics.engine import Engine
    from analytics.flags import RULES

    municipality = pytest.importorskip("synthetic.municipality")
    m = municipality.generate_municipality(500, 3)
    together = evaluate_flags_table(m.tables, m.as_of)
    with Engine(m.tables, m.as_of) as e:
        assert e.materialised
        one_by_one = pa.concat_tables([r.table(e, FlagConfig()) for r in RULES.values()])
        shared = evaluate_flags_table(m.tables, m.as_of, engine=e)
    assert together.num_rows > 0 and set(together.column("flag").to_pylist()) == set(FLAG_NAMES)
    assert together.equals(one_by_one) and together.equals(shared)
