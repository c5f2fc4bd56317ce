"""The in-memory SQL engine the analytics run on: DuckDB over the Arrow care tables, as of one date.

The tables are registered zero-copy; a few relations shared by many rules are materialised once, either as temp
tables when the engine is built (``materialise=True``, for an engine that runs many queries) or as ``MATERIALIZED``
CTEs of the one query that needs them (:meth:`Engine.with_shared`; all eight flags run as one ``UNION ALL`` query,
which DuckDB plans and parallelises as a whole):

``active_iv``
    interventions active on the as-of date (:func:`foundation.periods.active_sql`: ``start_date <= as_of`` and
    (``end_date`` null or ``>= as_of``)), with the household's ``district_id``.
``active_coord``
    coordinations (regisseur assignments) active on the as-of date.
``latest_score``
    per (household, domain) the score and date of the latest assessment on or before the as-of date (ties: the
    lowest score); no assessment id (a rule that shows one looks it up for its flagged rows only).
``hh``
    households with district, opened_on, closed_on.

Nothing here reads a store: a :class:`~graph.tables.CareTables` goes in, Arrow tables come out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa

from analytics.results import FLAG_TABLE_SCHEMA
from foundation.periods import active_sql
from graph.tables import CareTables

__all__ = ["Engine", "FlagQuery", "connect", "date_literal", "sql_str", "latest_key", "first_key", "key_score",
           "exact_avg"]

_TABLES = ("districts", "agencies", "professionals", "households", "members", "interventions", "coordinations",
           "assessments")


_FAR = "DATE '2100-01-01'"


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection for the analytics, without DuckDB's progress bar.

    DuckDB draws its progress bar on standard output for any query that runs longer than two seconds, whatever
    standard output is (a file, a pipe): on a busy machine it lands in the middle of the JSON or CSV that
    ``caregraph flags`` or ``caregraph netstats`` write there.
    """
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    return con


def latest_key(date_col: str, score_col: str) -> str:
    """SQL aggregate for the latest date and, on that date, the lowest (32-bit integer) score, as one BIGINT.

    ``k = (2100-01-01 − date) · 2³² + (score + 2³¹)``; ``min(k)`` is the latest date, then the lowest score; the
    date is ``2100-01-01 − (k >> 32)`` and the score ``(k & (2³² − 1)) − 2³¹``. A ``min`` over one integer is about
    twice as fast as over a struct with a string in it (the assessment id), which only the evidence needs.
    """
    return (f"min((CAST({_FAR} - {date_col} AS BIGINT) << 32) + (CAST({score_col} AS BIGINT) + 2147483648))")


def first_key(date_col: str, score_col: str) -> str:
    """Like :func:`latest_key` but the earliest date first: ``k = date · 2³² + (score + 2³¹)`` (days since 1970)."""
    return (f"min((CAST({date_col} - DATE '1970-01-01' AS BIGINT) << 32) + (CAST({score_col} AS BIGINT) + 2147483648))")


def key_score(key_sql: str) -> str:
    """The score packed in a :func:`latest_key` or :func:`first_key` value (NULL stays NULL)."""
    return f"CAST(({key_sql} & 4294967295) - 2147483648 AS INTEGER)"


def exact_avg(col: str, scale: int = 12) -> str:
    """SQL for a mean of a DOUBLE column that does not depend on the order threads add up partial sums.

    The values are rounded to ``scale`` decimals and summed as DECIMAL (an exact integer sum), so the result is
    the same bit for bit in every run; a plain ``avg`` over doubles can differ in its last digit between runs.

    >>> exact_avg("coc")
    'CAST(avg(CAST(coc AS DECIMAL(38, 12))) AS DOUBLE)'
    """
    return f"CAST(avg(CAST({col} AS DECIMAL(38, {int(scale)}))) AS DOUBLE)"


def date_literal(d: date) -> str:
    """A SQL date literal (from a real :class:`datetime.date`, so nothing can be injected).

    >>> date_literal(date(2024, 6, 30))
    "DATE '2024-06-30'"
    """
    if not isinstance(d, date):
        raise TypeError(f"expected a date, got {type(d).__name__}")
    return f"DATE '{d.isoformat()}'"


def sql_str(s: str) -> str:
    """A SQL string literal with quotes escaped.

    >>> sql_str("it's")
    "'it''s'"
    """
    return "'" + s.replace("'", "''") + "'"


