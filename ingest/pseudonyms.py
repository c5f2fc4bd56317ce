"""The door where BSNs become keyed pseudonyms: the members table of a load loses its clear ``bsn`` column."""

from __future__ import annotations

import pyarrow as pa

from foundation.privacy import pseudonymise_column
from graph.tables import CareTables

__all__ = ["pseudonymise_tables"]


def pseudonymise_tables(tables: CareTables, key: bytes) -> CareTables:
    """Replace the members' ``bsn`` column by ``bsn_pseudonym`` (keyed HMAC); other tables are unchanged.

    Tables that are already pseudonymised are returned as they are.
    """
    if "members" not in tables:
        return tables
    members = tables["members"]
    if "bsn" not in members.column_names:
        return tables
    idx = members.column_names.index("bsn")
    pseudo = pseudonymise_column(members.column("bsn"), key)
    members = members.set_column(idx, pa.field("bsn_pseudonym", pa.string()), pseudo)
    return tables.with_table("members", members)
