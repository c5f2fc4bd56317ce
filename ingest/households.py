"""Households derived from every standing allocation: the ones the store holds plus the batch.

A message ingest never derives a household from its batch alone: each standing allocation carries the client as its
301 version names them (a :class:`ClientFact`), the store keeps that fact in its ``allocations`` ledger, and every
ingest groups the clients of *all* standing allocations (stored facts whose allocation the batch does not replace or
delete, plus the batch's facts). So splitting a delivery into batches gives the same households as one batch.

* **One person, one member**: a client is a member (``member_id`` from the BSN alone, in any gemeente); their facts
  are those of their latest 301 (Dagtekening, Identificatie, allocation id), in whichever gemeente it was sent. A
  client whose latest 301 names another address has moved: their member row, and every intervention of theirs,
  goes to the household of the new address.
* **Grouping** (union–find): clients sharing a BRP address are one household; so are clients joined by a household
  relation (COD472 06, 10, 11, 12, 13, 16, 17, 18) that is another client (same gemeente, surname and birth date)
  or lives at a client's address. Addresses and names are compared as keyed pseudonyms only
  (:func:`address_id`, :func:`name_key`), so the ledger holds neither in clear.
* **Household id**: the smallest address id among its members (an address id is ``hh_`` + HMAC of
  ``addr|<gemeente>|<address>``, the household id that address gives), else the smallest ``hh_`` + HMAC of
  ``member|<member id>`` of its members.
* **Roles and composition**: under 18 on the reference date (the latest Dagtekening of all standing allocations) →
  ``child``; adults with children → ``parent``; two adults → ``partner``; else ``single``. Composition follows
  (single, couple, couple_with_children, single_parent, other). ``opened_on``: the earliest start of the standing
  interventions of its members (stored and batch).
* **Conflicting person facts**: two birth dates for one client are a warning naming both sources (file, message,
  element path); the latest 301's date is used.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pyarrow as pa

from foundation.privacy import keyed_pseudonym
from ingest.messages import HOUSEHOLD_RELATIONS, Address, Allocation
from ingest.report import Issue

__all__ = [
    "ClientFact",
    "HouseholdRow",
    "MemberRow",
    "Households",
    "address_id",
    "name_key",
    "member_id_for",
    "fact_of",
    "facts_from_ledger",
    "derive_households",
]


def _keyed(prefix: str, key: bytes, text: str) -> str:
    return keyed_pseudonym(key, text, prefix=prefix, digits=24)


def member_id_for(bsn: str, key: bytes) -> str:
    """The member id of a client with this BSN (the same in every gemeente and every delivery)."""
    return _keyed("mem_", key, "member|" + bsn)


def address_id(key: bytes, gemeente: str, address: Address) -> str:
    """Keyed pseudonym of a BRP address: the id of the household living there."""
    return _keyed("hh_", key, f"addr|{gemeente}|{address.key}")


def name_key(key: bytes, gemeente: str, surname: str, birth: dt.date) -> str:
    """Keyed pseudonym of gemeente + surname + birth date (household relations are matched on it)."""
    return _keyed("nk_", key, f"name|{gemeente}|{surname.lower()}|{birth.isoformat()}")


@dataclass(frozen=True, slots=True)
class ClientFact:
    """The client as the standing version of one allocation names them (from the batch or the store's ledger).

    ``bsn`` is in clear for facts of the batch and None for stored ones (the store holds only pseudonyms).
    """

    allocation_id: str
    member_id: str
    gemeente: str
    message_date: dt.date
    message_id: str
    birth_date: dt.date | None
    name: str | None
    address_id: str | None
    postcode: str | None
    name_key: str | None
    relation_keys: tuple[str, ...]
    file: str
    path: str
    bsn: str | None = None

    @property
    def order(self) -> tuple[dt.date, str, str]:
        """Which fact of a client is the latest: Dagtekening, Identificatie, allocation id."""
        return (self.message_date, self.message_id, self.allocation_id)

    def source(self) -> str:
        """Where the fact comes from, for messages: file, message and element path (or "stored")."""
        where = f"{self.file}, bericht {self.message_id}"
        return where + (f", {self.path}" if self.bsn is not None else " (in de store)")


def fact_of(a: Allocation, allocation: str, key: bytes) -> ClientFact:
    """The client fact of a 301 allocation version (addresses and names as keyed pseudonyms)."""
    c = a.client
    rel_keys: list[str] = []
    for rel in c.relations:
        if rel.soort not in HOUSEHOLD_RELATIONS:
            continue
        if rel.address is not None:
            rel_keys.append("a:" + address_id(key, a.gemeente, rel.address))
        if rel.surname and rel.birth_date:
            rel_keys.append("n:" + name_key(key, a.gemeente, rel.surname, rel.birth_date))
    return ClientFact(
        allocation_id=allocation, member_id=member_id_for(c.bsn, key), gemeente=a.gemeente,
        message_date=a.message_date, message_id=a.message_id, birth_date=c.birth_date, name=c.name,
        address_id=address_id(key, a.gemeente, c.address) if c.address is not None else None,
        postcode=c.address.postcode if c.address is not None else None,
        name_key=name_key(key, a.gemeente, c.surname, c.birth_date) if c.surname and c.birth_date else None,
        relation_keys=tuple(sorted(set(rel_keys))), file=a.file, path=a.path, bsn=c.bsn,
    )


def facts_from_ledger(ledger: pa.Table, standing: Iterable[str]) -> dict[str, ClientFact]:
    """The client facts the store's ``allocations`` ledger holds for the ``standing`` allocation ids."""
    keep = set(standing)
    out: dict[str, ClientFact] = {}
    for r in ledger.to_pylist():
        aid = r["allocation_id"]
        if aid not in keep or r["deleted"] or not r.get("member_id"):
            continue
        gemeente = aid.split("-")[1] if aid.count("-") >= 2 else ""
        out[aid] = ClientFact(
            allocation_id=aid, member_id=r["member_id"], gemeente=gemeente, message_date=r["message_date"],
            message_id=r["message_id"], birth_date=r["birth_date"], name=r["name"], address_id=r["address_id"],
            postcode=r["postcode"], name_key=r["name_key"],
            relation_keys=tuple((r["relation_keys"] or "").split()), file=r["file"] or "", path="",
        )
    return out


@dataclass(frozen=True, slots=True)
class HouseholdRow:
    household_id: str
    district_id: str
    municipality_code: str
    composition: str
    postcode: str | None
    opened_on: dt.date
    source: ClientFact


@dataclass(frozen=True, slots=True)
class MemberRow:
    member_id: str
    household_id: str
    role: str
    fact: ClientFact
    bsn: str | None
    """The BSN in clear when the batch holds a fact of this client; None for a client only the store knows."""


@dataclass
class Households:
    """The derived households and members, and the household of every member."""

    households: list[HouseholdRow] = field(default_factory=list)
    members: list[MemberRow] = field(default_factory=list)
    household_of: dict[str, str] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _age(birth: dt.date | None, on: dt.date) -> int | None:
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _composition(adults: int, kids: int) -> str:
    if adults == 1 and not kids:
        return "single"
    if adults == 2 and not kids:
        return "couple"
    if adults == 2 and kids:
        return "couple_with_children"
    if adults == 1 and kids:
        return "single_parent"
    return "other"


def _birth_conflicts(facts: Iterable[ClientFact]) -> list[Issue]:
    """A warning per client whose facts give two birth dates, when the batch holds one of them."""
    by_member: dict[str, dict[dt.date, ClientFact]] = defaultdict(dict)
    for f in sorted(facts, key=lambda f: f.order):
        if f.birth_date is not None:
            seen = by_member[f.member_id]
            if f.birth_date not in seen or (seen[f.birth_date].bsn is None and f.bsn is not None):
                seen[f.birth_date] = f
    out: list[Issue] = []
    for dates in by_member.values():
        if len(dates) < 2 or all(f.bsn is None for f in dates.values()):
            continue
        ordered = sorted(dates.values(), key=lambda f: f.order)
        latest = ordered[-1]
        others = "; ".join(f"{f.birth_date} ({f.source()})" for f in ordered[:-1])
        batch = next(f for f in reversed(ordered) if f.bsn is not None)
        out.append(Issue.make(
            batch.file, f"one client (BSN) with different birth dates: {others}; and {latest.birth_date} "
            f"({latest.source()}); the latest message's date is used", severity="warning",
            path="/Bericht/Client/Geboortedatum", field="Geboortedatum",
            value=" / ".join(str(f.birth_date) for f in ordered), table="members", rule="conflict"))
    return out


def derive_households(facts: Mapping[str, ClientFact], starts: Mapping[str, dt.date], *, key: bytes) -> Households:
    """Group the clients of ``facts`` (allocation id → fact, every standing allocation) into households.

    ``starts``: member id → the earliest start of their standing interventions (for ``opened_on``).
    """
    out = Households()
    if not facts:
        return out
    out.issues = _birth_conflicts(facts.values())
    as_of = max(f.message_date for f in facts.values())
    latest: dict[str, ClientFact] = {}
    bsn_of: dict[str, str] = {}
    for f in facts.values():
        if f.member_id not in latest or f.order > latest[f.member_id].order:
            latest[f.member_id] = f
        if f.bsn is not None:
            bsn_of[f.member_id] = f.bsn
    uf = _UnionFind()
    by_name: dict[str, set[str]] = defaultdict(set)
    for mid, f in latest.items():
        node = "m|" + mid
        uf.find(node)
        if f.address_id is not None:
            uf.union(node, "a|" + f.address_id)
        if f.name_key is not None:
            by_name[f.name_key].add(mid)
    for mid, f in latest.items():
        node = "m|" + mid
        for token in f.relation_keys:
            kind, _, value = token.partition(":")
            if kind == "a" and "a|" + value in uf.parent:
                uf.union(node, "a|" + value)
            elif kind == "n" and len(by_name.get(value, ())) == 1:
                uf.union(node, "m|" + next(iter(by_name[value])))
    groups: dict[str, list[str]] = defaultdict(list)
    for mid in latest:
        groups[uf.find("m|" + mid)].append(mid)
    rows: list[HouseholdRow] = []
    for root in sorted(groups):
        ms = sorted(groups[root])
        addressed = sorted((a, m) for m in ms if (a := latest[m].address_id) is not None)
        if addressed:
            hh_id, first = addressed[0][0], latest[addressed[0][1]]
            postcode = first.postcode
            gem = first.gemeente
            pc4 = postcode[:4] if postcode and postcode[:4].isdigit() else None
        else:
            hh_id, m0 = min((_keyed("hh_", key, "member|" + m), m) for m in ms)
            first = latest[m0]
            postcode, gem, pc4 = None, first.gemeente, None
        district = f"gm{gem}-pc{pc4}" if pc4 else f"gm{gem}-onbekend"
        ages = {m: _age(latest[m].birth_date, as_of) for m in ms}
        kids = [m for m in ms if (age := ages[m]) is not None and age < 18]
        adults = [m for m in ms if m not in kids]
        for m in ms:
            role = ("child" if m in kids else "parent" if kids else "partner" if len(adults) >= 2 else "single")
            out.members.append(MemberRow(m, hh_id, role, latest[m], bsn_of.get(m)))
            out.household_of[m] = hh_id
        opened = min(starts[m] for m in ms if m in starts) if any(m in starts for m in ms) else as_of
        rows.append(HouseholdRow(hh_id, district, gem, _composition(len(adults), len(kids)), postcode, opened,
                                 first))
    out.households = sorted(rows, key=lambda r: r.household_id)
    return out