@dataclass(frozen=True)
class FlagQuery:
    """One rule's query for :meth:`Engine.flags_table`: the constant columns and the SQL returning ``subject_id,
    district_id, severity, evidence, explanation``."""

    flag: str
    rule_version: str
    subject_kind: str
    thresholds: Mapping[str, Any]
    sql: str


class Engine:
    """A DuckDB connection holding the care tables and the shared views for one as-of date."""

    def __init__(self, tables: CareTables, as_of: date, *, threads: int | None = None,
                 materialise: bool = True) -> None:
        self.as_of = as_of
        self.D = date_literal(as_of)
        self.con = connect()
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        for name in _TABLES:
            self.con.register(f"t_{name}", tables[name])
        self.materialised = materialise
        """True: the shared relations are temp tables, built once here (an engine that runs many queries); False:
        each query gets them as ``MATERIALIZED`` CTEs (:meth:`with_shared`), which is cheaper for one query."""
        if materialise:
            self.con.execute("".join(f"CREATE TEMP TABLE {name} AS {sql};\n"
                                     for name, sql in self.shared_relations().items()))

    def shared_relations(self) -> dict[str, str]:
        """The shared relations (see the module docstring) by name, as SELECT statements for this date."""
        D = self.D
        return {
            "hh": "SELECT household_id, district_id, opened_on, closed_on FROM t_households",
            "active_iv": f"""SELECT i.*, h.district_id FROM t_interventions i
              LEFT JOIN (SELECT household_id, district_id FROM t_households) h USING (household_id)
              WHERE {active_sql(D, start="i.start_date", end="i.end_date")}""",
            "active_coord": f"SELECT * FROM t_coordinations WHERE {active_sql(D)}",
            "latest_score": f"""SELECT household_id, domain_code, {key_score("k")} AS score,
                     {_FAR} - CAST(k >> 32 AS INTEGER) AS assessed_on FROM (
                SELECT household_id, domain_code, {latest_key("assessed_on", "score")} AS k
                FROM t_assessments WHERE assessed_on <= {D} GROUP BY ALL)""",
        }

    def with_shared(self, sql: str, *, order_by: str | None = None) -> str:
        """``sql`` (a SELECT, possibly a ``UNION ALL`` of SELECTs with their own WITH clauses) with the shared
        relations defined in front of it when they are not temp tables, and ordered by ``order_by``."""
        order = f"\nORDER BY {order_by}" if order_by else ""
        if self.materialised:
            return f"{sql}{order}"
        ctes = ",\n".join(f"{name} AS MATERIALIZED ({rel})" for name, rel in self.shared_relations().items())
        return f"WITH {ctes}\n{sql}{order}"

    def query(self, sql: str) -> pa.Table:
        """Run SQL and return the result as an Arrow table."""
        return self.con.sql(sql).to_arrow_table()

    def flags_table(self, queries: Sequence[FlagQuery]) -> pa.Table:
        """Run several rules' SQL as one query (``UNION ALL``: DuckDB plans and parallelises them together and
        reads the shared relations once) and shape the result as the flat flag table: the rules in the given
        order, each one's rows by subject id."""
        if not queries:
            return FLAG_TABLE_SCHEMA.empty_table()
        # The constant columns are SQL literals: DuckDB hands them back as Arrow, and no Python list becomes an
        # Arrow array here (pyarrow imports pandas, half a second, the first time it converts a Python sequence).
        union = "\nUNION ALL\n".join(
            f"SELECT {i} AS rule_no, {sql_str(q.flag)} AS flag, {sql_str(q.rule_version)} AS rule_version, "
            f"{sql_str(q.subject_kind)} AS subject_kind, subject_id, district_id, severity, "
            f"{sql_str(json.dumps(dict(q.thresholds), sort_keys=True, default=_jsonable))} AS thresholds, "
            f"CAST(evidence AS VARCHAR) AS evidence, explanation FROM ({q.sql})" for i, q in enumerate(queries))
        t = self.query(self.with_shared(union, order_by="rule_no, subject_id"))
        return pa.Table.from_arrays([t.column(f.name).cast(f.type) for f in FLAG_TABLE_SCHEMA],
                                    schema=FLAG_TABLE_SCHEMA)

    def close(self) -> None:
        """Release the connection."""
        self.con.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _jsonable(v: object) -> object:
    if isinstance(v, tuple | set | frozenset):
        return list(v)
    return str(v)
