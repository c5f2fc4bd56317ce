"""Parse iJw/iWmo 3.x JW301/WMO301 (allocation), JW305/WMO305 (start) and JW307/WMO307 (stop) messages.

Elements are matched by namespace URI, never by prefix (``docs/istandaarden.md#namespaces``): elements declared in a
message type (Header, Client, ToegewezenProduct, …) are in the *message* namespace
``http://www.istandaarden.nl/{ijw|iwmo}/<release>/{jw|wmo}<nnn>/schema``, the children of the basisschema composite
types (Identificatie, Dagtekening, Datum, Categorie, Huisnummer, Postcode, …) in the *basisschema* namespace
``http://www.istandaarden.nl/{ijw|iwmo}/<release>/basisschema/schema``. The release segment (``3_2``) is read from the
root's namespace: 3.2 is the release the parser was checked against (:data:`KNOWN_RELEASES`); another 3.x release
parses with a warning naming it, as long as the structure is the same; a 2.x message (or any other major release) is
refused by name. A ``Bericht`` wrapped in an envelope (StUF) is found anywhere below the root.

Numbers are read as the XSD defines them (:func:`xs_integer`): ``ToewijzingNummer`` (``LDT_Nummer``) and
``Huisnummer`` are ``xs:integer`` values, so leading zeros are allowed and ``0000300201`` is allocation 300201.

Parsing is safe: :mod:`defusedxml` refuses DTDs, entity declarations (no billion-laughs expansion) and external
references. Every problem (not XML, forbidden construct, unknown message, missing element, bad date, BSN failing the
11-proef) becomes an :class:`~ingest.report.Issue` with the element path; nothing raises.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import defusedxml
import defusedxml.ElementTree as DET

from foundation.privacy import bsn_is_valid
from ingest.report import Issue

__all__ = [
    "NS_PATTERN",
    "Address",
    "Relation",
    "Client",
    "Allocation",
    "Delivery",
    "ParsedMessages",
    "parse_message_file",
    "parse_message_bytes",
    "MAX_MESSAGE_BYTES",
    "HOUSEHOLD_RELATIONS",
    "KNOWN_RELEASES",
    "MAX_TOEWIJZING_NUMMER",
    "xs_integer",
]

NS_PATTERN = re.compile(r"^http://www\.istandaarden\.nl/(ijw|iwmo)/(\d+_\d+)/(jw|wmo)(\d{3})/schema(?:/\d+_\d+)?$")
"""A message namespace: groups (standard, release, domain prefix, message number). Release 2.x namespaces carry the
release once more after ``schema`` (``…/iwmo/2_0/wmo301/schema/2_0``); they match, so a 2.x message is named as such
and refused instead of being called "not an iJw/iWmo message"."""

KNOWN_RELEASES = ("3_2",)
"""Releases whose 301/305/307 structure this parser was checked against (the 3.2 XSDs,
``docs/istandaarden.md#releases``). Another 3.x release is parsed with a warning naming it; any other major release
is refused."""

MAX_TOEWIJZING_NUMMER = 999_999_999
"""``LDT_Nummer`` (ToewijzingNummer): ``xs:integer`` with minInclusive 0 and maxInclusive 999999999."""

MAX_MESSAGE_BYTES = 64 << 20
"""Refuse message files larger than this (a 301 is a few kB)."""

HOUSEHOLD_RELATIONS = frozenset({"06", "10", "11", "12", "13", "16", "17", "18"})
"""COD472 relation kinds that put two people in one household: 06 Leefeenheid, 10 Ouder, 11 Voogd, 12 Partner,
13 Pleegouder, 16 Zoon/dochter, 17 Familielid, 18 Gezinslid (``docs/istandaarden.md#households``)."""

Domain = Literal["jw", "wmo"]


@dataclass(frozen=True, slots=True)
class Address:
    """A BRP address (Contact Soort 01): the household key is postcode + huisnummer + huisletter + toevoeging."""

    postcode: str
    huisnummer: str
    huisletter: str = ""
    toevoeging: str = ""

    @property
    def key(self) -> str:
        return f"{self.postcode}|{self.huisnummer}|{self.huisletter}|{self.toevoeging}".upper()


@dataclass(frozen=True, slots=True)
class Relation:
    """A relation of the client (Relatie): kind (COD472), surname, birth date and BRP address when given."""

    soort: str
    surname: str | None
    birth_date: dt.date | None
    address: Address | None


@dataclass(frozen=True, slots=True)
class Client:
    """The client of a message (BSN in clear: it never leaves the ingest; see :func:`ingest.pipeline.prepare`)."""

    bsn: str
    birth_date: dt.date | None
    surname: str | None
    name: str | None
    address: Address | None = None
    relations: tuple[Relation, ...] = ()


@dataclass(frozen=True, slots=True)
class Header:
    domain: Domain
    release: str
    number: str
    sender: str
    receiver: str
    message_id: str
    message_date: dt.date


@dataclass(frozen=True, slots=True)
class Allocation:
    """One ToegewezenProduct of a 301, with its message's header facts."""

    domain: Domain
    gemeente: str
    agb: str
    number: str
    category: str | None
    product_code: str | None
    allocated_on: dt.date
    allocated_at: dt.time
    start: dt.date
    end: dt.date | None
    reason: str | None
    message_date: dt.date
    message_id: str
    file: str
    path: str
    client: Client

    @property
    def key(self) -> tuple[str, str, str]:
        """Identity of an allocation (OP275): (domain, gemeente, ToewijzingNummer)."""
        return (self.domain, self.gemeente, self.number)

    @property
    def deleted(self) -> bool:
        """A deletion: RedenWijziging 13 (or legacy 01) with Einddatum == Ingangsdatum (CS335, OP087)."""
        return self.reason in ("13", "01") and self.end == self.start


@dataclass(frozen=True, slots=True)
class Delivery:
    """One StartProduct (305) or StopProduct (307)."""

    kind: Literal["start", "stop"]
    domain: Domain
    gemeente: str
    agb: str
    number: str | None
    category: str | None
    product_code: str | None
    begin: dt.date
    end: dt.date | None
    reason: str | None
    status: str
    message_date: dt.date
    message_id: str
    file: str
    path: str
    bsn: str

    @property
    def key(self) -> tuple[str, str, str, str, str, dt.date]:
        """Logical key (IV008): allocation + Product + Begindatum."""
        return (self.domain, self.gemeente, self.number or "", self.category or "", self.product_code or "",
                self.begin)


@dataclass
class ParsedMessages:
    allocations: list[Allocation] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    files: int = 0


class _Bad(Exception):
    """A required element is missing or malformed (caught per product or per message)."""

    def __init__(self, path: str, field: str, reason: str, value: object = None):
        super().__init__(reason)
        self.path, self.field, self.reason, self.value = path, field, reason, value


class _Ctx:
    def __init__(self, m_ns: str, b_ns: str):
        self.m = "{" + m_ns + "}"
        self.b = "{" + b_ns + "}"

    def child(self, el: ET.Element, name: str, *, base: bool = False) -> ET.Element | None:
        return el.find((self.b if base else self.m) + name)

    def children(self, el: ET.Element, name: str, *, base: bool = False) -> list[ET.Element]:
        return el.findall((self.b if base else self.m) + name)

    def text(self, el: ET.Element | None, name: str, path: str, *, base: bool = False,
             required: bool = True) -> str | None:
        c = None if el is None else self.child(el, name, base=base)
        if c is None or c.text is None or not c.text.strip():
            if required:
                raise _Bad(f"{path}/{name}", name, "required element is missing or empty")
            return None
        return c.text.strip()

    def date(self, el: ET.Element | None, name: str, path: str, *, base: bool = False,
             required: bool = True) -> dt.date | None:
        t = self.text(el, name, path, base=base, required=required)
        if t is None:
            return None
        try:
            return dt.date.fromisoformat(t[:10]) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", t) else _raise_date(t)
        except ValueError:
            raise _Bad(f"{path}/{name}", name, "not a valid date (YYYY-MM-DD, no timezone)", t) from None


def _raise_date(t: str) -> dt.date:
    raise ValueError(t)


def _find_bericht(root: ET.Element) -> ET.Element | None:
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.endswith("}Bericht") and NS_PATTERN.match(el.tag[1:].split("}")[0]):
            return el
    return None


def _header(ctx: _Ctx, root: ET.Element, dom: Domain, release: str, number: str) -> Header:
    h = ctx.child(root, "Header")
    if h is None:
        raise _Bad("/Bericht/Header", "Header", "required element is missing")
    p = "/Bericht/Header"
    ident = ctx.child(h, "BerichtIdentificatie")
    msg_id = ctx.text(ident, "Identificatie", p + "/BerichtIdentificatie", base=True)
    msg_date = ctx.date(ident, "Dagtekening", p + "/BerichtIdentificatie", base=True)
    sender = ctx.text(h, "Afzender", p)
    receiver = ctx.text(h, "Ontvanger", p)
    assert msg_id is not None and msg_date is not None and sender is not None and receiver is not None
    gem, agb = (sender, receiver) if number == "301" else (receiver, sender)
    if not re.fullmatch(r"[0-9]{4}", gem):
        raise _Bad(p + ("/Afzender" if number == "301" else "/Ontvanger"), "gemeente",
                   "not a gemeentecode (4 digits)", gem)
    if not re.fullmatch(r"[0-9]{8}", agb):
        raise _Bad(p + ("/Ontvanger" if number == "301" else "/Afzender"), "agb", "not an AGB code (8 digits)", agb)
    return Header(dom, release, number, sender, receiver, msg_id, msg_date)


def _address(ctx: _Ctx, contact: ET.Element) -> Address | None:
    adres = ctx.child(contact, "Adres")
    if adres is None:
        return None
    postcode = ctx.child(adres, "Postcode", base=True)
    huis = ctx.child(adres, "Huis", base=True)
    if postcode is None or not (postcode.text or "").strip() or huis is None:
        return None
    nr = ctx.child(huis, "Huisnummer", base=True)
    if nr is None or not (nr.text or "").strip():
        return None
    letter = ctx.child(huis, "Huisletter", base=True)
    toev = ctx.child(huis, "HuisnummerToevoeging", base=True)
    # Huisnummer is an xs:integer (0–99999): compared by value, so "007" and "7" are the same house.
    nr_text = (nr.text or "").strip()
    nr_value = xs_integer(nr_text, 0, 99_999)
    return Address(
        (postcode.text or "").replace(" ", "").upper(),
        str(nr_value) if nr_value is not None else nr_text,
        ((letter.text or "") if letter is not None else "").strip(),
        ((toev.text or "") if toev is not None else "").strip(),
    )


def _brp_address(ctx: _Ctx, holder: ET.Element | None) -> Address | None:
    if holder is None:
        return None
    for contact in ctx.children(holder, "Contact"):
        soort = ctx.child(contact, "Soort")
        if soort is not None and (soort.text or "").strip() == "01":
            return _address(ctx, contact)
    return None


def _name(ctx: _Ctx, naam: ET.Element | None) -> tuple[str | None, str | None]:
    if naam is None:
        return None, None
    gn = ctx.child(naam, "Geslachtsnaam", base=True)
    surname = None
    prefix = None
    if gn is not None:
        a = ctx.child(gn, "Achternaam", base=True)
        v = ctx.child(gn, "Voorvoegsel", base=True)
        surname = (a.text or "").strip() or None if a is not None else None
        prefix = (v.text or "").strip() or None if v is not None else None
    initials = ctx.child(naam, "Voorletters", base=True)
    parts = [(initials.text or "").strip() if initials is not None else "", prefix or "", surname or ""]
    full = " ".join(p for p in parts if p) or None
    return surname, full


def _client(ctx: _Ctx, c: ET.Element, path: str, with_relations: bool) -> Client:
    bsn = ctx.text(c, "Bsn", path)
    assert bsn is not None
    if len(bsn) == 8 and bsn.isdigit():
        bsn = "0" + bsn
    if not bsn_is_valid(bsn):
        raise _Bad(path + "/Bsn", "Bsn", "not a valid BSN (9 digits, 11-proef)", bsn)
    birth = ctx.date(ctx.child(c, "Geboortedatum"), "Datum", path + "/Geboortedatum", base=True, required=False)
    surname, full = _name(ctx, ctx.child(c, "Naam"))
    if not with_relations:
        return Client(bsn, birth, surname, full)
    relations: list[Relation] = []
    rels = ctx.child(c, "Relaties")
    for r in ctx.children(rels, "Relatie") if rels is not None else []:
        soort = ctx.child(r, "Soort")
        rbirth_el = ctx.child(r, "Geboortedatum")
        rbirth = None
        if rbirth_el is not None:
            d = ctx.child(rbirth_el, "Datum", base=True)
            try:
                rbirth = dt.date.fromisoformat((d.text or "").strip()) if d is not None else None
            except ValueError:
                rbirth = None
        rsurname, _ = _name(ctx, ctx.child(r, "Naam"))
        relations.append(Relation((soort.text or "").strip() if soort is not None else "", rsurname, rbirth,
                                  _brp_address(ctx, r)))
    address = _brp_address(ctx, ctx.child(c, "Contactgegevens"))
    return Client(bsn, birth, surname, full, address, tuple(relations))


def _product(ctx: _Ctx, el: ET.Element) -> tuple[str | None, str | None]:
    prod = ctx.child(el, "Product")
    if prod is None:
        return None, None
    cat = ctx.child(prod, "Categorie", base=True)
    code = ctx.child(prod, "Code", base=True)
    return ((cat.text or "").strip() or None if cat is not None else None,
            (code.text or "").strip() or None if code is not None else None)


def xs_integer(text: str, low: int, high: int) -> int | None:
    """The value of an ``xs:integer`` restricted to ``low``–``high``, or ``None`` when ``text`` is not one.

    The XSD's lexical form is an optional sign and one or more digits (``[+-]?[0-9]+``, surrounding whitespace
    collapsed), so leading zeros are allowed and the value, not the text, is compared: ``0000300201`` is 300201.

    >>> xs_integer("0000300201", 0, 999_999_999), xs_integer("+7", 0, 9), xs_integer("-0", 0, 9)
    (300201, 7, 0)
    >>> xs_integer("1e3", 0, 9999), xs_integer("1000000000", 0, 999_999_999), xs_integer("12 3", 0, 999)
    (None, None, None)
    """
    t = text.strip()
    if not re.fullmatch(r"[+-]?[0-9]+", t):
        return None
    value = int(t)
    return value if low <= value <= high else None


def _number(ctx: _Ctx, el: ET.Element, path: str, required: bool) -> str | None:
    """ToewijzingNummer as the canonical decimal text of its value (so ``0000300201`` and ``300201`` are the same
    allocation): ``LDT_Nummer`` is ``xs:integer`` 0–999999999 (``docs/istandaarden.md#identifiers``)."""
    t = ctx.text(el, "ToewijzingNummer", path, required=required)
    if t is None:
        return None
    value = xs_integer(t, 0, MAX_TOEWIJZING_NUMMER)
    if value is None:
        raise _Bad(path + "/ToewijzingNummer", "ToewijzingNummer",
                   f"not a whole number from 0 to {MAX_TOEWIJZING_NUMMER} (xs:integer; leading zeros allowed)", t)
    return str(value)


def _parse_301(ctx: _Ctx, root: ET.Element, h: Header, file: str, out: ParsedMessages) -> None:
    c = ctx.child(root, "Client")
    if c is None:
        raise _Bad("/Bericht/Client", "Client", "required element is missing")
    client = _client(ctx, c, "/Bericht/Client", True)
    prods = ctx.child(c, "ToegewezenProducten")
    items = ctx.children(prods, "ToegewezenProduct") if prods is not None else []
    if not items:
        raise _Bad("/Bericht/Client/ToegewezenProducten", "ToegewezenProduct", "no ToegewezenProduct in the message")
    for i, p in enumerate(items, start=1):
        path = f"/Bericht/Client/ToegewezenProducten/ToegewezenProduct[{i}]"
        try:
            number = _number(ctx, p, path, True)
            cat, code = _product(ctx, p)
            on = ctx.date(p, "Toewijzingsdatum", path)
            at_text = ctx.text(p, "Toewijzingstijd", path)
            try:
                at = dt.time.fromisoformat(at_text or "")
                if at.tzinfo is not None:
                    raise ValueError(at_text)
            except ValueError:
                raise _Bad(path + "/Toewijzingstijd", "Toewijzingstijd", "not a valid time (hh:mm:ss)",
                           at_text) from None
            start = ctx.date(p, "Ingangsdatum", path)
            end = ctx.date(p, "Einddatum", path, required=False)
            reason = ctx.text(p, "RedenWijziging", path, required=False)
            assert number is not None and on is not None and start is not None
            if end is not None and end < start:
                raise _Bad(path + "/Einddatum", "Einddatum", "Einddatum lies before Ingangsdatum (CS003)",
                           end.isoformat())
            out.allocations.append(Allocation(h.domain, h.sender, h.receiver, number, cat, code, on, at, start, end,
                                              reason, h.message_date, h.message_id, file, path, client))
        except _Bad as b:
            out.issues.append(Issue.make(file, b.reason, path=b.path, field=b.field, value=b.value,
                                         table="interventions", rule="message"))


def _parse_305_307(ctx: _Ctx, root: ET.Element, h: Header, file: str, out: ParsedMessages) -> None:
    kind: Literal["start", "stop"] = "start" if h.number == "305" else "stop"
    c = ctx.child(root, "Client")
    if c is None:
        raise _Bad("/Bericht/Client", "Client", "required element is missing")
    client = _client(ctx, c, "/Bericht/Client", False)
    group, item = ("StartProducten", "StartProduct") if kind == "start" else ("StopProducten", "StopProduct")
    prods = ctx.child(c, group)
    items = ctx.children(prods, item) if prods is not None else []
    if not items:
        raise _Bad(f"/Bericht/Client/{group}", item, f"no {item} in the message")
    for i, p in enumerate(items, start=1):
        path = f"/Bericht/Client/{group}/{item}[{i}]"
        try:
            number = _number(ctx, p, path, False)
            cat, code = _product(ctx, p)
            begin = ctx.date(p, "Begindatum", path)
            end = ctx.date(p, "Einddatum", path, required=kind == "stop")
            reason = ctx.text(p, "RedenBeeindiging", path, required=kind == "stop")
            status = ctx.text(p, "StatusAanlevering", path)
            assert begin is not None and status is not None
            if status not in ("1", "3"):
                raise _Bad(path + "/StatusAanlevering", "StatusAanlevering",
                           "StatusAanlevering must be 1 (new) or 3 (delete) in a 305/307 (CS058)", status)
            if end is not None and end < begin:
                raise _Bad(path + "/Einddatum", "Einddatum", "Einddatum lies before Begindatum", end.isoformat())
            out.deliveries.append(Delivery(kind, h.domain, h.receiver, h.sender, number, cat, code, begin, end,
                                           reason, status, h.message_date, h.message_id, file, path, client.bsn))
        except _Bad as b:
            out.issues.append(Issue.make(file, b.reason, path=b.path, field=b.field, value=b.value,
                                         table="interventions", rule="message"))


def parse_message_bytes(data: bytes, file: str, out: ParsedMessages) -> None:
    """Parse one message held in ``data`` (named ``file`` in issues), adding its records and issues to ``out``."""
    out.files += 1
    try:
        root = DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as e:
        out.issues.append(Issue.make(file, f"unsafe XML refused ({type(e).__name__}): DTDs, entities and external "
                                     "references are not allowed", rule="xml"))
        return
    except ET.ParseError as e:
        out.issues.append(Issue.make(file, f"not well-formed XML: {e}", rule="xml"))
        return
    except (ValueError, UnicodeError, RecursionError) as e:
        out.issues.append(Issue.make(file, f"cannot parse XML: {type(e).__name__}: {e}", rule="xml"))
        return
    bericht = _find_bericht(root)
    if bericht is None:
        tag = root.tag if isinstance(root.tag, str) else "?"
        out.issues.append(Issue.make(file, "not an iJw/iWmo message: no Bericht element in an istandaarden.nl "
                                     "message namespace", path="/" + tag.split("}")[-1], value=tag, rule="xml"))
        return
    ns = bericht.tag[1:].split("}")[0]
    m = NS_PATTERN.match(ns)
    assert m is not None
    standard, release, prefix, number = m.groups()
    dom: Domain = "jw" if prefix == "jw" else "wmo"
    shown = release.replace("_", ".")
    if not release.startswith("3_"):
        out.issues.append(Issue.make(file, f"iJw/iWmo release {shown} is not supported; caregraph reads 3.x",
                                     path="/Bericht", field="namespace", value=ns, rule="release"))
        return
    if (standard == "ijw") != (dom == "jw"):
        out.issues.append(Issue.make(file, "namespace mixes iJw and iWmo", path="/Bericht", value=ns, rule="xml"))
        return
    if number not in ("301", "305", "307"):
        out.issues.append(Issue.make(file, f"{prefix.upper()}{number} messages are not used by caregraph; ignored",
                                     severity="warning", path="/Bericht", value=ns, rule="xml"))
        return
    if release not in KNOWN_RELEASES:
        known = ", ".join(r.replace("_", ".") for r in KNOWN_RELEASES)
        out.issues.append(Issue.make(file, f"iJw/iWmo release {shown} is not one caregraph was checked against "
                                     f"({known}); read as 3.2, check the result", severity="warning",
                                     path="/Bericht", field="namespace", value=ns, rule="release"))
    base_ns = ns.rsplit("/", 2)[0] + "/basisschema/schema"
    ctx = _Ctx(ns, base_ns)
    try:
        h = _header(ctx, bericht, dom, release, number)
        if number == "301":
            _parse_301(ctx, bericht, h, file, out)
        else:
            _parse_305_307(ctx, bericht, h, file, out)
    except _Bad as b:
        out.issues.append(Issue.make(file, b.reason + "; message skipped", path=b.path, field=b.field, value=b.value,
                                     table="interventions", rule="message"))


def parse_message_file(path: Path, out: ParsedMessages) -> None:
    """Parse one message file (see :func:`parse_message_bytes`)."""
    file = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_MESSAGE_BYTES:
            out.issues.append(Issue.make(file, f"file larger than {MAX_MESSAGE_BYTES >> 20} MiB; not a single "
                                         "iJw/iWmo message", rule="xml"))
            return
        data = path.read_bytes()
    except OSError as e:
        out.issues.append(Issue.make(file, f"cannot read: {e}", rule="file"))
        return
    parse_message_bytes(data, file, out)

